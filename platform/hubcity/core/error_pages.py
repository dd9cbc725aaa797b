"""One way to answer errors: a full page, an HTMX fragment (retargeted to ``#main``), or JSON.

API paths (``/api/``, ``/health``, ``/schema``) and clients asking for JSON get
``{"error": code, "detail": message, "fields": {...}}``. Anonymous browsers hitting a guarded
page are sent to the login page. 5xx are logged with their traceback; others are not.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from hubcity.core.errors import AppError, FormInvalid
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
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
    403: N_("You do not have permission to see this page."),
    404: N_("There is nothing at this address, or you may not see it."),
    500: N_("An unexpected error happened. It has been logged; please try again."),
}


def is_api(request: Request) -> bool:
    path = request.url.path
    accept = request.headers.get("accept", "")
    return path.startswith(("/api/", "/health", "/schema")) or (
        "application/json" in accept and "text/html" not in accept
    )


def _status_and_detail(exc: Exception) -> tuple[int, str, str, dict[str, str]]:
    if isinstance(exc, FormInvalid):
        return exc.status_code, exc.code, exc.message, exc.errors
    if isinstance(exc, AppError):
        return exc.status_code, exc.code, exc.message, {}
    if isinstance(exc, ValidationException):
        fields = {}
        for item in exc.extra or []:
            if isinstance(item, dict) and item.get("key"):
                fields[str(item["key"])] = str(item.get("message", ""))
        return 400, "invalid_request", _("The request is not valid."), fields
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = exc.detail if exc.detail and exc.detail != _TITLES.get(status) else ""
        generic = detail in ("", "Not Found", "Forbidden", "Internal Server Error", "Method Not Allowed")
        if status == 413:
            detail = _("The upload is larger than the server accepts (%(limit)s MB).", limit=10)
            generic = False
        message = _(_DEFAULT_DETAIL.get(status, _TITLES.get(status, N_("Error")))) if generic else _(detail)
        return status, f"http_{status}", message, {}
    return HTTP_500_INTERNAL_SERVER_ERROR, "server_error", _(_DEFAULT_DETAIL[500]), {}


def handle_exception(request: Request, exc: Exception) -> Response[Any]:
    """The app-wide exception handler (registered for ``Exception``)."""
    status, code, message, fields = _status_and_detail(exc)
    if status >= 500:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if is_api(request):
        return Response({"error": code, "detail": message, "fields": fields}, status_code=status, media_type=MediaType.JSON)
    if isinstance(exc, NotAuthorizedException) or status == 401:
        target = f"/login?next={request.url.path}"
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
