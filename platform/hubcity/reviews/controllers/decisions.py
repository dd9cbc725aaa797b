"""Determinations (single and bulk), the applicant's determination page, objections and their answers.

Routes (pages; every POST carries the CSRF token):

Staff (program managers and admins; other staff roles 403, anonymous viewers the login page):

- ``GET /staff/applications/{id}/decision``: the current determination and the history, and —
  while the workflow allows a decision from the status (awaiting_decision, waitlisted) — the form:
  ``outcome`` (approved | waitlisted | rejected), ``conditions`` (approvals), ``feedback``.
- ``POST /staff/applications/{id}/decision/preview``: the same checks as the decision, then the
  message rendered in the applicant's language (:meth:`DecisionService.preview`) with a Confirm
  button; 422 re-renders the form with the field messages.
- ``POST /staff/applications/{id}/decision``: ``confirm=yes`` + the fields: determine. An approval
  goes on to the award page (``/staff/applications/{id}/award``).
- ``GET /staff/programs/{id}/objections``: the program's objections (``?open=1``: unanswered).
- ``POST /staff/objections/{id}/answer``: ``answer`` and ``uphold`` (``yes``: reopen the decision).

Applicants (members of the startup; staff are sent to their page; anyone else 404 naming nothing):

- ``GET /applications/{id}/decision``: the whole determination (outcome, message, conditions,
  feedback), the objection window (its end in the program's zone and the viewer's), objections
  and their answers, and the objection form while the window is open.
- ``GET /applications/{id}/presentation``: the application's presentation slots (round, start and
  end in the program's zone, place), a fragment the application page loads while in review.
- ``POST /applications/{id}/objection``: ``text``; 422 (empty, too long), 409 (window closed,
  naming when; one waiting for its answer) re-render with the typed text kept.
"""

from __future__ import annotations

import functools
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from hubcity.core.errors import AppError, FormInvalid, NotFoundError, page_after_refusal
from hubcity.core.guards import requires_login, requires_role, viewer_of
from hubcity.core.i18n import N_, current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.timefmt import format_instant
from hubcity.core.viewer import Viewer
from hubcity.corporates.web import partial
from hubcity.programs import deadlines, workflow
from hubcity.programs.controllers.apply import Applications, client_ip, render, see_other, viewer_zone
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import DecisionService, ReviewService

Decisions = NamedDependency[DecisionService]
Reviews = NamedDependency[ReviewService]
STAFF_GUARD = requires_role("program_manager")
#: Labels of the outcomes (the form's choices and the pages' headings).
OUTCOME_LABELS: dict[str, str] = {"approved": N_("Approve"), "waitlisted": N_("Waitlist"), "rejected": N_("Reject")}
RESULT_LABELS: dict[str, str] = {"approved": N_("Approved"), "waitlisted": N_("Waitlisted"), "rejected": N_("Rejected")}
OBJECTION_LIMIT = 5000
CONDITIONS_LIMIT = 5000


def _form_text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def decision_helpers() -> dict[str, Any]:
    return {
        "outcome_label": lambda key: _(OUTCOME_LABELS.get(key, key)),
        "result_label": lambda key: _(RESULT_LABELS.get(key, key)),
        "objection_limit": OBJECTION_LIMIT,
        "conditions_limit": CONDITIONS_LIMIT,
    }


def _when(request: Request, program: dict[str, Any], instant: Any) -> deadlines.DeadlineText:
    return deadlines.describe(instant, deadlines.zone_named(program["time_zone"]), viewer_zone(request), current_locale())


# -- staff ------------------------------------------------------------------------------------------


async def _staff_page(
    request: Request, applications: ApplicationService, decisions: DecisionService, application_id: int, viewer: Viewer,
    *, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, notice: str = "",
    preview: dict[str, Any] | None = None, status_code: int = 200,
) -> Template:
    application = await applications.get(application_id, viewer)
    program = await applications.programs.get(application["program"])
    assert program is not None
    role = applications.role_of(viewer, application) or ""
    choices = [o for o in workflow.DECISIONS if o in workflow.allowed_targets(application["status"], role)]
    current = await decisions.current(application_id, viewer)
    history = await decisions.history(application_id, viewer)
    return render(request, "reviews/decisions/staff.html.j2", {
        **decision_helpers(),
        "application": application, "program": program, "choices": choices, "current": current,
        "deadline": _when(request, program, current["objection_deadline"]) if current else None,
        "history": [h for h in reversed(history) if not current or h["id"] != current["id"]],
        "form": form or {}, "errors": errors or {}, "notice": notice, "preview": preview,
    }, status_code=status_code)


