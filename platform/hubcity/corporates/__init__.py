"""Corporate partners and their partner needs (the things matched against startups)."""

from __future__ import annotations

from typing import Any


def routes(settings: Any = None) -> list[Any]:
    """Route handlers of the corporates domain (pages and ``/api/v1/partner-needs``).

    settings: :class:`hubcity.config.settings.Settings` (unused; the zone reaches the service
    through the ``settings`` dependency).
    """
    from hubcity.corporates.api import API_CONTROLLERS
    from hubcity.corporates.controllers import PAGE_CONTROLLERS

    return [*PAGE_CONTROLLERS, *API_CONTROLLERS]


def dependencies() -> dict[str, Any]:
    """Providers of the corporates domain's services (``settings`` comes from the composition root)."""
    from litestar.di import Provide

    from hubcity.corporates import deps

    return {"need_service": Provide(deps.provide_need_service, sync_to_thread=False)}
