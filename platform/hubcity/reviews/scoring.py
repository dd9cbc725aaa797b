"""Scoring of review rounds: pure functions, no database.

Shapes:

- a *rubric* is the ``rubric`` list of one round of ``Program.review_rounds``: criteria
  ``{key, label_ko, label_en, weight (> 0), scale_min, scale_max (ints, min < max)}``;
- *scores* map criterion key → number;
- a review's *total* is on a 0–100 scale (float); the database keeps it in thousandths
  (:func:`to_thousandths`).

Per application per round: the mean or trimmed mean of its reviews' totals
(:func:`aggregate`), the spread (:func:`spread`), a ranking with ties (:func:`rank`), who
advances (:func:`advancing`) and which assignments still miss a review (:func:`missing`);
:func:`round_results` puts them together.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hubcity.core.i18n import gettext as _

METHODS: tuple[str, ...] = ("mean", "trimmed_mean")
RECOMMENDATIONS: tuple[str, ...] = ("advance", "hold", "reject")
#: A trimmed mean drops one highest and one lowest total only from this many reviews on.
TRIM_FROM = 3


def is_number(value: Any) -> bool:
    """True for an int or a finite float (never a bool or text). An int of any size is finite
    (``math.isfinite(10**400)`` would raise OverflowError converting it to a float)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def score_errors(scores: Any, rubric: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Problems of ``scores`` against ``rubric``: ``"scores.<key>"`` → translated message naming
    the criterion and its scale; ``"scores"`` when it is not a mapping or names an unknown
    criterion. Empty when every criterion has a number inside its scale (ends included)."""
    if not isinstance(scores, Mapping):
        return {"scores": _("Scores: give one score per criterion.")}
    errors: dict[str, str] = {}
    keys = {str(c["key"]) for c in rubric}
    unknown = sorted(str(k) for k in scores if str(k) not in keys)
    if unknown:
        errors["scores"] = _("Scores: “%(keys)s” is not a criterion of this round.", keys=", ".join(unknown)[:80])
    for criterion in rubric:
        key = str(criterion["key"])
        label = criterion.get("label_en") or criterion.get("label_ko") or key
        low, high = criterion["scale_min"], criterion["scale_max"]
        value = scores.get(key)
        if value is None or value == "":
            errors[f"scores.{key}"] = _("%(criterion)s: give a score from %(min)s to %(max)s.", criterion=label, min=low, max=high)
        elif not is_number(value) or not low <= value <= high:
            errors[f"scores.{key}"] = _(
                "%(criterion)s: the score must be a number from %(min)s to %(max)s.", criterion=label, min=low, max=high
            )
    return errors


def weighted_total(scores: Mapping[str, float], rubric: Sequence[Mapping[str, Any]]) -> float:
    """The weighted total of one review on a 0–100 scale.

    Each criterion's score is placed on its own scale ((score − scale_min) / (scale_max −
    scale_min), so criteria with different scales weigh only by ``weight``), then averaged with
    the weights and multiplied by 100. Example: scores 4/5 (weight 2) and 3/5 on a 1–5 scale
    (weight 1) → (2·0.75 + 1·0.5) / 3 · 100 = 66.67. Raises ``KeyError`` for a missing score and
    ``ValueError`` for an empty rubric; check with :func:`score_errors` first."""
    if not rubric:
        raise ValueError("weighted_total: the rubric has no criteria")
    weights = 0.0
    total = 0.0
    for criterion in rubric:
        weight = float(criterion["weight"])
        low, high = float(criterion["scale_min"]), float(criterion["scale_max"])
        total += weight * (float(scores[str(criterion["key"])]) - low) / (high - low)
        weights += weight
    return total / weights * 100


def to_thousandths(value: float) -> int:
    """A 0–100 total as the stored integer (thousandths, rounded half away from zero)."""
    return int(math.floor(value * 1000 + 0.5)) if value >= 0 else -int(math.floor(-value * 1000 + 0.5))


def from_thousandths(value: int) -> float:
    """The stored integer back as a float total."""
    return value / 1000


@dataclass(frozen=True)
class Aggregate:
    """The score of one application in one round.

    score: None without reviews; trimmed: True when a highest and a lowest total were dropped
    (a trimmed mean with at least :data:`TRIM_FROM` reviews); count: the reviews counted.
    """

    score: float | None
    trimmed: bool
    count: int


def aggregate(totals: Sequence[float], method: str) -> Aggregate:
    """The round score of one application from its reviews' ``totals`` (0–100 each).

    ``mean``: the plain mean. ``trimmed_mean``: with 3 or more totals, one highest and one
    lowest are dropped (one each even when several tie) and the rest averaged; with 1 or 2
    totals nothing can be dropped fairly, so it is the plain mean (``trimmed`` False). No
    totals: ``score`` None. Raises ``ValueError`` for an unknown method."""
    if method not in METHODS:
        raise ValueError(f"aggregate: unknown scoring method {method!r}")
    values = sorted(float(t) for t in totals)
    if not values:
        return Aggregate(None, False, 0)
    if method == "trimmed_mean" and len(values) >= TRIM_FROM:
        kept = values[1:-1]
        return Aggregate(sum(kept) / len(kept), True, len(values))
    return Aggregate(sum(values) / len(values), False, len(values))


@dataclass(frozen=True)
class Spread:
    """How much reviewers disagree: ``range`` (max − min) and ``stdev`` (population standard
    deviation), both on the 0–100 scale; 0 for one total, None for none."""

    range: float | None
    stdev: float | None


def spread(totals: Sequence[float]) -> Spread:
    """The :class:`Spread` of ``totals`` (all of them, before any trimming)."""
    values = [float(t) for t in totals]
    if not values:
        return Spread(None, None)
    mean = sum(values) / len(values)
    return Spread(max(values) - min(values), math.sqrt(sum((v - mean) ** 2 for v in values) / len(values)))


def rank(scores: Mapping[int, float | None]) -> dict[int, int | None]:
    """Competition ranking ("1224") of application id → score, highest first: equal scores
    (compared at thousandths) share a rank and the next rank skips. Applications without a score
    get None."""
    scored = sorted(((to_thousandths(s), app) for app, s in scores.items() if s is not None), key=lambda p: (-p[0], p[1]))
    ranks: dict[int, int | None] = {app: None for app, s in scores.items() if s is None}
    previous: int | None = None
    current = 0
    for position, (value, app) in enumerate(scored, start=1):
        if value != previous:
            current, previous = position, value
        ranks[app] = current
    return ranks


def advancing(ranks: Mapping[int, int | None], advance: int) -> list[int]:
    """The application ids that advance: those ranked ``advance`` or better. A tie at the cut
    takes every tied application (so more than ``advance`` may go on; :func:`round_results` flags
    it); unranked applications (no review) never advance; ``advance`` 0 takes none. Sorted by
    rank, then id."""
    if advance <= 0:
        return []
    chosen = [app for app, r in ranks.items() if r is not None and r <= advance]
    return sorted(chosen, key=lambda app: (ranks[app], app))


@dataclass(frozen=True)
class Missing:
    """An assignment without a submitted review: ``assignment_id``, ``application_id``, ``reviewer_id``."""

    assignment_id: int
    application_id: int
    reviewer_id: int


def missing(assignments: Iterable[Mapping[str, Any]], reviewed_assignment_ids: Iterable[int]) -> list[Missing]:
    """Active assignments (status not ``withdrawn``; rows with ``id``, ``application``,
    ``reviewer``) that have no review among ``reviewed_assignment_ids``, by application then
    reviewer."""
    done = set(reviewed_assignment_ids)
    rows = [
        Missing(int(a["id"]), int(a["application"]), int(a["reviewer"]))
        for a in assignments
        if a.get("status") != "withdrawn" and int(a["id"]) not in done
    ]
    return sorted(rows, key=lambda m: (m.application_id, m.reviewer_id, m.assignment_id))


@dataclass(frozen=True)
class ApplicationResult:
    """One application's line of a round's results (totals on 0–100)."""

    application_id: int
    totals: tuple[float, ...]
    score: float | None
    trimmed: bool
    spread: Spread
    rank: int | None
    advances: bool
    recommendations: dict[str, int]
    missing_reviewers: tuple[int, ...]


@dataclass(frozen=True)
class RoundResults:
    """Results of one round: ``rows`` best first (unranked last, then by id), ``method``,
    ``advance`` (N), ``advancing`` ids, ``tie_at_cut`` (more than N advance because of a tie),
    ``missing`` assignments."""

    method: str
    advance: int
    rows: list[ApplicationResult]
    advancing: list[int]
    tie_at_cut: bool
    missing: list[Missing] = field(default_factory=list)

    def row(self, application_id: int) -> ApplicationResult | None:
        return next((r for r in self.rows if r.application_id == application_id), None)


def round_results(
    *,
    application_ids: Iterable[int],
    reviews: Iterable[Mapping[str, Any]],
    assignments: Iterable[Mapping[str, Any]],
    method: str,
    advance: int,
) -> RoundResults:
    """Everything staff see for one round.

    application_ids: the round's participants. reviews: submitted reviews ``{assignment,
    application, total (thousandths), recommendation}`` (comments are not reviews and are never
    passed here). assignments: the round's assignment rows ``{id, application, reviewer,
    status}``. method/advance: the round's scoring method and how many advance."""
    apps = sorted(set(int(a) for a in application_ids))
    review_list = list(reviews)
    assignment_list = list(assignments)
    gaps = missing(assignment_list, [int(r["assignment"]) for r in review_list])
    per_app: dict[int, list[Mapping[str, Any]]] = {a: [] for a in apps}
    for review in review_list:
        per_app.setdefault(int(review["application"]), []).append(review)
    aggregates = {a: aggregate([from_thousandths(int(r["total"])) for r in per_app[a]], method) for a in apps}
    ranks = rank({a: aggregates[a].score for a in apps})
    chosen = advancing(ranks, advance)
    rows = []
    for app in apps:
        totals = tuple(sorted(from_thousandths(int(r["total"])) for r in per_app[app]))
        counts = {key: 0 for key in RECOMMENDATIONS}
        for review in per_app[app]:
            counts[str(review["recommendation"])] = counts.get(str(review["recommendation"]), 0) + 1
        rows.append(
            ApplicationResult(
                application_id=app, totals=totals, score=aggregates[app].score, trimmed=aggregates[app].trimmed,
                spread=spread(totals), rank=ranks[app], advances=app in chosen, recommendations=counts,
                missing_reviewers=tuple(m.reviewer_id for m in gaps if m.application_id == app),
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.application_id))
    return RoundResults(method, advance, rows, chosen, len(chosen) > advance, gaps)
