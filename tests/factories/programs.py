"""Factories of the programs domain: program managers, published programs with a form, startups
with a profile, and applications — all made through the services the app uses.

Each returns what a test needs (dicts of rows and :class:`hubcity.core.viewer.Viewer` objects).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.clock import utcnow
from hubcity.core.viewer import Viewer, load_viewer
from hubcity.programs.services import ApplicationService, ProgramService
from tests.factories.accounts import create_org, create_user
from tests.factories.startups import create_profile

SEOUL = ZoneInfo("Asia/Seoul")

#: A form with one field of each kind; ``summary`` and ``team`` are required.
FORM: list[dict[str, Any]] = [
    {"key": "summary", "type": "text", "label_ko": "요약", "label_en": "Summary", "required": True, "max_length": 100},
    {"key": "plan", "type": "long_text", "label_ko": "계획", "label_en": "Plan", "max_length": 1000},
    {"key": "team", "type": "number", "label_ko": "팀 규모", "label_en": "Team size", "required": True, "min": 1, "max": 500,
     "prefill": "team_size"},
    {"key": "track", "type": "single_choice", "label_ko": "트랙", "label_en": "Track",
     "choices": [{"value": "ai", "label_ko": "AI", "label_en": "AI"}, {"value": "bio", "label_ko": "바이오", "label_en": "Bio"}]},
    {"key": "markets", "type": "multiple_choice", "label_ko": "시장", "label_en": "Markets",
     "choices": [{"value": "kr", "label_ko": "한국", "label_en": "Korea"}, {"value": "jp", "label_ko": "일본", "label_en": "Japan"}]},
    {"key": "start", "type": "date", "label_ko": "시작일", "label_en": "Start date"},
    {"key": "deck", "type": "file", "label_ko": "소개서", "label_en": "Pitch deck", "max_files": 1},
]
#: Answers that satisfy :data:`FORM` for submission.
COMPLETE_ANSWERS: dict[str, Any] = {"summary": "Vision AI for factories", "team": 12, "track": "ai"}


async def viewer_of(user: dict[str, Any]) -> Viewer:
    viewer = await load_viewer(user["id"])
    assert viewer is not None
    return viewer


async def staff_viewer(*roles: str, locale: str = "en") -> Viewer:
    """A new agency staff user with ``roles`` (default program_manager), as a Viewer."""
    return await viewer_of(await create_user(roles=roles or ("program_manager",), locale=locale))


async def create_program(
    manager: Viewer | None = None,
    *,
    form: list[dict[str, Any]] | None = None,
    publish: bool = True,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    eligibility: list[dict[str, Any]] | None = None,
    zone: ZoneInfo = SEOUL,
    **values: Any,
) -> dict[str, Any]:
    """A program with ``form`` (default :data:`FORM`), open since yesterday and closing in a
    week unless given, published unless ``publish`` is False. Returns the program row."""
    manager = manager or await staff_viewer()
    now = utcnow()
    data: dict[str, Any] = {
        "kind": "fund",
        "family": f"ai-seed-{secrets.token_hex(2)}",
        "title_ko": "AI 씨앗 펀드",
        "title_en": "AI Seed Fund",
        "opens_at": opens_at or now - timedelta(days=1),
        "closes_at": closes_at or now + timedelta(days=7),
        "budget": 500_000_000,
        "max_award": 50_000_000,
        "eligibility": eligibility if eligibility is not None else [{"rule": "one_application_per_startup"}],
    }
    data.update(values)
    service = ProgramService(zone)
    program = await service.create(manager, data, form=FORM if form is None else form)
    if publish:
        program = await service.publish(program["id"], manager)
    return program


async def create_startup(*, locale: str = "en", members: int = 0, **profile: Any) -> dict[str, Any]:
    """A startup organisation with an owner (and ``members`` more members) and an onboarded
    profile (``profile`` overrides its columns). Returns {org, owner (Viewer), members (Viewers), profile_id}."""
    owner = await create_user(locale=locale)
    others = [await create_user(locale=locale) for _ in range(members)]
    org = await create_org("startup", owner=owner, members=others)
    values: dict[str, Any] = {"founded_on": date(2022, 3, 1), "team_size": 12, "country": "kr", "location": "Busan", "stage": "seed"}
    values.update(profile)
    profile_id = await create_profile(org["id"], **values)
    return {
        "org": org,
        "owner": await viewer_of(owner),
        "members": [await viewer_of(u) for u in others],
        "profile_id": profile_id,
    }


async def create_application(
    program: dict[str, Any],
    startup: dict[str, Any] | None = None,
    *,
    answers: dict[str, Any] | None = None,
    service: ApplicationService | None = None,
) -> dict[str, Any]:
    """A draft application of ``startup`` (a new one by default) to ``program``, with ``answers``
    saved (default :data:`COMPLETE_ANSWERS`; ``{}`` saves nothing). Returns {application,
    startup, viewer (the owner)}."""
    startup = startup or await create_startup()
    service = service or ApplicationService()
    viewer = startup["owner"]
    application = await service.start(program["id"], viewer)
    chosen = COMPLETE_ANSWERS if answers is None else answers
    if chosen:
        application = await service.save(application["id"], viewer, chosen, expected_revision=application["revision"])
    return {"application": application, "startup": startup, "viewer": viewer}
