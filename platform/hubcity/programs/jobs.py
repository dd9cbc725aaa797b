"""Jobs of the programs domain: reminders to startups with unsubmitted drafts before a deadline.

**Design: a periodic sweep, not one delayed job per program.** Job ``programs.remind_drafts``
(:data:`SWEEP_JOB`) looks at every draft of every published program, works out its own deadline
(the program's ``closes_at`` or the application's later extension) and sends the reminder that
is due: :data:`REMINDER_DAYS` (7 days, then 1 day) before the deadline. It then queues itself
again, at the next instant a reminder falls due but at most :data:`SWEEP_INTERVAL` (one hour)
later, as long as some draft still has a deadline ahead; with none left it stops.

Why a sweep: a deadline changes after the fact (a program manager moves ``closes_at``, staff
grant one startup an extension), and drafts appear at any time. Delayed jobs queued at publish
time would each need cancelling and re-queuing on every such change; a sweep reads the current
deadlines every time, so a moved date is honoured within the hour. It is armed by
:func:`ensure_scheduled` whenever a draft is started (a reminder only ever concerns a draft),
which is idempotent: one sweep is queued at a time.

**Once per application per reminder.** Each reminder sent writes an audit entry
``application.reminder_sent`` (``after = {"days": N}``) in the same transaction as the
notifications; a reminder already recorded is never sent again. When a draft is started within
the last day, only the 1-day reminder is sent (the later, more urgent one wins).

**Language.** Each member of the startup gets the email in their own language (``user.locale``),
with the deadline in the program's zone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.jobs import enqueue
from hubcity.core.notify import Notifier
from hubcity.core.timefmt import format_instant
from hubcity.db.tables import Job
from hubcity.programs import deadlines
from hubcity.programs.repositories import ApplicationRepository, ProgramRepository, members_of, write_transaction

log = logging.getLogger("hubcity.programs.jobs")

SWEEP_JOB = "programs.remind_drafts"
#: Days before the deadline at which a draft's members are reminded (largest first).
REMINDER_DAYS: tuple[int, ...] = (7, 1)
#: The longest wait between two sweeps while drafts with a deadline ahead remain.
SWEEP_INTERVAL = timedelta(hours=1)
TEMPLATE = "application_reminder"


def due_reminder(deadline: datetime, now: datetime, days: tuple[int, ...] = REMINDER_DAYS) -> int | None:
    """The reminder due at ``now`` for a deadline (the smallest N of ``days`` with
    ``now >= deadline - N days``), or None when none is due yet or the deadline has passed."""
    if now >= deadline:
        return None
    due = [n for n in days if now >= deadline - timedelta(days=n)]
    return min(due) if due else None


def next_reminder_at(deadline: datetime, now: datetime, days: tuple[int, ...] = REMINDER_DAYS) -> datetime | None:
    """The next instant after ``now`` a reminder for ``deadline`` falls due (None: no more)."""
    upcoming = [deadline - timedelta(days=n) for n in days if deadline - timedelta(days=n) > now]
    return min(upcoming) if upcoming else None


async def ensure_scheduled(delay_s: float = 0) -> int | None:
    """Queue the sweep unless one is queued already; returns the new job's id or None.
    Call it whenever a draft is started (and wherever deadlines change, if sooner than hourly matters)."""
    waiting = await Job.exists().where((Job.name == SWEEP_JOB) & (Job.status == "queued")).run()
    if waiting:
        return None
    return await enqueue(SWEEP_JOB, {}, delay_s=delay_s)


class Reminders:
    """The reminder sweep. notifier: writes the emails; public_url: base of the links;
    clock: the source of "now" (aware UTC; tests fix it)."""

    def __init__(self, notifier: Notifier, public_url: str, clock: Callable[[], datetime] = utcnow):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.applications = ApplicationRepository()
        self.programs = ProgramRepository()

    async def sweep(self) -> dict[str, Any]:
        """Send every reminder due now, once. Returns ``{"sent": [(application id, days), …],
        "next_at": the next instant a reminder falls due or None}``."""
        now = self.clock()
        sent: list[tuple[int, int]] = []
        upcoming: list[datetime] = []
        for row in await self.applications.drafts_in_published_programs():
            deadline = deadlines.effective_deadline(row["program.closes_at"], row["deadline_extended_to"])
            if deadline is None or deadline <= now:
                continue
            following = next_reminder_at(deadline, now)
            if following is not None:
                upcoming.append(following)
            days = due_reminder(deadline, now)
            if days is None:
                continue
            if await self._remind(row, days, deadline, now):
                sent.append((row["id"], days))
        return {"sent": sent, "next_at": min(upcoming) if upcoming else None}

    async def _remind(self, row: dict[str, Any], days: int, deadline: datetime, now: datetime) -> bool:
        async with write_transaction():
            already = await self.applications.reminders_sent(row["id"])
            if days in already or any(d < days for d in already):
                return False
            program = await self.programs.get(row["program"])
            if program is None:
                return False
            zone = deadlines.zone_named(program["time_zone"])
            people = await members_of([row["organisation"]])
            for person in people:
                await self.notifier.notify(
                    to_email=person["email"], locale=person["locale"], recipient_id=person["id"], template=TEMPLATE,
                    context={"program": program, "days": days, "deadline": format_instant(deadline, zone, person["locale"]),
                             "link": f"{self.public_url}/applications/{row['id']}"},
                )
            await audit.record(
                "application.reminder_sent", actor_id=None, object_type="application", object_id=row["id"],
                after={"days": days, "deadline": deadline.isoformat(), "recipients": len(people), "at": now.isoformat()},
            )
        return True

    async def run(self, payload: dict[str, Any]) -> None:
        """Job handler of :data:`SWEEP_JOB`: sweep, then queue the next sweep while drafts with a
        deadline ahead remain (at the next due instant, at most :data:`SWEEP_INTERVAL` away)."""
        result = await self.sweep()
        if result["sent"]:
            log.info("reminders sent: %s", result["sent"])
        if result["next_at"] is not None or await self._drafts_ahead():
            now = self.clock()
            wait = SWEEP_INTERVAL if result["next_at"] is None else min(SWEEP_INTERVAL, max(result["next_at"] - now, timedelta(seconds=1)))
            await ensure_scheduled(delay_s=wait.total_seconds())

    async def _drafts_ahead(self) -> bool:
        now = self.clock()
        for row in await self.applications.drafts_in_published_programs():
            deadline = deadlines.effective_deadline(row["program.closes_at"], row["deadline_extended_to"])
            if deadline is not None and deadline > now:
                return True
        return False


def register(registry: Any, notifier: Any, public_url: str) -> None:
    """Register the programs domain's job handlers on ``registry``: :data:`SWEEP_JOB`."""
    registry.register(SWEEP_JOB, Reminders(notifier, public_url).run)
