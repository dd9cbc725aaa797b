"""Startup profiles, taxonomies, onboarding, organisation verification, claims and imports."""

from __future__ import annotations

from typing import Any


def routes(settings: Any) -> list[Any]:
    """Route handlers of the startups domain (pages, staff pages under ``/staff`` and ``/api/v1``).

    settings: :class:`hubcity.config.settings.Settings` (the data dir holds uploaded logos).
    """
    from hubcity.startups.controllers import controllers

    return controllers(settings)


def dependencies() -> dict[str, Any]:
    """Providers of the startups domain's services (``notifier`` comes from the composition root)."""
    from hubcity.startups import deps

    return deps.providers()
