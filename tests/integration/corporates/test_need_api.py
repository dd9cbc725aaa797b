"""``/api/v1/partner-needs``: create, read, patch, open/close/reopen, bad input, refusals, OpenAPI."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from hubcity.db.tables import AuditEntry, PartnerNeed
from tests.conftest import api_call
from tests.factories.accounts import create_org
from tests.factories.corporates import api_need, corporation_with_member, create_need, login_as, member_of, quick_user

URL = "/api/v1/partner-needs"


async def snapshot(need_id: int) -> dict:
    return await PartnerNeed.select().where(PartnerNeed.id == need_id).first().run()


async def test_member_creates_reads_and_patches_a_need(client: AsyncClient) -> None:
    org, member = await corporation_with_member(name_en="Bada Energy Corp")
    await login_as(client, member)
    response = await api_call(client, "POST", URL, {**api_need(), "organisation_id": org["id"]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft" and body["can_manage"] is True
    assert body["corporation"] == {"id": org["id"], "name_ko": org["name_ko"], "name_en": "Bada Energy Corp", "verified": False, "anonymised": False}
    assert body["sectors"] == ["energy"] and body["countries"] == ["kr", "us"]
    assert body["budget_min"] == 0 and body["budget_max"] == 100_000_000 and body["budget_currency"] == "KRW"
    row = await snapshot(body["id"])
    assert row["opens_at"] == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # 2026-12-01 00:00 +09:00

    shown = await client.get(f"{URL}/{body['id']}")
    assert shown.status_code == 200 and shown.json()["title_en"] == "Battery forecasting partner"

    patched = await api_call(client, "PATCH", f"{URL}/{body['id']}", {"title_en": "Battery demand forecasting", "team_size_max": 40})
    assert patched.status_code == 200, patched.text
    assert patched.json()["title_en"] == "Battery demand forecasting" and patched.json()["team_size_max"] == 40
    assert patched.json()["sectors"] == ["energy"]  # fields not sent stay as they were

    # A local time without an offset is read in the agency's zone.
    local = await api_call(client, "PATCH", f"{URL}/{body['id']}", {"opens_at": "2026-12-02T09:00"})
    assert local.json()["opens_at"] == "2026-12-02T00:00:00Z"

    for action, status in (("open", "open"), ("close", "closed"), ("reopen", "open")):
        response = await api_call(client, "POST", f"{URL}/{body['id']}/{action}")
        assert response.status_code == 200 and response.json()["status"] == status
    wrong = await api_call(client, "POST", f"{URL}/{body['id']}/reopen")
    assert wrong.status_code == 409 and wrong.json()["error"] == "invalid_state"
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert actions == ["need.created", "need.updated", "need.updated", "need.opened", "need.closed", "need.reopened"]


async def test_create_published_at_once(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    response = await api_call(client, "POST", URL, {**api_need(status="open"), "organisation_id": org["id"]})
    assert response.status_code == 201 and response.json()["status"] == "open"


BAD_BODIES = [
    pytest.param({"title_ko": "", "title_en": ""}, "title_en", id="missing-title"),
    pytest.param({"title_ko": "가" * 201}, "title_ko", id="title-too-long"),
    pytest.param({"description_en": "x" * 5001}, "description_en", id="description-too-long"),
    pytest.param({"closes_at": "2026-11-30T00:00:00+09:00"}, "closes_at", id="closes-before-opens"),
    pytest.param({"opens_at": "soon"}, "opens_at", id="bad-instant"),
    pytest.param({"budget_min": 10, "budget_max": 5}, "budget_max", id="budget-inverted"),
    pytest.param({"budget_min": -1}, "budget_min", id="budget-negative"),
    pytest.param({"team_size_min": 10, "team_size_max": 2}, "team_size_max", id="team-inverted"),
    pytest.param({"visibility": "anonymised"}, "anonymised_label_en", id="anonymised-without-label"),
    pytest.param({"sectors": ["nope"]}, "sectors", id="unknown-sector"),
    pytest.param({"technologies": ["nope"]}, "technologies", id="unknown-technology"),
    pytest.param({"stages": ["nope"]}, "stages", id="unknown-stage"),
    pytest.param({"countries": ["zz"]}, "countries", id="unknown-country"),
    pytest.param({"engagement_type": "nope"}, "engagement_type", id="unknown-engagement"),
    pytest.param({"status": "closed"}, "status", id="create-closed"),
    pytest.param({"sectors": "energy,healthcare"}, "sectors", id="sectors-not-a-list-of-slugs"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_BODIES)
async def test_bad_create_is_refused_and_saves_nothing(client: AsyncClient, overrides: dict, field: str) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    response = await api_call(client, "POST", URL, {**api_need(**overrides), "organisation_id": org["id"]})
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_input" and field in body["fields"], body
    assert await PartnerNeed.count().run() == 0


async def test_create_needs_an_organisation_of_ones_own(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    other, _ = await corporation_with_member()
    startup = await create_org("startup")
    await member_of(startup["id"], name="Also a founder")
    await login_as(client, member)
    missing = await api_call(client, "POST", URL, api_need())
    assert missing.status_code == 422 and "organisation_id" in missing.json()["fields"]
    for organisation_id in (other["id"], startup["id"], 999_999):
        refused = await api_call(client, "POST", URL, {**api_need(), "organisation_id": organisation_id})
        assert refused.status_code == 404, refused.text
    client.cookies.clear()
    anonymous = await api_call(client, "POST", URL, {**api_need(), "organisation_id": org["id"]})
    assert anonymous.status_code == 401
    assert await PartnerNeed.count().run() == 0


async def test_bad_patch_changes_nothing(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    need = await create_need(org["id"], budget_min=100, budget_max=200, team_size_min=2, team_size_max=4)
    await login_as(client, member)
    before = await snapshot(need["id"])
    for body, field in (
        ({"budget_max": 50}, "budget_max"),  # now below the stored minimum
        ({"team_size_min": 9}, "team_size_max"),  # the stored maximum is now below it
        ({"title_en": "", "title_ko": ""}, "title_en"),
        ({"visibility": "anonymised"}, "anonymised_label_en"),
        ({"status": "closed"}, "status"),
        ({"technologies": ["psychic"]}, "technologies"),
        ({"closes_at": "2020-01-01T00:00:00Z", "opens_at": "2021-01-01T00:00:00Z"}, "closes_at"),
    ):
        response = await api_call(client, "PATCH", f"{URL}/{need['id']}", body)
        assert response.status_code == 422 and field in response.json()["fields"], (body, response.text)
    assert await snapshot(need["id"]) == before


async def test_member_of_another_corporation_is_refused_by_the_api(client: AsyncClient) -> None:
    org, _member = await corporation_with_member()
    secret = await create_need(org["id"], title_en="Secret merger scouting", visibility="staff")
    public = await create_need(org["id"], title_en="Public PoC call")
    _other, outsider = await corporation_with_member()
    await login_as(client, outsider)
    before = [await snapshot(secret["id"]), await snapshot(public["id"])]
    for need in (secret, public):
        patch = await api_call(client, "PATCH", f"{URL}/{need['id']}", {"title_en": "Hijacked"})
        assert patch.status_code == 404 and need["title_en"] not in patch.text
        for action in ("open", "close", "reopen"):
            response = await api_call(client, "POST", f"{URL}/{need['id']}/{action}")
            assert response.status_code == 404 and need["title_en"] not in response.text
    hidden = await client.get(f"{URL}/{secret['id']}")
    assert hidden.status_code == 404 and "Secret merger" not in hidden.text
    visible = await client.get(f"{URL}/{public['id']}")
    assert visible.status_code == 200 and visible.json()["can_manage"] is False
    assert [await snapshot(secret["id"]), await snapshot(public["id"])] == before
    assert await AuditEntry.count().run() == 0


async def test_anonymous_may_read_but_not_write(client: AsyncClient) -> None:
    org, _member = await corporation_with_member()
    need = await create_need(org["id"])
    assert (await client.get(f"{URL}/{need['id']}")).status_code == 200
    assert (await api_call(client, "PATCH", f"{URL}/{need['id']}", {"title_en": "x"})).status_code == 401
    assert (await api_call(client, "POST", f"{URL}/{need['id']}/close")).status_code == 401
    assert (await client.get(f"{URL}/999999")).json()["error"] == "not_found"


async def test_list_reports_bad_filters_instead_of_failing(client: AsyncClient) -> None:
    org, _member = await corporation_with_member()
    await create_need(org["id"], title_en="Small team wanted", team_size_min=1, team_size_max=5)
    staff = await quick_user(roles=("admin",))
    await login_as(client, staff)
    response = await client.get(
        URL, params={"team_min": "abc", "founded_after": "2020-13-45", "sector": "nope", "page": "0", "verified": "maybe"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body["filter_errors"]) == {"team_min", "sector", "page", "verified"}
    assert body["total"] == 1 and body["page"] == 1 and body["page_size"] == 20


async def test_openapi_documents_the_partner_need_and_directory_endpoints(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/partner-needs"])
    assert {"get", "patch"} <= set(paths["/api/v1/partner-needs/{need_id}"])
    for action in ("open", "close", "reopen"):
        assert "post" in paths[f"/api/v1/partner-needs/{{need_id}}/{action}"]
    assert "get" in paths["/api/v1/startups"]
    body = paths["/api/v1/partner-needs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "organisation_id" in body["properties"] and "anonymised_label_ko" in body["properties"]
    names = {p["name"] for p in paths["/api/v1/partner-needs"]["get"]["parameters"]}
    assert {"q", "sector", "technology", "stage", "engagement", "location", "team_min", "team_max", "verified", "page"} <= names
    startup_names = {p["name"] for p in paths["/api/v1/startups"]["get"]["parameters"]}
    assert {"q", "founded_after", "status"} <= startup_names
    assert not any(path.startswith(("/directory", "/needs", "/corporates")) for path in paths)


async def test_ids_that_cannot_exist_are_404_not_500(client: AsyncClient) -> None:
    _org, member = await corporation_with_member()
    await login_as(client, member)
    big = 10**20
    assert (await client.get(f"{URL}/{big}")).status_code == 404
    assert (await api_call(client, "PATCH", f"{URL}/{big}", {"title_en": "x"})).status_code == 404
    assert (await api_call(client, "POST", f"{URL}/{big}/close")).status_code == 404
    for organisation_id in (big, -1, 0):
        response = await api_call(client, "POST", URL, {**api_need(), "organisation_id": organisation_id})
        assert response.status_code == 404, (organisation_id, response.text)
    nul = await client.get(URL, params={"q": "a\x00b", "location": "x\x00"})
    assert nul.status_code < 500  # refused as a whole (400), or the two filters ignored
    if nul.status_code == 200:
        assert set(nul.json()["filter_errors"]) == {"q", "location"}
    assert await PartnerNeed.count().run() == 0


async def test_a_term_retired_by_staff_does_not_block_other_changes(client: AsyncClient) -> None:
    from hubcity.db.tables import TaxonomyTerm

    org, member = await corporation_with_member()
    need = await create_need(org["id"], sectors=["energy"])
    await TaxonomyTerm.update({TaxonomyTerm.is_active: False}).where(TaxonomyTerm.key == "sector:energy").run()
    await login_as(client, member)
    response = await api_call(client, "PATCH", f"{URL}/{need['id']}", {"title_en": "Renamed"})
    assert response.status_code == 200 and response.json()["sectors"] == ["energy"]
    # A new need cannot pick the retired term.
    new = await api_call(client, "POST", URL, {**api_need(sectors=["energy"]), "organisation_id": org["id"]})
    assert new.status_code == 422 and "sectors" in new.json()["fields"]
