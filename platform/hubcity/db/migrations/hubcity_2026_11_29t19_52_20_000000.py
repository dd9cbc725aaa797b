"""One application per startup per call, and one number per form version of a program, enforced
by the database so that a second application started from another tab (or two form edits at
once) fails cleanly instead of creating a second row. Written by hand: Piccolo has no composite
unique constraint, and a migration's raw steps run before its table steps, so this follows the
migration that adds the tables. The statements are the same on SQLite and PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-29T19:52:20:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (program, profile) on application and (program, version) on program_form_version"

#: index name → (table, columns)
INDEXES = {
    "application_program_profile": ("application", "program, profile"),
    "program_form_version_program_version": ("program_form_version", "program, version"),
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hubcity", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for name, (table, columns) in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON {table} ({columns})")

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
