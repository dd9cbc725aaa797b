"""``/api/v1/programs`` and ``/api/v1/applications``: every endpoint, its refusals and its bad
input (wrong types, answers over their limits, stale revisions, unknown ids, another startup's
application), and the OpenAPI document."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.core.clock import utcnow
from hubcity.db.tables import Application, AuditEntry, Program
from tests.conftest import api_call
from tests.factories.corporates import login_as, quick_user
from tests.factories.programs import COMPLETE_ANSWERS, FORM, create_application, create_program, create_startup

PROGRAMS = "/api/v1/programs"
APPLICATIONS = "/api/v1/applications"
SECRET_TITLE = "Stealth Quantum Fund"


def program_body(**overrides: Any) -> dict[str, Any]:
    now = utcnow()
    body: dict[str, Any] = {
        "kind": "fund", "family": "ai-seed", "title_ko": "AI 씨앗 펀드", "title_en": "AI Seed Fund",
        "opens_at": (now - timedelta(days=1)).isoformat(), "closes_at": (now + timedelta(days=7)).isoformat(),
        "budget": 500_000_000, "max_award": 50_000_000, "eligibility": [{"rule": "one_application_per_startup"}], "form": FORM,
    }
    body.update(overrides)
    return body


async def as_user(client: AsyncClient, *roles: str) -> dict[str, Any]:
    user = await quick_user(roles=roles)
    await login_as(client, user)
    return user


async def as_startup(client: AsyncClient, **profile: Any) -> dict[str, Any]:
    startup = await create_startup(**profile)
    await login_as(client, {"id": startup["owner"].id})
    return startup


async def stored(application_id: int) -> dict[str, Any]:
    return await Application.select().where(Application.id == application_id).first().run()


def assert_no_leak(response: Any, *texts: str) -> None:
    for text in texts:
        assert text not in response.text, text


# -- programs -----------------------------------------------------------------------------------


async def test_a_manager_creates_edits_publishes_closes_and_archives_a_program(client: AsyncClient) -> None:
    await as_user(client, "program_manager")
    created = await api_call(client, "POST", PROGRAMS, program_body())
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["form"]["version"] == 1
    assert [f["key"] for f in body["form"]["fields"]] == [f["key"] for f in FORM]
    assert body["review_rounds"] == [] and body["time_zone"] == "Asia/Seoul"
    pid = body["id"]

    patched = await api_call(client, "PATCH", f"{PROGRAMS}/{pid}", {"title_en": "AI Seed Fund 2027", "closes_at": "2099-12-01T18:00"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["title_en"] == "AI Seed Fund 2027"
    assert patched.json()["closes_at"] == "2099-12-01T09:00:00Z"  # read in the program's zone (Seoul)

    form = await api_call(client, "PUT", f"{PROGRAMS}/{pid}/form", {"fields": FORM[:2]})
    assert form.status_code == 200 and [f["key"] for f in form.json()["form"]["fields"]] == ["summary", "plan"]

    published = await api_call(client, "POST", f"{PROGRAMS}/{pid}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published" and published.json()["is_open"] is True
    again = await api_call(client, "POST", f"{PROGRAMS}/{pid}/publish")
    assert again.status_code == 409 and again.json()["error"] == "invalid_state"
    archived_too_soon = await api_call(client, "POST", f"{PROGRAMS}/{pid}/archive")
    assert archived_too_soon.status_code == 409
    closed = await api_call(client, "POST", f"{PROGRAMS}/{pid}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["is_open"] is False
    archived = await api_call(client, "POST", f"{PROGRAMS}/{pid}/archive")
    assert archived.status_code == 200 and archived.json()["status"] == "archived"
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == str(pid)).order_by(AuditEntry.id).run()]
    assert actions == ["program.created", "program.updated", "program.form_changed", "program.published", "program.closed", "program.archived"]


async def test_programs_list_and_show_what_the_viewer_may_see(client: AsyncClient) -> None:
    manager_program = await create_program()
    draft = await create_program(publish=False, title_en=SECRET_TITLE)
    closed = await create_program()
    await Program.update({Program.status: "closed"}).where(Program.id == closed["id"]).run()
    upcoming = await create_program(opens_at=utcnow() + timedelta(days=2), closes_at=utcnow() + timedelta(days=9))

    anonymous = (await client.get(PROGRAMS)).json()
    ids = {item["id"] for item in anonymous["items"]}
    assert ids == {manager_program["id"], closed["id"], upcoming["id"]}
    assert all(item["review_rounds"] is None for item in anonymous["items"])
    open_now = {item["id"] for item in (await client.get(f"{PROGRAMS}?status=open")).json()["items"]}
    assert open_now == {manager_program["id"]}
    shown = await client.get(f"{PROGRAMS}/{manager_program['id']}")
    assert shown.status_code == 200 and shown.json()["form"]["fields"][0]["key"] == "summary"
    assert shown.json()["seconds_remaining"] > 6 * 86400

    hidden = await client.get(f"{PROGRAMS}/{draft['id']}")
    assert hidden.status_code == 404 and hidden.json()["error"] == "not_found"
    assert_no_leak(hidden, SECRET_TITLE)
    wrong = await client.get(f"{PROGRAMS}?status=draft")
    assert wrong.status_code == 422 and "status" in wrong.json()["fields"]

    await as_user(client, "program_manager")
    drafts = (await client.get(f"{PROGRAMS}?status=draft")).json()["items"]
    assert [d["id"] for d in drafts] == [draft["id"]] and drafts[0]["review_rounds"] == []
    assert (await client.get(f"{PROGRAMS}/{draft['id']}")).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title_en": "x" * 201}, "title_en"),
        ({"title_en": 12}, "title_en"),
        ({"budget": "lots"}, "budget"),
        ({"budget": -1}, "budget"),
        ({"closes_at": "next friday"}, "closes_at"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"currency": "won"}, "currency"),
        ({"eligibility": [{"rule": "astrology"}]}, "eligibility[0]"),
        ({"eligibility": "everyone"}, "eligibility"),
        ({"form": [{"key": "a", "type": "essay", "label_en": "A"}]}, "fields[0].type"),
        ({"form": [{"key": "Bad Key", "type": "text", "label_en": "A"}]}, "fields[0].key"),
        ({"surprise": True}, "surprise"),
    ],
)
async def test_program_bad_input_is_named_and_nothing_is_saved(client: AsyncClient, body: dict[str, Any], field: str) -> None:
    await as_user(client, "program_manager")
    response = await api_call(client, "POST", PROGRAMS, program_body(**body))
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"], response.json()
    assert response.json()["fields"][field]
    assert await Program.count().run() == 0


async def test_program_writes_are_refused_to_others_and_unknown_ids_are_404(client: AsyncClient) -> None:
    program = await create_program(title_en=SECRET_TITLE)
    anonymous = await api_call(client, "POST", PROGRAMS, program_body())
    assert anonymous.status_code == 401
    for roles in (("finance",), ("reviewer",)):
        await as_user(client, *roles)
        assert (await api_call(client, "POST", PROGRAMS, program_body())).status_code == 403, roles
        assert (await api_call(client, "POST", f"{PROGRAMS}/{program['id']}/close")).status_code == 403, roles
    await as_startup(client)
    refused = await api_call(client, "PATCH", f"{PROGRAMS}/{program['id']}", {"title_en": "Mine now"})
    assert refused.status_code == 403
    await as_user(client, "program_manager")
    for method, suffix, body in (("GET", "", None), ("PATCH", "", {"title_en": "x"}), ("POST", "/publish", None),
                                 ("PUT", "/form", {"fields": FORM}), ("POST", "/close", None)):
        missing = await api_call(client, method, f"{PROGRAMS}/{program['id'] + 999}{suffix}", body)
        assert missing.status_code == 404, (method, suffix)
    for bad_id in ("0", "-3", "99999999999999999999", "abc"):
        assert (await client.get(f"{PROGRAMS}/{bad_id}")).status_code == 404, bad_id
    not_object = await api_call(client, "PATCH", f"{PROGRAMS}/{program['id']}", ["title_en"])
    assert not_object.status_code == 400 and not_object.json()["detail"]
    garbled = await client.request("PATCH", f"{PROGRAMS}/{program['id']}", content=b"{not json",
                                   headers={"x-csrftoken": client.cookies.get("csrftoken") or "", "content-type": "application/json"})
    assert garbled.status_code == 400
    assert (await Program.select(Program.title_en).where(Program.id == program["id"]).first().run())["title_en"] == SECRET_TITLE


async def test_publishing_names_every_problem(client: AsyncClient) -> None:
    await as_user(client, "program_manager")
    created = (await api_call(client, "POST", PROGRAMS, {"family": "bare", "title_en": "Bare"})).json()
    response = await api_call(client, "POST", f"{PROGRAMS}/{created['id']}/publish")
    assert response.status_code == 422
    assert {"opens_at", "closes_at", "max_award", "form"} <= set(response.json()["fields"])


# -- applications -------------------------------------------------------------------------------


async def test_a_startup_starts_saves_submits_and_reads_its_application(client: AsyncClient) -> None:
    program = await create_program()
    startup = await as_startup(client)
    eligibility = await client.get(f"{PROGRAMS}/{program['id']}/eligibility")
    assert eligibility.status_code == 200 and eligibility.json()["eligible"] is True
    assert eligibility.json()["rules"][0]["rule"] == "one_application_per_startup"

    started = await api_call(client, "POST", APPLICATIONS, {"program_id": program["id"]})
    assert started.status_code == 201, started.text
    app = started.json()
    assert app["status"] == "draft" and app["revision"] == 1 and app["editable"] is True
    assert app["answers"] == {"team": 12}  # prefilled from the profile
    assert app["allowed_transitions"] == ["submitted", "withdrawn"] and app["form"][0]["key"] == "summary"
    again = await api_call(client, "POST", APPLICATIONS, {"program_id": program["id"]})
    assert again.status_code == 409 and again.json()["error"] == "already_applied"

    saved = await api_call(client, "PATCH", f"{APPLICATIONS}/{app['id']}", {"revision": 1, "answers": {"summary": "Vision AI", "markets": ["kr"]}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["revision"] == 2 and saved.json()["answers"]["summary"] == "Vision AI" and saved.json()["saved_at"]

    listed = (await client.get(APPLICATIONS)).json()
    assert [item["id"] for item in listed["items"]] == [app["id"]]
    assert (await client.get(f"{APPLICATIONS}?program_id={program['id']}&status=submitted")).json()["items"] == []

    submitted = await api_call(client, "POST", f"{APPLICATIONS}/{app['id']}/submit", {"revision": 2})
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["status"] == "submitted" and submitted.json()["status_label"] == "Submitted" and submitted.json()["editable"] is False
    timeline = (await client.get(f"{APPLICATIONS}/{app['id']}/timeline")).json()["items"]
    assert timeline[-1]["to_status"] == "submitted" and timeline[-1]["label"] == "Submitted"
    assert "submitted" not in [e["to_status"] for e in timeline[:-1]]
    withdrawn = await api_call(client, "POST", f"{APPLICATIONS}/{app['id']}/withdraw", {"reason": "We pivoted."})
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert startup["org"]["id"] == withdrawn.json()["organisation_id"]


async def test_a_stale_revision_is_a_conflict_and_nothing_is_overwritten(client: AsyncClient) -> None:
    program = await create_program()
    startup = await create_startup(members=1)
    made = await create_application(program, startup)
    app_id, revision = made["application"]["id"], made["application"]["revision"]
    await login_as(client, {"id": startup["owner"].id})
    first = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": revision, "answers": {"summary": "Owner's text"}})
    assert first.status_code == 200
    await login_as(client, {"id": startup["members"][0].id})
    second = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": revision, "answers": {"summary": "Member's text"}})
    assert second.status_code == 409 and second.json()["error"] == "conflict" and second.json()["detail"]
    stale_submit = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit", {"revision": revision})
    assert stale_submit.status_code == 409
    row = await stored(app_id)
    assert json.loads(row["answers"])["summary"] == "Owner's text"
    assert row["status"] == "draft"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"revision": 1, "answers": {"summary": "x" * 101}}, "summary"),  # over its 100 characters
        ({"revision": 1, "answers": {"plan": "x" * 1001}}, "plan"),
        ({"revision": 1, "answers": {"team": "many"}}, "team"),
        ({"revision": 1, "answers": {"team": 501}}, "team"),
        ({"revision": 1, "answers": {"track": "space"}}, "track"),
        ({"revision": 1, "answers": {"markets": "kr"}}, "markets"),
        ({"revision": 1, "answers": {"start": "31/12/2026"}}, "start"),
        ({"revision": 1, "answers": {"deck": ["file.pdf"]}}, "deck"),
        ({"revision": 1, "answers": {"favourite_colour": "blue"}}, "favourite_colour"),
        ({"revision": 1, "answers": ["summary"]}, "answers"),
        ({"revision": "1", "answers": {"summary": "ok"}}, "revision"),
        ({"revision": True, "answers": {"summary": "ok"}}, "revision"),
        ({"revision": 0, "answers": {"summary": "ok"}}, "revision"),
        ({"answers": {"summary": "ok"}}, "revision"),
        ({"revision": 1}, "answers"),
        ({"revision": 1, "answers": {}, "status": "approved"}, "status"),
    ],
)
async def test_bad_answers_are_named_and_nothing_saved_is_lost(client: AsyncClient, body: dict[str, Any], field: str) -> None:
    program = await create_program()
    made = await create_application(program, answers={})
    before = await stored(made["application"]["id"])
    await login_as(client, {"id": made["viewer"].id})
    response = await api_call(client, "PATCH", f"{APPLICATIONS}/{made['application']['id']}", body)
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"], response.json()
    after = await stored(made["application"]["id"])
    assert (after["answers"], after["revision"], after["status"]) == (before["answers"], before["revision"], before["status"])


async def test_submit_names_missing_answers_and_closes_at_the_deadline(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program, answers={"plan": "Later"})
    app_id = made["application"]["id"]
    await Application.update({Application.answers: "{}"}).where(Application.id == app_id).run()  # no prefilled team either
    await login_as(client, {"id": made["viewer"].id})
    missing = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit")
    assert missing.status_code == 422
    assert set(missing.json()["fields"]) == {"summary", "team"}
    assert "Summary" in missing.json()["fields"]["summary"]

    complete = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": (await stored(app_id))["revision"], "answers": COMPLETE_ANSWERS})
    assert complete.status_code == 200
    await Program.update({Program.closes_at: utcnow() - timedelta(seconds=1)}).where(Program.id == program["id"]).run()
    late = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit")
    assert late.status_code == 409 and late.json()["error"] == "deadline_passed" and "deadline" in late.json()["detail"].lower()
    late_save = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": complete.json()["revision"], "answers": {"plan": "x"}})
    assert late_save.status_code == 409
    assert (await stored(app_id))["status"] == "draft"

    # An extension for this one startup lets it submit.
    await as_user(client, "program_manager")
    until = (utcnow() + timedelta(days=1)).astimezone(UTC).isoformat()
    extended = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/extension", {"until": until, "reason": "Server outage"})
    assert extended.status_code == 200, extended.text
    assert extended.json()["deadline_extended_to"] is not None
    await login_as(client, {"id": made["viewer"].id})
    on_time = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit")
    assert on_time.status_code == 200 and on_time.json()["status"] == "submitted"


async def test_start_refusals_name_the_reason(client: AsyncClient) -> None:
    strict = await create_program(eligibility=[{"rule": "stages", "values": ["series_b"]}], title_en=SECRET_TITLE)
    await as_startup(client, stage="seed")
    refused = await api_call(client, "POST", APPLICATIONS, {"program_id": strict["id"]})
    assert refused.status_code == 409 and "stage" in refused.json()["detail"].lower()
    for body, field in (({}, "program_id"), ({"program_id": "one"}, "program_id"), ({"program_id": strict["id"], "organisation_id": -1}, "organisation_id")):
        bad = await api_call(client, "POST", APPLICATIONS, body)
        assert bad.status_code == 422 and field in bad.json()["fields"], body
    unknown = await api_call(client, "POST", APPLICATIONS, {"program_id": 999_999})
    assert unknown.status_code == 404
    draft = await create_program(publish=False, title_en=SECRET_TITLE)
    hidden = await api_call(client, "POST", APPLICATIONS, {"program_id": draft["id"]})
    assert hidden.status_code == 404
    assert_no_leak(hidden, SECRET_TITLE)
    elsewhere = await create_startup()
    other_org = await api_call(client, "POST", APPLICATIONS, {"program_id": strict["id"], "organisation_id": elsewhere["org"]["id"]})
    assert other_org.status_code == 403
    await as_user(client, "program_manager")
    assert (await api_call(client, "POST", APPLICATIONS, {"program_id": strict["id"]})).status_code == 403  # staff do not apply


async def test_another_startups_application_is_404_everywhere_without_leaking(client: AsyncClient) -> None:
    program = await create_program(title_en=SECRET_TITLE)
    made = await create_application(program, answers={"summary": "Confidential plan"})
    app_id = made["application"]["id"]
    await as_startup(client)
    attempts = [
        ("GET", f"{APPLICATIONS}/{app_id}", None),
        ("GET", f"{APPLICATIONS}/{app_id}/timeline", None),
        ("PATCH", f"{APPLICATIONS}/{app_id}", {"revision": 2, "answers": {"summary": "Hijacked"}}),
        ("POST", f"{APPLICATIONS}/{app_id}/submit", None),
        ("POST", f"{APPLICATIONS}/{app_id}/withdraw", None),
        ("POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "withdrawn"}),
        ("GET", f"{APPLICATIONS}/{app_id + 1000}", None),
    ]
    for method, url, body in attempts:
        response = await api_call(client, method, url, body)
        assert response.status_code == 404, (method, url, response.text)
        assert_no_leak(response, SECRET_TITLE, "Confidential plan")
    assert (await client.get(APPLICATIONS)).json()["items"] == []
    row = await stored(app_id)
    assert row["status"] == "draft" and "Hijacked" not in str(row["answers"])
    for roles in (("finance",), ("reviewer",)):
        await as_user(client, *roles)
        assert (await client.get(f"{APPLICATIONS}/{app_id}")).status_code == 404, roles
        assert (await client.get(APPLICATIONS)).json()["items"] == [], roles
    await login_as(client, None)
    client.cookies.clear()
    assert (await client.get(f"{APPLICATIONS}/{app_id}")).status_code == 401


async def test_staff_move_applications_through_screening_with_reasons_and_fields(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    app_id = made["application"]["id"]
    await login_as(client, {"id": made["viewer"].id})
    assert (await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/submit")).status_code == 200
    not_yours = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "screening"})
    assert not_yours.status_code == 403
    assert (await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/extension", {"until": "2099-01-01T00:00:00Z", "reason": "x"})).status_code == 403

    await as_user(client, "program_manager")
    staff_view = (await client.get(f"{APPLICATIONS}/{app_id}")).json()
    assert staff_view["allowed_transitions"] == ["screening"] and staff_view["status_label"] == "Submitted"
    screening = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "screening"})
    assert screening.status_code == 200 and screening.json()["status"] == "screening"
    for body, field in (
        ({"to": "more_info_requested", "reason": "Tell us more"}, "fields"),
        ({"to": "more_info_requested", "fields": ["summary"]}, "reason"),
        ({"to": "more_info_requested", "reason": "Tell us more", "fields": ["no_such_field"]}, "fields"),
        ({"to": "more_info_requested", "reason": "Tell us more", "fields": "summary"}, "fields"),
        ({"to": "more_info_requested", "reason": 5, "fields": ["summary"]}, "reason"),
        ({"to": "more_info_requested", "reason": "x" * 5001, "fields": ["summary"]}, "reason"),
        ({"to": "heaven"}, "to"),
        ({"reason": "no target"}, "to"),
        ({"to": "screening", "revision": "new"}, "revision"),
    ):
        bad = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", body)
        assert bad.status_code == 422 and field in bad.json()["fields"], (body, bad.text)
    skip = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "approved"})
    assert skip.status_code == 409 and skip.json()["error"] == "invalid_transition" and "Approved" in skip.json()["detail"]
    stale = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "in_review", "revision": 1})
    assert stale.status_code == 409
    ask = await api_call(client, "POST", f"{APPLICATIONS}/{app_id}/transition", {"to": "more_info_requested", "reason": "Tell us more", "fields": ["summary"]})
    assert ask.status_code == 200 and ask.json()["reopened_fields"] == ["summary"]

    await login_as(client, {"id": made["viewer"].id})
    reopened = await client.get(f"{APPLICATIONS}/{app_id}")
    assert reopened.json()["status_label"] == "More information needed" and reopened.json()["editable"] is True
    locked = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": reopened.json()["revision"], "answers": {"team": 40}})
    assert locked.status_code == 422 and "team" in locked.json()["fields"]
    answered = await api_call(client, "PATCH", f"{APPLICATIONS}/{app_id}", {"revision": reopened.json()["revision"], "answers": {"summary": "More detail"}})
    assert answered.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"until": "tomorrow", "reason": "x"}, "until"),
        ({"until": "2099-01-01T00:00:00", "reason": "x"}, "until"),  # no offset
        ({"until": 1893456000, "reason": "x"}, "until"),
        ({"until": "2000-01-01T00:00:00Z", "reason": "x"}, "until"),  # in the past
        ({"until": "2099-01-01T00:00:00Z", "reason": "   "}, "reason"),
        ({"until": "2099-01-01T00:00:00Z"}, "reason"),
    ],
)
async def test_extension_bad_input(client: AsyncClient, body: dict[str, Any], field: str) -> None:
    program = await create_program()
    made = await create_application(program)
    await as_user(client, "program_manager")
    response = await api_call(client, "POST", f"{APPLICATIONS}/{made['application']['id']}/extension", body)
    assert response.status_code == 422 and field in response.json()["fields"], response.text
    assert (await stored(made["application"]["id"]))["deadline_extended_to"] is None


async def test_list_filters_are_checked(client: AsyncClient) -> None:
    await as_startup(client)
    assert (await client.get(f"{APPLICATIONS}?status=heaven")).status_code == 422
    assert (await client.get(f"{APPLICATIONS}?program_id=abc")).status_code == 400
    assert (await client.get(f"{APPLICATIONS}?program_id=0")).status_code == 400


async def test_the_openapi_document_lists_the_programs_api(client: AsyncClient) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    expected = {
        "/api/v1/programs": {"get", "post"},
        "/api/v1/programs/{program_id}": {"get", "patch"},
        "/api/v1/programs/{program_id}/form": {"put"},
        "/api/v1/programs/{program_id}/publish": {"post"},
        "/api/v1/programs/{program_id}/close": {"post"},
        "/api/v1/programs/{program_id}/archive": {"post"},
        "/api/v1/programs/{program_id}/eligibility": {"get"},
        "/api/v1/applications": {"get", "post"},
        "/api/v1/applications/{application_id}": {"get", "patch"},
        "/api/v1/applications/{application_id}/submit": {"post"},
        "/api/v1/applications/{application_id}/withdraw": {"post"},
        "/api/v1/applications/{application_id}/transition": {"post"},
        "/api/v1/applications/{application_id}/extension": {"post"},
        "/api/v1/applications/{application_id}/timeline": {"get"},
    }
    for path, methods in expected.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))
    patch_doc = paths["/api/v1/applications/{application_id}"]["patch"]
    assert "revision" in patch_doc["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "409" in patch_doc["responses"] and "422" in patch_doc["responses"]
    assert all("/staff/programs" not in p for p in paths)  # pages stay out of the API document


async def test_the_lists_are_paged(client: AsyncClient) -> None:
    from hubcity.programs.api import API_PAGE_SIZE

    programs = [await create_program(title_en=f"Call {number}") for number in range(API_PAGE_SIZE + 2)]
    await as_user(client, "program_manager")

    first = (await client.get("/api/v1/programs")).json()
    second = (await client.get("/api/v1/programs", params={"page": 2})).json()
    assert first["total"] == second["total"] == len(programs) and first["pages"] == 2
    assert len(first["items"]) == API_PAGE_SIZE and len(second["items"]) == 2
    assert {item["id"] for item in first["items"] + second["items"]} == {program["id"] for program in programs}
    assert (await client.get("/api/v1/programs", params={"page": 3})).json()["items"] == []
    for bad in ("0", "-1", "abc", "100001"):
        assert (await client.get("/api/v1/programs", params={"page": bad})).status_code == 400, bad

    for program in programs[:3]:
        await create_application(program)
    mine = (await client.get("/api/v1/applications", params={"page": 1})).json()
    assert mine["total"] == 3 and mine["pages"] == 1 and len(mine["items"]) == 3


async def test_the_applications_list_pages_in_order_and_only_within_the_viewers_scope(
    client: AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("hubcity.programs.api.API_PAGE_SIZE", 2)
    programs = [await create_program(title_en=f"Call {number}") for number in range(3)]
    theirs = [await create_application(program) for program in programs[:2]]
    startup = await as_startup(client)
    mine = [(await create_application(program, startup))["application"]["id"] for program in programs]

    pages = [(await client.get("/api/v1/applications", params={"page": n})).json() for n in (1, 2, 3)]
    assert [p["total"] for p in pages] == [3, 3, 3] and [p["pages"] for p in pages] == [2, 2, 2]
    assert [[item["id"] for item in p["items"]] for p in pages] == [mine[::-1][:2], mine[::-1][2:], []]

    await as_user(client, "program_manager")
    everyone = (await client.get("/api/v1/applications", params={"page": 2, "program_id": programs[0]["id"]})).json()
    assert everyone["total"] == 2 and everyone["pages"] == 1 and everyone["items"] == []
    first = (await client.get("/api/v1/applications", params={"program_id": programs[0]["id"]})).json()
    assert [item["id"] for item in first["items"]] == [mine[0], theirs[0]["application"]["id"]]
