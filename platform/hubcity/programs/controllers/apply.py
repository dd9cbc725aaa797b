"""Startups applying: eligibility check, the form with autosave, uploads, submission, withdrawal, timeline.

Routes (pages unless said; every POST carries the CSRF token):

- ``GET /calls/{id}/apply``: each eligibility rule with the profile's value and whether it is
  met; a Start button when every rule passes and the call is open.
- ``POST /calls/{id}/applications``: start a draft (a second one for the same call, e.g. from
  another tab: 409 with a link to the existing application).
- ``GET /applications``: the viewer's startups' applications with their public status labels.
- ``GET /applications/{id}``: the form (answers, files, deadline in the program's zone and the
  viewer's, timeline). Staff are sent to ``/staff/applications/{id}``.
- ``POST /applications/{id}/autosave``: save the answers. HTMX gets a fragment ("saved at
  HH:MM" and the new revision as an out-of-band hidden input; 409 with what is saved on a stale
  revision; 422 with the messages; 401 when the session ended, the typed text stays in the page).
  A plain form post redirects back to the page (or re-renders it with the messages).
- ``POST /applications/{id}/files/{field}`` (multipart ``file``), ``POST
  /applications/{id}/files/{field}/remove`` (``file_id``), ``GET /applications/{id}/download/{file_id}``.
- ``POST /applications/{id}/submit``: saves what the form carries, then submits.
- ``GET``/``POST /applications/{id}/withdraw``: confirm, then withdraw.

The viewer's zone is the ``tz`` cookie (an IANA name the page's script sets from the browser);
without it only the program's zone is shown.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect
from litestar.response import File, Redirect, Template

from hubcity.config.settings import Settings
from hubcity.core.errors import AppError, ConflictError, FormInvalid, InvalidStateError, NotFoundError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import MAX_OBJECT_ID, ObjectId
from hubcity.core.redirects import login_url
from hubcity.core.templating import get_viewer, page, wants_fragment
from hubcity.core.timefmt import format_instant
from hubcity.core.viewer import Viewer
from hubcity.programs import deadlines, eligibility, forms, workflow
from hubcity.programs.services import ApplicationService
from hubcity.programs.uploads import (
    MAX_UPLOAD_BYTES,
    UPLOAD_ROUTE_BODY_LIMIT,
    ApplicationFiles,
    FileStorage,
    limit_for,
    size_text,
    too_large_message,
    type_name,
)

Applications = NamedDependency[ApplicationService]
SettingsDep = NamedDependency[Settings]
#: Prefix of the answer inputs' names (``q-summary``): field keys never contain a hyphen.
ANSWER_PREFIX = "q-"
TZ_COOKIE = "tz"


# -- helpers shared with the staff screening pages ----------------------------------------------
def viewer_zone(request: Request) -> ZoneInfo | None:
    """The zone the browser reported in the ``tz`` cookie (``America/Los_Angeles``), or None."""
    raw = unquote(request.cookies.get(TZ_COOKIE, "") or "")
    return ZoneInfo(raw) if deadlines.is_zone(raw) else None


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def see_other(request: Request, url: str) -> Response[Any]:
    """After a successful POST: 303 to ``url``, or an HX-Redirect for HTMX requests."""
    return ClientRedirect(url) if wants_fragment(request) else Redirect(url, status_code=303)


def fragment(request: Request, template_name: str, context: dict[str, Any], status_code: int = 200) -> Template:
    """A piece of a page for an HTMX swap (no layout)."""
    ctx = {"viewer": get_viewer(request), "locale": current_locale(), "errors": {}, **context}
    return Template(template_name=template_name, context=ctx, status_code=status_code)


def render(request: Request, template_name: str, context: dict[str, Any], status_code: int = 200) -> Template:
    """A full page (or its fragment for HTMX) with the programs pages' helpers."""
    return page(request, template_name, {**helpers(), **context}, status_code=status_code)


def helpers() -> dict[str, Any]:
    """Labels and formatting helpers the application templates use."""
    return {
        "public_label": workflow.public_label,
        "staff_label": workflow.staff_label,
        "rule_name": eligibility.rule_name,
        "type_name": type_name,
        "size_text": size_text,
        "limit_for": limit_for,
        "prefix": ANSWER_PREFIX,
        "errors": {},
        "notice": "",
    }


