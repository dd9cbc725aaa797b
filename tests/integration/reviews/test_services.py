"""Reviews, determinations and awards through their services, on every test engine."""

from __future__ import annotations

from collections import deque
from datetime import date, timedelta
from typing import Any

import pytest

from hubcity.core.clock import utcnow
from hubcity.core.errors import ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.viewer import Viewer
from hubcity.db.tables import (
    Application,
    ApplicationEvent,
    AuditEntry,
    Award,
    ConflictDeclaration,
    Determination,
    Notification,
    Objection,
    PanelMember,
    Review,
    ReviewAssignment,
    Tranche,
)
from hubcity.programs import workflow
from hubcity.programs.services import ApplicationService
from hubcity.reviews.repositories import AwardRepository, DecisionRepository
from hubcity.reviews.services import AwardService, DecisionService, ReviewService
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer
from tests.factories.reviews import (
    DUE_YEAR,
    application_in_review,
    external_on_panel,
    internal_reviewer,
    on_panel,
    program_with_rounds,
    review,
)

# -- the workflow table, generated ------------------------------------------------------------------


def _paths() -> dict[str, list[str]]:
    """The shortest way from a new draft to each status through the table (BFS)."""
    paths: dict[str, list[str]] = {workflow.INITIAL: []}
    queue = deque([workflow.INITIAL])
    while queue:
        current = queue.popleft()
        for t in workflow.transitions_from(current):
            if t.to not in paths:
                paths[t.to] = paths[current] + [t.to]
                queue.append(t.to)
    return paths


PATHS = _paths()
FIELDS = {"more_info_requested": ["summary"], "ineligible": ["one_application_per_startup"]}
#: Statuses issue 6 added transitions from (issue 5's are generated in tests/integration/programs).
ISSUE_6_FROM = ["in_review", "awaiting_decision", "approved", "waitlisted", "rejected"]


async def _act(service: ApplicationService, app_id: int, to: str, role: str, actors: dict[str, Any]) -> dict[str, Any]:
    kwargs = {"reason": "Because the rules say so.", "fields": FIELDS.get(to)}
    if role == "system":
        return await service.system_transition(app_id, to, **kwargs)
    # A decision's determination is the reviews domain's (DecisionService passes determined=True);
    # the table's moves are what this test checks.
    return await service.transition(app_id, actors[role], to, determined=to in workflow.DECISIONS, **kwargs)


def test_every_status_is_reachable_from_a_draft() -> None:
    assert set(PATHS) == set(workflow.WORKFLOW)


@pytest.mark.parametrize("from_status", ISSUE_6_FROM)
async def test_every_issue_6_transition_works_for_its_roles_and_every_other_is_refused(
    db: Any, applications: ApplicationService, from_status: str
) -> None:
    """For each role and target: an allowed move on a fresh application in ``from_status``
    succeeds with its event; a refused one leaves one shared application untouched."""
    staff = {"program_manager": await staff_viewer("program_manager"), "admin": await staff_viewer("admin")}
    program = await create_program(staff["program_manager"])

    async def in_from_status() -> tuple[dict[str, Any], dict[str, Any]]:
        made = await create_application(program, await create_startup(), service=applications)
        actors = {**staff, "applicant": made["viewer"]}
        for step in PATHS[from_status]:
            await _act(applications, made["application"]["id"], step, "applicant" if step in ("submitted", "withdrawn") else "admin", actors)
        return made["application"], actors

    shared, shared_actors = await in_from_status()
    checked = 0
    for role in workflow.ROLES:
        for to in workflow.WORKFLOW:
            if workflow.can_transition(from_status, to, role).allowed:
                app, actors = await in_from_status()
                row = await _act(applications, app["id"], to, role, actors)
                assert row["status"] == to, (from_status, to, role)
                last = await ApplicationEvent.select().where(ApplicationEvent.application == app["id"]).order_by(
                    ApplicationEvent.id, ascending=False).first().run()
                assert (last["from_status"], last["to_status"], last["role"]) == (from_status, to, role)
                assert await AuditEntry.exists().where((AuditEntry.action == f"application.{to}") & (AuditEntry.object_id == str(app["id"]))).run()
                checked += 1
            else:
                refused = InvalidStateError if workflow.transition(from_status, to) is None else NotPermittedError
                with pytest.raises(refused) as error:
                    await _act(applications, shared["id"], to, role, shared_actors)
                assert type(error.value) is refused, (from_status, to, role, error.value)
                assert await _status(shared["id"]) == from_status, (from_status, to, role)
    assert checked == sum(len(t.roles) for t in workflow.transitions_from(from_status))


