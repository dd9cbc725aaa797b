"""tranche.report_file_name: the name the startup gave the file attached to a milestone report
(shown and offered for download). The bytes are a StoredFile shared by content, whose own
``original_name`` is only the first name those bytes were uploaded with, possibly by someone else."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T23:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "tranche.report_file_name"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="hubcity", description=DESCRIPTION)
    manager.add_column(
        table_class_name="Tranche",
        tablename="tranche",
        column_name="report_file_name",
        db_column_name="report_file_name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 255,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
