"""Input models of a partner need (the same for the pages and the API) and the API's output models.

Field titles are gettext message ids: error messages name the field by its translated title.
Taxonomy slugs (sectors, technologies, stages, countries, engagement type) are checked against
the taxonomy by the service, which knows the terms; these models check shapes and ranges.
Instants (``opens_at``, ``closes_at``) reach the models already made aware by the service
(a local date-time typed in a form is read in the agency's zone).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
LABEL_MAX = 200
LOCATIONS_MAX = 300
MAX_TAGS = 30
TEAM_SIZE_MAX = 1_000_000
#: The largest budget accepted, in won (a thousand trillion): far below BigInt's limit.
BUDGET_MAX = 10**15
#: The years an open window may fall in.
YEARS = (2000, 2100)

Visibility = Literal["public", "verified", "staff", "anonymised"]


def _blank_to_none(value: Any) -> Any:
    """An empty form field is "not given"."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def _amount(value: Any) -> Any:
    """A budget typed as ``1,000,000`` or ``₩ 1 000 000``: the separators and the won sign are dropped."""
    value = _blank_to_none(value)
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("_", "").replace(" ", "").lstrip("₩")
        return cleaned or None
    return value


def _slug_list(value: Any) -> Any:
    """One slug or a list of them; blanks dropped, duplicates dropped, order kept."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)):
        items = [item.strip() if isinstance(item, str) else item for item in value]
        return list(dict.fromkeys(item for item in items if item not in ("", None)))
    return value


def _single_line(value: str) -> str:
    """No line breaks or other control characters (NUL cannot even be stored by PostgreSQL)."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValueError(_("must be one line, without invisible control characters."))
    return value


def _multi_line(value: str) -> str:
    """Line breaks and tabs allowed; other control characters not."""
    if any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in value):
        raise ValueError(_("must not contain invisible control characters."))
    return value


OneLine = AfterValidator(_single_line)
Title = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TITLE_MAX), OneLine]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=DESCRIPTION_MAX), AfterValidator(_multi_line)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, max_length=LABEL_MAX), OneLine]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), OneLine]
SlugList = Annotated[list[Slug], BeforeValidator(_slug_list), Field(max_length=MAX_TAGS)]
TeamSize = Annotated[Annotated[int, Field(ge=1, le=TEAM_SIZE_MAX)] | None, BeforeValidator(_blank_to_none)]
Amount = Annotated[Annotated[int, Field(ge=0, le=BUDGET_MAX)] | None, BeforeValidator(_amount)]
Instant = Annotated[datetime | None, BeforeValidator(_blank_to_none)]


