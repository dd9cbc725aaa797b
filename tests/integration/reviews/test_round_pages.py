"""Staff pages of review rounds: who may use them, opening and closing, the panel (internal
reviewers, external invitations), assignment by hand (conflicts refused with the reason) and
automatic (choices with reasons, shortfalls), results, reminders, advancing with presentation
slots — and a whole round driven through the pages, reviewers included."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from httpx import AsyncClient

import hubcity.reviews  # noqa: F401  (the reviews eligibility rule, as the app registers it)
from hubcity.db.tables import Application, AuditEntry, Notification, PanelMember, PresentationSlot, ReviewAssignment, ReviewRoundRun
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import ReviewService
from tests.conftest import post_form
from tests.factories.accounts import create_org, create_user, link_in
from tests.factories.programs import create_program, staff_viewer, viewer_of
from tests.factories.reviews import application_in_review, internal_reviewer, on_panel, program_with_rounds
from tests.integration.programs.test_apply_pages import app_clock, client, login  # noqa: F401 - fixtures

ROLES = ["anonymous", "startup", "corporation", "finance", "reviewer", "program_manager", "admin"]


async def person(who: str) -> Any:
    """A viewer of kind ``who`` (None for anonymous)."""
    if who == "anonymous":
        return None
    if who in ("startup", "corporation"):
        user = await create_user()
        await create_org("startup" if who == "startup" else "corporate", owner=user)
        return await viewer_of(user)
    return await staff_viewer(who)


async def round_with(count: int = 2, **program: Any) -> dict[str, Any]:
    """A program with the two standard rounds, ``count`` applications in review and the first
    round open. Returns {program, manager, made, run, service}."""
    manager = await staff_viewer("program_manager")
    service = ReviewService()
    applications = ApplicationService()
    prog = await program_with_rounds(manager, **program)
    made = [await application_in_review(prog, manager, applications) for _ in range(count)]
    run = await service.open_round(prog["id"], manager)
    return {"program": prog, "manager": manager, "made": made, "run": run, "service": service}


@pytest.mark.parametrize("who", ROLES)
async def test_round_pages_are_for_program_managers_and_admins(client: AsyncClient, who: str) -> None:
    setup = await round_with(1, title_en="Secret Seed Fund")
    run_id, program_id = setup["run"]["id"], setup["program"]["id"]
    viewer = await person(who)
    if viewer is not None:
        await login(client, viewer)
    pages = [f"/staff/programs/{program_id}/review-rounds", f"/staff/rounds/{run_id}/panel",
             f"/staff/rounds/{run_id}/assignments", f"/staff/rounds/{run_id}/results"]
    posts = [f"/staff/rounds/{run_id}/remind", f"/staff/rounds/{run_id}/panel/invite", f"/staff/rounds/{run_id}/assignments/auto"]
    for url in pages:
        response = await client.get(url, follow_redirects=False)
        if who == "anonymous":
            assert response.status_code == 303 and response.headers["location"].startswith("/login?next=")
        elif who in ("program_manager", "admin"):
            assert response.status_code == 200 and "Secret Seed Fund" in response.text, url
        else:
            assert response.status_code == 403 and "Secret Seed Fund" not in response.text, (who, url)
    for url in posts:
        response = await post_form(client, url, {"email": "x@example.com", "affiliation": "X", "minimum": "1"}, follow_redirects=False)
        if who == "anonymous":
            assert response.status_code == 303 and response.headers["location"].startswith("/login")
        elif who not in ("program_manager", "admin"):
            assert response.status_code == 403
    if who not in ("program_manager", "admin"):
        assert not await PanelMember.exists().run()
        assert not await AuditEntry.exists().where(AuditEntry.action == "review_round.reminded").run()
    missing = await client.get("/staff/rounds/999999/panel", follow_redirects=False)
    assert missing.status_code == (404 if who in ("program_manager", "admin") else 303 if who == "anonymous" else 403)


async def test_opening_the_first_round_and_its_refusals(client: AsyncClient) -> None:
    manager = await staff_viewer("program_manager")
    await login(client, manager)
    no_rounds = await create_program(manager, review_rounds=[])
    page = await client.get(f"/staff/programs/{no_rounds['id']}/review-rounds")
    assert page.status_code == 200 and 'data-testid="no-rounds"' in page.text
    refused = await post_form(client, f"/staff/programs/{no_rounds['id']}/review-rounds/open")
    assert refused.status_code == 409 and "no review rounds" in refused.text

    program = await program_with_rounds(manager)
    page = await client.get(f"/staff/programs/{program['id']}/review-rounds")
    assert 'data-testid="open-first"' in page.text and "Written review" in page.text and "Trimmed mean" in page.text
    nobody = await post_form(client, f"/staff/programs/{program['id']}/review-rounds/open")
    assert nobody.status_code == 409 and "No application of this program is in review" in nobody.text

    made = await application_in_review(program, manager, ApplicationService())
    opened = await post_form(client, f"/staff/programs/{program['id']}/review-rounds/open", follow_redirects=False)
    run = await ReviewRoundRun.select().where(ReviewRoundRun.program == program["id"]).first().output(load_json=True).run()
    assert opened.status_code == 303 and opened.headers["location"] == f"/staff/rounds/{run['id']}/panel"
    assert run["participants"] == [made["application"]["id"]] and run["status"] == "open"
    again = await post_form(client, f"/staff/programs/{program['id']}/review-rounds/open")
    assert again.status_code == 409 and "opened already" in again.text
    page = await client.get(f"/staff/programs/{program['id']}/review-rounds")
    assert 'data-run-status="open"' in page.text and f"/staff/rounds/{run['id']}/close" in page.text

    closed = await post_form(client, f"/staff/rounds/{run['id']}/close", follow_redirects=False)
    assert closed.status_code == 303
    twice = await post_form(client, f"/staff/rounds/{run['id']}/close")
    assert twice.status_code == 409 and "closed already" in twice.text
    reminded = await post_form(client, f"/staff/rounds/{run['id']}/remind")
    assert reminded.status_code == 409


async def test_the_panel_internal_reviewers_external_invitations_and_removal(client: AsyncClient) -> None:
    setup = await round_with(1)
    run_id = setup["run"]["id"]
    await login(client, setup["manager"])
    reviewer = await internal_reviewer(name="Park Reviewer")
    finance = await staff_viewer("finance")
    page = await client.get(f"/staff/rounds/{run_id}/panel")
    assert "Park Reviewer" in page.text and finance.email not in page.text  # only reviewers are offered

    not_a_reviewer = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": str(finance.id), "affiliation": "Agency"})
    assert not_a_reviewer.status_code == 422 and "does not hold the reviewer role" in not_a_reviewer.text
    nobody = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": "", "affiliation": "Agency"})
    assert nobody.status_code == 422 and "choose a reviewer" in nobody.text
    unknown = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": "987654", "affiliation": "Agency"})
    assert unknown.status_code == 422 and "no such user" in unknown.text
    too_long = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": str(reviewer.id), "affiliation": "x" * 201})
    assert too_long.status_code == 422 and "at most 200" in too_long.text
    added = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": str(reviewer.id), "affiliation": "Hub Agency"},
                            follow_redirects=False)
    assert added.status_code == 303
    twice = await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": str(reviewer.id), "affiliation": "Hub Agency"})
    assert twice.status_code == 409

    bad = await post_form(client, f"/staff/rounds/{run_id}/panel/invite", {"email": "not-an-address", "affiliation": " ", "name": "Lee"})
    assert bad.status_code == 422 and "Email: give the reviewer" in bad.text and "Affiliation: name the organisation" in bad.text
    assert 'value="not-an-address"' in bad.text and 'value="Lee"' in bad.text
    invited = await post_form(client, f"/staff/rounds/{run_id}/panel/invite",
                              {"email": "Expert@Example.com", "affiliation": "Seoul University", "name": "Dr. Lee", "locale": "en"},
                              follow_redirects=False)
    assert invited.status_code == 303
    mail = await Notification.select().where(Notification.template == "reviewer_invitation").first().run()
    assert mail["to_email"] == "expert@example.com" and "Seoul University" in mail["body"]
    assert link_in(mail["body"], "/reviews/invitations/")
    again = await post_form(client, f"/staff/rounds/{run_id}/panel/invite", {"email": "expert@example.com", "affiliation": "Seoul University"})
    assert again.status_code == 409 and "invited to the panel already" in again.text

    page = await client.get(f"/staff/rounds/{run_id}/panel")
    assert page.text.count('data-member="') == 2 and "Seoul University" in page.text and 'data-state="pending"' in page.text
    members = await PanelMember.select().where(PanelMember.round_run == run_id).order_by(PanelMember.id).run()
    removed = await post_form(client, f"/staff/rounds/{run_id}/panel/{members[1]['id']}/remove", follow_redirects=False)
    assert removed.status_code == 303
    page = await client.get(f"/staff/rounds/{run_id}/panel")
    assert page.text.count('data-member="') == 1 and "Seoul University" not in page.text
    # the removed invitation's link no longer works
    token_link = link_in(mail["body"], "/reviews/invitations/").replace("/reviews/", "/reviewer/")
    assert (await client.get(token_link)).status_code == 404
    other = await round_with(1)
    foreign = await post_form(client, f"/staff/rounds/{other['run']['id']}/panel/{members[0]['id']}/remove")
    assert foreign.status_code == 404


async def test_assigning_by_hand_refuses_a_conflicted_pair_with_the_reason(client: AsyncClient) -> None:
    manager = await staff_viewer("program_manager")
    service, applications = ReviewService(), ApplicationService()
    program = await program_with_rounds(manager)
    from tests.factories.programs import create_startup

    backed = await application_in_review(program, manager, applications, startup=await create_startup(investors=["Blue Sky Capital"]))
    plain = await application_in_review(program, manager, applications)
    run = await service.open_round(program["id"], manager)
    investor = await internal_reviewer(name="Investor Kim")
    await on_panel(service, run["id"], manager, investor, affiliation="Blue Sky Capital Inc.")
    await login(client, manager)
    url = f"/staff/rounds/{run['id']}/assignments"

    refused = await post_form(client, url, {"application": str(backed["application"]["id"]), "reviewer": str(investor.id)})
    assert refused.status_code == 409 and "Investor Kim cannot review this application" in refused.text and "investor" in refused.text
    assert not await ReviewAssignment.exists().run()
    for data, message in (({"application": "x", "reviewer": str(investor.id)}, "choose an application"),
                          ({"application": str(plain["application"]["id"]), "reviewer": ""}, "choose a reviewer"),
                          ({"application": "99999", "reviewer": str(investor.id)}, "not in this review round"),
                          ({"application": str(plain["application"]["id"]), "reviewer": str(investor.id), "reason": "r" * 2001}, "at most 2000")):
        bad = await post_form(client, url, data)
        assert bad.status_code == 422 and message in bad.text, data
    done = await post_form(client, url, {"application": str(plain["application"]["id"]), "reviewer": str(investor.id), "reason": "Knows mobility."},
                           follow_redirects=False)
    assert done.status_code == 303
    page = await client.get(url)
    assert "Knows mobility." in page.text and 'data-status="assigned"' in page.text
    twice = await post_form(client, url, {"application": str(plain["application"]["id"]), "reviewer": str(investor.id)})
    assert twice.status_code == 409 and "assigned to this application already" in twice.text
    row = await ReviewAssignment.select().first().run()
    withdrawn = await post_form(client, f"{url}/{row['id']}/withdraw", follow_redirects=False)
    assert withdrawn.status_code == 303
    assert (await ReviewAssignment.select().first().run())["status"] == "withdrawn"


async def test_automatic_assignment_shows_each_choice_with_its_reason_and_the_shortfall(client: AsyncClient) -> None:
    setup = await round_with(2)
    run_id, manager, service = setup["run"]["id"], setup["manager"], setup["service"]
    for name in ("Reviewer One", "Reviewer Two"):
        await on_panel(service, run_id, manager, await internal_reviewer(name=name), tags=["mobility"], text="Mobility and robotics.")
    await login(client, manager)
    url = f"/staff/rounds/{run_id}/assignments/auto"
    for data, field in (({"minimum": "abc"}, "Minimum reviews"), ({"minimum": "0"}, "Minimum reviews"),
                        ({"minimum": "2", "max_load": "-1"}, "Most reviews per reviewer")):
        bad = await post_form(client, url, data)
        assert bad.status_code == 422 and field in bad.text and 'value="' + data.get("max_load", data["minimum"]) + '"' in bad.text
    assert not await ReviewAssignment.exists().run()

    planned = await post_form(client, url, {"minimum": "3", "max_load": ""})
    assert planned.status_code == 200 and 'data-testid="plan"' in planned.text
    assert planned.text.count("data-choice=") == 4 and 'data-testid="shortfalls"' in planned.text
    assert await ReviewAssignment.count().where(ReviewAssignment.status == "assigned").run() == 4
    rows = await ReviewAssignment.select().run()
    assert all(r["reason"] and r["assigned_by"] is None for r in rows)
    page = await client.get(f"/staff/rounds/{run_id}/assignments")
    assert "(automatic)" in page.text and rows[0]["reason"][:20] in page.text.replace("&#39;", "'")


async def test_results_ranking_missing_reviews_and_reminders(client: AsyncClient) -> None:
    setup = await round_with(2)
    run_id, manager, service = setup["run"]["id"], setup["manager"], setup["service"]
    one, two = await internal_reviewer(name="Reviewer One"), await internal_reviewer(name="Reviewer Two")
    for reviewer in (one, two):
        await on_panel(service, run_id, manager, reviewer)
    await service.auto_assign(run_id, manager, minimum=2)
    first, second = (m["application"]["id"] for m in setup["made"])
    rows = await ReviewAssignment.select().run()
    for row in rows:
        reviewer = one if row["reviewer"] == one.id else two
        if row["application"] == first:
            await service.declare_no_conflict(row["id"], reviewer)
            await service.submit_review(row["id"], reviewer, scores={"team": 5, "market": 10}, recommendation="advance")
        elif reviewer is one:
            await service.declare_no_conflict(row["id"], reviewer)
            await service.submit_review(row["id"], reviewer, scores={"team": 3, "market": 5}, recommendation="hold")
    await login(client, manager)
    page = await client.get(f"/staff/rounds/{run_id}/results")
    assert page.status_code == 200 and "Trimmed mean" in page.text
    ranks = re.findall(r'data-application="(\d+)" data-rank="(\d*)" data-advances="(yes|no)"', page.text)
    assert ranks == [(str(first), "1", "yes"), (str(second), "2", "yes")]
    assert "100.00" in page.text and "Reviewer Two" in page.text.split('data-testid="missing"')[1]
    reminded = await post_form(client, f"/staff/rounds/{run_id}/remind", follow_redirects=False)
    assert reminded.status_code == 303
    assert await Notification.count().where(Notification.template == "review_reminder").run() == 1
    assert (await Notification.select().where(Notification.template == "review_reminder").first().run())["to_email"] == two.email


async def test_advancing_needs_a_closed_round_and_a_slot_per_application_for_a_presentation_round(client: AsyncClient) -> None:
    setup = await round_with(3)
    run_id, manager, service = setup["run"]["id"], setup["manager"], setup["service"]
    reviewer = await internal_reviewer()
    await on_panel(service, run_id, manager, reviewer)
    await service.auto_assign(run_id, manager, minimum=1)
    scores = [{"team": 5, "market": 9}, {"team": 4, "market": 8}, {"team": 1, "market": 1}]
    ids = [m["application"]["id"] for m in setup["made"]]
    for row in await ReviewAssignment.select().run():
        await service.declare_no_conflict(row["id"], reviewer)
        await service.submit_review(row["id"], reviewer, scores=scores[ids.index(row["application"])], recommendation="advance")
    await login(client, manager)
    early = await post_form(client, f"/staff/rounds/{run_id}/advance")
    assert early.status_code == 409 and "Close the review round" in early.text
    await post_form(client, f"/staff/rounds/{run_id}/close")
    page = await client.get(f"/staff/rounds/{run_id}/results")
    assert 'data-testid="advance"' in page.text and f'data-slot="{ids[0]}"' in page.text and f'data-slot="{ids[2]}"' not in page.text

    slots = {f"slot-{ids[0]}-starts_at": "2030-03-02T10:00", f"slot-{ids[0]}-ends_at": "2030-03-02T10:20",
             f"slot-{ids[0]}-location": "Hall A", f"slot-{ids[1]}-starts_at": "2030-03-02T11:00", f"slot-{ids[1]}-ends_at": "soon"}
    bad = await post_form(client, f"/staff/rounds/{run_id}/advance", slots)
    assert bad.status_code == 422 and f"error-slot-{ids[1]}" in bad.text and 'value="Hall A"' in bad.text
    backwards = {**slots, f"slot-{ids[1]}-ends_at": "2030-03-02T10:30"}
    bad = await post_form(client, f"/staff/rounds/{run_id}/advance", backwards)
    assert bad.status_code == 422 and "the start first" in bad.text
    assert not await ReviewRoundRun.exists().where(ReviewRoundRun.round_order == 2).run()

    good = {**slots, f"slot-{ids[1]}-ends_at": "2030-03-02T11:20"}
    done = await post_form(client, f"/staff/rounds/{run_id}/advance", good, follow_redirects=False)
    assert done.status_code == 303
    following = await ReviewRoundRun.select().where(ReviewRoundRun.round_order == 2).first().output(load_json=True).run()
    assert sorted(following["participants"]) == sorted(ids[:2])
    slot_rows = await PresentationSlot.select().order_by(PresentationSlot.starts_at).run()
    assert [s["application"] for s in slot_rows] == ids[:2] and slot_rows[0]["location"] == "Hall A"
    assert slot_rows[0]["starts_at"].hour == 1  # 10:00 in Seoul is 01:00 UTC
    assert await Notification.count().where(Notification.template == "review_presentation_slot").run() >= 2
    assert (await Application.select(Application.status).where(Application.id == ids[2]).first().run())["status"] == "awaiting_decision"
    again = await post_form(client, f"/staff/rounds/{run_id}/advance", good)
    assert again.status_code == 409
    page = await client.get(f"/staff/programs/{setup['program']['id']}/review-rounds")
    assert page.text.count('data-run-status="open"') == 1 and page.text.count('data-run-status="closed"') == 1


async def test_a_whole_round_through_the_pages(client: AsyncClient) -> None:
    """Open → panel (an internal reviewer and an external one who signs up from the email) →
    automatic assignment → both declare no conflict and score → results → close → advance."""
    manager = await staff_viewer("program_manager")
    applications = ApplicationService()
    program = await program_with_rounds(manager, title_en="Whole Round Fund")
    made = [await application_in_review(program, manager, applications) for _ in range(2)]
    ids = [m["application"]["id"] for m in made]
    internal = await internal_reviewer(name="Internal Park")

    await login(client, manager)
    await post_form(client, f"/staff/programs/{program['id']}/review-rounds/open")
    run = await ReviewRoundRun.select().first().run()
    run_id = run["id"]
    assert (await post_form(client, f"/staff/rounds/{run_id}/panel/add", {"user": str(internal.id), "affiliation": "Hub Agency"},
                            follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"/staff/rounds/{run_id}/panel/invite",
                            {"email": "outside@example.com", "affiliation": "Seoul University", "locale": "en"},
                            follow_redirects=False)).status_code == 303
    link = link_in((await Notification.select().where(Notification.template == "reviewer_invitation").first().run())["body"],
                   "/reviews/invitations/")

    # the external reviewer follows the link, creates an account, accepts the pledge
    await client.post("/logout", data={"_csrf_token": client.cookies.get("csrftoken")})
    client.cookies.clear()
    landing = await client.get(link, follow_redirects=True)
    assert landing.status_code == 200 and 'data-invitation-state="signup"' in landing.text and "Seoul University" in landing.text
    token_path = str(landing.url.path)
    signed = await post_form(client, f"{token_path}/signup", {
        "name": "Dr. Outside", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "locale": "en",
        "consent_collection": "yes"}, follow_redirects=False)
    assert signed.status_code == 303 and "/pledge" in signed.headers["location"]
    assert (await post_form(client, signed.headers["location"], {"agree": "yes"}, follow_redirects=False)).status_code == 303
    external_id = (await PanelMember.select().where(PanelMember.email == "outside@example.com").first().run())["user"]
    external = await viewer_of({"id": external_id})

    # the internal reviewer accepts the pledge
    await login(client, internal)
    member = await PanelMember.select().where(PanelMember.user == internal.id).first().run()
    assert (await post_form(client, f"/reviewer/panels/{member['id']}/pledge", {"agree": "yes"}, follow_redirects=False)).status_code == 303

    # staff assign automatically: two reviews per application
    await login(client, manager)
    plan = await post_form(client, f"/staff/rounds/{run_id}/assignments/auto", {"minimum": "2"})
    assert plan.status_code == 200 and plan.text.count("data-choice=") == 4 and 'data-testid="shortfalls"' not in plan.text

    # each reviewer declares no conflict and scores both applications through the pages
    marks = {ids[0]: {"score-team": "5", "score-market": "9"}, ids[1]: {"score-team": "2", "score-market": "3"}}
    for reviewer in (internal, external):
        await login(client, reviewer)
        home = await client.get("/reviewer")
        assert home.status_code == 200 and all(f'data-application="{a}"' in home.text for a in ids)
        for app_id in ids:
            assignment = await ReviewAssignment.select().where(
                (ReviewAssignment.application == app_id) & (ReviewAssignment.reviewer == reviewer.id)).first().run()
            first_look = await client.get(f"/reviewer/applications/{app_id}")
            assert 'data-testid="declare"' in first_look.text and 'data-testid="answers"' not in first_look.text
            assert (await post_form(client, f"/reviewer/assignments/{assignment['id']}/no-conflict", follow_redirects=False)).status_code == 303
            page = await client.get(f"/reviewer/applications/{app_id}")
            assert 'data-testid="answers"' in page.text and 'data-testid="scorecard"' in page.text
            sent = await post_form(client, f"/reviewer/assignments/{assignment['id']}/review",
                                   {**marks[app_id], "recommendation": "advance", "comment": "Clear plan."}, follow_redirects=False)
            assert sent.status_code == 303

    await login(client, manager)
    results = await client.get(f"/staff/rounds/{run_id}/results")
    ranks = re.findall(r'data-application="(\d+)" data-rank="(\d*)" data-advances="(yes|no)"', results.text)
    assert ranks[0] == (str(ids[0]), "1", "yes") and "Every assigned review is in." in results.text
    assert (await post_form(client, f"/staff/rounds/{run_id}/close", follow_redirects=False)).status_code == 303
    slots = {f"slot-{a}-starts_at": f"2030-05-0{i + 1}T10:00" for i, a in enumerate(ids)}
    slots |= {f"slot-{a}-ends_at": f"2030-05-0{i + 1}T10:30" for i, a in enumerate(ids)}
    slots |= {f"slot-{a}-location": "Room 301" for a in ids}
    advanced = await post_form(client, f"/staff/rounds/{run_id}/advance", slots, follow_redirects=False)
    assert advanced.status_code == 303
    following = await ReviewRoundRun.select().where(ReviewRoundRun.round_order == 2).first().output(load_json=True).run()
    assert sorted(following["participants"]) == sorted(ids)
    assert await Notification.count().where(Notification.template == "review_round_advanced").run() >= 2
    assert await PresentationSlot.count().run() == 2


async def test_the_applicant_reads_its_presentation_slot_on_its_application_page(client: AsyncClient) -> None:
    setup = await round_with(2)
    run_id, manager, service = setup["run"]["id"], setup["manager"], setup["service"]
    reviewer = await internal_reviewer()
    await on_panel(service, run_id, manager, reviewer)
    await service.auto_assign(run_id, manager, minimum=1)
    for row in await ReviewAssignment.select().run():
        await service.declare_no_conflict(row["id"], reviewer)
        await service.submit_review(row["id"], reviewer, scores={"team": 4, "market": 8}, recommendation="advance")
    await service.close_round(run_id, manager)
    first, second = setup["made"]
    await service.advance(run_id, manager, slots=[{
        "application": first["application"]["id"], "starts_at": datetime(2030, 3, 2, 1, 0, tzinfo=UTC),
        "ends_at": datetime(2030, 3, 2, 1, 20, tzinfo=UTC), "location": "Hall A"}])

    # The application page loads the slots; the fragment names the round, the time in the program's zone, the place.
    await login(client, first["viewer"])
    page = await client.get(f"/applications/{first['application']['id']}")
    assert page.status_code == 200 and f'hx-get="/applications/{first["application"]["id"]}/presentation"' in page.text
    slots = await client.get(f"/applications/{first['application']['id']}/presentation")
    assert slots.status_code == 200, slots.text[:500]
    assert "Your presentation" in slots.text and "Presentation" in slots.text and "Hall A" in slots.text
    assert "2030-03-02 10:00 KST (Asia/Seoul)" in slots.text and "2030-03-02 10:20 KST (Asia/Seoul)" in slots.text

    # Another startup: nothing scheduled for its own application, and the first one's slots are a 404 naming nothing.
    await login(client, second["viewer"])
    own = await client.get(f"/applications/{second['application']['id']}/presentation")
    assert own.status_code == 200 and "Your presentation" not in own.text
    other = await client.get(f"/applications/{first['application']['id']}/presentation")
    assert other.status_code == 404 and "Hall A" not in other.text
