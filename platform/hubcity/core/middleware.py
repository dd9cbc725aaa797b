"""Per-request context: the viewer (from the session's ``user_id``) and the language.

Runs after the session middleware. The language is the session's choice, else the user's saved
locale, else ``HUBCITY_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from hubcity.core.i18n import normalise_locale, set_locale
from hubcity.core.viewer import load_viewer


class ContextMiddleware(ASGIMiddleware):
    """Puts ``viewer`` (a :class:`~hubcity.core.viewer.Viewer` or None) into ``scope["state"]``."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, default_locale: str) -> None:
        self.default_locale = default_locale

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        session = scope.get("session")
        session = session if isinstance(session, dict) else {}
        user_id = session.get("user_id")
        viewer = await load_viewer(int(user_id)) if user_id else None
        if user_id and viewer is None:
            session.clear()  # the account was deleted or deactivated meanwhile
        scope.setdefault("state", {})["viewer"] = viewer  # type: ignore[typeddict-unknown-key]
        chosen = session.get("locale") or (viewer.locale if viewer else None)
        set_locale(normalise_locale(chosen, self.default_locale))
        await next_app(scope, receive, send)