async def test_a_reviewer_moves_nothing(db: Any, applications: ApplicationService, manager: Viewer) -> None:
    program = await create_program(manager)
    made = await application_in_review(program, manager, applications)
    reviewer = await internal_reviewer()
    assert all(not workflow.can_transition(s, t, workflow.REVIEWER) for s in workflow.WORKFLOW for t in workflow.WORKFLOW)
    assert workflow.visible_to("in_review", workflow.REVIEWER) and not workflow.visible_to("awaiting_decision", workflow.REVIEWER)
    with pytest.raises(NotFoundError):
        await applications.transition(made["application"]["id"], reviewer, "awaiting_decision")


# -- rounds, panels and reviews ---------------------------------------------------------------------


async def _round_with_apps(reviews: ReviewService, applications: ApplicationService, manager: Viewer, count: int = 3,
                           **program_values: Any) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    program = await program_with_rounds(manager, **program_values)
    made = [await application_in_review(program, manager, applications) for _ in range(count)]
    run = await reviews.open_round(program["id"], manager)
    return program, made, run


async def _status(app_id: int) -> str:
    return (await Application.select(Application.status).where(Application.id == app_id).first().run())["status"]


async def test_a_round_runs_from_opening_to_advancing_and_the_last_round_to_decision(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager)
    ids = [m["application"]["id"] for m in made]
    assert run["status"] == "open" and run["participants"] == sorted(ids) and run["round_order"] == 1
    with pytest.raises(InvalidStateError) as error:
        await reviews.open_round(program["id"], manager)
    assert error.value.code == "already_opened"
    people = [await internal_reviewer() for _ in range(3)]
    for person in people:
        await on_panel(reviews, run["id"], manager, person)
    plan = await reviews.auto_assign(run["id"], manager, minimum=3)
    assert len(plan.choices) == 9 and not plan.shortfalls
    # scores: application 0 best, 1 middle, 2 worst (team on 1..5, market on 0..10)
    scores = {ids[0]: {"team": 5, "market": 10}, ids[1]: {"team": 4, "market": 6}, ids[2]: {"team": 2, "market": 1}}
    for person in people:
        for assignment in await reviews.my_assignments(person):
            await review(reviews, assignment["id"], person, scores[assignment["application"]])
    # a review may change while the round is open
    first = (await reviews.my_assignments(people[0]))[-1]
    changed = await reviews.submit_review(first["id"], people[0], scores={"team": "5", "market": "9"}, recommendation="hold")
    assert changed["scores"] == {"team": 5, "market": 9}
    await reviews.submit_review(first["id"], people[0], scores=scores[first["application"]], recommendation="advance")
    results = await reviews.results(run["id"], manager)
    assert [r.application_id for r in results.rows] == ids and results.advancing == ids[:2] and not results.missing
    assert results.rows[0].score == 100 and results.rows[0].trimmed
    await reviews.close_round(run["id"], manager)
    with pytest.raises(InvalidStateError) as error:
        await reviews.submit_review(first["id"], people[0], scores={"team": 1, "market": 1}, recommendation="reject")
    assert error.value.code == "round_closed"
    assert (await Review.select(Review.scores).where(Review.assignment == first["id"]).first().run())["scores"] != '{"team": 1, "market": 1}'
    start = utcnow() + timedelta(days=3)
    slots = [{"application": ids[0], "starts_at": start, "ends_at": start + timedelta(minutes=20), "location": "Hall A"}]
    next_run = await reviews.advance(run["id"], manager, slots=slots)
    assert next_run["round_order"] == 2 and next_run["participants"] == ids[:2]
    assert [await _status(a) for a in ids] == ["in_review", "in_review", "awaiting_decision"]
    advanced_mail = await Notification.select().where(Notification.template == "review_round_advanced").run()
    assert len(advanced_mail) == 2 and all("Presentation" in n["subject"] for n in advanced_mail)
    slot_mail = await Notification.select().where(Notification.template == "review_presentation_slot").run()
    assert len(slot_mail) == 1 and "Hall A" in slot_mail[0]["body"]
    _program, slots = await reviews.slots_for_applicant(ids[0], made[0]["viewer"])
    assert len(slots) == 1 and slots[0]["round"]
    with pytest.raises(InvalidStateError) as error:
        await reviews.advance(run["id"], manager)
    assert error.value.code == "already_advanced"
    await reviews.close_round(next_run["id"], manager)
    assert [await _status(a) for a in ids] == ["awaiting_decision"] * 3
    last = await ApplicationEvent.select().where(ApplicationEvent.application == ids[0]).order_by(ApplicationEvent.id, ascending=False).first().run()
    assert (last["to_status"], last["role"]) == ("awaiting_decision", "system")
    with pytest.raises(InvalidStateError) as error:
        await reviews.advance(next_run["id"], manager)
    assert error.value.code == "last_round"
    assert await AuditEntry.count().where(AuditEntry.action.like("review_round.%")) >= 5


