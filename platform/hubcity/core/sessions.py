"""Server-side sessions that get a new id when someone logs in (no session fixation), and that
exist only when they hold something.

Litestar's server-side backend keeps the id from the incoming cookie for ever. Calling
:func:`rotate_session` marks the request; when the response stores the session, the old id is
deleted from the store and the data is saved under a fresh random id sent in a new cookie.

Litestar also stores an empty session for every request without a cookie (each health check
and crawler hit would leave a file that lives 14 days). Here an empty session is stored only
if it was stored before: without an incoming cookie nothing is written and no cookie is set;
with one, the stored session is deleted and the cookie cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty

_ROTATE = "hubcity.rotate_session"
_NEW_ID = "hubcity.new_session_id"


def rotate_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Give this connection's session a new id when the response is sent (call at login)."""
    connection.scope[_ROTATE] = True  # type: ignore[literal-required]


class RotatingSessionBackend(ServerSideSessionBackend):
    """A server-side backend honouring :func:`rotate_session`."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        scope = connection.scope
        if scope.get(_ROTATE):
            if _NEW_ID not in scope:
                scope[_NEW_ID] = self.generate_session_id()  # type: ignore[literal-required]
            return scope[_NEW_ID]  # type: ignore[literal-required]
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session: Any, message: Any, connection: ASGIConnection) -> None:
        old_id = connection.cookies.get(self.config.key)
        has_cookie = bool(old_id) and old_id != "null"
        if scope_session is Empty or not scope_session:
            if has_cookie:
                await super().store_in_message(Empty, message, connection)  # delete it, clear the cookie
            return
        if connection.scope.get(_ROTATE) and has_cookie:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    """:class:`ServerSideSessionConfig` with :class:`RotatingSessionBackend`."""

    _backend_class = RotatingSessionBackend
