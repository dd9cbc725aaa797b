"""Domain errors (raised by services, which never import Litestar).

Each carries a message for people (already translated: services run inside the request's
language), an HTTP status and a stable ``code``. :class:`FormInvalid` carries one message per
field. The web layer maps them in :mod:`hubcity.core.error_pages`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")


class AppError(Exception):
    """Base of every error a person should read. ``status_code``: the HTTP status to answer with."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, status_code: int | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status_code:
            self.status_code = status_code


class NotFoundError(AppError):
    status_code = 404
    code = "not_found"


class NotPermittedError(AppError):
    status_code = 403
    code = "not_permitted"


class NotAuthenticatedError(AppError):
    status_code = 401
    code = "not_authenticated"


class ConflictError(AppError):
    status_code = 409
    code = "conflict"


class InvalidStateError(AppError):
    status_code = 409
    code = "invalid_state"


class TooManyRequestsError(AppError):
    status_code = 429
    code = "too_many_requests"


class FormInvalid(AppError):
    """Input broke a rule. ``errors``: field name → message naming the field and the rule.

    ``values``: what the person typed, to re-render the form without losing it.
    """

    status_code = 422
    code = "invalid_input"

    def __init__(self, errors: dict[str, str], values: dict[str, object] | None = None, message: str | None = None):
        from hubcity.core.i18n import gettext as _

        super().__init__(message or _("Please correct the marked fields."))
        self.errors = errors
        self.values = values or {}


async def page_after_refusal(error: AppError, page: Callable[..., Awaitable[T]], /, **context: Any) -> T:
    """The form's page again after a service refused an action (for controllers of HTML forms).

    A NotFoundError is raised again: the app answers 404 and reveals nothing. Any other error
    renders ``page(notice=error.message, errors=..., status_code=error.status_code, **context)``
    with ``errors`` the field messages of a FormInvalid (``{}`` otherwise); ``context`` usually
    carries what was typed (``form=...``) so that nothing is lost.
    """
    if isinstance(error, NotFoundError):
        raise error
    errors = error.errors if isinstance(error, FormInvalid) else {}
    return await page(notice=error.message, errors=errors, status_code=error.status_code, **context)
