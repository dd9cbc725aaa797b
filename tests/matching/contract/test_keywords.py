"""Contract: keyword search (semantic ratio 0) in English and Korean, typo tolerance, matched terms."""

from __future__ import annotations

from matching.backends.base import SearchQuery
from tests.matching.contract.catalogue import ids


def test_english_words_find_the_documents_that_contain_them(catalogue):
    result = catalogue.search("startups", SearchQuery("warehouse robots"))
    assert ids(result)[0] == "s3"
    assert not {"s1", "s2", "s4", "s5", "s7"} & set(ids(result))
    assert result.total == len(result.hits)
    hit = result.hits[0]
    assert hit.keyword_score is not None and 0.0 < hit.keyword_score <= 1.0
    assert 0.0 < hit.score <= 1.0
    assert hit.document["name"] == "WareBot"


def test_search_is_case_insensitive(catalogue):
    assert ids(catalogue.search("startups", SearchQuery("LITHIUM"))) == ["s1"]


def test_a_document_matching_more_words_ranks_higher(catalogue):
    result = catalogue.search("startups", SearchQuery("grid storage software"))
    assert ids(result)[0] == "s2"


def test_matched_terms_are_the_query_words_found_in_the_document(catalogue):
    hit = catalogue.search("startups", SearchQuery("Warehouse robots drones")).hits[0]
    assert hit.id == "s3"
    assert set(hit.matched_terms) == {"warehouse", "robots"}


def test_a_korean_word_finds_documents_where_it_carries_a_particle(catalogue):
    # s5 says "배터리를" (battery + object particle); s7 says "배터리" and "배터리의"-free text
    found = ids(catalogue.search("startups", SearchQuery("배터리")))
    assert "s5" in found and "s7" in found
    assert "s1" not in found and "s3" not in found


def test_a_korean_query_word_with_a_particle_finds_the_bare_word(catalogue):
    found = ids(catalogue.search("startups", SearchQuery("배터리를")))
    assert "s7" in found  # s7 has "배터리" without the particle
    assert "s5" in found


def test_korean_nouns_of_two_syllables_are_found(catalogue):
    assert ids(catalogue.search("startups", SearchQuery("물류"))) == ["s6"]
    assert ids(catalogue.search("startups", SearchQuery("리튬"))) == ["s5"]


def test_one_typo_is_forgiven_in_words_of_five_letters_or_more(catalogue):
    assert ids(catalogue.search("startups", SearchQuery("warehose"))) == ["s3"]
    assert ids(catalogue.search("startups", SearchQuery("medcal"))) == ["s4"]


def test_two_typos_are_forgiven_in_words_of_nine_letters_or_more(catalogue):
    assert ids(catalogue.search("startups", SearchQuery("radiologsits"))) == ["s4"]


def test_short_words_need_exact_spelling(catalogue):
    assert ids(catalogue.search("startups", SearchQuery("robt"))) == []


def test_an_exact_match_ranks_above_a_typo_match(backend):
    from matching.backends.base import IndexSettings

    backend.ensure_index(IndexSettings(uid="plain", searchable=("title",)))
    backend.upsert("plain", [{"id": "typo", "title": "cabon capture"}, {"id": "exact", "title": "carbon capture"}])
    assert ids(backend.search("plain", SearchQuery("carbon")))[0] == "exact"


def test_words_found_nowhere_give_no_hits(catalogue):
    result = catalogue.search("startups", SearchQuery("zebrafish"))
    assert result.hits == () and result.total == 0


def test_an_empty_query_is_a_placeholder_search_over_every_document(catalogue):
    result = catalogue.search("startups", SearchQuery("", limit=100))
    assert result.total == 7
    assert sorted(ids(result)) == sorted(f"s{i}" for i in range(1, 8))
    assert all(hit.keyword_score is None for hit in result.hits)
