"""Contract: indexes and documents — ensure_index, upsert, replace, delete, count, fingerprints,
persistence, and two backend objects on the same storage."""

from __future__ import annotations

import numpy as np
import pytest

from matching.backends.base import EmbedderSpec, Eq, IndexSettings, InvalidQueryError, SearchBackend, SearchQuery
from tests.matching.contract.catalogue import CATALOGUE_SETTINGS, ids, unit

PLAIN = IndexSettings(uid="plain", searchable=("title",), filterable=("kind",), embedders=(EmbedderSpec("a", 3),))


def doc(doc_id: str, title: str, kind: str = "x", vector=None, fingerprint: str = "") -> dict:
    return {"id": doc_id, "title": title, "kind": kind, "fingerprint": fingerprint or f"fp-{doc_id}", "_vectors": {"a": vector if vector is not None else unit(1, 0, 0)}}


def test_the_backend_satisfies_the_protocol(backend):
    assert isinstance(backend, SearchBackend)
    assert backend.health() is True


def test_ensure_index_is_idempotent_and_keeps_documents(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "solar panels")])
    backend.ensure_index(PLAIN)
    backend.ensure_index(PLAIN)
    assert backend.count("plain") == 1
    assert ids(backend.search("plain", SearchQuery("solar"))) == ["d1"]


def test_changing_filterable_fields_keeps_documents_and_makes_the_new_field_usable(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [{**doc("d1", "solar panels"), "region": "north"}, {**doc("d2", "wind farms"), "region": "south"}])
    with pytest.raises(InvalidQueryError, match="region"):
        backend.search("plain", SearchQuery("", filter=Eq("region", "north")))
    backend.ensure_index(IndexSettings(uid="plain", searchable=("title",), filterable=("kind", "region"), embedders=PLAIN.embedders))
    assert backend.count("plain") == 2
    assert ids(backend.search("plain", SearchQuery("", filter=Eq("region", "north")))) == ["d1"]


def test_upsert_replaces_by_id_and_count_and_fingerprints_follow(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "solar panels", fingerprint="v1"), doc("d2", "wind farms", fingerprint="v1")])
    assert backend.count("plain") == 2
    assert backend.fingerprints("plain") == {"d1": "v1", "d2": "v1"}

    backend.upsert("plain", [doc("d1", "tidal turbines", fingerprint="v2")])
    assert backend.count("plain") == 2
    assert backend.fingerprints("plain") == {"d1": "v2", "d2": "v1"}
    assert ids(backend.search("plain", SearchQuery("solar"))) == []
    assert ids(backend.search("plain", SearchQuery("tidal"))) == ["d1"]
    hit = backend.search("plain", SearchQuery("tidal")).hits[0]
    assert hit.document["title"] == "tidal turbines"
    assert "_vectors" not in hit.document


def test_a_replaced_documents_vector_and_facets_are_replaced_too(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "one", kind="old", vector=unit(1, 0, 0)), doc("d2", "two", vector=unit(0, 1, 0))])
    backend.upsert("plain", [doc("d1", "one", kind="new", vector=unit(0, 0, 1))])
    result = backend.search("plain", SearchQuery("", vectors={"a": unit(0, 0, 1)}, semantic_ratio=1.0))
    assert ids(result)[0] == "d1"
    assert result.hits[0].semantic_scores["a"] == pytest.approx(1.0, abs=1e-3)
    assert ids(backend.search("plain", SearchQuery("", filter=Eq("kind", "old")))) == []
    assert ids(backend.search("plain", SearchQuery("", filter=Eq("kind", "new")))) == ["d1"]


def test_delete_removes_documents_and_ignores_unknown_ids(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "solar panels"), doc("d2", "solar roofs"), doc("d3", "wind farms")])
    backend.delete("plain", ["d1", "nope"])
    assert backend.count("plain") == 2
    assert set(backend.fingerprints("plain")) == {"d2", "d3"}
    assert ids(backend.search("plain", SearchQuery("solar"))) == ["d2"]
    backend.delete("plain", [])
    assert backend.count("plain") == 2


