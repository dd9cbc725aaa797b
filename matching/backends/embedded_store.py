"""The embedded backend's SQLite file: schema, transactions and the rows the memory state reads.

One file (``search.sqlite3`` in the backend's folder) holds every index. It is opened in WAL
mode with a busy timeout, so the web server and the worker can both open it: readers never
block the writer, writers queue behind ``BEGIN IMMEDIATE``. Each write transaction bumps its
index's ``seq`` and stamps the rows it changed (``documents.version``, ``deletions.version``),
so another process finds exactly what changed since the ``seq`` it has in memory; settings
changes and re-creations get a new ``generation`` and make readers reload the index whole.

Tables: ``indexes`` (settings JSON, generation, seq), ``documents`` (id, fingerprint, body
JSON, facets as int32 (field, value id) pairs, term ids int32 bytes, weighted frequencies float32 bytes, length,
version), ``vectors`` (document, embedder, float32 bytes; absent = no vector), ``deletions``
(tombstones for other processes), ``terms`` (term ↔ id, shared by the indexes), ``forms``
(word forms before stemming → term, for typo tolerance), ``facet_values`` (value ↔ id),
``meta``.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from matching.backends.base import SearchBackendError

FILE_NAME = "search.sqlite3"
SCHEMA_VERSION = 2
_CHUNK = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS indexes (
    uid TEXT PRIMARY KEY,
    settings TEXT NOT NULL,
    generation INTEGER NOT NULL,
    seq INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS documents (
    pk INTEGER PRIMARY KEY AUTOINCREMENT,
    index_uid TEXT NOT NULL,
    id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    body TEXT NOT NULL,
    facets BLOB NOT NULL,
    terms BLOB NOT NULL,
    weights BLOB NOT NULL,
    length REAL NOT NULL,
    version INTEGER NOT NULL,
    UNIQUE (index_uid, id)
);
CREATE INDEX IF NOT EXISTS documents_by_version ON documents (index_uid, version);
CREATE TABLE IF NOT EXISTS vectors (
    doc INTEGER NOT NULL,
    embedder TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (doc, embedder)
);
CREATE TABLE IF NOT EXISTS deletions (index_uid TEXT NOT NULL, doc INTEGER NOT NULL, version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deletions_by_version ON deletions (index_uid, version);
CREATE TABLE IF NOT EXISTS terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS forms (id INTEGER PRIMARY KEY, form TEXT NOT NULL UNIQUE, term INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS facet_values (id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);
"""

DocumentRow = tuple[int, str, bytes, bytes, bytes, float]  # pk, id, facets, terms, weights, length
VectorRow = tuple[int, bytes]  # document pk, float32 bytes


