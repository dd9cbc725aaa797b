"""Automatic assignment of reviewers to applications: pure and deterministic.

:func:`plan` gives each application at least ``minimum`` active reviewers from the panel:

1. never a conflicted pair (the injected ``conflict(reviewer_id, application_id)`` says why);
2. balanced load: among the eligible reviewers the one with the fewest active assignments in
   the round is chosen (optionally never more than ``max_load``);
3. among equally loaded reviewers, the best *fit* between the reviewer's expertise (taxonomy
   tags + text) and the application (its text and tags), then the lower user id.

Fit = 0.8 × ``similarity(expertise text, application text)`` + 0.2 × (tags in common / the
application's tags), rounded to 3 decimals (so equal inputs always give equal choices; a
similarity that raises ``ValueError``, e.g. for a blank text, counts as 0). ``similarity`` is
injected: the composition root passes the matching service's
:meth:`matching.service.MatchingService.similarity`; tests pass a fake.

Applications are served most constrained first (fewest eligible reviewers), then by id. Every
:class:`Choice` carries a human-readable reason (translated in the current language).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hubcity.core.i18n import gettext as _
from hubcity.core.i18n import ngettext

Similarity = Callable[[str, str], float]
#: ``conflict(reviewer_id, application_id)`` → an object with ``message()`` (a Conflict) or None.
ConflictCheck = Callable[[int, int], Any]

FIT_TEXT_WEIGHT = 0.8
FIT_TAG_WEIGHT = 0.2


@dataclass(frozen=True)
class Candidate:
    """A panel member who may review: ``reviewer_id`` (user id), ``tags`` (expertise slugs),
    ``text`` (expertise text), ``load`` (active assignments in the round already)."""

    reviewer_id: int
    tags: tuple[str, ...] = ()
    text: str = ""
    load: int = 0


@dataclass(frozen=True)
class Target:
    """An application to staff: ``application_id``, ``text`` (what it is about), ``tags``
    (its sectors/technologies), ``assigned`` (reviewer ids already actively assigned),
    ``excluded`` (reviewer ids never to choose, e.g. one who just declared a conflict)."""

    application_id: int
    text: str = ""
    tags: tuple[str, ...] = ()
    assigned: tuple[int, ...] = ()
    excluded: tuple[int, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One assignment the plan makes: ``fit`` 0..1, ``tags_in_common``, ``load`` (the
    reviewer's load before this choice), ``reason`` (translated, for people)."""

    application_id: int
    reviewer_id: int
    fit: float
    tags_in_common: tuple[str, ...]
    load: int
    reason: str


@dataclass(frozen=True)
class Shortfall:
    """An application that could not get ``minimum`` reviewers: ``missing`` how many, ``reason``."""

    application_id: int
    missing: int
    reason: str


@dataclass
class Plan:
    """The outcome of :func:`plan`: ``choices`` in the order made, ``shortfalls``, ``loads``
    (reviewer id → active assignments after the plan), ``conflicts`` ((reviewer, application) →
    reason for every pair skipped because of a conflict)."""

    choices: list[Choice] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    loads: dict[int, int] = field(default_factory=dict)
    conflicts: dict[tuple[int, int], str] = field(default_factory=dict)


def expertise_text(candidate: Candidate) -> str:
    """The text a reviewer's fit is measured with: their expertise text and tags."""
    return " ".join(part for part in (candidate.text.strip(), " ".join(candidate.tags)) if part)


def fit_of(candidate: Candidate, target: Target, similarity: Similarity) -> tuple[float, tuple[str, ...]]:
    """(fit 0..1 rounded to 3 decimals, tags in common sorted) of a reviewer for an application."""
    common = tuple(sorted(set(candidate.tags) & set(target.tags)))
    tag_part = len(common) / len(set(target.tags)) if target.tags else 0.0
    try:
        text_part = float(similarity(expertise_text(candidate), target.text)) if expertise_text(candidate) and target.text.strip() else 0.0
    except ValueError:
        text_part = 0.0
    text_part = min(max(text_part, 0.0), 1.0)
    return round(FIT_TEXT_WEIGHT * text_part + FIT_TAG_WEIGHT * tag_part, 3), common