async def test_only_program_managers_run_rounds(db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer) -> None:
    program = await program_with_rounds(manager)
    await application_in_review(program, manager, applications)
    for viewer in (await internal_reviewer(), await staff_viewer("finance")):
        with pytest.raises(NotPermittedError):
            await reviews.open_round(program["id"], viewer)
    no_rounds = await create_program(manager)
    with pytest.raises(InvalidStateError) as error:
        await reviews.open_round(no_rounds["id"], manager)
    assert error.value.code == "no_rounds"


async def test_external_reviewer_invitation_pledge_and_no_conflict_before_opening(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer, clock: Any
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=1)
    app_id = made[0]["application"]["id"]
    with pytest.raises(FormInvalid) as error:
        await reviews.invite_external(run["id"], manager, email="nope", affiliation=" ")
    assert set(error.value.errors) == {"email", "affiliation"}
    member, token = await reviews.invite_external(run["id"], manager, email="Expert@Example.com", affiliation="Seoul University", locale="en")
    stored = await PanelMember.select().where(PanelMember.id == member["id"]).first().run()
    assert stored["token_hash"] != token and len(stored["token_hash"]) == 64 and stored["external"] and stored["user"] is None
    mail = await Notification.select().where(Notification.template == "reviewer_invitation").first().run()
    assert mail["to_email"] == "expert@example.com" and f"/reviews/invitations/{token}" in mail["body"] and "Seoul University" in mail["body"]
    from tests.factories.accounts import create_user
    from tests.factories.programs import viewer_of

    expert = await viewer_of(await create_user(email="expert@example.com"))
    with pytest.raises(NotFoundError):
        await reviews.accept_invitation("wrong-token", expert)
    clock.at = utcnow() + timedelta(days=15)
    with pytest.raises(InvalidStateError) as error:
        await reviews.accept_invitation(token, expert)
    assert error.value.code == "invitation_expired"
    clock.at = None
    member = await reviews.accept_invitation(token, expert)
    assert member["user"] == expert.id and member["accepted_at"] is not None
    assert (await reviews.accept_invitation(token, expert))["id"] == member["id"]  # twice is harmless
    with pytest.raises(ConflictError):
        await reviews.accept_invitation(token, await internal_reviewer())
    assignment = await reviews.assign(run["id"], app_id, expert.id, manager)
    # before the pledge: nothing
    with pytest.raises(InvalidStateError) as error:
        await reviews.declare_no_conflict(assignment["id"], expert)
    assert error.value.code == "pledge_required"
    with pytest.raises(NotFoundError):
        await reviews.open_application(app_id, expert)
    await reviews.accept_pledge(member["id"], expert)
    # pledge accepted, no conflict not declared yet: still nothing
    with pytest.raises(NotFoundError):
        await reviews.open_application(app_id, expert)
    with pytest.raises(InvalidStateError) as error:
        await reviews.submit_review(assignment["id"], expert, scores={"team": 3, "market": 3}, recommendation="hold")
    assert error.value.code == "no_conflict_required"
    await reviews.declare_no_conflict(assignment["id"], expert)
    opened = await reviews.open_application(app_id, expert)
    assert opened["id"] == app_id and opened["answers"]["summary"]
    assert await ConflictDeclaration.exists().where((ConflictDeclaration.user == expert.id) & (ConflictDeclaration.kind == "none")).run()


async def test_reviewers_see_only_their_assigned_applications(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=2)
    mine, other = made[0]["application"]["id"], made[1]["application"]["id"]
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person)
    assignment = await reviews.assign(run["id"], mine, person.id, manager)
    await reviews.declare_no_conflict(assignment["id"], person)
    assert (await reviews.open_application(mine, person))["id"] == mine
    with pytest.raises(NotFoundError) as error:
        await reviews.open_application(other, person)  # typing another application's URL
    assert "AI Seed Fund" not in error.value.message
    outsider = await internal_reviewer()
    with pytest.raises(NotFoundError):
        await reviews.submit_review(assignment["id"], outsider, scores={"team": 3, "market": 3}, recommendation="hold")
    with pytest.raises(NotFoundError):
        await reviews.reviews_of(run["id"], other, person)


