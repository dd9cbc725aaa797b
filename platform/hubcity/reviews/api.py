"""The reviews domain under ``/api/v1``: rounds, assignments, reviews, determinations, objections, awards, tranches (in the OpenAPI document)."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
