"""Determinations (single and bulk), the applicant's determination page, objections and their answers."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
