"""Screening queues across programs (filters in shareable URLs, HTMX results) and their bulk
actions: each row runs the single action's call, so bulk and single leave identical
determinations, events, audit entries and notifications; a mixed bulk reports every row."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.core.viewer import Viewer
from hubcity.db.tables import Application, ApplicationEvent, AuditEntry, Determination, Notification, ReviewAssignment
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import ReviewService
from tests.conftest import api_call, csrf_token
from tests.factories.corporates import login_as, quick_user
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer
from tests.factories.reviews import application_in_review, internal_reviewer, on_panel, program_with_rounds, word_similarity

QUEUES = "/staff/queues"


def listed(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'<tr data-application="(\d+)"', html)]


def results(html: str) -> dict[int, tuple[bool, str]]:
    """application id → (done, message) of a bulk answer."""
    found = re.findall(r'<tr data-result="(\d+)" data-ok="([01])">.*?<td data-message>(.*?)</td>', html, re.S)
    return {int(i): (ok == "1", message.strip()) for i, ok, message in found}


async def post_form(client: AsyncClient, url: str, data: dict[str, Any], *, htmx: bool = True) -> Any:
    headers = {"x-csrftoken": await csrf_token(client)}
    if htmx:
        headers.update({"hx-request": "true", "hx-target": "bulk-results"})
    return await client.post(url, data=data, headers=headers)


async def as_manager(client: AsyncClient) -> Viewer:
    manager = await staff_viewer("program_manager")
    await login_as(client, {"id": manager.id})
    return manager


async def status_of(app_id: int) -> str:
    return (await Application.select(Application.status).where(Application.id == app_id).first().run())["status"]


async def last_event(app_id: int) -> dict[str, Any]:
    return await ApplicationEvent.select().where(ApplicationEvent.application == app_id).order_by(ApplicationEvent.id, ascending=False).first().run()


async def mails(user_id: int, template: str) -> list[dict[str, Any]]:
    return await Notification.select().where((Notification.recipient == user_id) & (Notification.template == template)).run()


def shape(row: dict[str, Any], app_id: int) -> tuple[str, str, str]:
    return row["subject"], row["body"].replace(f"/applications/{app_id}", "/applications/N"), row["locale"]


async def audit_actions(object_id: int, object_type: str = "application") -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.object_type == object_type) & (AuditEntry.object_id == str(object_id))).order_by(AuditEntry.id).run()
    return [r["action"] for r in rows]


# -- the queue ----------------------------------------------------------------------------------


async def test_the_queue_lists_waiting_work_across_programs_with_shareable_filters(client: AsyncClient) -> None:
    manager = await staff_viewer("program_manager")
    service = ApplicationService()
    reviews = ReviewService(similarity=word_similarity, applications=service)
    fund = await program_with_rounds(manager, title_en="Seed Fund")
    other = await create_program(manager, title_en="Market Fund")
    alpha = await application_in_review(fund, manager, service, await create_startup(name_en="Alpha Vision"))
    beta = await application_in_review(fund, manager, service, await create_startup(name_en="Beta Bio"))
    run = await reviews.open_round(fund["id"], manager)
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person)
    await reviews.assign(run["id"], alpha["application"]["id"], person.id, manager)
    gamma = await create_application(other, await create_startup(name_en="Gamma Grid"), service=service)
    await service.submit(gamma["application"]["id"], gamma["viewer"])
    draft = await create_application(other, await create_startup(name_en="Delta Draft"), service=service)
    await Application.update({Application.submitted_at: datetime(2026, 3, 1, 14, 30, tzinfo=UTC)}).where(
        Application.id == gamma["application"]["id"]).run()  # 23:30 in Seoul
    ids = {"alpha": alpha["application"]["id"], "beta": beta["application"]["id"], "gamma": gamma["application"]["id"]}

    await login_as(client, {"id": manager.id})
    everything = await client.get(QUEUES)
    assert everything.status_code == 200, everything.text
    assert sorted(listed(everything.text)) == sorted(ids.values())
    assert draft["application"]["id"] not in listed(everything.text)  # a draft waits for nobody
    cases = {
        f"program={other['id']}": [ids["gamma"]],
        "status=in_review": [ids["alpha"], ids["beta"]],
        "status=submitted&status=in_review": sorted(ids.values()),
        "q=vision": [ids["alpha"]],
        f"round={run['id']}": [ids["alpha"], ids["beta"]],
        "assigned=1": [ids["alpha"]],
        "assigned=0": [ids["beta"], ids["gamma"]],
        "submitted_to=2026-03-01": [ids["gamma"]],
        "submitted_from=2026-03-02&status=submitted": [],
        f"program={fund['id']}&assigned=0": [ids["beta"]],
    }
    for query, expected in cases.items():
        response = await client.get(f"{QUEUES}?{query}")
        assert response.status_code == 200, (query, response.text)
        assert sorted(listed(response.text)) == sorted(expected), query
        share = re.search(r'<a href="([^"]+)" data-testid="share-link">', response.text)
        assert share and sorted(listed((await client.get(share.group(1).replace("&amp;", "&"))).text)) == sorted(expected), query
    fragment = await client.get(f"{QUEUES}?q=beta", headers={"hx-request": "true", "hx-target": "queue-results"})
    assert fragment.status_code == 200 and listed(fragment.text) == [ids["beta"]]
    assert "<html" not in fragment.text and 'id="queue-filters"' not in fragment.text
    bad = await client.get(f"{QUEUES}?status=approved&round=x&assigned=maybe&submitted_from=March&program=-1&page=zz")
    assert bad.status_code == 200
    for name in ("status", "round", "assigned", "submitted_from", "program", "page"):
        assert f'data-filter="{name}"' in bad.text, name
    assert sorted(listed(bad.text)) == sorted(ids.values())
    huge = await client.get(f"{QUEUES}?round=99999999999&page=999999999999999")
    assert huge.status_code == 200 and listed(huge.text) == [] and 'data-filter="round"' in huge.text


@pytest.mark.parametrize("role", ["reviewer", "finance", None, "startup"])
async def test_only_program_managers_and_admins_use_the_queues(client: AsyncClient, role: str | None) -> None:
    if role == "startup":
        startup = await create_startup()
        await login_as(client, {"id": startup["owner"].id})
    elif role:
        await login_as(client, await quick_user(roles=(role,)))
    page = await client.get(QUEUES)
    posted = await client.post(f"{QUEUES}/bulk", data={"action": "move", "ids": "1", "to": "screening"},
                               headers={"x-csrftoken": await csrf_token(client)})
    if role is None:
        assert page.status_code in (302, 303) and "/login" in page.headers["location"]
        assert posted.status_code in (302, 303, 401)
    else:
        assert page.status_code == 403 and posted.status_code == 403
    await login_as(client, await quick_user(roles=("admin",)))
    assert (await client.get(QUEUES)).status_code == 200


# -- send to review and move status -------------------------------------------------------------


async def test_send_to_review_single_and_bulk_leave_identical_traces_and_a_mixed_bulk_reports_each_row(client: AsyncClient) -> None:
    manager = await as_manager(client)
    program = await create_program(manager)
    service = ApplicationService()
    made = []
    for _ in range(3):
        one = await create_application(program, await create_startup(), service=service)
        await service.submit(one["application"]["id"], one["viewer"])
        await service.transition(one["application"]["id"], manager, "screening")
        made.append(one)
    waiting = await create_application(program, await create_startup(), service=service)
    await service.submit(waiting["application"]["id"], waiting["viewer"])
    first, second, third = (m["application"]["id"] for m in made)

    single = await post_form(client, f"{QUEUES}/{first}/send-to-review", {"return_query": ""})
    assert single.status_code == 200, single.text
    assert results(single.text) == {first: (True, "Now “In review”.")}

    unknown = 987654
    mixed = await post_form(client, f"{QUEUES}/bulk", {
        "action": "move", "to": "in_review", "ids": [str(second), str(waiting["application"]["id"]), str(unknown), str(third), str(second)],
    })
    assert mixed.status_code == 200, mixed.text
    rows = results(mixed.text)
    assert list(rows) == [second, waiting["application"]["id"], unknown, third]  # in the order asked, duplicates once
    assert rows[second] == (True, "Now “In review”.") and rows[third] == (True, "Now “In review”.")
    assert not rows[waiting["application"]["id"]][0] and "Submitted" in rows[waiting["application"]["id"]][1]
    assert not rows[unknown][0] and "no application" in rows[unknown][1].lower()
    assert await status_of(waiting["application"]["id"]) == "submitted"

    events = [await last_event(i) for i in (first, second, third)]
    keys = ("from_status", "to_status", "role", "message", "actor")
    assert all({k: e[k] for k in keys} == {k: events[0][k] for k in keys} for e in events)
    assert events[0]["to_status"] == "in_review" and events[0]["actor"] == manager.id
    trails = [await audit_actions(i) for i in (first, second, third)]
    assert trails[1] == trails[0] == trails[2] and "application.in_review" in trails[0]
    shapes = set()
    for one in made:
        sent = await mails(one["viewer"].id, "application_status_changed")
        assert sent, "the applicant is told"
        shapes.add(shape(sent[-1], one["application"]["id"]))
    assert len(shapes) == 1

    # a decision is never a bare status change, not even in bulk
    refused = await post_form(client, f"{QUEUES}/bulk", {"action": "move", "to": "approved", "ids": [str(first)]})
    assert refused.status_code == 200 and not results(refused.text)[first][0] and "Determine" in results(refused.text)[first][1]
    assert await status_of(first) == "in_review"
    # without HTMX the whole queue page comes back with the outcome, keeping its filters
    plain = await post_form(client, f"{QUEUES}/bulk", {"action": "move", "to": "screening", "ids": [str(waiting["application"]["id"])],
                                                       "return_query": "status=screening"}, htmx=False)
    assert plain.status_code == 200 and 'id="queue-filters"' in plain.text
    assert results(plain.text) == {waiting["application"]["id"]: (True, "Now “Screening”.")}
    assert listed(plain.text) == [waiting["application"]["id"]]


@pytest.mark.parametrize(("data", "field"), [
    ({"action": "move", "to": "in_review"}, "ids"),
    ({"action": "move", "to": "in_review", "ids": "abc"}, "ids"),
    ({"action": "move", "to": "in_review", "ids": "99999999999"}, "ids"),
    ({"action": "explode", "ids": "1"}, "action"),
    ({"action": "move", "to": "nowhere", "ids": "1"}, "to"),
    ({"action": "assign", "reviewer": "7", "ids": "1"}, "reviewer"),
])
async def test_bulk_input_problems_are_named(client: AsyncClient, data: dict[str, Any], field: str) -> None:
    await as_manager(client)
    response = await post_form(client, f"{QUEUES}/bulk", data)
    assert response.status_code == 422, response.text
    assert f'data-field="{field}"' in response.text


# -- determine -----------------------------------------------------------------------------------


async def test_bulk_and_single_determinations_are_identical_message_and_feedback_included(client: AsyncClient) -> None:
    manager = await as_manager(client)
    program = await create_program(manager)
    service = ApplicationService()
    made = []
    for _ in range(3):
        one = await application_in_review(program, manager, service, await create_startup(locale="ko"))
        await service.system_transition(one["application"]["id"], "awaiting_decision")
        made.append(one)
    stuck = await application_in_review(program, manager, service)
    first, second, third = (m["application"]["id"] for m in made)
    fields = {"outcome": "approved", "conditions": "Open an office in Busan.", "feedback": "Strong team; clarify the data plan."}

    single = await api_call(client, "POST", f"/api/v1/applications/{first}/determination", fields)
    assert single.status_code == 201, single.text
    answer = await post_form(client, f"{QUEUES}/bulk", {"action": "determine", "ids": [str(second), str(stuck["application"]["id"]), str(third)],
                                                       **fields})
    assert answer.status_code == 200, answer.text
    rows = results(answer.text)
    assert rows[second] == (True, "Decided: “Approved”.") and rows[third] == (True, "Decided: “Approved”.")
    assert not rows[stuck["application"]["id"]][0] and "In review" in rows[stuck["application"]["id"]][1]
    assert await status_of(stuck["application"]["id"]) == "in_review"

    keys = ("outcome", "conditions", "message", "feedback", "locale", "decided_by")
    stored = {r["application"]: r for r in await Determination.select().run()}
    assert set(stored) == {first, second, third}
    assert all({k: stored[i][k] for k in keys} == {k: stored[first][k] for k in keys} for i in (second, third))
    assert stored[first]["locale"] == "ko" and "Busan" in stored[first]["message"] and stored[first]["feedback"] == fields["feedback"]
    events = [await last_event(i) for i in (first, second, third)]
    assert all(e["to_status"] == "approved" and e["message"] == stored[first]["message"] for e in events)
    trails = [await audit_actions(i) for i in (first, second, third)]
    assert trails[1] == trails[0] == trails[2] and "application.approved" in trails[0]
    shapes = set()
    for one in made:
        sent = await mails(one["viewer"].id, "determination_approved")
        assert len(sent) == 1
        shapes.add(shape(sent[0], one["application"]["id"]))
    assert len(shapes) == 1 and "Strong team" in next(iter(shapes))[1]


# -- assign ---------------------------------------------------------------------------------------


async def test_bulk_assignment_runs_the_single_assignment_and_names_each_refusal(client: AsyncClient) -> None:
    manager = await as_manager(client)
    service = ApplicationService()
    reviews = ReviewService(similarity=word_similarity, applications=service)
    program = await program_with_rounds(manager)
    free = [await application_in_review(program, manager, service) for _ in range(2)]
    owned = await application_in_review(program, manager, service, await create_startup(investors=["Blue Sky Capital"]))
    run = await reviews.open_round(program["id"], manager)
    late = await application_in_review(program, manager, service)  # in review, but not in the opened round
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person, affiliation="Blue Sky Capital")
    ids = [free[0]["application"]["id"], owned["application"]["id"], late["application"]["id"], free[1]["application"]["id"]]

    page = await client.get(QUEUES)
    assert f'value="{run["id"]}:{person.id}"' in page.text  # the reviewer is offered with the round
    answer = await post_form(client, f"{QUEUES}/bulk", {"action": "assign", "reviewer": f"{run['id']}:{person.id}", "note": "Fintech",
                                                       "ids": [str(i) for i in ids]})
    assert answer.status_code == 200, answer.text
    rows = results(answer.text)
    assert rows[ids[0]] == (True, "Reviewer assigned.") and rows[ids[3]] == (True, "Reviewer assigned.")
    assert not rows[ids[1]][0] and "investor" in rows[ids[1]][1]
    assert not rows[ids[2]][0] and "not in this review round" in rows[ids[2]][1]
    again = await post_form(client, f"{QUEUES}/bulk", {"action": "assign", "reviewer": f"{run['id']}:{person.id}", "ids": [str(ids[0])]})
    assert "assigned to this application already" in results(again.text)[ids[0]][1]
    active = await ReviewAssignment.select().where(ReviewAssignment.status != "withdrawn").run()
    assert sorted(a["application"] for a in active) == sorted([ids[0], ids[3]]) and all(a["reason"] == "Fintech" for a in active)
    for assignment in active:
        assert await audit_actions(assignment["id"], "review_assignment") == ["review.assigned"]
    assert len(await mails(person.id, "review_assigned")) == 2  # one per assignment, as by hand
    assert (await client.get(f"{QUEUES}?assigned=1")).status_code == 200
    assert sorted(listed((await client.get(f"{QUEUES}?assigned=1")).text)) == sorted([ids[0], ids[3]])
