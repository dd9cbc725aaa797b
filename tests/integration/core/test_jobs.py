"""The job queue: jobs written in the causing transaction, the worker's retries with backoff,
failures, stale jobs, and two workers that never run the same job."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar

from hubcity.core.clock import utcnow
from hubcity.core.jobs import INDEX_JOBS, INDEX_STARTUP_JOB, STALE_AFTER, JobRegistry, Worker, backoff, enqueue, enqueue_once, lanes
from hubcity.db.tables import Job


@pytest.fixture
async def db(app: Litestar) -> None:
    """Empty tables on the engine under test (the app fixture binds and empties them)."""


async def job(job_id: int) -> dict[str, Any]:
    return await Job.select().where(Job.id == job_id).first().output(load_json=True).run()


async def make_due(job_id: int) -> None:
    """Move a job's next run into the past instead of sleeping through its backoff."""
    await Job.update({Job.run_after: utcnow() - timedelta(seconds=1)}).where(Job.id == job_id).run()


def between(value: datetime, low: datetime, high: datetime) -> bool:
    return low - timedelta(seconds=1) <= value <= high + timedelta(seconds=1)


class Boom(Exception):
    pass


async def test_enqueue_in_a_rolled_back_transaction_leaves_no_job(db: None) -> None:
    with pytest.raises(Boom):
        async with Job._meta.db.transaction():
            await enqueue("test.echo", {"n": 1})
            assert await Job.count().run() == 1
            raise Boom
    assert await Job.count().run() == 0
    async with Job._meta.db.transaction():
        await enqueue("test.echo", {"n": 2})
    assert await Job.count().run() == 1


async def test_a_job_runs_and_is_marked_done(db: None) -> None:
    seen: list[dict[str, Any]] = []

    async def echo(payload: dict[str, Any]) -> None:
        seen.append(payload)

    registry = JobRegistry()
    registry.register("test.echo", echo)
    job_id = await enqueue("test.echo", {"text": "안녕", "n": 3})
    worker = Worker(registry)
    assert await worker.run_once() is True
    assert seen == [{"text": "안녕", "n": 3}]
    row = await job(job_id)
    assert row["status"] == "done" and row["attempts"] == 1 and row["last_error"] == "" and row["finished_at"] is not None
    assert await worker.run_once() is False


async def test_a_job_waiting_for_later_is_not_run_yet(db: None) -> None:
    registry = JobRegistry()
    registry.register("test.echo", lambda payload: asyncio.sleep(0))
    await enqueue("test.echo", delay_s=60)
    assert await Worker(registry).run_once() is False


async def test_the_worker_retries_a_failing_job_with_backoff(db: None) -> None:
    calls = 0

    async def flaky(payload: dict[str, Any]) -> None:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise RuntimeError(f"flaky failure {calls}")

    registry = JobRegistry()
    registry.register("test.flaky", flaky)
    worker = Worker(registry, backoff_base_s=30)
    job_id = await enqueue("test.flaky", max_attempts=5)

    before = utcnow()
    assert await worker.run_once() is True
    row = await job(job_id)
    assert row["status"] == "queued" and row["attempts"] == 1
    assert "RuntimeError: flaky failure 1" in row["last_error"]
    assert between(row["run_after"], before + timedelta(seconds=30), utcnow() + timedelta(seconds=30))
    assert row["locked_by"] is None
    assert await worker.run_once() is False  # not due before its backoff has passed

    await make_due(job_id)
    before = utcnow()
    assert await worker.run_once() is True
    row = await job(job_id)
    assert row["status"] == "queued" and row["attempts"] == 2
    assert "flaky failure 2" in row["last_error"]
    assert between(row["run_after"], before + timedelta(seconds=60), utcnow() + timedelta(seconds=60))  # doubled

    await make_due(job_id)
    assert await worker.run_once() is True
    row = await job(job_id)
    assert row["status"] == "done" and row["attempts"] == 3 and row["last_error"] == ""
    assert calls == 3


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff(n, 5).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff(30, 5) == timedelta(hours=1)


async def test_a_job_failing_max_attempts_times_ends_failed(db: None) -> None:
    async def always_fails(payload: dict[str, Any]) -> None:
        raise ValueError("the partner API said no")

    registry = JobRegistry()
    registry.register("test.fails", always_fails)
    worker = Worker(registry, backoff_base_s=1)
    job_id = await enqueue("test.fails", max_attempts=3)
    for _ in range(3):
        await make_due(job_id)
        assert await worker.run_once() is True
    row = await job(job_id)
    assert row["status"] == "failed" and row["attempts"] == 3
    assert "ValueError: the partner API said no" in row["last_error"]
    assert row["finished_at"] is not None
    await make_due(job_id)
    assert await worker.run_once() is False  # a failed job is not picked up again


async def test_an_unknown_job_name_fails_cleanly(db: None) -> None:
    worker = Worker(JobRegistry())
    retried = await enqueue("no.such.job", max_attempts=2)
    assert await worker.run_once() is True  # no exception escapes the worker
    row = await job(retried)
    assert row["status"] == "queued" and "no handler registered for job 'no.such.job'" in row["last_error"]
    await make_due(retried)
    await worker.run_once()
    assert (await job(retried))["status"] == "failed"


