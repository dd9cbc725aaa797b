"""Helpers of the accounts domain's web layer: sessions, safe redirects, form data, the login
rate limit, and rendering with the domain's labels."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from hubcity.accounts.labels import KIND_LABELS, ROLE_LABELS, STAFF_ROLE_LABELS
from hubcity.accounts.services import SignedIn
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core.i18n import gettext as _
from hubcity.core.passwords import MIN_PASSWORD_LENGTH
from hubcity.core.sessions import rotate_session
from hubcity.core.templating import page, wants_fragment

DEFAULT_AFTER_LOGIN = "/dashboard"

# Login attempts per client address (pages and API share the count), in the "rate_limit" store.
LOGIN_RATE_LIMIT = RateLimitConfig(rate_limit=("minute", 10), store="rate_limit")


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def base_url(request: Request) -> str:
    """The site's public address (``HUBCITY_PUBLIC_URL``) for links in emails.

    Never the request's Host header, which a client can forge to point reset links elsewhere.
    """
    return request.app.state.settings.public_url


def safe_next(value: str | None, default: str = DEFAULT_AFTER_LOGIN) -> str:
    """``value`` when it is a path on this site (``/…``, not ``//host`` or a URL), else ``default``."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def sign_in(request: Request, signed_in: SignedIn) -> None:
    """Start a fresh session, under a new id, holding only the user and their language."""
    request.set_session({"user_id": signed_in.user_id, "locale": signed_in.locale})
    rotate_session(request)


def sign_out(request: Request) -> None:
    request.set_session({})


async def form_data(request: Request) -> dict[str, Any]:
    """The submitted form as a plain dict (the last value of repeated fields)."""
    form = await request.form()
    return {key: value for key, value in form.items()}


def see_other(request: Request, url: str) -> Response[Any]:
    """After a successful POST: 303 to ``url``, or an HX-Redirect for HTMX requests."""
    return ClientRedirect(url) if wants_fragment(request) else Redirect(url, status_code=303)


def render(
    request: Request, template_name: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> Template:
    """:func:`~hubcity.core.templating.page` with the accounts domain's labels and terms in the context."""
    ctx = {
        "kind_labels": KIND_LABELS,
        "role_labels": ROLE_LABELS,
        "staff_role_labels": STAFF_ROLE_LABELS,
        "consent_terms": CONSENT_TERMS,
        "min_password_length": MIN_PASSWORD_LENGTH,
        "errors": {},
        "values": {},
        "notice": "",
        "message": "",
        "form": "",
        "delete_blocked": "",
        "next": "",
    }
    ctx.update(context or {})
    return page(request, template_name, ctx, status_code=status_code)


def too_many_logins_message() -> str:
    return _("Too many login attempts from your address. Please wait a minute, then try again.")


def _rate_limit_headers(exc: TooManyRequestsException) -> dict[str, str]:
    headers = dict(exc.headers or {})
    reset = headers.get("RateLimit-Reset")
    if reset:
        headers["Retry-After"] = reset
    return headers


def login_throttled_page(request: Request, exc: TooManyRequestsException) -> Response[Any]:
    """429 for the login page: the form again, with the reason and when to retry."""
    next_value = safe_next(request.query_params.get("next"), "")
    response = render(
        request,
        "accounts/login.html.j2",
        {"message": too_many_logins_message(), "next": next_value, "throttled": True},
        status_code=429,
    )
    response.headers.update(_rate_limit_headers(exc))
    return response


def login_throttled_api(request: Request, exc: TooManyRequestsException) -> Response[Any]:
    """429 for ``POST /api/v1/auth/login`` in the API's error shape."""
    return Response(
        {"error": "too_many_requests", "detail": too_many_logins_message(), "fields": {}},
        status_code=429,
        media_type=MediaType.JSON,
        headers=_rate_limit_headers(exc),
    )