async def test_conflicts_of_every_kind_are_refused_with_the_reason(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program = await program_with_rounds(manager)
    startup = await create_startup(investors=["Blue Sky Capital"], customers=["Hyundai Motor Co., Ltd."], partners=["㈜ 네이버"])
    made = await application_in_review(program, manager, applications, startup)
    run = await reviews.open_round(program["id"], manager)
    app_id = made["application"]["id"]
    own_name = startup["org"]["name_en"]
    cases = {"Blue Sky Capital LLC": "investor", "Hyundai Motor": "customer", "네이버 주식회사": "partner", f"{own_name} Inc.": "works for"}
    for affiliation, word in cases.items():
        person = await internal_reviewer()
        await on_panel(reviews, run["id"], manager, person, affiliation=affiliation)
        with pytest.raises(ConflictError) as error:
            await reviews.assign(run["id"], app_id, person.id, manager)
        assert error.value.code == "conflict_of_interest" and word in error.value.message
    member_of_startup = startup["owner"]
    from hubcity.db.tables import StaffRole

    await StaffRole(user=member_of_startup.id, role="reviewer", granted_at=utcnow()).save().run()
    from hubcity.core.viewer import load_viewer

    insider = await load_viewer(member_of_startup.id)
    assert insider is not None
    await on_panel(reviews, run["id"], manager, insider)
    with pytest.raises(ConflictError):
        await reviews.assign(run["id"], app_id, insider.id, manager)
    free = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, free, affiliation="Some University")
    plan = await reviews.auto_assign(run["id"], manager, minimum=2)
    assert [(c.application_id, c.reviewer_id) for c in plan.choices] == [(app_id, free.id)]
    assert plan.shortfalls and plan.shortfalls[0].missing == 1 and len(plan.conflicts) == 5
    assert await ReviewAssignment.count().where(ReviewAssignment.application == app_id) == 1


async def test_a_declared_conflict_withdraws_and_reassigns_and_holds_for_the_startup(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=1)
    app_id = made[0]["application"]["id"]
    people = [await internal_reviewer() for _ in range(3)]
    for person in people:
        await on_panel(reviews, run["id"], manager, person)
    plan = await reviews.auto_assign(run["id"], manager, minimum=2)
    chosen = [c.reviewer_id for c in plan.choices]
    spare = next(p for p in people if p.id not in chosen)
    leaving = next(p for p in people if p.id == chosen[0])
    assignment = next(a for a in await reviews.my_assignments(leaving))
    replacement = await reviews.declare_conflict(assignment["id"], leaving, reason="I advised them last year.")
    assert replacement is not None and replacement["reviewer"] == spare.id and replacement["application"] == app_id
    withdrawn = await ReviewAssignment.select().where(ReviewAssignment.id == assignment["id"]).first().run()
    assert withdrawn["status"] == "withdrawn"
    assert await reviews.my_assignments(leaving) == []
    with pytest.raises(NotFoundError):
        await reviews.open_application(app_id, leaving)
    with pytest.raises(NotFoundError):
        await reviews.declare_no_conflict(assignment["id"], leaving)
    assert await AuditEntry.exists().where(AuditEntry.action == "review.reassigned").run()
    # staff cannot hand it back, and the conflict holds for the startup's application to another call
    with pytest.raises(ConflictError) as error:
        await reviews.assign(run["id"], app_id, leaving.id, manager)
    assert "declared" in error.value.message
    other_program = await program_with_rounds(manager)
    await application_in_review(other_program, manager, applications, made[0]["startup"])
    other_run = await reviews.open_round(other_program["id"], manager)
    await on_panel(reviews, other_run["id"], manager, leaving)
    other_app = other_run["participants"][0]
    with pytest.raises(ConflictError):
        await reviews.assign(other_run["id"], other_app, leaving.id, manager)


