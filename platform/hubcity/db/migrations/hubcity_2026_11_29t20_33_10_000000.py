"""The composite unique rules of the reviews domain, enforced by the database so that two staff
members opening the same round, assigning the same reviewer twice, or numbering two tranches
alike at once fail cleanly instead of writing a second row. Written by hand: Piccolo has no
composite unique constraint, and a migration's raw steps run before its table steps, so this
follows the migration that adds the tables. The statements are the same on SQLite and
PostgreSQL."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-29T20:33:10:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique (program, round_order) on review_round_run, (round_run, application, reviewer) on review_assignment, (round_run, user) on panel_member, (award, number) on tranche"

#: index name → (table, columns)
INDEXES = {
    "review_round_run_program_order": ("review_round_run", "program, round_order"),
    "review_assignment_run_application_reviewer": ("review_assignment", "round_run, application, reviewer"),
    "panel_member_run_user": ("panel_member", 'round_run, "user"'),
    "tranche_award_number": ("tranche", "award, number"),
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
