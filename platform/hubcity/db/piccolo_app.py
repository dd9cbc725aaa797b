"""The one Piccolo app holding every Hubcity table, with one migration history."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from hubcity.db.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="hubcity",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
