"""Issue 6's permission matrix: every page and API route of the reviews domain × every role.

Roles: anonymous, a member of the applying startup, a member of another startup (with its own
application in the same round), a corporation member, the staff roles admin, program_manager
and finance, and the reviewers of the round: the agency reviewer assigned to the application,
the external reviewer (invited by email, pledge accepted) assigned to it, a panel member *not*
assigned to it (typing its URLs), one assigned but conflicted by affiliation (the startup named
their organisation as an investor after they declared no conflict), one who declared a conflict
on it (assignment withdrawn), and one assigned who has not accepted the pledge yet.

Expected outcomes come from issue 6 and DESIGN.md, not from the code: anonymous visitors are
sent to the login page (pages) or get 401 (API); staff pages are for program managers and admins
(403 for other roles); finance alone (and admins, who hold every role) marks tranches paid; a
startup reads only its own determination and award (another startup, a corporation, reviewers:
404 naming nothing); reviewers see only what they are assigned, after the pledge, never an
application they are conflicted with (404, the startup's name never in the answer).

One world is built per test; each route is called by every role with its own session. A POST by
a role that may not do it carries a *valid* body, so a missing check would show as a success,
and the world's rows must be unchanged after it. A role that may do it gets a probe that passes
the permission check and stops at a state or input rule (409/422), so the world stays as built
for the next checks. Mismatches are collected and shown as one table. The route list is read
from the app (the handlers of :func:`hubcity.reviews.routes`): a route without a row here fails.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

import hubcity.reviews
from hubcity.config.settings import Settings
from hubcity.core.i18n import use_locale
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.db.tables import (
    Application,
    ApplicationFile,
    AuditEntry,
    Award,
    ConflictDeclaration,
    Determination,
    Notification,
    Objection,
    PanelMember,
    PresentationSlot,
    Review,
    ReviewAssignment,
    ReviewComment,
    ReviewRoundRun,
    StartupProfile,
    Tranche,
)
from hubcity.programs.services import ApplicationService
from hubcity.programs.uploads import FileStorage
from hubcity.reviews.services import AwardService, DecisionService, ReviewService
from tests.conftest import api_call, open_client, post_form
from tests.factories.accounts import create_org, create_user
from tests.factories.corporates import login_as, login_route, seed_taxonomy
from tests.factories.programs import create_application, create_startup, staff_viewer, viewer_of
from tests.factories.reviews import (
    DUE_YEAR,
    ROUNDS,
    application_in_review,
    attach_file,
    internal_reviewer,
    invited_external,
    on_panel,
    program_with_rounds,
    review,
)

SECRET_EN = "Stealth Quantum Labs"
SECRET_KO = "은밀한 양자 연구소"
LOGIN = "login"  # a page answer: 303 to /login?next=…

ROLES: tuple[str, ...] = (
    "anonymous", "startup", "other_startup", "corporation", "admin", "program_manager", "finance",
    "reviewer", "external", "unassigned", "conflicted", "declared", "no_pledge",
)
MANAGERS = ("admin", "program_manager")
PANEL = ("reviewer", "external", "unassigned", "conflicted", "declared", "no_pledge")
ASSIGNED_OK = ("reviewer", "external")
#: Who uses the reviewers' pages: the reviewer role (admins hold every role) or a panel membership.
REVIEWER_PAGES = (*PANEL, "admin")


Expected = int | str | tuple[int, str]


def expect(default: Expected, *, anonymous: Expected = LOGIN, **roles: Expected) -> dict[str, Expected]:
    """An expectation for every role: ``default`` unless named (``anonymous``: the login page by default)."""
    unknown = set(roles) - set(ROLES)
    assert not unknown, unknown
    return {role: roles.get(role, anonymous if role == "anonymous" else default) for role in ROLES}


def each(roles: tuple[str, ...], value: Expected) -> dict[str, Expected]:
    """``value`` for each of ``roles`` (to merge into :func:`expect`'s overrides)."""
    return {role: value for role in roles}


def staff_page(ok: Expected) -> dict[str, Expected]:
    """Program managers' pages: the login page for anonymous visitors, 403 for other roles."""
    return expect(403, **each(MANAGERS, ok))


def staff_api(ok: Expected, other: Expected = 403) -> dict[str, Expected]:
    """Program managers' API calls: 401 anonymous, ``other`` for other roles."""
    return expect(other, anonymous=401, **each(MANAGERS, ok))


@dataclass
class Case:
    """One call of the matrix. ``route``: the path as the app lists it; ``args``: its parameters
    (world keys, or callables of the role); ``probe``: args/body for ``probe_roles`` (the roles
    allowed to do it, so that the call stops at a state or input rule and the world stays);
    ``hide``: roles that must not find the startup's name even in a 2xx answer; ``changes``:
    roles whose call may change rows (every other POST/PUT must leave them as they were)."""

    method: str
    route: str
    expected: dict[str, Expected]
    args: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    probe: dict[str, Any] = field(default_factory=dict)
    probe_roles: tuple[str, ...] = ()
    hide: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    api: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.route)


