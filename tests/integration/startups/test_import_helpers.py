"""Shared pieces of the import tests (no tests here): the test files, a database with the
taxonomies seeded, and a snapshot of every stored profile to compare before and after."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hubcity.config.settings import Settings
from hubcity.core.i18n import use_locale
from hubcity.db.tables import ImportRun, StartupProfile, StartupTag
from hubcity.startups import taxonomy
from hubcity.startups.importing.services import ImportReport, ImportService

DATA_DIR = Path(__file__).resolve().parents[2] / "data" / "import"


def data(name: str) -> bytes:
    """The bytes of the test file ``tests/data/import/<name>``."""
    return (DATA_DIR / name).read_bytes()


@pytest.fixture
async def imports_db(settings: Settings, clean_database: Any) -> Settings:
    """Empty tables on the test database, with the taxonomies seeded."""
    await taxonomy.seed_missing()
    return settings


async def import_file(name: str, source: str = "", *, dry_run: bool = False) -> ImportReport:
    """Import ``tests/data/import/<name>`` (format from its extension) through the service, with
    the report in English."""
    fmt = "json" if name.endswith(".json") else "csv"
    return await import_bytes(data(name), fmt, source or ("yc" if fmt == "json" else "csv"), dry_run=dry_run)


async def import_bytes(content: bytes, fmt: str, source: str, *, dry_run: bool = False) -> ImportReport:
    """Import ``content`` through the service, with the report (and any error) in English."""
    with use_locale("en"):
        return await ImportService().import_bytes(content, fmt, source, dry_run=dry_run)


async def stored_state() -> list[dict[str, Any]]:
    """Every profile row (every column, updated_at included) with its tags, by id."""
    rows = await StartupProfile.select().order_by(StartupProfile.id).run()
    tags = await StartupTag.select(StartupTag.profile, StartupTag.kind, StartupTag.slug).order_by(StartupTag.id).run()
    for row in rows:
        row["terms"] = sorted((tag["kind"], tag["slug"]) for tag in tags if tag["profile"] == row["id"])
    return rows


async def profile(key: str) -> dict[str, Any]:
    """The profile with ``source_key`` ``key`` (lists loaded) and its terms by kind."""
    row = await StartupProfile.select().where(StartupProfile.source_key == key).first().output(load_json=True).run()
    assert row is not None, f"no profile {key}"
    tags = await StartupTag.select(StartupTag.kind, StartupTag.slug).where(StartupTag.profile == row["id"]).run()
    row["sectors"] = {tag["slug"] for tag in tags if tag["kind"] == "sector"}
    row["technologies"] = {tag["slug"] for tag in tags if tag["kind"] == "technology"}
    return row


async def run_count() -> int:
    return await ImportRun.count().run()
