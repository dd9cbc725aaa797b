"""job.dedupe_key: the indexed key :func:`hubcity.core.jobs.enqueue_once` looks a waiting job up
by (a hash of the name and payload), instead of comparing every queued job's payload as text,
which made a large import without a running worker quadratic."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T20:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "job.dedupe_key"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hubcity", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Job",
        tablename="job",
        column_name="dedupe_key",
        db_column_name="dedupe_key",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 64,
            "default": None,
            "null": True,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