def test_drop_index_removes_everything_and_ignores_unknown_indexes(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "solar panels")])
    backend.drop_index("plain")
    backend.drop_index("plain")
    backend.drop_index("other")
    assert backend.count("plain") == 0
    backend.ensure_index(PLAIN)
    assert backend.count("plain") == 0
    assert backend.search("plain", SearchQuery("solar")).total == 0


def test_indexes_are_separate(backend):
    backend.ensure_index(PLAIN)
    backend.ensure_index(IndexSettings(uid="other", searchable=("title",), embedders=(EmbedderSpec("a", 3),)))
    backend.upsert("plain", [doc("d1", "solar panels")])
    backend.upsert("other", [doc("d1", "wind farms")])
    assert ids(backend.search("plain", SearchQuery("solar"))) == ["d1"]
    assert ids(backend.search("other", SearchQuery("solar"))) == []


def test_documents_without_a_vector_are_stored_and_found_by_words(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [{"id": "d1", "title": "solar panels", "_vectors": {"a": None}}])
    assert ids(backend.search("plain", SearchQuery("solar"))) == ["d1"]


def test_documents_persist_when_the_backend_is_opened_again(open_backend, catalogue_documents):
    first = open_backend()
    first.ensure_index(CATALOGUE_SETTINGS)
    first.upsert("startups", catalogue_documents)
    first.delete("startups", ["s2"])
    close = getattr(first, "close", None)
    if close:
        close()

    second = open_backend()
    assert second.count("startups") == len(catalogue_documents) - 1
    assert ids(second.search("startups", SearchQuery("warehouse"))) == ["s3"]
    query = catalogue_documents[3]["_vectors"]["use"]
    result = second.search("startups", SearchQuery("", vectors={"use": query}, semantic_ratio=1.0))
    assert ids(result)[0] == "s4"


def test_a_second_backend_object_on_the_same_storage_sees_the_others_writes(open_backend):
    reader, writer = open_backend(), open_backend()
    writer.ensure_index(PLAIN)
    writer.upsert("plain", [doc("d1", "solar panels")])
    assert ids(reader.search("plain", SearchQuery("solar"))) == ["d1"]  # the reader has loaded it now

    writer.upsert("plain", [doc("d2", "solar roofs", vector=unit(0, 1, 0))])
    writer.delete("plain", ["d1"])
    assert ids(reader.search("plain", SearchQuery("solar"))) == ["d2"]
    assert reader.count("plain") == 1
    semantic = reader.search("plain", SearchQuery("", vectors={"a": unit(0, 1, 0)}, semantic_ratio=1.0))
    assert ids(semantic)[0] == "d2"

    writer.ensure_index(IndexSettings(uid="plain", searchable=("title",), filterable=("kind",), sortable=("kind",), embedders=PLAIN.embedders))
    writer.upsert("plain", [doc("d3", "solar farms", kind="a"), doc("d4", "solar roofs", kind="b")])
    assert ids(reader.search("plain", SearchQuery("", sort=(("kind", "desc"),)))) == ["d2", "d4", "d3"]

    writer.drop_index("plain")
    assert reader.count("plain") == 0


def test_a_batch_with_one_bad_document_stores_nothing(backend):
    backend.ensure_index(PLAIN)
    backend.upsert("plain", [doc("d1", "solar panels")])
    bad = {"id": "d3", "title": "broken", "_vectors": {"a": np.ones(5, dtype=np.float32)}}
    with pytest.raises(InvalidQueryError, match="'a'|\\ba\\b"):
        backend.upsert("plain", [doc("d1", "replaced title"), doc("d2", "wind farms"), bad])
    assert backend.count("plain") == 1
    assert backend.search("plain", SearchQuery("replaced")).total == 0
