"""Startups applying: eligibility check, the form with autosave, uploads, submission, withdrawal, timeline."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