async def test_reviews_are_hidden_until_your_own_is_in_and_comments_never_count(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=1)
    app_id = made[0]["application"]["id"]
    first, second = await internal_reviewer(), await internal_reviewer()
    for person in (first, second):
        await on_panel(reviews, run["id"], manager, person)
    a1 = await reviews.assign(run["id"], app_id, first.id, manager)
    a2 = await reviews.assign(run["id"], app_id, second.id, manager)
    r1 = await review(reviews, a1["id"], first, {"team": 4, "market": 8})
    await reviews.declare_no_conflict(a2["id"], second)
    hidden = await reviews.reviews_of(run["id"], app_id, second)
    assert hidden.others_hidden and hidden.reviews == []
    with pytest.raises(NotFoundError):
        await reviews.comment(r1["id"], second, "Too generous.")
    seen = await reviews.reviews_of(run["id"], app_id, first)
    assert not seen.others_hidden and [r["id"] for r in seen.reviews] == [r1["id"]]
    before = await reviews.results(run["id"], manager)
    assert before.rows[0].totals == (76.667,) and [m.reviewer_id for m in before.missing] == [second.id]
    await reviews.submit_review(a2["id"], second, scores={"team": 2, "market": 2}, recommendation="reject", comment="Weak market.")
    both = await reviews.reviews_of(run["id"], app_id, second)
    assert not both.others_hidden and len(both.reviews) == 2
    await reviews.comment(r1["id"], second, "Too generous.")
    await reviews.comment(r1["id"], manager, "Noted.")
    after = await reviews.results(run["id"], manager)
    assert len(after.rows[0].totals) == 2 and after.rows[0].recommendations["advance"] == 1 and not after.missing
    assert await Review.count() == 2
    view = await reviews.reviews_of(run["id"], app_id, manager)
    assert [c["text"] for c in next(r for r in view.reviews if r["id"] == r1["id"])["comments"]] == ["Too generous.", "Noted."]
    with pytest.raises(FormInvalid):
        await reviews.comment(r1["id"], manager, "   ")


async def test_scores_outside_the_scale_are_refused_with_a_message_and_nothing_saved(
    db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer
) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=1)
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person)
    assignment = await reviews.assign(run["id"], made[0]["application"]["id"], person.id, manager)
    await reviews.declare_no_conflict(assignment["id"], person)
    with pytest.raises(FormInvalid) as error:
        await reviews.submit_review(assignment["id"], person, scores={"team": 6, "market": -1}, recommendation="maybe", comment="Kept")
    assert set(error.value.errors) == {"scores.team", "scores.market", "recommendation"}
    assert "Team" in error.value.errors["scores.team"] and "from 1 to 5" in error.value.errors["scores.team"]
    assert error.value.values["comment"] == "Kept"
    with pytest.raises(FormInvalid) as error:
        await reviews.submit_review(assignment["id"], person, scores={"team": 3, "market": 5}, recommendation="hold", comment="bad\x00byte")
    assert set(error.value.errors) == {"comment"}
    assert await Review.count() == 0
    saved = await reviews.submit_review(assignment["id"], person, scores={"team": 3, "market": 5}, recommendation="hold")
    assert saved["total"] == 50000  # (2·0.5 + 1·0.5) / 3 · 100
    with pytest.raises(FormInvalid):
        await reviews.submit_review(assignment["id"], person, scores={"team": 3}, recommendation="hold")
    assert (await Review.select(Review.total).first().run())["total"] == 50000


async def test_remind_missing_reviewers(db: Any, reviews: ReviewService, applications: ApplicationService, manager: Viewer) -> None:
    program, made, run = await _round_with_apps(reviews, applications, manager, count=1)
    person = await internal_reviewer()
    await on_panel(reviews, run["id"], manager, person)
    await reviews.assign(run["id"], made[0]["application"]["id"], person.id, manager)
    assert await reviews.remind_missing(run["id"], manager) == 1
    assert await Notification.exists().where((Notification.template == "review_reminder") & (Notification.recipient == person.id)).run()


# -- determinations and objections --------------------------------------------------------------------


async def _awaiting(program: dict[str, Any], manager: Viewer, applications: ApplicationService, *, locale: str = "en") -> dict[str, Any]:
    made = await application_in_review(program, manager, applications, await create_startup(locale=locale))
    made["application"] = await applications.system_transition(made["application"]["id"], "awaiting_decision")
    return made


def _mail_shape(row: dict[str, Any], app_id: int) -> tuple[str, str, str]:
    return row["subject"], row["body"].replace(f"/applications/{app_id}", "/applications/N"), row["locale"]


