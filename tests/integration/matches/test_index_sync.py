"""The index follows the database: a job per change in the same transaction, retries while the
backend is down, pages that still work and say so, nothing lost, reindex and index-status."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.asgi import create_app
from hubcity.config.settings import Settings
from hubcity.core.jobs import Worker
from hubcity.db.tables import Job
from hubcity.matches.engine import MatchingEngine, build_backend
from hubcity.matches.indexing import IndexSync
from hubcity.core.jobs import INDEX_STARTUP_JOB
from hubcity.startups.repositories import ProfileRepository
from tests.conftest import drain_index_jobs, open_client
from tests.factories.corporates import login_as, login_route, seed_taxonomy
from tests.factories.matches import SwitchableBackend, build_market
from tests.factories.startups import create_profile


class BrokenTransaction(RuntimeError):
    pass


async def index_jobs(name: str = INDEX_STARTUP_JOB) -> list[dict]:
    rows = await Job.select().where(Job.name == name).output(load_json=True).run()
    return rows


async def test_a_profile_change_queues_its_index_job_in_the_same_transaction(app: Litestar) -> None:
    profile_id = await create_profile(None, name_en="Queued Co")
    jobs = await index_jobs()
    assert [job["payload"] for job in jobs if job["status"] == "queued"] == [{"profile_id": profile_id}]

    engine = Job._meta.db
    with pytest.raises(BrokenTransaction):
        async with engine.transaction():
            await ProfileRepository().save_profile({"name_en": "Rolled Back"}, None, profile_id)
            raise BrokenTransaction
    assert len(await index_jobs()) == 1  # the rolled-back change left no job behind
    # a burst of saves of one profile waits as one job
    await ProfileRepository().save_profile({"name_en": "Again"}, None, profile_id)
    await ProfileRepository().save_profile({"name_en": "And again"}, None, profile_id)
    assert len([job for job in await index_jobs() if job["status"] == "queued"]) == 1


@pytest.fixture
async def down_app(settings: Settings, clean_database: Any) -> tuple[Litestar, SwitchableBackend]:
    from matching.embeddings import load_embedders
    from matching.service import MatchingService

    backend = SwitchableBackend(build_backend(settings))

    def factory() -> MatchingService:
        return MatchingService(backend, load_embedders(["minilm", "use"], threads=settings.cpu_threads))

    app = create_app(settings, matching_engine=MatchingEngine(settings, service_factory=factory))
    app.register(login_route)
    await seed_taxonomy()
    return app, backend


async def test_pages_work_while_the_backend_is_down_and_the_index_catches_up_after(down_app) -> None:
    app, backend = down_app
    async with open_client(app, index_before_requests=False) as client:
        market = await build_market()
        backend.down = True
        worker = Worker(app.state.job_registry, backoff_base_s=0)
        await worker.drain(max_jobs=50)
        failed = [job for job in await index_jobs() if job["last_error"]]
        assert failed and all(job["status"] == "queued" for job in failed)  # waiting to retry, not lost

        await login_as(client, market.corporate_user)
        page = await client.get(f"/needs/{market.need['id']}/matches")
        assert page.status_code == 200
        assert 'data-testid="search-unavailable"' in page.text
        directory = await client.get("/directory/startups?q=battery")
        assert directory.status_code == 200
        assert 'data-testid="search-degraded"' in directory.text
        assert "CellSense" in directory.text  # the database answered
        needs = await client.get("/directory/needs", params={"q": market.need["title_en"].split()[0]})
        assert needs.status_code == 200 and 'data-testid="search-degraded"' in needs.text
        assert f'data-need="{market.need["id"]}"' in needs.text  # the database answered
        api = (await client.get("/api/v1/partner-needs", params={"q": market.need["title_en"].split()[0]})).json()
        assert api["degraded"] is True and market.need["id"] in [item["id"] for item in api["items"]]

        backend.down = False
        await worker.drain(max_jobs=200)
        assert all(job["status"] == "done" for job in await index_jobs())
        page = await client.get(f"/needs/{market.need['id']}/matches")
        assert 'data-testid="search-unavailable"' not in page.text
        assert f'data-startup="{market.profiles["battery_en"]}"' in page.text


async def test_queued_index_jobs_show_that_results_may_be_stale(app: Litestar) -> None:
    app.register(login_route)
    await seed_taxonomy()
    async with open_client(app, index_before_requests=False) as client:
        market = await build_market()
        await login_as(client, market.corporate_user)
        page = await client.get(f"/needs/{market.need['id']}/matches")
        assert 'data-testid="stale"' in page.text
        await drain_index_jobs(app)
        page = await client.get(f"/needs/{market.need['id']}/matches")
        assert 'data-testid="stale"' not in page.text


async def test_a_deleted_profile_leaves_the_index(app: Litestar) -> None:
    async with open_client(app) as _client:
        profile_id = await create_profile(None, name_en="Gone Soon")
        await drain_index_jobs(app)
        engine = app.state.matching_engine
        assert str(profile_id) in await engine.call("fingerprints", "startups")
        await ProfileRepository().delete(profile_id)
        await drain_index_jobs(app)
        assert str(profile_id) not in await engine.call("fingerprints", "startups")


async def test_reindex_and_index_status(app: Litestar) -> None:
    async with open_client(app) as _client:
        await seed_taxonomy()
        market = await build_market()
        sync = IndexSync(app.state.matching_engine)
        before = await sync.status()
        assert not before.in_step and before.indexes["startups"]["missing"] == len(market.profiles)

        seen: list[tuple[int, int]] = []
        counts = await sync.reindex(lambda done, total: seen.append((done, total)))
        assert counts == {"startups": len(market.profiles), "needs": 1, "removed": 0}
        assert seen and seen[-1][0] == seen[-1][1]
        after = await sync.status()
        assert after.in_step, after.indexes

        await ProfileRepository().save_profile({"one_liner_en": "Now something else entirely."}, None, market.profiles["dental"])
        changed = await sync.status()
        assert changed.indexes["startups"]["outdated"] == 1
