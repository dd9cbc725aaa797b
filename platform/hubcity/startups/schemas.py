"""Input models of the startup profile (one per onboarding step, and the whole profile for the
edit page and the API), validated through :func:`hubcity.startups.services.common.parse`.

Field titles are gettext message ids: error messages name the field by its translated title.
Rules that pydantic cannot express alone are declared on the models and applied by ``parse``:
``one_of`` (at least one of two fields given, e.g. the Korean or the English name) and
``taxonomy`` (field → taxonomy kind whose active slugs it may hold).

Units: ``funding_raised`` is integer won (KRW has no minor unit below the won); ``team_size``
people; ``founded_on`` a calendar date.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from hubcity.core.clock import utcnow
from hubcity.core.forms import MultiLine
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.startups.websites import is_web_address, normalise_website

NAME_MAX = 200
ONE_LINER_MAX = 200
TEXT_MAX = 5000
LOCATION_MAX = 200
WEBSITE_MAX = 300
LIST_MAX = 50  # organisation names per list (investors, customers, partners)
LIST_ITEM_MAX = 200
TEAM_SIZE_MIN, TEAM_SIZE_MAX = 1, 100_000
FUNDING_MAX = 10**15  # won; far above any startup's funding, well inside BigInt
FOUNDED_MIN = date(1900, 1, 1)


def latest_today() -> date:
    """The latest calendar date anywhere on Earth now (UTC+14): a founding date after it is in
    the future wherever the company is."""
    return (utcnow() + timedelta(hours=14)).date()


def _text(value: Any) -> Any:
    """Form text as typed, with browser line breaks (CRLF) counted as one character."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return "" if value is None else value


