"""The keyword analyser: Korean morphemes through Kiwi, English stems, the same for documents
and queries."""

from __future__ import annotations

import pytest

from matching.text import Analyzer, QueryWord, default_analyzer
from matching.text.tokenize import MAX_QUERY_WORDS


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return default_analyzer()


@pytest.mark.parametrize("text", ["배터리를", "배터리가", "배터리의", "배터리에서", "배터리"])
def test_korean_particles_are_dropped(analyzer, text):
    assert analyzer.terms(text) == ["배터리"]


def test_korean_endings_suffixes_and_light_verbs_are_dropped_and_prefixes_kept(analyzer):
    assert analyzer.terms("재활용합니다") == ["재활용"]
    assert analyzer.terms("활용합니다") == ["활용"]  # not the same word as 재활용
    assert analyzer.terms("의료 영상을 판독하는 인공지능") == ["의료", "영상", "판독", "인공", "지능"]


def test_a_korean_compound_is_one_query_word_with_several_terms(analyzer):
    words = analyzer.query_words("전기차 배터리를")
    assert words == [
        QueryWord(word="전기차", terms=("전기", "차"), forms=("전기", "차")),
        QueryWord(word="배터리를", terms=("배터리",), forms=("배터리",)),
    ]


def test_english_is_lower_cased_stemmed_and_stripped_of_stop_words(analyzer):
    assert analyzer.terms("The Batteries of a battery") == ["batteri", "batteri"]
    assert analyzer.pairs("Recycling batteries") == [("recycling", "recycl"), ("batteries", "batteri")]


def test_mixed_korean_and_english(analyzer):
    assert analyzer.terms("AI기반 물류 SaaS를 만듭니다 for warehouses") == ["ai", "기반", "물류", "saa", "만들", "warehous"]


def test_text_is_nfkc_normalised(analyzer):
    assert analyzer.terms("ＡＩ ｒｏｂｏｔｓ") == ["ai", "robot"]


def test_document_and_query_analysis_agree(analyzer):
    text = "CircuitHub: on-demand electronics, 전기차 배터리를 재활용하는 AI기반 스타트업 and robots."
    per_word = [term for word in analyzer.query_words(text) for term in word.terms]
    assert set(per_word) == set(analyzer.terms(text))


def test_query_words_are_distinct_lower_cased_and_without_edge_punctuation(analyzer):
    words = analyzer.query_words("Battery, battery! (Storage) the")
    assert [w.word for w in words] == ["battery", "storage"]
    assert words[0].forms == ("battery",)


def test_query_words_are_capped(analyzer):
    text = " ".join(f"word{i}" for i in range(MAX_QUERY_WORDS + 10))
    assert len(analyzer.query_words(text)) == MAX_QUERY_WORDS


@pytest.mark.parametrize("text", ["", "   ", "the of and", "!!! ...", None, 42])
def test_empty_or_meaningless_text_gives_nothing(analyzer, text):
    assert analyzer.terms(text) == []
    assert analyzer.query_words(text) == []


class _CountingKiwi:
    def __init__(self) -> None:
        self.calls = 0

    def tokenize(self, text):
        self.calls += 1
        return []


def test_kiwi_is_used_only_for_text_with_hangul():
    kiwi = _CountingKiwi()
    analyzer = Analyzer(korean_analyzer=kiwi)
    analyzer.terms("only english words here")
    analyzer.query_words("still english")
    assert kiwi.calls == 0
    analyzer.terms("한국어 text")
    assert kiwi.calls == 1
