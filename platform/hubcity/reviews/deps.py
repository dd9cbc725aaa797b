"""Providers of the reviews domain's services, built per request around the app's settings."""

from __future__ import annotations

from collections.abc import Callable

from litestar.di import NamedDependency

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.programs.uploads import FileStorage
from hubcity.reviews.assignment import Similarity
from hubcity.reviews.services import AwardService, DecisionService, ReviewService


def review_service_provider(similarity: Similarity) -> Callable[..., ReviewService]:
    """A provider of :class:`ReviewService` that ranks reviewers' fit with ``similarity``."""

    def provide_review_service(settings: NamedDependency[Settings], notifier: NamedDependency[Notifier]) -> ReviewService:
        return ReviewService(notifier, settings.public_url, similarity=similarity)

    return provide_review_service


def provide_decision_service(settings: NamedDependency[Settings], notifier: NamedDependency[Notifier]) -> DecisionService:
    """A :class:`DecisionService` notifying applicants through ``notifier``."""
    return DecisionService(notifier, settings.public_url)


def provide_award_service(settings: NamedDependency[Settings], notifier: NamedDependency[Notifier]) -> AwardService:
    """An :class:`AwardService` notifying applicants through ``notifier``, keeping milestone
    reports' files where applications' files are (``<data dir>/uploads/applications``)."""
    return AwardService(notifier, settings.public_url, storage=FileStorage(settings.data_dir))
