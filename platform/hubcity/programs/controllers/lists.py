"""Staff lists of applications per program, with filters, shareable URLs and CSV/XLSX exports.

``/staff/programs/{id}/applications``: the filters (see :mod:`hubcity.programs.listing`) are GET
parameters, so the address of a filtered list can be shared; the results are paged, and the
filter form updates them with HTMX (``HX-Target: application-results`` gets the results alone,
and the address bar follows). ``…/applications/export.csv`` and ``…/export.xlsx`` take the same
parameters and give every matching row (not just a page).

Program managers and admins only (``requires_role("program_manager")``; admin holds every
role): anonymous visitors are sent to the login page, other roles and startups get 403, an
unknown program 404.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.response import Template

from hubcity.config.settings import Settings
from hubcity.core.guards import requires_login, requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.params import ObjectId
from hubcity.core.timefmt import format_instant
from hubcity.corporates.filters import query_dict
from hubcity.corporates.web import hx_target, partial, render
from hubcity.programs import deadlines, exports, listing, workflow
from hubcity.programs.listing import SORTS, ApplicationListing, ParsedFilters, parse_filters, query_string
from hubcity.programs.services import ProgramService
from hubcity.startups import taxonomy

Programs = NamedDependency[ProgramService]
RESULTS_TARGET = "application-results"


async def _options() -> dict[str, list[tuple[str, str]]]:
    locale = current_locale()
    return {
        kind: [(term["slug"], taxonomy.label_of(term, locale)) for term in await taxonomy.terms(kind)]
        for kind in ("sector", "stage")
    }


async def _filters(request: Request, options: dict[str, list[tuple[str, str]]]) -> ParsedFilters:
    return parse_filters(
        query_dict(request.query_params),
        sectors={slug for slug, _label in options["sector"]},
        stages={slug for slug, _label in options["stage"]},
    )


def _file_name(program: dict[str, Any], extension: str) -> str:
    family = re.sub(r"[^a-z0-9-]", "", str(program.get("family") or "program"))[:40] or "program"
    return f"{family}-{program['id']}-applications-{date.today().isoformat()}.{extension}"


class ApplicationListController(Controller):
    include_in_schema = False
    path = "/staff/programs/{program_id:int}/applications"
    guards = [requires_login, requires_role("program_manager")]

    @get("/", name="programs:staff_applications")
    async def index(self, request: Request, program_id: ObjectId, program_service: Programs) -> Template:
        """The program's applications matching the GET filters, one page, with links to export
        the same filtered list. HTMX requests aimed at the results get the results alone."""
        program = await program_service.get(program_id, viewer_of(request))
        zone = deadlines.zone_named(program["time_zone"], program_service.zone)
        options = await _options()
        parsed = await _filters(request, options)
        lists = ApplicationListing()
        results = await lists.page(program_id, parsed.filters, zone, page=parsed.page, page_size=listing.PAGE_SIZE, locale=current_locale())
        base = f"/staff/programs/{program_id}/applications"
        query = query_string(parsed.filters)
        suffix = f"?{query}" if query else ""

        def page_url(number: int) -> str:
            return f"{base}?{query_string(parsed.filters, page=number if number > 1 else None)}".rstrip("?")

        context = {
            "program": program,
            "zone": zone,
            "results": results,
            "filters": parsed.filters,
            "filter_errors": parsed.errors,
            "options": options,
            "sorts": SORTS,
            "statuses": list(workflow.WORKFLOW.values()),
            "staff_label": workflow.staff_label,
            "counts": await lists.status_counts(program_id),
            "base_path": base,
            "share_url": base + suffix,
            "csv_url": f"{base}/export.csv{suffix}",
            "xlsx_url": f"{base}/export.xlsx{suffix}",
            "page_url": page_url,
            "sector_labels": dict(options["sector"]),
            "stage_labels": dict(options["stage"]),
            "iso_in_zone": exports.iso_in_zone,
            "in_zone": lambda value: format_instant(value, zone, current_locale()),
        }
        if hx_target(request) == RESULTS_TARGET:
            return partial(request, "programs/lists/_results.html.j2", context)
        return render(request, "programs/lists/applications.html.j2", context)

    async def _table(self, request: Request, program_id: int, program_service: ProgramService, settings: Settings) -> tuple[dict[str, Any], exports.Table]:
        program = await program_service.get(program_id, viewer_of(request))
        zone = deadlines.zone_named(program["time_zone"], program_service.zone)
        parsed = await _filters(request, await _options())
        lists = ApplicationListing()
        locale = current_locale()
        rows = await lists.all(program_id, parsed.filters, zone, locale=locale)
        table = exports.build_table(
            rows,
            form_versions=await lists.form_versions(program_id),
            file_names=await lists.file_names([row["id"] for row in rows]),
            zone=zone,
            public_url=settings.public_url,
            locale=locale,
        )
        return program, table

    @get("/export.csv", name="programs:staff_applications_csv")
    async def export_csv(self, request: Request, program_id: ObjectId, program_service: Programs, settings: NamedDependency[Settings]) -> Response[bytes]:
        """Every application matching the GET filters as CSV (UTF-8 with BOM; see :mod:`hubcity.programs.exports`)."""
        program, table = await self._table(request, program_id, program_service, settings)
        return _download(exports.to_csv(table), exports.CSV_TYPE, _file_name(program, "csv"))

    @get("/export.xlsx", name="programs:staff_applications_xlsx")
    async def export_xlsx(self, request: Request, program_id: ObjectId, program_service: Programs, settings: NamedDependency[Settings]) -> Response[bytes]:
        """Every application matching the GET filters as an XLSX workbook."""
        program, table = await self._table(request, program_id, program_service, settings)
        title = program.get("title_ko") if current_locale() == "ko" else program.get("title_en")
        data = exports.to_xlsx(table, title=str(title or program.get("title_en") or program.get("title_ko") or ""))
        return _download(data, exports.XLSX_TYPE, _file_name(program, "xlsx"))


def _download(data: bytes, media_type: str, filename: str) -> Response[bytes]:
    return Response(
        content=data,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


CONTROLLERS: list[Any] = [ApplicationListController]