async def test_a_stale_running_job_is_reclaimed(db: None) -> None:
    ran: list[int] = []

    async def record(payload: dict[str, Any]) -> None:
        ran.append(payload["n"])

    registry = JobRegistry()
    registry.register("test.record", record)
    stale = await enqueue("test.record", {"n": 1})
    fresh = await enqueue("test.record", {"n": 2})
    long_ago = utcnow() - STALE_AFTER - timedelta(minutes=1)
    await Job.update({Job.status: "running", Job.locked_at: long_ago, Job.locked_by: "dead-worker:1", Job.attempts: 1}).where(
        Job.id == stale
    ).run()
    await Job.update({Job.status: "running", Job.locked_at: utcnow(), Job.locked_by: "busy-worker:2", Job.attempts: 1}).where(
        Job.id == fresh
    ).run()
    worker = Worker(registry)
    assert await worker.reclaim_stale() == 1
    assert (await job(stale))["status"] == "queued" and (await job(stale))["locked_by"] is None
    assert (await job(fresh))["status"] == "running"  # still being worked on elsewhere
    assert await worker.drain() == 1
    row = await job(stale)
    assert row["status"] == "done" and row["attempts"] == 2 and ran == [1]


async def test_two_workers_never_claim_the_same_job(db: None) -> None:
    runs: Counter[int] = Counter()

    async def slow(payload: dict[str, Any]) -> None:
        runs[payload["n"]] += 1
        await asyncio.sleep(0.01)

    registry = JobRegistry()
    registry.register("test.slow", slow)
    first, second = Worker(registry, worker_id="worker-a"), Worker(registry, worker_id="worker-b")

    await enqueue("test.slow", {"n": 0})
    claimed = await asyncio.gather(first.run_once(), second.run_once())
    assert sorted(claimed) == [False, True]
    assert runs == Counter({0: 1})

    for n in range(1, 9):
        await enqueue("test.slow", {"n": n})
    counts = await asyncio.gather(first.drain(), second.drain())
    assert sum(counts) == 8
    assert runs == Counter({n: 1 for n in range(9)})
    statuses = await Job.select(Job.status, Job.attempts).run()
    assert all(row["status"] == "done" and row["attempts"] == 1 for row in statuses)


async def test_other_jobs_run_while_an_index_job_is_busy_in_its_own_lane(db: None) -> None:
    index_started, release = asyncio.Event(), asyncio.Event()
    ran: list[str] = []

    async def slow_index(payload: dict) -> None:
        index_started.set()
        await release.wait()  # e.g. the models loading for the first time
        ran.append("index")

    async def mail(payload: dict) -> None:
        ran.append("mail")

    registry = JobRegistry()
    registry.register(INDEX_STARTUP_JOB, slow_index)
    registry.register("test.mail", mail)
    index_lane, main_lane = lanes(registry, worker_id="w")
    assert (index_lane.only, main_lane.skip) == (INDEX_JOBS, INDEX_JOBS)

    await enqueue(INDEX_STARTUP_JOB, {"profile_id": 1})
    await enqueue("test.mail", {})
    assert await main_lane.run_once() is True and ran == ["mail"]  # the main lane never claims the index job
    assert await main_lane.run_once() is False
    busy = asyncio.create_task(index_lane.run_once())
    await asyncio.wait_for(index_started.wait(), 5)
    await enqueue("test.mail", {})
    assert await main_lane.run_once() is True and ran == ["mail", "mail"]  # not behind the busy index job
    assert await index_lane.run_once() is False  # the index lane never claims mail
    release.set()
    assert await busy is True and ran == ["mail", "mail", "index"]
    assert {row["status"] for row in await Job.select(Job.status).run()} == {"done"}


async def test_enqueue_once_keeps_one_waiting_job_per_name_and_payload(db: None) -> None:
    first = await enqueue_once("matches.index_startup", {"profile_id": 1})
    assert first is not None
    assert await enqueue_once("matches.index_startup", {"profile_id": 1}) is None  # still waiting: its run sees the latest data
    assert await enqueue_once("matches.index_startup", {"profile_id": 2}) is not None
    assert await enqueue_once("matches.index_need", {"profile_id": 1}) is not None  # another job name

    await Job.update({Job.status: "running"}).where(Job.id == first).run()  # started: it may have read old data
    assert await enqueue_once("matches.index_startup", {"profile_id": 1}) is not None
    assert await Job.count().where(Job.name == "matches.index_startup").run() == 3


async def test_enqueue_once_finds_the_waiting_job_by_an_indexed_key_in_a_large_queue(db: None) -> None:
    for profile_id in range(2000):
        await enqueue_once("matches.index_startup", {"profile_id": profile_id})
    assert await enqueue_once("matches.index_startup", {"profile_id": 1999}) is None
    keys = await Job.select(Job.dedupe_key).where(Job.name == "matches.index_startup").run()
    assert len({row["dedupe_key"] for row in keys}) == 2000 and all(len(row["dedupe_key"]) == 64 for row in keys)
