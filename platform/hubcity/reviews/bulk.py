"""Staff screening queues across programs, and the bulk actions run on their selected rows.

The queue (``/staff/queues``) lists applications of every program in :data:`QUEUE_STATUSES`.
Its filters are GET parameters (so a filtered queue's address can be shared), all optional:

- ``program``: program ids (repeatable: any of them);
- ``status``: queue statuses (repeatable; default every queue status);
- ``q``: part of the startup's Korean or English name (case-insensitive; ``%`` and ``_`` literal);
- ``submitted_from``, ``submitted_to``: dates ``YYYY-MM-DD`` read in the agency's zone, inclusive;
- ``round``: a review round run id: only its participants;
- ``assigned``: ``1`` only applications with an active reviewer assignment in an open round run,
  ``0`` only those without;
- ``page``: 1-based page.

A value that cannot be used is left out and named in :attr:`QueueParsed.errors`, never a 500.

Bulk actions run, for each selected application and in the order given, exactly the call of the
single action (so the message, the ApplicationEvent, the audit entry and the notification are
the same), each on its own, one failure never stopping the others: :func:`move_each`
(:meth:`ApplicationService.transition`), :func:`assign_each` (:meth:`ReviewService.assign`) and
determinations through :meth:`DecisionService.determine_bulk`. Each gives a :class:`BulkReport`
with one :class:`RowResult` (done or failed, with the message) per application.

Never imports Litestar (controllers and the API call these functions).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from hubcity.core.errors import AppError, FormInvalid
from hubcity.core.i18n import gettext as _
from hubcity.core.pagination import Page, clamp_page, page_bounds
from hubcity.core.params import MAX_OBJECT_ID
from hubcity.core.viewer import Viewer
from hubcity.corporates.textsearch import any_of, contains
from hubcity.db.tables import Application, PanelMember, Program, ReviewAssignment, ReviewRoundRun, StartupProfile
from hubcity.programs import workflow
from hubcity.programs.listing import local_midnight, query_last, query_values, submitted_range
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import BulkOutcome, DecisionService, ReviewService, round_name, rounds_of

#: The statuses a screening queue shows (work waiting for staff).
QUEUE_STATUSES: tuple[str, ...] = ("submitted", "screening", "more_info_requested", "in_review", "awaiting_decision", "waitlisted")
PAGE_SIZE = 25
KEYWORD_MAX = 200
MAX_VALUES = 50
#: How many applications one bulk action takes at most.
BULK_MAX = 200
PARAMS: tuple[str, ...] = ("program", "status", "q", "submitted_from", "submitted_to", "round", "assigned")
BULK_ACTIONS: tuple[str, ...] = ("assign", "move", "determine")


def may_use_queues(viewer: Viewer | None) -> bool:
    """Program managers and admins work the queues."""
    return bool(viewer and viewer.has_role("program_manager"))


@dataclass(frozen=True)
class QueueFilters:
    """Filters of a queue (see the module docstring); empty / None: not filtered."""

    programs: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    q: str = ""
    submitted_from: date | None = None
    submitted_to: date | None = None
    round: int | None = None
    assigned: bool | None = None

    def params(self) -> dict[str, Any]:
        values: dict[str, Any] = {
            "program": [str(p) for p in self.programs],
            "status": list(self.statuses),
            "q": self.q,
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else "",
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else "",
            "round": str(self.round) if self.round else "",
            "assigned": "" if self.assigned is None else ("1" if self.assigned else "0"),
        }
        return {key: value for key, value in values.items() if value not in ("", [])}

    @property
    def active(self) -> bool:
        return bool(self.params())


@dataclass(frozen=True)
class QueueParsed:
    filters: QueueFilters
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)


def _whole(text: str) -> int | None:
    """A database id (1..:data:`MAX_OBJECT_ID`: larger ones overflow PostgreSQL's integer) or None."""
    return int(text) if text.isascii() and text.isdecimal() and len(text) < 12 and 1 <= int(text) <= MAX_OBJECT_ID else None


def parse_queue_filters(params: Mapping[str, Sequence[str]]) -> QueueParsed:
    """Read a queue's filters from GET parameters (name → list of values); bad values are left out
    and named in ``errors``."""
    errors: dict[str, str] = {}
    raw_programs = list(dict.fromkeys(query_values(params, "program")))[:MAX_VALUES]
    programs = [p for p in (_whole(v) for v in raw_programs) if p is not None]
    if len(programs) != len(raw_programs):
        errors["program"] = _("Program: choose programs from the list.")
    statuses = list(dict.fromkeys(query_values(params, "status")))[:MAX_VALUES]
    wrong = [s for s in statuses if s not in QUEUE_STATUSES]
    if wrong:
        errors["status"] = _("Status: “%(value)s” is not a status of the queues.", value=wrong[0][:40])
    q = query_last(params, "q")
    if len(q) > KEYWORD_MAX:
        errors["q"] = _("Startup name: at most %(limit)s characters.", limit=KEYWORD_MAX)
        q = q[:KEYWORD_MAX]
    dates = submitted_range(params, errors)
    round_text = query_last(params, "round")
    round_id = _whole(round_text) if round_text else None
    if round_text and round_id is None:
        errors["round"] = _("Review round: choose a round from the list.")
    assigned_text = query_last(params, "assigned")
    assigned: bool | None = None
    if assigned_text in ("1", "0"):
        assigned = assigned_text == "1"
    elif assigned_text:
        errors["assigned"] = _("Reviewers: choose assigned, unassigned, or any.")
    page_text = query_last(params, "page")
    page = 1
    if page_text:
        if page_text.isascii() and page_text.isdecimal() and len(page_text) < 30:
            page = clamp_page(int(page_text))
        else:
            errors["page"] = _("Page: give a page number.")
    filters = QueueFilters(
        programs=tuple(programs), statuses=tuple(s for s in statuses if s in QUEUE_STATUSES), q=q,
        submitted_from=dates["submitted_from"], submitted_to=dates["submitted_to"], round=round_id, assigned=assigned,
    )
    return QueueParsed(filters, page, errors)


def query_string(filters: QueueFilters, **extra: Any) -> str:
    """The shareable query string of ``filters`` (plus ``extra``), without ``?``."""
    return urlencode({**filters.params(), **{k: v for k, v in extra.items() if v not in (None, "")}}, doseq=True)


def _active_in_open_runs() -> Any:
    open_runs = ReviewRoundRun.select(ReviewRoundRun.id).where(ReviewRoundRun.status == "open")
    return ReviewAssignment.select(ReviewAssignment.application).where(
        (ReviewAssignment.status != "withdrawn") & ReviewAssignment.round_run.is_in(open_runs)
    )


async def _conditions(filters: QueueFilters, zone: ZoneInfo) -> list[Any] | None:
    """The WHERE conditions of ``filters``; None when nothing can match (an unknown round)."""
    conditions: list[Any] = [Application.status.is_in(list(filters.statuses or QUEUE_STATUSES))]
    if filters.programs:
        conditions.append(Application.program.is_in(list(filters.programs)))
    if filters.q:
        names = StartupProfile.select(StartupProfile.id).where(
            any_of([contains('"startup_profile"."name_ko"', filters.q), contains('"startup_profile"."name_en"', filters.q)])
        )
        conditions.append(Application.profile.is_in(names))
    if filters.submitted_from:
        conditions.append(Application.submitted_at >= local_midnight(filters.submitted_from, zone))
    if filters.submitted_to:
        conditions.append(Application.submitted_at < local_midnight(filters.submitted_to + timedelta(days=1), zone))
    if filters.round:
        run = await ReviewRoundRun.select(ReviewRoundRun.participants).where(ReviewRoundRun.id == filters.round).first().run()
        participants = _json_list(run["participants"]) if run else []
        if not participants:
            return None
        conditions.append(Application.id.is_in([int(a) for a in participants]))
    if filters.assigned is True:
        conditions.append(Application.id.is_in(_active_in_open_runs()))
    elif filters.assigned is False:
        conditions.append(Application.id.not_in(_active_in_open_runs()))
    return conditions


def _json_list(value: Any) -> list[Any]:
    import json

    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value) if value else []
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


