"""Test fixtures: one database per test run and engine, a fresh app per test, CSRF-aware helpers.

SQLite always; PostgreSQL too when ``TEST_DATABASE_URL`` points at a server (any database on
it: the run creates ``hubcity_test_<random>`` there and drops it at the end). Every test gets
its own data dir and empty tables; the schema comes from the real migration history.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import tempfile

# Test-only settings, made before hubcity is imported (subprocesses inherit them): cheap argon2
# parameters, since the suite creates thousands of accounts; and temporary files (SQLite
# databases, search indexes, uploads) in memory where /dev/shm exists, so commits wait for no disk.
os.environ.setdefault("HUBCITY_PASSWORD_HASH_PROFILE", "cheapest-for-tests")
if "TMPDIR" not in os.environ and os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
    os.environ["TMPDIR"] = "/dev/shm"
    tempfile.tempdir = None  # gettempdir() reads TMPDIR again

import httpx
import pytest
from litestar import Litestar
from asgi_lifespan import LifespanManager

from hubcity.asgi import create_app
from hubcity.matches.engine import MatchingEngine, build_backend, taxonomy_glossary
from hubcity.core.jobs import INDEX_NEED_JOB, INDEX_STARTUP_JOB, Worker
from hubcity.config.settings import Settings, load_settings
from hubcity.db.engine import engine_kind, use_database
from hubcity.db.migrate import migrate_forwards
from hubcity.db.tables import ALL_TABLES

TEST_SECRET = "test-secret-" + "x" * 40
ENGINES = ["sqlite"] + (["postgres"] if os.environ.get("TEST_DATABASE_URL") else [])


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


async def _admin_execute(url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(_with_database(url, urlsplit(url).path.lstrip("/") or "postgres").replace("postgresql+asyncpg", "postgresql"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A migrated, empty database for this test run (SQLite file or a new PostgreSQL database)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        name = None
    else:
        server = os.environ["TEST_DATABASE_URL"]
        name = f"hubcity_test_{secrets.token_hex(4)}"
        asyncio.run(_admin_execute(server, f'CREATE DATABASE "{name}"'))
        # A commit need not wait for the disk in a database dropped at the end of the run.
        asyncio.run(_admin_execute(server, f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
        url = _with_database(server, name)

    async def _migrate() -> None:
        use_database(url)
        await migrate_forwards()

    asyncio.run(_migrate())
    yield url
    if name:
        asyncio.run(_admin_execute(os.environ["TEST_DATABASE_URL"], f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_tables() -> None:
    engine = use_database_current()
    names = [t._meta.tablename for t in ALL_TABLES]
    if engine_kind(engine) == "postgres":
        # DELETE (children first) and a restart of every sequence: the TRUNCATE of ~50 tables
        # costs 0.27 s a test, a hundred times more, as each truncated table gets new files.
        deletes = " ".join(f"DELETE FROM {name};" for name in reversed(names))
        restarts = "PERFORM setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S';"
        await ALL_TABLES[0].raw(f"DO $$ BEGIN {deletes} {restarts} END $$").run()
    else:
        for name in reversed(names):
            await ALL_TABLES[0].raw(f"DELETE FROM {name}").run()


def use_database_current() -> Any:
    return ALL_TABLES[0]._meta.db


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for a test: its own data dir and database, no in-process worker, no .env file."""
    values: dict[str, Any] = {
        "_env_file": None,
        "env": "test",
        "data_dir": data_dir,
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "inprocess_worker": False,
        "default_locale": "en",
        "public_url": "http://testserver.local",
    }
    values.update(overrides)
    return load_settings(**values)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "data", database_url)


