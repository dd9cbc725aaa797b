"""Staff screening pages: who may open and use them, buttons read from the workflow table, each
move with its refusals, and an audited extension for one startup."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.db.tables import Application, ApplicationEvent, AuditEntry
from hubcity.programs import workflow
from hubcity.programs.services import ApplicationService
from tests.conftest import post_form
from tests.factories.programs import create_application, create_program, staff_viewer
from tests.integration.programs.test_apply_pages import app_clock, client, login, stored  # noqa: F401 - fixtures

RULES = [{"rule": "team_size", "min": 1, "max": 100}, {"rule": "one_application_per_startup"}]


async def submitted_application(**program: Any) -> dict[str, Any]:
    made = await create_application(await create_program(eligibility=RULES, **program))
    await ApplicationService().submit(made["application"]["id"], made["viewer"])
    return made


def actions_on(html: str) -> list[str]:
    return re.findall(r'data-action="([a-z_]+)"', html)


@pytest.mark.parametrize("who", ["anonymous", "applicant", "finance", "reviewer", "program_manager", "admin"])
async def test_who_may_open_and_use_the_screening_page(client: AsyncClient, who: str) -> None:
    made = await submitted_application(title_en="Hidden Mobility Fund")
    application_id = made["application"]["id"]
    if who == "applicant":
        await login(client, made["viewer"])
    elif who != "anonymous":
        await login(client, await staff_viewer(who))
    page = await client.get(f"/staff/applications/{application_id}", follow_redirects=False)
    move = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "screening"}, follow_redirects=False)
    extend = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": "2030-01-01T00:00", "reason": "x"},
                             follow_redirects=False)
    if who == "anonymous":
        assert page.status_code == 303 and page.headers["location"] == f"/login?next=/staff/applications/{application_id}"
        assert move.status_code == 303 and extend.status_code == 303
    elif who in ("program_manager", "admin"):
        assert page.status_code == 200 and "Hidden Mobility Fund" in page.text
        assert move.status_code == 303
    else:
        for response in (page, move, extend):
            assert response.status_code == 403 and "Hidden Mobility" not in response.text
    expected = "screening" if who in ("program_manager", "admin") else "submitted"
    assert (await stored(application_id))["status"] == expected


@pytest.mark.parametrize("status", ["submitted", "screening", "more_info_requested", "in_review", "ineligible", "withdrawn"])
async def test_the_buttons_are_the_moves_the_workflow_allows_the_role(client: AsyncClient, status: str) -> None:
    made = await submitted_application()
    application_id = made["application"]["id"]
    admin = await staff_viewer("admin")
    service = ApplicationService()
    steps = {"screening": ["screening"], "more_info_requested": ["screening", "more_info_requested"],
             "in_review": ["screening", "in_review"], "ineligible": ["screening", "ineligible"]}
    for step in steps.get(status, []):
        fields = {"more_info_requested": ["summary"], "ineligible": ["team_size"]}.get(step)
        await service.transition(application_id, admin, step, reason="Because.", fields=fields)
    if status == "withdrawn":
        await service.withdraw(application_id, made["viewer"])
    await login(client, await staff_viewer("program_manager"))
    page = await client.get(f"/staff/applications/{application_id}")
    assert actions_on(page.text) == workflow.allowed_targets(status, "program_manager")
    assert f'data-testid="status">{workflow.staff_label(status)}<' in page.text


async def test_screening_moves_and_their_refusals(client: AsyncClient) -> None:
    made = await submitted_application()
    application_id = made["application"]["id"]
    await login(client, await staff_viewer("program_manager"))
    page = await client.get(f"/staff/applications/{application_id}")
    assert 'data-testid="snapshot"' in page.text and made["startup"]["profile_id"] and "Team size" in page.text
    timeline = page.text.split('data-testid="timeline"')[1]
    assert "Submitted" in timeline and "Draft" in timeline

    wrong = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "in_review"})
    assert wrong.status_code == 409 and "cannot become" in wrong.text
    unknown = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "approved_by_magic"})
    assert unknown.status_code == 409 and "no application status" in unknown.text
    taken = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "screening"}, follow_redirects=False)
    assert taken.status_code == 303 and (await stored(application_id))["status"] == "screening"

    no_fields = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "more_info_requested", "reason": "Tell us more."})
    assert no_fields.status_code == 422 and "name the form fields" in no_fields.text and "Tell us more." in no_fields.text
    no_reason = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "more_info_requested", "fields": ["plan"]})
    assert no_reason.status_code == 422 and "say why" in no_reason.text
    bad_field = await post_form(client, f"/staff/applications/{application_id}/status",
                                {"to": "more_info_requested", "fields": ["salary"], "reason": "x"})
    assert bad_field.status_code == 422
    bad_rule = await post_form(client, f"/staff/applications/{application_id}/status",
                               {"to": "ineligible", "fields": ["stages"], "reason": "Wrong stage."})
    assert bad_rule.status_code == 422 and "name the eligibility rules" in bad_rule.text
    assert (await stored(application_id))["status"] == "screening"

    stale = await post_form(client, f"/staff/applications/{application_id}/status",
                            {"to": "more_info_requested", "fields": ["plan"], "reason": "More.", "revision": "1"})
    assert stale.status_code == 409 and (await stored(application_id))["status"] == "screening"

    asked = await post_form(client, f"/staff/applications/{application_id}/status",
                            {"to": "more_info_requested", "fields": ["plan", "team"], "reason": "Tell us about the plan."},
                            follow_redirects=False)
    assert asked.status_code == 303
    row = await stored(application_id)
    assert row["status"] == "more_info_requested" and row["reopened_fields"] == ["plan", "team"]
    assert await AuditEntry.exists().where(AuditEntry.action == "application.more_info_requested").run()


async def test_ineligible_names_the_rule_and_in_review_sends_it_on(client: AsyncClient) -> None:
    first, second = await submitted_application(), await submitted_application()
    admin = await staff_viewer("admin")
    await login(client, admin)
    for made in (first, second):
        await post_form(client, f"/staff/applications/{made['application']['id']}/status", {"to": "screening"})
    out = await post_form(client, f"/staff/applications/{first['application']['id']}/status",
                          {"to": "ineligible", "fields": ["team_size"], "reason": "The team is too large."}, follow_redirects=False)
    assert out.status_code == 303 and (await stored(first["application"]["id"]))["status"] == "ineligible"
    event = await ApplicationEvent.select().where(ApplicationEvent.to_status == "ineligible").first().output(load_json=True).run()
    assert event["fields"] == ["team_size"] and event["message"] == "The team is too large." and event["role"] == "admin"
    on = await post_form(client, f"/staff/applications/{second['application']['id']}/status", {"to": "in_review"}, follow_redirects=False)
    assert on.status_code == 303 and (await stored(second["application"]["id"]))["status"] == "in_review"
    await login(client, first["viewer"])
    page = await client.get(f"/applications/{first['application']['id']}")
    assert 'data-testid="status">Not eligible<' in page.text and "The team is too large." in page.text


async def test_an_extension_for_one_startup_needs_a_reason_and_is_audited(client: AsyncClient) -> None:
    program = await create_program(eligibility=RULES)
    made = await create_application(program)
    other = await create_application(program)
    application_id = made["application"]["id"]
    await login(client, await staff_viewer("program_manager"))
    page = await client.get(f"/staff/applications/{application_id}")
    assert 'data-testid="extension-form"' in page.text and "Until (Asia/Seoul)" in page.text
    closes_local = program["closes_at"].astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul"))
    until = (closes_local + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    missing = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": until, "reason": " "})
    assert missing.status_code == 422 and "say why this startup gets more time" in missing.text and until in missing.text
    bad = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": "soon", "reason": "Flood"})
    assert bad.status_code == 422 and "2026-12-01T18:00" in bad.text
    early = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": "2020-01-01T00:00", "reason": "Flood"})
    assert early.status_code == 422 and "after the call closes" in early.text
    assert (await stored(application_id))["deadline_extended_to"] is None
    granted = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": until, "reason": "Flood"},
                              follow_redirects=False)
    assert granted.status_code == 303
    row = await stored(application_id)
    assert row["deadline_extended_to"] == (program["closes_at"] + timedelta(days=2)).replace(second=0, microsecond=0)  # read in Seoul time
    assert (await stored(other["application"]["id"]))["deadline_extended_to"] is None  # one startup only
    entry = await AuditEntry.select().where(AuditEntry.action == "application.deadline_extended").first().output(load_json=True).run()
    assert entry["object_id"] == str(application_id) and entry["after"]["reason"] == "Flood"
    await ApplicationService().submit(application_id, made["viewer"])
    refused = await post_form(client, f"/staff/applications/{application_id}/extension", {"until": until, "reason": "Again"})
    assert refused.status_code == 409 and "not submitted yet" in refused.text
    assert await Application.count().run() == 2
