"""Factories of the startups domain: taxonomies, profiles (onboarded or imported), startup
members who are logged in, and image files for logo uploads (made with Pillow).

Each returns what a test needs; profiles go through the same repository the app uses.
"""

from __future__ import annotations

import io
import secrets
from datetime import date
from typing import Any

from httpx import AsyncClient

from hubcity.core.clock import utcnow
from hubcity.startups import taxonomy
from hubcity.startups.repositories import ProfileRepository
from tests.factories.accounts import create_org, create_user, login


async def seed_taxonomies() -> int:
    return await taxonomy.seed_missing()


async def create_profile(
    organisation_id: int | None = None,
    *,
    sectors: list[str] | None = None,
    technologies: list[str] | None = None,
    completed: bool = True,
    **values: Any,
) -> int:
    """A profile kept by ``organisation_id`` (None: the agency's, as imported), onboarded unless
    ``completed`` is False. ``values`` override the columns. Returns its id."""
    row: dict[str, Any] = {
        "organisation": organisation_id,
        "name_en": f"Profile {secrets.token_hex(3)}",
        "one_liner_en": "We build vision AI for factories.",
        "status": "active",
        "onboarding_step": 6 if completed else 1,
        "onboarding_completed_at": utcnow() if completed and organisation_id else None,
    }
    row.update(values)
    return await ProfileRepository().save_profile(
        row, {"sector": sectors or ["automotive"], "technology": technologies or []}, None
    )


async def imported_profile(**values: Any) -> int:
    """A profile as the bulk import leaves it: no organisation, a source key."""
    external = secrets.token_hex(4)
    defaults: dict[str, Any] = {"source": "yc", "external_id": external, "source_key": f"yc:{external}"}
    defaults.update(values)
    return await create_profile(None, **defaults)


async def startup_member(
    client: AsyncClient, *, name_en: str | None = None, name_ko: str | None = None, locale: str = "en", role: str = "owner"
) -> dict[str, Any]:
    """A user owning (or member of) a new startup organisation, logged in on ``client``.

    Returns {user, org}."""
    user = await create_user(locale=locale)
    org = await create_org("startup", owner=user if role == "owner" else None, members=[user] if role != "owner" else [],
                           name_en=name_en, name_ko=name_ko)
    response = await login(client, user["email"])
    assert response.status_code == 303, response.text
    return {"user": user, "org": org}


async def staff_member(client: AsyncClient, *roles: str, locale: str = "en") -> dict[str, Any]:
    """An agency staff user with ``roles``, logged in on ``client``."""
    user = await create_user(roles=roles, locale=locale)
    response = await login(client, user["email"])
    assert response.status_code == 303, response.text
    return user


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (16, 16)) -> bytes:
    """A real image of ``kind`` (``PNG``, ``JPEG``, ``WEBP``, ``GIF``)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=kind)
    return buffer.getvalue()


def big_png(min_bytes: int) -> bytes:
    """A real PNG just over ``min_bytes`` (noise does not compress, so ~3 bytes per pixel)."""
    from PIL import Image

    side = int((min_bytes / 3) ** 0.5)
    while True:
        image = Image.frombytes("RGB", (side, side), secrets.token_bytes(side * side * 3))
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        if buffer.tell() >= min_bytes:
            return buffer.getvalue()
        side += 4


STEP_DATA: dict[int, dict[str, Any]] = {
    1: {
        "name_ko": "하늘 비전",
        "name_en": "Haneul Vision",
        "website": "haneul-vision.example",
        "location": "Hanbit",
        "country": "kr",
        "founded_on": date(2021, 3, 2).isoformat(),
        "team_size": "12",
    },
    2: {
        "one_liner_ko": "공장을 위한 비전 AI",
        "one_liner_en": "Vision AI for factories",
        "description_ko": "불량을 찾아냅니다.",
        "description_en": "We find defects on production lines.",
    },
    3: {"sectors": ["automotive", "manufacturing"], "technologies": ["computer_vision"], "stage": "seed"},
    4: {
        "funding_raised": "1,500,000,000",
        "investors": "Hanbit Ventures\nBlue Capital",
        "customers": "Daehan Motors",
        "partners": "",
        "target_markets": ["kr", "jp"],
    },
    5: {"needs_en": "Factory data for a PoC.", "offers_en": "Defect detection on your line."},
}
