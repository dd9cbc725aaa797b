"""The directory: browse and search startups and the partner needs a viewer may see.

It sits above the startups and corporates domains and calls their services.
"""

from __future__ import annotations

from typing import Any


def routes(settings: Any = None) -> list[Any]:
    """Route handlers of the directory (pages and ``GET /api/v1/startups``)."""
    from hubcity.directory.api import API_CONTROLLERS
    from hubcity.directory.controllers import PAGE_CONTROLLERS

    return [*PAGE_CONTROLLERS, *API_CONTROLLERS]


def dependencies() -> dict[str, Any]:
    """Providers of the directory's service (it needs ``need_service`` from the corporates domain)."""
    from litestar.di import Provide

    from hubcity.directory import deps

    return {
        "directory_service": Provide(deps.provide_directory_service, sync_to_thread=False),
        "need_search": Provide(deps.provide_need_search, sync_to_thread=False),
    }
