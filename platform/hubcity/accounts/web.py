"""Helpers of the accounts domain's web layer: sessions, safe redirects, form data, the login
rate limits, and rendering with the domain's labels."""

from __future__ import annotations

from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import TooManyRequestsException
from litestar.middleware.rate_limit import RateLimitConfig, RateLimitMiddleware
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template
from litestar.serialization import decode_json, encode_json
from litestar.types import Message, Receive, Scope, Send

from hubcity.accounts.labels import KIND_LABELS, ROLE_LABELS, STAFF_ROLE_LABELS
from hubcity.accounts.services import SignedIn
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.accounts.throttle import LoginThrottle
from hubcity.core.headers import SECURITY_HEADERS
from hubcity.core.i18n import gettext as _
from hubcity.core.middleware import session_for
from hubcity.core.passwords import MIN_PASSWORD_LENGTH
from hubcity.core.redirects import safe_next
from hubcity.core.sessions import rotate_session
from hubcity.core.templating import page, wants_fragment

RATE_LIMIT_STORE = "rate_limit"


class SuccessRefundingRateLimitMiddleware(RateLimitMiddleware):
    """Litestar's per-address rate limit, except that a request answered with a success (status
    below 400) is taken off the count afterwards: only failed logins use up the allowance, so
    colleagues behind one office address are not locked out by each other's logins."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        statuses: list[int] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            await send(message)

        await super().__call__(scope, receive, capture)
        if statuses and statuses[0] < 400:
            app = scope["litestar_app"]
            request = app.request_class(scope)
            if await self.should_check_request(request=request):
                await self._refund(self.cache_key_from_request(request), self.config.get_store_from_app(app))

    async def _refund(self, key: str, store: Any) -> None:
        async with self._lock:
            cached = await store.get(key)
            if not cached:
                return
            data = decode_json(value=cached)
            history = list(data.get("history", []))[1:]  # the newest entry is this request's
            expires_in = await store.expires_in(key)
            await store.set(key, encode_json({**data, "history": history}), expires_in=expires_in or None)


# Login attempts per client address (pages and API share the count), in the "rate_limit" store;
# successful logins do not count. Per-account counts: :class:`LoginThrottle`.
LOGIN_RATE_LIMIT = RateLimitConfig(
    rate_limit=("minute", 10), store=RATE_LIMIT_STORE, middleware_class=SuccessRefundingRateLimitMiddleware
)


def login_throttle(request: Request) -> LoginThrottle:
    """The per-account failed-login counter over the app's ``rate_limit`` store."""
    return LoginThrottle(request.app.stores.get(RATE_LIMIT_STORE))


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def base_url(request: Request) -> str:
    """The site's public address (``HUBCITY_PUBLIC_URL``) for links in emails.

    Never the request's Host header, which a client can forge to point reset links elsewhere.
    """
    return request.app.state.settings.public_url


def sign_in(request: Request, signed_in: SignedIn) -> None:
    """Start a fresh session, under a new id, holding only the user, their language and the
    instant (a later password reset ends sessions begun before it)."""
    request.set_session(session_for(signed_in.user_id, signed_in.locale))
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
    headers = {**SECURITY_HEADERS, **(exc.headers or {})}
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
