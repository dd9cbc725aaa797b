"""The Jinja2 environment shared by pages and emails, and the page-or-fragment helper.

Every page template starts with ``{% extends layout %}``: :func:`page` sets ``layout`` to the
full layout, or to the bare fragment layout when the request comes from HTMX (and is not a
boosted navigation), so each handler serves both from one template.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2
from litestar import Request
from litestar.response import Template

from hubcity.core.i18n import LANGUAGE_NAMES, LOCALES, current_locale, gettext, unformatted_ngettext
from hubcity.core.timefmt import format_instant
from hubcity.core.viewer import Viewer
from hubcity.paths import TEMPLATES_DIR

FULL_LAYOUT = "layouts/base.html.j2"
FRAGMENT_LAYOUT = "layouts/fragment.html.j2"


def build_environment(settings: Any) -> jinja2.Environment:
    """A Jinja2 environment over ``templates/`` with gettext and Hubcity's filters.

    settings: :class:`hubcity.config.settings.Settings` (for the agency's zone).
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=True, default=False),
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined if settings.env == "test" else jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(gettext, unformatted_ngettext, newstyle=True)  # type: ignore[attr-defined]
    zone = settings.zone

    def instant(value: datetime | None) -> str:
        return format_instant(value, zone, current_locale())

    def localized(obj: Any, field: str) -> str:
        """``obj[field_ko]`` or ``obj[field_en]`` in the viewer's language, falling back to the other."""
        get = obj.get if isinstance(obj, dict) else (lambda k, d="": getattr(obj, k, d))
        first, second = ("ko", "en") if current_locale() == "ko" else ("en", "ko")
        return get(f"{field}_{first}", "") or get(f"{field}_{second}", "")

    env.filters["instant"] = instant
    env.globals["localized"] = localized
    env.globals["agency_zone"] = zone.key
    env.globals["LOCALES"] = LOCALES
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    env.globals["current_locale"] = current_locale
    return env


def get_viewer(request: Any) -> Viewer | None:
    """The viewer the context middleware loaded for this connection (None if anonymous)."""
    return request.scope.get("state", {}).get("viewer")


def wants_fragment(request: Request) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def take_flashes(request: Request) -> list[dict[str, str]]:
    """Flash messages stored by ``litestar.plugins.flash.flash`` (none where no session exists, e.g. a 404)."""
    session = request.scope.get("session")
    return session.pop("_messages", []) if isinstance(session, dict) else []


def page(request: Request, template_name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """Render ``template_name`` as a full page, or as a fragment for an HTMX request."""
    ctx = {
        "flashes": take_flashes(request),
        "viewer": get_viewer(request),
        "layout": FRAGMENT_LAYOUT if wants_fragment(request) else FULL_LAYOUT,
        "locale": current_locale(),
        "path": request.url.path,
        "query": str(request.url.query or ""),
    }
    ctx.update(context or {})
    return Template(template_name=template_name, context=ctx, status_code=status_code)
