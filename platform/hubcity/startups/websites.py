"""Website addresses: normalising what people type and deriving the domain used to spot duplicates."""

from __future__ import annotations

from urllib.parse import urlsplit


def normalise_website(value: str) -> str:
    """``example.com/x`` → ``https://example.com/x``; blank → ``""``. Does not validate."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    return value


WEB_SCHEMES: tuple[str, ...] = ("http", "https")


def is_web_address(value: str) -> bool:
    """True when ``value`` (already normalised) is an ``http://`` or ``https://`` address whose
    host has a dot and which holds no whitespace or control character: what pages may put in a
    link's ``href``. ``javascript:``, ``data:`` and other schemes are not web addresses."""
    if not value or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return False
    scheme = value.split("://", 1)[0].lower() if "://" in value else ""
    return scheme in WEB_SCHEMES and "." in website_domain(value)


def website_domain(value: str | None) -> str:
    """The lower-case host of a website without ``www.`` and port, e.g.
    ``https://WWW.Example.com:443/about`` → ``example.com``; ``""`` when there is none."""
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "//" + value
    try:
        host = urlsplit(value).hostname or ""
    except ValueError:
        return ""
    host = host.strip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    return host
