"""``/api/v1/partner-needs``: the same services as the pages, as JSON.

Reading follows the same visibility as the pages (session-cookie auth; anonymous callers see
public and anonymised needs). Writing needs a logged-in member of the corporation and the CSRF
header ``x-csrftoken``. Errors come back as ``{"error", "detail", "fields"}``.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from hubcity.accounts.openapi import errors, json_body
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.params import ObjectId
from hubcity.core.templating import get_viewer
from hubcity.corporates.filters import query_dict
from hubcity.corporates.schemas import CorporationOut, NeedApiCreateInput, NeedInput, NeedListOut, NeedOut
from hubcity.corporates.services import NeedSearch, NeedSearchFunction, NeedView, PartnerNeedService
from hubcity.corporates.web import client_ip

API_PREFIX = "/api/v1"
NeedService = NamedDependency[PartnerNeedService]

# Filters, documented for the OpenAPI document; the handler reads them from the query string
# itself so that a value it cannot use is reported in ``filter_errors`` instead of failing.
Keyword = Annotated[str | None, QueryParameter(name="q", description="Keyword: part of a title, description, corporation or tag, in Korean or English.")]
Slugs = list[str] | None
SectorParam = Annotated[Slugs, QueryParameter(name="sector", description="Sector slug (repeatable; any of them).")]
TechnologyParam = Annotated[Slugs, QueryParameter(name="technology", description="AI technology slug (repeatable).")]
StageParam = Annotated[Slugs, QueryParameter(name="stage", description="Stage slug (repeatable); needs that name no stage match every stage.")]
EngagementParam = Annotated[Slugs, QueryParameter(name="engagement", description="Engagement type slug (repeatable).")]
LocationParam = Annotated[str | None, QueryParameter(name="location", description="Part of the locations, or a country slug or name.")]
TeamMinParam = Annotated[str | None, QueryParameter(name="team_min", description="Whole number ≥ 1: the need's team size range reaches it.")]
TeamMaxParam = Annotated[str | None, QueryParameter(name="team_max", description="Whole number ≥ 1.")]
VerifiedParam = Annotated[str | None, QueryParameter(name="verified", description="1: only needs of verified corporations.")]
StatusParam = Annotated[str | None, QueryParameter(name="status", description="all: closed needs too (default: open needs only).")]
PageParam = Annotated[str | None, QueryParameter(name="page", description="Page number (20 needs per page).")]


def need_out(need: NeedView) -> NeedOut:
    """The API's view of a need (the corporation anonymised where the page anonymises it)."""
    return NeedOut(
        id=need.id,
        title_ko=need.title_ko,
        title_en=need.title_en,
        description_ko=need.description_ko,
        description_en=need.description_en,
        sectors=need.sectors,
        technologies=need.technologies,
        stages=need.stages,
        countries=need.countries,
        locations=need.locations,
        team_size_min=need.team_size_min,
        team_size_max=need.team_size_max,
        engagement_type=need.engagement_type,
        budget_min=need.budget_min,
        budget_max=need.budget_max,
        budget_currency=need.budget_currency,
        opens_at=need.opens_at,
        closes_at=need.closes_at,
        visibility=need.visibility,
        status=need.status,
        window=need.window,
        is_open=need.is_open,
        corporation=CorporationOut(
            id=need.organisation_id,
            name_ko=need.corporation_name_ko,
            name_en=need.corporation_name_en,
            verified=need.corporation_verified,
            anonymised=need.name_hidden,
        ),
        can_manage=need.can_manage,
        created_at=need.created_at,
        updated_at=need.updated_at,
    )


def need_list_out(found: NeedSearch) -> NeedListOut:
    results = found.results
    return NeedListOut(
        items=[need_out(need) for need in results.items],
        total=results.total,
        page=results.number,
        pages=results.pages,
        page_size=results.size,
        filter_errors=found.errors,
        facets=found.facets,
        degraded=found.degraded,
    )


class PartnerNeedApiController(Controller):
    path = f"{API_PREFIX}/partner-needs"
    tags = ["partner needs"]

    @get("/", responses=errors(400))
    async def search(
        self,
        request: Request,
        need_search: NamedDependency[NeedSearchFunction],
        q: Keyword = None,
        sector: SectorParam = None,
        technology: TechnologyParam = None,
        stage: StageParam = None,
        engagement: EngagementParam = None,
        location: LocationParam = None,
        team_min: TeamMinParam = None,
        team_max: TeamMaxParam = None,
        verified: VerifiedParam = None,
        status: StatusParam = None,
        page: PageParam = None,
    ) -> NeedListOut:
        """The partner needs you may see (the directory's filters; open needs unless ``status=all``):
        with ``q``, best first by words and meaning (Korean and English); without, newest first.
        ``facets``: per filter, how many results carry each value. Filter values that cannot be
        used are ignored and named in ``filter_errors``; ``degraded``: the search index was down
        and the database answered with a plain keyword search."""
        return need_list_out(await need_search(get_viewer(request), query_dict(request.query_params)))

    @post(
        "/",
        guards=[requires_login],
        status_code=HTTP_201_CREATED,
        operation_class=json_body(NeedApiCreateInput),
        responses=errors(401, 403, 404, 422),
    )
    async def create(self, request: Request, data: JSONBody[dict[str, Any]], need_service: NeedService) -> NeedOut:
        """A new need of the corporation ``organisation_id`` (you must be one of its members: 404
        otherwise). ``status``: ``draft`` (default) or ``open``."""
        return need_out(await need_service.create_from_api(viewer_of(request), data, ip=client_ip(request)))

    @get("/{need_id:int}", responses=errors(404))
    async def show(self, request: Request, need_id: ObjectId, need_service: NeedService) -> NeedOut:
        """A need you may see; 404 otherwise."""
        return need_out(await need_service.get(need_id, get_viewer(request)))

    @patch(
        "/{need_id:int}",
        guards=[requires_login],
        operation_class=json_body(NeedInput),
        responses=errors(401, 403, 404, 422),
    )
    async def update(
        self, request: Request, need_id: ObjectId, data: JSONBody[dict[str, Any]], need_service: NeedService
    ) -> NeedOut:
        """Change some fields of a need of your corporation (404 for anyone else). The need is
        checked as a whole after the change; ``status`` changes through open/close/reopen."""
        return need_out(await need_service.update(need_id, viewer_of(request), data, partial=True, ip=client_ip(request)))

    @post("/{need_id:int}/open", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def publish(self, request: Request, need_id: ObjectId, need_service: NeedService) -> NeedOut:
        """Publish a draft."""
        return need_out(await need_service.change_status(need_id, viewer_of(request), "open", ip=client_ip(request)))

    @post("/{need_id:int}/close", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def close(self, request: Request, need_id: ObjectId, need_service: NeedService) -> NeedOut:
        """Close a draft or open need (it stays visible, marked closed)."""
        return need_out(await need_service.change_status(need_id, viewer_of(request), "close", ip=client_ip(request)))

    @post("/{need_id:int}/reopen", guards=[requires_login], status_code=HTTP_200_OK, responses=errors(401, 403, 404, 409))
    async def reopen(self, request: Request, need_id: ObjectId, need_service: NeedService) -> NeedOut:
        """Open a closed need again."""
        return need_out(await need_service.change_status(need_id, viewer_of(request), "reopen", ip=client_ip(request)))


API_CONTROLLERS = [PartnerNeedApiController]
