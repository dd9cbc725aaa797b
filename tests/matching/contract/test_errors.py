"""Contract: bad input raises InvalidQueryError with a message naming the field or rule."""

from __future__ import annotations

import re

import numpy as np
import pytest

from matching.backends.base import And, Eq, In, InvalidQueryError, Not, Range, SearchBackendError, SearchQuery
from tests.matching.contract.catalogue import unit


def rejects(backend, query: SearchQuery, pattern: str) -> str:
    with pytest.raises(InvalidQueryError) as caught:
        backend.search("startups", query)
    message = str(caught.value)
    assert re.search(pattern, message), message
    return message


@pytest.mark.parametrize(
    "flt",
    [
        Eq("founder_email", "x"),
        In("founder_email", ("x",)),
        Range("founder_email", 1, 2),
        Not(Eq("founder_email", "x")),
        And((Eq("stage", "seed"), Eq("founder_email", "x"))),
    ],
)
def test_a_filter_on_a_field_that_is_not_filterable(catalogue, flt):
    rejects(catalogue, SearchQuery("", filter=flt), "founder_email")


def test_facets_and_sort_on_undeclared_fields(catalogue):
    rejects(catalogue, SearchQuery("", facets=("founder_email",)), "founder_email")
    rejects(catalogue, SearchQuery("", sort=(("country", "asc"),)), "country")  # filterable, not sortable
    rejects(catalogue, SearchQuery("", sort=(("team_size", "upwards"),)), "team_size|upwards")


@pytest.mark.parametrize("ratio", [1.5, -0.1])
def test_a_semantic_ratio_outside_zero_to_one(catalogue, ratio):
    rejects(catalogue, SearchQuery("battery", semantic_ratio=ratio), "semantic_ratio")


def test_a_ranking_score_threshold_outside_zero_to_one(catalogue):
    rejects(catalogue, SearchQuery("battery", ranking_score_threshold=1.5), "ranking_score_threshold")


@pytest.mark.parametrize("limit", [0, 1001])
def test_a_limit_outside_1_to_1000(catalogue, limit):
    rejects(catalogue, SearchQuery("battery", limit=limit), "limit")


def test_a_query_vector_of_the_wrong_length(catalogue):
    rejects(catalogue, SearchQuery("", vectors={"use": np.ones(384, dtype=np.float32)}, semantic_ratio=1.0), "use")


def test_a_query_vector_for_an_unknown_embedder(catalogue):
    rejects(catalogue, SearchQuery("", vectors={"minilm": unit(1, 0, 0)}, semantic_ratio=1.0), "minilm")


def test_a_range_with_a_text_bound(catalogue):
    rejects(catalogue, SearchQuery("", filter=Range("team_size", "ten", None)), "team_size|ten")


def _upsert_rejects(backend, document: dict, pattern: str) -> None:
    before = backend.count("startups")
    with pytest.raises(InvalidQueryError) as caught:
        backend.upsert("startups", [document])
    assert re.search(pattern, str(caught.value)), str(caught.value)
    assert backend.count("startups") == before


def test_a_document_without_an_id(catalogue):
    _upsert_rejects(catalogue, {"name": "Nameless", "_vectors": {"use": None}}, r"\bid\b")


def test_a_document_with_a_bad_id(catalogue):
    _upsert_rejects(catalogue, {"id": "has spaces/and slashes", "_vectors": {"use": None}}, r"\bid\b")


def test_a_document_vector_of_the_wrong_length(catalogue):
    _upsert_rejects(catalogue, {"id": "bad", "_vectors": {"use": np.ones(3, dtype=np.float32)}}, "use")


def test_a_document_vector_for_an_unknown_embedder(catalogue):
    _upsert_rejects(catalogue, {"id": "bad", "_vectors": {"use": None, "minilm": np.ones(384, dtype=np.float32)}}, "minilm")


def test_a_search_in_an_index_that_does_not_exist(backend):
    # the contract leaves the kind open: the embedded backend says InvalidQueryError, Meilisearch
    # SearchBackendError (an index being rebuilt may come back); both name the index
    with pytest.raises((InvalidQueryError, SearchBackendError), match="nowhere"):
        backend.search("nowhere", SearchQuery("battery"))
