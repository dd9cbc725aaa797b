"""The one composition root: ``create_app(settings=None)`` wires every part of Hubcity.

Read it top to bottom: settings → database → templates → stores, sessions, CSRF → jobs and
notifications → domains' routes and services → the Litestar app with its lifespan (connection
pool, in-process worker). Nothing registers itself at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from litestar.plugins.htmx import HTMXPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.redis import RedisStore
from litestar.template import TemplateConfig
from piccolo.engine.postgres import PostgresEngine

from hubcity import accounts, corporates, directory, matches, programs, reviews, staff, system
from hubcity.config.settings import Settings, load_settings
from hubcity.core.error_pages import handle_exception
from hubcity.core.headers import SECURITY_HEADERS, add_security_headers
from hubcity.core.jobs import JobRegistry, Worker, lanes
from hubcity.core.middleware import ContextMiddleware
from hubcity.core.notify import DELIVER_JOB, Notifier
from hubcity.core.sessions import RotatingSessionConfig
from hubcity.core.templating import build_environment
from hubcity.db.engine import use_database
from hubcity.matches.alerts import AlertDispatcher
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.indexing import IndexSync
from hubcity.matches.indexing import register_jobs as register_index_jobs
from hubcity.paths import NODE_MODULES_DIR, STATIC_DIR
from hubcity import startups
from hubcity.startups import importing

log = logging.getLogger("hubcity")

SESSION_MAX_AGE_S = 14 * 24 * 3600
VENDOR_ASSETS = {
    "/static/vendor/htmx": NODE_MODULES_DIR / "htmx.org" / "dist",
    "/static/vendor/pico": NODE_MODULES_DIR / "@picocss" / "pico" / "css",
}


def build_stores(settings: Settings) -> dict[str, Store]:
    """Session and rate-limit stores: Redis when ``HUBCITY_REDIS_URL`` is set, else files in the data dir."""
    names = ("sessions", "rate_limit")
    if settings.redis_url:
        return {name: RedisStore.with_client(url=settings.redis_url, namespace=f"hubcity:{name}") for name in names}
    return {name: FileStore(path=settings.data_dir / "stores" / name, create_directories=True) for name in names}


def build_job_registry(notifier: Notifier, engine: MatchingEngine, public_url: str) -> JobRegistry:
    """Every job handler: notifications, imports, and the index jobs over ``engine`` (which also
    send the match alerts, with links under ``public_url``)."""
    registry = JobRegistry()
    registry.register(DELIVER_JOB, notifier.deliver, on_give_up=notifier.give_up)
    importing.register_jobs(registry)
    register_index_jobs(registry, IndexSync(engine, AlertDispatcher(engine, notifier, public_url)))
    programs.register_jobs(registry, notifier, public_url)
    return registry


def create_app(settings: Settings | None = None, *, matching_engine: MatchingEngine | None = None) -> Litestar:
    """Build the Hubcity ASGI app. ``settings`` defaults to the environment (:func:`load_settings`);
    ``matching_engine`` to one built from the settings (tests pass one over another backend)."""
    settings = settings or load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    database = use_database(settings.resolved_database_url)

    environment = build_environment(settings)
    template_config = TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))
    notifier = Notifier(environment, smtp_url=settings.smtp_url)
    engine = matching_engine or MatchingEngine(settings)
    registry = build_job_registry(notifier, engine, settings.public_url)
    worker = Worker(registry)

    session_config = RotatingSessionConfig(
        store="sessions", max_age=SESSION_MAX_AGE_S, secure=settings.is_production, samesite="lax", httponly=True
    )
    csrf_config = CSRFConfig(
        secret=settings.secret(), cookie_secure=settings.is_production, cookie_samesite="lax", cookie_httponly=False
    )

    dependencies: dict[str, Provide] = {
        "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
        "notifier": Provide(lambda: notifier, use_cache=True, sync_to_thread=False),
        "worker": Provide(lambda: worker, use_cache=True, sync_to_thread=False),
        "matching_engine": Provide(lambda: engine, use_cache=True, sync_to_thread=False),
    }
    dependencies.update(accounts.dependencies())
    dependencies.update(startups.dependencies())
    dependencies.update(corporates.dependencies())
    dependencies.update(directory.dependencies())
    dependencies.update(programs.dependencies())
    dependencies.update(reviews.dependencies(engine.similarity))
    dependencies.update(matches.dependencies(engine, notifier))

    route_handlers: list[Any] = [
        create_static_files_router(
            path="/static", directories=[STATIC_DIR], include_in_schema=False, after_request=add_security_headers
        )
    ]
    route_handlers += [
        create_static_files_router(path=path, directories=[folder], include_in_schema=False, after_request=add_security_headers)
        for path, folder in VENDOR_ASSETS.items()
        if folder.is_dir()
    ]
    route_handlers += system.routes() + accounts.routes(settings) + staff.routes()
    route_handlers += startups.routes(settings)
    route_handlers += importing.routes()
    route_handlers += corporates.routes(settings) + directory.routes(settings)
    route_handlers += matches.routes(settings) + programs.routes(settings) + reviews.routes(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # The lifespan closes only a pool it opened (a caller may run one around the app).
        own_pool = isinstance(database, PostgresEngine) and database.pool is None
        if own_pool:
            await database.start_connection_pool(min_size=1, max_size=10)
        stop = asyncio.Event()
        tasks = [asyncio.create_task(lane.run_forever(stop)) for lane in lanes(registry)] if settings.run_inprocess_worker else []
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*tasks)
            if own_pool:
                await database.close_connection_pool()

    app = Litestar(
        route_handlers=route_handlers,
        dependencies=dependencies,
        template_config=template_config,
        plugins=[HTMXPlugin()],
        stores=build_stores(settings),
        middleware=[session_config.middleware, ContextMiddleware(default_locale=settings.default_locale)],
        csrf_config=csrf_config,
        exception_handlers={HTTPException: handle_exception, Exception: handle_exception},
        response_headers=SECURITY_HEADERS,
        openapi_config=OpenAPIConfig(
            title="Hubcity API", version="1", path="/schema", render_plugins=[ScalarRenderPlugin()], use_handler_docstrings=True
        ),
        lifespan=[lifespan],
    )
    app.state.settings = settings
    app.state.notifier = notifier
    app.state.job_registry = registry
    app.state.worker = worker
    app.state.matching_engine = engine
    return app
