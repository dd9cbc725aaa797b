"""Users, organisations, memberships, agency roles, consents, login, invitations."""

from __future__ import annotations

from typing import Any


def routes(settings: Any) -> list[Any]:
    """Route handlers of the accounts domain (pages and ``/api/v1``).

    settings: :class:`hubcity.config.settings.Settings` (unused for now; the login rate limit
    uses the app's ``rate_limit`` store, which follows ``HUBCITY_REDIS_URL``).
    """
    from hubcity.accounts.api import API_CONTROLLERS
    from hubcity.accounts.controllers import PAGE_CONTROLLERS

    return [*PAGE_CONTROLLERS, *API_CONTROLLERS]


def dependencies() -> dict[str, Any]:
    """Providers of the accounts domain's services (``notifier`` comes from the composition root)."""
    from litestar.di import Provide

    from hubcity.accounts import deps

    return {
        "auth_service": Provide(deps.provide_auth_service, sync_to_thread=False),
        "account_service": Provide(deps.provide_account_service, sync_to_thread=False),
        "organisation_service": Provide(deps.provide_organisation_service, sync_to_thread=False),
    }
