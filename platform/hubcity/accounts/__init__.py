"""Users, organisations, memberships, agency roles, consents, login, invitations."""

from typing import Any


def routes(settings: Any) -> list[Any]:
    """Route handlers of the accounts domain (pages and ``/api/v1``)."""
    return []


def dependencies() -> dict[str, Any]:
    """Providers of the accounts domain's services."""
    return {}
