"""Errors of the accounts domain (raised by its services; the web layer maps them to answers)."""

from __future__ import annotations

from hubcity.core.errors import AppError, InvalidStateError, NotAuthenticatedError, TooManyRequestsError


class AccountsError(AppError):
    """Base of the accounts domain's errors."""


class LoginFailedError(NotAuthenticatedError):
    """Wrong email or password (one message for both, so accounts cannot be discovered)."""

    code = "login_failed"


class LoginLockedError(TooManyRequestsError):
    """Too many failed logins for one account lately (429), from whatever addresses."""

    code = "login_locked"


class TokenInvalidError(AccountsError):
    """An emailed link's token is unknown (404), expired or already used (410).

    ``reason``: ``unknown`` | ``expired`` | ``used`` | ``revoked``. ``organisation_id``: for an
    invitation, the organisation it was for (None for password resets and unknown tokens).
    """

    def __init__(self, message: str, reason: str, organisation_id: int | None = None):
        super().__init__(message, code=f"token_{reason}", status_code=404 if reason == "unknown" else 410)
        self.reason = reason
        self.organisation_id = organisation_id


class InvitationLimitError(TooManyRequestsError):
    """The organisation sent as many invitations in the last hour as allowed (429)."""

    code = "invitation_limit"


class ConsentRequiredError(InvalidStateError):
    """The collection consent cannot be withdrawn while the account exists."""

    code = "consent_required"


class AccountDeletionBlockedError(InvalidStateError):
    """The user is the only owner of an organisation that has other members, or the agency's
    last administrator."""

    code = "deletion_blocked"
