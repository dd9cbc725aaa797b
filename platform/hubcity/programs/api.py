"""The programs domain under ``/api/v1``: programs, applications and their actions (in the OpenAPI document).

The same services as the pages (:class:`~hubcity.programs.services.ProgramService` and
:class:`~hubcity.programs.services.ApplicationService`), with session-cookie auth; writes need the
CSRF header ``x-csrftoken``. Errors are ``{"error", "detail", "fields"}``: 401 not logged in, 403
not allowed, 404 missing or not yours (never naming what it is), 409 stale revision, a second
application, a deadline that passed or a status that does not allow it, 422 invalid input with
one message per field (``fields``), each naming the field and the rule.

Bodies are JSON objects that the handlers check themselves (unknown keys and wrong types are
named in ``fields``), so messages are the pages' messages; the OpenAPI document shows them
through :func:`hubcity.accounts.openapi.json_body`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from hubcity.accounts.openapi import errors, json_body
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.pagination import MAX_PAGE
from hubcity.core.params import MAX_OBJECT_ID, ObjectId
from hubcity.core.templating import get_viewer
from hubcity.core.viewer import Viewer
from hubcity.corporates.web import client_ip
from hubcity.programs import deadlines, workflow
from hubcity.programs.schemas import (
    AnswersInput,
    ApplicationListOut,
    ApplicationOut,
    ApplicationStartInput,
    EligibilityOut,
    ExtensionInput,
    FormInput,
    FormOut,
    ProgramCreateInput,
    ProgramInput,
    ProgramListOut,
    ProgramOut,
    RuleOut,
    SubmitInput,
    TimelineEntryOut,
    TimelineOut,
    TransitionInput,
    WithdrawInput,
)
from hubcity.programs.services import PROGRAM_STATUSES, ApplicationService, ProgramService

API_PREFIX = "/api/v1"
Programs = NamedDependency[ProgramService]
Applications = NamedDependency[ApplicationService]
REASON_MAX = 5000

ProgramStatusParam = Annotated[
    str | None,
    QueryParameter(name="status", description="open (taking applications now), published, closed; program managers also draft and archived."),
]
ListPageParam = Annotated[int | None, QueryParameter(name="page", ge=1, le=MAX_PAGE, description="Page number (50 per page).")]
#: Rows per page of the API's lists.
API_PAGE_SIZE = 50


def _page_window(page: int | None) -> tuple[int, int]:
    """(page number, index of its first row) of a 1-based ``page`` (None: the first)."""
    number = page or 1
    return number, (number - 1) * API_PAGE_SIZE


ProgramIdParam = Annotated[int | None, QueryParameter(name="program_id", ge=1, le=MAX_OBJECT_ID, description="Only applications to this program.")]
ApplicationStatusParam = Annotated[str | None, QueryParameter(name="status", description="Only applications in this status (a workflow key).")]


# -- reading bodies -----------------------------------------------------------------------------


def body_object(data: Any, allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> dict[str, Any]:
    """``data`` as a dict with only ``allowed`` keys and every ``required`` one; FormInvalid
    naming each unknown or missing key otherwise."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise FormInvalid({"body": _("The request body must be a JSON object.")})
    problems = {str(key)[:64]: _("“%(key)s” is not a field of this request.", key=str(key)[:40]) for key in data if key not in allowed}
    for key in required:
        if key not in data:
            problems[key] = _("%(field)s: this field is required.", field=key)
    if problems:
        raise FormInvalid(problems, {k: v for k, v in data.items() if k in allowed})
    return dict(data)


def body_whole(data: Mapping[str, Any], key: str, *, required: bool) -> int | None:
    """A positive whole number (an id or a revision) at ``data[key]``; FormInvalid naming ``key``."""
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_OBJECT_ID:
        raise FormInvalid({key: _("%(field)s: give a whole number from 1.", field=key)}, dict(data))
    return value


def body_text(data: Mapping[str, Any], key: str, limit: int = REASON_MAX) -> str:
    """The text at ``data[key]`` ("" when absent or null), at most ``limit`` characters;
    FormInvalid naming ``key`` for a non-text value or one too long."""
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise FormInvalid({key: _("%(field)s: the value must be text.", field=key)}, dict(data))
    if len(value) > limit:
        raise FormInvalid({key: _("%(field)s: at most %(limit)s characters.", field=key, limit=limit)}, dict(data))
    return value


