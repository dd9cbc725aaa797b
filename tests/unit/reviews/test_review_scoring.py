"""Scoring of review rounds: totals, mean and trimmed mean, spread, ranking with ties, advancing, missing."""

from __future__ import annotations

import math

import pytest

from hubcity.core.i18n import use_locale
from hubcity.reviews import scoring

RUBRIC = [
    {"key": "team", "label_en": "Team", "weight": 2, "scale_min": 1, "scale_max": 5},
    {"key": "market", "label_en": "Market", "weight": 1, "scale_min": 0, "scale_max": 10},
]


def test_weighted_total_places_each_score_on_its_scale_then_weighs() -> None:
    # team 4 on 1..5 → 0.75 (weight 2), market 5 on 0..10 → 0.5 (weight 1): (1.5 + 0.5) / 3
    assert scoring.weighted_total({"team": 4, "market": 5}, RUBRIC) == pytest.approx(66.6667, abs=1e-3)
    assert scoring.weighted_total({"team": 5, "market": 10}, RUBRIC) == 100
    assert scoring.weighted_total({"team": 1, "market": 0}, RUBRIC) == 0
    assert scoring.to_thousandths(66.66666) == 66667 and scoring.from_thousandths(66667) == 66.667


def test_score_errors_name_each_criterion_and_its_scale() -> None:
    with use_locale("en"):
        errors = scoring.score_errors({"team": 6, "market": "lots", "extra": 1}, RUBRIC)
        assert set(errors) == {"scores", "scores.team", "scores.market"}
        assert "Team" in errors["scores.team"] and "1" in errors["scores.team"] and "5" in errors["scores.team"]
        assert "extra" in errors["scores"]
        assert scoring.score_errors({"team": 1, "market": 10}, RUBRIC) == {}  # ends included
        assert set(scoring.score_errors({"team": True, "market": float("nan")}, RUBRIC)) == {"scores.team", "scores.market"}
        assert set(scoring.score_errors({}, RUBRIC)) == {"scores.team", "scores.market"}
        assert scoring.score_errors([1, 2], RUBRIC) == {"scores": "Scores: give one score per criterion."}


def test_mean_and_trimmed_mean() -> None:
    assert scoring.aggregate([10, 20, 90], "mean").score == 40
    trimmed = scoring.aggregate([10, 20, 90], "trimmed_mean")
    assert trimmed.score == 20 and trimmed.trimmed and trimmed.count == 3
    four = scoring.aggregate([50, 10, 90, 70], "trimmed_mean")
    assert four.score == 60  # drops 10 and 90


def test_trimmed_mean_with_fewer_than_three_reviews_is_the_plain_mean() -> None:
    two = scoring.aggregate([40, 80], "trimmed_mean")
    assert two.score == 60 and not two.trimmed
    one = scoring.aggregate([70], "trimmed_mean")
    assert one.score == 70 and not one.trimmed
    none = scoring.aggregate([], "trimmed_mean")
    assert none.score is None and none.count == 0


def test_trimmed_mean_drops_only_one_of_tied_extremes() -> None:
    assert scoring.aggregate([90, 90, 90, 10], "trimmed_mean").score == 90  # drops one 90 and the 10
    assert scoring.aggregate([50, 50, 50], "trimmed_mean").score == 50


def test_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError):
        scoring.aggregate([1], "median")


def test_spread() -> None:
    s = scoring.spread([10, 20, 30])
    assert s.range == 20 and s.stdev == pytest.approx(math.sqrt(200 / 3))
    assert scoring.spread([42]) == scoring.Spread(0, 0)
    assert scoring.spread([]) == scoring.Spread(None, None)


def test_rank_shares_ties_and_skips() -> None:
    ranks = scoring.rank({1: 80.0, 2: 90.0, 3: 80.0, 4: 70.0, 5: None})
    assert ranks == {2: 1, 1: 2, 3: 2, 4: 4, 5: None}


def test_advancing_takes_a_tie_at_the_cut_and_never_the_unranked() -> None:
    ranks = {2: 1, 1: 2, 3: 2, 4: 4, 5: None}
    assert scoring.advancing(ranks, 1) == [2]
    assert scoring.advancing(ranks, 2) == [2, 1, 3]
    assert scoring.advancing(ranks, 10) == [2, 1, 3, 4]
    assert scoring.advancing(ranks, 0) == []


def test_missing_ignores_withdrawn_and_reviewed() -> None:
    assignments = [
        {"id": 1, "application": 10, "reviewer": 100, "status": "submitted"},
        {"id": 2, "application": 10, "reviewer": 101, "status": "assigned"},
        {"id": 3, "application": 11, "reviewer": 100, "status": "withdrawn"},
        {"id": 4, "application": 11, "reviewer": 102, "status": "assigned"},
    ]
    assert scoring.missing(assignments, [1]) == [scoring.Missing(2, 10, 101), scoring.Missing(4, 11, 102)]


def test_round_results_put_it_together() -> None:
    reviews = [
        {"assignment": 1, "application": 10, "total": 80000, "recommendation": "advance"},
        {"assignment": 2, "application": 10, "total": 60000, "recommendation": "hold"},
        {"assignment": 3, "application": 10, "total": 10000, "recommendation": "reject"},
        {"assignment": 4, "application": 11, "total": 70000, "recommendation": "advance"},
    ]
    assignments = [{"id": i, "application": 10 if i <= 3 else 11, "reviewer": 100 + i, "status": "submitted"} for i in range(1, 5)]
    assignments.append({"id": 5, "application": 12, "reviewer": 200, "status": "assigned"})
    results = scoring.round_results(application_ids=[10, 11, 12], reviews=reviews, assignments=assignments, method="trimmed_mean", advance=1)
    assert [r.application_id for r in results.rows] == [11, 10, 12]
    best, second, unranked = results.rows
    assert best.score == 70 and best.rank == 1 and best.advances and not best.trimmed
    assert second.score == 60 and second.trimmed and second.rank == 2 and second.spread.range == 70
    assert second.recommendations == {"advance": 1, "hold": 1, "reject": 1}
    assert unranked.score is None and unranked.rank is None and unranked.missing_reviewers == (200,)
    assert results.advancing == [11] and not results.tie_at_cut
    assert results.missing == [scoring.Missing(5, 12, 200)]
    tied = scoring.round_results(application_ids=[1, 2], reviews=[
        {"assignment": 1, "application": 1, "total": 50000, "recommendation": "hold"},
        {"assignment": 2, "application": 2, "total": 50000, "recommendation": "hold"},
    ], assignments=[], method="mean", advance=1)
    assert tied.advancing == [1, 2] and tied.tie_at_cut
