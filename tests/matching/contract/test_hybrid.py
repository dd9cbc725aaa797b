"""Contract: semantic and hybrid search. Ratio 0 is keyword-only, 1 is vectors-only (every
document passing the filter, ranked by similarity), and rankings move monotonically between.
Meaning is judged with the real multilingual USE model."""

from __future__ import annotations

import pytest

from matching.backends.base import EmbedderSpec, Eq, IndexSettings, SearchQuery
from tests.matching.contract.catalogue import ids, unit

RATIOS = (0.0, 0.25, 0.5, 0.75, 1.0)


def test_ratio_one_ranks_every_document_by_meaning_across_languages(catalogue, embed):
    # a Korean need finds the English battery recycler first, and an English need the Korean one
    korean = catalogue.search("startups", SearchQuery("", vectors={"use": embed(["폐배터리에서 리튬을 회수하는 재활용 기술"])[0]}, semantic_ratio=1.0, limit=100))
    assert ids(korean)[0] in {"s1", "s5"}
    assert set(ids(korean)[:2]) == {"s1", "s5"}
    assert korean.total == 7
    english = catalogue.search("startups", SearchQuery("", vectors={"use": embed(["robots for warehouse logistics"])[0]}, semantic_ratio=1.0))
    assert set(ids(english)[:2]) == {"s3", "s6"}
    hit = english.hits[0]
    assert -1.0 <= hit.semantic_scores["use"] <= 1.0
    assert hit.semantic_scores["use"] > english.hits[-1].semantic_scores["use"]
    scores = [h.score for h in english.hits]
    assert scores == sorted(scores, reverse=True)


def test_ratio_one_with_words_still_returns_documents_that_lack_the_words(catalogue, embed):
    text = "medical imaging diagnosis"
    vector = embed([text])[0]
    keyword = catalogue.search("startups", SearchQuery(text, vectors={"use": vector}, semantic_ratio=0.0))
    assert ids(keyword) == ["s4"]
    semantic = catalogue.search("startups", SearchQuery(text, vectors={"use": vector}, semantic_ratio=1.0, limit=100))
    assert semantic.total == 7
    assert ids(semantic)[0] == "s4"


def test_filters_apply_to_semantic_hits(catalogue, embed):
    vector = embed(["battery recycling"])[0]
    result = catalogue.search("startups", SearchQuery("", vectors={"use": vector}, semantic_ratio=1.0, filter=Eq("country", "US")))
    assert set(ids(result)) == {"s2", "s3"}
    assert ids(result)[0] == "s2"
    assert result.total == 2


def test_ratio_zero_ignores_meaning(catalogue, embed):
    vector = embed(["robots for warehouse logistics"])[0]
    result = catalogue.search("startups", SearchQuery("lithium", vectors={"use": vector}, semantic_ratio=0.0))
    assert ids(result) == ["s1"]


MONOTONE = IndexSettings(uid="monotone", searchable=("text",), embedders=(EmbedderSpec("use", 512),))
NEED = "electric vehicle battery recycling"
WORDS_ONLY = "We help restaurants cut food waste through composting and recycling"  # shares "recycling"
MEANING_ONLY = "Reusing worn-out lithium-ion cells from EVs for grid storage"  # shares no word


def test_a_keyword_only_document_loses_rank_monotonically_against_a_meaning_only_one(backend, embed):
    vectors = embed([WORDS_ONLY, MEANING_ONLY, NEED])
    backend.ensure_index(MONOTONE)
    backend.upsert(
        "monotone",
        [
            {"id": "words", "text": WORDS_ONLY, "_vectors": {"use": vectors[0]}},
            {"id": "meaning", "text": MEANING_ONLY, "_vectors": {"use": vectors[1]}},
        ],
    )
    words_first = []
    for ratio in RATIOS:
        ranking = ids(backend.search("monotone", SearchQuery(NEED, vectors={"use": vectors[2]}, semantic_ratio=ratio)))
        assert "words" in ranking or ratio == 1.0
        words_first.append("meaning" not in ranking or ranking.index("words") < ranking.index("meaning"))
    assert words_first[0] is True  # keyword-only: the meaning-only document is not even a hit
    assert words_first[-1] is False  # vectors-only: meaning wins
    # once the meaning-only document overtakes, it stays ahead
    assert words_first == sorted(words_first, reverse=True)


MULTI = IndexSettings(uid="multi", searchable=("text",), embedders=(EmbedderSpec("a", 3), EmbedderSpec("b", 3)))


@pytest.fixture
def multi(backend):
    backend.ensure_index(MULTI)
    backend.upsert(
        "multi",
        [
            {"id": "x", "text": "first", "_vectors": {"a": unit(1, 0, 0), "b": unit(0, 1, 0)}},
            {"id": "y", "text": "second", "_vectors": {"a": unit(0, 1, 0), "b": unit(1, 0, 0)}},
            {"id": "z", "text": "third", "_vectors": {"a": None, "b": unit(0, 0, 1)}},
        ],
    )
    return backend


def test_embedder_weights_decide_which_space_leads(multi):
    query = {"a": unit(1, 0, 0), "b": unit(1, 0, 0)}
    a_heavy = multi.search("multi", SearchQuery("", vectors=query, embedder_weights={"a": 1.0, "b": 0.2}, semantic_ratio=1.0))
    assert ids(a_heavy)[0] == "x"
    b_heavy = multi.search("multi", SearchQuery("", vectors=query, embedder_weights={"a": 0.2, "b": 1.0}, semantic_ratio=1.0))
    assert ids(b_heavy)[0] == "y"


def test_only_embedders_present_in_the_query_count(multi):
    only_a = multi.search("multi", SearchQuery("", vectors={"a": unit(0, 1, 0)}, embedder_weights={"b": 5.0}, semantic_ratio=1.0))
    assert ids(only_a)[0] == "y"
    assert set(only_a.hits[0].semantic_scores) == {"a"}


def test_a_document_without_a_vector_for_the_embedder_ranks_below_those_with_one(multi):
    result = multi.search("multi", SearchQuery("", vectors={"a": unit(0, 0, 1)}, semantic_ratio=1.0))
    ranking = ids(result)
    assert set(ranking) >= {"x", "y"}
    if "z" in ranking:  # Meilisearch leaves it out; the embedded backend ranks it last
        assert ranking[-1] == "z"


def test_ranking_score_threshold_drops_weak_hits_from_the_total_and_facets(catalogue, embed):
    vector = embed(["AI that reads medical images"])[0]
    everything = catalogue.search("startups", SearchQuery("", vectors={"use": vector}, semantic_ratio=1.0, limit=100))
    cut = (everything.hits[0].score + everything.hits[1].score) / 2
    kept = catalogue.search("startups", SearchQuery("", vectors={"use": vector}, semantic_ratio=1.0, ranking_score_threshold=cut, facets=("stage",)))
    assert ids(kept) == ["s4"]
    assert kept.total == 1
    assert kept.facets["stage"] == {"growth": 1}
