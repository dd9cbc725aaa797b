"""Providers of the accounts domain's services, built per request around the app's notifier."""

from __future__ import annotations

from litestar.di import NamedDependency

from hubcity.accounts.services import AccountService, AuthService, OrganisationService
from hubcity.core.notify import Notifier


def provide_auth_service(notifier: NamedDependency[Notifier]) -> AuthService:
    return AuthService(notifier)


def provide_account_service() -> AccountService:
    return AccountService()


def provide_organisation_service(notifier: NamedDependency[Notifier]) -> OrganisationService:
    return OrganisationService(notifier)