# -- the world ------------------------------------------------------------------------------------


async def build_world(settings: Settings) -> dict[str, Any]:
    """Program 1 (two rounds, round 1 open) with the startup's application ``R`` and another
    startup's ``R2`` in review and a third startup's ``Q`` in screening; the panel with every kind
    of reviewer; program 2 (one round, closed) with the startup's application ``D`` approved, an
    active award whose tranche 1 report is accepted and tranche 2 report is waiting, and an open
    objection. Returns ids and viewers by name."""
    notifier = Notifier(build_environment(settings))
    applications = ApplicationService(notifier, "http://testserver.local")
    reviews = ReviewService(notifier, "http://testserver.local", applications=applications)
    decisions = DecisionService(notifier, "http://testserver.local", applications=applications)
    awards = AwardService(notifier, "http://testserver.local", applications=applications, storage=FileStorage(settings.data_dir))
    w: dict[str, Any] = {}
    pm, admin, finance = await staff_viewer("program_manager"), await staff_viewer("admin"), await staff_viewer("finance")
    startup = await create_startup(name_en=SECRET_EN, name_ko=SECRET_KO)
    other = await create_startup(name_en="Open Other Startup", name_ko="다른 스타트업")
    third = await create_startup(name_en="Third Screening Startup")
    corp_user = await create_user()
    await create_org("corporate", owner=corp_user)

    program = await program_with_rounds(pm, title_en="Matrix Seed Fund", budget=200_000_000, max_award=50_000_000)
    r = await application_in_review(program, pm, applications, startup)
    r2 = await application_in_review(program, pm, applications, other)
    q = await create_application(program, third, service=applications)
    await applications.submit(q["application"]["id"], q["viewer"])
    await applications.transition(q["application"]["id"], pm, "screening")
    run1 = await reviews.open_round(program["id"], pm)
    R, R2 = r["application"]["id"], r2["application"]["id"]

    people = {
        "reviewer": await internal_reviewer(name="Assigned Agency Reviewer"),
        "unassigned": await internal_reviewer(name="Unassigned Reviewer"),
        "conflicted": await internal_reviewer(name="Conflicted Reviewer"),
        "declared": await internal_reviewer(name="Declared Reviewer"),
        "no_pledge": await internal_reviewer(name="Unpledged Reviewer"),
    }
    members = {
        "reviewer": await on_panel(reviews, run1["id"], pm, people["reviewer"], affiliation="Hub Agency"),
        "conflicted": await on_panel(reviews, run1["id"], pm, people["conflicted"], affiliation="Orbit Ventures"),
        "declared": await on_panel(reviews, run1["id"], pm, people["declared"], affiliation="Hub Agency"),
        "no_pledge": await on_panel(reviews, run1["id"], pm, people["no_pledge"], affiliation="Hub Agency", pledge=False),
    }
    people["external"], members["external"], token = await invited_external(reviews, run1["id"], pm, affiliation="Seoul University")
    assignment = {who: (await reviews.assign(run1["id"], R, people[who].id, pm, reason="by hand"))["id"]
                  for who in ("reviewer", "external", "conflicted", "declared", "no_pledge")}
    review_ids = {who: (await review(reviews, assignment[who], people[who], {"team": 4, "market": 8}))["id"] for who in ASSIGNED_OK}
    await reviews.declare_no_conflict(assignment["conflicted"], people["conflicted"])
    assert await reviews.declare_conflict(assignment["declared"], people["declared"], reason="I advised them.") is None
    # the unassigned reviewer joins after, so the reassignment above could not pick them
    members["unassigned"] = await on_panel(reviews, run1["id"], pm, people["unassigned"], affiliation="Hub Agency")
    assignment["unassigned_r2"] = (await reviews.assign(run1["id"], R2, people["unassigned"].id, pm))["id"]
    # after the conflicted reviewer declared no conflict, the startup names their organisation as investor
    await StartupProfile.update({StartupProfile.investors: ["Orbit Ventures"]}).where(StartupProfile.id == startup["profile_id"]).run()
    assert await reviews.conflict(run1["id"], people["conflicted"].id, R) is not None
    spare = await internal_reviewer(name="Spare Reviewer")
    for manager in MANAGERS:  # a panel member each manager may take off the panel
        members[manager] = await on_panel(reviews, run1["id"], pm, await internal_reviewer(name=f"Removable {manager}"))
    file_id = await attach_file(settings.data_dir, R)

    rounds2 = [dict(ROUNDS[0], advance=1)]
    program2 = await program_with_rounds(pm, rounds=rounds2, title_en="Matrix Growth Fund", budget=200_000_000, max_award=50_000_000)
    d = await application_in_review(program2, pm, applications, startup)
    D = d["application"]["id"]
    run2 = await reviews.open_round(program2["id"], pm)
    await reviews.close_round(run2["id"], pm)
    await decisions.determine(D, pm, "approved", feedback="Strong team.")
    award = await awards.create(D, pm, amount=40_000_000, tranches=[
        {"amount": 30_000_000, "due_on": f"{DUE_YEAR}-01-15"}, {"amount": 10_000_000, "due_on": f"{DUE_YEAR}-06-30"}])
    owner = startup["owner"]
    await awards.accept_agreement(award["id"], owner)
    t1, t2 = (t["id"] for t in (await awards.get(award["id"], owner))["tranches"])
    report_file = await attach_file(settings.data_dir, D, b"%PDF-1.4 milestone one", "milestone.pdf")
    stored = await ApplicationFile.select(ApplicationFile.stored_file).where(ApplicationFile.id == report_file).first().run()
    await awards.submit_report(t1, owner, text="Milestone one done.", file_id=stored["stored_file"])
    await awards.accept_report(t1, pm)
    await awards.submit_report(t2, owner, text="Milestone two under way.")
    objection = await decisions.lodge_objection(D, owner, "We object to the conditions.")

    w.update({
        "P1": program["id"], "P2": program2["id"], "R": R, "R2": R2, "Q": q["application"]["id"], "D": D,
        "run1": run1["id"], "run2": run2["id"], "token": token, "file": file_id, "award": award["id"], "T1": t1, "T2": t2,
        "objection": objection["id"], "assignment": assignment, "review": review_ids, "member": {k: v["id"] for k, v in members.items()},
        "people": people, "spare": spare,
        "viewers": {
            "startup": owner, "other_startup": other["owner"], "corporation": await viewer_of(corp_user), "admin": admin,
            "program_manager": pm, "finance": finance, **people,
        },
    })
    return w