async def _decision_form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: _form_text(form, name) for name in ("outcome", "conditions", "feedback", "confirm")}


class StaffDecisionController(Controller):
    include_in_schema = False
    path = "/staff/applications/{application_id:int}/decision"
    guards = [STAFF_GUARD]

    @get("/", name="reviews:decision")
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications, decision_service: Decisions) -> Template:
        """The current determination, earlier ones, and the decision form when the workflow allows one."""
        return await _staff_page(request, application_service, decision_service, application_id, viewer_of(request))

    @post("/preview", name="reviews:decision_preview", status_code=200)
    async def preview(self, request: Request, application_id: ObjectId, application_service: Applications, decision_service: Decisions) -> Template:
        """The message the applicant will read (in their language) before confirming; 422 with the messages."""
        viewer = viewer_of(request)
        typed = await _decision_form(request)
        try:
            shown = await decision_service.preview(application_id, viewer, typed["outcome"], conditions=typed["conditions"],
                                                   feedback=typed["feedback"])
        except AppError as error:
            return await page_after_refusal(error, functools.partial(_staff_page, request, application_service, decision_service, application_id, viewer),
                                            form=typed)
        return await _staff_page(request, application_service, decision_service, application_id, viewer, form=typed, preview=shown)

    @post("/", name="reviews:determine", status_code=200)
    async def determine(self, request: Request, application_id: ObjectId, application_service: Applications,
                        decision_service: Decisions) -> Response[Any] | Template:
        """Determine after ``confirm=yes`` (otherwise the preview is shown again); approvals go on to the award."""
        viewer = viewer_of(request)
        typed = await _decision_form(request)
        try:
            if typed["confirm"] != "yes":
                shown = await decision_service.preview(application_id, viewer, typed["outcome"], conditions=typed["conditions"],
                                                       feedback=typed["feedback"])
                return await _staff_page(request, application_service, decision_service, application_id, viewer, form=typed,
                                         preview=shown, errors={"confirm": _("Read the message, then confirm the decision.")},
                                         status_code=422)
            row = await decision_service.determine(application_id, viewer, typed["outcome"], conditions=typed["conditions"],
                                                   feedback=typed["feedback"], ip=client_ip(request))
        except AppError as error:
            return await page_after_refusal(error, functools.partial(_staff_page, request, application_service, decision_service, application_id, viewer),
                                            form=typed)
        flash(request, _("The decision is made and the applicant is told: %(outcome)s.", outcome=_(RESULT_LABELS[row["outcome"]])), "success")
        if row["outcome"] == "approved":
            return see_other(request, f"/staff/applications/{application_id}/award")
        return see_other(request, f"/staff/applications/{application_id}/decision")


async def _objections_page(
    request: Request, applications: ApplicationService, decisions: DecisionService, program_id: int, viewer: Viewer,
    *, open_only: bool = False, errors: dict[int, dict[str, str]] | None = None, typed: dict[int, dict[str, str]] | None = None,
    notice: str = "", status_code: int = 200,
) -> Template:
    program = await applications.programs.get(program_id)
    if program is None:
        raise NotFoundError(_("There is no program at this address."))
    rows = await decisions.objections(program_id, viewer, open_only=open_only)
    return render(request, "reviews/decisions/objections.html.j2", {
        **decision_helpers(), "program": program, "objections": rows, "open_only": open_only,
        "row_errors": errors or {}, "typed": typed or {}, "notice": notice,
    }, status_code=status_code)


