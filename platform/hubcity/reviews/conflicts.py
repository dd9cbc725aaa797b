"""Conflicts of interest between a reviewer and an application (DESIGN.md §4).

A reviewer is conflicted with an application when

- ``own_affiliation``: the reviewer's affiliation is the startup's name (its organisation's or
  its profile's, Korean or English), or the reviewer is a member of the startup's organisation;
- ``investor`` / ``customer`` / ``partner``: the startup's profile names the reviewer's
  affiliation in that list;
- ``declared``: the reviewer declared a conflict with that startup (any of its applications).

Names are compared after :func:`normalise_org_name`. :func:`conflict_of` is pure;
:func:`check` is the repository-backed wrapper the services call.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

#: conflict kind → message id (translated by :meth:`Conflict.message`).
KINDS: dict[str, str] = {
    "own_affiliation": N_("The reviewer works for this startup (%(affiliation)s)."),
    "investor": N_("The startup names the reviewer's organisation (%(affiliation)s) as an investor."),
    "customer": N_("The startup names the reviewer's organisation (%(affiliation)s) as a customer."),
    "partner": N_("The startup names the reviewer's organisation (%(affiliation)s) as a partner."),
    "declared": N_("The reviewer declared a conflict of interest with this startup."),
}

# Legal-form words and marks stripped from organisation names (after NFKC and lower-casing;
# NFKC turns ㈜ into "(주)").
_LEGAL_FORMS = (
    r"\(주\)", r"\(유\)", r"\(사\)", r"\(재\)", "주식회사", "유한회사", "유한책임회사",
    r"\bco\.?,?\s*ltd\b\.?", r"\bcorporation\b", r"\bcorp\b\.?", r"\binc\b\.?", r"\bincorporated\b",
    r"\bllc\b", r"\bltd\b\.?", r"\blimited\b", r"\bco\b\.?", r"\bgmbh\b", r"\bplc\b",
)
_LEGAL = re.compile("|".join(_LEGAL_FORMS))
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalise_org_name(name: str | None) -> str:
    """An organisation name reduced for comparison: Unicode NFKC (㈜ → (주), full-width → ASCII),
    lower case, legal forms dropped ((주), ㈜, 주식회사, Inc., Corp., Co., Ltd., LLC, …), then
    every space and punctuation mark removed. "㈜ 한빛 로보틱스" and "한빛로보틱스 주식회사" both
    give "한빛로보틱스"; "Acme Co., Ltd." and "ACME inc" give "acme". Empty for an empty name."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _LEGAL.sub(" ", text)
    return _NOT_WORD.sub("", text)


@dataclass(frozen=True)
class ReviewerFacts:
    """What conflicts need to know of a reviewer: ``user_id``, ``affiliation`` (free text, may
    be empty), ``organisation_ids`` (organisations they are a member of), ``declared_profiles``
    (profile ids they declared a conflict with)."""

    user_id: int
    affiliation: str = ""
    organisation_ids: frozenset[int] = frozenset()
    declared_profiles: frozenset[int] = frozenset()


@dataclass(frozen=True)
class StartupFacts:
    """What conflicts need to know of an application's startup: ``application_id``,
    ``profile_id``, ``organisation_id``, ``names`` (organisation and profile names, any
    language), and the profile's ``investors``, ``customers`` and ``partners`` (names)."""

    application_id: int
    profile_id: int
    organisation_id: int | None = None
    names: tuple[str, ...] = ()
    investors: tuple[str, ...] = ()
    customers: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conflict:
    """One conflict: ``kind`` (a key of :data:`KINDS`) and ``affiliation`` (the name that matched)."""

    kind: str
    affiliation: str = ""

    def message(self) -> str:
        """The reason, translated in the current language."""
        return _(KINDS[self.kind], affiliation=self.affiliation)


def _names(values: Iterable[str]) -> set[str]:
    return {n for n in (normalise_org_name(v) for v in values) if n}


