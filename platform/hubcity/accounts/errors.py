"""Errors of the accounts domain (raised by its services; the web layer maps them to answers)."""

from __future__ import annotations

from hubcity.core.errors import AppError, InvalidStateError, NotAuthenticatedError


class AccountsError(AppError):
    """Base of the accounts domain's errors."""


class LoginFailedError(NotAuthenticatedError):
    """Wrong email or password (one message for both, so accounts cannot be discovered)."""

    code = "login_failed"


class TokenInvalidError(AccountsError):
    """An emailed link's token is unknown (404), expired or already used (410).

    ``reason``: ``unknown`` | ``expired`` | ``used`` | ``revoked``.
    """

    def __init__(self, message: str, reason: str):
        super().__init__(message, code=f"token_{reason}", status_code=404 if reason == "unknown" else 410)
        self.reason = reason


class ConsentRequiredError(InvalidStateError):
    """The collection consent cannot be withdrawn while the account exists."""

    code = "consent_required"


class AccountDeletionBlockedError(InvalidStateError):
    """The user is the only owner of an organisation that has other members."""

    code = "deletion_blocked"
