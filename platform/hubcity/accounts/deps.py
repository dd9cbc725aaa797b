"""Providers of the accounts domain's services, built per request around the app's notifier."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency

from hubcity.accounts.services import AccountService, AuthService, OrganisationService
from hubcity.accounts.web import login_throttle
from hubcity.core.notify import Notifier


def provide_auth_service(notifier: NamedDependency[Notifier], request: Request[Any, Any, Any]) -> AuthService:
    """The auth service with the per-account login throttle over the app's ``rate_limit`` store."""
    return AuthService(notifier, login_throttle(request))


def provide_account_service() -> AccountService:
    return AccountService()


def provide_organisation_service(notifier: NamedDependency[Notifier]) -> OrganisationService:
    return OrganisationService(notifier)
