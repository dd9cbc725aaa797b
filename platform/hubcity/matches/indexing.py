"""Keeps the search index in step with the database.

Every profile or need change queues an index job in the same transaction
(``core.jobs.INDEX_STARTUP_JOB`` and ``INDEX_NEED_JOB``). The
handlers here read the row as it is now and upsert its document (or remove it when the row is
gone), so a job that runs late, twice, or after the backend came back is still right. A backend
that is down makes the job fail; the worker retries it with backoff (it never gives up before
``INDEX_JOB_ATTEMPTS``), so nothing saved is lost from the index.

:func:`reindex` rebuilds everything in batches (``hubcity reindex``); :func:`index_status`
compares the database and the index by fingerprints (``hubcity index-status``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hubcity.core.jobs import INDEX_NEED_JOB, INDEX_STARTUP_JOB, JobRegistry
from hubcity.matches.alerts import AlertDispatcher
from hubcity.matches.documents import need_text, startup_text
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.repositories import IndexSourceRepository

STARTUPS = "startups"
NEEDS = "needs"
BATCH = 64

Progress = Callable[[int, int], None]


class IndexSync:
    """The job handlers and bulk operations over one :class:`MatchingEngine`."""

    def __init__(self, engine: MatchingEngine, alerts: AlertDispatcher | None = None) -> None:
        self.engine = engine
        self.alerts = alerts
        self.source = IndexSourceRepository()

    async def index_startup(self, payload: dict[str, Any]) -> None:
        """Job ``matches.index_startup``: ``{"profile_id": int}``; then the match alerts it triggers."""
        profile_id = int(payload["profile_id"])
        if await self.startups([profile_id]) and self.alerts is not None:
            await self.alerts.startup_indexed(profile_id)

    async def index_need(self, payload: dict[str, Any]) -> None:
        """Job ``matches.index_need``: ``{"need_id": int}``; then the match alerts it triggers."""
        need_id = int(payload["need_id"])
        if await self.needs([need_id]) and self.alerts is not None:
            await self.alerts.need_indexed(need_id)

    async def startups(self, ids: list[int]) -> int:
        """Upsert the documents of profiles ``ids``; remove those whose row is gone. Returns how
        many were upserted. Raises SearchBackendError when the backend fails (the job retries)."""
        rows = await self.source.profiles(ids)
        labels = await self.source.taxonomy_labels()
        found = {row["id"] for row in rows}
        missing = [str(i) for i in ids if i not in found]
        if rows:
            await self.engine.call("index_startups", [startup_text(row, labels) for row in rows])  # embeds, upserts
        if missing:
            await self.engine.call("remove", STARTUPS, missing)
        return len(rows)

    async def needs(self, ids: list[int]) -> int:
        """Like :meth:`startups`, for partner needs."""
        rows = await self.source.needs(ids)
        labels = await self.source.taxonomy_labels()
        found = {row["id"] for row in rows}
        missing = [str(i) for i in ids if i not in found]
        if rows:
            await self.engine.call("index_needs", [need_text(row, labels) for row in rows])
        if missing:
            await self.engine.call("remove", NEEDS, missing)
        return len(rows)

    async def reindex(self, progress: Progress | None = None, *, drop: bool = False) -> dict[str, int]:
        """Index every profile and need in batches of :data:`BATCH`; documents of rows that no
        longer exist are removed. ``drop``: start from empty indexes. ``progress(done, total)``
        is called after each batch. Returns ``{"startups": n, "needs": m, "removed": k}``."""
        if drop:
            for index in (STARTUPS, NEEDS):
                await self.engine.call("drop_index", index)
            await self.engine.call("ensure_indexes")
        profile_ids = await self.source.profile_ids()
        need_ids = await self.source.need_ids()
        total, done = len(profile_ids) + len(need_ids), 0
        counts = {"startups": 0, "needs": 0, "removed": 0}
        for start in range(0, len(profile_ids), BATCH):
            counts["startups"] += await self.startups(profile_ids[start : start + BATCH])
            done = min(done + BATCH, len(profile_ids))
            if progress:
                progress(done, total)
        for start in range(0, len(need_ids), BATCH):
            counts["needs"] += await self.needs(need_ids[start : start + BATCH])
            if progress:
                progress(len(profile_ids) + min(start + BATCH, len(need_ids)), total)
        for index, ids in ((STARTUPS, profile_ids), (NEEDS, need_ids)):
            stored = await self.engine.call("fingerprints", index)
            extra = sorted(set(stored) - {str(i) for i in ids})
            if extra:
                await self.engine.call("remove", index, extra)
                counts["removed"] += len(extra)
        return counts

    async def status(self) -> "IndexStatus":
        """Database rows against index documents, per index: missing, outdated, extra."""
        labels = await self.source.taxonomy_labels()
        report: dict[str, dict[str, int]] = {}
        for index, rows, to_text in (
            (STARTUPS, await self.source.profiles(), startup_text),
            (NEEDS, await self.source.needs(), need_text),
        ):
            texts = [to_text(row, labels) for row in rows]
            documents = await self.engine.call("documents_for", texts) if texts else []
            expected = {str(row["id"]): document.fingerprint for row, document in zip(rows, documents)}
            stored = await self.engine.call("fingerprints", index)
            report[index] = {
                "database": len(expected),
                "index": len(stored),
                "missing": sum(1 for key in expected if key not in stored),
                "outdated": sum(1 for key, value in expected.items() if key in stored and stored[key] != value),
                "extra": sum(1 for key in stored if key not in expected),
            }
        return IndexStatus(report)


@dataclass(frozen=True)
class IndexStatus:
    """Per index: ``database`` rows, ``index`` documents, ``missing``, ``outdated``, ``extra``."""

    indexes: dict[str, dict[str, int]]

    @property
    def in_step(self) -> bool:
        return all(not (row["missing"] or row["outdated"] or row["extra"]) for row in self.indexes.values())


def register_jobs(registry: JobRegistry, sync: IndexSync) -> None:
    """Register the index job handlers."""
    registry.register(INDEX_STARTUP_JOB, sync.index_startup)
    registry.register(INDEX_NEED_JOB, sync.index_need)
