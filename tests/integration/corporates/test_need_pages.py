"""Partner-need pages: a corporation's list, the form (new and edit, good and bad input), a need's
page, open/close/reopen with their audit entries, and refusals for everyone but the members."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from httpx import AsyncClient

from hubcity.db.tables import AuditEntry, PartnerNeed, PartnerNeedTag
from tests.conftest import post_form
from tests.factories.accounts import create_org
from tests.factories.corporates import (
    corporation_with_member,
    create_need,
    login_as,
    member_of,
    need_form,
    quick_user,
)


def field_errors(html: str) -> dict[str, str]:
    """Field name → the error message shown under it."""
    return dict(re.findall(r'<small id="error-([a-z_]+)" class="field-error">([^<]*)</small>', html))


async def need_count() -> int:
    return await PartnerNeed.count().run()


async def audit_of(need_id: int) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where((AuditEntry.object_type == "partner_need") & (AuditEntry.object_id == str(need_id)))
        .order_by(AuditEntry.id)
        .run()
    )
    return [row["action"] for row in rows]


async def stored(need_id: int) -> dict:
    row = await PartnerNeed.select().where(PartnerNeed.id == need_id).first().output(load_json=True).run()
    tags = await PartnerNeedTag.select(PartnerNeedTag.kind, PartnerNeedTag.slug).where(PartnerNeedTag.need == need_id).run()
    row["tags"] = sorted((t["kind"], t["slug"]) for t in tags)
    return row


async def test_member_posts_a_need_stored_in_utc_with_its_tags(client: AsyncClient) -> None:
    org, member = await corporation_with_member(name_en="Hanul Motors")
    await login_as(client, member)
    form_page = await client.get(f"/corporates/{org['id']}/needs/new")
    assert form_page.status_code == 200 and "<html" in form_page.text
    assert 'name="sectors" value="automotive"' in form_page.text and 'type="datetime-local"' in form_page.text
    assert "Asia/Seoul" in form_page.text  # the zone the times are typed in
    fragment = await client.get(f"/corporates/{org['id']}/needs/new", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-testid="need-form"' in fragment.text

    response = await post_form(client, f"/corporates/{org['id']}/needs", need_form(), follow_redirects=False)
    assert response.status_code == 303
    need_id = int(response.headers["location"].rsplit("/", 1)[1])
    row = await stored(need_id)
    assert row["organisation"] == org["id"] and row["created_by"] == member["id"]
    assert row["status"] == "open" and row["visibility"] == "public"
    # 09:00 in Seoul (UTC+9) is midnight UTC; 18:00 is 09:00 UTC.
    assert row["opens_at"] == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
    assert row["closes_at"] == datetime(2027, 1, 31, 9, 0, tzinfo=UTC)
    assert (row["budget_min"], row["budget_max"], row["budget_currency"]) == (10_000_000, 50_000_000, "KRW")
    assert (row["team_size_min"], row["team_size_max"]) == (3, 50)
    assert row["stages"] == ["seed", "series_a"] and row["countries"] == ["kr"]
    assert row["tags"] == [("sector", "automotive"), ("sector", "manufacturing"), ("technology", "computer_vision")]
    assert await audit_of(need_id) == ["need.created", "need.opened"]

    page = await client.get(f"/needs/{need_id}")
    assert page.status_code == 200 and "<html" in page.text
    for text in ("Vision inspection PoC for our plant", "Hanul Motors", "₩10,000,000", "₩50,000,000", "Computer vision", "3 to 50 people"):
        assert text in page.text
    assert "2026-12-01 09:00 KST (Asia/Seoul)" in page.text
    fragment = await client.get(f"/needs/{need_id}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and f'data-need="{need_id}"' in fragment.text


async def test_korean_viewer_sees_korean_title_and_labels(client: AsyncClient) -> None:
    org, _member = await corporation_with_member(name_ko="하늘 모터스", name_en="Hanul Motors")
    need = await create_need(org["id"], title_ko="비전 검사 협력", title_en="Vision partner", sectors=["automotive"])
    viewer = await quick_user(locale="ko")
    await login_as(client, viewer)
    page = await client.get(f"/needs/{need['id']}")
    assert "비전 검사 협력" in page.text and "하늘 모터스" in page.text and "자동차·모빌리티" in page.text


BAD_FORMS = [
    pytest.param({"title_ko": "", "title_en": ""}, "title_en", "Title (English)", id="missing-title"),
    pytest.param({"title_en": "x" * 201}, "title_en", "at most 200 characters", id="title-too-long"),
    pytest.param({"description_ko": "가" * 5001}, "description_ko", "at most 5000 characters", id="description-too-long"),
    pytest.param({"closes_at": "2026-11-30T09:00"}, "closes_at", "later than the opening time", id="closes-before-opens"),
    pytest.param({"closes_at": "2026-12-01T09:00"}, "closes_at", "later than the opening time", id="closes-when-opens"),
    pytest.param({"opens_at": "next tuesday"}, "opens_at", "Opens at must be a date and time", id="bad-date"),
    pytest.param({"opens_at": "0001-01-01T00:00"}, "opens_at", "between the years 2000 and 2100", id="year-one"),
    pytest.param({"closes_at": "9999-12-31T23:59"}, "closes_at", "between the years 2000 and 2100", id="year-9999"),
    pytest.param({"budget_min": "9000", "budget_max": "100"}, "budget_max", "smaller than the smallest budget", id="budget-inverted"),
    pytest.param({"budget_min": "-5"}, "budget_min", "at least 0", id="budget-negative"),
    pytest.param({"budget_max": "lots"}, "budget_max", "whole number", id="budget-not-a-number"),
    pytest.param({"team_size_min": "20", "team_size_max": "5"}, "team_size_max", "smaller than the smallest team size", id="team-inverted"),
    pytest.param({"team_size_min": "0"}, "team_size_min", "at least 1", id="team-zero"),
    pytest.param({"visibility": "anonymised"}, "anonymised_label_en", "a global automaker", id="anonymised-without-label"),
    pytest.param({"visibility": "friends"}, "visibility", "Visibility must be one of", id="unknown-visibility"),
    pytest.param({"sectors": ["automotive", "space-mining"]}, "sectors", "“space-mining” is not one of the choices", id="unknown-sector"),
    pytest.param({"technologies": ["telepathy"]}, "technologies", "“telepathy”", id="unknown-technology"),
    pytest.param({"stages": ["unicorn"]}, "stages", "“unicorn”", id="unknown-stage"),
    pytest.param({"countries": ["atlantis"]}, "countries", "“atlantis”", id="unknown-country"),
    pytest.param({"engagement_type": "marriage"}, "engagement_type", "“marriage”", id="unknown-engagement"),
    pytest.param({"locations": "x" * 301}, "locations", "at most 300 characters", id="locations-too-long"),
    pytest.param({"anonymised_label_en": "y" * 201}, "anonymised_label_en", "at most 200 characters", id="label-too-long"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_FORMS)
async def test_bad_new_need_is_refused_with_the_form_kept(client: AsyncClient, overrides: dict, field: str, message: str) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    data = need_form(**{"locations": "Gwangju and Naju", **overrides})
    response = await post_form(client, f"/corporates/{org['id']}/needs", data)
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert field in errors and message in errors[field], errors
    assert 'class="error-summary"' in response.text
    # What was typed comes back (text and ticked boxes), and nothing was saved.
    if field != "locations":
        assert 'value="Gwangju and Naju"' in response.text
    ticked = ("technologies", "computer_vision") if "technologies" not in overrides else ("sectors", "manufacturing")
    assert re.search(rf'name="{ticked[0]}" value="{ticked[1]}"\s+checked', response.text)
    assert await need_count() == 0


async def test_bad_new_need_as_htmx_comes_back_as_a_fragment(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    response = await post_form(client, f"/corporates/{org['id']}/needs", need_form(title_ko="", title_en=""), htmx=True)
    assert response.status_code == 422 and "<html" not in response.text and "Title (English)" in response.text
    good = await post_form(client, f"/corporates/{org['id']}/needs", need_form(), htmx=True)
    assert good.status_code == 200 and good.headers["HX-Redirect"].startswith("/needs/")


async def test_anonymised_need_with_a_label_in_one_language_is_accepted(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    data = need_form(visibility="anonymised", anonymised_label_ko="글로벌 완성차 기업")
    response = await post_form(client, f"/corporates/{org['id']}/needs", data, follow_redirects=False)
    assert response.status_code == 303
    row = await PartnerNeed.select().first().run()
    assert row["visibility"] == "anonymised" and row["anonymised_label_ko"] == "글로벌 완성차 기업"


async def test_draft_then_publish_close_reopen_each_audited(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    colleague = await member_of(org["id"])  # any member may change it
    await login_as(client, member)
    response = await post_form(client, f"/corporates/{org['id']}/needs", need_form(status="draft"), follow_redirects=False)
    need_id = int(response.headers["location"].rsplit("/", 1)[1])
    assert (await stored(need_id))["status"] == "draft"
    page = await client.get(f"/needs/{need_id}")
    assert "Publish" in page.text and 'data-state="draft"' in page.text

    await login_as(client, colleague)
    for action, status in (("open", "open"), ("close", "closed"), ("reopen", "open"), ("close", "closed")):
        response = await post_form(client, f"/needs/{need_id}/{action}", follow_redirects=False)
        assert response.status_code == 303, (action, response.text)
        assert (await stored(need_id))["status"] == status
    assert await audit_of(need_id) == ["need.created", "need.opened", "need.closed", "need.reopened", "need.closed"]
    closed = await client.get(f"/needs/{need_id}")
    assert 'data-state="closed"' in closed.text and "Reopen" in closed.text

    # Transitions the status does not allow: 409, nothing changed, nothing audited.
    again = await post_form(client, f"/needs/{need_id}/close")
    assert again.status_code == 409 and "already closed" in again.text
    publish = await post_form(client, f"/needs/{need_id}/open")
    assert publish.status_code == 409
    assert (await stored(need_id))["status"] == "closed" and len(await audit_of(need_id)) == 5


async def test_edit_form_shows_local_times_and_saves_changes(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    response = await post_form(client, f"/corporates/{org['id']}/needs", need_form(), follow_redirects=False)
    need_id = int(response.headers["location"].rsplit("/", 1)[1])
    edit = await client.get(f"/needs/{need_id}/edit")
    assert edit.status_code == 200 and "<html" in edit.text
    assert 'value="2026-12-01T09:00"' in edit.text and 'value="2027-01-31T18:00"' in edit.text
    assert re.search(r'name="sectors" value="automotive"\s+checked', edit.text)
    fragment = await client.get(f"/needs/{need_id}/edit", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text

    changed = need_form(title_en="Paint-line inspection", sectors=["automotive"], budget_max="80,000,000")
    response = await post_form(client, f"/needs/{need_id}/edit", changed, follow_redirects=False)
    assert response.status_code == 303
    row = await stored(need_id)
    assert row["title_en"] == "Paint-line inspection" and row["budget_max"] == 80_000_000
    assert row["tags"] == [("sector", "automotive"), ("technology", "computer_vision")]
    assert row["status"] == "open"  # the form does not change the status
    entry = await AuditEntry.select().where(AuditEntry.action == "need.updated").first().output(load_json=True).run()
    assert set(entry["after"]) == {"title_en", "sectors", "budget_max"}
    assert entry["before"]["title_en"] == "Vision inspection PoC for our plant"


async def test_bad_edit_changes_nothing(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    need = await create_need(org["id"], title_en="Original title", budget_min=100, budget_max=200, sectors=["energy"])
    await login_as(client, member)
    before = await stored(need["id"])
    response = await post_form(
        client, f"/needs/{need['id']}/edit", need_form(title_en="Changed", budget_min="500", budget_max="1", sectors=["nope"])
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert "budget_max" in errors and "sectors" in errors
    assert 'value="Changed"' in response.text
    assert await stored(need["id"]) == before
    assert await audit_of(need["id"]) == []


async def test_member_of_another_organisation_can_neither_edit_nor_close(client: AsyncClient) -> None:
    org, _owner = await corporation_with_member()
    need = await create_need(org["id"], title_en="Confidential battery program", visibility="staff")
    public = await create_need(org["id"], title_en="Public sourcing call")
    other_org, outsider = await corporation_with_member()
    await login_as(client, outsider)
    before = [await stored(need["id"]), await stored(public["id"])]
    for target in (need, public):
        edit = await client.get(f"/needs/{target['id']}/edit")
        assert edit.status_code == 404 and target["title_en"] not in edit.text
        update = await post_form(client, f"/needs/{target['id']}/edit", need_form(title_en="Hijacked"))
        assert update.status_code == 404 and target["title_en"] not in update.text
        for action in ("close", "reopen", "open"):
            response = await post_form(client, f"/needs/{target['id']}/{action}")
            assert response.status_code == 404 and target["title_en"] not in response.text
    # The staff-only need stays hidden from the outsider; the public one is visible, without buttons.
    assert (await client.get(f"/needs/{need['id']}")).status_code == 404
    page = await client.get(f"/needs/{public['id']}")
    assert page.status_code == 200 and 'data-testid="need-actions"' not in page.text
    # Nor can they post a need for the other corporation.
    assert (await client.get(f"/corporates/{org['id']}/needs/new")).status_code == 404
    refused = await post_form(client, f"/corporates/{org['id']}/needs", need_form())
    assert refused.status_code == 404
    assert [await stored(need["id"]), await stored(public["id"])] == before
    assert await need_count() == 2 and await AuditEntry.count().run() == 0
    assert other_org["id"] != org["id"]


async def test_staff_see_every_need_but_only_members_change_them(client: AsyncClient) -> None:
    org, _member = await corporation_with_member()
    need = await create_need(org["id"], status="draft", visibility="staff")
    staff = await quick_user(roles=("admin",))
    await login_as(client, staff)
    assert (await client.get(f"/needs/{need['id']}")).status_code == 200
    assert (await post_form(client, f"/needs/{need['id']}/open")).status_code == 404
    assert (await stored(need["id"]))["status"] == "draft"


async def test_startup_cannot_post_needs_and_anonymous_must_log_in(client: AsyncClient) -> None:
    startup = await create_org("startup")
    founder = await member_of(startup["id"])
    await login_as(client, founder)
    assert (await client.get(f"/corporates/{startup['id']}/needs/new")).status_code == 404
    assert (await post_form(client, f"/corporates/{startup['id']}/needs", need_form())).status_code == 404
    assert (await client.get(f"/corporates/{startup['id']}/needs")).status_code == 404  # not a corporation
    client.cookies.clear()
    org, _member = await corporation_with_member()
    response = await client.get(f"/corporates/{org['id']}/needs/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert await need_count() == 0


async def test_corporation_page_lists_needs_members_see_drafts(client: AsyncClient) -> None:
    org, member = await corporation_with_member(name_en="Hanul Motors")
    await create_need(org["id"], title_en="Open call")
    await create_need(org["id"], title_en="Unfinished idea", status="draft")
    await create_need(org["id"], title_en="Hidden name call", visibility="anonymised", anonymised_label_en="a global automaker")
    # Anyone: the named, visible needs only (never the anonymised one, which would unmask it).
    anonymous = await client.get(f"/corporates/{org['id']}/needs")
    assert anonymous.status_code == 200 and "<html" in anonymous.text and "Hanul Motors" in anonymous.text
    assert "Open call" in anonymous.text
    assert "Unfinished idea" not in anonymous.text and "Hidden name call" not in anonymous.text
    assert 'data-testid="new-need"' not in anonymous.text
    await login_as(client, member)
    page = await client.get(f"/corporates/{org['id']}/needs")
    for title in ("Open call", "Unfinished idea", "Hidden name call"):
        assert title in page.text
    assert 'data-testid="new-need"' in page.text
    fragment = await client.get(f"/corporates/{org['id']}/needs", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<h1>" in fragment.text
    section = await client.get(f"/corporates/{org['id']}/needs", headers={"HX-Request": "true", "HX-Target": "org-needs"})
    assert section.status_code == 200 and "<h1>" not in section.text and "Unfinished idea" in section.text
    # The organisation page loads that section.
    org_page = await client.get(f"/organisations/{org['id']}")
    assert f'hx-get="/corporates/{org["id"]}/needs"' in org_page.text
    assert f'href="/corporates/{org["id"]}/needs"' in org_page.text


BIG = "99999999999999999999"  # more than any id column holds


async def test_ids_that_cannot_exist_are_404_not_500(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    for url in (f"/needs/{BIG}", f"/needs/{BIG}/edit", f"/corporates/{BIG}/needs", f"/corporates/{BIG}/needs/new", "/needs/0"):
        assert (await client.get(url)).status_code == 404, url
    for url in (f"/needs/{BIG}/close", f"/needs/{BIG}/edit", f"/corporates/{BIG}/needs"):
        assert (await post_form(client, url, need_form())).status_code == 404, url
    assert await need_count() == 0 and org["id"]


async def test_control_characters_are_refused_in_text_fields(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    response = await post_form(
        client, f"/corporates/{org['id']}/needs", need_form(title_en="Vision\x00PoC", locations="Gwangju\nNaju")
    )
    assert response.status_code == 422
    errors = field_errors(response.text)
    assert "title_en" in errors and "locations" in errors
    multi_line = need_form(description_en="First paragraph.\r\n\r\nSecond paragraph.")
    assert (await post_form(client, f"/corporates/{org['id']}/needs", multi_line, follow_redirects=False)).status_code == 303
    assert await need_count() == 1


async def test_optional_fields_may_stay_empty(client: AsyncClient) -> None:
    org, member = await corporation_with_member()
    await login_as(client, member)
    empty = {name: "" for name in ("title_ko", "description_ko", "description_en", "locations", "team_size_min",
                                    "team_size_max", "engagement_type", "budget_min", "budget_max", "opens_at", "closes_at")}
    data = need_form(**empty, sectors=[], technologies=[], stages=[], countries=[], status="draft")
    response = await post_form(client, f"/corporates/{org['id']}/needs", data, follow_redirects=False)
    assert response.status_code == 303, field_errors(response.text)
    row = await stored(int(response.headers["location"].rsplit("/", 1)[1]))
    assert row["team_size_min"] is None and row["budget_max"] is None and row["opens_at"] is None
    assert row["engagement_type"] == "" and row["tags"] == [] and row["stages"] == []
    page = await client.get(response.headers["location"])
    assert page.status_code == 200 and "Any stage" in page.text
