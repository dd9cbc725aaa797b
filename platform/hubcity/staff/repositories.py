"""Read-only queries of the back office over core's tables: jobs, the email outbox, the audit log.

Core owns these tables and writes them; the back office only reads, newest first, a page at a time.
"""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from hubcity.core.i18n import N_
from hubcity.core.queries import starts_with
from hubcity.db.tables import AuditEntry, Job, Notification

JOB_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed")
NOTIFICATION_STATUSES: tuple[str, ...] = ("pending", "sent", "kept", "failed")
# Labels of the status keys (the keys themselves stay in URLs and data attributes).
JOB_STATUS_LABELS: dict[str, str] = {
    "queued": N_("Waiting to run"),
    "running": N_("Running"),
    "done": N_("Done"),
    "failed": N_("Failed for good"),
}
NOTIFICATION_STATUS_LABELS: dict[str, str] = {
    "pending": N_("Not sent yet"),
    "sent": N_("Sent"),
    "kept": N_("Kept in the outbox"),
    "failed": N_("Failed"),
}


class BackOfficeRepository:
    """Pages of jobs, notifications and audit entries, with their totals."""

    async def jobs(self, status: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Jobs (all, or of ``status``), newest first; payload decoded."""
        where = Job.status == status if status else None
        count = Job.count()
        query = Job.select().order_by(Job.id, ascending=False).limit(limit).offset(offset).output(load_json=True)
        if where is not None:
            count, query = count.where(where), query.where(where)
        return await query.run(), await count.run()

    async def job_counts(self) -> dict[str, int]:
        rows = await Job.select(Job.status, Count(Job.id, alias="n")).group_by(Job.status).run()
        counts = {status: 0 for status in JOB_STATUSES}
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def notifications(self, status: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Outbox rows (all, or of ``status``), newest first."""
        where = Notification.status == status if status else None
        count = Notification.count()
        query = Notification.select().order_by(Notification.id, ascending=False).limit(limit).offset(offset)
        if where is not None:
            count, query = count.where(where), query.where(where)
        return await query.run(), await count.run()

    async def notification_counts(self) -> dict[str, int]:
        rows = await Notification.select(Notification.status, Count(Notification.id, alias="n")).group_by(
            Notification.status
        ).run()
        counts = {status: 0 for status in NOTIFICATION_STATUSES}
        counts.update({row["status"]: row["n"] for row in rows})
        return counts

    async def audit_entries(self, action_prefix: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Audit entries whose action starts with ``action_prefix`` (``%`` and ``_`` taken
        literally), newest first, with the actor's email."""
        where = starts_with(AuditEntry.action, action_prefix) if action_prefix else None
        count = AuditEntry.count()
        query = (
            AuditEntry.select(AuditEntry.all_columns(), AuditEntry.actor.email.as_alias("actor_email"))
            .order_by(AuditEntry.id, ascending=False)
            .limit(limit)
            .offset(offset)
            .output(load_json=True)
        )
        if where is not None:
            count, query = count.where(where), query.where(where)
        return await query.run(), await count.run()
