"""Staff screening of one application: take into screening, request more information, ineligible, extensions.

Routes (program managers and admins; other staff roles get 403, anonymous viewers the login page):

- ``GET /staff/applications/{id}``: the answers, the profile frozen at submission, the files,
  the timeline with staff labels, and one form per move :mod:`hubcity.programs.workflow` allows
  the viewer's role from the current status (nothing here lists statuses by hand), plus the
  extension form while the application is unsubmitted.
- ``POST /staff/applications/{id}/status``: ``to`` (a status key), ``reason`` (the message to
  the applicant), ``fields`` (repeated: reopened form fields, or failed rule keys), ``revision``.
  Refusals re-render the page with the message: 403 (the table does not allow it), 422 (a
  missing message, fields or rules), 409 (someone changed it meanwhile).
- ``POST /staff/applications/{id}/extension``: ``until`` (local date-time in the program's zone)
  and ``reason``; audited by the service.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.config.settings import Settings
from hubcity.core.errors import AppError, FormInvalid, page_after_refusal
from hubcity.core.guards import requires_role, viewer_of
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.viewer import Viewer
from hubcity.programs import deadlines, eligibility, workflow
from hubcity.programs.controllers.apply import Applications, SettingsDep, application_context, client_ip, render, see_other
from hubcity.programs.services import ApplicationService

#: Profile columns shown from the snapshot frozen at submission, with their labels.
SNAPSHOT_FIELDS: tuple[tuple[str, str], ...] = (
    ("name_ko", N_("Name (Korean)")), ("name_en", N_("Name (English)")), ("stage", N_("Stage")),
    ("founded_on", N_("Founded on")), ("team_size", N_("Team size")), ("country", N_("Country")),
    ("location", N_("Location")), ("sectors", N_("Sectors")), ("technologies", N_("AI technologies")),
    ("website", N_("Website")), ("funding_raised", N_("Funding raised")),
)
#: Who may open the screening pages (``admin`` passes every role guard).
SCREENING_GUARD = requires_role("program_manager")


async def _staff_page(
    request: Request, service: ApplicationService, settings: Settings, application_id: int, viewer: Viewer,
    *, errors: dict[str, str] | None = None, notice: str = "", form: dict[str, Any] | None = None, status_code: int = 200,
) -> Template:
    application = await service.get(application_id, viewer)
    context = await application_context(request, service, settings, application, viewer)
    program = context["program"]
    role = service.role_of(viewer, application) or ""
    actions = []
    for target in workflow.allowed_targets(application["status"], role):
        if target in workflow.DECISIONS:
            continue  # decided on the decision page, with the message to the applicant
        rule = workflow.transition(application["status"], target)
        assert rule is not None
        choices: list[tuple[str, str]] = []
        if rule.needs_fields and target == "more_info_requested":
            choices = [(f.key, f.label()) for f in context["fields"]]
        elif rule.needs_fields and target == "ineligible":
            choices = [(str(r.get("rule")), eligibility.rule_name(str(r.get("rule")))) for r in program["eligibility"]]
        actions.append({"to": target, "label": workflow.staff_label(target), "needs_reason": rule.needs_reason,
                        "needs_fields": rule.needs_fields, "choices": choices})
    zone = deadlines.zone_named(program["time_zone"])
    return render(
        request,
        "programs/screening/application.html.j2",
        {
            **context,
            "actions": actions,
            "role": role,
            "snapshot": application["snapshot"],
            "snapshot_fields": [(key, _(label)) for key, label in SNAPSHOT_FIELDS],
            "extensions": await service.applications.extensions(application_id),
            "can_extend": application["status"] in workflow.UNSUBMITTED and viewer.has_role("program_manager"),
            "program_zone": zone.key,
            "errors": errors or {},
            "notice": notice,
            "form": form or {},
        },
        status_code=status_code,
    )


class ScreeningController(Controller):
    include_in_schema = False
    path = "/staff/applications/{application_id:int}"
    guards = [SCREENING_GUARD]

    @get("/", name="programs:screening")
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Template:
        """The application as staff screen it, with the buttons the workflow allows their role."""
        return await _staff_page(request, application_service, settings, application_id, viewer_of(request))

    @post("/status", name="programs:screening_move", status_code=200)
    async def move(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Response[Any] | Template:
        """Move the application to ``to`` as the viewer's role; refusals re-render with the message."""
        viewer = viewer_of(request)
        form = await request.form()
        to = str(form.get("to", "") or "")
        reason = str(form.get("reason", "") or "")
        fields = [str(v) for v in form.getall("fields") if isinstance(v, str) and v] if "fields" in form else []
        raw_revision = form.get("revision")
        revision = int(raw_revision) if isinstance(raw_revision, str) and raw_revision.isdecimal() and len(raw_revision) < 10 else None
        typed = {"to": to, "reason": reason, "fields": fields}
        try:
            await application_service.transition(application_id, viewer, to, reason=reason, fields=fields,
                                                 expected_revision=revision, ip=client_ip(request))
        except AppError as error:
            return await page_after_refusal(error, partial(_staff_page, request, application_service, settings, application_id, viewer),
                                            form=typed)
        flash(request, _("The application is now “%(status)s”.", status=workflow.staff_label(to)), "success")
        return see_other(request, f"/staff/applications/{application_id}")

    @post("/extension", name="programs:extension", status_code=200)
    async def extension(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Response[Any] | Template:
        """Give this one startup until ``until`` (read in the program's zone) to submit; ``reason`` required."""
        viewer = viewer_of(request)
        form = await request.form()
        until_text = str(form.get("until", "") or "")
        reason = str(form.get("reason", "") or "")
        typed = {"until": until_text, "ext_reason": reason}
        application = await application_service.get(application_id, viewer)
        program = await application_service.programs.get(application["program"])
        assert program is not None
        try:
            try:
                until = deadlines.local_to_utc(until_text, deadlines.zone_named(program["time_zone"]))
            except ValueError:
                raise FormInvalid({"until": _("Until: give a date and time such as 2026-12-01T18:00.")}, typed) from None
            if len(reason) > 2000:
                raise FormInvalid({"reason": _("Reason: at most %(limit)s characters.", limit=2000)}, typed)
            await application_service.grant_extension(application_id, viewer, until, reason=reason, ip=client_ip(request))
        except FormInvalid as error:
            errors = {("ext_reason" if k == "reason" else k): v for k, v in error.errors.items()}
            return await _staff_page(request, application_service, settings, application_id, viewer, errors=errors,
                                     notice=error.message, form=typed, status_code=422)
        except AppError as error:
            return await page_after_refusal(error, partial(_staff_page, request, application_service, settings, application_id, viewer),
                                            form=typed)
        flash(request, _("The startup may now submit until the new deadline."), "success")
        return see_other(request, f"/staff/applications/{application_id}")


CONTROLLERS: list[Any] = [ScreeningController]
