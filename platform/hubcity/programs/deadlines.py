"""Deadlines: the closing instant of a call (or of one application's extension) against now.

Every instant is an aware datetime (UTC in the database). Submission is accepted while
``now < deadline`` — at the closing instant itself it is refused. Times are shown in the
program's zone and in the viewer's (both named), with :func:`hubcity.core.timefmt.format_instant`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hubcity.core.timefmt import format_instant


def zone_named(name: str | None, default: ZoneInfo | None = None) -> ZoneInfo:
    """The zone called ``name`` (IANA); ``default`` (or UTC) when ``name`` is empty or unknown."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory ("Asia") or a name too long
            pass
    return default or ZoneInfo("UTC")


def is_zone(name: str) -> bool:
    """True when ``name`` is an IANA zone name zoneinfo knows (``Asia/Seoul``)."""
    if not isinstance(name, str) or not name or len(name) > 64 or name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a directory of the zone database ("Asia")
        return False
    return True


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def effective_deadline(closes_at: datetime | None, extended_to: datetime | None = None) -> datetime | None:
    """The instant an application's submission closes: its extension if it has a later one,
    else the program's ``closes_at`` (None: no deadline)."""
    if closes_at is None:
        return _aware(extended_to) if extended_to else None
    if extended_to is not None and _aware(extended_to) > _aware(closes_at):
        return _aware(extended_to)
    return _aware(closes_at)


def is_open(now: datetime, opens_at: datetime | None, closes_at: datetime | None, extended_to: datetime | None = None) -> bool:
    """True when ``now`` is inside ``[opens_at, deadline)`` (an extension lifts only the end)."""
    if opens_at is not None and _aware(now) < _aware(opens_at) and extended_to is None:
        return False
    deadline = effective_deadline(closes_at, extended_to)
    return deadline is None or _aware(now) < deadline


def seconds_remaining(deadline: datetime | None, now: datetime) -> int | None:
    """Whole seconds until ``deadline`` (rounded up, 0 once it has passed; None: no deadline),
    for a countdown."""
    if deadline is None:
        return None
    return max(0, math.ceil((_aware(deadline) - _aware(now)).total_seconds()))


@dataclass(frozen=True)
class DeadlineText:
    """A deadline as text: in the program's zone, in the viewer's (empty when it is the same
    zone), and the ISO UTC instant for a countdown script."""

    program_zone: str
    viewer_zone: str
    iso_utc: str


def describe(deadline: datetime | None, program_zone: ZoneInfo, viewer_zone: ZoneInfo | None, locale: str) -> DeadlineText:
    """:class:`DeadlineText` of ``deadline`` for a viewer in ``viewer_zone`` reading ``locale``."""
    if deadline is None:
        return DeadlineText("", "", "")
    same = viewer_zone is None or viewer_zone.key == program_zone.key
    return DeadlineText(
        program_zone=format_instant(deadline, program_zone, locale),
        viewer_zone="" if same else format_instant(deadline, viewer_zone, locale),  # type: ignore[arg-type]
        iso_utc=_aware(deadline).astimezone(UTC).isoformat().replace("+00:00", "Z"),
    )


def local_to_utc(text: str, zone: ZoneInfo) -> datetime:
    """A date-time typed as ``2026-12-01T18:00`` (no offset: read in ``zone``; an offset is
    kept) as an aware UTC datetime. Raises ``ValueError`` when it is not a date-time."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00 east of UTC, 9999-12-31 west of it
        raise ValueError(f"{text!r} is outside the years a date-time can hold") from None
