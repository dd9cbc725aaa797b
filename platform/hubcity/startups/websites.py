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
