"""Services of the accounts domain (rules and transactions; they never import Litestar)."""

from hubcity.accounts.services.account import AccountService, ConsentState
from hubcity.accounts.services.auth import AuthService
from hubcity.accounts.services.common import SignedIn
from hubcity.accounts.services.organisations import InvitationView, OrganisationPage, OrganisationService

__all__ = [
    "AccountService",
    "AuthService",
    "ConsentState",
    "InvitationView",
    "OrganisationPage",
    "OrganisationService",
    "SignedIn",
]
