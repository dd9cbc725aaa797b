"""The reviews domain under ``/api/v1``: rounds, assignments, reviews, determinations, objections,
awards and tranches (in the OpenAPI document).

The same services as the pages (:class:`~hubcity.reviews.services.ReviewService`,
:class:`~hubcity.reviews.services.DecisionService`, :class:`~hubcity.reviews.services.AwardService`)
with session-cookie auth; writes need the CSRF header ``x-csrftoken``. Errors are
``{"error", "detail", "fields"}`` as in :mod:`hubcity.programs.api`: 401 not logged in, 403 not
yours to do, 404 missing or not visible to you (naming nothing), 409 the state does not allow it
(``error`` says which rule, e.g. ``conflict_of_interest``, ``round_closed``,
``report_not_accepted``, ``objection_window_closed``), 422 bad input with one message per field.
Permissions are the services': staff run rounds and decide, panel members review what is
assigned to them (others' reviews only after their own), startups object and accept awards,
finance marks tranches paid.

Routes:

- round runs: ``GET|POST /programs/{id}/rounds`` (list, open the first), ``GET /rounds/{id}``,
  ``POST /rounds/{id}/close``, ``GET /rounds/{id}/results``, ``POST /rounds/{id}/advance``;
- panel: ``GET|POST /rounds/{id}/panel``, ``POST /rounds/{id}/panel/invitations``;
- assignments: ``GET /assignments`` (mine), ``POST /rounds/{id}/assignments``,
  ``POST /rounds/{id}/auto-assign``, ``POST /assignments/{id}/no-conflict``,
  ``POST /assignments/{id}/conflict``;
- reviews: ``POST /assignments/{id}/review``, ``GET /rounds/{id}/applications/{id}/reviews``;
- determinations: ``GET|POST /applications/{id}/determination``, ``POST /determinations/bulk``;
- objections: ``POST /applications/{id}/objections``, ``POST /objections/{id}/answer``;
- awards: ``POST /applications/{id}/award``, ``GET /awards/{id}``, ``PUT /awards/{id}/tranches``,
  ``POST /awards/{id}/accept``, ``POST /awards/{id}/decline``, ``POST /tranches/{id}/report``
  (JSON, or multipart with the report's file), ``GET /tranches/{id}/report/file``,
  ``POST /tranches/{id}/accept-report``, ``POST /tranches/{id}/paid``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, Request, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, SerializationException
from litestar.openapi.spec import Operation, RequestBody
from litestar.openapi.spec.media_type import OpenAPIMediaType
from litestar.params import JSONBody
from litestar.response import File
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from hubcity.accounts.openapi import errors, json_body
from hubcity.core.errors import FormInvalid
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import MAX_OBJECT_ID, ObjectId
from hubcity.corporates.web import client_ip
from hubcity.programs import workflow
from hubcity.programs.api import API_PREFIX, body_object, body_text, body_whole
from hubcity.programs.uploads import UPLOAD_ROUTE_BODY_LIMIT
from hubcity.reviews import bulk
from hubcity.reviews.api_schemas import (
    AdvanceInput,
    AssignInput,
    AssignmentListOut,
    AssignmentOut,
    AutoAssignInput,
    AutoAssignOut,
    AwardInput,
    AwardOut,
    BulkDeterminationInput,
    BulkDeterminationOut,
    BulkRowOut,
    ChoiceOut,
    CommentOut,
    ConflictInput,
    ConflictOut,
    DeclineInput,
    DeterminationInput,
    DeterminationOut,
    InviteInput,
    MissingOut,
    ObjectionAnswerInput,
    ObjectionInput,
    ObjectionOut,
    PanelAddInput,
    PanelMemberOut,
    PanelOut,
    ReportFileOut,
    ReportInput,
    ReportUploadInput,
    ResultRowOut,
    ReviewInput,
    ReviewListOut,
    ReviewOut,
    RoundResultsOut,
    RoundRunListOut,
    RoundRunOut,
    ShortfallOut,
    SpreadOut,
    TrancheOut,
    TranchesInput,
)
from hubcity.reviews.services import REPORT_FILE_LIMIT, AwardService, DecisionService, ReportUpload, ReviewService

Reviews = NamedDependency[ReviewService]
Decisions = NamedDependency[DecisionService]
Awards = NamedDependency[AwardService]
LONG_TEXT = 100_000  # the services name their own (smaller) limits; this only stops absurd bodies


# -- output -------------------------------------------------------------------------------------


def run_out(run: Mapping[str, Any], *, with_rubric: bool = True) -> RoundRunOut:
    definition = run.get("definition") or {}
    return RoundRunOut(
        id=run["id"], program_id=run["program"], round_order=run["round_order"], name=str(run.get("name") or ""),
        kind=definition.get("kind"), status=run["status"], participants=[int(a) for a in run.get("participants") or []],
        advanced=[int(a) for a in run.get("advanced") or []], opened_at=run.get("opened_at"), closed_at=run.get("closed_at"),
        advanced_at=run.get("advanced_at"), rubric=list(definition.get("rubric") or []) if with_rubric and definition else None,
    )


def member_out(member: Mapping[str, Any]) -> PanelMemberOut:
    return PanelMemberOut(
        id=member["id"], run_id=member["round_run"], user_id=member.get("user"), email=member["email"], name=member["name"],
        external=bool(member["external"]), affiliation=member["affiliation"], invited_at=member.get("invited_at"),
        accepted_at=member.get("accepted_at"), pledge_accepted_at=member.get("pledge_accepted_at"),
    )


def assignment_out(row: Mapping[str, Any]) -> AssignmentOut:
    return AssignmentOut(
        id=row["id"], run_id=row["round_run"], application_id=row["application"], reviewer_id=row["reviewer"], status=row["status"],
        reason=row.get("reason") or "", fit=row.get("fit"), no_conflict_declared_at=row.get("no_conflict_declared_at"),
        startup_name=row.get("startup_name"), review_id=row.get("review_id"),
    )


def review_out(row: Mapping[str, Any]) -> ReviewOut:
    return ReviewOut(
        id=row["id"], assignment_id=row["assignment"], application_id=row.get("application"), reviewer_id=row.get("reviewer"),
        reviewer_name=row.get("reviewer_name"), scores=dict(row.get("scores") or {}), total=round(int(row.get("total") or 0) / 1000, 3),
        recommendation=row["recommendation"], comment=row.get("comment") or "", submitted_at=row.get("submitted_at"),
        updated_at=row.get("updated_at"),
        comments=[CommentOut(id=c["id"], author_id=c.get("author"), author_name=c.get("author_name"), text=c["text"], at=c["at"])
                  for c in row.get("comments") or []],
    )


def determination_out(row: Mapping[str, Any]) -> DeterminationOut:
    return DeterminationOut(
        id=row["id"], application_id=row["application"], outcome=row["outcome"], outcome_label=workflow.staff_label(row["outcome"]),
        conditions=row.get("conditions") or "", message=row.get("message") or "", locale=row.get("locale") or "ko",
        feedback=row.get("feedback") or "", decided_by=row.get("decided_by"), at=row["at"], superseded_at=row.get("superseded_at"),
        objection_deadline=row.get("objection_deadline"), objection_open=row.get("objection_open"),
    )


def objection_out(row: Mapping[str, Any]) -> ObjectionOut:
    return ObjectionOut(
        id=row["id"], application_id=row["application"], determination_id=row["determination"], text=row["text"], at=row["at"],
        answer=row.get("answer") or "", answered_at=row.get("answered_at"), upheld=row.get("upheld"),
    )


def tranche_out(row: Mapping[str, Any]) -> TrancheOut:
    return TrancheOut(
        id=row["id"], award_id=row["award"], number=row["number"], amount=int(row["amount"]), due_on=row.get("due_on"),
        report=row.get("report") or "", report_submitted_at=row.get("report_submitted_at"),
        report_file=ReportFileOut(name=row["file"].name, size=row["file"].size, content_type=row["file"].content_type,
                                  url=f"{API_PREFIX}/tranches/{row['id']}/report/file") if row.get("file") else None,
        report_accepted_at=row.get("report_accepted_at"), paid_at=row.get("paid_at"),
    )


def award_out(row: Mapping[str, Any]) -> AwardOut:
    return AwardOut(
        id=row["id"], application_id=row["application"], program_id=row["program"], amount=int(row["amount"]), currency=row["currency"],
        status=row["status"], agreement_accepted_at=row.get("agreement_accepted_at"), declined_at=row.get("declined_at"),
        completed_at=row.get("completed_at"), tranches=[tranche_out(t) for t in row.get("tranches") or []],
    )


# -- reading bodies -----------------------------------------------------------------------------


def _bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise FormInvalid({key: _("%(field)s: true or false.", field=key)}, dict(data))
    return value


def _instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _slots(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = data.get("slots") or []
    if not isinstance(raw, list) or len(raw) > 500:
        raise FormInvalid({"slots": _("Slots: send a list of {application, starts_at, ends_at, location}.")}, dict(data))
    slots: list[dict[str, Any]] = []
    problems: dict[str, str] = {}
    for i, slot in enumerate(raw):
        if not isinstance(slot, Mapping) or set(slot) - {"application", "starts_at", "ends_at", "location"}:
            problems[f"slots[{i}]"] = _("Slot %(number)s: send {application, starts_at, ends_at, location}.", number=i + 1)
            continue
        application, starts, ends = slot.get("application"), _instant(slot.get("starts_at")), _instant(slot.get("ends_at"))
        location = slot.get("location", "")
        if isinstance(application, bool) or not isinstance(application, int) or not 1 <= application <= MAX_OBJECT_ID:
            problems[f"slots[{i}]"] = _("Slot %(number)s: the application is not in this round.", number=i + 1)
        elif starts is None or ends is None:
            problems[f"slots[{i}]"] = _("Slot %(number)s: give a start and an end with their zone, the start first.", number=i + 1)
        elif not isinstance(location, str):
            problems[f"slots[{i}]"] = _("Slot %(number)s: the place must be text.", number=i + 1)
        else:
            slots.append({"application": application, "starts_at": starts, "ends_at": ends, "location": location})
    if problems:
        raise FormInvalid(problems, dict(data))
    return slots


def _tranches(data: Mapping[str, Any], *, required: bool) -> list[dict[str, Any]] | None:
    raw = data.get("tranches")
    if raw is None and not required:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > 120 or not all(isinstance(t, Mapping) for t in raw):
        raise FormInvalid({"tranches": _("Tranches: give at least one payment with its amount and due date.")}, dict(data))
    return [dict(t) for t in raw]


def _ids(data: Mapping[str, Any], key: str) -> list[int]:
    raw = data.get(key)
    if not isinstance(raw, list):
        raise FormInvalid({key: _("%(field)s: send a list of application ids.", field=key)}, dict(data))
    try:
        return bulk.selected_ids(raw)
    except FormInvalid as error:
        raise FormInvalid({key: next(iter(error.errors.values()))}, dict(data)) from None


# -- round runs, panels, assignments, reviews -------------------------------------------------------


class RoundApiController(Controller):
    path = API_PREFIX
    tags = ["review rounds"]
    guards = [requires_login]

    @get("/programs/{program_id:int}/rounds", responses=errors(401, 403, 404))
    async def runs(self, request: Request, program_id: ObjectId, review_service: Reviews) -> RoundRunListOut:
        """The program's review round runs in order (staff)."""
        return RoundRunListOut(items=[run_out(r) for r in await review_service.runs(program_id, viewer_of(request))])

    @post("/programs/{program_id:int}/rounds", status_code=HTTP_201_CREATED, responses=errors(401, 403, 404, 409))
    async def open_round(self, request: Request, program_id: ObjectId, review_service: Reviews) -> RoundRunOut:
        """Open the program's first review round with every application in review (staff; later
        rounds open when the previous one advances)."""
        viewer = viewer_of(request)
        run = await review_service.open_round(program_id, viewer, ip=client_ip(request))
        return run_out(await review_service.run(run["id"], viewer))

    @get("/rounds/{run_id:int}", responses=errors(401, 404))
    async def show(self, request: Request, run_id: ObjectId, review_service: Reviews) -> RoundRunOut:
        """One round run (staff and its panel)."""
        return run_out(await review_service.run(run_id, viewer_of(request)))

    @post("/rounds/{run_id:int}/close", status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def close(self, request: Request, run_id: ObjectId, review_service: Reviews) -> RoundRunOut:
        """Close an open run (staff); the last round's close moves its applications to awaiting decision."""
        viewer = viewer_of(request)
        await review_service.close_round(run_id, viewer, ip=client_ip(request))
        return run_out(await review_service.run(run_id, viewer))

    @get("/rounds/{run_id:int}/results", responses=errors(401, 403, 404))
    async def results(self, request: Request, run_id: ObjectId, review_service: Reviews) -> RoundResultsOut:
        """Per application: mean or trimmed mean, spread, rank, whether it advances; the reviews still missing (staff)."""
        found = await review_service.results(run_id, viewer_of(request))
        return RoundResultsOut(
            run_id=run_id, method=found.method, advance=found.advance, advancing=list(found.advancing), tie_at_cut=found.tie_at_cut,
            rows=[ResultRowOut(application_id=r.application_id, totals=list(r.totals), score=r.score, trimmed=r.trimmed,
                               spread=SpreadOut(range=r.spread.range, stdev=r.spread.stdev), rank=r.rank, advances=r.advances,
                               recommendations=dict(r.recommendations), missing_reviewers=list(r.missing_reviewers)) for r in found.rows],
            missing=[MissingOut(assignment_id=m.assignment_id, application_id=m.application_id, reviewer_id=m.reviewer_id) for m in found.missing],
        )

    @post("/rounds/{run_id:int}/advance", status_code=HTTP_201_CREATED, operation_class=json_body(AdvanceInput),
          responses=errors(401, 403, 404, 409, 422))
    async def advance(self, request: Request, run_id: ObjectId, review_service: Reviews, data: JSONBody[dict[str, Any] | None] = None) -> RoundRunOut:
        """Advance a closed run's top N to the next round (staff); optional presentation ``slots``. Returns the next run."""
        viewer = viewer_of(request)
        body = body_object(data, ("slots",))
        nxt = await review_service.advance(run_id, viewer, slots=_slots(body), ip=client_ip(request))
        return run_out(await review_service.run(nxt["id"], viewer))

    @get("/rounds/{run_id:int}/panel", responses=errors(401, 403, 404))
    async def panel(self, request: Request, run_id: ObjectId, review_service: Reviews) -> PanelOut:
        """The run's panel, pending invitations included (staff)."""
        return PanelOut(items=[member_out(m) for m in await review_service.panel(run_id, viewer_of(request))])

    @post("/rounds/{run_id:int}/panel", status_code=HTTP_201_CREATED, operation_class=json_body(PanelAddInput),
          responses=errors(401, 403, 404, 409, 422))
    async def add_reviewer(self, request: Request, run_id: ObjectId, data: JSONBody[dict[str, Any]], review_service: Reviews) -> PanelMemberOut:
        """Put an agency reviewer on the panel (staff)."""
        body = body_object(data, ("user_id", "affiliation"), ("user_id",))
        user_id = body_whole(body, "user_id", required=True)
        assert user_id is not None
        member = await review_service.add_reviewer(run_id, viewer_of(request), user_id, affiliation=body_text(body, "affiliation", 200),
                                                   ip=client_ip(request))
        return member_out(member)

    @post("/rounds/{run_id:int}/panel/invitations", status_code=HTTP_201_CREATED, operation_class=json_body(InviteInput),
          responses=errors(401, 403, 404, 409, 422))
    async def invite(self, request: Request, run_id: ObjectId, data: JSONBody[dict[str, Any]], review_service: Reviews) -> PanelMemberOut:
        """Invite an external reviewer by email with their affiliation (staff). The link goes by
        email only; it is never in the answer."""
        body = body_object(data, ("email", "affiliation", "name", "locale"), ("email", "affiliation"))
        locale = body.get("locale", "ko")
        if locale not in ("ko", "en"):
            raise FormInvalid({"locale": _("Language: ko or en.")}, body)
        member, _token = await review_service.invite_external(
            run_id, viewer_of(request), email=body_text(body, "email", 320), affiliation=body_text(body, "affiliation", 1000),
            name=body_text(body, "name", 100), locale=locale, ip=client_ip(request))
        return member_out(member)

    @get("/assignments", responses=errors(401))
    async def mine(self, request: Request, review_service: Reviews) -> AssignmentListOut:
        """Your active assignments as a reviewer, newest first (those of panels whose pledge you accepted)."""
        viewer = viewer_of(request)
        pledged = {m["round_run"] for m in await review_service.my_panels(viewer) if m["pledge_accepted_at"] is not None}
        return AssignmentListOut(items=[assignment_out(r) for r in await review_service.my_assignments(viewer) if r["round_run"] in pledged])

    @post("/rounds/{run_id:int}/assignments", status_code=HTTP_201_CREATED, operation_class=json_body(AssignInput),
          responses=errors(401, 403, 404, 409, 422))
    async def assign(self, request: Request, run_id: ObjectId, data: JSONBody[dict[str, Any]], review_service: Reviews) -> AssignmentOut:
        """Assign a panel member to an application by hand (staff); 409 ``conflict_of_interest`` names why not."""
        body = body_object(data, ("application_id", "reviewer_id", "reason"), ("application_id", "reviewer_id"))
        application_id, reviewer_id = body_whole(body, "application_id", required=True), body_whole(body, "reviewer_id", required=True)
        assert application_id is not None and reviewer_id is not None
        row = await review_service.assign(run_id, application_id, reviewer_id, viewer_of(request), reason=body_text(body, "reason", 2000),
                                          ip=client_ip(request))
        return assignment_out(row)

    @post("/rounds/{run_id:int}/auto-assign", status_code=HTTP_200_OK, operation_class=json_body(AutoAssignInput),
          responses=errors(401, 403, 404, 409, 422))
    async def auto_assign(self, request: Request, run_id: ObjectId, review_service: Reviews, data: JSONBody[dict[str, Any] | None] = None) -> AutoAssignOut:
        """Balanced, conflict-free assignment so each application has ``minimum`` reviewers, with the reason of each choice (staff)."""
        body = body_object(data, ("minimum", "max_load"))
        plan = await review_service.auto_assign(run_id, viewer_of(request), minimum=body.get("minimum", 2), max_load=body.get("max_load"),
                                                ip=client_ip(request))
        return AutoAssignOut(
            choices=[ChoiceOut(application_id=c.application_id, reviewer_id=c.reviewer_id, fit=c.fit, tags_in_common=list(c.tags_in_common),
                               reason=c.reason) for c in plan.choices],
            shortfalls=[ShortfallOut(application_id=s.application_id, missing=s.missing, reason=s.reason) for s in plan.shortfalls],
        )

    @post("/assignments/{assignment_id:int}/no-conflict", status_code=HTTP_200_OK, responses=errors(401, 404, 409))
    async def no_conflict(self, request: Request, assignment_id: ObjectId, review_service: Reviews) -> AssignmentOut:
        """Declare no conflict of interest with the application (your assignment, after the pledge)."""
        return assignment_out(await review_service.declare_no_conflict(assignment_id, viewer_of(request), ip=client_ip(request)))

    @post("/assignments/{assignment_id:int}/conflict", status_code=HTTP_200_OK, operation_class=json_body(ConflictInput),
          responses=errors(401, 404, 422))
    async def conflict(self, request: Request, assignment_id: ObjectId, review_service: Reviews,
                       data: JSONBody[dict[str, Any] | None] = None) -> ConflictOut:
        """Declare a conflict of interest: the assignment is withdrawn and given to another reviewer."""
        body = body_object(data, ("reason",))
        replacement = await review_service.declare_conflict(assignment_id, viewer_of(request), reason=body_text(body, "reason", LONG_TEXT),
                                                            ip=client_ip(request))
        return ConflictOut(withdrawn_assignment_id=assignment_id, replacement=assignment_out(replacement) if replacement else None)

    @post("/assignments/{assignment_id:int}/review", status_code=HTTP_200_OK, operation_class=json_body(ReviewInput),
          responses=errors(401, 404, 409, 422))
    async def submit_review(self, request: Request, assignment_id: ObjectId, data: JSONBody[dict[str, Any]], review_service: Reviews) -> ReviewOut:
        """Submit (or change, while the round is open) your review: 422 names each score outside its scale."""
        body = body_object(data, ("scores", "recommendation", "comment"), ("scores", "recommendation"))
        if not isinstance(body["scores"], Mapping):
            raise FormInvalid({"scores": _("Scores: send an object of criterion key → number.")}, body)
        if not isinstance(body["recommendation"], str):
            raise FormInvalid({"recommendation": _("Recommendation: choose advance, hold or reject.")}, body)
        row = await review_service.submit_review(assignment_id, viewer_of(request), scores=body["scores"],
                                                 recommendation=body["recommendation"], comment=body_text(body, "comment", LONG_TEXT),
                                                 ip=client_ip(request))
        return review_out(row)

    @get("/rounds/{run_id:int}/applications/{application_id:int}/reviews", responses=errors(401, 404))
    async def reviews_of(self, request: Request, run_id: ObjectId, application_id: ObjectId, review_service: Reviews) -> ReviewListOut:
        """The reviews of one application in one round: staff see all; a reviewer sees their own,
        and the others only once theirs is submitted (``others_hidden``)."""
        view = await review_service.reviews_of(run_id, application_id, viewer_of(request))
        return ReviewListOut(items=[review_out(r) for r in view.reviews], others_hidden=view.others_hidden)


# -- determinations and objections -----------------------------------------------------------------


class DecisionApiController(Controller):
    path = API_PREFIX
    tags = ["determinations"]
    guards = [requires_login]

    @get("/applications/{application_id:int}/determination", responses=errors(401, 404))
    async def current(self, request: Request, application_id: ObjectId, decision_service: Decisions) -> DeterminationOut | None:
        """The current determination (its applicant's members and staff), with the objection deadline; null before any."""
        row = await decision_service.current(application_id, viewer_of(request))
        return determination_out(row) if row else None

    @post("/applications/{application_id:int}/determination", status_code=HTTP_201_CREATED, operation_class=json_body(DeterminationInput),
          responses=errors(401, 403, 404, 409, 422))
    async def determine(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], decision_service: Decisions) -> DeterminationOut:
        """Approve (optionally with conditions), waitlist or reject (program managers): the message
        from a template in the applicant's language, and the feedback."""
        body = body_object(data, ("outcome", "conditions", "feedback"), ("outcome",))
        outcome = body["outcome"] if isinstance(body["outcome"], str) else ""
        row = await decision_service.determine(application_id, viewer_of(request), outcome, conditions=body_text(body, "conditions", LONG_TEXT),
                                               feedback=body_text(body, "feedback", LONG_TEXT), ip=client_ip(request))
        return determination_out(row)

    @post("/determinations/bulk", status_code=HTTP_200_OK, operation_class=json_body(BulkDeterminationInput),
          responses=errors(401, 403, 422))
    async def determine_bulk(self, request: Request, data: JSONBody[dict[str, Any]], decision_service: Decisions) -> BulkDeterminationOut:
        """The same determination for each application, each exactly as one by one; each row done or failed with the reason."""
        body = body_object(data, ("application_ids", "outcome", "conditions", "feedback"), ("application_ids", "outcome"))
        ids = _ids(body, "application_ids")
        outcome = body["outcome"] if isinstance(body["outcome"], str) else ""
        report, found = await bulk.determine_each(decision_service, ids, viewer_of(request), outcome,
                                                  conditions=body_text(body, "conditions", LONG_TEXT), feedback=body_text(body, "feedback", LONG_TEXT),
                                                  ip=client_ip(request))
        items = [BulkRowOut(application_id=r.application_id, ok=r.ok, message=r.message,
                            determination=determination_out(found.done[r.application_id]) if r.ok else None) for r in report.rows]
        return BulkDeterminationOut(items=items, done=len(report.done), failed=len(report.failed))

    @post("/applications/{application_id:int}/objections", status_code=HTTP_201_CREATED, operation_class=json_body(ObjectionInput),
          responses=errors(401, 403, 404, 409, 422))
    async def lodge(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], decision_service: Decisions) -> ObjectionOut:
        """Object to the current decision (members of the startup) within the program's window (409 ``objection_window_closed`` after)."""
        body = body_object(data, ("text",), ("text",))
        row = await decision_service.lodge_objection(application_id, viewer_of(request), body_text(body, "text", LONG_TEXT), ip=client_ip(request))
        return objection_out(row)

    @post("/objections/{objection_id:int}/answer", status_code=HTTP_200_OK, operation_class=json_body(ObjectionAnswerInput),
          responses=errors(401, 403, 404, 409, 422))
    async def answer(self, request: Request, objection_id: ObjectId, data: JSONBody[dict[str, Any]], decision_service: Decisions) -> ObjectionOut:
        """Answer an objection (staff); ``uphold`` reopens the decision (the application awaits a decision again)."""
        body = body_object(data, ("answer", "uphold"), ("answer",))
        row = await decision_service.answer_objection(objection_id, viewer_of(request), answer=body_text(body, "answer", LONG_TEXT),
                                                      uphold=_bool(body, "uphold"), ip=client_ip(request))
        return objection_out(row)


