"""Providers of the matches domain's services, built per request around the app's engine."""

from __future__ import annotations

from collections.abc import Callable

from litestar.di import NamedDependency

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.corporates.services import PartnerNeedService
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.services import MatchService


def provider(engine: MatchingEngine, notifier: Notifier) -> Callable[..., MatchService]:
    """A provider of :class:`MatchService` over ``engine`` (one per app) and ``notifier``."""

    def provide_match_service(settings: NamedDependency[Settings]) -> MatchService:
        return MatchService(engine, PartnerNeedService(settings.zone), notifier, public_url=settings.public_url)

    return provide_match_service