def fake_matching_engine(settings: Settings) -> MatchingEngine:
    """The app's matching engine over the real search backend, with deterministic fake embedders
    (same names and sizes as the real ones): for tests where meaning does not matter. Tests
    marked ``real_models`` get the bundled models instead (DESIGN.md §7)."""
    from matching.embeddings import FakeEmbedder
    from matching.service import MatchingService

    def factory() -> MatchingService:
        embedders = {"minilm": FakeEmbedder("minilm", 384, ("en",)), "use": FakeEmbedder("use", 512)}
        return MatchingService(build_backend(settings), embedders, glossary=taxonomy_glossary())

    return MatchingEngine(settings, service_factory=factory)


@pytest.fixture
async def clean_database(settings: Settings) -> AsyncIterator[Any]:
    """The test database bound to every table, with its tables emptied; yields the engine.

    On PostgreSQL a connection pool runs for the whole test (the app's lifespan keeps it rather
    than opening its own): without one, Piccolo opens a connection per query outside requests
    (factories, services called directly), some 400 a test.
    """
    engine = use_database(settings.resolved_database_url)
    pooled = engine_kind(engine) == "postgres" and engine.pool is None
    if pooled:
        await engine.start_connection_pool(min_size=1, max_size=10)
    try:
        await empty_tables()
        yield engine
    finally:
        if pooled and engine.pool is not None:
            await engine.close_connection_pool()


@pytest.fixture
async def app(settings: Settings, clean_database: Any, request: pytest.FixtureRequest) -> Litestar:
    """A fresh app over empty tables (fake embedders unless the test is marked ``real_models``)."""
    real = request.node.get_closest_marker("real_models") is not None
    return create_app(settings, matching_engine=None if real else fake_matching_engine(settings))


INDEX_JOBS = (INDEX_STARTUP_JOB, INDEX_NEED_JOB)


async def drain_index_jobs(app: Litestar) -> int:
    """Run the queued search-index jobs now (what the worker does within a second in the app)."""
    return await Worker(app.state.job_registry, only=INDEX_JOBS).drain()


@asynccontextmanager
async def open_client(app: Litestar, *, index_before_requests: bool = True) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on ``app`` running in the test's own event loop, lifespan included.

    (Litestar's AsyncTestClient runs the app in a portal thread with another loop, which a
    PostgreSQL connection pool shared with the test's own queries cannot survive.)
    index_before_requests: run the queued index jobs before each request, as the app's worker
    would have by then (tests of a lagging or unreachable index turn it off).
    """
    async def catch_up(_request: httpx.Request) -> None:
        await drain_index_jobs(app)

    hooks = {"request": [catch_up]} if index_before_requests else {}
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", event_hooks=hooks) as test_client:
            yield test_client


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with open_client(app) as test_client:
        yield test_client


async def csrf_token(client: httpx.AsyncClient) -> str:
    """The CSRF cookie value, fetching a page first if the client has none yet."""
    token = client.cookies.get("csrftoken")
    if not token:
        await client.get("/")
        token = client.cookies.get("csrftoken")
    assert token, "the app set no csrftoken cookie"
    return token


async def post_form(client: httpx.AsyncClient, url: str, data: dict[str, Any] | None = None, htmx: bool = False, **kwargs: Any) -> Any:
    """POST ``data`` as a browser form would, with the CSRF field (and the HTMX header if asked)."""
    form = dict(data or {})
    form["_csrf_token"] = await csrf_token(client)
    headers = kwargs.pop("headers", {}) | ({"HX-Request": "true"} if htmx else {})
    return await client.post(url, data=form, headers=headers, **kwargs)


async def api_call(client: httpx.AsyncClient, method: str, url: str, json: Any = None) -> Any:
    """Call ``/api/v1`` with a JSON body and the CSRF header, as a logged-in script would."""
    headers = {"x-csrftoken": await csrf_token(client), "accept": "application/json"}
    return await client.request(method, url, json=json, headers=headers)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run one after another in one worker (``--dist loadgroup``): each drives a
    Chromium and a live server, and two at once on two cores only slow each other down."""
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(pytest.mark.xdist_group("browser"))
