"""The directory: browsing and searching startups and the partner needs a viewer may see.

It sits above the startups and corporates domains: startups are read through this package's
read-only repository (with the startups domain's taxonomy), needs through
:class:`~hubcity.corporates.services.PartnerNeedService`, whose one scoped query decides which
needs a viewer may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from matching.backends.base import Eq, In, Not, Or, SearchBackendError

from hubcity.core.i18n import current_locale
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.corporates.filters import KEYWORD_MAX, STARTUP_PARAMS, SearchFilters, parse_filters
from hubcity.corporates.services import NeedSearch, PartnerNeedService
from hubcity.directory.repositories import StartupDirectoryRepository, matching_terms
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.services import DIRECTORY_SEMANTIC_FLOOR, startup_filter
from hubcity.startups import taxonomy

PAGE_SIZE = 20
#: How many needs the index may rank for one keyword (the corporates domain then filters them).
RANKED_NEEDS = 200
#: Filter kind → the startups index's facet field whose counts show beside that filter.
FACET_FIELDS: dict[str, str] = {"sector": "sectors", "technology": "technologies", "stage": "stage"}
STARTUP_FILTER_KINDS: tuple[str, ...] = ("sector", "technology", "stage")
NEED_FILTER_KINDS: tuple[str, ...] = ("sector", "technology", "stage", "engagement_type")
LABEL_KINDS: tuple[str, ...] = ("sector", "technology", "stage", "country", "engagement_type")


@dataclass(frozen=True)
class StartupCard:
    """A startup as the directory lists it (public fields only).

    status: ``active`` | ``inactive`` | ``acquired``; do_not_match: opted out of matching;
    verified: its organisation is verified by staff (agency-kept profiles are not);
    sectors/technologies: slugs.
    """

    id: int
    organisation_id: int | None
    name_ko: str
    name_en: str
    one_liner_ko: str
    one_liner_en: str
    stage: str
    founded_on: date | None
    team_size: int | None
    location: str
    country: str
    status: str
    do_not_match: bool
    verified: bool
    sectors: list[str]
    technologies: list[str]
    tags: list[str]
    updated_at: datetime

    @property
    def has_page(self) -> bool:
        """Whether its public profile page exists for everyone (active profiles only)."""
        return self.status == "active"


@dataclass(frozen=True)
class StartupSearch:
    """One page of startups. ``errors``: filter parameter → message for values that were ignored.

    facets: filter kind (``sector``, ``technology``, ``stage``) → slug → how many results carry it
    (from the search index; empty when the index could not be used). ``degraded``: the search
    index could not be reached, so the database answered with a plain keyword search.
    """

    results: Page[StartupCard]
    filters: SearchFilters
    errors: dict[str, str] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False


def _symbols_only(text: str) -> bool:
    """A keyword with no letter or digit (``%``, ``_``): the index has no words for it, so the
    database looks for it literally."""
    return bool(text.strip()) and not any(ch.isalnum() for ch in text)


def _last(value: Any) -> str:
    """The last of a GET parameter's values (a list or a str), or ""."""
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else ""
    return str(value or "")


def _card(row: dict[str, Any]) -> StartupCard:
    values = {name: row[name] for name in StartupCard.__dataclass_fields__ if name in row}
    return StartupCard(**values, organisation_id=row["organisation"])