# -- output -------------------------------------------------------------------------------------


def _may_run_programs(viewer: Viewer | None) -> bool:
    return bool(viewer and viewer.has_role("program_manager"))


def program_out(program: Mapping[str, Any], viewer: Viewer | None, form: FormOut | None = None) -> ProgramOut:
    """The API's view of a program row (``review_rounds`` only for program managers)."""
    now = utcnow()
    deadline = program.get("closes_at")
    open_now = program["status"] == "published" and deadlines.is_open(now, program.get("opens_at"), deadline)
    return ProgramOut(
        id=program["id"], kind=program["kind"], family=program["family"], status=program["status"],
        title_ko=program["title_ko"], title_en=program["title_en"], summary_ko=program["summary_ko"], summary_en=program["summary_en"],
        description_ko=program["description_ko"], description_en=program["description_en"], time_zone=program["time_zone"],
        opens_at=program.get("opens_at"), closes_at=deadline, is_open=open_now,
        seconds_remaining=deadlines.seconds_remaining(deadline, now),
        budget=program["budget"], max_award=program["max_award"], currency=program["currency"], capacity=program.get("capacity"),
        eligibility=list(program.get("eligibility") or []),
        review_rounds=list(program.get("review_rounds") or []) if _may_run_programs(viewer) else None,
        form=form,
    )


async def _program_with_form(service: ProgramService, program: Mapping[str, Any], viewer: Viewer | None) -> ProgramOut:
    version, _fields = await service.form(program["id"])
    form = FormOut(version=version["version"], fields=list(version["fields"])) if version else None
    return program_out(program, viewer, form)


async def application_out(
    service: ApplicationService, application: Mapping[str, Any], viewer: Viewer, *, with_form: bool = False
) -> ApplicationOut:
    """The API's view of an application ``viewer`` may read (labels for the viewer's role)."""
    role = service.role_of(viewer, application)
    label = workflow.staff_label if role in workflow.STAFF else workflow.public_label
    version = await service.programs.form_version(application["form_version"])
    return ApplicationOut(
        id=application["id"], program_id=application["program"], organisation_id=application["organisation"],
        profile_id=application["profile"], status=application["status"], status_label=label(application["status"]),
        answers=dict(application.get("answers") or {}), revision=application["revision"], saved_at=application.get("saved_at"),
        submitted_at=application.get("submitted_at"), reopened_fields=[str(f) for f in application.get("reopened_fields") or []],
        deadline=await service.deadline_of(application), deadline_extended_to=application.get("deadline_extended_to"),
        form_version=version["version"] if version else None,
        editable=role == workflow.APPLICANT and workflow.editable_by_applicant(application["status"]),
        allowed_transitions=workflow.allowed_targets(application["status"], role) if role else [],
        form=list(version["fields"]) if with_form and version else None,
    )


# -- programs -----------------------------------------------------------------------------------


