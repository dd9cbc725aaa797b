"""The embedded search backend (the default): one SQLite file plus numpy, inside the data dir.

``EmbeddedBackend(folder)`` keeps every index in ``folder/search.sqlite3`` and, per process, a
copy in memory that it brings up to date before each search. What it is made of, and why:

- **Storage: SQLite** (stdlib ``sqlite3``) in WAL mode with a busy timeout
  (:mod:`.embedded_store`). The web server and the worker open the same file; each batch is one
  ``BEGIN IMMEDIATE`` transaction, so a failed batch leaves nothing behind. A per-index change
  counter and stamped rows tell another process what to reload (``PRAGMA data_version`` makes
  the check free when nothing changed).
- **Korean and English words**: Kiwi (kiwipiepy) splits Korean into morphemes so that
  ``배터리를`` finds ``배터리``; English is lower-cased, stop-worded and Snowball-stemmed
  (PyStemmer). A trigram tokenizer was tried and rejected: it cannot match the two-syllable
  words that most Korean nouns are (see :mod:`matching.text.tokenize`).
- **BM25 in numpy, not FTS5's**: FTS5's ``bm25()`` cost ~2 µs per matching row, 89 ms for one
  common word and 131 ms for a ten-word need at 100k documents (measured here), too slow for
  the 150 ms target. Postings live in memory in numpy segments (:mod:`.embedded_keywords`) and
  a word is scored in well under a millisecond.
- **Typo tolerance** as Meilisearch's (1 edit from 5 characters, 2 from 9, first letter fixed),
  by comparing the word with the word forms (before stemming) seen in documents, with
  rapidfuzz's Levenshtein; exact matches rank
  above typo matches.
- **Vectors**: exact cosine with numpy over one contiguous float32 matrix of unit rows per
  embedder (a matrix-vector product; no approximate index needed at 100k).
- **Filters and facets**: numpy boolean masks over columnar facet arrays
  (:mod:`.embedded_facets`); list fields match when any element does.
- **Ranking and the hybrid mix**: see :mod:`.embedded_search`.

Memory: the vectors (4 bytes × dimensions per document per embedder) plus about 16 bytes per
distinct (document, term) pair; at 100k startups with USE + MiniLM vectors ≈ 500 MB of arrays,
640 MB on disk. Figures and how they were measured: ``benchmarks/README.md``
(``benchmarks/search_speed.py``). Threads: one lock per backend object serialises its calls.
Unknown index: ``search`` and ``upsert`` raise InvalidQueryError; ``count`` gives 0,
``fingerprints`` {}, ``delete`` and ``drop_index`` do nothing.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from matching.backends.base import (
    Hit,
    IndexSettings,
    InvalidQueryError,
    SearchBackendError,
    SearchQuery,
    SearchResult,
)
from matching.backends.embedded_documents import (
    PreparedDocument,
    check_settings,
    facet_fields,
    index_fields,
    prepare_document,
    settings_from_json,
    settings_to_json,
    unit_vector,
)
from matching.backends.embedded_facets import FacetDictionary, Key, check_filter
from matching.backends.embedded_keywords import Vocabulary
from matching.backends.embedded_search import cosines, rank
from matching.backends.embedded_state import IndexState
from matching.backends.embedded_store import Store
from matching.text.tokenize import Analyzer, default_analyzer

MAX_LIMIT = 1000
#: Rows read at a time when an index is loaded whole.
LOAD_CHUNK = 10_000

_UPSERT = """
INSERT INTO documents (index_uid, id, fingerprint, body, facets, terms, weights, length, version)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (index_uid, id) DO UPDATE SET
    fingerprint = excluded.fingerprint, body = excluded.body, facets = excluded.facets,
    terms = excluded.terms, weights = excluded.weights, length = excluded.length,
    version = excluded.version
