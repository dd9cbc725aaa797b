"""Bulk import of startup records into profiles: ``hubcity import-startups FILE`` and the staff
page ``/staff/imports``. The mapping tables are documented in :mod:`.mapping`; the rules of a
run (idempotent, row by row, flagged duplicates, the report) in :mod:`.services`."""

from __future__ import annotations

from typing import Any


def routes() -> list[Any]:
    """Route handlers of the import (the staff pages under ``/staff/imports``)."""
    from hubcity.startups.importing.controllers import ImportController

    return [ImportController]


def register_jobs(registry: Any) -> None:
    """Register the job ``startups.import`` (run a confirmed import) on a
    :class:`hubcity.core.jobs.JobRegistry`; when it fails for good its run is marked failed."""
    from hubcity.startups.importing.services import IMPORT_JOB, ImportService

    service = ImportService()
    registry.register(IMPORT_JOB, service.execute_run, on_give_up=service.give_up_run)
