"""Staff lists of a program's applications: filters read from GET parameters, the queries behind
the paged list and the exports, and the shareable query string of a filtered list.

The filters (all optional, all GET parameters so that a list's URL can be shared):

- ``status``: an application status key (repeatable: any of them);
- ``q``: part of the startup's Korean or English name (case-insensitive; ``%`` and ``_`` literal);
- ``sector``, ``stage``: taxonomy slugs of the startup's profile (repeatable: any of them);
- ``submitted_from``, ``submitted_to``: dates ``YYYY-MM-DD`` read in the program's zone, both
  inclusive (``submitted_to`` covers that whole local day);
- ``extension``: ``1`` only applications with a deadline extension, ``0`` only those without;
- ``sort``: one of :data:`SORTS` (default ``-submitted``: newest submission first, drafts last);
- ``page``: 1-based page of the HTML list (exports ignore it and take every matching row).

A value that cannot be used is left out of the filters and reported in
:attr:`ParsedFilters.errors` (parameter → translated message), never a 500 or an empty list.
Only program managers and admins read these lists (see :func:`may_read_lists`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from piccolo.query import OrderByRaw

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.pagination import Page, clamp_page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.corporates.textsearch import any_of, contains
from hubcity.db.tables import Application, ApplicationFile, ProgramFormVersion, StartupProfile, StartupTag
from hubcity.programs import workflow
from hubcity.programs.repositories import load_json

PAGE_SIZE = 25
_JSON_COLUMNS = {"answers": dict, "snapshot": dict, "reopened_fields": list}
KEYWORD_MAX = 200
MAX_VALUES = 30
#: sort key → translatable label (message ids). ``-`` means descending.
SORTS: dict[str, str] = {
    "-submitted": N_("Newest submission first"),
    "submitted": N_("Oldest submission first"),
    "name": N_("Startup name, A to Z"),
    "-name": N_("Startup name, Z to A"),
    "-saved": N_("Last saved first"),
    "status": N_("Status (workflow order)"),
}
DEFAULT_SORT = "-submitted"
#: The GET parameters of a list (in the order of a shared URL).
PARAMS: tuple[str, ...] = ("status", "q", "sector", "stage", "submitted_from", "submitted_to", "extension", "sort")
LIST_PARAMS: frozenset[str] = frozenset({"status", "sector", "stage"})


def may_read_lists(viewer: Viewer | None) -> bool:
    """Who reads and exports applications lists: program managers and admins (who run the
    programs, and whom :class:`~hubcity.programs.repositories.ApplicationScope` lets read every
    application). Finance and reviewers do not: finance works on awards (the next issue), and a
    reviewer sees only the applications assigned to them, never a whole call."""
    return bool(viewer and viewer.has_role("program_manager"))


@dataclass(frozen=True)
class ApplicationFilters:
    """Filters of a staff list (see the module docstring). Empty tuples / None: not filtered."""

    statuses: tuple[str, ...] = ()
    q: str = ""
    sectors: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    submitted_from: date | None = None
    submitted_to: date | None = None
    extension: bool | None = None
    sort: str = DEFAULT_SORT

    def params(self) -> dict[str, Any]:
        """The filters as GET parameters (lists for repeatable ones), without empty values and
        without the default sort: what :func:`query_string` encodes."""
        values: dict[str, Any] = {
            "status": list(self.statuses),
            "q": self.q,
            "sector": list(self.sectors),
            "stage": list(self.stages),
            "submitted_from": self.submitted_from.isoformat() if self.submitted_from else "",
            "submitted_to": self.submitted_to.isoformat() if self.submitted_to else "",
            "extension": "" if self.extension is None else ("1" if self.extension else "0"),
            "sort": "" if self.sort == DEFAULT_SORT else self.sort,
        }
        return {key: value for key, value in values.items() if value not in ("", [])}

    @property
    def active(self) -> bool:
        """True when any filter (not the sort) narrows the list."""
        return bool(set(self.params()) - {"sort"})


@dataclass(frozen=True)
class ParsedFilters:
    """:class:`ApplicationFilters` read from GET parameters, the requested ``page`` (1-based,
    clamped) and ``errors``: parameter → translated message for each value left out."""

    filters: ApplicationFilters
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)


def query_values(params: Mapping[str, Sequence[str]], key: str) -> list[str]:
    """Every non-blank value of query parameter ``key`` (one string or a list), stripped, in order."""
    raw = params.get(key) or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(v).strip() for v in raw if str(v).strip()]


def query_last(params: Mapping[str, Sequence[str]], key: str) -> str:
    """The last non-blank value of query parameter ``key``, stripped; "" when there is none."""
    values = query_values(params, key)
    return values[-1] if values else ""


def _date(text: str) -> date | None:
    if len(text) != 10:
        raise ValueError(text)
    day = date.fromisoformat(text)
    # 0001-01-01 and 9999-12-31 overflow when their local midnight (or the next day's) is taken to UTC
    if not date.min + timedelta(days=1) < day < date.max - timedelta(days=1):
        raise ValueError(text)
    return day


def parse_filters(params: Mapping[str, Sequence[str]], *, sectors: set[str], stages: set[str]) -> ParsedFilters:
    """Read the filters of a list from GET parameters (name → list of values, as
    :func:`hubcity.corporates.filters.query_dict` gives them). ``sectors``/``stages``: the known
    taxonomy slugs. Unknown values are dropped and named in the errors."""
    errors: dict[str, str] = {}
    statuses = list(dict.fromkeys(query_values(params, "status")))[:MAX_VALUES]
    unknown = [s for s in statuses if s not in workflow.WORKFLOW]
    if unknown:
        errors["status"] = _("Status: “%(value)s” is not an application status.", value=unknown[0][:40])
    q = query_last(params, "q")
    if len(q) > KEYWORD_MAX:
        errors["q"] = _("Startup name: at most %(limit)s characters.", limit=KEYWORD_MAX)
        q = q[:KEYWORD_MAX]
    chosen: dict[str, list[str]] = {}
    for key, known, label in (("sector", sectors, N_("Sector")), ("stage", stages, N_("Stage"))):
        values = list(dict.fromkeys(query_values(params, key)))[:MAX_VALUES]
        wrong = [v for v in values if v not in known]
        if wrong:
            errors[key] = _("%(filter)s: “%(value)s” is not one of the choices.", filter=_(label), value=wrong[0][:40])
        chosen[key] = [v for v in values if v in known]
    dates = submitted_range(params, errors)
    extension_text = query_last(params, "extension")
    extension: bool | None = None
    if extension_text in ("1", "0"):
        extension = extension_text == "1"
    elif extension_text:
        errors["extension"] = _("Extension: choose with, without, or any.")
    sort = query_last(params, "sort") or DEFAULT_SORT
    if sort not in SORTS:
        errors["sort"] = _("Sort: “%(value)s” is not a way to sort this list.", value=sort[:40])
        sort = DEFAULT_SORT
    page_text = query_last(params, "page")
    try:
        page = clamp_page(int(page_text)) if page_text else 1
    except ValueError:
        errors["page"] = _("Page: give a page number.")
        page = 1
    filters = ApplicationFilters(
        statuses=tuple(s for s in statuses if s in workflow.WORKFLOW),
        q=q,
        sectors=tuple(chosen["sector"]),
        stages=tuple(chosen["stage"]),
        submitted_from=dates["submitted_from"],
        submitted_to=dates["submitted_to"],
        extension=extension,
        sort=sort,
    )
    return ParsedFilters(filters, page, errors)


def query_string(filters: ApplicationFilters, **extra: Any) -> str:
    """The shareable query string of ``filters`` (plus ``extra`` parameters such as ``page``),
    without a leading ``?``; empty when nothing is filtered."""
    params = {**filters.params(), **{k: v for k, v in extra.items() if v not in (None, "")}}
    return urlencode(params, doseq=True)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant (aware, UTC) at which ``day`` begins in ``zone``."""
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def _conditions(program_id: int, filters: ApplicationFilters, zone: ZoneInfo) -> list[Any]:
    conditions: list[Any] = [Application.program == program_id]
    if filters.statuses:
        conditions.append(Application.status.is_in(list(filters.statuses)))
    if filters.q:
        names = StartupProfile.select(StartupProfile.id).where(
            any_of([contains('"startup_profile"."name_ko"', filters.q), contains('"startup_profile"."name_en"', filters.q)])
        )
        conditions.append(Application.profile.is_in(names))
    if filters.stages:
        conditions.append(Application.profile.is_in(StartupProfile.select(StartupProfile.id).where(StartupProfile.stage.is_in(list(filters.stages)))))
    if filters.sectors:
        tagged = StartupTag.select(StartupTag.profile).where((StartupTag.kind == "sector") & StartupTag.slug.is_in(list(filters.sectors)))
        conditions.append(Application.profile.is_in(tagged))
    if filters.submitted_from:
        conditions.append(Application.submitted_at >= local_midnight(filters.submitted_from, zone))
    if filters.submitted_to:
        conditions.append(Application.submitted_at < local_midnight(filters.submitted_to + timedelta(days=1), zone))
    if filters.extension is True:
        conditions.append(Application.deadline_extended_to.is_not_null())
    elif filters.extension is False:
        conditions.append(Application.deadline_extended_to.is_null())
    return conditions


