"""Automatic assignment: balance, minimum reviews, conflicts, fit with reasons, determinism."""

from __future__ import annotations

import random

from hubcity.core.i18n import use_locale
from hubcity.reviews.assignment import Candidate, Target, fit_of, lexical_similarity, plan
from hubcity.reviews.conflicts import Conflict
from tests.factories.reviews import word_similarity


def no_conflict(reviewer_id: int, application_id: int) -> None:
    return None


def test_every_application_gets_the_minimum_and_load_is_balanced() -> None:
    targets = [Target(a, f"application {a}") for a in range(1, 8)]
    candidates = [Candidate(r) for r in (101, 102, 103)]
    result = plan(targets, candidates, minimum=2, similarity=word_similarity, conflict=no_conflict)
    per_app: dict[int, set[int]] = {}
    for choice in result.choices:
        per_app.setdefault(choice.application_id, set()).add(choice.reviewer_id)
    assert all(len(per_app[t.application_id]) == 2 for t in targets)  # two different reviewers each
    assert not result.shortfalls
    assert sorted(result.loads.values()) == [4, 5, 5]


def test_existing_load_and_assignments_count() -> None:
    targets = [Target(1, "x", assigned=(101,)), Target(2, "y")]
    candidates = [Candidate(101, load=5), Candidate(102, load=0), Candidate(103, load=0)]
    result = plan(targets, candidates, minimum=2, similarity=word_similarity, conflict=no_conflict)
    chosen = {(c.application_id, c.reviewer_id) for c in result.choices}
    assert (1, 101) not in chosen and len([c for c in result.choices if c.application_id == 1]) == 1
    assert all(c.reviewer_id != 101 for c in result.choices)  # the busiest is never needed


def test_conflicted_pairs_are_never_chosen_and_recorded_with_the_reason() -> None:
    def conflict(reviewer_id: int, application_id: int) -> Conflict | None:
        return Conflict("investor", "Blue Sky") if (reviewer_id, application_id) == (101, 1) else None

    result = plan([Target(1, "a"), Target(2, "b")], [Candidate(101), Candidate(102)], minimum=2, similarity=word_similarity, conflict=conflict)
    assert (1, 101) not in {(c.application_id, c.reviewer_id) for c in result.choices}
    with use_locale("en"):
        assert "Blue Sky" in Conflict("investor", "Blue Sky").message()
    assert (101, 1) in result.conflicts
    assert [(s.application_id, s.missing) for s in result.shortfalls] == [(1, 1)]


def test_shortfall_when_every_reviewer_is_at_max_load() -> None:
    result = plan([Target(1, "a"), Target(2, "b")], [Candidate(101), Candidate(102)], minimum=2, similarity=word_similarity,
                  conflict=no_conflict, max_load=1)
    assert [(c.application_id, c.reviewer_id) for c in result.choices] == [(1, 101), (1, 102)]
    assert [(s.application_id, s.missing) for s in result.shortfalls] == [(2, 2)]
    with use_locale("en"):
        again = plan([Target(1, "a"), Target(2, "b")], [Candidate(101), Candidate(102)], minimum=2, similarity=word_similarity,
                     conflict=no_conflict, max_load=1)
    assert "most reviews allowed (1)" in again.shortfalls[0].reason
    assert result.loads == {101: 1, 102: 1}


def test_excluded_reviewers_are_skipped() -> None:
    result = plan([Target(1, "a", excluded=(101,))], [Candidate(101), Candidate(102)], minimum=1, similarity=word_similarity, conflict=no_conflict)
    assert [c.reviewer_id for c in result.choices] == [102]


def test_fit_breaks_ties_of_load_and_the_reason_says_so() -> None:
    targets = [Target(1, "computer vision for factory robots", tags=("robotics", "vision"))]
    candidates = [
        Candidate(101, tags=("biotech",), text="drug discovery"),
        Candidate(102, tags=("vision", "robotics"), text="computer vision robots"),
    ]
    result = plan(targets, candidates, minimum=1, similarity=word_similarity, conflict=no_conflict)
    (choice,) = result.choices
    assert choice.reviewer_id == 102 and choice.tags_in_common == ("robotics", "vision")
    assert choice.fit > fit_of(candidates[0], targets[0], word_similarity)[0]
    with use_locale("en"):
        result = plan(targets, candidates, minimum=1, similarity=word_similarity, conflict=no_conflict)
    reason = result.choices[0].reason
    assert "load 0" in reason and "fit" in reason and "robotics, vision" in reason


def test_plans_are_deterministic_whatever_the_input_order() -> None:
    targets = [Target(a, f"text {a % 3}", tags=(f"t{a % 2}",)) for a in range(1, 12)]
    candidates = [Candidate(r, tags=(f"t{r % 2}",), text=f"text {r % 3}") for r in range(100, 105)]
    first = plan(targets, candidates, minimum=3, similarity=word_similarity, conflict=no_conflict)
    for seed in range(5):
        shuffled_t, shuffled_c = targets[:], candidates[:]
        random.Random(seed).shuffle(shuffled_t)
        random.Random(seed + 1).shuffle(shuffled_c)
        again = plan(shuffled_t, shuffled_c, minimum=3, similarity=word_similarity, conflict=no_conflict)
        assert [(c.application_id, c.reviewer_id, c.fit) for c in again.choices] == [(c.application_id, c.reviewer_id, c.fit) for c in first.choices]


def test_a_similarity_that_raises_counts_as_zero() -> None:
    def raising(a: str, b: str) -> float:
        raise ValueError("blank")

    assert fit_of(Candidate(1, tags=("x",)), Target(1, "t", tags=("x", "y")), raising) == (0.1, ("x",))


def test_lexical_similarity() -> None:
    assert lexical_similarity("vision robots", "robots vision") == 1
    assert lexical_similarity("", "x") == 0
