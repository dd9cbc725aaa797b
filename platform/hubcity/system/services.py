"""Health of the parts the platform needs: the database and the job queue."""

from __future__ import annotations

from typing import Any

from hubcity.core.jobs import queue_health
from hubcity.db.engine import engine_kind
from hubcity.db.tables import Job


async def health() -> tuple[bool, dict[str, Any]]:
    """(healthy, report). The database is reachable when a trivial query on it succeeds."""
    report: dict[str, Any] = {"database": {"engine": engine_kind(Job._meta.db)}}
    try:
        await Job.raw("SELECT 1").run()
        report["database"]["ok"] = True
        report["jobs"] = await queue_health()
    except Exception as error:  # noqa: BLE001 - health reports the failure instead of raising
        report["database"].update(ok=False, error=type(error).__name__)
        report["jobs"] = {"ok": False}
    healthy = report["database"]["ok"]
    report["status"] = "ok" if healthy else "unavailable"
    return healthy, report
