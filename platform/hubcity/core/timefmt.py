"""Showing instants to people: always in a named zone (the agency's by default)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime


def format_instant(value: datetime | None, zone: ZoneInfo, locale: str, with_zone_name: bool = True) -> str:
    """``value`` (aware) as local date and time in ``zone``, e.g. ``2026-11-30 09:00 KST (Asia/Seoul)``.

    A naive ``value`` is taken as UTC. ``None`` gives ``""``.
    """
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    local = value.astimezone(zone)
    text = format_datetime(local, "yyyy-MM-dd HH:mm", tzinfo=zone, locale=locale)
    if with_zone_name:
        text += f" {local.tzname()} ({zone.key})"
    return text
