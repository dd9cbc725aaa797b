"""The one source of "now" (aware UTC), so tests and code agree on instants."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)
