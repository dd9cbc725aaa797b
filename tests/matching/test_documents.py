"""Index documents: fields, passages, fingerprints that change with the version and the embedders."""

from __future__ import annotations

import pytest

import matching.documents as documents
from matching.backends.base import EmbedderSpec
from matching.documents import (
    NeedText,
    StartupText,
    index_settings,
    need_document,
    need_query_text,
    startup_document,
    startup_query_text,
)

NAMES = ["use", "minilm"]


def _startup(**changes) -> StartupText:
    values = dict(
        id="17",
        name="GridCell",
        one_liner={"en": "Batteries for the grid", "ko": "전력망용 배터리"},
        description={"en": "We build grid-scale storage.\r\nIt runs for ten hours.", "ko": ""},
        tags=("Energy Storage", "에너지", "Energy", "energy"),
        facets={"sectors": ["energy"], "stage": "seed", "team_size": 12, "matchable": True, "status": "active", "country": None},
    )
    values.update(changes)
    return StartupText(**values)


def test_startup_document_fields_and_facets():
    doc = startup_document(_startup(), NAMES)
    fields = doc.fields
    assert fields["id"] == "17" and fields["name"] == "GridCell"
    assert fields["one_liner_en"] == "Batteries for the grid" and fields["one_liner_ko"] == "전력망용 배터리"
    assert fields["description_en"] == "We build grid-scale storage.\nIt runs for ten hours."
    assert fields["description_ko"] == ""
    assert fields["tags"] == "Energy Storage · 에너지 · Energy"  # repeats (any case) dropped
    assert fields["sectors"] == ["energy"] and fields["team_size"] == 12 and fields["matchable"] is True
    assert "country" not in fields  # None = unknown: left out
    assert fields["language"] == ["ko", "en"]
    assert fields["fingerprint"] == doc.fingerprint and len(doc.fingerprint) == 64


def test_startup_passages_by_language_carry_every_text():
    doc = startup_document(_startup(), NAMES)
    english = " ".join(doc.passages["en"])
    korean = " ".join(doc.passages["ko"])
    for text in ("GridCell", "Batteries for the grid", "grid-scale storage", "ten hours", "Energy Storage"):
        assert text in english
    assert "에너지" not in english and "에너지" in korean and "전력망용 배터리" in korean
    assert len(doc.passages["en"]) == 2  # profile and summary
    assert doc.passages_for(("en",)) == list(doc.passages["en"])
    assert doc.passages_for(("ko", "en")) == list(doc.passages["ko"]) + list(doc.passages["en"])


def test_a_korean_only_profile_still_gets_an_english_summary_from_its_english_tags():
    doc = startup_document(
        _startup(one_liner={"ko": "배터리 관리 시스템"}, description={}, tags=("에너지", "Energy")), NAMES
    )
    assert doc.fields["language"] == ["ko"]
    assert doc.passages["en"] == ("GridCell. Energy.",)
    bare = startup_document(_startup(one_liner={}, description={}, tags=()), NAMES)
    assert bare.passages == {"en": ("GridCell",)}


def test_fingerprint_is_stable_and_changes_with_data_version_and_embedders(monkeypatch):
    first = startup_document(_startup(), NAMES).fingerprint
    assert startup_document(_startup(), NAMES).fingerprint == first
    assert startup_document(_startup(), list(reversed(NAMES))).fingerprint == first  # order of names is irrelevant
    assert startup_document(_startup(name="GridCell Inc"), NAMES).fingerprint != first
    assert startup_document(_startup(facets={"stage": "growth"}), NAMES).fingerprint != first
    assert startup_document(_startup(), ["use"]).fingerprint != first
    monkeypatch.setattr(documents, "INDEX_TEXT_VERSION", documents.INDEX_TEXT_VERSION + 1)
    assert startup_document(_startup(), NAMES).fingerprint != first


def test_need_document_and_query_text():
    need = NeedText(
        id="n1",
        title={"ko": "배터리 협력사", "en": ""},
        description={"ko": "계통 규모의 저장 장치", "en": "Grid-scale storage"},
        tags=("에너지", "Energy"),
        facets={"sectors": ["energy"], "status": "open", "org_id": 4, "closes_at": 1760000000, "created_at": 1750000000},
    )
    doc = need_document(need, NAMES)
    assert doc.fields["title_ko"] == "배터리 협력사" and doc.fields["description_en"] == "Grid-scale storage"
    assert doc.fields["language"] == ["ko", "en"] and doc.fields["org_id"] == 4
    assert "배터리 협력사" in doc.passages["en"][0]  # the only title heads the English passage too
    assert need_query_text(need) == "배터리 협력사.\n계통 규모의 저장 장치.\nGrid-scale storage."
    assert need_document(need, NAMES).fingerprint == doc.fingerprint


def test_startup_query_text_has_name_and_texts():
    text = startup_query_text(_startup())
    assert "GridCell" not in text and "전력망용 배터리" in text and "ten hours" in text


def test_index_settings_list_fields_and_embedders():
    specs = (EmbedderSpec("use", 512), EmbedderSpec("minilm", 384))
    startups = index_settings("startups", specs)
    assert startups.uid == "startups" and startups.searchable[0] == "name"
    assert {"sectors", "matchable", "status", "language"} <= set(startups.filterable)
    assert startups.embedders == specs
    needs = index_settings("needs", specs)
    assert set(needs.sortable) <= set(needs.filterable) and "visibility" in needs.filterable
    with pytest.raises(ValueError, match="unknown index 'programs'"):
        index_settings("programs", specs)
    with pytest.raises(ValueError, match="repeat"):
        index_settings("startups", specs + (EmbedderSpec("use", 512),))


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"id": " "}, "id must not be empty"),
        ({"name": ""}, "name must not be empty"),
        ({"one_liner": {"jp": "x"}}, "one_liner: language must be one of ko, en"),
        ({"description": {"en": 5}}, r"description\[en\]: expected text"),
        ({"tags": "Energy"}, "tags must be a sequence"),
        ({"facets": {"colour": "red"}}, "facet 'colour' is not one of"),
        ({"facets": {"sectors": ["energy", 3]}}, "facet 'sectors': a list must hold only texts"),
        ({"facets": {"team_size": float("nan")}}, "not a finite number"),
        ({"facets": {"team_size": {"n": 1}}}, "facet 'team_size': dict is not"),
        ({"facets": {"language": ["en"]}}, "'language' is computed"),
    ],
)
def test_bad_startups_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        startup_document(_startup(**changes), NAMES)


def test_a_need_without_any_title_is_refused():
    with pytest.raises(ValueError, match="title must be given"):
        need_document(NeedText(id="n2", title={"ko": " ", "en": ""}, description={"en": "text"}), NAMES)
