"""Providers of the corporates domain's services, built per request around the app's settings."""

from __future__ import annotations

from litestar.di import NamedDependency

from hubcity.config.settings import Settings
from hubcity.corporates.services import PartnerNeedService


def provide_need_service(settings: NamedDependency[Settings]) -> PartnerNeedService:
    """A :class:`PartnerNeedService` reading form date-times in the agency's zone (``settings.zone``)."""
    return PartnerNeedService(settings.zone)
