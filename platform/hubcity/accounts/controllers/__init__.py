"""Server-rendered pages of the accounts domain (HTMX fragments from the same handlers)."""

from hubcity.accounts.controllers.account import AccountController, DashboardController
from hubcity.accounts.controllers.auth import (
    LocaleController,
    LoginController,
    PasswordResetController,
    SignupController,
)
from hubcity.accounts.controllers.organisations import InvitationController, OrganisationController

PAGE_CONTROLLERS = [
    SignupController,
    LoginController,
    PasswordResetController,
    LocaleController,
    DashboardController,
    AccountController,
    OrganisationController,
    InvitationController,
]

__all__ = ["PAGE_CONTROLLERS"]