def _reason(load: int, eligible: int, fit: float, common: Sequence[str]) -> str:
    parts = [
        ngettext("load %(num)s review (the lowest among %(eligible)s eligible reviewers)",
                 "load %(num)s reviews (the lowest among %(eligible)s eligible reviewers)", load, eligible=eligible),
        _("fit %(fit)s", fit=format(fit, ".2f")),
        _("tags in common: %(tags)s", tags=", ".join(common)) if common else _("no tags in common"),
    ]
    return "; ".join(parts)


def plan(
    targets: Iterable[Target],
    candidates: Iterable[Candidate],
    *,
    minimum: int,
    similarity: Similarity,
    conflict: ConflictCheck,
    max_load: int | None = None,
) -> Plan:
    """Choose reviewers so each target has at least ``minimum`` active reviewers (counting its
    ``assigned`` ones). Deterministic for equal inputs (order of the arguments does not matter).
    Never a pair for which ``conflict`` returns something, never a reviewer in ``excluded`` or
    already assigned. A target that cannot be staffed fully gets a :class:`Shortfall` naming why
    (not enough reviewers without a conflict, or every one at ``max_load``)."""
    pool = sorted(candidates, key=lambda c: c.reviewer_id)
    loads = {c.reviewer_id: c.load for c in pool}
    result = Plan(loads=loads)
    fits: dict[tuple[int, int], tuple[float, tuple[str, ...]]] = {}
    eligible: dict[int, list[Candidate]] = {}
    ordered = sorted(targets, key=lambda t: t.application_id)
    for target in ordered:
        allowed = []
        for candidate in pool:
            if candidate.reviewer_id in target.assigned or candidate.reviewer_id in target.excluded:
                continue
            found = conflict(candidate.reviewer_id, target.application_id)
            if found:
                result.conflicts[(candidate.reviewer_id, target.application_id)] = found.message() if hasattr(found, "message") else str(found)
                continue
            allowed.append(candidate)
            fits[(candidate.reviewer_id, target.application_id)] = fit_of(candidate, target, similarity)
        eligible[target.application_id] = allowed
    for target in sorted(ordered, key=lambda t: (len(eligible[t.application_id]), t.application_id)):
        need = minimum - len(set(target.assigned))
        chosen: set[int] = set()
        while need > 0:
            options = [
                c for c in eligible[target.application_id]
                if c.reviewer_id not in chosen and (max_load is None or loads[c.reviewer_id] < max_load)
            ]
            if not options:
                if len(eligible[target.application_id]) - len(chosen) <= 0:
                    why = _("Not enough reviewers on the panel without a conflict of interest.")
                else:
                    why = _("Every other eligible reviewer already has the most reviews allowed (%(max)s).", max=max_load)
                result.shortfalls.append(Shortfall(target.application_id, need, why))
                break
            best = min(options, key=lambda c: (loads[c.reviewer_id], -fits[(c.reviewer_id, target.application_id)][0], c.reviewer_id))
            fit, common = fits[(best.reviewer_id, target.application_id)]
            result.choices.append(
                Choice(target.application_id, best.reviewer_id, fit, common, loads[best.reviewer_id],
                       _reason(loads[best.reviewer_id], len(options), fit, common))
            )
            loads[best.reviewer_id] += 1
            chosen.add(best.reviewer_id)
            need -= 1
    return result


def candidate_from(member: Mapping[str, Any], load: int) -> Candidate:
    """A :class:`Candidate` from a PanelMember row (``user``, ``expertise_tags`` list,
    ``expertise_text``) and its current load."""
    return Candidate(int(member["user"]), tuple(str(t) for t in member.get("expertise_tags") or []), str(member.get("expertise_text") or ""), load)


def lexical_similarity(text_a: str, text_b: str) -> float:
    """A stand-in :data:`Similarity` (0..1): the Jaccard overlap of the two texts' lower-cased
    words. Used only when no similarity function is injected (the app injects the matching
    service's semantic one). Never raises."""
    import re

    words_a = set(re.findall(r"\w+", (text_a or "").lower()))
    words_b = set(re.findall(r"\w+", (text_b or "").lower()))
    if not words_a or not words_b:
        return 0.0
    return len(words_a & words_b) / len(words_a | words_b)
