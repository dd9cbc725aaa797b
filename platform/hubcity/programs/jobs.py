"""Jobs of the programs domain: reminders to startups with unsubmitted drafts before a deadline."""

from __future__ import annotations

from typing import Any


def register(registry: Any, notifier: Any, public_url: str) -> None:
    """Register the programs domain's job handlers on ``registry`` (none yet)."""