class QueueListing:
    """The read-only queries of the screening queues (callers check :func:`may_use_queues`)."""

    async def page(self, filters: QueueFilters, zone: ZoneInfo, *, page: int = 1, page_size: int = PAGE_SIZE) -> Page[dict[str, Any]]:
        """One page of matching applications, oldest submission first (first come, first
        screened), each with ``startup_name_ko/en``, ``program_title_ko/en`` and ``reviewers``
        (active assignments in open round runs)."""
        conditions = await _conditions(filters, zone)
        if conditions is None:
            return Page(items=[], number=1, size=page_size, total=0)
        total = await Application.count().where(*conditions).run()
        limit, offset = page_bounds(page, page_size)
        rows = await Application.select(
            Application.id, Application.program, Application.status, Application.submitted_at, Application.profile,
            Application.profile.name_ko.as_alias("startup_name_ko"), Application.profile.name_en.as_alias("startup_name_en"),
            Application.program.title_ko.as_alias("program_title_ko"), Application.program.title_en.as_alias("program_title_en"),
        ).where(*conditions).order_by(Application.submitted_at).order_by(Application.id).limit(limit).offset(offset).run()
        counts: dict[int, int] = {}
        if rows:
            open_runs = ReviewRoundRun.select(ReviewRoundRun.id).where(ReviewRoundRun.status == "open")
            for a in await ReviewAssignment.select(ReviewAssignment.application).where(
                ReviewAssignment.application.is_in([r["id"] for r in rows]) & (ReviewAssignment.status != "withdrawn")
                & ReviewAssignment.round_run.is_in(open_runs)
            ).run():
                counts[a["application"]] = counts.get(a["application"], 0) + 1
        for row in rows:
            row["reviewers"] = counts.get(row["id"], 0)
        return Page(items=rows, number=clamp_page(page), size=page_size, total=total)

    async def programs(self) -> list[dict[str, Any]]:
        """Programs to filter by (not drafts), newest first: {id, title_ko, title_en}."""
        return await Program.select(Program.id, Program.title_ko, Program.title_en).where(Program.status != "draft").order_by(
            Program.id, ascending=False).run()

    async def rounds(self) -> list[dict[str, Any]]:
        """Every review round run with ``name`` and its program's titles, newest first."""
        runs = await ReviewRoundRun.select(
            ReviewRoundRun.id, ReviewRoundRun.program, ReviewRoundRun.round_order, ReviewRoundRun.status,
        ).order_by(ReviewRoundRun.id, ascending=False).run()
        programs: dict[int, dict[str, Any]] = {}
        for run in runs:
            if run["program"] not in programs:
                programs[run["program"]] = await Program.select().where(Program.id == run["program"]).first().run() or {}
            program = programs[run["program"]]
            definition = next((r for r in rounds_of(_program_rounds(program)) if r["order"] == run["round_order"]), {"order": run["round_order"]})
            run["name"] = round_name(definition)
            run["program_title_ko"], run["program_title_en"] = program.get("title_ko", ""), program.get("title_en", "")
        return runs

    async def reviewers(self) -> list[dict[str, Any]]:
        """Accepted panel members of every open round run: {run, run_name, program_title_ko/en,
        user, name, email, external, affiliation} (the choices of a bulk assignment)."""
        open_runs = {r["id"]: r for r in await self.rounds() if r["status"] == "open"}
        if not open_runs:
            return []
        members = await PanelMember.select().where(
            PanelMember.round_run.is_in(list(open_runs)) & PanelMember.removed_at.is_null() & PanelMember.accepted_at.is_not_null()
            & PanelMember.user.is_not_null()
        ).order_by(PanelMember.round_run).order_by(PanelMember.id).run()
        return [{"run": m["round_run"], "run_name": open_runs[m["round_run"]]["name"],
                 "program_title_ko": open_runs[m["round_run"]]["program_title_ko"],
                 "program_title_en": open_runs[m["round_run"]]["program_title_en"],
                 "user": m["user"], "name": m["name"], "email": m["email"], "external": m["external"], "affiliation": m["affiliation"]}
                for m in members]


