"""Deadlines: the exact instant, extensions, countdown seconds, text in two zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hubcity.programs import deadlines

CLOSES = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # 18:00 in Seoul
MICRO = timedelta(microseconds=1)


def test_open_until_one_microsecond_before_the_instant() -> None:
    opens = CLOSES - timedelta(days=10)
    assert deadlines.is_open(CLOSES - MICRO, opens, CLOSES)
    assert not deadlines.is_open(CLOSES, opens, CLOSES)
    assert not deadlines.is_open(CLOSES + MICRO, opens, CLOSES)
    assert not deadlines.is_open(opens - MICRO, opens, CLOSES)


def test_an_extension_moves_only_that_deadline_later() -> None:
    later = CLOSES + timedelta(days=2)
    assert deadlines.effective_deadline(CLOSES, later) == later
    assert deadlines.effective_deadline(CLOSES, CLOSES - timedelta(days=1)) == CLOSES
    assert deadlines.effective_deadline(CLOSES, None) == CLOSES
    assert deadlines.is_open(CLOSES + timedelta(days=1), None, CLOSES, later)


def test_seconds_remaining_round_up_and_stop_at_zero() -> None:
    assert deadlines.seconds_remaining(CLOSES, CLOSES - timedelta(seconds=90, microseconds=1)) == 91
    assert deadlines.seconds_remaining(CLOSES, CLOSES) == 0
    assert deadlines.seconds_remaining(CLOSES, CLOSES + timedelta(hours=1)) == 0
    assert deadlines.seconds_remaining(None, CLOSES) is None


def test_describe_in_the_programs_zone_and_the_viewers() -> None:
    text = deadlines.describe(CLOSES, ZoneInfo("Asia/Seoul"), ZoneInfo("America/New_York"), "en")
    assert "2026-12-01 18:00" in text.program_zone and "Asia/Seoul" in text.program_zone
    assert "2026-12-01 04:00" in text.viewer_zone and "America/New_York" in text.viewer_zone
    assert text.iso_utc == "2026-12-01T09:00:00Z"
    assert deadlines.describe(CLOSES, ZoneInfo("Asia/Seoul"), ZoneInfo("Asia/Seoul"), "ko").viewer_zone == ""


def test_zones_and_local_input() -> None:
    assert deadlines.is_zone("Asia/Seoul") and not deadlines.is_zone("Mars/Base") and not deadlines.is_zone("../etc")
    assert deadlines.local_to_utc("2026-12-01T18:00", ZoneInfo("Asia/Seoul")) == CLOSES
    assert deadlines.zone_named("nope", ZoneInfo("Asia/Seoul")).key == "Asia/Seoul"