class NeedInput(BaseModel):
    """A partner need as a corporation writes it (create and edit; the API's PATCH is checked
    as the whole need after the change)."""

    model_config = ConfigDict(extra="ignore")

    title_ko: Title = Field(default="", title=N_("Title (Korean)"))
    title_en: Title = Field(
        default="", title=N_("Title (English)"), validate_default=True, description="At least one title is required."
    )
    description_ko: Description = Field(default="", title=N_("Description (Korean)"))
    description_en: Description = Field(default="", title=N_("Description (English)"))
    sectors: SlugList = Field(default_factory=list, title=N_("Sectors wanted"), description="Sector slugs.")
    technologies: SlugList = Field(default_factory=list, title=N_("AI technologies wanted"), description="Technology slugs.")
    stages: SlugList = Field(default_factory=list, title=N_("Stages wanted"), description="Stage slugs.")
    countries: SlugList = Field(default_factory=list, title=N_("Countries"), description="Country slugs.")
    locations: Annotated[str, StringConstraints(strip_whitespace=True, max_length=LOCATIONS_MAX), OneLine] = Field(
        default="", title=N_("Locations"), description="Free text, such as cities or regions."
    )
    team_size_min: TeamSize = Field(default=None, title=N_("Smallest team size"))
    team_size_max: TeamSize = Field(default=None, title=N_("Largest team size"))
    engagement_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), OneLine] = Field(
        default="", title=N_("Engagement type"), description="Engagement type slug, e.g. poc."
    )
    budget_min: Amount = Field(default=None, title=N_("Smallest budget (KRW)"), description="Whole won (KRW has no minor unit).")
    budget_max: Amount = Field(default=None, title=N_("Largest budget (KRW)"), description="Whole won.")
    opens_at: Instant = Field(
        default=None, title=N_("Opens at"), description="ISO 8601; without an offset it is read in the agency's zone."
    )
    closes_at: Instant = Field(default=None, title=N_("Closes at"), description="Must be after opens_at.")
    visibility: Visibility = Field(default="public", title=N_("Visibility"))
    anonymised_label_ko: Label = Field(default="", title=N_("Anonymised name (Korean)"))
    anonymised_label_en: Label = Field(
        default="",
        title=N_("Anonymised name (English)"),
        validate_default=True,
        description="Required (in either language) when visibility is anonymised.",
    )

    @field_validator("title_en")
    @classmethod
    def _one_title(cls, value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get("title_ko") and "title_ko" in info.data:
            raise ValueError(_("enter a title in Korean, in English, or both."))
        return value

    @field_validator("team_size_max")
    @classmethod
    def _team_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        smallest = info.data.get("team_size_min")
        if value is not None and smallest is not None and value < smallest:
            raise ValueError(_("must not be smaller than the smallest team size (%(n)s).", n=smallest))
        return value

    @field_validator("budget_max")
    @classmethod
    def _budget_range(cls, value: int | None, info: ValidationInfo) -> int | None:
        smallest = info.data.get("budget_min")
        if value is not None and smallest is not None and value < smallest:
            raise ValueError(_("must not be smaller than the smallest budget."))
        return value

    @field_validator("opens_at", "closes_at")
    @classmethod
    def _instant(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        if not YEARS[0] <= value.year <= YEARS[1]:
            raise ValueError(_("must be between the years %(first)s and %(last)s.", first=YEARS[0], last=YEARS[1]))
        if value.tzinfo is None:
            raise ValueError(_("must name its time zone."))
        return value

    @field_validator("closes_at")
    @classmethod
    def _window(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        opens = info.data.get("opens_at")
        if value is not None and opens is not None and value <= opens:
            raise ValueError(_("must be later than the opening time."))
        return value

    @field_validator("anonymised_label_en")
    @classmethod
    def _label_when_anonymised(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("visibility") == "anonymised" and not value and not info.data.get("anonymised_label_ko"):
            if "anonymised_label_ko" in info.data:
                raise ValueError(
                    _("an anonymised need needs the name shown instead of yours, such as “a global automaker”, in Korean, in English, or both.")
                )
        return value


class NeedCreateInput(NeedInput):
    """A new need: saved as a draft, or published (``open``) at once."""

    status: Literal["draft", "open"] = Field(default="draft", title=N_("Status"))


class NeedApiCreateInput(NeedCreateInput):
    """``POST /api/v1/partner-needs``: a new need of one of your corporations."""

    organisation_id: int = Field(title=N_("Organisation"), description="A corporation you are a member of.")


# -- API output ---------------------------------------------------------------------------------


class CorporationOut(BaseModel):
    """Who posted a need. For an anonymised need seen by anyone but the corporation's members and
    agency staff: ``id`` and ``verified`` are null and the names are the anonymised label."""

    id: int | None
    name_ko: str
    name_en: str
    verified: bool | None
    anonymised: bool


class NeedOut(BaseModel):
    """A partner need as the viewer may see it. Budgets are whole won (KRW minor units)."""

    id: int
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    sectors: list[str]
    technologies: list[str]
    stages: list[str]
    countries: list[str]
    locations: str
    team_size_min: int | None
    team_size_max: int | None
    engagement_type: str
    budget_min: int | None
    budget_max: int | None
    budget_currency: str
    opens_at: datetime | None
    closes_at: datetime | None
    visibility: str = Field(description="public | verified | staff | anonymised")
    status: str = Field(description="draft | open | closed")
    window: str = Field(description="draft | closed | upcoming | open | ended: whether it is open right now.")
    is_open: bool
    corporation: CorporationOut
    can_manage: bool = Field(description="True for members of the corporation (they may edit and close it).")
    created_at: datetime
    updated_at: datetime


class NeedListOut(BaseModel):
    """One page of needs (20 per page) with the filters' messages: ``filter_errors`` names each
    filter whose value was not understood (and so ignored). ``facets``: filter (sector,
    technology, stage, engagement) → slug → how many results carry it; ``degraded``: the search
    index was unreachable and the database answered."""

    items: list[NeedOut]
    total: int
    page: int
    pages: int
    page_size: int
    filter_errors: dict[str, str]
    facets: dict[str, dict[str, int]] = {}
    degraded: bool = False
