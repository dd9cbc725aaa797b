"""Program managers' pages: create, edit, publish, close and archive programs; forms, eligibility and review rounds."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
