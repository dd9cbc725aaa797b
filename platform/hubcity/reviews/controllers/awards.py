"""Awards: the agreement (accept or decline), tranches, milestone reports, acceptance and payment by finance.

Routes (pages; every POST carries the CSRF token). A milestone report is text with an optional
file, stored as applications' files are (:mod:`hubcity.programs.uploads`: the type read from the
bytes, at most 20 MB, kept once by SHA-256).

Staff (program managers and admins; other roles 403, anonymous viewers the login page):

- ``GET /staff/applications/{id}/award``: the award with its tranches and reports, or — for an
  approved application without one — the form: ``amount`` (minor units) and tranche rows
  (``tranche_amount`` + ``tranche_due`` repeated, YYYY-MM-DD), with the program's maximum award
  and the budget left beside it.
- ``POST /staff/applications/{id}/award``: create; 422 re-renders with the messages (over the
  maximum or the remaining budget, naming both numbers; tranches not adding up).
- ``POST /staff/awards/{id}/tranches``: replace the tranches while the agreement is pending.
- ``POST /staff/tranches/{id}/accept``: accept a submitted milestone report.

Finance (role ``finance``; admins):

- ``GET /staff/finance``: unpaid tranches of active awards by due date, ready (report accepted) or not.
- ``POST /staff/tranches/{id}/paid``: mark paid; 409 with the message when the report is not accepted.

The startup's members (staff are sent to their page; anyone else 404 naming nothing):

- ``GET /applications/{id}/award``: the award, the agreement (accept with a ticked box, or
  decline with an optional reason) and each tranche with its milestone report form.
- ``POST /awards/{id}/accept`` (``confirm=yes``), ``POST /awards/{id}/decline`` (``confirm=yes``, ``reason``),
  ``POST /tranches/{id}/report`` (multipart: ``report``, optional ``file``, ``remove_file=yes``; a
  report resubmitted without a new file keeps its file). 422 names the field and the rule (an
  empty, too large or not allowed file; the text stays in the form); 409 once accepted; a body
  over the upload limit 413.

The file of a report, for the startup's members, program staff and finance (anyone else 404,
anonymous viewers the login page): ``GET /tranches/{id}/report/file``.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import File, Redirect, Template

from hubcity.core.errors import AppError, FormInvalid, NotFoundError, NotPermittedError, page_after_refusal
from hubcity.core.guards import requires_login, requires_role, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.viewer import Viewer
from hubcity.programs.controllers.apply import Applications, client_ip, render, see_other, upload_too_large
from hubcity.programs.services import ApplicationService
from hubcity.programs.uploads import UPLOAD_ROUTE_BODY_LIMIT
from hubcity.reviews.services import REPORT_FILE_LIMIT, AwardService, ReportUpload, money_text

Awards = NamedDependency[AwardService]
STAFF_GUARD = requires_role("program_manager")
FINANCE_GUARD = requires_role("finance")
#: Empty tranche rows the creation form offers.
BLANK_TRANCHES = 3


def _text(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _whole(text: str) -> int | str:
    """``"50,000,000"`` → 50000000; anything else is handed to the service as typed (it names the problem)."""
    cleaned = text.strip().replace(",", "").replace("_", "").replace(" ", "")
    return int(cleaned) if cleaned.isdecimal() and len(cleaned) < 19 else text


def _tranche_rows(form: Any) -> list[dict[str, str]]:
    amounts = [v for v in form.getall("tranche_amount") if isinstance(v, str)] if "tranche_amount" in form else []
    dues = [v for v in form.getall("tranche_due") if isinstance(v, str)] if "tranche_due" in form else []
    rows = []
    for i in range(max(len(amounts), len(dues))):
        amount, due = (amounts[i] if i < len(amounts) else ""), (dues[i] if i < len(dues) else "")
        if amount.strip() or due.strip():
            rows.append({"amount": amount, "due_on": due})
    return rows


def _tranches_for_service(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    return [{"amount": _whole(r["amount"]), "due_on": r["due_on"].strip()} for r in rows]


def award_helpers() -> dict[str, Any]:
    return {"money": money_text, "blank_tranches": BLANK_TRANCHES, "report_file_limit": REPORT_FILE_LIMIT}


# -- staff ------------------------------------------------------------------------------------------


async def _staff_page(
    request: Request, applications: ApplicationService, awards: AwardService, application_id: int, viewer: Viewer,
    *, form: dict[str, Any] | None = None, errors: dict[str, str] | None = None, notice: str = "", status_code: int = 200,
) -> Template:
    application = await applications.get(application_id, viewer)
    program = await applications.programs.get(application["program"])
    assert program is not None
    award = await awards.of_application(application_id, viewer)
    return render(request, "reviews/awards/staff.html.j2", {
        **award_helpers(), "application": application, "program": program, "award": award,
        "remaining": await awards.remaining_budget(program["id"]),
        "form": form or {}, "errors": errors or {}, "notice": notice,
    }, status_code=status_code)


class StaffAwardController(Controller):
    include_in_schema = False
    path = "/staff"
    guards = [STAFF_GUARD]

    @get("/applications/{application_id:int}/award", name="reviews:award")
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications, award_service: Awards) -> Template:
        """The award and its tranches, or the creation form for an approved application."""
        return await _staff_page(request, application_service, award_service, application_id, viewer_of(request))

    @post("/applications/{application_id:int}/award", name="reviews:create_award", status_code=200)
    async def create(self, request: Request, application_id: ObjectId, application_service: Applications,
                     award_service: Awards) -> Response[Any] | Template:
        """Create the award with its tranches; 422 with messages naming the maximum and the budget left."""
        viewer = viewer_of(request)
        form = await request.form()
        typed = {"amount": _text(form, "amount"), "tranches": _tranche_rows(form)}
        try:
            await award_service.create(application_id, viewer, amount=_whole(typed["amount"]),  # type: ignore[arg-type]
                                       tranches=_tranches_for_service(typed["tranches"]) or None, ip=client_ip(request))
        except AppError as error:
            return await page_after_refusal(error, partial(_staff_page, request, application_service, award_service, application_id, viewer),
                                            form=typed)
        flash(request, _("The award is offered; the startup is asked to accept the agreement."), "success")
        return see_other(request, f"/staff/applications/{application_id}/award")

    @post("/awards/{award_id:int}/tranches", name="reviews:set_tranches", status_code=200)
    async def set_tranches(self, request: Request, award_id: ObjectId, application_service: Applications,
                           award_service: Awards) -> Response[Any] | Template:
        """Replace the tranches while the agreement is pending."""
        viewer = viewer_of(request)
        award = await award_service.get(award_id, viewer)
        form = await request.form()
        typed = {"tranches": _tranche_rows(form)}
        try:
            await award_service.set_tranches(award_id, viewer, _tranches_for_service(typed["tranches"]), ip=client_ip(request))
        except AppError as error:
            return await page_after_refusal(error, partial(_staff_page, request, application_service, award_service, award["application"], viewer),
                                            form=typed)
        flash(request, _("The payment schedule is saved."), "success")
        return see_other(request, f"/staff/applications/{award['application']}/award")

    @post("/tranches/{tranche_id:int}/accept", name="reviews:accept_report", status_code=200)
    async def accept_report(self, request: Request, tranche_id: ObjectId, application_service: Applications,
                            award_service: Awards) -> Response[Any] | Template:
        """Accept a tranche's milestone report (finance may then pay it)."""
        viewer = viewer_of(request)
        try:
            tranche = await award_service.accept_report(tranche_id, viewer, ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            tranche = await award_service.tranche(tranche_id, viewer)
            award = await award_service.get(tranche["award"], viewer)
            return await _staff_page(request, application_service, award_service, award["application"], viewer,
                                     notice=error.message, status_code=error.status_code)
        award = await award_service.get(tranche["award"], viewer)
        flash(request, _("The milestone report of tranche %(number)s is accepted.", number=tranche["number"]), "success")
        return see_other(request, f"/staff/applications/{award['application']}/award")


async def _finance_page(request: Request, awards: AwardService, viewer: Viewer, *, notice: str = "", status_code: int = 200) -> Template:
    rows = await awards.payable(viewer)
    return render(request, "reviews/awards/finance.html.j2", {
        **award_helpers(), "ready": [r for r in rows if r["ready"]], "waiting": [r for r in rows if not r["ready"]], "notice": notice,
    }, status_code=status_code)


class FinanceController(Controller):
    include_in_schema = False
    path = "/staff"
    guards = [FINANCE_GUARD]

    @get("/finance", name="reviews:finance")
    async def index(self, request: Request, award_service: Awards) -> Template:
        """Tranches ready to pay (report accepted) and those still waiting for their report, by due date."""
        return await _finance_page(request, award_service, viewer_of(request))

    @post("/tranches/{tranche_id:int}/paid", name="reviews:mark_paid", status_code=200)
    async def mark_paid(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> Response[Any] | Template:
        """Mark a tranche paid; refused (409, with the reason) before its report is accepted."""
        viewer = viewer_of(request)
        try:
            tranche = await award_service.mark_paid(tranche_id, viewer, ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await _finance_page(request, award_service, viewer, notice=error.message, status_code=error.status_code)
        flash(request, _("Tranche %(number)s is marked paid.", number=tranche["number"]), "success")
        return see_other(request, "/staff/finance")


# -- the startup ------------------------------------------------------------------------------------


async def _applicant_page(
    request: Request, applications: ApplicationService, awards: AwardService, application_id: int, viewer: Viewer,
    *, typed: dict[str, Any] | None = None, errors: dict[str, str] | None = None, notice: str = "", status_code: int = 200,
) -> Template:
    application = await applications.get(application_id, viewer)
    program = await applications.programs.get(application["program"])
    assert program is not None
    award = await awards.of_application(application_id, viewer)
    return render(request, "reviews/awards/applicant.html.j2", {
        **award_helpers(), "application": application, "program": program, "award": award,
        "typed": typed or {}, "errors": errors or {}, "notice": notice,
    }, status_code=status_code)


class ApplicantAwardController(Controller):
    include_in_schema = False
    path = "/"
    guards = [requires_login]

    @get("/applications/{application_id:int}/award", name="reviews:my_award")
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications,
                   award_service: Awards) -> Response[Any] | Template:
        """The award for the startup's members; staff go to their page; anyone else 404."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        if viewer.membership_in(application["organisation"]) is None:
            return Redirect(f"/staff/applications/{application_id}/award", status_code=303)
        return await _applicant_page(request, application_service, award_service, application_id, viewer)

    async def _member_action(self, request: Request, applications: ApplicationService, awards: AwardService, award_id: int,
                             action: str) -> Response[Any] | Template:
        viewer = viewer_of(request)
        award = await awards.get(award_id, viewer)
        form = await request.form()
        typed = {"confirm": _text(form, "confirm"), "reason": _text(form, "reason"), "action": action}
        try:
            if typed["confirm"] != "yes":
                message = (_("Tick the box to accept the award agreement.") if action == "accept"
                           else _("Tick the box to confirm that you decline the award."))
                raise FormInvalid({f"{action}_confirm": message}, typed)
            if action == "accept":
                await awards.accept_agreement(award_id, viewer, ip=client_ip(request))
                flash(request, _("You accepted the award agreement."), "success")
            else:
                await awards.decline(award_id, viewer, reason=typed["reason"], ip=client_ip(request))
                flash(request, _("You declined the award."), "success")
        except AppError as error:
            if isinstance(error, NotFoundError | NotPermittedError):
                raise
            errors = error.errors if isinstance(error, FormInvalid) else {}
            return await _applicant_page(request, applications, awards, award["application"], viewer, typed=typed, errors=errors,
                                         notice=error.message, status_code=error.status_code)
        return see_other(request, f"/applications/{award['application']}/award")

    @post("/awards/{award_id:int}/accept", name="reviews:accept_agreement", status_code=200)
    async def accept(self, request: Request, award_id: ObjectId, application_service: Applications, award_service: Awards) -> Response[Any] | Template:
        """Accept the award agreement (``confirm=yes``)."""
        return await self._member_action(request, application_service, award_service, award_id, "accept")

    @post("/awards/{award_id:int}/decline", name="reviews:decline_award", status_code=200)
    async def decline(self, request: Request, award_id: ObjectId, application_service: Applications, award_service: Awards) -> Response[Any] | Template:
        """Decline the award (``confirm=yes``, optional ``reason``)."""
        return await self._member_action(request, application_service, award_service, award_id, "decline")

    @post("/tranches/{tranche_id:int}/report", name="reviews:submit_report", status_code=200,
          request_max_body_size=UPLOAD_ROUTE_BODY_LIMIT, exception_handlers={413: upload_too_large})
    async def report(self, request: Request, tranche_id: ObjectId, application_service: Applications,
                     award_service: Awards) -> Response[Any] | Template:
        """Submit (or replace, until accepted) the milestone report of a tranche: the text and an
        optional file (multipart ``file``; without one the report keeps its file unless
        ``remove_file=yes``). 422 re-renders the page with the typed text and the messages."""
        viewer = viewer_of(request)
        tranche = await award_service.tranche(tranche_id, viewer)
        award = await award_service.get(tranche["award"], viewer)
        form = await request.form()
        text = _text(form, "report")
        chosen = form.get("file")
        upload = None
        if isinstance(chosen, UploadFile) and chosen.filename:
            upload = ReportUpload(name=chosen.filename, content=await chosen.read(REPORT_FILE_LIMIT + 1))
        try:
            await award_service.submit_report(tranche_id, viewer, text=text, upload=upload,
                                              keep_file=_text(form, "remove_file") != "yes", ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError | NotPermittedError):
                raise
            keys = {"report": f"report-{tranche_id}", "file": f"report-file-{tranche_id}"}
            errors = {keys.get(k, f"report-{tranche_id}"): m for k, m in error.errors.items()} if isinstance(error, FormInvalid) else {}
            return await _applicant_page(request, application_service, award_service, award["application"], viewer,
                                         typed={"report_tranche": tranche_id, "report": text}, errors=errors,
                                         notice=error.message, status_code=error.status_code)
        flash(request, _("The milestone report of tranche %(number)s is submitted.", number=tranche["number"]), "success")
        return see_other(request, f"/applications/{award['application']}/award")

    @get("/tranches/{tranche_id:int}/report/file", name="reviews:report_file")
    async def report_file(self, request: Request, tranche_id: ObjectId, award_service: Awards) -> File:
        """The file of a milestone report, for the startup's members, program staff and finance (404 for anyone else)."""
        path, item = await award_service.report_file(tranche_id, viewer_of(request))
        return File(
            path=path, filename=item.name, media_type=item.content_type, content_disposition_type="attachment",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )


CONTROLLERS: list[Any] = [StaffAwardController, FinanceController, ApplicantAwardController]
