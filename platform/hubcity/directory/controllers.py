"""Directory pages: ``/directory/startups`` and ``/directory/needs``.

One handler per page serves the full page, its fragment for HTMX navigation, and, when the
keyword box or a filter asks with ``HX-Target: directory-results``, only the results (count,
list, pages) while the person types.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from hubcity.core.templating import get_viewer
from hubcity.corporates.filters import query_dict
from hubcity.corporates.web import hx_target, partial, render
from hubcity.directory.labels import STARTUP_STATUS_LABELS
from hubcity.directory.services import NEED_FILTER_KINDS, STARTUP_FILTER_KINDS, DirectoryService

RESULTS_TARGET = "directory-results"
Directory = NamedDependency[DirectoryService]


class DirectoryController(Controller):
    include_in_schema = False
    path = "/directory"

    @get("/", name="directory:index")
    async def index(self) -> Redirect:
        """The directory starts with startups."""
        return Redirect("/directory/startups", status_code=303)

    async def _page(
        self, request: Request, template: str, results_template: str, context: dict[str, Any]
    ) -> Template:
        context = {**context, "raw": query_dict(request.query_params), "startup_status_labels": STARTUP_STATUS_LABELS}
        if hx_target(request) == RESULTS_TARGET:
            return partial(request, results_template, {**context, "results_only": True})
        return render(request, template, {**context, "results_only": False})

    @get("/startups", name="directory:startups")
    async def startups(self, request: Request, directory_service: Directory) -> Template:
        """Startups with filters (GET parameters, see :mod:`hubcity.corporates.filters`)."""
        found = await directory_service.startups(get_viewer(request), query_dict(request.query_params))
        context = {
            "found": found,
            "filters": found.filters,
            "filter_errors": found.errors,
            "facet_counts": found.facets,
            "options": await directory_service.filter_options(STARTUP_FILTER_KINDS),
            "labels": await directory_service.labels(),
            "base_path": "/directory/startups",
            "section": "startups",
        }
        return await self._page(request, "directory/startups.html.j2", "directory/_startup_results.html.j2", context)

    @get("/needs", name="directory:needs")
    async def needs(self, request: Request, directory_service: Directory) -> Template:
        """The partner needs the viewer may see, with filters (``engagement`` too)."""
        found = await directory_service.needs(get_viewer(request), query_dict(request.query_params))
        context = {
            "found": found,
            "filters": found.filters,
            "filter_errors": found.errors,
            "facet_counts": found.facets,
            "options": await directory_service.filter_options(NEED_FILTER_KINDS),
            "labels": await directory_service.labels(),
            "base_path": "/directory/needs",
            "section": "needs",
        }
        return await self._page(request, "directory/needs.html.j2", "directory/_need_results.html.j2", context)


PAGE_CONTROLLERS = [DirectoryController]