class StaffObjectionsController(Controller):
    include_in_schema = False
    path = "/staff"
    guards = [STAFF_GUARD]

    @get("/programs/{program_id:int}/objections", name="reviews:objections")
    async def index(self, request: Request, program_id: ObjectId, application_service: Applications, decision_service: Decisions,
                    open: FromQuery[str] = "") -> Template:
        """A program's objections, oldest first, with the answer form on those waiting for one."""
        return await _objections_page(request, application_service, decision_service, program_id, viewer_of(request),
                                      open_only=open in ("1", "yes", "true"))

    @post("/objections/{objection_id:int}/answer", name="reviews:answer_objection", status_code=200)
    async def answer(self, request: Request, objection_id: ObjectId, application_service: Applications,
                     decision_service: Decisions) -> Response[Any] | Template:
        """Answer an objection; ``uphold=yes`` reopens the decision (the application awaits a new one)."""
        viewer = viewer_of(request)
        objection = await decision_service.objection(objection_id, viewer)
        form = await request.form()
        typed = {"answer": _form_text(form, "answer"), "uphold": _form_text(form, "uphold")}
        try:
            await decision_service.answer_objection(objection_id, viewer, answer=typed["answer"], uphold=typed["uphold"] == "yes",
                                                    ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            errors = error.errors if isinstance(error, FormInvalid) else {"answer": error.message}
            return await _objections_page(request, application_service, decision_service, objection["program"], viewer,
                                          errors={objection_id: errors}, typed={objection_id: typed}, notice=error.message,
                                          status_code=error.status_code)
        if typed["uphold"] == "yes":
            flash(request, _("The objection is upheld: application #%(id)s awaits a new decision.", id=objection["application"]), "success")
        else:
            flash(request, _("The answer is sent to the applicant."), "success")
        return see_other(request, f"/staff/programs/{objection['program']}/objections")


# -- applicants -------------------------------------------------------------------------------------


async def _applicant_page(
    request: Request, applications: ApplicationService, decisions: DecisionService, application_id: int, viewer: Viewer,
    *, text: str = "", errors: dict[str, str] | None = None, notice: str = "", status_code: int = 200,
) -> Template:
    application = await applications.get(application_id, viewer)
    program = await applications.programs.get(application["program"])
    assert program is not None
    current = await decisions.current(application_id, viewer)
    waiting = bool(current and any(o["answered_at"] is None for o in current["objections"]))
    return render(request, "reviews/decisions/applicant.html.j2", {
        **decision_helpers(), "application": application, "program": program, "current": current,
        "deadline": _when(request, program, current["objection_deadline"]) if current else None,
        "can_object": bool(current and current["objection_open"] and not waiting), "waiting": waiting,
        "text": text, "errors": errors or {}, "notice": notice,
    }, status_code=status_code)


class ApplicantDecisionController(Controller):
    include_in_schema = False
    path = "/applications/{application_id:int}"
    guards = [requires_login]

    @get("/decision", name="reviews:my_decision")
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications,
                   decision_service: Decisions) -> Response[Any] | Template:
        """The whole determination for the startup's members; staff go to their page; others 404."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        if viewer.membership_in(application["organisation"]) is None:
            return Redirect(f"/staff/applications/{application_id}/decision", status_code=303)
        return await _applicant_page(request, application_service, decision_service, application_id, viewer)

    @get("/presentation", name="reviews:my_presentation")
    async def presentation(self, request: Request, application_id: ObjectId, review_service: Reviews) -> Template:
        """The application's presentation slots (round, start and end in the program's zone and
        the viewer's, place): a fragment the application page loads; members and staff, others 404."""
        program, found = await review_service.slots_for_applicant(application_id, viewer_of(request))
        zone = deadlines.zone_named(program["time_zone"])
        local = viewer_zone(request)
        slots = [{
            **slot,
            "starts": format_instant(slot["starts_at"], zone, current_locale()),
            "ends": format_instant(slot["ends_at"], zone, current_locale()),
            "starts_local": format_instant(slot["starts_at"], local, current_locale()) if local and local.key != zone.key else "",
        } for slot in found]
        return partial(request, "reviews/decisions/_presentation_slots.html.j2", {"slots": slots})

    @post("/objection", name="reviews:object", status_code=200)
    async def lodge(self, request: Request, application_id: ObjectId, application_service: Applications,
                    decision_service: Decisions) -> Response[Any] | Template:
        """Lodge an objection to the current determination within the program's window."""
        viewer = viewer_of(request)
        form = await request.form()
        text = _form_text(form, "text")
        try:
            await decision_service.lodge_objection(application_id, viewer, text, ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            errors = error.errors if isinstance(error, FormInvalid) else {}
            return await _applicant_page(request, application_service, decision_service, application_id, viewer, text=text,
                                         errors=errors, notice=error.message, status_code=error.status_code)
        flash(request, _("Your objection is sent. You will be told of the answer."), "success")
        return see_other(request, f"/applications/{application_id}/decision")


CONTROLLERS: list[Any] = [StaffDecisionController, StaffObjectionsController, ApplicantDecisionController]
