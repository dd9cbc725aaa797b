"""The embedded backend beyond the shared contract: its scores, stemming, settings changes,
transactions, refreshes across objects and processes, and the repacking of deleted slots."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import matching.backends.embedded as embedded_module
from matching.backends.base import (
    EmbedderSpec,
    Eq,
    IndexSettings,
    InvalidQueryError,
    Not,
    SearchBackendError,
    SearchQuery,
)
from matching.backends.embedded import EmbeddedBackend

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = IndexSettings(
    uid="things",
    searchable=("title", "body"),
    filterable=("kind", "size", "tags"),
    sortable=("size",),
    embedders=(EmbedderSpec("a", 3), EmbedderSpec("b", 2)),
)


def unit(*values: float) -> np.ndarray:
    array = np.asarray(values, dtype=np.float32)
    return array / np.linalg.norm(array)


def doc(doc_id: str, title: str, body: str = "", kind: str = "k", size: float = 1, a=(1, 0, 0), b=(1, 0), tags=()):
    return {
        "id": doc_id,
        "title": title,
        "body": body,
        "kind": kind,
        "size": size,
        "tags": list(tags),
        "fingerprint": f"fp-{doc_id}",
        "_vectors": {"a": unit(*a) if a is not None else None, "b": unit(*b) if b is not None else None},
    }


@pytest.fixture
def backend(tmp_path):
    with EmbeddedBackend(tmp_path / "search") as backend:
        backend.ensure_index(SETTINGS)
        yield backend


def ids(result):
    return [hit.id for hit in result.hits]


# -- keyword scoring ----------------------------------------------------------------------------


def test_english_words_are_stemmed(backend):
    backend.upsert("things", [doc("d1", "battery storage"), doc("d2", "recycled batteries")])
    assert set(ids(backend.search("things", SearchQuery("batteries")))) == {"d1", "d2"}
    assert ids(backend.search("things", SearchQuery("recycling"))) == ["d2"]


def test_keyword_scores_reward_matching_more_of_the_query(backend):
    backend.upsert("things", [doc("all", "solar battery storage"), doc("one", "solar panels"), doc("none", "wind farms")])
    result = backend.search("things", SearchQuery("solar battery storage"))
    assert ids(result) == ["all", "one"]
    best, partial = result.hits
    assert best.keyword_score == pytest.approx(1.0)
    assert 0.0 < partial.keyword_score < 0.5
    assert best.matched_terms == ("solar", "battery", "storage")
    assert partial.matched_terms == ("solar",)


def test_the_first_searchable_field_weighs_more(backend):
    backend.upsert("things", [doc("in_body", "something", body="lidar sensors"), doc("in_title", "lidar sensors", body="something")])
    assert ids(backend.search("things", SearchQuery("lidar"))) == ["in_title", "in_body"]


def test_a_typo_on_the_first_letter_is_not_forgiven(backend):
    backend.upsert("things", [doc("d1", "warehouse automation")])
    assert ids(backend.search("things", SearchQuery("warehose"))) == ["d1"]
    assert ids(backend.search("things", SearchQuery("qarehouse"))) == []


def test_typo_matches_are_marked_in_the_hit_and_score_lower(backend):
    backend.upsert("things", [doc("exact", "carbon capture"), doc("typo", "carbin capture")])
    result = backend.search("things", SearchQuery("carbon"))
    assert ids(result) == ["exact", "typo"]
    assert result.hits[1].matched_terms == ("carbon",)
    assert result.hits[1].keyword_score < result.hits[0].keyword_score


# -- the hybrid formula -----------------------------------------------------------------------------


def _semantic(cosine: float) -> float:
    return (1.0 + cosine) / 2.0


def test_the_hybrid_score_is_the_documented_mix(backend):
    backend.upsert("things", [doc("words", "battery recycling", a=(0, 1, 0)), doc("meaning", "unrelated", a=(1, 0, 0))])
    query_vector = unit(1, 1, 0)
    keyword = backend.search("things", SearchQuery("battery recycling")).hits[0].keyword_score
    for ratio in (0.25, 0.5, 0.75):
        hits = {h.id: h for h in backend.search("things", SearchQuery("battery recycling", vectors={"a": query_vector}, semantic_ratio=ratio)).hits}
        cosine = float(unit(0, 1, 0) @ query_vector)
        assert hits["words"].score == pytest.approx((1 - ratio) * keyword + ratio * _semantic(cosine), abs=1e-5)
        assert hits["meaning"].score == pytest.approx(ratio * _semantic(float(unit(1, 0, 0) @ query_vector)), abs=1e-5)
        assert hits["meaning"].keyword_score is None
        assert hits["words"].semantic_scores["a"] == pytest.approx(cosine, abs=1e-5)


def test_the_gap_between_a_meaning_match_and_a_word_match_grows_with_the_ratio(backend):
    backend.upsert("things", [doc("words", "battery recycling", a=(0, 1, 0)), doc("meaning", "unrelated", a=(1, 0, 0))])
    gaps = []
    for ratio in np.linspace(0.05, 0.95, 10):
        hits = {h.id: h.score for h in backend.search("things", SearchQuery("battery", vectors={"a": unit(1, 0, 0)}, semantic_ratio=float(ratio))).hits}
        gaps.append(hits["meaning"] - hits["words"])
    assert gaps == sorted(gaps)


def test_several_embedders_are_a_weighted_mean_and_missing_vectors_score_zero(backend):
    backend.upsert("things", [doc("d1", "x", a=(1, 0, 0), b=(0, 1)), doc("d2", "y", a=None, b=(1, 0))])
    query = SearchQuery("", vectors={"a": unit(1, 0, 0), "b": unit(1, 0)}, embedder_weights={"a": 3.0, "b": 1.0}, semantic_ratio=1.0)
    hits = {h.id: h for h in backend.search("things", query).hits}
    assert hits["d1"].score == pytest.approx((3 * _semantic(1.0) + 1 * _semantic(0.0)) / 4, abs=1e-5)
    assert hits["d2"].score == pytest.approx((3 * 0.0 + 1 * _semantic(1.0)) / 4, abs=1e-5)
    assert set(hits["d2"].semantic_scores) == {"b"}


def test_an_empty_query_with_vectors_ranks_by_meaning_and_without_is_a_placeholder(backend):
    backend.upsert("things", [doc("d1", "x", a=(1, 0, 0)), doc("d2", "y", a=(0, 1, 0))])
    semantic = backend.search("things", SearchQuery("", vectors={"a": unit(0, 1, 0)}, semantic_ratio=0.5))
    assert ids(semantic) == ["d2", "d1"]
    assert semantic.hits[0].score == pytest.approx(1.0, abs=1e-5)
    placeholder = backend.search("things", SearchQuery(""))
    assert ids(placeholder) == ["d1", "d2"] and {h.score for h in placeholder.hits} == {1.0}


def test_a_ratio_above_zero_without_vectors_is_keyword_only(backend):
    backend.upsert("things", [doc("d1", "battery"), doc("d2", "wind")])
    assert ids(backend.search("things", SearchQuery("battery", semantic_ratio=0.7))) == ["d1"]


def test_weights_that_switch_off_every_embedder_are_refused(backend):
    with pytest.raises(InvalidQueryError, match="embedder_weights"):
        backend.search("things", SearchQuery("", vectors={"a": unit(1, 0, 0)}, embedder_weights={"a": 0.0}, semantic_ratio=1.0))


@pytest.mark.parametrize(
    "query, field",
    [
        (SearchQuery("", embedder_weights={"zzz": 1.0}), "zzz"),
        (SearchQuery("", embedder_weights={"a": -1.0}), "embedder_weights"),
        (SearchQuery("", vectors={"a": np.zeros(3, dtype=np.float32)}, semantic_ratio=1.0), "zero vector"),
        (SearchQuery("", vectors={"a": np.array([np.nan, 1, 0], dtype=np.float32)}, semantic_ratio=1.0), "NaN"),
        (SearchQuery("", limit=True), "limit"),
        (SearchQuery("", offset=-1), "offset"),
        (SearchQuery(42), "text"),
        (SearchQuery("", filter=Eq("kind", ["a"])), "kind"),
        (SearchQuery("", filter=Eq("size", float("inf"))), "size"),
        (SearchQuery("", semantic_ratio=True), "semantic_ratio"),
    ],
)
def test_more_bad_queries(backend, query, field):
    with pytest.raises(InvalidQueryError, match=field):
        backend.search("things", query)


# -- documents ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"id": 7}, "id"),
        ({"id": ""}, "id"),
        ({"id": "x", "fingerprint": 3}, "fingerprint"),
        ({"id": "x", "kind": {"nested": 1}}, "kind"),
        ({"id": "x", "tags": [["nested"]]}, "tags"),
        ({"id": "x", "size": float("nan")}, "size|JSON"),
        ({"id": "x", "title": 12}, "title"),
        ({"id": "x", "_vectors": {"a": None}}, "'b'"),
        ({"id": "x", "_vectors": {"a": [0, 0, 0], "b": None}}, "zero vector"),
        ({"id": "x", "_vectors": [1, 2]}, "_vectors"),
        ("not a mapping", "#0"),
    ],
)
def test_bad_documents_are_refused_with_the_field_named(backend, bad, field):
    document = bad if not isinstance(bad, dict) else {"_vectors": {"a": None, "b": None}, **bad}
    with pytest.raises(InvalidQueryError, match=field):
        backend.upsert("things", [document])
    assert backend.count("things") == 0


def test_a_later_duplicate_id_in_one_batch_wins(backend):
    backend.upsert("things", [doc("d1", "first"), doc("d1", "second")])
    assert backend.count("things") == 1
    assert backend.search("things", SearchQuery("second")).hits[0].document["title"] == "second"


def test_documents_keep_their_fields_and_unicode(backend):
    backend.upsert("things", [{**doc("d1", "배터리 재활용"), "extra": {"nested": [1, "두"]}}])
    hit = backend.search("things", SearchQuery("배터리")).hits[0]
    assert hit.document["extra"] == {"nested": [1, "두"]}
    assert hit.document["title"] == "배터리 재활용"
    assert "_vectors" not in hit.document


def test_float_facet_values_are_labelled_plainly(backend):
    backend.upsert("things", [doc("d1", "x", size=2.5), doc("d2", "y", size=3)])
    assert backend.search("things", SearchQuery("", facets=("size",))).facets["size"] == {"2.5": 1, "3": 1}


def test_not_never_brings_back_deleted_documents(backend):
    backend.upsert("things", [doc("d1", "x", kind="a"), doc("d2", "y", kind="b")])
    backend.delete("things", ["d2"])
    assert ids(backend.search("things", SearchQuery("", filter=Not(Eq("kind", "a"))))) == []


def test_delete_refuses_a_bare_string(backend):
    with pytest.raises(InvalidQueryError, match="ids"):
        backend.delete("things", "d1")


def test_upsert_into_an_unknown_index_is_refused(backend):
    with pytest.raises(InvalidQueryError, match="nowhere"):
        backend.upsert("nowhere", [doc("d1", "x")])
    assert backend.count("nowhere") == 0
    assert backend.fingerprints("nowhere") == {}


# -- transactions ----------------------------------------------------------------------------------


def test_a_failure_inside_the_transaction_leaves_nothing_behind(backend, monkeypatch):
    backend.upsert("things", [doc("d1", "solar panels")])
    before = backend._store.query("SELECT count(*) FROM terms")[0][0]

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(embedded_module, "_encode_facets", broken)
    with pytest.raises(SearchBackendError, match="disk I/O"):
        backend.upsert("things", [doc("d1", "replaced"), doc("d2", "brandnewword")])
    monkeypatch.undo()
    assert backend.count("things") == 1
    assert backend._store.query("SELECT count(*) FROM terms")[0][0] == before
    assert backend.search("things", SearchQuery("brandnewword")).total == 0
    # the vocabulary in memory stayed consistent: the next write and search work
    backend.upsert("things", [doc("d2", "brandnewword")])
    assert ids(backend.search("things", SearchQuery("brandnewword"))) == ["d2"]
    assert ids(backend.search("things", SearchQuery("brandnewwrd"))) == ["d2"]


# -- settings changes -----------------------------------------------------------------------------


def test_a_new_searchable_field_is_analysed_for_stored_documents(backend):
    backend.upsert("things", [{**doc("d1", "title words"), "summary": "hidden lidar"}])
    assert backend.search("things", SearchQuery("lidar")).total == 0
    backend.ensure_index(IndexSettings(uid="things", searchable=("title", "body", "summary"), filterable=SETTINGS.filterable, sortable=SETTINGS.sortable, embedders=SETTINGS.embedders))
    assert ids(backend.search("things", SearchQuery("lidar"))) == ["d1"]


def test_changing_an_embedders_dimensions_drops_its_vectors_only(backend):
    backend.upsert("things", [doc("d1", "x", a=(1, 0, 0), b=(0, 1))])
    changed = IndexSettings(uid="things", searchable=SETTINGS.searchable, filterable=SETTINGS.filterable, sortable=SETTINGS.sortable, embedders=(EmbedderSpec("a", 4), EmbedderSpec("b", 2)))
    backend.ensure_index(changed)
    hit = backend.search("things", SearchQuery("", vectors={"a": unit(1, 0, 0, 0), "b": unit(0, 1)}, semantic_ratio=1.0)).hits[0]
    assert set(hit.semantic_scores) == {"b"}
    with pytest.raises(InvalidQueryError, match="'a'"):
        backend.upsert("things", [doc("d2", "y")])  # a 3-dimensional vector for a 4-dimensional embedder


def test_a_filterable_field_that_holds_bad_values_cannot_be_declared(backend):
    backend.upsert("things", [{**doc("d1", "x"), "meta": {"nested": True}}])
    widened = IndexSettings(uid="things", searchable=SETTINGS.searchable, filterable=(*SETTINGS.filterable, "meta"), embedders=SETTINGS.embedders)
    with pytest.raises(InvalidQueryError, match="meta"):
        backend.ensure_index(widened)
    with pytest.raises(InvalidQueryError, match="meta"):
        backend.search("things", SearchQuery("", filter=Eq("meta", "x")))


@pytest.mark.parametrize(
    "settings, field",
    [
        (IndexSettings(uid="Bad Name", searchable=("t",)), "uid"),
        (IndexSettings(uid="ok", searchable=("t", "t")), "searchable"),
        (IndexSettings(uid="ok", searchable=("t",), filterable=("_vectors",)), "filterable"),
        (IndexSettings(uid="ok", searchable=("t",), embedders=(EmbedderSpec("Bad", 3),)), "embedder"),
        (IndexSettings(uid="ok", searchable=("t",), embedders=(EmbedderSpec("a", 0),)), "dimensions"),
        (IndexSettings(uid="ok", searchable=("t",), embedders=(EmbedderSpec("a", 3), EmbedderSpec("a", 4))), "twice"),
    ],
)
def test_bad_settings_are_refused(backend, settings, field):
    with pytest.raises(InvalidQueryError, match=field):
        backend.ensure_index(settings)


# -- refreshing across objects and processes ---------------------------------------------------------


def _snapshot(backend, queries):
    out = []
    for query in queries:
        result = backend.search("things", query)
        out.append((result.total, [(h.id, round(h.score, 6), h.matched_terms) for h in result.hits], result.facets))
    return out


def test_a_long_lived_reader_agrees_with_a_fresh_one_after_many_incremental_changes(tmp_path):
    rng = np.random.default_rng(7)
    words = ["solar", "battery", "robot", "drone", "lidar", "grid", "storage", "vision", "farm", "cloud"]
    writer = EmbeddedBackend(tmp_path / "s")
    writer.ensure_index(SETTINGS)
    reader = EmbeddedBackend(tmp_path / "s")
    queries = [
        SearchQuery("solar battery", facets=("kind", "tags"), limit=50),
        SearchQuery("robt drone", limit=50),
        SearchQuery("", filter=Not(Eq("kind", "k1")), sort=(("size", "desc"),), limit=50),
        SearchQuery("grid", vectors={"a": unit(1, 2, 3)}, semantic_ratio=0.6, limit=50),
    ]
    for batch in range(40):
        documents = []
        for _ in range(25):
            n = int(rng.integers(0, 300))
            text = " ".join(rng.choice(words, size=3))
            documents.append(doc(f"d{n}", text, kind=f"k{n % 3}", size=int(rng.integers(0, 50)), a=tuple(rng.random(3) + 0.01), tags=rng.choice(words, size=2)))
        writer.upsert("things", documents)
        if batch % 3 == 0:
            writer.delete("things", [f"d{int(x)}" for x in rng.integers(0, 300, size=10)])
        reader.search("things", queries[batch % len(queries)])  # refreshes incrementally
    fresh = EmbeddedBackend(tmp_path / "s")
    assert _snapshot(reader, queries) == _snapshot(fresh, queries)
    assert len(reader._states["things"].keywords.segments) <= 12


def test_many_deletions_repack_the_memory_state_and_results_stay_right(tmp_path):
    writer, reader = EmbeddedBackend(tmp_path / "s"), EmbeddedBackend(tmp_path / "s")
    writer.ensure_index(SETTINGS)
    writer.upsert("things", [doc(f"d{i}", f"word{i % 7} common", size=i) for i in range(3000)])
    assert reader.search("things", SearchQuery("common")).total == 3000
    writer.delete("things", [f"d{i}" for i in range(2000)])
    result = reader.search("things", SearchQuery("common", facets=("kind",), sort=(("size", "asc"),)))
    assert result.total == 1000 and ids(result)[0] == "d2000"
    state = reader._states["things"]
    assert state.slots == 1000 and state.dead == 0


def test_another_process_writing_is_seen_by_this_one(tmp_path):
    folder = tmp_path / "s"
    reader = EmbeddedBackend(folder)
    reader.ensure_index(SETTINGS)
    reader.upsert("things", [doc("d0", "before")])
    assert reader.search("things", SearchQuery("before")).total == 1
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
import numpy as np
from matching.backends.embedded import EmbeddedBackend
backend = EmbeddedBackend({str(folder)!r})
for batch in range(5):
    backend.upsert("things", [{{"id": f"p{{batch}}-{{i}}", "title": "written elsewhere", "kind": "remote", "size": i,
        "_vectors": {{"a": [1.0, 0.0, 0.0], "b": None}}}} for i in range(20)])
backend.delete("things", ["d0"])
print("done")
"""
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    seen = []
    while process.poll() is None:  # read while the other process writes: no errors, no torn state
        result = reader.search("things", SearchQuery("written", facets=("kind",)))
        assert result.total % 20 == 0
        seen.append(result.total)
    assert process.stdout.read().strip() == "done"
    final = reader.search("things", SearchQuery("", facets=("kind",)))
    assert final.total == 100 and final.facets["kind"] == {"remote": 100}
    assert reader.count("things") == 100