def deadline_view(program: dict[str, Any], deadline: Any, zone: ZoneInfo | None) -> deadlines.DeadlineText:
    """The deadline in the program's zone and in ``zone`` (the viewer's)."""
    return deadlines.describe(deadline, deadlines.zone_named(program["time_zone"]), zone, current_locale())


def closed_message(program: dict[str, Any], deadline: Any, zone: ZoneInfo | None) -> str:
    """"The call closed at … (your time: …)" for a draft past its deadline."""
    text = deadline_view(program, deadline, zone)
    if text.viewer_zone:
        return _("The call closed at %(deadline)s (your time: %(local)s). Applications can no longer be submitted or changed.",
                 deadline=text.program_zone, local=text.viewer_zone)
    return _("The call closed at %(deadline)s. Applications can no longer be submitted or changed.", deadline=text.program_zone)


def _answers_from_form(form: Any, fields: list[forms.FieldDef]) -> dict[str, Any]:
    """The answers a form carries (``q-<key>`` inputs; files are never part of it)."""
    answers: dict[str, Any] = {}
    for definition in fields:
        name = ANSWER_PREFIX + definition.key
        if definition.type == "file" or name not in form:
            continue
        values = [v for v in form.getall(name) if isinstance(v, str)]
        if definition.type == "multiple_choice":
            answers[definition.key] = [v for v in values if v]
        else:
            answers[definition.key] = values[-1] if values else None
    return answers