class Store:
    """A connection to the backend's SQLite file. Thread-safe through one lock; every method
    turns sqlite3 errors into SearchBackendError."""

    def __init__(self, folder: Path, timeout: float = 30.0) -> None:
        folder = Path(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self.path = folder / FILE_NAME
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            with self.write():
                _create_schema(self.conn)
        except (sqlite3.Error, OSError) as exc:
            raise SearchBackendError(f"cannot open the search index in {folder}: {exc}") from exc
        self.lock = threading.RLock()

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()

    # -- transactions ---------------------------------------------------------------------------

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE … COMMIT); rolled back whole on any error."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise SearchBackendError(f"the search index is busy or unwritable: {exc}") from exc
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise SearchBackendError(f"writing the search index failed: {exc}") from exc
            raise

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One read snapshot (BEGIN … COMMIT)."""
        try:
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            finally:
                if self.conn.in_transaction:
                    self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise SearchBackendError(f"reading the search index failed: {exc}") from exc

    def query(self, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one read statement outside a transaction."""
        try:
            return self.conn.execute(sql, parameters).fetchall()
        except sqlite3.Error as exc:
            raise SearchBackendError(f"reading the search index failed: {exc}") from exc

    def data_version(self) -> int:
        """Changes when another connection committed (SQLite's ``PRAGMA data_version``)."""
        return self.query("PRAGMA data_version")[0][0]

    # -- helpers used inside transactions -------------------------------------------------------

    @staticmethod
    def next_generation(conn: sqlite3.Connection) -> int:
        """A number never handed out before in this file."""
        conn.execute("INSERT INTO meta(key, value) VALUES('generation', 1) ON CONFLICT(key) DO UPDATE SET value = value + 1")
        return conn.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()[0]

    @staticmethod
    def index_row(conn: sqlite3.Connection, uid: str) -> tuple[str, int, int] | None:
        """(settings JSON, generation, seq) of an index, or None."""
        return conn.execute("SELECT settings, generation, seq FROM indexes WHERE uid = ?", (uid,)).fetchone()

    @staticmethod
    def bump_seq(conn: sqlite3.Connection, uid: str) -> int:
        """Increase the index's seq and return it (the version of this write's rows)."""
        conn.execute("UPDATE indexes SET seq = seq + 1 WHERE uid = ?", (uid,))
        return conn.execute("SELECT seq FROM indexes WHERE uid = ?", (uid,)).fetchone()[0]

    @staticmethod
    def pks_of(conn: sqlite3.Connection, uid: str, ids: Sequence[str]) -> list[int]:
        """Primary keys of the given document ids (unknown ids skipped)."""
        pks: list[int] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            rows = conn.execute(f"SELECT pk FROM documents WHERE index_uid = ? AND id IN ({marks})", [uid, *chunk])
            pks.extend(r[0] for r in rows)
        return pks

    @staticmethod
    def delete_pks(conn: sqlite3.Connection, pks: Sequence[int]) -> None:
        """Remove documents and their vectors."""
        for start in range(0, len(pks), _CHUNK):
            chunk = list(pks[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            conn.execute(f"DELETE FROM vectors WHERE doc IN ({marks})", chunk)
            conn.execute(f"DELETE FROM documents WHERE pk IN ({marks})", chunk)

    # -- what the memory state reads (inside ``read()``) ------------------------------------------

    @staticmethod
    def document_rows(conn: sqlite3.Connection, uid: str, since: int | None = None) -> list[DocumentRow]:
        """Rows of every document, or of those written after version ``since``, by pk."""
        if since is None:
            sql, parameters = "SELECT pk, id, facets, terms, weights, length FROM documents WHERE index_uid = ? ORDER BY pk", (uid,)
        else:
            sql = "SELECT pk, id, facets, terms, weights, length FROM documents WHERE index_uid = ? AND version > ? ORDER BY pk"
            parameters = (uid, since)
        return conn.execute(sql, parameters).fetchall()

    @staticmethod
    def vector_rows(conn: sqlite3.Connection, uid: str, embedder: str, since: int | None = None) -> list[VectorRow]:
        """(document pk, vector bytes) of one embedder for every document, or for those written
        after version ``since``."""
        sql = "SELECT v.doc, v.vector FROM vectors v JOIN documents d ON d.pk = v.doc WHERE d.index_uid = ? AND v.embedder = ?"
        if since is None:
            return conn.execute(sql, (uid, embedder)).fetchall()
        return conn.execute(sql + " AND d.version > ?", (uid, embedder, since)).fetchall()

    @staticmethod
    def document_cursor(conn: sqlite3.Connection, uid: str) -> sqlite3.Cursor:
        """A cursor over the rows of every document, by pk (read it with ``fetchmany``)."""
        return conn.execute("SELECT pk, id, facets, terms, weights, length FROM documents WHERE index_uid = ? ORDER BY pk", (uid,))

    @staticmethod
    def vector_cursor(conn: sqlite3.Connection, uid: str, embedder: str) -> sqlite3.Cursor:
        """A cursor over (pk, vector bytes) of one embedder for every document."""
        return conn.execute(
            "SELECT v.doc, v.vector FROM vectors v JOIN documents d ON d.pk = v.doc WHERE d.index_uid = ? AND v.embedder = ?",
            (uid, embedder),
        )

    @staticmethod
    def document_count(conn: sqlite3.Connection, uid: str) -> int:
        """Documents in an index."""
        return conn.execute("SELECT count(*) FROM documents WHERE index_uid = ?", (uid,)).fetchone()[0]

    @staticmethod
    def deleted_since(conn: sqlite3.Connection, uid: str, since: int) -> list[int]:
        """pks deleted after version ``since``."""
        return [r[0] for r in conn.execute("SELECT doc FROM deletions WHERE index_uid = ? AND version > ?", (uid, since))]

    @staticmethod
    def changed_count(conn: sqlite3.Connection, uid: str, since: int) -> int:
        """How many documents were written after version ``since``."""
        return conn.execute("SELECT count(*) FROM documents WHERE index_uid = ? AND version > ?", (uid, since)).fetchone()[0]

    @staticmethod
    def terms_after(conn: sqlite3.Connection, term_id: int) -> list[tuple[int, str]]:
        """(id, term) of every term with an id above ``term_id``."""
        return conn.execute("SELECT id, term FROM terms WHERE id > ? ORDER BY id", (term_id,)).fetchall()

    @staticmethod
    def forms_after(conn: sqlite3.Connection, form_id: int) -> list[tuple[int, str, int]]:
        """(id, form, term id) of every form with an id above ``form_id``."""
        return conn.execute("SELECT id, form, term FROM forms WHERE id > ? ORDER BY id", (form_id,)).fetchall()

    @staticmethod
    def facet_values_after(conn: sqlite3.Connection, value_id: int) -> list[tuple[int, str]]:
        """(id, stored value) of every facet value with an id above ``value_id``."""
        return conn.execute("SELECT id, value FROM facet_values WHERE id > ? ORDER BY id", (value_id,)).fetchall()

    @staticmethod
    def bodies(conn: sqlite3.Connection, pks: Sequence[int]) -> dict[int, str]:
        """{pk: body JSON} of the given documents."""
        out: dict[int, str] = {}
        for start in range(0, len(pks), _CHUNK):
            chunk = list(pks[start : start + _CHUNK])
            marks = ",".join("?" * len(chunk))
            out.update(conn.execute(f"SELECT pk, body FROM documents WHERE pk IN ({marks})", chunk).fetchall())
        return out


def _create_schema(conn: sqlite3.Connection) -> None:
    """Create the tables; a file of another schema version is emptied first (the index is
    derived data: ``index-status`` then finds every document missing and reindexing refills it)."""
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() if has_meta else None
    if row is not None and row[0] != SCHEMA_VERSION:
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall():
            conn.execute(f'DROP TABLE "{name}"')
        row = None
    for statement in _SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    if row is None:
        conn.execute("INSERT INTO meta(key, value) VALUES('schema', ?)", (SCHEMA_VERSION,))
