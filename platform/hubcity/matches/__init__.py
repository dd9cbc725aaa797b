"""The bridge to the ``matching`` library: index documents, index jobs, match pages, shortlists,
interests and introductions (DESIGN.md §2, §5)."""

from __future__ import annotations

from typing import Any


def routes(settings: Any = None) -> list[Any]:
    """Route handlers of the matches domain (pages and ``/api/v1`` endpoints)."""
    from hubcity.matches.api import API_CONTROLLERS
    from hubcity.matches.controllers import PAGE_CONTROLLERS
    from hubcity.matches.program_controllers import CONTROLLERS as PROGRAM_CONTROLLERS

    return [*PAGE_CONTROLLERS, *API_CONTROLLERS, *PROGRAM_CONTROLLERS]


def dependencies(engine: Any, notifier: Any) -> dict[str, Any]:
    """Providers of the matches domain: ``match_service`` around the app's one MatchingEngine."""
    from litestar.di import Provide

    from hubcity.matches import deps

    return {"match_service": Provide(deps.provider(engine, notifier), sync_to_thread=False)}
