"""``/api/v1/startups`` JSON endpoints (session-cookie auth, CSRF header ``x-csrftoken``).

Members-only fields (``funding_raised``, ``funding_currency``, ``investors``, ``customers``,
``partners``) and ``completeness`` are present only for the startup's members and agency staff;
for anyone else the keys are absent. Errors: ``{"error", "detail", "fields"}``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody

from hubcity.accounts.openapi import errors, json_body
from hubcity.core.errors import FormInvalid
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.templating import get_viewer
from hubcity.startups.schemas import ProfileInput
from hubcity.startups.services import ProfileService

API_PREFIX = "/api/v1"


class StartupApiController(Controller):
    path = f"{API_PREFIX}/startups/{{profile_id:int}}"
    tags = ["startups"]

    @get("/", responses=errors(404))
    async def show(
        self, request: Request, profile_id: ObjectId, startup_profile_service: NamedDependency[ProfileService]
    ) -> dict[str, Any]:
        """A startup profile: public when active; members and staff also get the members-only
        fields and the completeness score (``{"score": 0–100, "next": item key or null}``).
        ``sectors``/``technologies``/``stage``/``country``/``target_markets`` are taxonomy slugs;
        ``funding_raised`` is integer minor units of ``funding_currency`` (KRW: won)."""
        return await startup_profile_service.api_view(profile_id, get_viewer(request))

    @patch("/", guards=[requires_login], operation_class=json_body(ProfileInput), responses=errors(401, 403, 404, 422))
    async def update(
        self,
        request: Request,
        profile_id: ObjectId,
        data: JSONBody[dict[str, Any]],
        startup_profile_service: NamedDependency[ProfileService],
    ) -> dict[str, Any]:
        """Change the fields given (members of the startup and agency staff); the rules of the
        edit page apply to the result, and nothing is stored when one fails (422, one message
        per field). Lists are JSON arrays; ``null`` empties a field."""
        if not isinstance(data, dict):
            raise FormInvalid({}, {}, message=_("The body must be a JSON object."))
        viewer = viewer_of(request)
        await startup_profile_service.update(profile_id, viewer, data, partial=True)
        return await startup_profile_service.api_view(profile_id, viewer)
