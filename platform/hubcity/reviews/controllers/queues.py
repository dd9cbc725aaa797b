"""Staff screening queues with filters, shareable URLs and bulk actions (assign, move status,
determine), and the CSV/XLSX exports of reviews and decisions.

Routes (program managers and admins: ``requires_role("program_manager")``; anonymous visitors
are sent to the login page, other roles get 403):

- ``GET /staff/queues``: applications of every program in a queue status, filtered by the GET
  parameters of :mod:`hubcity.reviews.bulk` (program, status, q, submitted_from/to, round,
  assigned, page) so the address can be shared; HTMX requests aimed at ``queue-results`` get
  the results alone.
- ``POST /staff/queues/{id}/send-to-review``: screening → in_review (the single action).
- ``POST /staff/queues/bulk``: ``action`` (assign | move | determine) on the selected ``ids``:
  ``reviewer`` (``<run id>:<user id>``) and ``note`` to assign; ``to``, ``reason``, ``fields``
  (comma-separated keys) to move; ``outcome``, ``conditions``, ``feedback`` to determine. Each
  row goes through the single action's service call; the answer lists each row done or failed
  with the reason (the ``bulk-results`` fragment for HTMX, the queue page otherwise).
- ``GET /staff/exports/rounds/{run_id}/reviews.csv|.xlsx``: the reviews of a round run.
- ``GET /staff/exports/programs/{program_id}/decisions.csv|.xlsx`` (``?round=<run id>``: only
  its participants): the current decisions.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Template

from hubcity.config.settings import Settings
from hubcity.core.errors import FormInvalid, NotFoundError
from hubcity.core.guards import requires_login, requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import MAX_OBJECT_ID, ObjectId
from hubcity.core.timefmt import format_instant
from hubcity.corporates.filters import query_dict
from hubcity.corporates.web import client_ip, hx_target, partial, render
from hubcity.programs import deadlines, workflow
from hubcity.programs.services import ApplicationService, ProgramService
from hubcity.reviews import bulk, exports
from hubcity.reviews.services import DecisionService, ReviewService

Applications = NamedDependency[ApplicationService]
Programs = NamedDependency[ProgramService]
Reviews = NamedDependency[ReviewService]
Decisions = NamedDependency[DecisionService]
SettingsDep = NamedDependency[Settings]
RESULTS_TARGET = "queue-results"
BULK_TARGET = "bulk-results"
BASE = "/staff/queues"
STAFF_GUARDS = [requires_login, requires_role("program_manager")]


async def _queue_context(request: Request, settings: Settings, params: dict[str, list[str]]) -> dict[str, Any]:
    parsed = bulk.parse_queue_filters(params)
    zone = settings.zone
    lists = bulk.QueueListing()
    results = await lists.page(parsed.filters, zone, page=parsed.page)
    query = bulk.query_string(parsed.filters)
    viewer = viewer_of(request)
    role = workflow.role_of(viewer.staff_roles, is_member=False) or workflow.PROGRAM_MANAGER

    def page_url(number: int) -> str:
        return f"{BASE}?{bulk.query_string(parsed.filters, page=number if number > 1 else None)}".rstrip("?")

    return {
        "results": results,
        "filters": parsed.filters,
        "filter_errors": parsed.errors,
        "queue_statuses": bulk.QUEUE_STATUSES,
        "staff_label": workflow.staff_label,
        "programs": await lists.programs(),
        "rounds": await lists.rounds(),
        "reviewers": await lists.reviewers(),
        "move_targets": bulk.bulk_move_targets(role),
        "decisions": workflow.DECISIONS,
        "base_path": BASE,
        "query": query,
        "share_url": f"{BASE}?{query}" if query else BASE,
        "page_url": page_url,
        "zone": zone,
        "in_zone": lambda value: format_instant(value, zone, current_locale()),
        "report": None,
        "report_names": {},
        "bulk_errors": {},
    }


def _return_params(form: Any) -> dict[str, list[str]]:
    """The queue's filters the bulk form was sent from (its hidden ``return_query``)."""
    from urllib.parse import parse_qs

    text = str(form.get("return_query", "") or "")[:4000]
    return {key: list(values) for key, values in parse_qs(text).items()}


def _fields_of(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()][:200]


