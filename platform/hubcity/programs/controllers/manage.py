"""Program managers' pages: create, edit, publish, close and archive programs; forms, eligibility and review rounds.

Every page is for program managers and admins (``requires_role("program_manager")``: other staff
and users get 403, anonymous visitors the login page). Forms re-render with the typed values and
a message under each bad field (422), nothing saved; refusals of publish / close / archive
re-render the overview naming what is missing (422) or why the status does not allow it (409).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError
from hubcity.core.guards import requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.timefmt import format_instant
from hubcity.programs import web_manage as web
from hubcity.programs.eligibility import rule_name
from hubcity.programs.services import PROGRAM_STATUSES, ProgramService

Programs = NamedDependency[ProgramService]
BASE = "/staff/programs"


def _where(problem_key: str) -> str:
    """The editor page (path suffix) where a publish problem is fixed."""
    if problem_key == "form" or problem_key.startswith("fields"):
        return "form"
    if problem_key.startswith("eligibility"):
        return "eligibility"
    if problem_key.startswith("review_rounds"):
        return "rounds"
    return "edit"


async def _overview(
    request: Request,
    service: ProgramService,
    program: dict[str, Any],
    *,
    problems: dict[str, str] | None = None,
    refusal: str = "",
    status_code: int = 200,
) -> Template:
    zone = web.program_zone(program, service.zone)
    counts = (await service.application_counts([program["id"]]))[program["id"]]
    form_state = await service.form_state(program["id"], viewer_of(request))
    return web.render(
        request,
        "programs/manage/overview.html.j2",
        {
            "program": program,
            "zone": zone.key,
            "opens_text": format_instant(program["opens_at"], zone, current_locale()),
            "closes_text": format_instant(program["closes_at"], zone, current_locale()),
            "state": web.call_state(program, utcnow()),
            "counts": counts,
            "total": sum(counts.values()),
            "form_state": form_state,
            "problems": [(key, message, _where(key)) for key, message in (problems or {}).items()],
            "refusal": refusal,
            "tab": "overview",
        },
        status_code=status_code,
    )


def _details_page(
    request: Request, service: ProgramService, program: dict[str, Any] | None, values: dict[str, Any],
    errors: dict[str, str] | None = None, status_code: int = 200,
) -> Template:
    return web.render(
        request,
        "programs/manage/edit.html.j2",
        {
            "program": program,
            "values": values,
            "errors": errors or {},
            "kinds": web.OPTIONS["kinds"],
            "agency_zone_name": service.zone.key,
            "tab": "edit",
        },
        status_code=status_code,
    )


class ProgramManageController(Controller):
    """``/staff/programs``: the list, a new program, one program's overview and its editors."""

    include_in_schema = False
    path = BASE
    guards = [requires_role("program_manager")]

    @get("/", name="programs:manage_list")
    async def index(
        self, request: Request, program_service: Programs, status: Annotated[str | None, QueryParameter(name="status")] = None
    ) -> Template:
        """Every program (drafts too), closing soonest first; ``?status=draft|published|closed|archived`` filters."""
        wanted = status if status in PROGRAM_STATUSES else ""
        programs = await program_service.listing(viewer_of(request), statuses=(wanted,) if wanted else None)
        counts = await program_service.application_counts([p["id"] for p in programs])
        rows = []
        for program in programs:
            zone = web.program_zone(program, program_service.zone)
            rows.append({
                "program": program,
                "closes_text": format_instant(program["closes_at"], zone, current_locale()),
                "applications": sum(counts.get(program["id"], {}).values()),
            })
        return web.render(
            request, "programs/manage/list.html.j2", {"rows": rows, "status": wanted, "statuses": PROGRAM_STATUSES}
        )

    @get("/new", name="programs:manage_new")
    async def new(self, request: Request, program_service: Programs) -> Template:
        """The details form of a new program (its zone: the agency's)."""
        values = {"kind": "fund", "currency": "KRW", "time_zone": program_service.zone.key}
        return _details_page(request, program_service, None, values)

    @post("/", name="programs:manage_create", status_code=200)
    async def create(self, request: Request, program_service: Programs) -> Response[Any] | Template:
        """Create a draft program from the details form; 422 with the form as typed on bad input."""
        data = await web.details_data(request, program_service.zone)
        try:
            program = await program_service.save_details(None, viewer_of(request), data, ip=web.client_ip(request))
        except FormInvalid as error:
            return _details_page(request, program_service, None, data, error.errors, status_code=422)
        flash(request, _("The program is saved as a draft. Add its application form, then publish it."), "success")
        return web.see_other(request, f"{BASE}/{program['id']}")

    @get("/{program_id:int}", name="programs:manage_overview")
    async def overview(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """Status, dates in the program's zone, applications per status and the actions."""
        program = await program_service.get(program_id, viewer_of(request))
        return await _overview(request, program_service, program)

    @get("/{program_id:int}/edit", name="programs:manage_edit")
    async def edit(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """The details form, filled in (date-times in the program's zone)."""
        program = await program_service.get(program_id, viewer_of(request))
        return _details_page(request, program_service, program, web.details_values(program, program_service.zone))

    @post("/{program_id:int}/edit", name="programs:manage_update", status_code=200)
    async def update(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """Save the details; 422 with the form as typed (nothing saved) on bad input, 409 when closed."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        data = await web.details_data(request, program_service.zone)
        try:
            await program_service.save_details(program_id, viewer, data, ip=web.client_ip(request))
        except FormInvalid as error:
            return _details_page(request, program_service, program, data, error.errors, status_code=422)
        except InvalidStateError as error:
            return _details_page(request, program_service, program, data, {"status": error.message}, status_code=409)
        flash(request, _("The program is saved."), "success")
        return web.see_other(request, f"{BASE}/{program_id}")

    # -- status ---------------------------------------------------------------------------------
    async def _move(self, request: Request, program_id: int, service: ProgramService, action: str) -> Response[Any] | Template:
        viewer = viewer_of(request)
        program = await service.get(program_id, viewer)
        method = {"publish": service.publish, "close": service.close, "archive": service.archive}[action]
        try:
            await method(program_id, viewer, ip=web.client_ip(request))
        except FormInvalid as error:
            return await _overview(request, service, program, problems=error.errors,
                                   refusal=_("The program cannot be published yet. Fix these first:"), status_code=422)
        except InvalidStateError as error:
            return await _overview(request, service, program, refusal=error.message, status_code=409)
        messages = {
            "publish": _("The program is published: its call page is public."),
            "close": _("The program is closed: its call page stays visible, marked closed."),
            "archive": _("The program is archived."),
        }
        flash(request, messages[action], "success")
        return web.see_other(request, f"{BASE}/{program_id}")

    @post("/{program_id:int}/publish", name="programs:manage_publish", status_code=200)
    async def publish(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """draft → published; refused with each missing piece named (422)."""
        return await self._move(request, program_id, program_service, "publish")

    @post("/{program_id:int}/close", name="programs:manage_close", status_code=200)
    async def close(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """published → closed; 409 with the reason otherwise."""
        return await self._move(request, program_id, program_service, "close")

    @post("/{program_id:int}/archive", name="programs:manage_archive", status_code=200)
    async def archive(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """draft or closed → archived; 409 with the reason otherwise."""
        return await self._move(request, program_id, program_service, "archive")

    # -- the form builder -----------------------------------------------------------------------
    async def _builder(
        self, request: Request, service: ProgramService, program: dict[str, Any], rows: list[dict[str, Any]],
        errors: dict[str, str] | None = None, status_code: int = 200, unsaved: bool = False,
    ) -> Template:
        state = await service.form_state(program["id"], viewer_of(request))
        return web.render(
            request,
            "programs/manage/form_builder.html.j2",
            {
                "program": program, "rows": rows, "values": web.builder_values(rows), "errors": errors or {},
                "state": state, "options": web.OPTIONS, "unsaved": unsaved, "tab": "form",
            },
            status_code=status_code,
        )

    @get("/{program_id:int}/form", name="programs:manage_form")
    async def form(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """The form builder over the current form version (says whether saving makes a new version)."""
        program = await program_service.get(program_id, viewer_of(request))
        state = await program_service.form_state(program_id, viewer_of(request))
        rows = web.builder_rows(state["fields"]) or [web.blank_field("text")]
        return await self._builder(request, program_service, program, rows)

    @post("/{program_id:int}/form", name="programs:manage_form_save", status_code=200)
    async def form_save(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """A builder button: ``_action`` = ``add`` (with ``_new_type``), ``up-N``, ``down-N``,
        ``remove-N`` re-render the builder with the change (not saved yet); ``save`` saves the
        form through :meth:`ProgramService.set_form` (a new version once published or in use)."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        rows, action = await web.builder_rows_from(request)
        if action != "save":
            form = await request.form()
            rows = web.apply_row_action(rows, action, str(form.get("_new_type") or "text"))
            return await self._builder(request, program_service, program, rows, unsaved=True)
        before = await program_service.form_state(program_id, viewer)
        try:
            version = await program_service.set_form(program_id, viewer, web.definition_of(rows), ip=web.client_ip(request))
        except FormInvalid as error:
            return await self._builder(request, program_service, program, rows, web.builder_error_names(error.errors), 422, unsaved=True)
        except InvalidStateError as error:
            return await self._builder(request, program_service, program, rows, {"fields": error.message}, 409, unsaved=True)
        if before["version"] is not None and version["id"] != before["version"]["id"]:
            flash(request, _("The form is saved as version %(version)s. New applications use it; applications already started keep version %(old)s.",
                             version=version["version"], old=before["version"]["version"]), "success")
        else:
            flash(request, _("The form is saved (version %(version)s).", version=version["version"]), "success")
        return web.see_other(request, f"{BASE}/{program_id}/form")

    # -- eligibility ----------------------------------------------------------------------------
    def _rules_page(self, request: Request, program: dict[str, Any], values: dict[str, Any],
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        others = [r for r in program["eligibility"] if str(r.get("rule")) not in web.EDITOR_RULES]
        return web.render(
            request, "programs/manage/eligibility.html.j2",
            {"program": program, "values": values, "errors": errors or {}, "others": others,
             "rule_names": {k: rule_name(k) for k in web.EDITOR_RULES}, "rule_in_words": web.rule_in_words, "tab": "eligibility"},
            status_code=status_code,
        )

    @get("/{program_id:int}/eligibility", name="programs:manage_eligibility")
    async def eligibility(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """The eligibility rules editor."""
        program = await program_service.get(program_id, viewer_of(request))
        return self._rules_page(request, program, web.rules_values(program["eligibility"]))

    @post("/{program_id:int}/eligibility", name="programs:manage_eligibility_save", status_code=200)
    async def eligibility_save(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """Save the ticked rules (rules the editor does not offer are kept); 422 naming the rule."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        rules, values = await web.rules_from(request)
        others = [r for r in program["eligibility"] if str(r.get("rule")) not in web.EDITOR_RULES]
        try:
            await program_service.update(program_id, viewer, {"eligibility": rules + others}, ip=web.client_ip(request))
        except FormInvalid as error:
            return self._rules_page(request, program, values, web.rules_error_names(error.errors, rules), 422)
        except InvalidStateError as error:
            return self._rules_page(request, program, values, {"eligibility": error.message}, 409)
        flash(request, _("The eligibility rules are saved."), "success")
        return web.see_other(request, f"{BASE}/{program_id}/eligibility")

    # -- review rounds --------------------------------------------------------------------------
    def _rounds_page(self, request: Request, program: dict[str, Any], rows: list[dict[str, Any]],
                     errors: dict[str, str] | None = None, status_code: int = 200, unsaved: bool = False) -> Template:
        return web.render(
            request, "programs/manage/rounds.html.j2",
            {"program": program, "rows": rows, "values": web.round_values(rows), "errors": errors or {},
             "options": web.OPTIONS, "unsaved": unsaved, "tab": "rounds"},
            status_code=status_code,
        )

    @get("/{program_id:int}/rounds", name="programs:manage_rounds")
    async def rounds(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """The review rounds editor (name, kind, order, rubric, scoring, how many advance)."""
        program = await program_service.get(program_id, viewer_of(request))
        return self._rounds_page(request, program, web.round_rows(program["review_rounds"]))

    @post("/{program_id:int}/rounds", name="programs:manage_rounds_save", status_code=200)
    async def rounds_save(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """A rounds editor button: ``add-round``, ``remove-round-N``, ``add-criterion-N``,
        ``remove-criterion-N-M`` re-render (not saved); ``save`` saves; 422 naming each bad value."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        rows, action = await web.round_rows_from(request)
        if action != "save":
            return self._rounds_page(request, program, web.apply_round_action(rows, action), unsaved=True)
        rounds = web.rounds_of(rows)
        try:
            await program_service.update(program_id, viewer, {"review_rounds": rounds}, ip=web.client_ip(request))
        except FormInvalid as error:
            return self._rounds_page(request, program, rows, web.rounds_error_names(error.errors, rounds), 422, unsaved=True)
        except InvalidStateError as error:
            return self._rounds_page(request, program, rows, {"rounds": error.message}, 409, unsaved=True)
        flash(request, _("The review rounds are saved."), "success")
        return web.see_other(request, f"{BASE}/{program_id}/rounds")

    # -- notices and questions ------------------------------------------------------------------
    async def _notices_page(self, request: Request, service: ProgramService, program: dict[str, Any],
                            values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                            status_code: int = 200) -> Template:
        notices = await service.notices(program["id"], viewer_of(request))
        zone = web.program_zone(program, service.zone)
        return web.render(
            request, "programs/manage/notices.html.j2",
            {"program": program, "notices": [dict(n, at_text=format_instant(n["published_at"], zone, current_locale())) for n in notices],
             "values": values or {}, "errors": errors or {}, "tab": "notices"},
            status_code=status_code,
        )

    @get("/{program_id:int}/notices", name="programs:manage_notices")
    async def notices(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """Published notices and the form of a new one."""
        program = await program_service.get(program_id, viewer_of(request))
        return await self._notices_page(request, program_service, program)

    @post("/{program_id:int}/notices", name="programs:manage_notice_publish", status_code=200)
    async def notice_publish(self, request: Request, program_id: ObjectId, program_service: Programs) -> Response[Any] | Template:
        """Publish a notice on the call page and notify the applicants; 422 / 409 with the form kept."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        form = await request.form()
        data = {k: str(form.get(k) or "") for k in ("title_ko", "title_en", "body_ko", "body_en")}
        try:
            await program_service.publish_notice(program_id, viewer, data, ip=web.client_ip(request))
        except FormInvalid as error:
            return await self._notices_page(request, program_service, program, data, error.errors, 422)
        except InvalidStateError as error:
            return await self._notices_page(request, program_service, program, data, {"notice": error.message}, 409)
        flash(request, _("The notice is published on the call page; applicants are notified."), "success")
        return web.see_other(request, f"{BASE}/{program_id}/notices")

    async def _questions_page(self, request: Request, service: ProgramService, program: dict[str, Any],
                              values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                              status_code: int = 200) -> Template:
        questions = await service.questions(program["id"], viewer_of(request))
        zone = web.program_zone(program, service.zone)
        typed = values or {}
        rows = []
        for q in questions:
            own = typed if typed.get("question_id") == q["id"] else {}
            rows.append({
                **q,
                "asked_text": format_instant(q["created_at"], zone, current_locale()),
                "values": {"answer_ko": own.get("answer_ko", q["answer_ko"]), "answer_en": own.get("answer_en", q["answer_en"])},
            })
        return web.render(
            request, "programs/manage/questions.html.j2",
            {"program": program, "questions": rows, "errors": errors or {}, "tab": "questions"},
            status_code=status_code,
        )

    @get("/{program_id:int}/questions", name="programs:manage_questions")
    async def questions(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """Every question asked about the call, with the form to answer and publish each."""
        program = await program_service.get(program_id, viewer_of(request))
        return await self._questions_page(request, program_service, program)

    @post("/{program_id:int}/questions/{question_id:int}/answer", name="programs:manage_answer", status_code=200)
    async def answer(
        self, request: Request, program_id: ObjectId, question_id: ObjectId, program_service: Programs
    ) -> Response[Any] | Template:
        """Answer a question in Korean and/or English and publish it (unless ``publish`` is
        unticked); 422 naming the answer, the typed text kept."""
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        if not any(q["id"] == question_id for q in await program_service.questions(program_id, viewer)):
            raise NotFoundError(_("There is no question at this address."))
        form = await request.form()
        answer_ko, answer_en = str(form.get("answer_ko") or ""), str(form.get("answer_en") or "")
        publish = bool(form.get("publish"))
        try:
            await program_service.answer(question_id, viewer, answer_ko=answer_ko, answer_en=answer_en, publish=publish,
                                         ip=web.client_ip(request))
        except FormInvalid as error:
            values = {"question_id": question_id, "answer_ko": answer_ko, "answer_en": answer_en}
            errors = {f"answer-{question_id}": message for message in error.errors.values()}
            return await self._questions_page(request, program_service, program, values, errors, 422)
        flash(request, _("The answer is published on the call page.") if publish else _("The answer is saved, not published."), "success")
        return web.see_other(request, f"{BASE}/{program_id}/questions")


CONTROLLERS: list[Any] = [ProgramManageController]
