"""A startup → the open needs that fit it and that it may see; interest; similar startups."""

from __future__ import annotations

import re
from datetime import timedelta

from httpx import AsyncClient

from hubcity.core.clock import utcnow
from hubcity.db.tables import Interest
from tests.conftest import post_form
from tests.factories.accounts import latest_email
from tests.factories.corporates import create_need, login_as, verify
from tests.factories.matches import build_market


def need_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'class="need-card match" data-need="(\d+)"', html)]


async def test_a_startup_sees_needs_that_fit_it_with_reasons_ranked(client: AsyncClient) -> None:
    market = await build_market()
    unrelated = await create_need(
        market.corporation["id"], title_en="Dental clinic scheduling chatbot", description_en="A chatbot that books dental appointments.",
        sectors=["healthcare"], technologies=["nlp"],
    )
    await login_as(client, market.owners["battery_ko"])  # a Korean-only profile finds an English need

    response = await client.get("/matches")

    assert response.status_code == 200, response.text
    ids = need_ids(response.text)
    assert ids.index(market.need["id"]) < ids.index(unrelated["id"])
    assert 'data-reason="similarity"' in response.text


async def test_needs_a_startup_may_not_see_are_never_proposed(client: AsyncClient) -> None:
    market = await build_market()
    corp = market.corporation["id"]
    battery = {"description_en": market.need["description_en"], "sectors": ["energy"], "technologies": ["forecasting"]}
    staff_only = await create_need(corp, title_en="Staff-only battery need", visibility="staff", **battery)
    verified_only = await create_need(corp, title_en="Verified-only battery need", visibility="verified", **battery)
    draft = await create_need(corp, title_en="Draft battery need", status="draft", **battery)
    closed = await create_need(corp, title_en="Closed battery need", status="closed", **battery)
    expired = await create_need(corp, title_en="Expired battery need", closes_at=utcnow() - timedelta(days=1), **battery)
    upcoming = await create_need(corp, title_en="Upcoming battery need", opens_at=utcnow() + timedelta(days=3), **battery)
    anonymised = await create_need(
        corp, title_en="Anonymised battery need", visibility="anonymised", anonymised_label_en="a global energy company", **battery
    )
    await login_as(client, market.owners["battery_en"])

    ids = need_ids((await client.get("/matches")).text)

    assert market.need["id"] in ids and anonymised["id"] in ids
    for hidden in (staff_only, verified_only, draft, closed, expired, upcoming):
        assert hidden["id"] not in ids, hidden["title_en"]
    page = (await client.get("/matches")).text
    card = page.split(f'data-need="{anonymised["id"]}"')[1].split("</article>")[0]
    assert "a global energy company" in card and "Hanbit" not in card

    await verify(market.orgs["battery_en"]["id"])
    assert verified_only["id"] in need_ids((await client.get("/matches")).text)


async def test_interest_is_shown_to_the_corporation_and_notified_in_its_language(client: AsyncClient) -> None:
    market = await build_market()
    need_id = market.need["id"]
    await login_as(client, market.owners["battery_en"])

    shown = await post_form(client, f"/needs/{need_id}/interest", {"action": "add", "message": "We fit."}, headers={"HX-Request": "true", "HX-Target": f"interest-{need_id}"})
    assert shown.status_code == 200 and 'aria-pressed="true"' in shown.text
    await post_form(client, f"/needs/{need_id}/interest", {"action": "add"})
    assert await Interest.count().where(Interest.need == need_id).run() == 1
    email = await latest_email(market.corporate_user["email"])
    assert email is not None and "CellSense" in email["subject"] and email["locale"] == "en"

    await login_as(client, market.corporate_user)
    page = await client.get(f"/needs/{need_id}/matches")
    assert "CellSense" in page.text.split('data-testid="interested"')[1]
    assert 'data-testid="interested-badge"' in page.text

    await login_as(client, market.owners["battery_en"])
    await post_form(client, f"/needs/{need_id}/interest", {"action": "remove"})
    assert await Interest.count().where(Interest.need == need_id).run() == 0


async def test_interest_in_a_closed_or_hidden_need_is_refused(client: AsyncClient) -> None:
    market = await build_market()
    closed = await create_need(market.corporation["id"], status="closed")
    hidden = await create_need(market.corporation["id"], visibility="staff")
    await login_as(client, market.owners["battery_en"])

    assert (await post_form(client, f"/needs/{closed['id']}/interest", {"action": "add"})).status_code == 409
    assert (await post_form(client, f"/needs/{hidden['id']}/interest", {"action": "add"})).status_code == 404
    too_long = await post_form(client, f"/needs/{market.need['id']}/interest", {"action": "add", "message": "x" * 2001})
    assert too_long.status_code == 422
    assert await Interest.count().run() == 0


async def test_the_matches_page_is_for_startup_members(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    assert (await client.get("/matches")).status_code == 403


async def test_similar_startups_exclude_itself_and_those_not_matchable(client: AsyncClient) -> None:
    market = await build_market()
    p = market.profiles

    response = await client.get(f"/startups/{p['battery_en']}/similar")

    assert response.status_code == 200
    ids = [int(v) for v in re.findall(r'class="startup-card" data-startup="(\d+)"', response.text)]
    assert p["battery_en"] not in ids and p["opted_out"] not in ids and p["inactive"] not in ids
    assert ids[0] == p["battery_ko"]  # the same business, written in Korean
    fragment = await client.get(f"/startups/{p['battery_en']}/similar", headers={"HX-Request": "true", "HX-Target": "similar-results"})
    assert "<html" not in fragment.text and str(p["battery_ko"]) in fragment.text
    assert (await client.get(f"/startups/{p['inactive']}/similar")).status_code == 404


async def test_interest_marked_by_two_members_at_once_is_kept_once_without_an_error(client: AsyncClient, monkeypatch) -> None:
    from hubcity.matches.repositories import InterestRepository

    market = await build_market()
    need_id = market.need["id"]
    await login_as(client, market.owners["battery_en"])

    async def racing_add(self, need, profile, user, message, now):  # this request saw no interest before the colleague's landed
        await Interest(need=need, profile=profile, created_by=user, message=message, created_at=now).save().run()
        return True

    await Interest(need=need_id, profile=market.profiles["battery_en"], created_by=market.owners["battery_en"]["id"], message="", created_at=utcnow()).save().run()
    monkeypatch.setattr(InterestRepository, "add", racing_add)
    response = await post_form(client, f"/needs/{need_id}/interest", {"action": "add"})

    assert response.status_code in (200, 303)
    assert await Interest.count().where(Interest.need == need_id).run() == 1