def _ordered(query: Any, sort: str, locale: str) -> Any:
    first, second = ("name_ko", "name_en") if locale == "ko" else ("name_en", "name_ko")
    name_sql = f'lower(coalesce(nullif("application$profile"."{first}", \'\'), "application$profile"."{second}"))'
    if sort in ("-submitted", "submitted"):
        query = query.order_by(OrderByRaw('"application"."submitted_at" IS NULL'))
        query = query.order_by(Application.submitted_at, ascending=sort == "submitted")
    elif sort in ("name", "-name"):
        query = query.order_by(OrderByRaw(name_sql), ascending=sort == "name")
    elif sort == "-saved":
        query = query.order_by(OrderByRaw('"application"."saved_at" IS NULL'))
        query = query.order_by(Application.saved_at, ascending=False)
    elif sort == "status":
        cases = " ".join(f"WHEN '{key}' THEN {i}" for i, key in enumerate(workflow.WORKFLOW))
        query = query.order_by(OrderByRaw(f'CASE "application"."status" {cases} ELSE 99 END'))
    return query.order_by(Application.id, ascending=False)


def _select() -> Any:
    return Application.select(
        Application.all_columns(),
        Application.profile.name_ko.as_alias("startup_name_ko"),
        Application.profile.name_en.as_alias("startup_name_en"),
        Application.profile.stage.as_alias("startup_stage"),
    )