def _revision(form: Any) -> int | None:
    raw = form.get("revision")
    try:
        value = int(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return value if value is not None and 1 <= value < 2**31 else None


def _files_service(service: ApplicationService, settings: Settings) -> ApplicationFiles:
    return ApplicationFiles(service, FileStorage(settings.data_dir))


async def application_context(
    request: Request,
    service: ApplicationService,
    settings: Settings,
    application: dict[str, Any],
    viewer: Viewer,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
) -> dict[str, Any]:
    """Everything the application page (and the staff page) shows: ``program``, ``fields``,
    ``answers`` (``values`` as typed, over what is saved), ``files`` (field key → files),
    ``timeline``, ``deadline`` (DeadlineText), ``closed`` (a draft past its deadline),
    ``editable`` (field keys the viewer may change), ``request_info`` (the staff's latest
    more-information request: message and field labels), ``errors``, ``notice``."""
    program = await service.programs.get(application["program"])
    assert program is not None
    fields = await service.fields_of(application)
    files = await _files_service(service, settings).listing(application["id"], viewer)
    by_field: dict[str, list[Any]] = {}
    for item in files:
        by_field.setdefault(item.field_key, []).append(item)
    zone = viewer_zone(request)
    deadline = await service.deadline_of(application)
    status = application["status"]
    closed = status in workflow.UNSUBMITTED and deadline is not None and service.clock() >= deadline
    member = viewer.membership_in(application["organisation"]) is not None
    editable: set[str] = set()
    if member and workflow.editable_by_applicant(status) and not closed:
        editable = {f.key for f in fields} if status == "draft" else set(application["reopened_fields"])
    timeline = await service.timeline(application["id"], viewer)
    request_info = None
    if status == "more_info_requested":
        last = next((e for e in reversed(timeline) if e["to_status"] == "more_info_requested"), None)
        if last:
            labels = {f.key: f.label() for f in fields}
            request_info = {"message": last["message"], "fields": [labels.get(k, k) for k in last["fields"]]}
    answers = {**application["answers"], **(values or {})}
    saved_zone = zone or deadlines.zone_named(program["time_zone"])
    timeline = [{**event, "at_text": format_instant(event["at"], saved_zone, current_locale())} for event in timeline]
    return {
        "application": application,
        "program": program,
        "fields": fields,
        "answers": answers,
        "files": by_field,
        "timeline": timeline,
        "deadline": deadline_view(program, deadline, zone),
        "deadline_at": deadline,
        "extended": application.get("deadline_extended_to") is not None,
        "closed": closed,
        "closed_message": closed_message(program, deadline, zone) if closed else "",
        "editable": editable,
        "member": member,
        "request_info": request_info,
        "saved_at_text": format_instant(application["saved_at"], saved_zone, current_locale()) if application["saved_at"] else "",
        "can_withdraw": member and "withdrawn" in workflow.allowed_targets(status, workflow.APPLICANT),
        "can_submit": member and bool(editable) and "submitted" in workflow.allowed_targets(status, workflow.APPLICANT),
        "errors": errors or {},
        "notice": notice,
        "max_upload": size_text(MAX_UPLOAD_BYTES),
        "zone_known": zone is not None,
    }


async def _application_page(
    request: Request, service: ApplicationService, settings: Settings, application_id: int, viewer: Viewer,
    *, values: dict[str, Any] | None = None, errors: dict[str, str] | None = None, notice: str = "", status_code: int = 200,
) -> Template:
    application = await service.get(application_id, viewer)
    context = await application_context(request, service, settings, application, viewer, values=values, errors=errors, notice=notice)
    return render(request, "programs/apply/application.html.j2", context, status_code=status_code)


async def _refusal_message(error: AppError, request: Request, service: ApplicationService, application_id: int, viewer: Viewer) -> str:
    """The message of a refused save or submission; a passed deadline names both zones."""
    if isinstance(error, InvalidStateError) and error.code == "deadline_passed":
        application = await service.get(application_id, viewer)
        program = await service.programs.get(application["program"])
        assert program is not None
        return closed_message(program, await service.deadline_of(application), viewer_zone(request))
    return error.message


def upload_too_large(request: Request, exc: Exception) -> Response[Any]:
    """413 on the upload route: the file is over the largest size any form accepts (named)."""
    message = too_large_message(MAX_UPLOAD_BYTES)
    if wants_fragment(request):
        return fragment(request, "programs/apply/_message.html.j2", {"message": message, "kind": "error"}, status_code=413)
    return page(request, "errors/error.html.j2", {"status": 413, "title": _("Too large"), "message": message, "fields": {}}, status_code=413)


# -- before applying ------------------------------------------------------------------------------
def _profile_value(rule: dict[str, Any], profile: dict[str, Any]) -> str:
    """What the profile says for ``rule`` (shown beside the rule)."""
    key = rule.get("rule")
    if key == "founded_within_years":
        return str(profile.get("founded_on") or _("not given"))
    if key == "regions":
        found = ", ".join(str(v) for v in (profile.get("country"), profile.get("location")) if v)
        return found or _("not given")
    if key == "sectors":
        return ", ".join(profile.get("sectors") or []) or _("not given")
    if key == "stages":
        return str(profile.get("stage") or _("not given"))
    if key == "team_size":
        size = profile.get("team_size")
        return _("%(count)s people", count=size) if size is not None else _("not given")
    return ""


class ApplyController(Controller):
    include_in_schema = False
    path = "/calls/{program_id:int}"

    async def _overview_page(self, request: Request, service: ApplicationService, program_id: int, *, notice: str = "", status_code: int = 200) -> Template:
        viewer = viewer_of(request)
        overview = await service.apply_overview(program_id, viewer)
        program, profile, report = overview["program"], overview["profile"], overview["report"]
        rows = []
        if report is not None and profile is not None:
            for rule, result in zip(program["eligibility"], report.results, strict=False):
                rows.append({"key": result.key, "name": eligibility.rule_name(result.key), "passed": result.passed,
                             "message": result.message, "value": _profile_value(rule, profile)})
        deadline = program["closes_at"]
        context = {
            **overview,
            "rules": rows,
            "deadline": deadline_view(program, deadline, viewer_zone(request)),
            "is_open": bool(report and report.open),
            "can_start": bool(report and report.eligible and overview["existing"] is None),
            "notice": notice,
        }
        return render(request, "programs/apply/eligibility.html.j2", context, status_code=status_code)

    @get("/apply", name="programs:apply", guards=[requires_login])
    async def apply(self, request: Request, program_id: ObjectId, application_service: Applications) -> Template:
        """The eligibility check of the viewer's startup for this call (every rule, the profile's
        value, met or not) and a Start button when eligible and open; a link to the startup's
        application when it has one. 403 for viewers in no startup, 404 for a draft or unknown call."""
        return await self._overview_page(request, application_service, program_id)

    @post("/applications", name="programs:start", guards=[requires_login], status_code=200)
    async def start(self, request: Request, program_id: ObjectId, application_service: Applications) -> Response[Any] | Template:
        """Start a draft and go to it. A second application to the same call (another tab): 409
        with a link to the existing one; not eligible or not open: 409 naming why."""
        viewer = viewer_of(request)
        try:
            application = await application_service.start(program_id, viewer, ip=client_ip(request))
        except ConflictError as error:
            overview = await application_service.apply_overview(program_id, viewer)
            return render(
                request, "programs/apply/already_applied.html.j2",
                {"message": error.message, "existing": overview["existing"], "program": overview["program"]}, status_code=409,
            )
        except InvalidStateError as error:
            return await self._overview_page(request, application_service, program_id, notice=error.message, status_code=409)
        flash(request, _("Your application is started. Answers are saved as you type."), "success")
        return see_other(request, f"/applications/{application['id']}")


class ApplicationsController(Controller):
    include_in_schema = False
    path = "/applications"

    @get("/", name="programs:my_applications", guards=[requires_login])
    async def index(self, request: Request, application_service: Applications) -> Template:
        """The applications of the viewer's startups, newest first, with public status labels."""
        viewer = viewer_of(request)
        scope = await application_service.scope(viewer)
        rows = [a for a in await application_service.listing(viewer) if scope.owns(a["organisation"])]
        programs: dict[int, dict[str, Any]] = {}
        items = []
        zone = viewer_zone(request)
        for row in rows:
            if row["program"] not in programs:
                programs[row["program"]] = await application_service.programs.get(row["program"]) or {}
            program = programs[row["program"]]
            items.append({"application": row, "program": program,
                          "deadline": deadline_view(program, await application_service.deadline_of(row), zone)})
        return render(request, "programs/apply/list.html.j2", {"items": items})

    @get("/{application_id:int}", name="programs:application", guards=[requires_login])
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Response[Any] | Template:
        """The application: editable fields while the workflow lets the startup edit (only the
        reopened ones after a more-information request, with the staff's message), read-only
        otherwise; 404 naming nothing for anyone who may not see it; staff go to their page."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        if viewer.membership_in(application["organisation"]) is None:
            return Redirect(f"/staff/applications/{application_id}", status_code=303)
        return await _application_page(request, application_service, settings, application_id, viewer)

    @post("/{application_id:int}/autosave", name="programs:autosave", status_code=200)
    async def autosave(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Response[Any] | Template:
        """Save the answers the form carries if ``revision`` is still the stored one.

        HTMX: 200 "saved at" (+ the new revision, out of band); 409 a conflict showing what is
        saved (nothing overwritten) or a closed call; 422 the messages (nothing saved); 401 when
        the session ended (the page keeps the text; the draft on the server is as last saved).
        A plain post redirects to the page, or re-renders it with the typed text and the messages."""
        viewer = get_viewer(request)
        htmx = wants_fragment(request)
        if viewer is None:
            if not htmx:
                return Redirect(login_url(f"/applications/{application_id}"), status_code=303)
            return fragment(request, "programs/apply/_autosave.html.j2",
                            {"state": "expired", "login": login_url(f"/applications/{application_id}")}, status_code=401)
        application = await application_service.get(application_id, viewer)
        fields = await application_service.fields_of(application)
        form = await request.form()
        answers = _answers_from_form(form, fields)
        revision = _revision(form)
        try:
            if revision is None:
                raise FormInvalid({"revision": _("The page is out of date: reload it to go on editing.")}, answers)
            saved = await application_service.save(application_id, viewer, answers, expected_revision=revision, ip=client_ip(request))
        except ConflictError as error:
            if not htmx:
                return await _application_page(request, application_service, settings, application_id, viewer, values=answers,
                                               notice=error.message, status_code=409)
            current = await application_service.get(application_id, viewer)
            return fragment(request, "programs/apply/_autosave.html.j2",
                            {"state": "conflict", "message": error.message, "fields": fields, "saved": current["answers"]}, status_code=409)
        except FormInvalid as error:
            if not htmx:
                return await _application_page(request, application_service, settings, application_id, viewer, values=answers,
                                               errors=error.errors, status_code=422)
            return fragment(request, "programs/apply/_autosave.html.j2",
                            {"state": "invalid", "message": error.message, "problems": error.errors}, status_code=422)
        except (InvalidStateError, AppError) as error:
            if isinstance(error, NotFoundError):
                raise
            message = await _refusal_message(error, request, application_service, application_id, viewer)
            if not htmx:
                return await _application_page(request, application_service, settings, application_id, viewer, values=answers,
                                               notice=message, status_code=error.status_code)
            return fragment(request, "programs/apply/_autosave.html.j2", {"state": "refused", "message": message}, status_code=error.status_code)
        program = await application_service.programs.get(saved["program"])
        zone = viewer_zone(request) or deadlines.zone_named(program["time_zone"] if program else None)
        saved_time = format_instant(saved["saved_at"], zone, current_locale(), with_zone_name=False)[-5:]
        if not htmx:
            flash(request, _("Saved at %(time)s.", time=saved_time), "success")
            return Redirect(f"/applications/{application_id}", status_code=303)
        return fragment(request, "programs/apply/_autosave.html.j2",
                        {"state": "saved", "time": saved_time, "zone": zone.key, "revision": saved["revision"]})

    @post(
        "/{application_id:int}/files/{field_key:str}",
        name="programs:upload",
        guards=[requires_login],
        status_code=200,
        request_max_body_size=UPLOAD_ROUTE_BODY_LIMIT,
        exception_handlers={413: upload_too_large},
    )
    async def upload(
        self, request: Request, application_id: ObjectId, field_key: FromPath[str], application_service: Applications, settings: SettingsDep
    ) -> Response[Any] | Template:
        """Attach the multipart ``file`` to file question ``field_key``: type sniffed from the
        bytes, size limited (the message names the limit), stored once by SHA-256. HTMX gets
        the field's file list (and the new revision out of band); 422 with the message."""
        viewer = viewer_of(request)
        files = _files_service(application_service, settings)
        form = await request.form()
        upload = form.get("file")
        content, name = b"", ""
        if isinstance(upload, UploadFile) and upload.filename:
            content, name = await upload.read(), upload.filename
        try:
            await files.attach(application_id, viewer, field_key, name, content, ip=client_ip(request))
        except (FormInvalid, InvalidStateError, ConflictError) as error:
            errors = error.errors if isinstance(error, FormInvalid) else {field_key: await _refusal_message(error, request, application_service, application_id, viewer)}
            return await self._files_answer(request, application_service, settings, application_id, viewer, field_key, errors, error.status_code)
        return await self._files_answer(request, application_service, settings, application_id, viewer, field_key, {}, 200,
                                        success=_("The file is uploaded."))

    @post("/{application_id:int}/files/{field_key:str}/remove", name="programs:remove_file", guards=[requires_login], status_code=200)
    async def remove_file(
        self, request: Request, application_id: ObjectId, field_key: FromPath[str], application_service: Applications, settings: SettingsDep
    ) -> Response[Any] | Template:
        """Remove file ``file_id`` (form field) from question ``field_key``."""
        viewer = viewer_of(request)
        form = await request.form()
        try:
            file_id = int(str(form.get("file_id", "")))
            if not 1 <= file_id <= MAX_OBJECT_ID:  # 10**20 would overflow the database's integer
                raise ValueError
        except ValueError:
            raise NotFoundError(_("There is no such file in this application.")) from None
        try:
            await _files_service(application_service, settings).remove(application_id, viewer, field_key, file_id, ip=client_ip(request))
        except (FormInvalid, InvalidStateError, ConflictError) as error:
            errors = error.errors if isinstance(error, FormInvalid) else {field_key: await _refusal_message(error, request, application_service, application_id, viewer)}
            return await self._files_answer(request, application_service, settings, application_id, viewer, field_key, errors, error.status_code)
        return await self._files_answer(request, application_service, settings, application_id, viewer, field_key, {}, 200,
                                        success=_("The file is removed."))

    async def _files_answer(
        self, request: Request, service: ApplicationService, settings: Settings, application_id: int, viewer: Viewer,
        field_key: str, errors: dict[str, str], status_code: int, success: str = "",
    ) -> Response[Any] | Template:
        if not wants_fragment(request):
            if errors:
                return await _application_page(request, service, settings, application_id, viewer, errors=errors, status_code=status_code)
            flash(request, success, "success")
            return Redirect(f"/applications/{application_id}#files-{field_key}", status_code=303)
        application = await service.get(application_id, viewer)
        context = await application_context(request, service, settings, application, viewer, errors=errors)
        definition = next(f for f in context["fields"] if f.key == field_key)
        return fragment(request, "programs/apply/_files.html.j2",
                        {**helpers(), **context, "errors": errors, "f": definition, "oob_revision": True, "success": success},
                        status_code=status_code)

    @get("/{application_id:int}/download/{file_id:int}", name="programs:download", guards=[requires_login])
    async def download(self, request: Request, application_id: ObjectId, file_id: ObjectId, application_service: Applications, settings: SettingsDep) -> File:
        """A file of the application, for its startup's members and program staff (404 for anyone else)."""
        path, item = await _files_service(application_service, settings).open(application_id, viewer_of(request), file_id)
        return File(
            path=path, filename=item.name, media_type=item.content_type, content_disposition_type="attachment",
            headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"},
        )

    @post("/{application_id:int}/submit", name="programs:submit", guards=[requires_login], status_code=200)
    async def submit(self, request: Request, application_id: ObjectId, application_service: Applications, settings: SettingsDep) -> Response[Any] | Template:
        """Save what the form carries, then submit: 422 naming every missing or bad answer; 409
        after the closing instant ("the call closed at …", in both zones) unless this startup has
        an extension, or when someone saved meanwhile. The typed text is kept on every refusal."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        fields = await application_service.fields_of(application)
        form = await request.form()
        answers = _answers_from_form(form, fields)
        revision = _revision(form) or application["revision"]
        try:
            if answers:
                saved = await application_service.save(application_id, viewer, answers, expected_revision=revision, ip=client_ip(request))
                revision = saved["revision"]
            await application_service.submit(application_id, viewer, expected_revision=revision, ip=client_ip(request))
        except FormInvalid as error:
            return await _application_page(request, application_service, settings, application_id, viewer, values=answers,
                                           errors=error.errors, notice=error.message, status_code=422)
        except (InvalidStateError, ConflictError) as error:
            message = await _refusal_message(error, request, application_service, application_id, viewer)
            return await _application_page(request, application_service, settings, application_id, viewer, values=answers,
                                           notice=message, status_code=409)
        flash(request, _("Your application is submitted. You can follow its status on this page."), "success")
        return see_other(request, f"/applications/{application_id}")

    @get("/{application_id:int}/withdraw", name="programs:withdraw_confirm", guards=[requires_login])
    async def withdraw_confirm(self, request: Request, application_id: ObjectId, application_service: Applications) -> Template:
        """Ask the startup's member to confirm the withdrawal."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        program = await application_service.programs.get(application["program"])
        return render(request, "programs/apply/withdraw.html.j2", {"application": application, "program": program})

    @post("/{application_id:int}/withdraw", name="programs:withdraw", guards=[requires_login], status_code=200)
    async def withdraw(self, request: Request, application_id: ObjectId, application_service: Applications) -> Response[Any] | Template:
        """Withdraw after ``confirm=yes`` (422 asking for it otherwise); 403 with the reason when
        the workflow does not allow it from this status. ``reason`` (optional, ≤ 2000 characters)."""
        viewer = viewer_of(request)
        application = await application_service.get(application_id, viewer)
        program = await application_service.programs.get(application["program"])
        form = await request.form()
        reason = str(form.get("reason", "") or "")
        errors: dict[str, str] = {}
        if form.get("confirm") != "yes":
            errors["confirm"] = _("Tick the box to confirm that you withdraw the application.")
        if len(reason) > 2000:
            errors["reason"] = _("Reason: at most %(limit)s characters.", limit=2000)
        if errors:
            return render(request, "programs/apply/withdraw.html.j2",
                          {"application": application, "program": program, "errors": errors, "reason": reason}, status_code=422)
        try:
            await application_service.withdraw(application_id, viewer, reason=reason, ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return render(request, "programs/apply/withdraw.html.j2",
                          {"application": application, "program": program, "notice": error.message, "reason": reason},
                          status_code=error.status_code)
        flash(request, _("The application is withdrawn."), "success")
        return see_other(request, f"/applications/{application_id}")


CONTROLLERS: list[Any] = [ApplyController, ApplicationsController]