async def fingerprint() -> dict[str, Any]:
    """Every row the reviews domain writes (and the counts of audit entries and notifications)."""
    tables = (ReviewRoundRun, PanelMember, ReviewAssignment, Review, ReviewComment, ConflictDeclaration, PresentationSlot,
              Determination, Objection, Award, Tranche, Application)
    found: dict[str, Any] = {}
    for table in tables:
        found[table._meta.tablename] = await table.select().order_by(table.id).run()
    found["audit"] = await AuditEntry.count().run()
    found["notifications"] = await Notification.count().run()
    return found


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The names of the :func:`fingerprint` parts that differ."""
    return [name for name in before if before[name] != after[name]]


# -- the matrix ------------------------------------------------------------------------------------


def own(kind: str, roles: tuple[str, ...], fallback: str = "reviewer") -> Callable[[str, dict[str, Any]], int]:
    """The role's own ``kind`` (assignment/member/review) when the role is in ``roles``, else
    the agency reviewer's (so the others type a URL that is not theirs)."""
    def pick(role: str, w: dict[str, Any]) -> int:
        mine = w[kind].get(role) if role in roles else None
        return int(mine if mine is not None else w[kind][fallback])

    return pick


SCORES_OK = {"score-team": "4", "score-market": "8", "recommendation": "advance", "comment": "Fine."}
SCORES_BAD = {"score-team": "9", "score-market": "8", "recommendation": "advance", "comment": "Fine."}
API_SCORES_OK = {"scores": {"team": 4, "market": 8}, "recommendation": "advance"}
API_SCORES_BAD = {"scores": {"team": 9, "market": 8}, "recommendation": "advance"}
LONG_REASON = "x" * 2001


