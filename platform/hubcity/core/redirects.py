"""Where to send a person next: ``next=`` values limited to paths on this site.

Used by the login page (``?next=``), the language switch and the error handler, which sends
anonymous visitors of a guarded page to ``/login?next=…``.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

DEFAULT_AFTER_LOGIN = "/dashboard"
MAX_NEXT_LENGTH = 2000


def safe_next(value: str | None, default: str = DEFAULT_AFTER_LOGIN) -> str:
    """``value`` when it is a path on this site (``/…``, not ``//host`` or a URL) of at most
    :data:`MAX_NEXT_LENGTH` characters, else ``default``."""
    value = (value or "").strip()
    if len(value) > MAX_NEXT_LENGTH or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def same_site_path(url: str | None, *hosts: str) -> str:
    """The path and query of absolute ``url`` when its host is one of ``hosts`` (``host[:port]``),
    else ``""``. Used for the Referer and HX-Current-URL headers, which a browser fills in."""
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or parts.netloc.lower() not in {host.lower() for host in hosts if host}:
        return ""
    return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""), "")


def login_url(next_path: str) -> str:
    """``/login?next=<next_path>`` (slashes kept readable), or ``/login`` when ``next_path`` is not a safe path."""
    target = safe_next(next_path, "")
    return f"/login?next={quote(target, safe='/')}" if target else "/login"
