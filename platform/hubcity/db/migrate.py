"""Applying the one migration history (``hubcity migrate``)."""

from __future__ import annotations

import contextlib
import io
import os

PICCOLO_CONF = "hubcity.config.piccolo_conf"


async def migrate_forwards(quiet: bool = True) -> list[str]:
    """Apply every migration not yet run on the bound database; returns the ids applied.

    Raises RuntimeError with Piccolo's message when a migration fails.
    """
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
    from piccolo.apps.migrations.tables import Migration

    before = set(await _ran())
    sink = io.StringIO() if quiet else None
    with contextlib.redirect_stdout(sink) if sink else contextlib.nullcontext():
        result = await ForwardsMigrationManager(app_name="hubcity").run()
    if not result.success:
        raise RuntimeError(f"migration failed: {result.message}")
    del Migration
    return sorted(set(await _ran()) - before)


async def _ran() -> list[str]:
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists().run():
        return []
    return await Migration.get_migrations_which_ran(app_name="hubcity")
