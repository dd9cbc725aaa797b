"""Providers of the programs domain's services, built per request around the app's settings."""

from __future__ import annotations

from litestar.di import NamedDependency

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.programs.services import ApplicationService, ProgramService


def provide_program_service(settings: NamedDependency[Settings], notifier: NamedDependency[Notifier]) -> ProgramService:
    """A :class:`ProgramService` in the agency's zone (``settings.zone``), notifying through ``notifier``."""
    return ProgramService(settings.zone, notifier, settings.public_url)


def provide_application_service(
    settings: NamedDependency[Settings], notifier: NamedDependency[Notifier]
) -> ApplicationService:
    """An :class:`ApplicationService` notifying applicants through ``notifier`` (links under ``settings.public_url``)."""
    return ApplicationService(notifier, settings.public_url)
