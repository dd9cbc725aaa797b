"""Output models of the directory's API (``GET /api/v1/startups``)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class StartupCardOut(BaseModel):
    """A startup as the directory lists it: public fields only."""

    id: int
    name_ko: str
    name_en: str
    one_liner_ko: str
    one_liner_en: str
    sectors: list[str] = Field(description="Sector slugs.")
    technologies: list[str] = Field(description="AI technology slugs.")
    tags: list[str]
    stage: str = Field(description="Stage slug, or empty when unknown.")
    founded_on: date | None
    team_size: int | None
    location: str
    country: str = Field(description="Country slug, or empty.")
    status: str = Field(description="active | inactive | acquired")
    do_not_match: bool = Field(description="The startup opted out of matching.")
    verified: bool = Field(description="Its organisation is verified by agency staff.")
    updated_at: datetime


class StartupListOut(BaseModel):
    """One page of startups (20 per page). ``filter_errors`` names each filter whose value was
    not understood (and so ignored). ``facets``: filter (sector, technology, stage) → slug → how
    many results carry it; ``degraded``: the search index was unreachable and the database answered."""

    items: list[StartupCardOut]
    total: int
    page: int
    pages: int
    page_size: int
    filter_errors: dict[str, str]
    facets: dict[str, dict[str, int]] = {}
    degraded: bool = False
