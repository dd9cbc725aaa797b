"""The job queue: a table written in the same transaction as the change that causes a job.

``enqueue`` inside the caller's ``async with DB.transaction()`` so that a crash between commit and
enqueue cannot lose work. A :class:`Worker` claims due jobs one at a time (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; an immediate transaction on SQLite, whose single writer serialises the
claim), runs the handler registered under the job's dotted name, and on failure puts the job
back with exponential backoff until ``max_attempts``, then marks it ``failed``. Jobs left
``running`` by a crashed worker are reclaimed after :data:`STALE_AFTER`.

The worker runs inside the web process in the embedded mode and as ``hubcity worker`` in
production; both read the same table.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import traceback
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.functions.aggregate import Count

from hubcity.core.clock import utcnow
from hubcity.db.tables import Job

log = logging.getLogger("hubcity.jobs")

JobHandler = Callable[[dict[str, Any]], Awaitable[None]]
GiveUpHandler = Callable[[dict[str, Any], str], Awaitable[None]]
STALE_AFTER = timedelta(minutes=10)
MAX_BACKOFF = timedelta(hours=1)
#: Index jobs wait out a search backend that is down for days (backoff capped at MAX_BACKOFF)
#: rather than give up: nothing saved may be lost from the index.
INDEX_JOB_ATTEMPTS = 500
#: Jobs that bring one search document up to date (handled by ``hubcity.matches``). They live
#: here because domains below ``matches`` queue them: profiles, needs, and a verification that
#: changes the documents of every profile and need of an organisation.
INDEX_STARTUP_JOB = "matches.index_startup"
INDEX_NEED_JOB = "matches.index_need"
#: The jobs that embed texts (seconds each, and the models' first load takes longer): they run
#: in a lane of their own so mail and reminders never wait behind them.
INDEX_JOBS: tuple[str, ...] = (INDEX_STARTUP_JOB, INDEX_NEED_JOB)


async def enqueue(
    name: str, payload: dict[str, Any] | None = None, *, delay_s: float = 0, max_attempts: int = 5, dedupe_key: str | None = None
) -> int:
    """Queue job ``name`` with a JSON-serialisable ``payload``; returns the job id. delay_s:
    seconds before it may run; dedupe_key: see :func:`enqueue_once`.

    Call it inside the transaction of the change that causes the job.
    """
    now = utcnow()
    job = Job(
        name=name,
        payload=json.dumps(payload or {}, ensure_ascii=False),
        dedupe_key=dedupe_key,
        status="queued",
        attempts=0,
        max_attempts=max_attempts,
        run_after=now + timedelta(seconds=delay_s),
        created_at=now,
    )
    await job.save().run()
    return job.id


async def enqueue_once(name: str, payload: dict[str, Any], *, max_attempts: int = 5) -> int | None:
    """Like :func:`enqueue`, unless a job of ``name`` with the same payload is still queued and not
    started (its run will see the latest data); returns the new job's id or None. For idempotent
    jobs such as "index this profile", where a burst of saves needs one run."""
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True)
    key = hashlib.sha256(f"{name}\n{encoded}".encode()).hexdigest()
    waiting = await Job.exists().where((Job.dedupe_key == key) & (Job.status == "queued") & (Job.name == name)).run()
    if waiting:
        return None
    return await enqueue(name, payload, max_attempts=max_attempts, dedupe_key=key)


async def pending_count(prefix: str) -> int:
    """How many jobs whose name starts with ``prefix`` are queued or running (not done or failed)."""
    return await Job.count().where(Job.name.like(f"{prefix}%") & Job.status.is_in(["queued", "running"])).run()


class JobRegistry:
    """Job name (dotted, e.g. ``notify.deliver``) → async handler taking the payload dict."""

    def __init__(self) -> None:
        self._handlers: dict[str, JobHandler] = {}
        self._give_up: dict[str, GiveUpHandler] = {}

    def register(self, name: str, handler: JobHandler, on_give_up: GiveUpHandler | None = None) -> None:
        """Register ``handler`` for ``name``; ``on_give_up(payload, error)`` runs when the job fails for good."""
        if name in self._handlers:
            raise ValueError(f"job handler {name!r} is already registered")
        self._handlers[name] = handler
        if on_give_up:
            self._give_up[name] = on_give_up

    def get(self, name: str) -> JobHandler | None:
        return self._handlers.get(name)

    def give_up_handler(self, name: str) -> GiveUpHandler | None:
        return self._give_up.get(name)

    def names(self) -> list[str]:
        return sorted(self._handlers)


def backoff(attempts: int, base_s: float) -> timedelta:
    """Delay before retry number ``attempts`` (1-based): ``base_s * 2**(attempts-1)``, capped at 1 h."""
    return min(timedelta(seconds=base_s * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


class Worker:
    """Claims and runs jobs. ``backoff_base_s``: first retry delay in seconds; ``only``: job names
    this worker claims (None: every job), e.g. a worker of its own for the index jobs; ``skip``:
    job names it never claims (the other lane's)."""

    def __init__(
        self,
        registry: JobRegistry,
        *,
        backoff_base_s: float = 5.0,
        worker_id: str | None = None,
        only: tuple[str, ...] | None = None,
        skip: tuple[str, ...] = (),
    ):
        self.registry = registry
        self.backoff_base_s = backoff_base_s
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.only = only
        self.skip = skip

    async def _claim(self) -> dict[str, Any] | None:
        now = utcnow()
        engine = Job._meta.db
        if isinstance(engine, SQLiteEngine):
            async with engine.transaction(transaction_type=TransactionType.immediate):
                due = (Job.status == "queued") & (Job.run_after <= now)
                if self.only is not None:
                    due = due & Job.name.is_in(list(self.only))
                if self.skip:
                    due = due & Job.name.not_in(list(self.skip))
                job = await (
                    Job.select(Job.id)
                    .where(due)
                    .order_by(Job.run_after)
                    .order_by(Job.id)
                    .first()
                    .run()
                )
                if job is None:
                    return None
                await Job.update(
                    {Job.status: "running", Job.locked_at: now, Job.locked_by: self.worker_id, Job.attempts: Job.attempts + 1}
                ).where(Job.id == job["id"]).run()
            return await Job.select().where(Job.id == job["id"]).first().output(load_json=True).run()
        names = ("" if self.only is None else " AND name = ANY({})") + (" AND NOT (name = ANY({}))" if self.skip else "")
        rows = await Job.raw(
            "UPDATE job SET status = 'running', locked_at = {}, locked_by = {}, attempts = attempts + 1 "
            "WHERE id = (SELECT id FROM job WHERE status = 'queued' AND run_after <= {}" + names + " "
            "ORDER BY run_after, id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id",
            now,
            self.worker_id,
            now,
            *([] if self.only is None else [list(self.only)]),
            *([list(self.skip)] if self.skip else []),
        ).run()
        if not rows:
            return None
        return await Job.select().where(Job.id == rows[0]["id"]).first().output(load_json=True).run()

    async def reclaim_stale(self) -> int:
        """Put back jobs left ``running`` longer than :data:`STALE_AFTER`; returns how many."""
        cutoff = utcnow() - STALE_AFTER
        stale = await Job.select(Job.id).where((Job.status == "running") & (Job.locked_at < cutoff)).run()
        if stale:
            await Job.update({Job.status: "queued", Job.locked_at: None, Job.locked_by: None}).where(
                Job.id.is_in([row["id"] for row in stale])
            ).run()
        return len(stale)

    async def run_once(self) -> bool:
        """Run one due job if there is one; returns whether a job was claimed."""
        job = await self._claim()
        if job is None:
            return False
        handler = self.registry.get(job["name"])
        payload = job["payload"] if isinstance(job["payload"], dict) else json.loads(job["payload"] or "{}")
        try:
            if handler is None:
                raise LookupError(f"no handler registered for job {job['name']!r}")
            await handler(payload)
        except Exception as error:  # noqa: BLE001 - a failing job must never stop the worker
            await self._failed(job, payload, error)
        else:
            await Job.update(
                {Job.status: "done", Job.finished_at: utcnow(), Job.last_error: "", Job.locked_at: None, Job.locked_by: None}
            ).where(Job.id == job["id"]).run()
        return True

    async def _failed(self, job: dict[str, Any], payload: dict[str, Any], error: Exception) -> None:
        detail = "".join(traceback.format_exception_only(type(error), error)).strip()[:2000]
        if job["attempts"] >= job["max_attempts"]:
            log.error("job %s #%s failed for good after %s attempts: %s", job["name"], job["id"], job["attempts"], detail)
            values = {Job.status: "failed", Job.finished_at: utcnow(), Job.last_error: detail, Job.locked_at: None, Job.locked_by: None}
            give_up = self.registry.give_up_handler(job["name"])
            if give_up:
                try:
                    await give_up(payload, detail)
                except Exception:  # noqa: BLE001 - the job is failed either way
                    log.exception("give-up handler of job %s #%s failed", job["name"], job["id"])
        else:
            delay = backoff(job["attempts"], self.backoff_base_s)
            log.warning("job %s #%s failed (attempt %s), retry in %s: %s", job["name"], job["id"], job["attempts"], delay, detail)
            values = {Job.status: "queued", Job.run_after: utcnow() + delay, Job.last_error: detail, Job.locked_at: None, Job.locked_by: None}
        await Job.update(values).where(Job.id == job["id"]).run()

    async def drain(self, max_jobs: int = 1000) -> int:
        """Run due jobs until none is left (or ``max_jobs``); returns how many ran."""
        count = 0
        while count < max_jobs and await self.run_once():
            count += 1
        return count

    async def run_forever(self, stop: asyncio.Event, poll_interval_s: float = 1.0) -> None:
        """Process jobs until ``stop`` is set, sleeping ``poll_interval_s`` when the queue is idle."""
        claimed = [n for n in self.registry.names() if (self.only is None or n in self.only) and n not in self.skip]
        log.info("job worker %s started (%s)", self.worker_id, ", ".join(claimed))
        while not stop.is_set():
            try:
                await self.reclaim_stale()
                await self.drain(max_jobs=100)
            except Exception:  # noqa: BLE001 - database hiccups must not kill the loop
                log.exception("job worker loop error")
            try:
                await asyncio.wait_for(stop.wait(), timeout=poll_interval_s)
            except TimeoutError:
                pass


async def queue_health() -> dict[str, Any]:
    """Counts by status and the age in seconds of the oldest due queued job (for ``/health``)."""
    rows = await Job.select(Job.status, Count(Job.id, alias="n")).group_by(Job.status).run()
    counts = {row["status"]: row["n"] for row in rows}
    oldest = (
        await Job.select(Job.run_after)
        .where((Job.status == "queued") & (Job.run_after <= utcnow()))
        .order_by(Job.run_after)
        .first()
        .run()
    )
    age = (utcnow() - oldest["run_after"]).total_seconds() if oldest else 0.0
    return {
        "queued": counts.get("queued", 0),
        "running": counts.get("running", 0),
        "failed": counts.get("failed", 0),
        "done": counts.get("done", 0),
        "oldest_due_age_s": round(age, 1),
    }


def lanes(registry: JobRegistry, *, worker_id: str | None = None, backoff_base_s: float = 5.0) -> tuple[Worker, Worker]:
    """The two workers a process runs side by side: (the index jobs of :data:`INDEX_JOBS`,
    every other job). Mail and reminders thus go out while the models load or a reindex runs."""
    base = worker_id or f"{socket.gethostname()}:{os.getpid()}"
    return (
        Worker(registry, worker_id=f"{base}:index", only=INDEX_JOBS, backoff_base_s=backoff_base_s),
        Worker(registry, worker_id=f"{base}:main", skip=INDEX_JOBS, backoff_base_s=backoff_base_s),
    )