def page_cases() -> list[Case]:
    """The pages and fragments (the HTML controllers)."""
    applicant_only = expect(404, startup=200, **each(MANAGERS, 303))
    reviewer_page = expect(403, **(each(REVIEWER_PAGES, 404) | each(ASSIGNED_OK, 200)))
    return [
        # rounds (staff)
        Case("GET", "/staff/programs/{program_id:int}/review-rounds", staff_page(200), {"program_id": "P1"}),
        Case("POST", "/staff/programs/{program_id:int}/review-rounds/open", staff_page(409), {"program_id": "P1"}),
        Case("POST", "/staff/rounds/{run_id:int}/close", staff_page(409), {"run_id": "run1"},
             probe={"args": {"run_id": "run2"}}, probe_roles=MANAGERS),
        Case("GET", "/staff/rounds/{run_id:int}/results", staff_page(200), {"run_id": "run1"}),
        Case("POST", "/staff/rounds/{run_id:int}/remind", staff_page(303), {"run_id": "run1"}, changes=MANAGERS),
        Case("POST", "/staff/rounds/{run_id:int}/advance", staff_page(409), {"run_id": "run1"}),
        Case("GET", "/staff/rounds/{run_id:int}/panel", staff_page(200), {"run_id": "run1"}),
        Case("POST", "/staff/rounds/{run_id:int}/panel/add", staff_page(409), {"run_id": "run1"},
             body=lambda w: {"user": str(w["spare"].id), "affiliation": "Hub Agency"},
             probe={"body": lambda w: {"user": str(w["people"]["reviewer"].id), "affiliation": "Hub Agency"}}, probe_roles=MANAGERS),
        Case("POST", "/staff/rounds/{run_id:int}/panel/invite", staff_page(422), {"run_id": "run1"},
             body={"email": "new-expert@example.com", "affiliation": "KAIST", "name": "New", "locale": "en"},
             probe={"body": {"email": "not-an-address", "affiliation": "KAIST"}}, probe_roles=MANAGERS),
        Case("POST", "/staff/rounds/{run_id:int}/panel/{member_id:int}/remove", staff_page(303),
             {"run_id": "run1", "member_id": own("member", ())}, body={},
             probe={"args": {"member_id": own("member", MANAGERS)}}, probe_roles=MANAGERS, changes=MANAGERS),
        Case("GET", "/staff/rounds/{run_id:int}/assignments", staff_page(200), {"run_id": "run1"}),
        Case("POST", "/staff/rounds/{run_id:int}/assignments", staff_page(409), {"run_id": "run1"},
             body=lambda w: {"application": str(w["R2"]), "reviewer": str(w["people"]["reviewer"].id), "reason": "fit"},
             probe={"body": lambda w: {"application": str(w["R"]), "reviewer": str(w["people"]["reviewer"].id)}}, probe_roles=MANAGERS),
        Case("POST", "/staff/rounds/{run_id:int}/assignments/auto", staff_page(422), {"run_id": "run1"}, body={"minimum": "3"},
             probe={"body": {"minimum": "0"}}, probe_roles=MANAGERS),
        Case("POST", "/staff/rounds/{run_id:int}/assignments/{assignment_id:int}/withdraw", staff_page(303),
             {"run_id": "run1", "assignment_id": own("assignment", ())}, body={"reason": "x"},
             probe={"args": {"run_id": "run1", "assignment_id": own("assignment", MANAGERS, "declared")}}, probe_roles=MANAGERS,
             changes=MANAGERS),
        # invitations (the token is the credential; this one was accepted by the external reviewer)
        Case("GET", "/reviewer/invitations/{token:str}", expect(409, anonymous=409, external=200), {"token": "token"}),
        Case("POST", "/reviewer/invitations/{token:str}/accept", expect(409, external=303), {"token": "token"}, body={}),
        Case("POST", "/reviewer/invitations/{token:str}/signup", expect(409, anonymous=409), {"token": "token"},
             body={"name": "Someone", "password": "a-long-password-1", "password_confirm": "a-long-password-1", "locale": "en"}),
        Case("GET", "/reviews", expect((303, "/reviewer"), anonymous=(303, "/reviewer"))),
        Case("GET", "/reviews/invitations/{token:str}", expect((303, "/reviewer/invitations/"), anonymous=(303, "/reviewer/invitations/")),
             {"token": "token"}),
        # reviewers' pages
        Case("GET", "/reviewer", expect(403, **each(REVIEWER_PAGES, 200)), hide=("unassigned", "declared", "no_pledge", "admin")),
        Case("GET", "/reviewer/panels/{member_id:int}/pledge", expect(403, **(each(REVIEWER_PAGES, 404) | {"reviewer": 200})),
             {"member_id": own("member", ())}),
        Case("POST", "/reviewer/panels/{member_id:int}/pledge", expect(403, **(each(REVIEWER_PAGES, 404) | {"reviewer": 303})),
             {"member_id": own("member", ())}, body={"agree": "yes"}),
        Case("POST", "/reviewer/panels/{member_id:int}/expertise", expect(403, **(each(REVIEWER_PAGES, 404) | {"reviewer": 303})),
             {"member_id": own("member", ())}, body={"text": "Robotics and vision"}, changes=("reviewer",)),
        Case("GET", "/reviewer/applications/{application_id:int}",
             dict(reviewer_page, no_pledge=(303, "/reviewer/panels/")), {"application_id": "R"}),
        Case("GET", "/reviewer/applications/{application_id:int}/files/{file_id:int}", reviewer_page,
             {"application_id": "R", "file_id": "file"}),
        Case("POST", "/reviewer/assignments/{assignment_id:int}/no-conflict",
             dict(reviewer_page, reviewer=(303, "/reviewer/applications/"), external=(303, "/reviewer/applications/"),
                  no_pledge=(303, "/reviewer/panels/")),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared"))}, body={}),
        Case("POST", "/reviewer/assignments/{assignment_id:int}/conflict", dict(reviewer_page, reviewer=422, external=422,
                                                                                no_pledge=(303, "/reviewer/panels/")),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared"))}, body={"reason": "I know them."},
             probe={"body": {"reason": LONG_REASON}}, probe_roles=("reviewer", "external", "no_pledge")),
        Case("POST", "/reviewer/assignments/{assignment_id:int}/review", dict(reviewer_page, reviewer=422, external=422,
                                                                              no_pledge=(303, "/reviewer/panels/")),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared", "conflicted"))}, body=SCORES_OK,
             probe={"body": SCORES_BAD}, probe_roles=("reviewer", "external")),
        # staff may comment on a review (never counted as one); admins reach this page as reviewers
        Case("POST", "/reviewer/reviews/{review_id:int}/comments", dict(reviewer_page, reviewer=422, external=422, admin=303),
             {"review_id": own("review", ())}, body={"text": "Agreed."}, probe={"body": {"text": ""}},
             probe_roles=("reviewer", "external"), changes=("admin",)),
        # determinations and objections
        Case("GET", "/staff/applications/{application_id:int}/decision", staff_page(200), {"application_id": "D"}),
        Case("POST", "/staff/applications/{application_id:int}/decision/preview", staff_page(422), {"application_id": "D"},
             body={"outcome": "rejected", "feedback": "No."}, probe={"body": {"outcome": "bogus"}}, probe_roles=MANAGERS),
        Case("POST", "/staff/applications/{application_id:int}/decision", staff_page(422), {"application_id": "D"},
             body={"outcome": "rejected", "feedback": "No.", "confirm": "yes"}, probe={"body": {"outcome": "bogus", "confirm": "yes"}},
             probe_roles=MANAGERS),
        Case("GET", "/staff/programs/{program_id:int}/objections", staff_page(200), {"program_id": "P2"}),
        Case("POST", "/staff/objections/{objection_id:int}/answer", staff_page(422), {"objection_id": "objection"},
             body={"answer": "We keep the decision.", "uphold": "no"}, probe={"body": {"answer": ""}}, probe_roles=MANAGERS),
        Case("GET", "/applications/{application_id:int}/decision",
             dict(applicant_only, admin=(303, "/staff/"), program_manager=(303, "/staff/")), {"application_id": "D"}),
        Case("GET", "/applications/{application_id:int}/presentation", expect(404, startup=200, **each(MANAGERS, 200)),
             {"application_id": "R"}),
        Case("POST", "/applications/{application_id:int}/objection", expect(404, startup=409, **each(MANAGERS, 403)),
             {"application_id": "D"}, body={"text": "Another objection."}),
        # awards
        Case("GET", "/staff/applications/{application_id:int}/award", staff_page(200), {"application_id": "D"}),
        Case("POST", "/staff/applications/{application_id:int}/award", staff_page(409), {"application_id": "D"},
             body={"amount": "1000", "tranche_amount": ["1000"], "tranche_due": [f"{DUE_YEAR}-01-15"]}),
        Case("POST", "/staff/awards/{award_id:int}/tranches", staff_page(409), {"award_id": "award"},
             body={"tranche_amount": ["40000000"], "tranche_due": [f"{DUE_YEAR}-01-15"]}),
        Case("POST", "/staff/tranches/{tranche_id:int}/accept", staff_page(409), {"tranche_id": "T2"}, body={},
             probe={"args": {"tranche_id": "T1"}}, probe_roles=MANAGERS),
        Case("GET", "/staff/finance", expect(403, admin=200, finance=200)),
        Case("POST", "/staff/tranches/{tranche_id:int}/paid", expect(403, admin=409, finance=409), {"tranche_id": "T1"}, body={},
             probe={"args": {"tranche_id": "T2"}}, probe_roles=("admin", "finance")),
        Case("GET", "/applications/{application_id:int}/award",
             dict(applicant_only, admin=(303, "/staff/"), program_manager=(303, "/staff/")), {"application_id": "D"}),
        Case("GET", "/tranches/{tranche_id:int}/report/file", expect(404, startup=200, finance=200, **each(MANAGERS, 200)),
             {"tranche_id": "T1"}),
        Case("POST", "/awards/{award_id:int}/accept", expect(404, startup=409, finance=403, **each(MANAGERS, 403)),
             {"award_id": "award"}, body={"confirm": "yes"}),
        Case("POST", "/awards/{award_id:int}/decline", expect(404, startup=409, finance=403, **each(MANAGERS, 403)),
             {"award_id": "award"}, body={"confirm": "yes", "reason": "No thanks."}),
        Case("POST", "/tranches/{tranche_id:int}/report", expect(404, startup=409, finance=403, **each(MANAGERS, 403)),
             {"tranche_id": "T2"}, body={"report": "Replaced report."}, probe={"args": {"tranche_id": "T1"}}, probe_roles=("startup",)),
        # queues and exports
        Case("GET", "/staff/queues", staff_page(200)),
        Case("POST", "/staff/queues/{application_id:int}/send-to-review", staff_page(200), {"application_id": "Q"}, body={},
             probe={"args": {"application_id": "R"}}, probe_roles=MANAGERS),
        Case("POST", "/staff/queues/bulk", staff_page(422), body=lambda w: {"action": "move", "to": "in_review", "ids": [str(w["Q"])]},
             probe={"body": {"action": "nope"}}, probe_roles=MANAGERS),
        Case("GET", "/staff/exports/rounds/{run_id:int}/reviews.csv", staff_page(200), {"run_id": "run1"}),
        Case("GET", "/staff/exports/rounds/{run_id:int}/reviews.xlsx", staff_page(200), {"run_id": "run1"}),
        Case("GET", "/staff/exports/programs/{program_id:int}/decisions.csv", staff_page(200), {"program_id": "P2"}),
        Case("GET", "/staff/exports/programs/{program_id:int}/decisions.xlsx", staff_page(200), {"program_id": "P2"}),
    ]


def api_cases() -> list[Case]:
    """The ``/api/v1`` routes of the reviews domain."""
    A = "/api/v1"
    member_or_staff = expect(404, anonymous=401, startup=200, **each(MANAGERS, 200))
    reviewer_api = expect(404, anonymous=401, **each(ASSIGNED_OK, 200))
    cases = [
        Case("GET", A + "/programs/{program_id:int}/rounds", staff_api(200), {"program_id": "P1"}),
        Case("POST", A + "/programs/{program_id:int}/rounds", staff_api(409), {"program_id": "P1"}, body={}),
        Case("GET", A + "/rounds/{run_id:int}", expect(404, anonymous=401, **each(MANAGERS, 200), **each(PANEL, 200)), {"run_id": "run1"}),
        Case("POST", A + "/rounds/{run_id:int}/close", staff_api(409), {"run_id": "run1"}, body={},
             probe={"args": {"run_id": "run2"}}, probe_roles=MANAGERS),
        Case("GET", A + "/rounds/{run_id:int}/results", staff_api(200), {"run_id": "run1"}),
        Case("POST", A + "/rounds/{run_id:int}/advance", staff_api(409), {"run_id": "run1"}, body={}),
        Case("GET", A + "/rounds/{run_id:int}/panel", staff_api(200), {"run_id": "run1"}),
        Case("POST", A + "/rounds/{run_id:int}/panel", staff_api(409), {"run_id": "run1"},
             body=lambda w: {"user_id": w["spare"].id, "affiliation": "Hub Agency"},
             probe={"body": lambda w: {"user_id": w["people"]["reviewer"].id}}, probe_roles=MANAGERS),
        Case("POST", A + "/rounds/{run_id:int}/panel/invitations", staff_api(422), {"run_id": "run1"},
             body={"email": "new-expert@example.com", "affiliation": "KAIST"},
             probe={"body": {"email": "nope", "affiliation": ""}}, probe_roles=MANAGERS),
        # only assignments of panels whose pledge was accepted are listed (the startup's name included)
        Case("GET", A + "/assignments", expect(200, anonymous=401),
             hide=tuple(r for r in ROLES if r not in ("reviewer", "external", "conflicted"))),
        Case("POST", A + "/rounds/{run_id:int}/assignments", staff_api(409), {"run_id": "run1"},
             body=lambda w: {"application_id": w["R2"], "reviewer_id": w["people"]["reviewer"].id},
             probe={"body": lambda w: {"application_id": w["R"], "reviewer_id": w["people"]["reviewer"].id}}, probe_roles=MANAGERS),
        Case("POST", A + "/rounds/{run_id:int}/auto-assign", staff_api(422), {"run_id": "run1"}, body={"minimum": 3},
             probe={"body": {"minimum": 0}}, probe_roles=MANAGERS),
        Case("POST", A + "/assignments/{assignment_id:int}/no-conflict", dict(reviewer_api, no_pledge=409),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared"))}, body={}),
        Case("POST", A + "/assignments/{assignment_id:int}/conflict", dict(reviewer_api, reviewer=422, external=422, no_pledge=422),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared"))}, body={"reason": "I know them."},
             probe={"body": {"reason": LONG_REASON}}, probe_roles=("reviewer", "external", "no_pledge")),
        Case("POST", A + "/assignments/{assignment_id:int}/review", dict(reviewer_api, reviewer=422, external=422, no_pledge=409),
             {"assignment_id": own("assignment", ("reviewer", "external", "no_pledge", "declared", "conflicted"))}, body=API_SCORES_OK,
             probe={"body": API_SCORES_BAD}, probe_roles=("reviewer", "external")),
        Case("GET", A + "/rounds/{run_id:int}/applications/{application_id:int}/reviews", dict(reviewer_api, **each(MANAGERS, 200)),
             {"run_id": "run1", "application_id": "R"}),
        # determinations and objections
        Case("GET", A + "/applications/{application_id:int}/determination", member_or_staff, {"application_id": "D"}),
        Case("POST", A + "/applications/{application_id:int}/determination", staff_api(422), {"application_id": "D"},
             body={"outcome": "rejected", "feedback": "No."}, probe={"body": {"outcome": "bogus"}}, probe_roles=MANAGERS),
        Case("POST", A + "/determinations/bulk", staff_api(422), body=lambda w: {"application_ids": [w["D"]], "outcome": "rejected"},
             probe={"body": lambda w: {"application_ids": [w["D"]], "outcome": "bogus"}}, probe_roles=MANAGERS),
        Case("POST", A + "/applications/{application_id:int}/objections", expect(404, anonymous=401, startup=409, **each(MANAGERS, 403)),
             {"application_id": "D"}, body={"text": "Another objection."}),
        Case("POST", A + "/objections/{objection_id:int}/answer", staff_api(422), {"objection_id": "objection"},
             body={"answer": "We keep it.", "uphold": False}, probe={"body": {"answer": ""}}, probe_roles=MANAGERS),
        # awards and tranches
        Case("POST", A + "/applications/{application_id:int}/award", staff_api(409), {"application_id": "D"}, body={"amount": 1000}),
        Case("GET", A + "/awards/{award_id:int}", dict(member_or_staff, finance=200), {"award_id": "award"}),
        Case("PUT", A + "/awards/{award_id:int}/tranches", staff_api(409), {"award_id": "award"},
             body={"tranches": [{"amount": 40_000_000, "due_on": f"{DUE_YEAR}-01-15"}]}),
        Case("GET", A + "/tranches/{tranche_id:int}/report/file",
             expect(404, anonymous=401, startup=200, finance=200, **each(MANAGERS, 200)), {"tranche_id": "T1"}),
        Case("POST", A + "/awards/{award_id:int}/accept", expect(404, anonymous=401, startup=409, finance=403, **each(MANAGERS, 403)),
             {"award_id": "award"}, body={}),
        Case("POST", A + "/awards/{award_id:int}/decline", expect(404, anonymous=401, startup=409, finance=403, **each(MANAGERS, 403)),
             {"award_id": "award"}, body={"reason": "No thanks."}),
        Case("POST", A + "/tranches/{tranche_id:int}/report", expect(404, anonymous=401, startup=409, finance=403, **each(MANAGERS, 403)),
             {"tranche_id": "T2"}, body={"text": "Replaced report."}, probe={"args": {"tranche_id": "T1"}}, probe_roles=("startup",)),
        Case("POST", A + "/tranches/{tranche_id:int}/accept-report", staff_api(409), {"tranche_id": "T2"}, body={},
             probe={"args": {"tranche_id": "T1"}}, probe_roles=MANAGERS),
        Case("POST", A + "/tranches/{tranche_id:int}/paid", expect(403, anonymous=401, admin=409, finance=409),
             {"tranche_id": "T1"}, body={},
             probe={"args": {"tranche_id": "T2"}}, probe_roles=("admin", "finance")),
    ]
    for case in cases:
        case.api = True
    return cases


def reviews_routes(app: Litestar) -> set[tuple[str, str]]:
    """(method, path) of every route handler of :func:`hubcity.reviews.routes` registered on ``app``."""
    functions = set()
    for controller in hubcity.reviews.routes():
        for name in dir(controller):
            handler = getattr(controller, name)
            if hasattr(handler, "http_methods") and hasattr(handler, "fn"):
                functions.add(handler.fn)
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if getattr(getattr(handler, "fn", None), "__func__", None) in functions:
                found |= {(method, route.path) for method in handler.http_methods if method not in ("HEAD", "OPTIONS")}
    return found


# -- running it ------------------------------------------------------------------------------------


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app (with the test login route) running; the anonymous client."""
    app.register(login_route)
    await seed_taxonomy()
    async with open_client(app, index_before_requests=False) as anonymous:
        yield anonymous


def _value(value: Any, role: str, w: dict[str, Any]) -> Any:
    if callable(value):
        return value(role, w)
    return w[value] if isinstance(value, str) and value in w else value


def url_of(case: Case, role: str, w: dict[str, Any]) -> tuple[str, Any]:
    """(path, body) of ``case`` for ``role`` in world ``w`` (its probe when the role is a probe role)."""
    args = dict(case.args)
    body = case.body
    if role in case.probe_roles:
        args.update(case.probe.get("args", {}))
        body = case.probe.get("body", body)
    path = case.route
    for name, value in args.items():
        path = re.sub(r"\{" + name + r":\w+\}", str(_value(value, role, w)), path)
    assert "{" not in path, (case.route, path)
    if callable(body):
        body = body(w)
    return path, body


def outcome(response: httpx.Response) -> tuple[int, str]:
    """(status, Location header or "")."""
    return response.status_code, response.headers.get("location", "")


def matches(expected: Expected, got: tuple[int, str]) -> bool:
    """Whether ``got`` is ``expected``: a status, :data:`LOGIN`, or (status, location prefix)."""
    status, location = got
    if expected == LOGIN:
        return status == 303 and location.startswith("/login")
    if isinstance(expected, tuple):
        return status == expected[0] and location.startswith(expected[1])
    return status == expected and not (status == 303 and location.startswith("/login"))


def refusal(expected: Expected) -> bool:
    """An answer that shows nothing of the application (a state or input refusal of an allowed
    role re-renders its page, which may name the startup)."""
    return expected == LOGIN or expected in (401, 403, 404)


async def call(http: httpx.AsyncClient, case: Case, path: str, body: Any) -> httpx.Response:
    """Call ``path`` as a browser (form with the CSRF field) or an API script (JSON, CSRF header) would."""
    if case.api:
        return await api_call(http, case.method, path, body if case.method != "GET" else None)
    if case.method == "GET":
        return await http.get(path, follow_redirects=False)
    return await post_form(http, path, body or {}, follow_redirects=False)


async def test_every_role_on_every_reviews_route(client: httpx.AsyncClient, app: Litestar, settings: Settings) -> None:
    cases = page_cases() + api_cases()
    keys = [c.key for c in cases]
    assert len(keys) == len(set(keys)), "a route is in the matrix twice"
    listed = reviews_routes(app)
    missing, stale = sorted(listed - set(keys)), sorted(set(keys) - listed)
    assert not missing, f"routes of the reviews domain without a row in the permission matrix: {missing}"
    assert not stale, f"rows of the matrix for routes the app does not have: {stale}"

    with use_locale("en"):
        w = await build_world(settings)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))  # the running app, one cookie jar per role
    sessions: dict[str, httpx.AsyncClient] = {"anonymous": client}
    for role in ROLES[1:]:
        sessions[role] = httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
        await login_as(sessions[role], {"id": w["viewers"][role].id})
    mismatches: list[tuple[str, str, str, str, str]] = []
    try:
        for case in cases:
            # the roles that may change rows go last: one look at the rows before and after the others
            order = sorted(ROLES, key=lambda r: r in case.changes)
            watched = [r for r in order if case.method != "GET" and r not in case.changes]
            before = await fingerprint() if watched else None
            for role in order:
                expected = case.expected[role]
                path, body = url_of(case, role, w)
                response = await call(sessions[role], case, path, body)
                got = outcome(response)
                notes = []
                if not matches(expected, got):
                    notes.append("status")
                if response.status_code >= 500:
                    notes.append("server error")
                if (refusal(expected) or role in case.hide) and (SECRET_EN in response.text or SECRET_KO in response.text):
                    notes.append("startup name leaked")
                if notes:
                    shown = f"{got[0]} {got[1]}".strip()
                    mismatches.append((role, case.method, path, str(expected), f"{shown} [{'; '.join(notes)}]"))
                if before is not None and role == watched[-1]:
                    changed = changed_tables(before, await fingerprint())
                    if changed:
                        mismatches.append(("/".join(watched), case.method, case.route, "no row changed", "changed " + ", ".join(changed)))
    finally:
        for role, session in sessions.items():
            if role != "anonymous":
                await session.aclose()
    table = "\n".join(f"{r:<16} {m:<5} {p:<70} expected {e:<28} got {g}" for r, m, p, e, g in mismatches)
    assert not mismatches, f"{len(mismatches)} mismatches of the permission matrix:\n{table}"
