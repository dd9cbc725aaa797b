"""The completeness score of a startup profile (0–100) and the next thing to fill in.

The score is the sum of the weights of the items present; the weights add up to 100. An item
in two languages counts when either language is given, except ``bilingual``, which rewards a
one-liner in both. The next thing to fill in is the missing item with the highest weight (the
first in this list among equals), with the onboarding step where it is filled in.

=================  ======  ====  ==================================================
item               weight  step  present when
=================  ======  ====  ==================================================
name               10      1     a name in Korean or English
website            5       1     a website
location           5       1     a location
founded_on         5       1     a founding date
team_size          5       1     a team size
one_liner          10      2     a one-liner in Korean or English
description        10      2     a description in Korean or English
bilingual          5       2     the one-liner in both Korean and English
sectors            10      3     at least one sector
technologies       10      3     at least one AI technology
stage              5       3     a stage
target_markets     5       4     at least one target market
traction           5       4     funding raised, or a named investor or customer
needs              5       5     what it needs from partners (either language)
offers             3       5     what it offers partners (either language)
logo               2       6     a logo
=================  ======  ====  ==================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubcity.core.i18n import N_


@dataclass(frozen=True)
class Item:
    """One weighted item. ``label`` is a gettext id naming what to add; ``field`` is the form
    field to jump to."""

    key: str
    weight: int
    step: int
    field: str
    label: str
    present: Callable[[dict[str, Any], dict[str, list[str]]], bool]


def _either(field: str) -> Callable[[dict[str, Any], dict[str, list[str]]], bool]:
    return lambda p, _t: bool((p.get(f"{field}_ko") or "").strip() or (p.get(f"{field}_en") or "").strip())


def _has(field: str) -> Callable[[dict[str, Any], dict[str, list[str]]], bool]:
    return lambda p, _t: p.get(field) not in (None, "", [])


def _tagged(kind: str) -> Callable[[dict[str, Any], dict[str, list[str]]], bool]:
    return lambda _p, t: bool(t.get(kind))


ITEMS: tuple[Item, ...] = (
    Item("name", 10, 1, "name_ko", N_("the company's name"), _either("name")),
    Item("website", 5, 1, "website", N_("the website"), _has("website")),
    Item("location", 5, 1, "location", N_("the location"), _has("location")),
    Item("founded_on", 5, 1, "founded_on", N_("the founding date"), _has("founded_on")),
    Item("team_size", 5, 1, "team_size", N_("the team size"), _has("team_size")),
    Item("one_liner", 10, 2, "one_liner_ko", N_("a one-line description"), _either("one_liner")),
    Item("description", 10, 2, "description_ko", N_("a description"), _either("description")),
    Item(
        "bilingual",
        5,
        2,
        "one_liner_en",
        N_("the one-line description in both Korean and English"),
        lambda p, _t: bool((p.get("one_liner_ko") or "").strip() and (p.get("one_liner_en") or "").strip()),
    ),
    Item("sectors", 10, 3, "sectors", N_("the sectors"), _tagged("sector")),
    Item("technologies", 10, 3, "technologies", N_("the AI technologies"), _tagged("technology")),
    Item("stage", 5, 3, "stage", N_("the stage"), _has("stage")),
    Item("target_markets", 5, 4, "target_markets", N_("the target markets"), _has("target_markets")),
    Item(
        "traction",
        5,
        4,
        "funding_raised",
        N_("the funding raised, investors or customers"),
        lambda p, _t: p.get("funding_raised") is not None or bool(p.get("investors")) or bool(p.get("customers")),
    ),
    Item("needs", 5, 5, "needs_ko", N_("what you need from partners"), _either("needs")),
    Item("offers", 3, 5, "offers_ko", N_("what you offer partners"), _either("offers")),
    Item("logo", 2, 6, "logo", N_("a logo"), _has("logo_path")),
)
assert sum(item.weight for item in ITEMS) == 100


@dataclass(frozen=True)
class Completeness:
    """``score`` 0–100; ``missing`` items in order of weight (highest first); ``next`` the first
    of them, or None when the profile is complete."""

    score: int
    missing: tuple[Item, ...]

    @property
    def next(self) -> Item | None:
        return self.missing[0] if self.missing else None


def completeness(profile: dict[str, Any], tags: dict[str, list[str]]) -> Completeness:
    """Score ``profile`` (a StartupProfile row with lists loaded) carrying ``tags``
    (``{"sector": [...], "technology": [...]}``)."""
    present = [item for item in ITEMS if item.present(profile, tags)]
    missing = sorted((item for item in ITEMS if item not in present), key=lambda item: -item.weight)
    return Completeness(score=sum(item.weight for item in present), missing=tuple(missing))