def _reviewer_choice(text: str) -> tuple[int, int]:
    found = re.fullmatch(r"([0-9]{1,12}):([0-9]{1,12})", text.strip())
    if not found or not all(1 <= int(part) <= MAX_OBJECT_ID for part in found.groups()):  # larger ids overflow PostgreSQL's integer
        raise FormInvalid({"reviewer": _("Reviewer: choose a reviewer of an open review round.")}, {"reviewer": text})
    return int(found.group(1)), int(found.group(2))


class QueueController(Controller):
    include_in_schema = False
    path = BASE
    guards = STAFF_GUARDS

    @get("/", name="reviews:queues")
    async def index(self, request: Request, settings: SettingsDep) -> Template:
        """The queue filtered by the GET parameters, one page; HTMX requests aimed at the
        results get the results alone."""
        context = await _queue_context(request, settings, query_dict(request.query_params))
        if hx_target(request) == RESULTS_TARGET:
            return partial(request, "reviews/queues/_results.html.j2", context)
        return render(request, "reviews/queues/index.html.j2", context)

    async def _answer(self, request: Request, settings: Settings, form: Any, report: bulk.BulkReport | None, *,
                      errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        names = await bulk.names_of([r.application_id for r in report.rows]) if report else {}
        context = {"report": report, "report_names": names, "bulk_errors": errors or {}}
        if hx_target(request) == BULK_TARGET:
            return partial(request, "reviews/queues/_bulk_result.html.j2", context, status_code=status_code)
        full = await _queue_context(request, settings, _return_params(form))
        return render(request, "reviews/queues/index.html.j2", {**full, **context}, status_code=status_code)

    @post("/{application_id:int}/send-to-review", name="reviews:queue_send_to_review", status_code=200)
    async def send_to_review(self, request: Request, application_id: ObjectId, application_service: Applications,
                             settings: SettingsDep) -> Template:
        """Screening → in review for one application (the workflow table decides)."""
        form = await request.form()
        report = await bulk.move_each(application_service, [application_id], viewer_of(request), "in_review", ip=client_ip(request))
        if report.failed:
            await application_service.get(application_id, viewer_of(request))  # an unknown id is a 404, not a row
        return await self._answer(request, settings, form, report)

    @post("/bulk", name="reviews:queue_bulk", status_code=200)
    async def bulk_action(self, request: Request, application_service: Applications, review_service: Reviews,
                          decision_service: Decisions, settings: SettingsDep) -> Template:
        """One action on every selected application, each through the single action's call."""
        form = await request.form()
        viewer = viewer_of(request)
        ip = client_ip(request)
        action = str(form.get("action", "") or "")
        try:
            if action not in bulk.BULK_ACTIONS:
                raise FormInvalid({"action": _("Action: choose assign, move or determine.")})
            ids = bulk.selected_ids([v for v in form.getall("ids")] if "ids" in form else [])
            reason = str(form.get("reason", "") or "")
            if action == "assign":
                run_id, reviewer_id = _reviewer_choice(str(form.get("reviewer", "") or ""))
                report = await bulk.assign_each(review_service, ids, viewer, run_id=run_id, reviewer_id=reviewer_id,
                                                reason=str(form.get("note", "") or ""), ip=ip)
            elif action == "move":
                to = str(form.get("to", "") or "")
                if to not in workflow.WORKFLOW:
                    raise FormInvalid({"to": _("Move to: choose a status.")})
                report = await bulk.move_each(application_service, ids, viewer, to, reason=reason,
                                              fields=_fields_of(str(form.get("fields", "") or "")), ip=ip)
            else:
                report, _outcome = await bulk.determine_each(
                    decision_service, ids, viewer, str(form.get("outcome", "") or ""),
                    conditions=str(form.get("conditions", "") or ""), feedback=str(form.get("feedback", "") or ""), ip=ip)
        except FormInvalid as error:
            return await self._answer(request, settings, form, None, errors=error.errors, status_code=422)
        return await self._answer(request, settings, form, report)


# -- exports ----------------------------------------------------------------------------------------


def _download(data: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(content=data, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def _file_name(program: dict[str, Any], what: str, extension: str) -> str:
    family = re.sub(r"[^a-z0-9-]", "", str(program.get("family") or "program"))[:40] or "program"
    return f"{family}-{program['id']}-{what}-{date.today().isoformat()}.{extension}"


def _title(program: dict[str, Any]) -> str:
    first, second = ("title_ko", "title_en") if current_locale() == "ko" else ("title_en", "title_ko")
    return str(program.get(first) or program.get(second) or "")


class ReviewExportController(Controller):
    include_in_schema = False
    path = "/staff/exports"
    guards = STAFF_GUARDS

    async def _reviews(self, request: Request, run_id: int, review_service: ReviewService, settings: Settings) -> tuple[dict[str, Any], Any]:
        viewer = viewer_of(request)
        await review_service.panel(run_id, viewer)  # staff only; 404 for an unknown run
        run = await review_service.run(run_id, viewer)
        program = run["program_row"]
        zone = deadlines.zone_named(program["time_zone"], settings.zone)
        table = exports.reviews_table(await exports.review_rows(run_id), run["definition"]["rubric"], zone=zone,
                                      public_url=settings.public_url, locale=current_locale())
        return {**program, "round_order": run["round_order"]}, table

    @get("/rounds/{run_id:int}/reviews.csv", name="reviews:export_reviews_csv")
    async def reviews_csv(self, request: Request, run_id: ObjectId, review_service: Reviews, settings: SettingsDep) -> Response[bytes]:
        """The round run's reviews as CSV (UTF-8 with BOM)."""
        program, table = await self._reviews(request, run_id, review_service, settings)
        return _download(exports.to_csv(table), exports.CSV_TYPE, _file_name(program, f"round{program['round_order']}-reviews", "csv"))

    @get("/rounds/{run_id:int}/reviews.xlsx", name="reviews:export_reviews_xlsx")
    async def reviews_xlsx(self, request: Request, run_id: ObjectId, review_service: Reviews, settings: SettingsDep) -> Response[bytes]:
        """The round run's reviews as an XLSX workbook."""
        program, table = await self._reviews(request, run_id, review_service, settings)
        return _download(exports.to_xlsx(table, title=_("Reviews")), exports.XLSX_TYPE,
                         _file_name(program, f"round{program['round_order']}-reviews", "xlsx"))

    async def _decisions(self, request: Request, program_id: int, program_service: ProgramService, review_service: ReviewService,
                         settings: Settings) -> tuple[dict[str, Any], Any]:
        viewer = viewer_of(request)
        program = await program_service.get(program_id, viewer)
        runs = await review_service.runs(program_id, viewer)  # staff only
        round_text = request.query_params.get("round") or ""
        ids: list[int] | None = None
        if round_text:
            run = next((r for r in runs if str(r["id"]) == round_text.strip()), None)
            if run is None:
                raise NotFoundError(_("There is no review round at this address."))
            ids = [int(a) for a in run["participants"]]
        zone = deadlines.zone_named(program["time_zone"], settings.zone)
        table = exports.decisions_table(await exports.decision_rows(program_id, ids), zone=zone, public_url=settings.public_url)
        return program, table

    @get("/programs/{program_id:int}/decisions.csv", name="reviews:export_decisions_csv")
    async def decisions_csv(self, request: Request, program_id: ObjectId, program_service: Programs, review_service: Reviews,
                            settings: SettingsDep) -> Response[bytes]:
        """The program's current decisions as CSV (``?round=<run id>``: that round's participants)."""
        program, table = await self._decisions(request, program_id, program_service, review_service, settings)
        return _download(exports.to_csv(table), exports.CSV_TYPE, _file_name(program, "decisions", "csv"))

    @get("/programs/{program_id:int}/decisions.xlsx", name="reviews:export_decisions_xlsx")
    async def decisions_xlsx(self, request: Request, program_id: ObjectId, program_service: Programs, review_service: Reviews,
                             settings: SettingsDep) -> Response[bytes]:
        """The program's current decisions as an XLSX workbook."""
        program, table = await self._decisions(request, program_id, program_service, review_service, settings)
        return _download(exports.to_xlsx(table, title=_title(program) or _("Decisions")), exports.XLSX_TYPE,
                         _file_name(program, "decisions", "xlsx"))


CONTROLLERS: list[Any] = [QueueController, ReviewExportController]
