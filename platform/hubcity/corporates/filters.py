"""The directory's filters, read from GET parameters (pages and API alike).

The parameter names are a public contract (bookmarks, the API, and the search backend that
replaces the SQL search later): ``q``, ``sector``, ``technology``, ``stage``, ``engagement``
(repeatable slugs), ``location``, ``team_min``, ``team_max``, ``founded_after`` (YYYY-MM-DD),
``verified`` (``1``), ``status`` (``all`` shows inactive profiles / closed needs), ``page``.

A value that is not understood never fails the request: :func:`parse_filters` drops it and
returns a message for it (keyed by the parameter's name) to show next to the filter.
The directory uses these for startups too (it sits above this domain).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
import unicodedata
from datetime import date
from typing import Any

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

KEYWORD_MAX = 200
LOCATION_MAX = 100
MAX_VALUES = 50
TEAM_LIMIT = 1_000_000

#: Repeatable slug parameters → taxonomy kind.
SLUG_PARAMS: dict[str, str] = {
    "sector": "sector",
    "technology": "technology",
    "stage": "stage",
    "engagement": "engagement_type",
}
PARAM_LABELS: dict[str, str] = {
    "q": N_("Keyword"),
    "sector": N_("Sector"),
    "technology": N_("AI technology"),
    "stage": N_("Stage"),
    "engagement": N_("Engagement type"),
    "location": N_("Location"),
    "team_min": N_("Team size from"),
    "team_max": N_("Team size up to"),
    "founded_after": N_("Founded on or after"),
    "verified": N_("Verified only"),
    "status": N_("Status"),
    "page": N_("Page"),
}
STARTUP_PARAMS: frozenset[str] = frozenset(
    {"q", "sector", "technology", "stage", "location", "team_min", "team_max", "founded_after", "verified", "status", "page"}
)
NEED_PARAMS: frozenset[str] = frozenset(
    {"q", "sector", "technology", "stage", "engagement", "location", "team_min", "team_max", "verified", "status", "page"}
)
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


@dataclass(frozen=True)
class SearchFilters:
    """Filters understood from the GET parameters (bad values already dropped).

    Slug tuples hold known slugs only; ``include_inactive`` is ``status=all``; ``page`` ≥ 1.
    """

    q: str = ""
    sector: tuple[str, ...] = ()
    technology: tuple[str, ...] = ()
    stage: tuple[str, ...] = ()
    engagement: tuple[str, ...] = ()
    location: str = ""
    team_min: int | None = None
    team_max: int | None = None
    founded_after: date | None = None
    verified: bool = False
    include_inactive: bool = False
    page: int = 1
    accepted: frozenset[str] = field(default=STARTUP_PARAMS | NEED_PARAMS, compare=False)

    def params(self, *, page: int | None = None) -> list[tuple[str, str]]:
        """The filters as GET parameters (repeated keys for slugs), for links that keep them.
        ``page``: the page number to put in (left out when 1)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in SLUG_PARAMS:
            pairs += [(name, slug) for slug in getattr(self, name)]
        if self.location:
            pairs.append(("location", self.location))
        for name in ("team_min", "team_max"):
            if getattr(self, name) is not None:
                pairs.append((name, str(getattr(self, name))))
        if self.founded_after:
            pairs.append(("founded_after", self.founded_after.isoformat()))
        if self.verified:
            pairs.append(("verified", "1"))
        if self.include_inactive:
            pairs.append(("status", "all"))
        number = self.page if page is None else page
        if number > 1:
            pairs.append(("page", str(number)))
        return pairs

    def with_page(self, page: int) -> "SearchFilters":
        return replace(self, page=page)

    @property
    def active(self) -> bool:
        """True when any filter narrows the list (the page number aside)."""
        return bool(self.params(page=1))


def _label(name: str) -> str:
    return _(PARAM_LABELS[name])


def has_control(text: str) -> bool:
    """True when ``text`` holds a control character (NUL, line breaks, …): never in a filter."""
    return any(unicodedata.category(char) == "Cc" for char in text)


def _shown(text: str) -> str:
    """A value quoted back in a message: control characters dropped, at most 40 characters."""
    return "".join(char for char in text if unicodedata.category(char) != "Cc")[:40]


def _free_text(raw: Mapping[str, Any], name: str, limit: int, errors: dict[str, str]) -> str:
    text = _last(raw, name)
    if has_control(text):
        errors[name] = _("%(field)s contains an invisible control character, so it was ignored.", field=_label(name))
        return ""
    text = " ".join(text.split())
    if len(text) > limit:
        errors[name] = _("%(field)s may be at most %(n)s characters, so it was ignored.", field=_label(name), n=limit)
        return ""
    return text


def _values(raw: Mapping[str, Any], name: str) -> list[str]:
    value = raw.get(name)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return [str(value)]


