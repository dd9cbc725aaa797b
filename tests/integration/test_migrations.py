"""The one migration history applies from an EMPTY database on SQLite and on PostgreSQL.

Each test gets a database of its own (a new SQLite file; a new PostgreSQL database created and
dropped here when TEST_DATABASE_URL is set), runs the real history with ``migrate_forwards`` and
compares the result with the Piccolo tables (``ALL_TABLES``): every table, column, nullability
and foreign-key delete rule.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from piccolo.apps.migrations.tables import Migration
from piccolo.columns import ForeignKey
from piccolo.table import Table

import hubcity.db
from hubcity.config import piccolo_conf
from hubcity.db.engine import engine_kind, use_database
from hubcity.db.migrate import migrate_forwards
from hubcity.db.tables import ALL_TABLES, AuditEntry, User

MIGRATIONS_DIR = Path(hubcity.db.__file__).parent / "migrations"
ENGINES = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


def migration_ids() -> list[str]:
    """The ``ID`` of every migration file in db/migrations, sorted (the order Piccolo applies them)."""
    ids = []
    for path in sorted(MIGRATIONS_DIR.glob("*.py")):
        if path.name != "__init__.py":
            ids.append(importlib.import_module(f"hubcity.db.migrations.{path.stem}").ID)
    return sorted(ids)


def _on_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin(sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(os.environ["TEST_DATABASE_URL"])
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a brand-new, empty database; the tables' previous binding is restored afterwards."""
    bound: dict[Any, Any] = {table: table._meta._db for table in [*ALL_TABLES, Migration]}
    conf_db = piccolo_conf.DB
    name = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    else:
        name = f"hubcity_migrate_{secrets.token_hex(4)}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        url = _on_database(os.environ["TEST_DATABASE_URL"], name)
    try:
        yield url
    finally:
        for table, engine in bound.items():
            table._meta._db = engine
        piccolo_conf.DB = conf_db
        if name:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _table_names(kind: str) -> set[str]:
    if kind == "sqlite":
        rows = await User.raw("SELECT name FROM sqlite_master WHERE type = 'table'").run()
        return {row["name"] for row in rows}
    rows = await User.raw("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'").run()
    return {row["table_name"] for row in rows}


async def _columns(kind: str, table: str) -> dict[str, bool]:
    """column name → nullable, as the database has it."""
    if kind == "sqlite":
        rows = await User.raw(f'PRAGMA table_info("{table}")').run()
        return {row["name"]: not row["notnull"] for row in rows}
    rows = await User.raw(
        "SELECT column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name = {}",
        table,
    ).run()
    return {row["column_name"]: row["is_nullable"] == "YES" for row in rows}


async def _delete_rules(kind: str, table: str) -> dict[str, str]:
    """foreign-key column → ON DELETE rule (upper case), as the database has it."""
    if kind == "sqlite":
        rows = await User.raw(f'PRAGMA foreign_key_list("{table}")').run()
        return {row["from"]: row["on_delete"].upper() for row in rows}
    rows = await User.raw(
        "SELECT kcu.column_name, rc.delete_rule FROM information_schema.referential_constraints rc "
        "JOIN information_schema.key_column_usage kcu "
        "ON kcu.constraint_name = rc.constraint_name AND kcu.constraint_schema = rc.constraint_schema "
        "WHERE kcu.table_schema = 'public' AND kcu.table_name = {}",
        table,
    ).run()
    return {row["column_name"]: row["delete_rule"].upper() for row in rows}


def _expected_columns(table: type[Table]) -> dict[str, bool]:
    return {column._meta.db_column_name: column._meta.null for column in table._meta.columns}


async def test_every_migration_applies_from_empty_and_a_second_run_applies_none(empty_database: str) -> None:
    use_database(empty_database)
    assert not await Migration.table_exists().run(), "the database should start empty"
    expected = migration_ids()
    assert expected, "db/migrations holds no migration"

    assert await migrate_forwards() == expected
    assert await migrate_forwards() == []


async def test_migrated_schema_has_every_table_and_column(empty_database: str) -> None:
    engine = use_database(empty_database)
    await migrate_forwards()
    kind = engine_kind(engine)

    tables = await _table_names(kind)
    missing = sorted(t._meta.tablename for t in ALL_TABLES if t._meta.tablename not in tables)
    assert not missing, f"tables missing after migrating: {missing}"

    for table in ALL_TABLES:
        name = table._meta.tablename
        in_database = await _columns(kind, name)
        expected = _expected_columns(table)
        assert set(in_database) == set(expected), f"{name}: columns differ from the Piccolo table"
        primary_key = table._meta.primary_key._meta.db_column_name
        nullability = {column: nullable for column, nullable in in_database.items() if column != primary_key}
        assert nullability == {c: n for c, n in expected.items() if c != primary_key}, f"{name}: nullability differs"


async def test_foreign_keys_delete_as_the_tables_declare(empty_database: str) -> None:
    engine = use_database(empty_database)
    await migrate_forwards()
    kind = engine_kind(engine)
    checked = 0
    for table in ALL_TABLES:
        rules = await _delete_rules(kind, table._meta.tablename)
        for column in table._meta.foreign_key_columns:
            assert isinstance(column, ForeignKey)
            declared = column._foreign_key_meta.on_delete.value.upper()
            assert rules.get(column._meta.db_column_name) == declared, f"{table._meta.tablename}.{column._meta.name}"
            checked += 1
    assert checked, "no foreign keys were compared"
    assert AuditEntry.actor._foreign_key_meta.on_delete.value.upper() == "RESTRICT"


async def test_a_user_named_in_the_audit_log_cannot_be_deleted(empty_database: str) -> None:
    use_database(empty_database)
    await migrate_forwards()
    audited = (await User.insert(User(email="audited@example.org", password_hash="x", name="Audited")).run())[0]["id"]
    other = (await User.insert(User(email="other@example.org", password_hash="x", name="Other")).run())[0]["id"]
    await AuditEntry.insert(AuditEntry(actor=audited, action="auth.login_failed")).run()

    with pytest.raises(Exception, match="(?i)foreign key"):
        await User.delete().where(User.id == audited).run()
    assert await User.exists().where(User.id == audited).run()

    await User.delete().where(User.id == other).run()  # without audit entries a delete goes through
    assert not await User.exists().where(User.id == other).run()