def submitted_range(params: Mapping[str, Any], errors: dict[str, str]) -> dict[str, date | None]:
    """``submitted_from`` / ``submitted_to`` of GET ``params`` as days (None when absent or bad);
    a bad value, or a range that ends before it starts, gets a message in ``errors``."""
    dates: dict[str, date | None] = {}
    for key, label in (("submitted_from", N_("Submitted from")), ("submitted_to", N_("Submitted until"))):
        text = query_last(params, key)
        try:
            dates[key] = _date(text) if text else None
        except ValueError:
            dates[key] = None
            errors[key] = _("%(filter)s: give a date such as 2026-03-01.", filter=_(label))
    if dates["submitted_from"] and dates["submitted_to"] and dates["submitted_from"] > dates["submitted_to"]:
        errors["submitted_to"] = _("Submitted until: the date is before the “from” date.")
        dates["submitted_to"] = None
    return dates


class ApplicationListing:
    """The read-only queries of the staff lists and exports of one program's applications.

    Rows are application dicts (JSON columns loaded) with ``startup_name_ko``,
    ``startup_name_en``, ``startup_stage`` and ``sectors`` (list of slugs) added. Callers check
    :func:`may_read_lists` first: these queries are not scoped to a viewer.
    """

    async def page(
        self, program_id: int, filters: ApplicationFilters, zone: ZoneInfo, *, page: int = 1, page_size: int = PAGE_SIZE, locale: str = "en"
    ) -> Page[dict[str, Any]]:
        """One page (1-based, clamped) of the applications matching ``filters`` in ``sort`` order."""
        conditions = _conditions(program_id, filters, zone)
        total = await Application.count().where(*conditions).run()
        limit, offset = page_bounds(page, page_size)
        query = _ordered(_select().where(*conditions), filters.sort, locale).limit(limit).offset(offset)
        rows = await self._finish(await query.run())
        return Page(items=rows, number=clamp_page(page), size=page_size, total=total)

    async def all(self, program_id: int, filters: ApplicationFilters, zone: ZoneInfo, *, locale: str = "en") -> list[dict[str, Any]]:
        """Every application matching ``filters``, in ``sort`` order (for exports)."""
        query = _ordered(_select().where(*_conditions(program_id, filters, zone)), filters.sort, locale)
        return await self._finish(await query.run())

    async def status_counts(self, program_id: int) -> dict[str, int]:
        """status key → how many applications of the program are in it (only statuses with any)."""
        rows = await Application.select(Application.status).where(Application.program == program_id).run()
        counts: dict[str, int] = {}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
        return counts

    async def form_versions(self, program_id: int) -> list[dict[str, Any]]:
        """Every form version of the program ({id, version, fields}), newest first."""
        rows = (
            await ProgramFormVersion.select(ProgramFormVersion.id, ProgramFormVersion.version, ProgramFormVersion.fields)
            .where(ProgramFormVersion.program == program_id)
            .order_by(ProgramFormVersion.version, ascending=False)
            .run()
        )
        for row in rows:
            row["fields"] = load_json(row["fields"], [])
        return rows

    async def file_names(self, application_ids: Sequence[int]) -> dict[int, str]:
        """ApplicationFile id → the name it was uploaded with, for files of ``application_ids``."""
        if not application_ids:
            return {}
        rows = await ApplicationFile.select(ApplicationFile.id, ApplicationFile.original_name).where(
            ApplicationFile.application.is_in(list(application_ids))
        ).run()
        return {row["id"]: row["original_name"] for row in rows}

    async def _finish(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        profile_ids = list({row["profile"] for row in rows})
        sectors: dict[int, list[str]] = {pid: [] for pid in profile_ids}
        if profile_ids:
            tags = await StartupTag.select(StartupTag.profile, StartupTag.slug).where(
                (StartupTag.kind == "sector") & StartupTag.profile.is_in(profile_ids)
            ).order_by(StartupTag.id).run()
            for tag in tags:
                sectors[tag["profile"]].append(tag["slug"])
        result = []
        for row in rows:
            for column, kind in _JSON_COLUMNS.items():
                if column in row:
                    row[column] = load_json(row[column], kind())
            row["sectors"] = sectors.get(row["profile"], [])
            result.append(row)
        return result


