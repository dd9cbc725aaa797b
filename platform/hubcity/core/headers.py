"""Security headers sent with every response (pages, JSON, files and error pages).

``X-Frame-Options: DENY``: no other site may frame Hubcity (clickjacking).
``X-Content-Type-Options: nosniff``: browsers trust the declared content type.
``Referrer-Policy: same-origin``: addresses (which may hold tokens) never leak to other sites;
Hubcity's own pages still see the Referer, which the login redirect uses.
"""

from __future__ import annotations

from typing import Any

SECURITY_HEADERS: dict[str, str] = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


async def add_security_headers(response: Any) -> Any:
    """An ``after_request`` hook putting :data:`SECURITY_HEADERS` on ``response``: for handlers
    returning an ASGI response themselves (static files), which the app's ``response_headers``
    do not reach. Error responses get them from :mod:`hubcity.core.error_pages`."""
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    return response
