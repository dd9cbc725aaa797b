"""Litestar guards by role. Object-level checks live in repositories, not here.

``requires_login`` refuses anonymous users (the error handler sends browsers to the login page);
``requires_staff`` any agency role; ``requires_role("finance")`` a role (``admin`` passes every
role guard); ``requires_org_kind("startup")`` a member of such an organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from hubcity.core.i18n import N_
from hubcity.core.viewer import Viewer

Guard = Callable[[ASGIConnection, Any], None]


def viewer_of(connection: ASGIConnection) -> Viewer:
    viewer = connection.scope.get("state", {}).get("viewer")
    if viewer is None:
        raise NotAuthorizedException(N_("Please log in to continue."))
    return viewer


def requires_login(connection: ASGIConnection, _: Any) -> None:
    viewer_of(connection)


def requires_staff(connection: ASGIConnection, _: Any) -> None:
    if not viewer_of(connection).is_staff:
        raise PermissionDeniedException(N_("This page is for agency staff."))


def requires_role(*roles: str) -> Guard:
    """A guard admitting viewers holding any of ``roles`` (or ``admin``)."""

    def guard(connection: ASGIConnection, _: Any) -> None:
        if not viewer_of(connection).has_role(*roles):
            raise PermissionDeniedException(N_("Your role does not allow this."))

    guard.__name__ = f"requires_role_{'_'.join(roles)}"
    return guard


def requires_org_kind(*kinds: str) -> Guard:
    """A guard admitting members of an organisation of one of ``kinds`` (startup, corporate)."""

    def guard(connection: ASGIConnection, _: Any) -> None:
        if not viewer_of(connection).kinds.intersection(kinds):
            raise PermissionDeniedException(N_("This page is for members of another kind of organisation."))

    guard.__name__ = f"requires_org_kind_{'_'.join(kinds)}"
    return guard
