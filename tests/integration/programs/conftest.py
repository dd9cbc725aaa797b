from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hubcity.config.settings import Settings
from hubcity.core.clock import utcnow
from hubcity.core.i18n import use_locale
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.programs.services import ApplicationService, ProgramService
from tests.factories.clients import client  # noqa: F401 - the shared fixture


class Clock:
    """A settable "now" for the services (real time until ``at`` is set)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or utcnow()


@pytest.fixture
async def db(settings: Settings, clean_database: Any) -> Settings:
    """Empty tables on the test database, messages in English."""
    with use_locale("en"):
        yield settings


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notifier(db: Settings) -> Notifier:
    return Notifier(build_environment(db))


@pytest.fixture
def applications(notifier: Notifier, clock: Clock) -> ApplicationService:
    return ApplicationService(notifier, "http://testserver.local", clock=clock)


@pytest.fixture
def programs(db: Settings, notifier: Notifier) -> ProgramService:
    return ProgramService(db.zone, notifier, "http://testserver.local")
