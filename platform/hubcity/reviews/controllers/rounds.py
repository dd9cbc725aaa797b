"""Staff pages of review rounds: panels, invitations, assignment (by hand and automatic, with reasons), results, advancing, presentation slots."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
