"""A need's visibility, for each kind of viewer, in the directory, on the need's page and in the API.

One corporation ("Secret Motors") posts six needs: public, verified-only, staff-only, anonymised
(as "a global automaker"), a public draft and a public closed need. Six viewers look.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.core.clock import utcnow
from tests.factories.accounts import create_org
from tests.factories.corporates import corporation_with_member, create_need, login_as, member_of, quick_user, verify

REAL_EN, REAL_KO = "Secret Motors", "비밀 모터스"
LABEL_EN, LABEL_KO = "a global automaker", "글로벌 완성차 기업"
KINDS = ("public", "verified", "staff", "anonymised", "draft", "closed")
EVERYONE = {"public", "anonymised", "closed"}
EXPECTED = {
    "anonymous": EVERYONE,
    "unverified_startup": EVERYONE,
    "verified_startup": EVERYONE | {"verified"},
    "owner_member": set(KINDS),
    "other_corporation": EVERYONE,
    "staff": set(KINDS),
}
UNMASKS = {"owner_member", "staff"}


async def world() -> tuple[dict[str, int], dict[str, Any]]:
    """The six needs (kind → id) and one user per viewer kind (None for anonymous)."""
    org, owner_member = await corporation_with_member(name_en=REAL_EN, name_ko=REAL_KO, verified=True)
    common = {"description_en": "Looking for partners."}
    needs = {
        "public": await create_need(org["id"], **common, title_ko="공개 과제", title_en="Public need"),
        "verified": await create_need(org["id"], **common, title_ko="검증 과제", title_en="Verified-only need", visibility="verified"),
        "staff": await create_need(org["id"], **common, title_ko="직원 과제", title_en="Staff-only need", visibility="staff"),
        "anonymised": await create_need(
            org["id"], **common, title_ko="익명 과제", title_en="Anonymised need", visibility="anonymised",
            anonymised_label_en=LABEL_EN, anonymised_label_ko=LABEL_KO,
        ),
        "draft": await create_need(org["id"], **common, title_ko="초안 과제", title_en="Draft need", status="draft"),
        "closed": await create_need(org["id"], **common, title_ko="마감 과제", title_en="Closed need", status="closed"),
    }
    unverified = await create_org("startup")
    verified = await create_org("startup")
    await verify(verified["id"])
    other_corp = await create_org("corporate")
    viewers = {
        "anonymous": None,
        "unverified_startup": await member_of(unverified["id"]),
        "verified_startup": await member_of(verified["id"]),
        "owner_member": owner_member,
        "other_corporation": await member_of(other_corp["id"]),
        "staff": await quick_user(roles=("program_manager",)),
    }
    return {kind: need["id"] for kind, need in needs.items()}, viewers


def cards(html: str) -> dict[int, str]:
    """need id → the HTML of its card in a list."""
    found = {}
    for match in re.finditer(r'<article class="need-card" data-need="(\d+)".*?</article>', html, re.S):
        found[int(match[1])] = match[0]
    return found


def kinds_of(ids: set[int], needs: dict[str, int]) -> set[str]:
    by_id = {need_id: kind for kind, need_id in needs.items()}
    return {by_id[i] for i in ids}


@pytest.mark.parametrize("viewer_kind", list(EXPECTED))
async def test_visibility_in_directory_page_and_api(client: AsyncClient, viewer_kind: str) -> None:
    needs, viewers = await world()
    await login_as(client, viewers[viewer_kind])
    expected = EXPECTED[viewer_kind]
    unmasked = viewer_kind in UNMASKS

    # Directory, every status: exactly the needs this viewer may see.
    directory = await client.get("/directory/needs", params={"status": "all"})
    assert directory.status_code == 200
    listed = cards(directory.text)
    assert kinds_of(set(listed), needs) == expected
    # Default directory: open needs only (no drafts, no closed ones).
    default = cards((await client.get("/directory/needs")).text)
    assert kinds_of(set(default), needs) == expected - {"draft", "closed"}

    anonymised_card = listed[needs["anonymised"]]
    if unmasked:
        assert REAL_EN in anonymised_card and "/corporates/" in anonymised_card
    else:
        assert LABEL_EN in anonymised_card and REAL_EN not in anonymised_card and "/corporates/" not in anonymised_card
    assert 'data-state="closed"' in listed[needs["closed"]]

    # Need pages: 200 for the visible ones, 404 without the title for the others.
    for kind in KINDS:
        page = await client.get(f"/needs/{needs[kind]}")
        if kind in expected:
            assert page.status_code == 200, (viewer_kind, kind)
        else:
            assert page.status_code == 404, (viewer_kind, kind)
            assert f"{kind.capitalize()}-only need" not in page.text and "Draft need" not in page.text
    anonymised_page = (await client.get(f"/needs/{needs['anonymised']}")).text
    main = anonymised_page[anonymised_page.index('<main'):]
    if unmasked:
        assert REAL_EN in main
    else:
        assert LABEL_EN in main and REAL_EN not in main and REAL_KO not in main and "/corporates/" not in main
    closed_page = (await client.get(f"/needs/{needs['closed']}")).text
    assert 'data-state="closed"' in closed_page and 'data-testid="not-open"' in closed_page

    # API list and detail.
    body = (await client.get("/api/v1/partner-needs", params={"status": "all"})).json()
    api_ids = {item["id"] for item in body["items"]}
    assert kinds_of(api_ids, needs) == expected and body["total"] == len(expected)
    item = next(i for i in body["items"] if i["id"] == needs["anonymised"])
    if unmasked:
        assert item["corporation"]["name_en"] == REAL_EN and item["corporation"]["id"] is not None
    else:
        assert item["corporation"] == {"id": None, "name_ko": LABEL_KO, "name_en": LABEL_EN, "verified": None, "anonymised": True}
        assert REAL_EN not in json.dumps(item, ensure_ascii=False) and REAL_KO not in json.dumps(item, ensure_ascii=False)
    for kind in KINDS:
        response = await client.get(f"/api/v1/partner-needs/{needs[kind]}")
        assert response.status_code == (200 if kind in expected else 404), (viewer_kind, kind)

    # Searching for the corporation's real name never finds its anonymised need for others.
    for url in ("/api/v1/partner-needs", "/directory/needs"):
        found = await client.get(url, params={"q": "secret motors", "status": "all"})
        ids = {i["id"] for i in found.json()["items"]} if url.startswith("/api") else set(cards(found.text))
        assert (needs["anonymised"] in ids) is unmasked
        assert needs["public"] in ids
    by_label = (await client.get("/api/v1/partner-needs", params={"q": "글로벌 완성차"})).json()
    assert [i["id"] for i in by_label["items"]] == [needs["anonymised"]]


async def test_open_window_that_has_not_started_or_has_ended_shows_as_not_open(client: AsyncClient) -> None:
    org, _member = await corporation_with_member()
    now = utcnow()
    upcoming = await create_need(org["id"], title_en="Starts next week", opens_at=now + timedelta(days=7))
    ended = await create_need(org["id"], title_en="Ended yesterday", closes_at=now - timedelta(days=1))
    current = await create_need(
        org["id"], title_en="Open now", opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1)
    )
    for need, state in ((upcoming, "upcoming"), (ended, "ended"), (current, "open")):
        page = await client.get(f"/needs/{need['id']}")
        assert f'data-state="{state}"' in page.text
        assert ('data-testid="not-open"' in page.text) is (state != "open")
        body = (await client.get(f"/api/v1/partner-needs/{need['id']}")).json()
        assert body["window"] == state and body["is_open"] is (state == "open")
    listed = (await client.get("/directory/needs")).text
    assert "Not open yet" in listed and "No longer open" in listed
