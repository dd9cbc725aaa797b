"""Contract: filters of every kind (list fields match on any element; Not also matches documents
without the field), facet counts over the matched set, sorting, paging and totals."""

from __future__ import annotations

import pytest

from matching.backends.base import And, Eq, In, Not, Or, Range, SearchQuery
from tests.matching.contract.catalogue import ids

EVERYTHING = 100


def found(backend, flt, text: str = "") -> set[str]:
    result = backend.search("startups", SearchQuery(text, filter=flt, limit=EVERYTHING))
    assert result.total == len(result.hits)
    return set(ids(result))


@pytest.mark.parametrize(
    "flt, expected",
    [
        (Eq("stage", "seed"), {"s1", "s3", "s5"}),
        (Eq("team_size", 40), {"s2"}),
        (Eq("team_size", 40.0), {"s2"}),
        (Eq("verified", True), {"s1", "s3", "s4", "s7"}),
        (Eq("verified", False), {"s2", "s5"}),
        (Eq("tags", "batteries"), {"s1", "s2", "s5", "s7"}),  # a list field: any element
        (In("country", ("KR", "DE")), {"s1", "s4", "s5", "s7"}),
        (In("tags", ("robotics", "ai")), {"s3", "s4", "s6"}),
        (In("stage", ()), set()),
        (Range("team_size", 10, 40), {"s1", "s2", "s3", "s6"}),  # inclusive at both ends
        (Range("team_size", low=100), {"s4"}),
        (Range("team_size", high=10), {"s5"}),
        (Range("year", 2019.5, 2021), {"s1", "s3"}),
        (And((Eq("stage", "seed"), Eq("country", "US"))), {"s3"}),
        (Or((Eq("country", "DE"), Eq("stage", "growth"))), {"s4", "s7"}),
        (Not(Eq("verified", True)), {"s2", "s5", "s6"}),  # s6 has no "verified" at all
        (Not(In("country", ("US",))), {"s1", "s4", "s5", "s6", "s7"}),
        (Not(Range("year", 2000, 2100)), {"s6"}),
        (And((Eq("tags", "batteries"), Not(Eq("country", "KR")))), {"s2"}),
        (Or((And((Eq("stage", "seed"), Eq("tags", "climate"))), Range("team_size", low=100))), {"s1", "s4", "s5"}),
    ],
)
def test_filters_select_the_documents_they_describe(catalogue, flt, expected):
    assert found(catalogue, flt) == expected


def test_filters_apply_to_keyword_hits(catalogue):
    assert found(catalogue, Eq("country", "KR"), text="배터리") == {"s5", "s7"}
    assert found(catalogue, Eq("stage", "growth"), text="배터리") == {"s7"}


def test_facet_counts_cover_every_matched_document_not_only_the_page(catalogue):
    result = catalogue.search("startups", SearchQuery("", facets=("stage", "tags"), limit=1))
    assert len(result.hits) == 1 and result.total == 7
    assert result.facets["stage"] == {"seed": 3, "series-a": 2, "growth": 2}
    assert result.facets["tags"] == {"batteries": 4, "climate": 2, "robotics": 2, "software": 2, "energy": 1, "logistics": 1, "health": 1, "ai": 1}


def test_facet_counts_follow_the_filter_and_the_words(catalogue):
    filtered = catalogue.search("startups", SearchQuery("", filter=Eq("country", "KR"), facets=("stage", "verified")))
    assert filtered.facets["stage"] == {"seed": 2, "growth": 1}
    assert filtered.facets["verified"] == {"true": 2, "false": 1}
    worded = catalogue.search("startups", SearchQuery("배터리", facets=("stage",)))
    assert worded.facets["stage"] == {"seed": 1, "growth": 1}


def test_numeric_facet_values_are_counted_under_their_plain_text(catalogue):
    result = catalogue.search("startups", SearchQuery("", filter=Eq("stage", "seed"), facets=("year",)))
    assert result.facets["year"] == {"2020": 1, "2021": 1, "2022": 1}


def test_sort_orders_numbers_both_ways(catalogue):
    ascending = ids(catalogue.search("startups", SearchQuery("", sort=(("team_size", "asc"),))))
    assert ascending == ["s5", "s1", "s3", "s6", "s2", "s7", "s4"]
    descending = ids(catalogue.search("startups", SearchQuery("", sort=(("team_size", "desc"),))))
    assert descending == list(reversed(ascending))


def test_sort_puts_documents_without_the_field_last_in_both_directions(catalogue):
    ascending = ids(catalogue.search("startups", SearchQuery("", sort=(("year", "asc"),))))
    assert ascending == ["s4", "s7", "s2", "s3", "s1", "s5", "s6"]
    descending = ids(catalogue.search("startups", SearchQuery("", sort=(("year", "desc"),))))
    assert descending == ["s5", "s1", "s3", "s2", "s7", "s4", "s6"]


def test_sort_orders_strings_and_applies_to_keyword_hits(catalogue):
    result = catalogue.search("startups", SearchQuery("", filter=Eq("country", "US"), sort=(("name", "asc"),)))
    assert ids(result) == ["s2", "s3"]  # GridNest, WareBot
    worded = catalogue.search("startups", SearchQuery("배터리", sort=(("team_size", "desc"),)))
    assert ids(worded) == ["s7", "s5"]


def test_paging_walks_the_same_ranking_with_the_same_total(catalogue):
    full = ids(catalogue.search("startups", SearchQuery("", sort=(("team_size", "asc"),), limit=EVERYTHING)))
    pages = []
    for offset in (0, 3, 6):
        page = catalogue.search("startups", SearchQuery("", sort=(("team_size", "asc"),), limit=3, offset=offset))
        assert page.total == 7
        pages.extend(ids(page))
    assert pages == full
    beyond = catalogue.search("startups", SearchQuery("", limit=3, offset=50))
    assert beyond.hits == () and beyond.total == 7


def test_paging_keyword_hits_keeps_the_order(catalogue):
    text = "battery storage recycling software"
    full = ids(catalogue.search("startups", SearchQuery(text, limit=EVERYTHING)))
    first = ids(catalogue.search("startups", SearchQuery(text, limit=1)))
    rest = ids(catalogue.search("startups", SearchQuery(text, limit=EVERYTHING, offset=1)))
    assert first + rest == full
