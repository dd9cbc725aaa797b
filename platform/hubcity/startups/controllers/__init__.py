"""Server-rendered pages, staff pages and API of the startups domain."""

from __future__ import annotations

from typing import Any


def controllers(settings: Any) -> list[Any]:
    """Every route handler of the domain. settings: unused for now (logos are found through
    the ``startup_profile_service``, which reads the data dir)."""
    from hubcity.startups.controllers.api import StartupApiController
    from hubcity.startups.controllers.onboarding import OnboardingController
    from hubcity.startups.controllers.profiles import ProfileController, UploadController
    from hubcity.startups.controllers.staff import (
        ClaimStaffController,
        OrganisationStaffController,
        TaxonomyStaffController,
    )

    return [
        OnboardingController,
        ProfileController,
        UploadController,
        StartupApiController,
        TaxonomyStaffController,
        OrganisationStaffController,
        ClaimStaffController,
    ]
