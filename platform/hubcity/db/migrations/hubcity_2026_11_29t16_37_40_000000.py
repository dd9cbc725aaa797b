"""One shortlist entry and one interest per (need, profile), enforced by the database so that two
clicks at once cannot create two rows. Written by hand: Piccolo has no composite unique
constraint, and a migration's raw steps run before its table steps, so this follows the
migration that adds the tables. The statements are the same on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-29T16:37:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (need, profile) on shortlist_entry and need_interest"

TABLES = ("shortlist_entry", "need_interest")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hubcity", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for table in TABLES:
            await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {table}_need_profile ON {table} (need, profile)")

    async def drop_indexes():
        engine = engine_finder()
        for table in TABLES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {table}_need_profile")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
