"""Per-request context: the viewer (from the session's ``user_id``) and the language.

Runs after the session middleware. The language is the session's choice, else the user's saved
locale, else ``HUBCITY_DEFAULT_LOCALE``.

A session begun (``login_at``, see :func:`session_for`) before the user's
``sessions_valid_after`` (a password reset or change) is over: it is emptied and the request is
anonymous. A request whose path or query string holds a NUL byte is refused with 400 before any
handler runs, so a NUL never reaches the database (PostgreSQL cannot store one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from hubcity.core.clock import utcnow
from hubcity.core.i18n import N_, normalise_locale, set_locale
from hubcity.core.viewer import Viewer, load_viewer

LOGIN_AT = "login_at"


def session_for(user_id: int, locale: str) -> dict[str, Any]:
    """The session data of someone who has just logged in: the user, their language and the instant."""
    return {"user_id": user_id, "locale": locale, LOGIN_AT: utcnow().isoformat()}


def session_is_current(session: dict[str, Any], viewer: Viewer) -> bool:
    """False when the session began before the viewer's ``sessions_valid_after`` (or has no start)."""
    if viewer.sessions_valid_after is None:
        return True
    try:
        began = datetime.fromisoformat(str(session.get(LOGIN_AT)))
    except ValueError:
        return False
    return began.tzinfo is not None and began >= viewer.sessions_valid_after


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"")
    return "\x00" in scope.get("path", "") or b"\x00" in query or b"%00" in query


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
        if viewer is not None and not session_is_current(session, viewer):
            viewer = None  # the password was reset or changed after this session began
        if user_id and viewer is None:
            session.clear()  # the account was deleted or deactivated meanwhile, or the session ended
        scope.setdefault("state", {})["viewer"] = viewer  # type: ignore[typeddict-unknown-key]
        chosen = session.get("locale") or (viewer.locale if viewer else None)
        set_locale(normalise_locale(chosen, self.default_locale))
        if _has_nul(scope):
            raise ClientException(N_("The address contains a character that is not allowed (NUL)."))
        await next_app(scope, receive, send)
