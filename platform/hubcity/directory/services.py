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

from hubcity.core.i18n import current_locale
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.corporates.filters import STARTUP_PARAMS, SearchFilters, parse_filters
from hubcity.corporates.services import NeedSearch, PartnerNeedService
from hubcity.directory.repositories import StartupDirectoryRepository
from hubcity.startups import taxonomy

PAGE_SIZE = 20
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
    """One page of startups. ``errors``: filter parameter → message for values that were ignored."""

    results: Page[StartupCard]
    filters: SearchFilters
    errors: dict[str, str] = field(default_factory=dict)


def _card(row: dict[str, Any]) -> StartupCard:
    values = {name: row[name] for name in StartupCard.__dataclass_fields__ if name in row}
    return StartupCard(**values, organisation_id=row["organisation"])


class DirectoryService:
    """Directory searches. ``needs``: the corporates domain's service (visibility lives there)."""

    def __init__(self, needs: PartnerNeedService):
        self.need_service = needs
        self.startup_repository = StartupDirectoryRepository()

    async def startups(self, viewer: Viewer | None, params: Mapping[str, Any]) -> StartupSearch:
        """Startups passing the filters in ``params`` (GET parameters: name → list of values;
        see :mod:`hubcity.corporates.filters`), 20 per page, most recently updated first.
        Inactive, acquired and opted-out profiles only with ``status=all``. Bad filter values
        are ignored and reported. Every viewer sees the same public fields."""
        vocabulary = {kind: await taxonomy.valid_slugs(kind) for kind in STARTUP_FILTER_KINDS}
        filters, errors = parse_filters(params, vocabulary, STARTUP_PARAMS)
        limit, offset = page_bounds(filters.page, PAGE_SIZE)
        rows, total = await self.startup_repository.search(filters, limit=limit, offset=offset)
        results = Page(items=[_card(row) for row in rows], number=filters.page, size=PAGE_SIZE, total=total)
        return StartupSearch(results=results, filters=filters, errors=errors)

    async def needs(self, viewer: Viewer | None, params: Mapping[str, Any]) -> NeedSearch:
        """The partner needs ``viewer`` may see that pass the filters (see
        :meth:`PartnerNeedService.search`)."""
        return await self.need_service.search(viewer, params)

    async def filter_options(self, kinds: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
        """kind → [(slug, label in the viewer's language)] of the active terms, for the filters."""
        locale = current_locale()
        return {kind: [(t["slug"], taxonomy.label_of(t, locale)) for t in await taxonomy.terms(kind)] for kind in kinds}

    async def labels(self) -> dict[str, dict[str, str]]:
        """kind → slug → label in the viewer's language (retired terms too), for the results."""
        locale = current_locale()
        return {kind: await taxonomy.labels(kind, locale) for kind in LABEL_KINDS}
