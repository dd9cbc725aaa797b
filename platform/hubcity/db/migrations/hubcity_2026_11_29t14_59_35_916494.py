from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-29T14:59:35:916494"
VERSION = "1.38.0"
DESCRIPTION = "User.sessions_valid_after: sessions begun before a password reset or change are over"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="hubcity", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="User",
        tablename="hub_user",
        column_name="sessions_valid_after",
        db_column_name="sessions_valid_after",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": None,
            "null": True,
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