# -- awards and tranches ----------------------------------------------------------------------------


@dataclass
class ReportOperation(Operation):
    """The report route's body: JSON (:class:`ReportInput`) or multipart (:class:`ReportUploadInput`)."""

    def __post_init__(self) -> None:
        media = {}
        for media_type, model in (("application/json", ReportInput), ("multipart/form-data", ReportUploadInput)):
            schema = model.model_json_schema(mode="validation")
            schema.pop("$defs", None)
            media[media_type] = OpenAPIMediaType(schema=schema)  # type: ignore[arg-type]
        self.request_body = RequestBody(required=True, description=ReportInput.__doc__, content=media)


class AwardApiController(Controller):
    path = API_PREFIX
    tags = ["awards"]
    guards = [requires_login]

    @post("/applications/{application_id:int}/award", status_code=HTTP_201_CREATED, operation_class=json_body(AwardInput),
          responses=errors(401, 403, 404, 409, 422))
    async def create(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], award_service: Awards) -> AwardOut:
        """The award of an approved application (program managers): 422 when the amount is over the
        maximum or the remaining budget (the message names both)."""
        body = body_object(data, ("amount", "tranches"), ("amount",))
        row = await award_service.create(application_id, viewer_of(request), amount=body["amount"], tranches=_tranches(body, required=False),
                                         ip=client_ip(request))
        return award_out(row)

    @get("/awards/{award_id:int}", responses=errors(401, 404))
    async def show(self, request: Request, award_id: ObjectId, award_service: Awards) -> AwardOut:
        """An award with its tranches (the startup's members, staff, finance)."""
        return award_out(await award_service.get(award_id, viewer_of(request)))

    @put("/awards/{award_id:int}/tranches", operation_class=json_body(TranchesInput), responses=errors(401, 403, 404, 409, 422))
    async def set_tranches(self, request: Request, award_id: ObjectId, data: JSONBody[dict[str, Any]], award_service: Awards) -> AwardOut:
        """Replace the payment schedule while the agreement is pending (staff)."""
        body = body_object(data, ("tranches",), ("tranches",))
        tranches = _tranches(body, required=True)
        assert tranches is not None
        return award_out(await award_service.set_tranches(award_id, viewer_of(request), tranches, ip=client_ip(request)))

    @post("/awards/{award_id:int}/accept", status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def accept(self, request: Request, award_id: ObjectId, award_service: Awards) -> AwardOut:
        """Accept the award agreement (members of the startup)."""
        return award_out(await award_service.accept_agreement(award_id, viewer_of(request), ip=client_ip(request)))

    @post("/awards/{award_id:int}/decline", status_code=HTTP_200_OK, operation_class=json_body(DeclineInput), responses=errors(401, 403, 404, 409, 422))
    async def decline(self, request: Request, award_id: ObjectId, award_service: Awards, data: JSONBody[dict[str, Any] | None] = None) -> AwardOut:
        """Decline the award before accepting its agreement (members of the startup)."""
        body = body_object(data, ("reason",))
        return award_out(await award_service.decline(award_id, viewer_of(request), reason=body_text(body, "reason", LONG_TEXT), ip=client_ip(request)))

    @post("/tranches/{tranche_id:int}/report", status_code=HTTP_200_OK, operation_class=ReportOperation,
          responses=errors(401, 403, 404, 409, 413, 422), request_max_body_size=UPLOAD_ROUTE_BODY_LIMIT)
    async def report(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> TrancheOut:
        """Submit (or replace, until accepted) a tranche's milestone report (members of the startup).
        JSON ``{text, file_id?, keep_file?}`` (``file_id``: a file attached to this application), or
        ``multipart/form-data`` (or a urlencoded form, without a file) with ``text``, an optional ``file`` (checked and stored as the
        pages' uploads: 422 naming ``file`` and the rule when empty, over 20 MB or not an allowed
        type) and ``keep_file``. Without a file the report has none unless ``keep_file`` is true."""
        viewer = viewer_of(request)
        upload = None
        if request.content_type[0] in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.form()
            body = body_object({k: v for k, v in form.items()}, ("text", "file", "keep_file"), ("text",))
            chosen = body.pop("file", None)
            if chosen is not None and not isinstance(chosen, UploadFile):
                raise FormInvalid({"file": _("%(field)s: send a file, not text.", field="file")}, body)
            if isinstance(chosen, UploadFile):
                upload = ReportUpload(name=chosen.filename or "", content=await chosen.read(REPORT_FILE_LIMIT + 1))
            keep = body.get("keep_file", "false")
            if keep not in ("true", "false"):
                raise FormInvalid({"keep_file": _("%(field)s: true or false.", field="keep_file")}, body)
            body["keep_file"] = keep == "true"
        else:
            try:
                data = await request.json()
            except SerializationException as error:
                raise ClientException(status_code=400) from error
            body = body_object(data, ("text", "file_id", "keep_file"), ("text",))
        file_id = body_whole(body, "file_id", required=False)
        keep_file = body.get("keep_file", False)
        if not isinstance(keep_file, bool):
            raise FormInvalid({"keep_file": _("%(field)s: true or false.", field="keep_file")}, body)
        try:
            row = await award_service.submit_report(tranche_id, viewer, text=body_text(body, "text", LONG_TEXT), file_id=file_id, upload=upload,
                                                    keep_file=keep_file, ip=client_ip(request))
        except FormInvalid as error:  # the service names the report "report"; this request calls it "text"
            raise FormInvalid({("text" if k == "report" else k): v for k, v in error.errors.items()}, body) from None
        return tranche_out(row)

    @get("/tranches/{tranche_id:int}/report/file", responses=errors(401, 404))
    async def report_file(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> File:
        """The file of a tranche's milestone report (the startup's members, program staff, finance; 404 for anyone else)."""
        path, item = await award_service.report_file(tranche_id, viewer_of(request))
        return File(
            path=path, filename=item.name, media_type=item.content_type, content_disposition_type="attachment",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    @post("/tranches/{tranche_id:int}/accept-report", status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def accept_report(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> TrancheOut:
        """Accept a tranche's submitted milestone report (staff)."""
        return tranche_out(await award_service.accept_report(tranche_id, viewer_of(request), ip=client_ip(request)))

    @post("/tranches/{tranche_id:int}/paid", status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def mark_paid(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> TrancheOut:
        """Mark a tranche paid (finance) — only after its report was accepted (409 ``report_not_accepted``)."""
        return tranche_out(await award_service.mark_paid(tranche_id, viewer_of(request), ip=client_ip(request)))


CONTROLLERS: list[Any] = [RoundApiController, DecisionApiController, AwardApiController]
