"""``/api/v1`` of matches: the same rules as the pages, JSON in and out, bad input refused."""

from __future__ import annotations

from httpx import AsyncClient

from hubcity.db.tables import Introduction, ShortlistEntry
from tests.conftest import api_call
from tests.factories.corporates import corporation_with_member, login_as
from tests.factories.matches import build_market


async def test_need_matches_as_json_with_reasons_and_source_refs(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    response = await client.get(f"/api/v1/partner-needs/{market.need['id']}/matches", headers={"accept": "application/json"})

    assert response.status_code == 200, response.text
    body = response.json()
    ids = [item["profile_id"] for item in body["items"]]
    assert market.profiles["opted_out"] not in ids and market.profiles["inactive"] not in ids
    assert ids.index(market.profiles["battery_en"]) < ids.index(market.profiles["dental"])
    first = body["items"][0]
    assert 0 <= first["reasons"]["similarity"] <= 1 and set(first["reasons"]) >= {"matched_terms", "passed", "lacking"}
    assert body["total"] == len(ids)


async def test_api_refuses_outsiders_and_bad_bodies(client: AsyncClient) -> None:
    market = await build_market()
    need_id = market.need["id"]
    _org, outsider = await corporation_with_member(name_en="Other Corp")
    await login_as(client, outsider)
    hidden = await client.get(f"/api/v1/partner-needs/{need_id}/matches")
    assert hidden.status_code == 404 and market.need["title_en"] not in hidden.text

    await login_as(client, market.corporate_user)
    for body, field in (
        ({"profile_id": "abc"}, "profile_id"),
        ({}, "profile_id"),
        ({"profile_id": 0}, "profile_id"),
        ({"profile_id": market.profiles["battery_en"], "message": "x" * 2001}, "message"),
        (["not", "an", "object"], "body"),
    ):
        response = await api_call(client, "POST", f"/api/v1/partner-needs/{need_id}/introductions", body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.json()["fields"], response.json()
    assert await Introduction.count().run() == 0

    added = await api_call(client, "POST", f"/api/v1/partner-needs/{need_id}/shortlist", {"profile_id": market.profiles["dental"]})
    assert added.status_code == 200 and added.json() == {"changed": True}
    assert await ShortlistEntry.count().run() == 1
    removed = await api_call(client, "DELETE", f"/api/v1/partner-needs/{need_id}/shortlist/{market.profiles['dental']}")
    assert removed.json() == {"changed": True}
    assert await ShortlistEntry.count().run() == 0


async def test_introduction_round_trip_through_the_api(client: AsyncClient) -> None:
    market = await build_market()
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]
    await login_as(client, market.corporate_user)
    created = await api_call(client, "POST", f"/api/v1/partner-needs/{need_id}/introductions", {"profile_id": profile_id, "message": "Hello"})
    assert created.status_code == 201, created.text
    intro = created.json()
    assert intro["status"] == "requested" and intro["contact_email"] is None
    conflict = await api_call(client, "POST", f"/api/v1/partner-needs/{need_id}/introductions", {"profile_id": profile_id})
    assert conflict.status_code == 409

    await login_as(client, market.owners["battery_en"])
    bad = await api_call(client, "POST", f"/api/v1/matches/introductions/{intro['id']}/decision", {"decision": "maybe"})
    assert bad.status_code == 422 and "decision" in bad.json()["fields"]
    accepted = await api_call(client, "POST", f"/api/v1/matches/introductions/{intro['id']}/decision", {"decision": "accept"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"

    needs = await client.get("/api/v1/matches/needs")
    assert needs.status_code == 200 and need_id in [item["need"]["id"] for item in needs.json()["items"]]
    interest = await api_call(client, "POST", f"/api/v1/partner-needs/{need_id}/interest", {"message": 5})
    assert interest.status_code == 422 and "message" in interest.json()["fields"]

    await login_as(client, market.corporate_user)
    seen = await client.get(f"/api/v1/matches/introductions/{intro['id']}")
    assert seen.json()["contact_email"] == market.owners["battery_en"]["email"]
    outcome = await api_call(client, "POST", f"/api/v1/matches/introductions/{intro['id']}/outcome", {"outcome": "contract"})
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "contract"


async def test_the_openapi_document_lists_the_matches_endpoints(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert "/api/v1/partner-needs/{need_id}/matches" in paths
    assert "/api/v1/matches/introductions/{intro_id}/decision" in paths
