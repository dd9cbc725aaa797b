"""One way to answer errors: a full page, an HTMX fragment (retargeted to ``#main``), or JSON.

API paths (``/api/``, ``/health``, ``/schema``) and clients asking for JSON get
``{"error": code, "detail": message, "fields": {...}}``. Anonymous browsers hitting a guarded
page are sent to the login page, with ``next`` = the page (GET) or the page the form was on (the
same-site Referer, for a POST), else the dashboard. 5xx are logged with their traceback; others
are not.

Messages are always in the viewer's language: Hubcity's own messages are translated, and a
library's English text (Litestar's validation and decoding details, its CSRF refusal) is
replaced by a message of ours. An id in the path that cannot name a row (``ObjectId`` out of
range) is a 404, and a JSON body nested too deeply to decode a 400, never a 500.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, SerializationException, ValidationException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from hubcity.core.errors import AppError, FormInvalid
from hubcity.core.headers import SECURITY_HEADERS
from hubcity.core.i18n import N_, is_known_message
from hubcity.core.i18n import gettext as _
from hubcity.core.redirects import DEFAULT_AFTER_LOGIN, login_url, same_site_path
from hubcity.core.templating import page, wants_fragment

log = logging.getLogger("hubcity.errors")

_TITLES = {
    400: N_("The request could not be understood"),
    401: N_("Please log in"),
    403: N_("Not allowed"),
    404: N_("Page not found"),
    405: N_("Not allowed"),
    409: N_("Conflict"),
    413: N_("Too large"),
    422: N_("Please check your input"),
    429: N_("Too many attempts"),
    500: N_("Something went wrong"),
}
_DEFAULT_DETAIL = {
    400: N_("The request could not be understood. Go back, check what you sent and try again."),
    403: N_("You do not have permission to see this page."),
    404: N_("There is nothing at this address, or you may not see it."),
    405: N_("This address does not accept this kind of request."),
    429: N_("Too many attempts. Please wait a moment, then try again."),
    500: N_("An unexpected error happened. It has been logged; please try again."),
}
CSRF_FAILED = "CSRF token verification failed"  # Litestar's text (middleware/csrf.py)
_CSRF_MESSAGE = N_("The form has expired or came from another site. Reload the page and try again.")
_TOO_LARGE = N_("The request is larger than the server accepts (%(limit)s MB).")
_BODY_UNREADABLE = N_("The request body could not be read: send a JSON object with the documented fields.")
_FIELD_UNREADABLE = N_("%(field)s has a value that is not valid.")


def is_api(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith(("/api/", "/health", "/schema")) or (
        "application/json" in accept and "text/html" not in accept
    )


def _default_message(status: int) -> str:
    return _(_DEFAULT_DETAIL.get(status, _TITLES.get(status, N_("Error"))))


def _validation(exc: ValidationException) -> tuple[int, str, str, dict[str, str]]:
    """Litestar's parameter and body errors: a bad path id is a 404; the rest one translated message."""
    items = [item for item in exc.extra or [] if isinstance(item, dict)] if isinstance(exc.extra, list) else []
    if any(item.get("source") == "path" for item in items):
        return 404, "http_404", _default_message(404), {}
    fields = {
        str(item["key"]): _(_FIELD_UNREADABLE) % {"field": item["key"]}
        for item in items
        if item.get("key") and item.get("source") in ("query", "header", "cookie")
    }
    message = _("The request is not valid.") if fields else _(_BODY_UNREADABLE)
    return 400, "invalid_request", message, fields


#: Litestar's request body limit when a route sets none (bytes).
DEFAULT_BODY_LIMIT = 10_000_000


def body_limit_mb(request: Request) -> int:
    """The request body limit of the route ``request`` reached, in megabytes as people read file
    sizes (MiB, rounded: 3 MiB → 3, Litestar's default 10,000,000 bytes → 10): the route's
    ``request_max_body_size``, else Litestar's default."""
    handler = request.scope.get("route_handler")
    limit = getattr(handler, "request_max_body_size", None) if handler is not None else None
    if not isinstance(limit, int) or limit <= 0:
        limit = DEFAULT_BODY_LIMIT
    return max(1, round(limit / 1_048_576))


def _status_and_detail(exc: Exception, body_limit: int = DEFAULT_BODY_LIMIT // 1_000_000) -> tuple[int, str, str, dict[str, str]]:
    if isinstance(exc, FormInvalid):
        return exc.status_code, exc.code, exc.message, exc.errors
    if isinstance(exc, AppError):
        return exc.status_code, exc.code, exc.message, {}
    if isinstance(exc, ValidationException):
        return _validation(exc)
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = exc.detail or ""
        if status == 413:
            message = _(_TOO_LARGE, limit=body_limit)
        elif detail == CSRF_FAILED:
            message = _(_CSRF_MESSAGE)
        elif detail and detail != _TITLES.get(status) and is_known_message(detail):
            message = _(detail)  # Hubcity's own message (guards raise with N_ message ids)
        elif status == 400 and isinstance(exc.__cause__, SerializationException):
            message = _(_BODY_UNREADABLE)  # malformed JSON: msgspec's English words are not shown
        else:
            message = _default_message(status)
        return status, f"http_{status}", message, {}
    if isinstance(exc, RecursionError) and "deserializ" in str(exc):
        return 400, "invalid_request", _("The request body is nested too deeply to be read."), {}
    return HTTP_500_INTERNAL_SERVER_ERROR, "server_error", _(_DEFAULT_DETAIL[500]), {}


def _login_target(request: Request) -> str:
    """Where to go after logging in: the page asked for (a GET, query string kept; for HTMX the
    page it came from), else the same-site page the request came from (a form's Referer), else
    the dashboard: going back to a POST-only address would answer 405."""
    hosts = (request.url.netloc, urlsplit(request.app.state.settings.public_url).netloc)
    current = same_site_path(request.headers.get("hx-current-url"), *hosts) if wants_fragment(request) else ""
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return current or request.url.path + (f"?{query}" if query else "")
    return current or same_site_path(request.headers.get("referer"), *hosts) or DEFAULT_AFTER_LOGIN


def handle_exception(request: Request, exc: Exception) -> Response[Any]:
    """The app-wide exception handler (registered for ``Exception``)."""
    status, code, message, fields = _status_and_detail(exc, body_limit_mb(request))
    if status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    response = _respond(request, exc, status, code, message, fields)
    response.headers.update(SECURITY_HEADERS)
    return response


def _respond(request: Request, exc: Exception, status: int, code: str, message: str, fields: dict[str, str]) -> Response[Any]:
    if is_api(request):
        return Response({"error": code, "detail": message, "fields": fields}, status_code=status, media_type=MediaType.JSON)
    if isinstance(exc, NotAuthorizedException) or status == 401:
        target = login_url(_login_target(request))
        return ClientRedirect(target) if wants_fragment(request) else Redirect(target, status_code=303)
    response = page(
        request,
        "errors/error.html.j2",
        {"status": status, "title": _(_TITLES.get(status, N_("Error"))), "message": message, "fields": fields},
        status_code=status,
    )
    if wants_fragment(request):
        response.headers.update({"HX-Retarget": "#main", "HX-Reswap": "innerHTML"})
    return response