def _last(raw: Mapping[str, Any], name: str) -> str:
    values = _values(raw, name)
    return values[-1].strip() if values else ""


def _whole_number(text: str, name: str, errors: dict[str, str], minimum: int) -> int | None:
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        errors[name] = _(
            "%(field)s: “%(value)s” is not a whole number, so this filter was ignored.", field=_label(name), value=_shown(text)
        )
        return None
    if number < minimum or number > TEAM_LIMIT:
        errors[name] = _(
            "%(field)s must be between %(min)s and %(max)s, so this filter was ignored.",
            field=_label(name),
            min=minimum,
            max=TEAM_LIMIT,
        )
        return None
    return number


def parse_filters(
    raw: Mapping[str, Any], vocabulary: Mapping[str, Iterable[str]], accepted: frozenset[str] = STARTUP_PARAMS
) -> tuple[SearchFilters, dict[str, str]]:
    """Read the filters from ``raw`` (parameter name → a string or a list of strings, as GET
    parameters arrive), keeping only those in ``accepted`` (:data:`STARTUP_PARAMS` or
    :data:`NEED_PARAMS`; others are ignored silently).

    vocabulary: taxonomy kind → its known slugs (for ``sector``, ``technology``, ``stage``,
    ``engagement``). Returns the filters and ``{parameter: message}`` for every value that
    was not understood and was therefore left out (translated, naming the filter and the rule).
    """
    errors: dict[str, str] = {}
    values: dict[str, Any] = {"accepted": accepted}

    if "q" in accepted:
        values["q"] = _free_text(raw, "q", KEYWORD_MAX, errors)

    for name, kind in SLUG_PARAMS.items():
        if name not in accepted:
            continue
        known = set(vocabulary.get(kind, ()))
        given = list(dict.fromkeys(v.strip() for v in _values(raw, name) if v.strip()))
        good = [slug for slug in given if slug in known][:MAX_VALUES]
        unknown = [slug for slug in given if slug not in known]
        if unknown:
            errors[name] = _(
                "%(field)s: %(values)s is not one of the choices, so it was ignored.",
                field=_label(name),
                values=", ".join(f"“{_shown(slug)}”" for slug in unknown[:5]),
            )
        values[name] = tuple(good)

    if "location" in accepted:
        values["location"] = _free_text(raw, "location", LOCATION_MAX, errors)

    if "team_min" in accepted:
        values["team_min"] = _whole_number(_last(raw, "team_min"), "team_min", errors, 1)
    if "team_max" in accepted:
        team_max = _whole_number(_last(raw, "team_max"), "team_max", errors, 1)
        team_min = values.get("team_min")
        if team_max is not None and team_min is not None and team_max < team_min:
            errors["team_max"] = _(
                "%(field)s must not be smaller than the team size from (%(n)s), so it was ignored.",
                field=_label("team_max"),
                n=team_min,
            )
            team_max = None
        values["team_max"] = team_max

    if "founded_after" in accepted:
        text = _last(raw, "founded_after")
        if text:
            try:
                if len(text) != 10:
                    raise ValueError(text)
                values["founded_after"] = date.fromisoformat(text)
            except ValueError:
                errors["founded_after"] = _(
                    "%(field)s: “%(value)s” is not a date written as YYYY-MM-DD (such as 2020-03-01), so this filter was ignored.",
                    field=_label("founded_after"),
                    value=_shown(text),
                )

    if "verified" in accepted:
        text = _last(raw, "verified").lower()
        if text in _TRUE:
            values["verified"] = True
        elif text not in _FALSE:
            errors["verified"] = _("%(field)s must be 1 or left out, so this filter was ignored.", field=_label("verified"))

    if "status" in accepted:
        text = _last(raw, "status").lower()
        if text == "all":
            values["include_inactive"] = True
        elif text not in ("", "active", "open"):
            errors["status"] = _("%(field)s must be “all” or left out, so this filter was ignored.", field=_label("status"))

    if "page" in accepted:
        text = _last(raw, "page")
        if text:
            try:
                number = int(text)
                if number < 1:
                    raise ValueError(text)
                values["page"] = min(number, 100_000)
            except ValueError:
                errors["page"] = _("%(field)s must be a whole number of at least 1; the first page is shown.", field=_label("page"))
    return SearchFilters(**values), errors


def query_dict(params: Any) -> dict[str, list[str]]:
    """GET parameters (a multi-dict with ``getall``, or a plain mapping) as name → list of values."""
    if hasattr(params, "getall") and hasattr(params, "keys"):
        return {key: [str(v) for v in params.getall(key)] for key in set(params.keys())}
    return {key: list(value) if isinstance(value, (list, tuple)) else [str(value)] for key, value in dict(params).items()}