async def test_single_and_bulk_determinations_are_identical(
    db: Any, decisions: DecisionService, applications: ApplicationService, manager: Viewer
) -> None:
    program = await create_program(manager)
    one = await _awaiting(program, manager, applications, locale="ko")
    two = await _awaiting(program, manager, applications, locale="ko")
    three = await _awaiting(program, manager, applications, locale="ko")
    stuck = await application_in_review(program, manager, applications)
    kwargs = {"conditions": "Open an office in Busan.", "feedback": "Strong team; clarify the data plan."}
    single = await decisions.determine(one["application"]["id"], manager, "approved", **kwargs)
    bulk = await decisions.determine_bulk([two["application"]["id"], stuck["application"]["id"], three["application"]["id"]],
                                          manager, "approved", **kwargs)
    assert list(bulk.done) == [two["application"]["id"], three["application"]["id"]]
    assert list(bulk.failed) == [stuck["application"]["id"]] and "In review" in bulk.failed[stuck["application"]["id"]]
    keys = ("outcome", "conditions", "message", "feedback", "locale", "decided_by")
    assert all({k: d[k] for k in keys} == {k: single[k] for k in keys} for d in bulk.done.values())
    assert single["locale"] == "ko" and "Busan" in single["message"]
    assert single["message"] == decisions.render_message("approved", "ko", program, conditions=kwargs["conditions"], objection_days=14)
    mails = {}
    for made in (one, two, three):
        app_id = made["application"]["id"]
        rows = await Notification.select().where(
            (Notification.template == "determination_approved") & (Notification.recipient == made["viewer"].id)).run()
        assert len(rows) == 1
        mails[app_id] = _mail_shape(rows[0], app_id)
        assert await _status(app_id) == "approved"
        event = await ApplicationEvent.select().where(ApplicationEvent.application == app_id).order_by(ApplicationEvent.id, ascending=False).first().run()
        assert event["to_status"] == "approved" and event["message"] == single["message"]
        assert await AuditEntry.exists().where((AuditEntry.action == "determination.made")).run()
    assert len(set(mails.values())) == 1
    subject, body, _locale = next(iter(mails.values()))
    assert "Strong team" in body and "Busan" in body and "14일" in body  # the applicants read Korean
    assert await _status(stuck["application"]["id"]) == "in_review"
    # the applicant reads the whole determination in the app; another startup cannot
    current = await decisions.current(one["application"]["id"], one["viewer"])
    assert current is not None and current["feedback"] == kwargs["feedback"] and current["objection_open"]
    with pytest.raises(NotFoundError):
        await decisions.current(one["application"]["id"], two["viewer"])


async def test_determination_input_is_checked(db: Any, decisions: DecisionService, applications: ApplicationService, manager: Viewer) -> None:
    program = await create_program(manager)
    made = await _awaiting(program, manager, applications)
    with pytest.raises(FormInvalid) as error:
        await decisions.determine(made["application"]["id"], manager, "rejected", conditions="Only if…", feedback="x" * 10001)
    assert set(error.value.errors) == {"conditions", "feedback"}
    with pytest.raises(NotPermittedError):
        await decisions.determine(made["application"]["id"], await staff_viewer("finance"), "approved")
    assert await Determination.count() == 0 and await _status(made["application"]["id"]) == "awaiting_decision"
    waitlisted = await decisions.determine(made["application"]["id"], manager, "waitlisted")
    approved = await decisions.determine(made["application"]["id"], manager, "approved")
    history = await decisions.history(made["application"]["id"], manager)
    assert [h["id"] for h in history] == [waitlisted["id"], approved["id"]] and history[0]["superseded_at"] is not None


async def test_objections_within_and_after_the_window(
    db: Any, decisions: DecisionService, applications: ApplicationService, manager: Viewer, clock: Any
) -> None:
    program = await create_program(manager)
    made = await _awaiting(program, manager, applications)
    app_id, applicant = made["application"]["id"], made["viewer"]
    with pytest.raises(InvalidStateError) as error:
        await decisions.lodge_objection(app_id, applicant, "Why?")
    assert error.value.code == "no_determination"
    determination = await decisions.determine(app_id, manager, "rejected", feedback="The market is too small.")
    with pytest.raises(NotPermittedError):
        await decisions.lodge_objection(app_id, manager, "Staff cannot object.")
    with pytest.raises(FormInvalid):
        await decisions.lodge_objection(app_id, applicant, "  ")
    objection = await decisions.lodge_objection(app_id, applicant, "The market figures were misread.")
    with pytest.raises(ConflictError):
        await decisions.lodge_objection(app_id, applicant, "Again.")
    with pytest.MonkeyPatch.context() as patch:  # a second member lodging at the same moment: the database refuses
        patch.setattr(DecisionRepository, "open_objection", lambda self, determination_id: _none())
        with pytest.raises(ConflictError):
            await decisions.lodge_objection(app_id, applicant, "At the same moment.")
    assert await Objection.count().where(Objection.application == app_id) == 1
    answered = await decisions.answer_objection(objection["id"], manager, answer="We checked them again.", uphold=False)
    assert answered["upheld"] is False and await _status(app_id) == "rejected"
    assert await Notification.exists().where(Notification.template == "determination_objection_answered").run()
    clock.at = determination["at"] + timedelta(days=14, seconds=1)
    with pytest.raises(InvalidStateError) as error:
        await decisions.lodge_objection(app_id, applicant, "Too late?")
    assert error.value.code == "objection_window_closed" and "ended" in error.value.message
    assert await Objection.count() == 1
    clock.at = determination["at"] + timedelta(days=13)
    second = await decisions.lodge_objection(app_id, applicant, "New evidence attached.")
    upheld = await decisions.answer_objection(second["id"], manager, answer="Upheld: we decide again.", uphold=True)
    assert upheld["upheld"] is True and await _status(app_id) == "awaiting_decision"
    assert await decisions.current(app_id, applicant) is None  # the determination was superseded
    with pytest.raises(InvalidStateError):
        await decisions.answer_objection(second["id"], manager, answer="Twice", uphold=True)
    again = await decisions.determine(app_id, manager, "approved")
    assert again["outcome"] == "approved"


