from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

import hubcity.reviews  # noqa: F401  (registers the reviews eligibility rule, as the app does)
from hubcity.config.settings import Settings
from hubcity.core.clock import utcnow
from hubcity.core.i18n import use_locale
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.core.viewer import Viewer
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import AwardService, DecisionService, ReviewService
from tests.factories.clients import client  # noqa: F401 - the shared fixture
from tests.factories.programs import staff_viewer
from tests.factories.reviews import word_similarity


class Clock:
    """A settable "now" for the services (real time until ``at`` is set)."""

    def __init__(self) -> None:
        self.at: datetime | None = None

    def __call__(self) -> datetime:
        return self.at or utcnow()


@pytest.fixture
async def db(settings: Settings, clean_database: Any) -> Any:
    """Empty tables on the test database, messages in English."""
    hubcity.reviews.rules.register()  # idempotent; another test may have replaced the rule
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
def reviews(notifier: Notifier, clock: Clock, applications: ApplicationService) -> ReviewService:
    return ReviewService(notifier, "http://testserver.local", clock=clock, similarity=word_similarity, applications=applications)


@pytest.fixture
def decisions(notifier: Notifier, clock: Clock, applications: ApplicationService) -> DecisionService:
    return DecisionService(notifier, "http://testserver.local", clock=clock, applications=applications)


@pytest.fixture
def awards(notifier: Notifier, clock: Clock, applications: ApplicationService) -> AwardService:
    return AwardService(notifier, "http://testserver.local", clock=clock, applications=applications)


@pytest.fixture
async def manager(db: Any) -> Viewer:
    return await staff_viewer("program_manager")
