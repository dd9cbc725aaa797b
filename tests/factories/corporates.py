"""Factories of the corporates domain: taxonomy terms, corporations with members, partner needs.

``create_need`` writes rows straight into the tables (fast, any state, any visibility);
``need_form`` is a valid form of the need pages (``None`` removes a field).
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

from httpx import AsyncClient
from litestar import Request, get
from litestar.params import FromPath

from hubcity.core.clock import utcnow
from hubcity.core.jobs import enqueue_once
from hubcity.core.jobs import INDEX_NEED_JOB
from hubcity.core.passwords import DUMMY_HASH
from hubcity.db.tables import Membership, Organisation, PartnerNeed, PartnerNeedTag, StaffRole, TaxonomyTerm, User
from hubcity.startups.taxonomy_data import TAXONOMIES
from tests.factories.accounts import create_org, unique_email


async def seed_taxonomy() -> None:
    """Insert every term of ``hubcity.startups.taxonomy_data`` that is not stored yet."""
    existing = {row["key"] for row in await TaxonomyTerm.select(TaxonomyTerm.key).run()}
    rows = [
        TaxonomyTerm(key=f"{kind}:{slug}", kind=kind, slug=slug, label_ko=ko, label_en=en, position=i * 10, is_active=True)
        for kind, entries in TAXONOMIES.items()
        for i, (slug, ko, en) in enumerate(entries, start=1)
        if f"{kind}:{slug}" not in existing
    ]
    if rows:
        await TaxonomyTerm.insert(*rows).run()


async def verify(organisation_id: int) -> None:
    """Mark the organisation verified by staff."""
    await Organisation.update({Organisation.verified_at: utcnow()}).where(Organisation.id == organisation_id).run()


async def quick_user(*, name: str = "Test User", locale: str = "en", roles: tuple[str, ...] = ()) -> dict[str, Any]:
    """A user who logs in through :func:`login_as` (no password hashing: fast). Returns {id, email, name}."""
    now = utcnow()
    user = User(email=unique_email(), password_hash=DUMMY_HASH, name=name, locale=locale, is_active=True, created_at=now)
    await user.save().run()
    for role in roles:
        await StaffRole(user=user.id, role=role, granted_at=now).save().run()
    return {"id": user.id, "email": user.email, "name": name, "locale": locale}


async def member_of(organisation_id: int, **user: Any) -> dict[str, Any]:
    """A new user who is a member of ``organisation_id``."""
    person = await quick_user(**user)
    await Membership(user=person["id"], organisation=organisation_id, role="member", created_at=utcnow()).save().run()
    return person


async def corporation_with_member(
    *, name_ko: str | None = None, name_en: str | None = None, locale: str = "en", verified: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A corporation and one member of it: (organisation, user)."""
    org = await create_org("corporate", name_ko=name_ko, name_en=name_en)
    if verified:
        await verify(org["id"])
    return org, await member_of(org["id"], name="Corporate Choi", locale=locale)


@get("/_test/login-as/{user_id:int}", include_in_schema=False, sync_to_thread=False)
def login_route(request: Request, user_id: FromPath[int]) -> str:
    """Test-only: put ``user_id`` in the session, as the login page does (register it on the app)."""
    request.set_session({"user_id": user_id})
    return "ok"


async def login_as(client: AsyncClient, user: dict[str, Any] | None) -> None:
    """Log ``user`` in on ``client`` (None: stay anonymous). Needs :data:`login_route` registered."""
    if user is None:
        return
    response = await client.get(f"/_test/login-as/{user['id']}")
    assert response.status_code == 200, response.text


async def create_need(organisation_id: int, **overrides: Any) -> dict[str, Any]:
    """A partner need of ``organisation_id`` (open and public unless overridden).

    Overrides: any PartnerNeed column, plus ``sectors`` and ``technologies`` (slug lists);
    ``stages``/``countries`` as lists. Returns the values with ``id``.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "title_ko": "",
        "title_en": f"Need {secrets.token_hex(3)}",
        "description_en": "We are looking for a partner.",
        "status": "open",
        "visibility": "public",
        "stages": [],
        "countries": [],
        "created_at": now,
        "updated_at": now,
    }
    values.update(overrides)
    tags = {"sector": values.pop("sectors", []), "technology": values.pop("technologies", [])}
    row = {key: json.dumps(value, ensure_ascii=False) if key in ("stages", "countries") else value for key, value in values.items()}
    need = PartnerNeed(organisation=organisation_id, **row)
    await need.save().run()
    for kind, slugs in tags.items():
        for slug in slugs:
            await PartnerNeedTag(need=need.id, kind=kind, slug=slug).save().run()
    await enqueue_once(INDEX_NEED_JOB, {"need_id": need.id})  # as PartnerNeedService._save does
    return {**values, **tags, "id": need.id, "organisation": organisation_id}


def need_form(**overrides: Any) -> dict[str, Any]:
    """A valid need form (as the page posts it), with ``overrides`` (``None`` removes a field)."""
    data: dict[str, Any] = {
        "title_ko": "공장 비전 검사 PoC",
        "title_en": "Vision inspection PoC for our plant",
        "description_ko": "도장 라인의 결함을 찾아 줄 스타트업을 찾습니다.",
        "description_en": "We look for a startup to find defects on our paint line.",
        "sectors": ["automotive", "manufacturing"],
        "technologies": ["computer_vision"],
        "stages": ["seed", "series_a"],
        "countries": ["kr"],
        "locations": "Gwangju",
        "team_size_min": "3",
        "team_size_max": "50",
        "engagement_type": "poc",
        "budget_min": "10,000,000",
        "budget_max": "50000000",
        "opens_at": "2026-12-01T09:00",
        "closes_at": "2027-01-31T18:00",
        "visibility": "public",
        "anonymised_label_ko": "",
        "anonymised_label_en": "",
        "status": "open",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def api_need(**overrides: Any) -> dict[str, Any]:
    """A valid JSON body for ``POST /api/v1/partner-needs`` (without ``organisation_id``)."""
    data: dict[str, Any] = {
        "title_en": "Battery forecasting partner",
        "title_ko": "배터리 수요 예측 파트너",
        "description_en": "Forecast demand for our battery plants.",
        "sectors": ["energy"],
        "technologies": ["forecasting"],
        "stages": ["seed"],
        "countries": ["kr", "us"],
        "team_size_min": 2,
        "team_size_max": 30,
        "engagement_type": "co_development",
        "budget_min": 0,
        "budget_max": 100_000_000,
        "opens_at": "2026-12-01T00:00:00+09:00",
        "closes_at": "2027-03-01T00:00:00+09:00",
        "visibility": "public",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def at(text: str) -> datetime:
    """An aware datetime from ISO text (``2026-12-01T00:00:00+00:00``)."""
    return datetime.fromisoformat(text)
