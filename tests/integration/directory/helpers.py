"""Startup profiles for directory tests, written straight into the startups domain's tables.

(Kept here: the startups domain owns tests/factories for its own rows; the directory only reads.)
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

from hubcity.core.clock import utcnow
from hubcity.db.tables import StartupProfile, StartupTag
from hubcity.startups.repositories import enqueue_index
from tests.factories.accounts import create_org
from tests.factories.corporates import verify

_order = [0]


async def create_profile(
    *,
    sectors: tuple[str, ...] = (),
    technologies: tuple[str, ...] = (),
    organisation: bool = False,
    verified: bool = False,
    onboarding_done: bool = True,
    **values: Any,
) -> int:
    """A startup profile; ``organisation``: kept by a new startup organisation (else by the
    agency, as imported ones are). Profiles created later count as more recently updated.
    Returns the id."""
    _order[0] += 1
    now = utcnow() + timedelta(seconds=_order[0])
    org_id = None
    if organisation or verified:
        org_id = (await create_org("startup"))["id"]
        if verified:
            await verify(org_id)
    row = {
        "organisation": org_id,
        "status": "active",
        "onboarding_completed_at": now if onboarding_done and org_id else None,
        "created_at": now,
        "updated_at": now,
    }
    row.update(values)
    if isinstance(row.get("tags"), list):
        row["tags"] = json.dumps(row["tags"], ensure_ascii=False)
    profile = StartupProfile(**row)
    await profile.save().run()
    for kind, slugs in (("sector", sectors), ("technology", technologies)):
        for slug in slugs:
            await StartupTag(profile=profile.id, kind=kind, slug=slug).save().run()
    await enqueue_index(int(profile.id))  # as every write of the startups domain does
    return int(profile.id)


def listed_ids(html: str) -> list[int]:
    """Ids of the startup cards on a directory page, in order."""
    return [int(i) for i in re.findall(r'<article class="startup-card" data-startup="(\d+)"', html)]


def filter_errors(html: str) -> dict[str, str]:
    """Filter name → the message shown next to it."""
    return dict(re.findall(r'data-filter-error="([a-z_]+)">([^<]*)<', html))


async def sample_directory() -> dict[str, int]:
    """A small directory: name → profile id."""
    return {
        "haneul": await create_profile(
            name_ko="하늘비전", name_en="Haneul Vision", one_liner_en="Defect detection for paint lines",
            description_ko="도장 라인의 결함을 찾는 비전 AI", sectors=("automotive",), technologies=("computer_vision",),
            stage="seed", team_size=12, location="Gwangju", country="kr", founded_on=date(2021, 3, 1), verified=True,
        ),
        "bada": await create_profile(
            name_en="Bada Energy", one_liner_en="Forecasting power demand for grids", sectors=("energy",),
            technologies=("forecasting",), stage="series_a", team_size=40, location="Busan", country="kr",
            founded_on=date(2018, 5, 10), tags=["smart grid", "배터리"],
        ),
        "medi": await create_profile(
            name_ko="메디포레스트", one_liner_ko="의료 영상 판독 보조", sectors=("healthcare",), technologies=("medical_ai",),
            stage="pre_seed", team_size=5, location="Seoul", country="kr", founded_on=date(2023, 1, 1), organisation=True,
        ),
        "tokyo": await create_profile(
            name_en="Sakura Speech", one_liner_en="Speech recognition for call centres", sectors=("enterprise_software",),
            technologies=("speech", "nlp"), stage="growth", team_size=80, location="Tokyo", country="jp",
            founded_on=date(2015, 7, 1),
        ),
        "inactive": await create_profile(name_en="Quiet Robotics", status="inactive", sectors=("robotics",)),
        "acquired": await create_profile(name_en="Sold Vision", status="acquired", technologies=("computer_vision",)),
        "opted_out": await create_profile(name_en="Shy Data", do_not_match=True, technologies=("data_infrastructure",)),
        "draft": await create_profile(name_en="Half Onboarded", organisation=True, onboarding_done=False),
        "nameless": await create_profile(name_en="", name_ko=""),
    }
