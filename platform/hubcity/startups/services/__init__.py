"""Services of the startups domain (rules, transactions, audit, notifications; never Litestar)."""

from hubcity.startups.services.claims import ClaimService
from hubcity.startups.services.onboarding import OnboardingService, OnboardingState
from hubcity.startups.services.profiles import ProfileService, ProfileView
from hubcity.startups.services.taxonomies import TaxonomyAdminService
from hubcity.startups.services.verification import VerificationService

__all__ = [
    "ClaimService",
    "OnboardingService",
    "OnboardingState",
    "ProfileService",
    "ProfileView",
    "TaxonomyAdminService",
    "VerificationService",
]
