"""The one source of "now" (aware UTC), so tests and code agree on instants; calendar arithmetic."""

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """The current instant as an aware UTC datetime."""
    return datetime.now(UTC)


def add_years(day: date, years: int) -> date:
    """``day`` moved ``years`` calendar years (negative: back); 29 February becomes 28 February
    in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