def test_threads_can_search_and_write_one_backend_object_at_once(backend):
    backend.upsert("things", [doc(f"d{i}", "shared words") for i in range(50)])
    errors: list[BaseException] = []

    def write():
        try:
            for i in range(20):
                backend.upsert("things", [doc(f"t{i}", "thread words")])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def read():
        try:
            for _ in range(40):
                backend.search("things", SearchQuery("words", vectors={"a": unit(1, 0, 0)}, semantic_ratio=0.5))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert backend.count("things") == 70


def test_figures_for_benchmarks(backend):
    backend.upsert("things", [doc("d1", "x")])
    assert backend.memory_bytes("things") > 0
    assert backend.disk_bytes() > 0
    assert json.loads(json.dumps(backend.fingerprints("things"))) == {"d1": "fp-d1"}


def test_a_file_of_another_schema_version_is_emptied_and_reused(tmp_path):
    folder = tmp_path / "s"
    with EmbeddedBackend(folder) as backend:
        backend.ensure_index(SETTINGS)
        backend.upsert("things", [doc("d1", "x")])
    connection = sqlite3.connect(folder / "search.sqlite3")
    connection.execute("UPDATE meta SET value = 0 WHERE key = 'schema'")
    connection.commit()
    connection.close()
    with EmbeddedBackend(folder) as backend:
        assert backend.count("things") == 0
        backend.ensure_index(SETTINGS)
        backend.upsert("things", [doc("d2", "y")])
        assert backend.fingerprints("things") == {"d2": "fp-d2"}


def test_preload_reads_an_index_into_memory(tmp_path):
    with EmbeddedBackend(tmp_path / "s") as writer:
        writer.ensure_index(SETTINGS)
        writer.upsert("things", [doc("d1", "x")])
    with EmbeddedBackend(tmp_path / "s") as backend:
        assert backend.preload("nowhere") is False
        assert "things" not in backend._states
        assert backend.preload("things") is True
        assert backend._states["things"].documents == 1