class DirectoryService:
    """Directory searches. ``needs``: the corporates domain's service (visibility lives there)."""

    def __init__(self, needs: PartnerNeedService, engine: MatchingEngine | None = None):
        self.need_service = needs
        self.engine = engine
        self.startup_repository = StartupDirectoryRepository()

    async def startups(self, viewer: Viewer | None, params: Mapping[str, Any]) -> StartupSearch:
        """Startups passing the filters in ``params`` (GET parameters: name → list of values;
        see :mod:`hubcity.corporates.filters`), 20 per page, most recently updated first.
        Inactive, acquired and opted-out profiles only with ``status=all``. Bad filter values
        are ignored and reported. Every viewer sees the same public fields."""
        vocabulary = {kind: await taxonomy.valid_slugs(kind) for kind in STARTUP_FILTER_KINDS}
        filters, errors = parse_filters(params, vocabulary, STARTUP_PARAMS)
        limit, offset = page_bounds(filters.page, PAGE_SIZE)
        facets: dict[str, dict[str, int]] = {}
        degraded = False
        use_index = self.engine is not None and not _symbols_only(filters.q)
        if use_index:
            try:
                rows, total, facets = await self._startups_from_index(filters, limit=limit, offset=offset)
            except SearchBackendError:
                degraded = True
        if not use_index or degraded:
            rows, total = await self.startup_repository.search(filters, limit=limit, offset=offset)
        results = Page(items=[_card(row) for row in rows], number=filters.page, size=PAGE_SIZE, total=total)
        return StartupSearch(results=results, filters=filters, errors=errors, facets=facets, degraded=degraded)

    async def _startups_from_index(
        self, filters: SearchFilters, *, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int, dict[str, dict[str, int]]]:
        """Hybrid search of the startups index (keywords and meaning, Korean and English); with
        no keyword, every listed startup passing the filters, most recently updated first. Raises SearchBackendError."""
        assert self.engine is not None
        text = filters.q.strip()
        result = await self.engine.call(
            "search",
            "startups",
            text,
            filter=startup_filter(
                filters,
                matchable_only=not filters.include_inactive,
                listed_only=True,
                country_slugs=(await matching_terms(filters.location, ("country",))).get("country", []) if filters.location else (),
            ),
            facets=tuple(FACET_FIELDS.values()),
            sort=() if text else (("updated_ts", "desc"),),
            limit=limit,
            offset=offset,
            semantic_floor=DIRECTORY_SEMANTIC_FLOOR if text else None,
        )
        rows = await self.startup_repository.by_ids([int(hit.id) for hit in result.hits])
        facets = {kind: dict(result.facets.get(field, {})) for kind, field in FACET_FIELDS.items()}
        return rows, int(result.total), facets

    async def needs(self, viewer: Viewer | None, params: Mapping[str, Any]) -> NeedSearch:
        """The partner needs ``viewer`` may see that pass the filters (see
        :meth:`PartnerNeedService.search`). A keyword is also searched in the needs index
        (meaning, Korean and English): needs it ranks are found even without the words, best
        first. Which needs the viewer may see is still decided by the corporates domain."""
        keyword = _last(params.get("q"))[:KEYWORD_MAX].strip()
        ranked: list[int] | None = None
        if self.engine is not None and keyword:
            scope = await self.need_service.scope(viewer)
            # Anonymised needs are found by their own words only (the database search), never by
            # closeness in meaning to what someone typed: a corporation's name must not lead to them.
            named = None if scope.staff else Or((Not(Eq("visibility", "anonymised")), In("org_id", scope.own_org_ids or (0,))))
            try:
                result = await self.engine.call(
                    "search", "needs", keyword, filter=named, limit=RANKED_NEEDS, semantic_floor=DIRECTORY_SEMANTIC_FLOOR
                )
                ranked = [int(hit.id) for hit in result.hits]
            except SearchBackendError:
                ranked = None
        return await self.need_service.search(viewer, params, ranked_ids=ranked)

    async def filter_options(self, kinds: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
        """kind → [(slug, label in the viewer's language)] of the active terms, for the filters."""
        locale = current_locale()
        return {kind: [(t["slug"], taxonomy.label_of(t, locale)) for t in await taxonomy.terms(kind)] for kind in kinds}

    async def labels(self) -> dict[str, dict[str, str]]:
        """kind → slug → label in the viewer's language (retired terms too), for the results."""
        locale = current_locale()
        return {kind: await taxonomy.labels(kind, locale) for kind in LABEL_KINDS}