# -- awards and tranches --------------------------------------------------------------------------------


async def _approved(program: dict[str, Any], manager: Viewer, applications: ApplicationService, decisions: DecisionService) -> dict[str, Any]:
    made = await _awaiting(program, manager, applications)
    await decisions.determine(made["application"]["id"], manager, "approved")
    return made


TRANCHES = [{"amount": 20_000_000, "due_on": f"{DUE_YEAR}-03-01"}, {"amount": 20_000_000, "due_on": date(DUE_YEAR, 9, 1)}]


async def test_award_over_the_maximum_or_the_remaining_budget_is_refused_with_messages(
    db: Any, awards: AwardService, decisions: DecisionService, applications: ApplicationService, manager: Viewer
) -> None:
    program = await create_program(manager, budget=100_000_000, max_award=60_000_000)
    first = await _approved(program, manager, applications, decisions)
    second = await _approved(program, manager, applications, decisions)
    with pytest.raises(FormInvalid) as error:
        await awards.create(first["application"]["id"], manager, amount=70_000_000)
    assert "60,000,000 KRW" in error.value.errors["amount"] and "maximum" in error.value.errors["amount"]
    award = await awards.create(first["application"]["id"], manager, amount=60_000_000)
    assert award["status"] == "agreement_pending" and award["currency"] == "KRW"
    assert await awards.remaining_budget(program["id"]) == 40_000_000
    with pytest.raises(FormInvalid) as error:
        await awards.create(second["application"]["id"], manager, amount=50_000_000)
    assert "40,000,000 KRW" in error.value.errors["amount"] and "left" in error.value.errors["amount"]
    assert await Award.count() == 1
    with pytest.raises(ConflictError):
        await awards.create(first["application"]["id"], manager, amount=1)
    not_approved = await _awaiting(program, manager, applications)
    with pytest.raises(InvalidStateError):
        await awards.create(not_approved["application"]["id"], manager, amount=1)
    # declining frees the budget
    await awards.set_tranches(award["id"], manager, [{"amount": 60_000_000, "due_on": f"{DUE_YEAR}-01-01"}])
    declined = await awards.decline(award["id"], first["viewer"], reason="We found other funding.")
    assert declined["status"] == "declined" and await awards.remaining_budget(program["id"]) == 100_000_000
    with pytest.raises(InvalidStateError):
        await awards.accept_agreement(award["id"], first["viewer"])
    assert await Notification.exists().where(Notification.template == "award_declined").run()
    assert (await awards.create(second["application"]["id"], manager, amount=50_000_000))["amount"] == 50_000_000


