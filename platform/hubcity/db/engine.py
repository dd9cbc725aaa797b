"""Building and binding the database engine (SQLite by default, PostgreSQL in production).

Piccolo resolves a table's engine once and caches it; :func:`use_database` binds every Hubcity
table, Piccolo's migration table and ``piccolo_conf.DB`` to one engine, so the composition root
(and each test run) decides which database is used.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine

SQLITE_BUSY_TIMEOUT_S = 30


def postgres_config(url: str) -> dict[str, object]:
    """asyncpg connection kwargs from ``postgresql://user:pass@host:port/db``."""
    parts = urlsplit(url)
    config: dict[str, object] = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "database": (parts.path or "/postgres").lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///relative/or/absolute`` URL (``sqlite:////abs`` is absolute)."""
    return Path(url.removeprefix("sqlite:///"))


def build_engine(url: str) -> Engine:
    """An engine for ``url`` (``sqlite:///…`` or ``postgresql://…``). Creates the SQLite folder."""
    if url.startswith("sqlite:///"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        _enable_wal(path)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT_S)
    return PostgresEngine(config=postgres_config(url))


def _enable_wal(path: Path) -> None:
    # WAL lets the web process read while the worker writes; it is a property of the file.
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")


def engine_kind(engine: Engine) -> str:
    """``"sqlite"`` or ``"postgres"``."""
    return "sqlite" if isinstance(engine, SQLiteEngine) else "postgres"


_bound: tuple[str, Engine] | None = None


def use_database(url: str) -> Engine:
    """Bind every table and Piccolo's migrations to an engine for ``url`` and return it.

    The engine bound last is kept when ``url`` is the same, with its connection pool if one runs
    (a second app on the same database shares it); another ``url`` gets a new engine.
    """
    global _bound
    from piccolo.apps.migrations.tables import Migration

    from hubcity.config import piccolo_conf
    from hubcity.db.tables import ALL_TABLES

    if _bound is not None and _bound[0] == url:
        engine = _bound[1]
    else:
        engine = build_engine(url)
        _bound = (url, engine)
    piccolo_conf.DB = engine
    for table in [*ALL_TABLES, Migration]:
        table._meta.db = engine
    return engine
