"""``GET /api/v1/startups``: the directory's startup search as JSON (same filters as the page)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from hubcity.accounts.openapi import errors
from hubcity.core.templating import get_viewer
from hubcity.corporates.filters import query_dict
from hubcity.directory.schemas import StartupCardOut, StartupListOut
from hubcity.directory.services import DirectoryService, StartupCard, StartupSearch

Directory = NamedDependency[DirectoryService]
Slugs = list[str] | None
# Documented for the OpenAPI document; the handler reads the query string itself so that a
# value it cannot use is reported in ``filter_errors`` instead of failing the request.
Keyword = Annotated[str | None, QueryParameter(name="q", description="Part of a name, one-liner, description or tag, in Korean or English.")]
SectorParam = Annotated[Slugs, QueryParameter(name="sector", description="Sector slug (repeatable; any of them).")]
TechnologyParam = Annotated[Slugs, QueryParameter(name="technology", description="AI technology slug (repeatable).")]
StageParam = Annotated[Slugs, QueryParameter(name="stage", description="Stage slug (repeatable).")]
LocationParam = Annotated[str | None, QueryParameter(name="location", description="Part of the location, or a country slug or name.")]
TeamMinParam = Annotated[str | None, QueryParameter(name="team_min", description="Smallest team size (whole number ≥ 1).")]
TeamMaxParam = Annotated[str | None, QueryParameter(name="team_max", description="Largest team size (whole number ≥ 1).")]
FoundedParam = Annotated[str | None, QueryParameter(name="founded_after", description="YYYY-MM-DD: founded on or after.")]
VerifiedParam = Annotated[str | None, QueryParameter(name="verified", description="1: only startups verified by the agency.")]
StatusParam = Annotated[str | None, QueryParameter(name="status", description="all: inactive, acquired and opted-out startups too.")]
PageParam = Annotated[str | None, QueryParameter(name="page", description="Page number (20 startups per page).")]


def card_out(card: StartupCard) -> StartupCardOut:
    return StartupCardOut(**{name: getattr(card, name) for name in StartupCardOut.model_fields})


def startup_list_out(found: StartupSearch) -> StartupListOut:
    results = found.results
    return StartupListOut(
        items=[card_out(card) for card in results.items],
        total=results.total,
        page=results.number,
        pages=results.pages,
        page_size=results.size,
        filter_errors=found.errors,
        facets=found.facets,
        degraded=found.degraded,
    )


class StartupDirectoryApiController(Controller):
    path = "/api/v1/startups"
    tags = ["directory"]

    @get("/", responses=errors(400))
    async def search(
        self,
        request: Request,
        directory_service: Directory,
        q: Keyword = None,
        sector: SectorParam = None,
        technology: TechnologyParam = None,
        stage: StageParam = None,
        location: LocationParam = None,
        team_min: TeamMinParam = None,
        team_max: TeamMaxParam = None,
        founded_after: FoundedParam = None,
        verified: VerifiedParam = None,
        status: StatusParam = None,
        page: PageParam = None,
    ) -> StartupListOut:
        """Search the startup directory (active startups unless ``status=all``), most recently
        updated first. Filter values that cannot be used are ignored and named in ``filter_errors``."""
        return startup_list_out(await directory_service.startups(get_viewer(request), query_dict(request.query_params)))


API_CONTROLLERS = [StartupDirectoryApiController]
