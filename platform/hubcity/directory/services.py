"""The directory: browsing and searching startups and the partner needs a viewer may see.

It sits above the startups and corporates domains: startups are read through this package's
read-only repository (with the startups domain's taxonomy), needs through
:class:`~hubcity.corporates.services.PartnerNeedService`, whose one scoped query decides which
needs a viewer may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from matching.backends.base import SearchBackendError

from hubcity.core.i18n import current_locale
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.corporates.filters import STARTUP_PARAMS, SearchFilters, parse_filters
from hubcity.corporates.services import NeedSearch, PartnerNeedService
from hubcity.directory.repositories import StartupDirectoryRepository, matching_terms
from hubcity.matches.documents import ANY
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.services import DIRECTORY_SEMANTIC_FLOOR, directory_need_filter, startup_filter
from hubcity.startups import taxonomy

PAGE_SIZE = 20
#: How deep two needs searches are merged (pages past it come back empty, with the right total).
MERGE_WINDOW = 2000
#: Filter kind → the startups index's facet field whose counts show beside that filter.
FACET_FIELDS: dict[str, str] = {"sector": "sectors", "technology": "technologies", "stage": "stage"}
NEED_FACET_FIELDS: dict[str, str] = {
    "sector": "sectors",
    "technology": "technologies",
    "stage": "stages",
    "engagement": "engagement",
}
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


def _sum_counts(parts: Any) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in parts:
        for value, count in part.items():
            total[value] = total.get(value, 0) + int(count)
    return total


def _need_facets(found: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    """Filter kind → slug → count from the needs index's facets (field names differ)."""
    return {kind: {value: int(count) for value, count in found.get(name, {}).items()} for kind, name in NEED_FACET_FIELDS.items()}


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
        """The partner needs ``viewer`` may see that pass the filters in ``params`` (see
        :meth:`PartnerNeedService.search`), 20 per page, through the needs index: a keyword is
        searched by words and meaning (Korean and English), best first; without one, newest
        first; facet counts beside the filters. Anonymised needs of other organisations are found
        by their own words only, never by closeness in meaning (a corporation's name must not
        lead to them). Which needs a viewer may see is decided twice: in the index filter, and
        again by the corporates domain when the page's needs are read. When the index cannot be
        used the database answers (``degraded``)."""
        filters, errors = await self.need_service.parse_search(params)
        if self.engine is None or _symbols_only(filters.q):
            return await self.need_service.search(viewer, params)
        try:
            found = await self._needs_from_index(viewer, filters, errors)
            stages = dict(found.facets.get("stage", {}))
            open_to_all = stages.pop(ANY, 0)  # a need that names no stage is found under every stage
            if open_to_all:
                stages = {slug: stages.get(slug, 0) + open_to_all for slug in await taxonomy.valid_slugs("stage")}
            return replace(found, facets={**found.facets, "stage": stages})
        except SearchBackendError:
            found = await self.need_service.search(viewer, params)
            return replace(found, degraded=True)

    async def _needs_from_index(self, viewer: Viewer | None, filters: SearchFilters, errors: dict[str, str]) -> NeedSearch:
        assert self.engine is not None
        scope = await self.need_service.scope(viewer)
        limit, offset = page_bounds(filters.page, PAGE_SIZE)
        countries = (await matching_terms(filters.location, ("country",))).get("country", []) if filters.location else []
        text = filters.q.strip()
        facets = tuple(NEED_FACET_FIELDS.values())
        if not text:
            result = await self.engine.call(
                "search", "needs", "", filter=directory_need_filter(scope, filters, country_slugs=countries),
                facets=facets, sort=(("created_at", "desc"),), limit=limit, offset=offset,
            )
            counts = _need_facets(result.facets)
            return await self.need_service.found_page(
                viewer, [int(hit.id) for hit in result.hits], filters=filters, errors=errors, total=int(result.total), facets=counts,
                scope=scope,
            )
        # Named needs: by words and meaning in the index. Anonymised needs: by words in the
        # database, where who posted one is matched only for those who may know it.
        window = min(offset + limit, MERGE_WINDOW)
        named = await self.engine.call(
            "search", "needs", text, filter=directory_need_filter(scope, filters, country_slugs=countries, named_only=True),
            facets=facets, limit=window, semantic_floor=DIRECTORY_SEMANTIC_FLOOR,
        )
        masked = await self.need_service.anonymised_matches(viewer, filters, limit=window, scope=scope)
        by_words = [int(hit.id) for hit in named.hits if hit.keyword_score is not None]
        by_meaning = [int(hit.id) for hit in named.hits if hit.keyword_score is None]
        ordered = (by_words + list(masked.ids) + by_meaning)[offset : offset + limit]
        counts = _need_facets(named.facets)
        for kind, values in masked.facets.items():
            counts[kind] = _sum_counts([counts.get(kind, {}), values])
        return await self.need_service.found_page(
            viewer, ordered, filters=filters, errors=errors, total=int(named.total) + masked.total, facets=counts, scope=scope
        )

    async def filter_options(self, kinds: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
        """kind → [(slug, label in the viewer's language)] of the active terms, for the filters."""
        locale = current_locale()
        return {kind: [(t["slug"], taxonomy.label_of(t, locale)) for t in await taxonomy.terms(kind)] for kind in kinds}

    async def labels(self) -> dict[str, dict[str, str]]:
        """kind → slug → label in the viewer's language (retired terms too), for the results."""
        locale = current_locale()
        return {kind: await taxonomy.labels(kind, locale) for kind in LABEL_KINDS}
