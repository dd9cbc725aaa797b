"""Reviewers' pages: invitation and pledge, expertise, assignments, conflict declarations, the application and the scorecard, others' reviews after one's own."""

from __future__ import annotations

from typing import Any

CONTROLLERS: list[Any] = []