class ProgramApiController(Controller):
    path = f"{API_PREFIX}/programs"
    tags = ["programs"]

    @get("/", responses=errors(422))
    async def index(
        self, request: Request, program_service: Programs, status: ProgramStatusParam = None, page: ListPageParam = None
    ) -> ProgramListOut:
        """Calls you may see, closing soonest first: published and closed ones (program managers:
        every status). ``status=open``: only calls taking applications right now. 50 per page."""
        viewer = get_viewer(request)
        visible = PROGRAM_STATUSES if _may_run_programs(viewer) else ("published", "closed")
        if status not in (None, "", "open", *visible):
            raise FormInvalid({"status": _("Status: choose one of %(values)s.", values=", ".join(("open", *visible)))})
        statuses = ("published",) if status == "open" else ((status,) if status else None)
        rows = await program_service.listing(viewer, statuses=statuses)
        items = [program_out(row, viewer) for row in rows]
        if status == "open":
            items = [item for item in items if item.is_open]
        number, first = _page_window(page)
        return ProgramListOut(
            items=items[first : first + API_PAGE_SIZE], total=len(items), page=number, page_size=API_PAGE_SIZE,
            pages=-(-len(items) // API_PAGE_SIZE),
        )

    @get("/{program_id:int}", responses=errors(404))
    async def show(self, request: Request, program_id: ObjectId, program_service: Programs) -> ProgramOut:
        """One call with its current form (drafts: program managers only; 404 for anyone else)."""
        viewer = get_viewer(request)
        return await _program_with_form(program_service, await program_service.get(program_id, viewer), viewer)

    @post("/", guards=[requires_login], status_code=HTTP_201_CREATED, operation_class=json_body(ProgramCreateInput),
          responses=errors(401, 403, 422))
    async def create(self, request: Request, data: JSONBody[dict[str, Any]], program_service: Programs) -> ProgramOut:
        """A new draft program (program managers), optionally with its first ``form``."""
        viewer = viewer_of(request)
        body = body_object(data, (*ProgramCreateInput.model_fields,))
        form = body.pop("form", None)
        program = await program_service.create(viewer, body, form=form, ip=client_ip(request))
        return await _program_with_form(program_service, program, viewer)

    @patch("/{program_id:int}", guards=[requires_login], operation_class=json_body(ProgramInput), responses=errors(401, 403, 404, 409, 422))
    async def update(self, request: Request, program_id: ObjectId, data: JSONBody[dict[str, Any]], program_service: Programs) -> ProgramOut:
        """Change some fields of a draft or published program (program managers). The form
        changes through ``PUT …/form``."""
        viewer = viewer_of(request)
        body = body_object(data, (*ProgramInput.model_fields,))
        program = await program_service.update(program_id, viewer, body, ip=client_ip(request))
        return await _program_with_form(program_service, program, viewer)

    @put("/{program_id:int}/form", guards=[requires_login], operation_class=json_body(FormInput), responses=errors(401, 403, 404, 409, 422))
    async def set_form(self, request: Request, program_id: ObjectId, data: JSONBody[dict[str, Any]], program_service: Programs) -> ProgramOut:
        """Make ``fields`` the program's form (a new version once published or in use)."""
        viewer = viewer_of(request)
        body = body_object(data, ("fields",), ("fields",))
        await program_service.set_form(program_id, viewer, body["fields"], ip=client_ip(request))
        return await _program_with_form(program_service, await program_service.get(program_id, viewer), viewer)

    async def _move(self, request: Request, program_id: int, service: ProgramService, action: str) -> ProgramOut:
        viewer = viewer_of(request)
        program = await getattr(service, action)(program_id, viewer, ip=client_ip(request))
        return await _program_with_form(service, program, viewer)

    @post("/{program_id:int}/publish", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409, 422))
    async def publish(self, request: Request, program_id: ObjectId, program_service: Programs) -> ProgramOut:
        """draft → published (422 naming each problem that stops it)."""
        return await self._move(request, program_id, program_service, "publish")

    @post("/{program_id:int}/close", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def close(self, request: Request, program_id: ObjectId, program_service: Programs) -> ProgramOut:
        """published → closed (it stays visible)."""
        return await self._move(request, program_id, program_service, "close")

    @post("/{program_id:int}/archive", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def archive(self, request: Request, program_id: ObjectId, program_service: Programs) -> ProgramOut:
        """draft or closed → archived."""
        return await self._move(request, program_id, program_service, "archive")

    @get("/{program_id:int}/eligibility", guards=[requires_login], responses=errors(401, 403, 404, 409))
    async def eligibility(self, request: Request, program_id: ObjectId, application_service: Applications) -> EligibilityOut:
        """Your startup against each eligibility rule of the call, each named (members of a startup)."""
        report = await application_service.check_eligibility(program_id, viewer_of(request))
        return EligibilityOut(
            program_id=program_id, open=report.open, eligible=report.eligible,
            rules=[RuleOut(rule=r.key, passed=r.passed, message=r.message) for r in report.results],
        )


# -- applications -------------------------------------------------------------------------------


class ApplicationApiController(Controller):
    path = f"{API_PREFIX}/applications"
    tags = ["applications"]
    guards = [requires_login]

    @get("/", responses=errors(401, 422))
    async def index(
        self, request: Request, application_service: Applications, program_id: ProgramIdParam = None,
        status: ApplicationStatusParam = None, page: ListPageParam = None,
    ) -> ApplicationListOut:
        """Applications you may read, newest first: your startups' (program managers: every one). 50 per page."""
        viewer = viewer_of(request)
        if status and status not in workflow.WORKFLOW:
            raise FormInvalid({"status": _("Status: “%(value)s” is not an application status.", value=status[:40])})
        number, first = _page_window(page)
        rows, total = await application_service.listing_page(
            viewer, program_id=program_id, status=status or None, limit=API_PAGE_SIZE, offset=first
        )
        items = [await application_out(application_service, row, viewer) for row in rows]
        return ApplicationListOut(items=items, total=total, page=number, page_size=API_PAGE_SIZE, pages=-(-total // API_PAGE_SIZE))

    @post("/", status_code=HTTP_201_CREATED, operation_class=json_body(ApplicationStartInput), responses=errors(401, 403, 404, 409, 422))
    async def start(self, request: Request, data: JSONBody[dict[str, Any]], application_service: Applications) -> ApplicationOut:
        """Start your startup's draft application to an open call (409 when it already applied,
        or a rule fails: the message names each failed rule)."""
        viewer = viewer_of(request)
        body = body_object(data, ("program_id", "organisation_id"), ("program_id",))
        program_id = body_whole(body, "program_id", required=True)
        organisation_id = body_whole(body, "organisation_id", required=False)
        assert program_id is not None
        row = await application_service.start(program_id, viewer, organisation_id, ip=client_ip(request))
        return await application_out(application_service, row, viewer, with_form=True)

    @get("/{application_id:int}", responses=errors(401, 404))
    async def show(self, request: Request, application_id: ObjectId, application_service: Applications) -> ApplicationOut:
        """One application you may read, with the form it was started on (404 otherwise)."""
        viewer = viewer_of(request)
        row = await application_service.get(application_id, viewer)
        return await application_out(application_service, row, viewer, with_form=True)

    @patch("/{application_id:int}", operation_class=json_body(AnswersInput), responses=errors(401, 403, 404, 409, 422))
    async def save(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], application_service: Applications) -> ApplicationOut:
        """Save answers (members of the startup). 409 when ``revision`` is not the stored one
        (someone saved since: nothing written), or the status or deadline no longer allows
        editing; 422 naming each answer of the wrong type or over its limit."""
        viewer = viewer_of(request)
        body = body_object(data, ("revision", "answers"), ("revision", "answers"))
        revision = body_whole(body, "revision", required=True)
        answers = body["answers"]
        if not isinstance(answers, Mapping):
            raise FormInvalid({"answers": _("Answers: send an object of field key → answer.")}, body)
        assert revision is not None
        row = await application_service.save(application_id, viewer, answers, expected_revision=revision, ip=client_ip(request))
        return await application_out(application_service, row, viewer)

    @post("/{application_id:int}/submit", status_code=HTTP_200_OK, operation_class=json_body(SubmitInput), responses=errors(401, 403, 404, 409, 422))
    async def submit(self, request: Request, application_id: ObjectId, application_service: Applications, data: JSONBody[dict[str, Any] | None] = None) -> ApplicationOut:
        """Submit (members of the startup): 422 naming every missing or bad answer, 409 once the
        deadline has passed (``error: deadline_passed``) or for a stale ``revision``."""
        viewer = viewer_of(request)
        body = body_object(data, ("revision",))
        revision = body_whole(body, "revision", required=False)
        row = await application_service.submit(application_id, viewer, expected_revision=revision, ip=client_ip(request))
        return await application_out(application_service, row, viewer)

    @post("/{application_id:int}/withdraw", status_code=HTTP_200_OK, operation_class=json_body(WithdrawInput), responses=errors(401, 403, 404, 409, 422))
    async def withdraw(self, request: Request, application_id: ObjectId, application_service: Applications, data: JSONBody[dict[str, Any] | None] = None) -> ApplicationOut:
        """Withdraw (members of the startup, from the statuses the workflow allows)."""
        viewer = viewer_of(request)
        body = body_object(data, ("reason",))
        row = await application_service.withdraw(application_id, viewer, reason=body_text(body, "reason"), ip=client_ip(request))
        return await application_out(application_service, row, viewer)

    @post("/{application_id:int}/transition", status_code=HTTP_200_OK, operation_class=json_body(TransitionInput), responses=errors(401, 403, 404, 409, 422))
    async def transition(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], application_service: Applications) -> ApplicationOut:
        """Move an application to status ``to`` as the workflow table allows your role (program
        managers: screening, more_info_requested with the ``fields`` to reopen, ineligible with
        the failed rule keys, in_review; ``reason`` goes to the applicant). Decisions (approved,
        waitlisted, rejected) that the table would allow are refused with 409
        ``decision_required``: they are made through ``POST /api/v1/applications/{id}/determination``."""
        viewer = viewer_of(request)
        body = body_object(data, ("to", "reason", "fields", "revision"), ("to",))
        to = body["to"]
        if not isinstance(to, str) or to not in workflow.WORKFLOW:
            raise FormInvalid({"to": _("To: “%(value)s” is not an application status.", value=str(to)[:40])}, body)
        if to in workflow.DECISIONS:
            # a decision is a Determination (message, feedback, objection window): never a bare status
            # change. 404 first for what the caller may not see; a move the table refuses anyway keeps
            # the workflow's own refusal (403 naming both statuses).
            current = await application_service.get(application_id, viewer)
            if workflow.can_transition(current["status"], to, application_service.role_of(viewer, current) or ""):
                raise InvalidStateError(
                    _("“%(status)s” is a decision: make it with POST %(path)s (outcome, conditions, feedback), not as a status change.",
                      status=workflow.staff_label(to), path=f"{API_PREFIX}/applications/{application_id}/determination"),
                    code="decision_required",
                )
        fields = body.get("fields") or []
        if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields) or len(fields) > 200:
            raise FormInvalid({"fields": _("Fields: send a list of field or rule keys.")}, body)
        row = await application_service.transition(
            application_id, viewer, to, reason=body_text(body, "reason"), fields=fields,
            expected_revision=body_whole(body, "revision", required=False), ip=client_ip(request),
        )
        return await application_out(application_service, row, viewer)

    @post("/{application_id:int}/extension", status_code=HTTP_200_OK, operation_class=json_body(ExtensionInput), responses=errors(401, 403, 404, 409, 422))
    async def extension(self, request: Request, application_id: ObjectId, data: JSONBody[dict[str, Any]], application_service: Applications) -> ApplicationOut:
        """Let this one application be submitted until ``until`` (program managers; audited)."""
        viewer = viewer_of(request)
        body = body_object(data, ("until", "reason"), ("until", "reason"))
        raw = body["until"]
        try:
            if not isinstance(raw, str):
                raise ValueError
            until = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
            if until.tzinfo is not None:
                until = until.astimezone(UTC)  # 9999-12-31T23:59-09:00 is past the last year a date-time holds
        except (ValueError, OverflowError):
            raise FormInvalid({"until": _("Until: give a date and time with its offset, such as 2026-12-01T18:00:00+09:00.")}, body) from None
        if until.tzinfo is None:
            raise FormInvalid({"until": _("Until: give a date and time with its offset, such as 2026-12-01T18:00:00+09:00.")}, body)
        row = await application_service.grant_extension(application_id, viewer, until, reason=body_text(body, "reason"), ip=client_ip(request))
        return await application_out(application_service, row, viewer)

    @get("/{application_id:int}/timeline", responses=errors(401, 404))
    async def timeline(self, request: Request, application_id: ObjectId, application_service: Applications) -> TimelineOut:
        """The application's status changes, oldest first (public labels for applicants)."""
        events = await application_service.timeline(application_id, viewer_of(request))
        return TimelineOut(items=[
            TimelineEntryOut(at=e["at"], from_status=e["from_status"], to_status=e["to_status"], label=e["label"],
                             message=e["message"], fields=[str(f) for f in e["fields"]])
            for e in events
        ])


CONTROLLERS: list[Any] = [ProgramApiController, ApplicationApiController]