"""


class EmbeddedBackend:
    """SearchBackend over SQLite + numpy in ``folder`` (created when missing).

    analyzer: the text analyzer (default: the process-wide one, Kiwi + Snowball);
    timeout: seconds to wait for another process's write transaction before SearchBackendError.
    Usable as a context manager (closes the connection).
    """

    name = "embedded"

    def __init__(self, folder: Path | str, analyzer: Analyzer | None = None, timeout: float = 30.0) -> None:
        self.folder = Path(folder)
        self._store = Store(self.folder, timeout=timeout)
        self._analyzer = analyzer or default_analyzer()
        self._vocabulary = Vocabulary()
        self._dictionary = FacetDictionary()
        self._states: dict[str, IndexState] = {}
        self._fresh: set[str] = set()
        self._data_version: int | None = None
        self._dirty = True

    def close(self) -> None:
        """Close the SQLite connection; the object is unusable afterwards."""
        with self._store.lock:
            self._store.close()
            self._states.clear()

    def __enter__(self) -> EmbeddedBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- indexes --------------------------------------------------------------------------------

    def ensure_index(self, settings: IndexSettings) -> None:
        """Create the index or update its settings (idempotent). Changed searchable, filterable or
        sortable fields re-analyse the stored documents; an embedder whose dimensions changed or
        that was removed loses its vectors. InvalidQueryError for malformed settings."""
        check_settings(settings)
        wanted = settings_to_json(settings)
        with self._store.lock, self._store.write() as conn:
            row = Store.index_row(conn, settings.uid)
            if row is not None and row[0] == wanted:
                return
            generation = Store.next_generation(conn)
            if row is None:
                conn.execute("INSERT INTO indexes (uid, settings, generation, seq) VALUES (?, ?, ?, 0)", (settings.uid, wanted, generation))
            else:
                old = settings_from_json(row[0])
                conn.execute("UPDATE indexes SET settings = ?, generation = ? WHERE uid = ?", (wanted, generation, settings.uid))
                if old.searchable != settings.searchable or facet_fields(old) != facet_fields(settings):
                    self._reanalyse(conn, settings)
                kept = set(settings.embedders)
                for spec in old.embedders:
                    if spec not in kept:
                        conn.execute(
                            "DELETE FROM vectors WHERE embedder = ? AND doc IN (SELECT pk FROM documents WHERE index_uid = ?)",
                            (spec.name, settings.uid),
                        )
        self._dirty = True

    def _reanalyse(self, conn: sqlite3.Connection, settings: IndexSettings) -> None:
        rows = conn.execute("SELECT pk, id, body FROM documents WHERE index_uid = ?", (settings.uid,)).fetchall()
        analysed = []
        for pk, doc_id, body in rows:
            facets, weights, length, forms = index_fields(json.loads(body), settings, self._analyzer, f"document {doc_id!r}")
            analysed.append((pk, facets, weights, length, forms))
        ids, values = self._encoders(conn, [a[2] for a in analysed], [a[4] for a in analysed], [a[1] for a in analysed], None)
        seq = Store.bump_seq(conn, settings.uid)
        conn.executemany(
            "UPDATE documents SET facets = ?, terms = ?, weights = ?, length = ?, version = ? WHERE pk = ?",
            [(_encode_facets(facets, values), *_encode(weights, ids), length, seq, pk) for pk, facets, weights, length, _forms in analysed],
        )
        # the other half of the vocabulary update happens when the transaction commits; a reader
        # (this process too) reads committed terms and forms before it searches

    def drop_index(self, index: str) -> None:
        """Delete the index and its documents; an unknown index is ignored."""
        with self._store.lock:
            with self._store.write() as conn:
                conn.execute("DELETE FROM vectors WHERE doc IN (SELECT pk FROM documents WHERE index_uid = ?)", (index,))
                conn.execute("DELETE FROM documents WHERE index_uid = ?", (index,))
                conn.execute("DELETE FROM deletions WHERE index_uid = ?", (index,))
                conn.execute("DELETE FROM indexes WHERE uid = ?", (index,))
            self._states.pop(index, None)
            self._dirty = True

    # -- documents ------------------------------------------------------------------------------

    def upsert(self, index: str, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace documents by id, all in one transaction (a later duplicate id wins).
        InvalidQueryError for an unknown index or a bad document (the message names the field);
        SearchBackendError when SQLite fails (then nothing of the batch is stored)."""
        batch = list(documents)
        settings_json = self._settings_json(index)
        prepared = self._prepare(batch, settings_from_json(settings_json))
        if not prepared:
            return
        with self._store.lock:
            added = _Added()
            try:
                with self._store.write() as conn:
                    row = Store.index_row(conn, index)
                    if row is None:
                        raise InvalidQueryError(f"index {index!r} does not exist (call ensure_index first)")
                    if row[0] != settings_json:  # settings changed meanwhile: prepare again
                        prepared = self._prepare(batch, settings_from_json(row[0]))
                    ids, values = self._encoders(
                        conn, [p.term_weights for p in prepared], [p.forms for p in prepared], [p.facets for p in prepared], added
                    )
                    seq = Store.bump_seq(conn, index)
                    conn.executemany(
                        _UPSERT,
                        [
                            (index, p.id, p.fingerprint, p.body, _encode_facets(p.facets, values), *_encode(p.term_weights, ids), p.length, seq)
                            for p in prepared
                        ],
                    )
                    conn.execute("DELETE FROM vectors WHERE doc IN (SELECT pk FROM documents WHERE index_uid = ? AND version = ?)", (index, seq))
                    pk_of = dict(conn.execute("SELECT id, pk FROM documents WHERE index_uid = ? AND version = ?", (index, seq)).fetchall())
                    conn.executemany(
                        "INSERT INTO vectors (doc, embedder, vector) VALUES (?, ?, ?)",
                        [(pk_of[p.id], name, blob) for p in prepared for name, blob in p.vectors.items() if blob is not None],
                    )
            finally:
                self._dirty = True
            self._vocabulary.add_terms(added.terms)
            self._vocabulary.add_forms(added.forms)
            self._dictionary.add(added.values)

    def _prepare(self, batch: list[Any], settings: IndexSettings) -> list[PreparedDocument]:
        by_id: dict[str, PreparedDocument] = {}
        for position, document in enumerate(batch):
            prepared = prepare_document(document, settings, self._analyzer, position)
            by_id.pop(prepared.id, None)
            by_id[prepared.id] = prepared
        return list(by_id.values())

    def _encoders(
        self,
        conn: sqlite3.Connection,
        weights: Sequence[Mapping[str, float]],
        forms: Sequence[Iterable[tuple[str, str]]],
        facets: Sequence[Iterable[tuple[int, Key]]],
        added: _Added | None,
    ) -> tuple[dict[str, int], dict[Key, int]]:
        """({term: id}, {facet key: id}) covering the given documents, inserting new terms, word
        forms and facet values (inside the write transaction; ``added`` collects the new rows for
        the in-memory copies once committed)."""
        self._sync_vocabulary(conn)
        known = self._vocabulary.ids
        missing = {t for w in weights for t in w if t not in known}
        ids = known
        if missing:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM terms").fetchone()[0]
            conn.executemany("INSERT INTO terms (term) VALUES (?)", [(t,) for t in sorted(missing)])
            new = Store.terms_after(conn, before)
            ids = {**known, **{term: term_id for term_id, term in new}}
            if added is not None:
                added.terms.extend(new)
        known_forms = self._vocabulary.form_terms
        new_forms = {form: term for pairs in forms for form, term in pairs if form not in known_forms}
        if new_forms:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM forms").fetchone()[0]
            conn.executemany("INSERT INTO forms (form, term) VALUES (?, ?)", [(f, ids[t]) for f, t in sorted(new_forms.items())])
            if added is not None:
                added.forms.extend(Store.forms_after(conn, before))
        known_values = self._dictionary.ids
        values = known_values
        new_values = {key for pairs in facets for _position, key in pairs if key not in known_values}
        if new_values:
            before = conn.execute("SELECT coalesce(max(id), 0) FROM facet_values").fetchone()[0]
            conn.executemany("INSERT INTO facet_values (value) VALUES (?)", [(FacetDictionary.dump(k),) for k in new_values])
            rows = Store.facet_values_after(conn, before)
            values = {**known_values, **{_load_key(stored): value_id for value_id, stored in rows}}
            if added is not None:
                added.values.extend(rows)
        return ids, values

    def _sync_vocabulary(self, conn: sqlite3.Connection) -> None:
        """Read the terms, forms and facet values other writers committed."""
        self._vocabulary.add_terms(Store.terms_after(conn, self._vocabulary.max_term_id))
        self._vocabulary.add_forms(Store.forms_after(conn, self._vocabulary.max_form_id))
        self._dictionary.add(Store.facet_values_after(conn, self._dictionary.max_id))

    def delete(self, index: str, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids and an unknown index are ignored.
        InvalidQueryError when ``ids`` is a string or holds a non-string."""
        if isinstance(ids, str) or not all(isinstance(i, str) for i in ids):
            raise InvalidQueryError(f"ids must be a sequence of strings, got {ids!r}")
        if not ids:
            return
        with self._store.lock:
            with self._store.write() as conn:
                if Store.index_row(conn, index) is None:
                    return
                pks = Store.pks_of(conn, index, list(ids))
                if not pks:
                    return
                seq = Store.bump_seq(conn, index)
                Store.delete_pks(conn, pks)
                conn.executemany("INSERT INTO deletions (index_uid, doc, version) VALUES (?, ?, ?)", [(index, pk, seq) for pk in pks])
            self._dirty = True

    def count(self, index: str) -> int:
        """Documents in the index (0 for an unknown index)."""
        with self._store.lock:
            return self._store.query("SELECT count(*) FROM documents WHERE index_uid = ?", (index,))[0][0]

    def fingerprints(self, index: str) -> dict[str, str]:
        """{id: fingerprint} of every document ({} for an unknown index)."""
        with self._store.lock:
            return dict(self._store.query("SELECT id, fingerprint FROM documents WHERE index_uid = ?", (index,)))

    def health(self) -> bool:
        """True when the SQLite file answers."""
        try:
            with self._store.lock:
                return self._store.query("SELECT 1")[0][0] == 1
        except (SearchBackendError, sqlite3.Error):
            return False

    # -- search ---------------------------------------------------------------------------------

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        """Run one query (see :mod:`.embedded_search` for the scores). InvalidQueryError for an
        unknown index, a filter/facet/sort on a field not declared for it, a ratio outside 0..1,
        a bad limit/offset, an unknown embedder or a vector of the wrong length."""
        if not isinstance(query, SearchQuery):
            raise InvalidQueryError(f"query must be a SearchQuery, got {type(query).__name__}")
        with self._store.lock:
            state = self._state(index)
            if state is None:
                raise InvalidQueryError(f"index {index!r} does not exist (call ensure_index first)")
            query_vectors = check_query(query, state.settings)
            words = self._analyzer.query_words(query.text)
            ranking = rank(state, query, words, self._vocabulary, query_vectors)
            pks = [int(state.pks[slot]) for slot in ranking.slots]
            bodies = Store.bodies(self._store.conn, pks) if pks else {}
            hits = []
            for i, slot in enumerate(ranking.slots):
                body = bodies.get(pks[i])
                if body is None:  # deleted by another process since the refresh
                    continue
                keyword = float(ranking.keyword[i])
                hits.append(
                    Hit(
                        id=state.ids[slot] or "",
                        score=float(min(max(ranking.scores[i], 0.0), 1.0)),
                        keyword_score=None if math.isnan(keyword) else keyword,
                        semantic_scores=cosines(state, query_vectors, int(slot)),
                        matched_terms=ranking.matched[i],
                        document=json.loads(body),
                    )
                )
            return SearchResult(hits=tuple(hits), total=ranking.total, facets=ranking.facets)

    def _settings_json(self, index: str) -> str:
        with self._store.lock:
            rows = self._store.query("SELECT settings FROM indexes WHERE uid = ?", (index,))
        if not rows:
            raise InvalidQueryError(f"index {index!r} does not exist (call ensure_index first)")
        return rows[0][0]

    def _state(self, uid: str) -> IndexState | None:
        """The in-memory index, brought up to date with what any process committed."""
        version = self._store.data_version()
        if version != self._data_version or self._dirty:
            self._data_version, self._dirty = version, False
            self._fresh.clear()
        if uid in self._fresh:
            return self._states.get(uid)
        with self._store.read() as conn:
            self._sync_vocabulary(conn)
            row = Store.index_row(conn, uid)
            if row is None:
                self._states.pop(uid, None)
            else:
                settings_json, generation, seq = row
                state = self._states.get(uid)
                if state is None or state.generation != generation:
                    state = self._load(conn, uid, settings_json, generation, seq)
                elif state.seq != seq:
                    state.apply(
                        Store.document_rows(conn, uid, since=state.seq),
                        {name: Store.vector_rows(conn, uid, name, since=state.seq) for name in state.dimensions},
                        Store.deleted_since(conn, uid, state.seq),
                        seq,
                    )
                    if state.needs_repack():
                        state = self._load(conn, uid, settings_json, generation, seq)
                self._states[uid] = state
        self._fresh.add(uid)
        return self._states.get(uid)

    def _load(self, conn: sqlite3.Connection, uid: str, settings_json: str, generation: int, seq: int) -> IndexState:
        self._states.pop(uid, None)  # let the old arrays go before the new ones are built
        state = IndexState(settings_from_json(settings_json), generation, self._dictionary)
        state.reserve(Store.document_count(conn, uid))
        # read in chunks so that the rows' bytes never all sit in memory beside the arrays
        cursor = Store.document_cursor(conn, uid)
        while rows := cursor.fetchmany(LOAD_CHUNK):
            state.add_rows(rows)
        for name in state.dimensions:
            cursor = Store.vector_cursor(conn, uid, name)
            while rows := cursor.fetchmany(LOAD_CHUNK):
                state.add_vectors(name, rows)
        state.finish(seq)
        return state

    def preload(self, index: str) -> bool:
        """Read ``index`` into memory now, so that the first search does not pay for it (about
        6 s at 100k startups on 2 cores); False when the index does not exist. Not part of the
        SearchBackend protocol: call it at startup where the backend is the embedded one."""
        with self._store.lock:
            return self._state(index) is not None

    # -- figures for benchmarks -----------------------------------------------------------------

    def memory_bytes(self, index: str) -> int:
        """Approximate bytes of the in-memory copy of ``index`` (loading it if needed)."""
        with self._store.lock:
            state = self._state(index)
            return state.memory_bytes() if state else 0

    def disk_bytes(self) -> int:
        """Bytes of the SQLite file and its WAL."""
        return sum(os.path.getsize(p) for p in self.folder.glob(self._store.path.name + "*"))


def check_query(query: SearchQuery, settings: IndexSettings) -> dict[str, tuple[np.ndarray, float]]:
    """Raise InvalidQueryError when ``query`` does not fit ``settings``; return the query's
    vectors as {embedder: (unit float32 (d,), weight)} (empty when it carries none)."""
    if not isinstance(query.text, str):
        raise InvalidQueryError(f"text must be a string, got {type(query.text).__name__}")
    ratio = query.semantic_ratio
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 <= ratio <= 1.0:
        raise InvalidQueryError(f"semantic_ratio must be a number from 0 to 1, got {ratio!r}")
    threshold = query.ranking_score_threshold
    if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= threshold <= 1.0):
        raise InvalidQueryError(f"ranking_score_threshold must be None or a number from 0 to 1, got {threshold!r}")
    floor = query.semantic_floor
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0.0 <= floor <= 1.0):
        raise InvalidQueryError(f"semantic_floor must be None or a number from 0 to 1, got {floor!r}")
    for name, value, low, high in (("limit", query.limit, 1, MAX_LIMIT), ("offset", query.offset, 0, None)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bounds = f"{low}..{high}" if high is not None else f"at least {low}"
            raise InvalidQueryError(f"{name} must be a whole number {bounds}, got {value!r}")
    if not isinstance(query.facets, (tuple, list)) or not isinstance(query.sort, (tuple, list)):
        raise InvalidQueryError("facets and sort must be tuples")
    for field in query.facets:
        if field not in settings.filterable:
            raise InvalidQueryError(f"facets: field {field!r} is not filterable (filterable: {', '.join(settings.filterable) or 'none'})")
    for rule in query.sort:
        if not isinstance(rule, (tuple, list)) or len(rule) != 2:
            raise InvalidQueryError(f"sort rules are (field, 'asc' | 'desc') pairs, got {rule!r}")
        field, direction = rule
        if field not in settings.sortable:
            raise InvalidQueryError(f"sort: field {field!r} is not sortable (sortable: {', '.join(settings.sortable) or 'none'})")
        if direction not in ("asc", "desc"):
            raise InvalidQueryError(f"sort: direction for {field!r} must be 'asc' or 'desc', got {direction!r}")
    if query.filter is not None:
        check_filter(query.filter, settings.filterable)
    specs = {e.name: e.dimensions for e in settings.embedders}
    for name in ("vectors", "embedder_weights"):
        if not isinstance(getattr(query, name), Mapping):
            raise InvalidQueryError(f"{name} must map embedder names to values, got {type(getattr(query, name)).__name__}")
    for name, weight in query.embedder_weights.items():
        if name not in specs:
            raise InvalidQueryError(f"embedder_weights: unknown embedder {name!r} (index embedders: {', '.join(specs) or 'none'})")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise InvalidQueryError(f"embedder_weights: weight of {name!r} must be a number >= 0, got {weight!r}")
    vectors: dict[str, tuple[np.ndarray, float]] = {}
    for name, vector in query.vectors.items():
        if name not in specs:
            raise InvalidQueryError(f"vectors: unknown embedder {name!r} (index embedders: {', '.join(specs) or 'none'})")
        vectors[name] = (unit_vector(vector, specs[name], f"vectors[{name!r}]"), float(query.embedder_weights.get(name, 1.0)))
    if vectors and sum(w for _v, w in vectors.values()) <= 0.0:
        raise InvalidQueryError("embedder_weights: at least one embedder in vectors needs a weight above 0")
    return vectors


class _Added:
    """Rows a write transaction added to the shared tables (terms, forms, facet values)."""

    def __init__(self) -> None:
        self.terms: list[tuple[int, str]] = []
        self.forms: list[tuple[int, str, int]] = []
        self.values: list[tuple[int, str]] = []


def _load_key(stored: str) -> Key:
    key = json.loads(stored)
    return key if isinstance(key, str) else float(key)


def _encode_facets(facets: Sequence[tuple[int, Key]], values: Mapping[Key, int]) -> bytes:
    """(field position, key) pairs → int32 (field position, value id) pairs as bytes."""
    return np.array([(position, values[key]) for position, key in facets], dtype=np.int32).reshape(-1, 2).tobytes()


def _encode(weights: Mapping[str, float], ids: Mapping[str, int]) -> tuple[bytes, bytes]:
    """{term: weighted frequency} → (int32 term ids bytes, float32 frequencies bytes)."""
    terms = np.fromiter((ids[t] for t in weights), dtype=np.int32, count=len(weights))
    values = np.fromiter(weights.values(), dtype=np.float32, count=len(weights))
    return terms.tobytes(), values.tobytes()
