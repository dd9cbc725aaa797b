"""Providers of the startups domain's services, built per request."""

from __future__ import annotations

from typing import Any

from litestar.di import NamedDependency, Provide

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.startups.services import (
    ClaimService,
    OnboardingService,
    ProfileService,
    TaxonomyAdminService,
    VerificationService,
)


def provide_profile_service(settings: NamedDependency[Settings]) -> ProfileService:
    return ProfileService(settings.data_dir)


def provide_onboarding_service(settings: NamedDependency[Settings]) -> OnboardingService:
    return OnboardingService(settings.data_dir)


def provide_claim_service(notifier: NamedDependency[Notifier]) -> ClaimService:
    return ClaimService(notifier)


def provide_verification_service(notifier: NamedDependency[Notifier]) -> VerificationService:
    return VerificationService(notifier)


def provide_taxonomy_service() -> TaxonomyAdminService:
    return TaxonomyAdminService()


def providers() -> dict[str, Any]:
    """Dependency name → provider (names are unique in the app)."""
    return {
        "startup_profile_service": Provide(provide_profile_service, sync_to_thread=False),
        "onboarding_service": Provide(provide_onboarding_service, sync_to_thread=False),
        "claim_service": Provide(provide_claim_service, sync_to_thread=False),
        "verification_service": Provide(provide_verification_service, sync_to_thread=False),
        "taxonomy_service": Provide(provide_taxonomy_service, sync_to_thread=False),
    }