async def test_agreement_reports_and_payments(
    db: Any, awards: AwardService, decisions: DecisionService, applications: ApplicationService, manager: Viewer
) -> None:
    program = await create_program(manager)
    made = await _approved(program, manager, applications, decisions)
    startup = made["viewer"]
    with pytest.raises(FormInvalid) as error:
        await awards.create(made["application"]["id"], manager, amount=40_000_000, tranches=[{"amount": 10, "due_on": f"{DUE_YEAR}-01-01"}])
    assert "tranches" in error.value.errors
    award = await awards.create(made["application"]["id"], manager, amount=40_000_000)
    with pytest.raises(InvalidStateError) as error:
        await awards.accept_agreement(award["id"], startup)
    assert error.value.code == "no_tranches"
    await awards.set_tranches(award["id"], manager, TRANCHES)
    with pytest.raises(NotPermittedError):
        await awards.accept_agreement(award["id"], manager)
    with pytest.raises(NotFoundError):
        await awards.accept_agreement(award["id"], (await create_startup())["owner"])
    active = await awards.accept_agreement(award["id"], startup)
    assert active["status"] == "active" and [t["number"] for t in active["tranches"]] == [1, 2]
    with pytest.raises(InvalidStateError):
        await awards.set_tranches(award["id"], manager, TRANCHES)
    first, second = active["tranches"]
    finance = await staff_viewer("finance")
    with pytest.raises(InvalidStateError) as error:
        await awards.mark_paid(first["id"], finance)
    assert error.value.code == "report_not_accepted" and "report" in error.value.message
    assert (await Tranche.select(Tranche.paid_at).where(Tranche.id == first["id"]).first().run())["paid_at"] is None
    with pytest.raises(InvalidStateError):
        await awards.accept_report(first["id"], manager)
    await awards.submit_report(first["id"], startup, text="Milestone 1: pilot with two factories.")
    with pytest.raises(NotPermittedError):
        await awards.accept_report(first["id"], finance)
    await awards.accept_report(first["id"], manager)
    # a second member of staff accepting at the same moment (read "not accepted" before the first wrote)
    real = AwardRepository.tranche

    async def stale(self: AwardRepository, tranche_id: int) -> Any:
        row = await real(self, tranche_id)
        return {**row, "report_accepted_at": None} if row and tranche_id == first["id"] else row

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AwardRepository, "tranche", stale)
        with pytest.raises(InvalidStateError) as error:
            await awards.accept_report(first["id"], await staff_viewer("program_manager"))
    assert error.value.code == "report_accepted"
    accepted = AuditEntry.action == "tranche.report_accepted"
    assert await AuditEntry.count().where(accepted & (AuditEntry.object_id == str(first["id"]))) == 1
    assert await Notification.count().where(Notification.template == "tranche_report_accepted") == 1
    with pytest.raises(InvalidStateError):
        await awards.submit_report(first["id"], startup, text="Changed after acceptance")
    with pytest.raises(NotPermittedError):
        await awards.mark_paid(first["id"], manager)
    paid = await awards.mark_paid(first["id"], finance)
    assert paid["paid_at"] is not None and paid["paid_by"] == finance.id
    with pytest.raises(InvalidStateError):
        await awards.mark_paid(first["id"], finance)
    assert (await awards.get(award["id"], finance))["status"] == "active"
    await awards.submit_report(second["id"], startup, text="Milestone 2: launch.")
    await awards.accept_report(second["id"], manager)
    await awards.mark_paid(second["id"], finance)
    assert (await awards.get(award["id"], startup))["status"] == "completed"
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("award.%") | AuditEntry.action.like("tranche.%")).run()}
    assert actions == {"award.created", "award.tranches_set", "award.agreement_accepted", "tranche.report_submitted",
                       "tranche.report_accepted", "tranche.paid", "award.completed"}
    templates = {r["template"] for r in await Notification.select(Notification.template).where(Notification.recipient == startup.id).run()}
    assert {"award_offered", "award_agreement_accepted", "tranche_report_accepted", "tranche_paid", "award_completed"} <= templates


async def test_no_active_award_in_the_same_family(
    db: Any, awards: AwardService, decisions: DecisionService, applications: ApplicationService, manager: Viewer
) -> None:
    rule = [{"rule": "one_application_per_startup"}, {"rule": "no_active_award_in_family"}]
    first = await create_program(manager, family="ai-seed", eligibility=rule)
    made = await _approved(first, manager, applications, decisions)
    next_year = await create_program(manager, family="ai-seed", eligibility=rule)
    other_fund = await create_program(manager, family="bio-growth", eligibility=rule)
    report = await applications.check_eligibility(next_year["id"], made["viewer"])
    assert report.eligible  # approved, but no award yet
    award = await awards.create(made["application"]["id"], manager, amount=10_000_000)
    report = await applications.check_eligibility(next_year["id"], made["viewer"])
    assert not report.eligible and [r.key for r in report.failed] == ["no_active_award_in_family"]
    assert "ai-seed" in report.failed[0].message
    assert (await applications.check_eligibility(other_fund["id"], made["viewer"])).eligible
    await awards.decline(award["id"], made["viewer"])
    assert (await applications.check_eligibility(next_year["id"], made["viewer"])).eligible


async def _none() -> None:
    return None