def conflict_of(reviewer: ReviewerFacts, startup: StartupFacts) -> Conflict | None:
    """The first conflict between ``reviewer`` and ``startup`` in the order declared,
    own_affiliation (name or membership), investor, customer, partner; None when there is none.
    An empty affiliation matches no name."""
    if startup.profile_id in reviewer.declared_profiles:
        return Conflict("declared")
    if startup.organisation_id is not None and startup.organisation_id in reviewer.organisation_ids:
        return Conflict("own_affiliation", reviewer.affiliation or (startup.names[0] if startup.names else ""))
    mine = normalise_org_name(reviewer.affiliation)
    if not mine:
        return None
    if mine in _names(startup.names):
        return Conflict("own_affiliation", reviewer.affiliation)
    for kind, listed in (("investor", startup.investors), ("customer", startup.customers), ("partner", startup.partners)):
        if mine in _names(listed):
            return Conflict(kind, reviewer.affiliation)
    return None


def reviewer_facts(user_id: int, affiliation: str, organisation_ids: Iterable[int], declared_profiles: Iterable[int]) -> ReviewerFacts:
    """A :class:`ReviewerFacts` from plain values."""
    return ReviewerFacts(user_id, affiliation or "", frozenset(int(o) for o in organisation_ids), frozenset(int(p) for p in declared_profiles))


def startup_facts(application: Mapping[str, Any], profile: Mapping[str, Any] | None, organisation: Mapping[str, Any] | None) -> StartupFacts:
    """A :class:`StartupFacts` from an application row, its (live) profile row with JSON lists
    loaded, and its organisation row (either may be None)."""
    profile = profile or {}
    names = [str(x) for x in (
        (organisation or {}).get("name_ko"), (organisation or {}).get("name_en"), profile.get("name_ko"), profile.get("name_en"),
    ) if x]

    def listed(key: str) -> tuple[str, ...]:
        values = profile.get(key) or []
        return tuple(str(v) for v in values if v) if isinstance(values, list) else ()

    return StartupFacts(
        application_id=int(application["id"]), profile_id=int(application["profile"]),
        organisation_id=application.get("organisation"), names=tuple(names),
        investors=listed("investors"), customers=listed("customers"), partners=listed("partners"),
    )


@dataclass
class ConflictIndex:
    """Conflicts of many (reviewer, application) pairs, looked up once: build with
    :func:`load_index`, then call it. ``reviewers``: user id → facts; ``startups``: application id
    → facts."""

    reviewers: dict[int, ReviewerFacts] = field(default_factory=dict)
    startups: dict[int, StartupFacts] = field(default_factory=dict)

    def __call__(self, reviewer_id: int, application_id: int) -> Conflict | None:
        reviewer, startup = self.reviewers.get(reviewer_id), self.startups.get(application_id)
        if reviewer is None or startup is None:
            return None
        return conflict_of(reviewer, startup)


async def load_index(affiliations: Mapping[int, str], application_ids: Iterable[int]) -> ConflictIndex:
    """A :class:`ConflictIndex` for reviewers (user id → affiliation) and applications, read
    from the database (memberships, declared conflicts, profiles, organisations)."""
    from hubcity.reviews.repositories import ConflictRepository

    repo = ConflictRepository()
    index = ConflictIndex()
    for user_id, affiliation in affiliations.items():
        index.reviewers[int(user_id)] = reviewer_facts(
            user_id, affiliation, await repo.organisation_ids(user_id), await repo.declared_profiles(user_id)
        )
    for application_id in application_ids:
        facts = await repo.startup_of(application_id)
        if facts is not None:
            index.startups[int(application_id)] = facts
    return index


async def check(reviewer_id: int, affiliation: str, application_id: int) -> Conflict | None:
    """Is reviewer ``reviewer_id`` (with ``affiliation``) conflicted with ``application_id``?
    The :class:`Conflict` (its :meth:`Conflict.message` is the reason), or None."""
    index = await load_index({reviewer_id: affiliation}, [application_id])
    return index(reviewer_id, application_id)
