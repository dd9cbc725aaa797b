"""At most one unanswered objection per determination, enforced by the database: two objections
lodged at the same moment (both read "none open" first) fail cleanly instead of writing two rows.
Written by hand (a partial unique index; Piccolo has none); the statement is the same on SQLite
and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-30T00:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (determination) on objection where answered_at is null"
INDEX = "objection_one_open_per_determination"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hubcity", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {INDEX} ON objection (determination) WHERE answered_at IS NULL")

    async def drop_index():
        await engine_finder().run_ddl(f"DROP INDEX IF EXISTS {INDEX}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