def _blank_none(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value.strip() if isinstance(value, str) else value


def _amount(value: Any) -> Any:
    """``"1,500,000"``, ``"1 500 000 원"``, ``"₩1500000"`` → ``"1500000"`` (then parsed as int)."""
    value = _blank_none(value)
    if isinstance(value, str):
        for mark in (",", " ", "_", "₩", "원", "KRW", "krw"):
            value = value.replace(mark, "")
    return value


def _lines(value: Any) -> Any:
    """One name per line (a form) or a list (the API) → names stripped, blanks and repeats
    (case-insensitive) dropped, order kept."""
    if value is None:
        return []
    items = value.splitlines() if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        return value
    seen: set[str] = set()
    result = []
    for item in items:
        if not isinstance(item, str):
            return value  # let pydantic name the wrong type
        item = " ".join(item.split())
        if item and item.casefold() not in seen:
            seen.add(item.casefold())
            result.append(item)
    return result


def _slugs(value: Any) -> Any:
    """Checkbox values (one or many) → list of slugs; blank → []."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [value]
    return [item for item in value if item != ""] if isinstance(value, (list, tuple)) else value


Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=NAME_MAX), BeforeValidator(_text)]
OneLiner = Annotated[str, StringConstraints(strip_whitespace=True, max_length=ONE_LINER_MAX), BeforeValidator(_text), MultiLine()]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=TEXT_MAX), BeforeValidator(_text), MultiLine()]
Slug = Annotated[str, StringConstraints(strip_whitespace=True, max_length=64), BeforeValidator(_text)]
Names = Annotated[
    list[Annotated[str, StringConstraints(max_length=LIST_ITEM_MAX)]],
    BeforeValidator(_lines),
    MultiLine(),  # one name per line in the form
    Field(max_length=LIST_MAX),
]
Slugs = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], BeforeValidator(_slugs)]


class _Input(BaseModel):
    model_config = ConfigDict(extra="ignore")

    #: Line breaks and tabs only in the fields marked :class:`~hubcity.core.forms.MultiLine`
    #: (one-liners, descriptions, needs and offers, lists of names); never in a name, a
    #: location, a website or a label.
    single_line: ClassVar[bool] = True

    #: (field, other field, message id): at least one of the two must be given.
    one_of: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    #: field → taxonomy kind; every slug given must be an active term of that kind.
    taxonomy: ClassVar[dict[str, str]] = {}


class BasicsInput(_Input):
    """Step 1, company basics. At least one of the names is required."""

    one_of: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("name_ko", "name_en", N_("Give the company's name in Korean, in English or in both.")),
    )
    taxonomy: ClassVar[dict[str, str]] = {"country": "country"}

    name_ko: Text200 = Field(default="", title=N_("Name in Korean"))
    name_en: Text200 = Field(default="", title=N_("Name in English"))
    website: Annotated[str, BeforeValidator(_text)] = Field(
        default="", title=N_("Website"), description="https://… (https:// is added when missing)."
    )
    location: Annotated[str, StringConstraints(strip_whitespace=True, max_length=LOCATION_MAX), BeforeValidator(_text)] = Field(
        default="", title=N_("Location (city or region)")
    )
    country: Slug = Field(default="", title=N_("Country"), description="A slug of the country taxonomy.")
    founded_on: Annotated[date | None, BeforeValidator(_blank_none)] = Field(
        default=None, title=N_("Founding date"), description="YYYY-MM-DD, not before 1900 and not in the future."
    )
    team_size: Annotated[Annotated[int, Field(ge=TEAM_SIZE_MIN, le=TEAM_SIZE_MAX)] | None, BeforeValidator(_blank_none)] = Field(
        default=None, title=N_("Team size"), description="People, 1 to 100000."
    )

    @field_validator("website")
    @classmethod
    def _website(cls, value: str) -> str:
        value = normalise_website(value)
        if not value:
            return ""
        if len(value) > WEBSITE_MAX:
            raise ValueError(_("must be at most %(max)s characters.", max=WEBSITE_MAX))
        if not is_web_address(value):
            raise ValueError(_("must be a web address such as https://example.com."))
        return value

    @field_validator("founded_on")
    @classmethod
    def _founded(cls, value: date | None) -> date | None:
        if value is None:
            return None
        if value < FOUNDED_MIN:
            raise ValueError(_("must be in 1900 or later."))
        if value > latest_today():
            raise ValueError(_("must not be in the future."))
        return value


class ProductInput(_Input):
    """Step 2, what the company builds. At least one of the one-liners is required."""

    one_of: ClassVar[tuple[tuple[str, str, str], ...]] = (
        ("one_liner_ko", "one_liner_en", N_("Describe the company in one line, in Korean, in English or in both.")),
    )

    one_liner_ko: OneLiner = Field(default="", title=N_("One-liner in Korean"))
    one_liner_en: OneLiner = Field(default="", title=N_("One-liner in English"))
    description_ko: LongText = Field(default="", title=N_("Description in Korean"))
    description_en: LongText = Field(default="", title=N_("Description in English"))


class FocusInput(_Input):
    """Step 3, sectors and AI technologies (slugs of the taxonomies; at least one sector) and stage."""

    taxonomy: ClassVar[dict[str, str]] = {"sectors": "sector", "technologies": "technology", "stage": "stage"}

    sectors: Slugs = Field(default_factory=list, title=N_("Sectors"), validate_default=True)
    technologies: Slugs = Field(default_factory=list, title=N_("AI technologies"))
    stage: Slug = Field(default="", title=N_("Stage"))

    @field_validator("sectors")
    @classmethod
    def _some_sector(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError(_("choose at least one."))
        return list(dict.fromkeys(value))

    @field_validator("technologies")
    @classmethod
    def _unique_technologies(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class TractionInput(_Input):
    """Step 4, traction: funding raised (whole won), named investors, customers and partners
    (at most 50 each, one per line in the form), target markets (country slugs)."""

    taxonomy: ClassVar[dict[str, str]] = {"target_markets": "country"}

    funding_raised: Annotated[Annotated[int, Field(ge=0, le=FUNDING_MAX)] | None, BeforeValidator(_amount)] = Field(
        default=None, title=N_("Funding raised (KRW)"), description="Whole won, 0 or more."
    )
    investors: Names = Field(default_factory=list, title=N_("Investors"))
    customers: Names = Field(default_factory=list, title=N_("Customers"))
    partners: Names = Field(default_factory=list, title=N_("Partners"))
    target_markets: Slugs = Field(default_factory=list, title=N_("Target markets"))

    @field_validator("target_markets")
    @classmethod
    def _unique_markets(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))


class PartnersInput(_Input):
    """Step 5, what the company needs from partners and what it offers them."""

    needs_ko: LongText = Field(default="", title=N_("What you need from partners, in Korean"))
    needs_en: LongText = Field(default="", title=N_("What you need from partners, in English"))
    offers_ko: LongText = Field(default="", title=N_("What you offer partners, in Korean"))
    offers_en: LongText = Field(default="", title=N_("What you offer partners, in English"))


class ProfileInput(BasicsInput, ProductInput, FocusInput, TractionInput, PartnersInput):
    """The whole profile (the edit page; ``PATCH /api/v1/startups/{id}`` merges into the stored one)."""

    one_of: ClassVar[tuple[tuple[str, str, str], ...]] = BasicsInput.one_of + ProductInput.one_of
    taxonomy: ClassVar[dict[str, str]] = {**BasicsInput.taxonomy, **FocusInput.taxonomy, **TractionInput.taxonomy}


class ClaimRejectInput(_Input):
    """Staff refusing a claim: the message the claimant receives."""

    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000), BeforeValidator(_text), MultiLine()] = Field(
        title=N_("Message to the startup")
    )


class VerifyInput(_Input):
    """Staff verifying an organisation confirm that a person checked its registration number."""

    confirm: Annotated[bool, BeforeValidator(lambda v: False if v in (None, "") else v)] = Field(
        default=False, title=N_("Registration number checked"), validate_default=True
    )

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if not value:
            raise ValueError(_("confirm that a person checked the business registration number."))
        return value


SLUG_PATTERN = r"^[a-z0-9_]+$"


class TermLabelsInput(_Input):
    """A taxonomy term's labels (both required)."""

    label_ko: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX), BeforeValidator(_text)] = Field(
        title=N_("Korean label")
    )
    label_en: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX), BeforeValidator(_text)] = Field(
        title=N_("English label")
    )