async def names_of(application_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """application id → {name_ko, name_en} of its startup (ids that do not exist are left out)."""
    if not application_ids:
        return {}
    rows = await Application.select(
        Application.id, Application.profile.name_ko.as_alias("name_ko"), Application.profile.name_en.as_alias("name_en"),
    ).where(Application.id.is_in(list(application_ids))).run()
    return {row["id"]: row for row in rows}


def _program_rounds(program: Mapping[str, Any]) -> dict[str, Any]:
    rounds = program.get("review_rounds")
    return {"review_rounds": _json_list(rounds) if not isinstance(rounds, list) else rounds}


# -- bulk actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowResult:
    """The outcome of a bulk action on one application: ``ok`` and the ``message`` (what was
    done, or the refusal the single action would have given)."""

    application_id: int
    ok: bool
    message: str


@dataclass
class BulkReport:
    """Every row's :class:`RowResult`, in the order asked."""

    rows: list[RowResult] = field(default_factory=list)

    @property
    def done(self) -> list[int]:
        return [r.application_id for r in self.rows if r.ok]

    @property
    def failed(self) -> list[int]:
        return [r.application_id for r in self.rows if not r.ok]


def error_text(error: AppError) -> str:
    """A refusal as one sentence (each field's message for a FormInvalid)."""
    if isinstance(error, FormInvalid):
        return " ".join(error.errors.values()) or error.message
    return error.message


def selected_ids(values: Sequence[Any]) -> list[int]:
    """Application ids from form values or a JSON list (duplicates once, in order); FormInvalid
    ``ids`` when none, one is not an id, or more than :data:`BULK_MAX`."""
    ids: list[int] = []
    for value in values:
        number = value if isinstance(value, int) and not isinstance(value, bool) else (_whole(value.strip()) if isinstance(value, str) else None)
        if number is None or not 1 <= number <= MAX_OBJECT_ID:
            raise FormInvalid({"ids": _("Applications: “%(value)s” is not an application id.", value=str(value)[:40])})
        ids.append(number)
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise FormInvalid({"ids": _("Applications: select at least one application.")})
    if len(ids) > BULK_MAX:
        raise FormInvalid({"ids": _("Applications: at most %(limit)s at once.", limit=BULK_MAX)})
    return ids


async def _each(ids: Sequence[int], action: Callable[[int], Awaitable[str]]) -> BulkReport:
    report = BulkReport()
    for application_id in ids:
        try:
            report.rows.append(RowResult(application_id, True, await action(application_id)))
        except AppError as error:
            report.rows.append(RowResult(application_id, False, error_text(error)))
    return report


def bulk_move_targets(role: str) -> list[str]:
    """Statuses a bulk "move status" offers ``role``: every transition the workflow allows it
    out of a queue status, except decisions (made with a determination) and the reopening of a
    decision (made by answering an objection)."""
    targets: list[str] = []
    for key in QUEUE_STATUSES:
        if key in workflow.DECISIONS:
            continue
        for target in workflow.allowed_targets(key, role):
            if target not in workflow.DECISIONS and target not in targets:
                targets.append(target)
    return [key for key in workflow.WORKFLOW if key in targets]


async def move_each(
    applications: ApplicationService, ids: Sequence[int], viewer: Viewer, to: str, *, reason: str = "",
    fields: list[str] | None = None, ip: str = "",
) -> BulkReport:
    """:meth:`ApplicationService.transition` to ``to`` for each application, as the single
    action does. Decisions are refused on every row (they are made with a determination)."""
    label = workflow.staff_label(to)

    async def one(application_id: int) -> str:
        if to in workflow.DECISIONS:
            raise FormInvalid({"to": _("“%(status)s” is a decision: use “Determine” so that the applicant gets its message and feedback.", status=label)})
        await applications.transition(application_id, viewer, to, reason=reason, fields=list(fields or []), ip=ip)
        return _("Now “%(status)s”.", status=label)

    return await _each(ids, one)


async def assign_each(
    reviews: ReviewService, ids: Sequence[int], viewer: Viewer, *, run_id: int, reviewer_id: int, reason: str = "", ip: str = "",
) -> BulkReport:
    """:meth:`ReviewService.assign` of reviewer ``reviewer_id`` in run ``run_id`` to each application."""

    async def one(application_id: int) -> str:
        await reviews.assign(run_id, application_id, reviewer_id, viewer, reason=reason, ip=ip)
        return _("Reviewer assigned.")

    return await _each(ids, one)


async def determine_each(
    decisions: DecisionService, ids: Sequence[int], viewer: Viewer, outcome: str, *, conditions: str = "", feedback: str = "",
    ip: str = "",
) -> tuple[BulkReport, BulkOutcome]:
    """:meth:`DecisionService.determine_bulk` as a :class:`BulkReport` (and the outcome itself)."""
    outcome_of = await decisions.determine_bulk(ids, viewer, outcome, conditions=conditions, feedback=feedback, ip=ip)
    report = BulkReport()
    for application_id in dict.fromkeys(ids):
        if application_id in outcome_of.done:
            report.rows.append(RowResult(application_id, True, _("Decided: “%(status)s”.", status=workflow.staff_label(outcome))))
        else:
            report.rows.append(RowResult(application_id, False, outcome_of.failed.get(application_id, "")))
    return report, outcome_of


__all__ = [
    "BULK_ACTIONS", "BULK_MAX", "BulkReport", "PAGE_SIZE", "QUEUE_STATUSES", "QueueFilters", "QueueListing", "QueueParsed",
    "RowResult", "assign_each", "bulk_move_targets", "determine_each", "error_text", "may_use_queues", "move_each",
    "names_of", "parse_queue_filters", "query_string", "selected_ids",
]