class TermInput(TermLabelsInput):
    """A new taxonomy term: ``slug`` lowercase a–z, 0–9 and ``_`` (at most 64), unique in its kind."""

    slug: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), BeforeValidator(_text)] = Field(
        title=N_("Slug")
    )

    @field_validator("slug")
    @classmethod
    def _slug_rule(cls, value: str) -> str:
        if not re.match(SLUG_PATTERN, value):
            raise ValueError(_("may contain only lowercase letters a–z, digits and underscores (_), such as smart_factory."))
        return value


#: Onboarding steps 1–5 and their models; step 6 is the logo.
STEP_MODELS: dict[int, type[_Input]] = {
    1: BasicsInput,
    2: ProductInput,
    3: FocusInput,
    4: TractionInput,
    5: PartnersInput,
}
LOGO_STEP = 6
LAST_STEP = 6
#: Fields whose values are lists (checkbox groups and one-name-per-line text areas).
MULTI_FIELDS: frozenset[str] = frozenset({"sectors", "technologies", "target_markets"})
LINE_FIELDS: frozenset[str] = frozenset({"investors", "customers", "partners"})
TAG_FIELDS: dict[str, str] = {"sectors": "sector", "technologies": "technology"}
#: Members-only fields: shown to the startup's members and agency staff only.
PRIVATE_FIELDS: tuple[str, ...] = ("funding_raised", "investors", "customers", "partners")


def step_of(field: str) -> int:
    """The onboarding step where ``field`` is filled in (6 for ``logo``)."""
    for step, model in STEP_MODELS.items():
        if field in model.model_fields:
            return step
    return LOGO_STEP
