"""Pages of partner needs: a corporation's needs, the need form (new and edit), a need's page,
and its open / close / reopen buttons. Each page is a full page, or its fragment for HTMX."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.core.errors import FormInvalid
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.params import ObjectId
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.templating import get_viewer
from hubcity.corporates.services import NeedView, PartnerNeedService
from hubcity.corporates.web import client_ip, hx_target, need_form_data, partial, render, see_other

NeedService = NamedDependency[PartnerNeedService]
#: The organisation page loads the corporation's needs into this element (HTMX).
ORG_SECTION_TARGET = "org-needs"
STATUS_MESSAGES = {
    "open": N_("The need is published."),
    "close": N_("The need is closed. Startups can still see it, marked closed."),
    "reopen": N_("The need is open again."),
}


async def _form_page(
    request: Request,
    service: PartnerNeedService,
    *,
    organisation: dict[str, Any],
    need: NeedView | None,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    return render(
        request,
        "corporates/need_form.html.j2",
        {
            "organisation": organisation,
            "need": need,
            "values": values,
            "errors": errors or {},
            "options": await service.taxonomy_options(),
            "zone": service.zone.key,
        },
        status_code=status_code,
    )


class CorporationNeedsController(Controller):
    include_in_schema = False
    path = "/corporates/{org_id:int}/needs"

    @get("/", name="corporates:needs")
    async def index(self, request: Request, org_id: ObjectId, need_service: NeedService) -> Template:
        """The corporation's needs the viewer may see; members also see drafts and the buttons to
        add and change needs. ``HX-Target: org-needs`` (the organisation page) gets the list alone."""
        view = await need_service.for_corporation(org_id, get_viewer(request))
        context = {"view": view, "labels": await need_service.labels()}
        if hx_target(request) == ORG_SECTION_TARGET:
            return partial(request, "corporates/_corporation_needs.html.j2", {**context, "in_section": True})
        return render(request, "corporates/needs.html.j2", {**context, "in_section": False})

    @get("/new", name="corporates:need_new", guards=[requires_login])
    async def new(self, request: Request, org_id: ObjectId, need_service: NeedService) -> Template:
        """The form of a new need (members of the corporation; 404 for anyone else)."""
        organisation = await need_service.corporation_to_manage(org_id, viewer_of(request))
        return await _form_page(request, need_service, organisation=organisation, need=None, values={"visibility": "public"})

    @post("/", name="corporates:need_create", guards=[requires_login], status_code=200)
    async def create(self, request: Request, org_id: ObjectId, need_service: NeedService) -> Response[Any] | Template:
        """Save a new need as a draft or publish it (``status``); 422 with the form on bad input."""
        viewer = viewer_of(request)
        organisation = await need_service.corporation_to_manage(org_id, viewer)
        data = await need_form_data(request)
        try:
            need = await need_service.create(org_id, viewer, data, ip=client_ip(request))
        except FormInvalid as error:
            return await _form_page(
                request, need_service, organisation=organisation, need=None, values=data, errors=error.errors, status_code=422
            )
        message = _("The need is published.") if need.status == "open" else _("The need is saved as a draft.")
        flash(request, message, "success")
        return see_other(request, f"/needs/{need.id}")


class NeedController(Controller):
    include_in_schema = False
    path = "/needs/{need_id:int}"

    @get("/", name="corporates:need")
    async def show(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Template:
        """A need as the viewer may see it (404 when they may not, without its title)."""
        need = await need_service.get(need_id, get_viewer(request))
        return render(request, "corporates/need.html.j2", {"need": need, "labels": await need_service.labels()})

    @get("/edit", name="corporates:need_edit", guards=[requires_login])
    async def edit(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Template:
        """The need's form, filled in (members of its corporation; 404 for anyone else)."""
        viewer = viewer_of(request)
        need = await need_service.editable(need_id, viewer)
        organisation = await need_service.corporation_to_manage(need.organisation_id or 0, viewer)
        return await _form_page(
            request, need_service, organisation=organisation, need=need, values=need_service.form_values(need)
        )

    @post("/edit", name="corporates:need_update", guards=[requires_login], status_code=200)
    async def update(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Response[Any] | Template:
        """Save the changed need; 422 with the form (as typed) on bad input, nothing saved."""
        viewer = viewer_of(request)
        need = await need_service.editable(need_id, viewer)
        data = await need_form_data(request)
        try:
            await need_service.update(need_id, viewer, data, ip=client_ip(request))
        except FormInvalid as error:
            organisation = await need_service.corporation_to_manage(need.organisation_id or 0, viewer)
            return await _form_page(
                request, need_service, organisation=organisation, need=need, values=data, errors=error.errors, status_code=422
            )
        flash(request, _("The need is saved."), "success")
        return see_other(request, f"/needs/{need_id}")

    async def _status(self, request: Request, need_id: int, service: PartnerNeedService, action: str) -> Response[Any]:
        await service.change_status(need_id, viewer_of(request), action, ip=client_ip(request))
        flash(request, _(STATUS_MESSAGES[action]), "success")
        return see_other(request, f"/needs/{need_id}")

    @post("/open", name="corporates:need_open", guards=[requires_login], status_code=200)
    async def publish(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Response[Any]:
        """Publish a draft (members of the corporation)."""
        return await self._status(request, need_id, need_service, "open")

    @post("/close", name="corporates:need_close", guards=[requires_login], status_code=200)
    async def close(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Response[Any]:
        """Close a draft or open need (members of the corporation)."""
        return await self._status(request, need_id, need_service, "close")

    @post("/reopen", name="corporates:need_reopen", guards=[requires_login], status_code=200)
    async def reopen(self, request: Request, need_id: ObjectId, need_service: NeedService) -> Response[Any]:
        """Open a closed need again (members of the corporation)."""
        return await self._status(request, need_id, need_service, "reopen")


PAGE_CONTROLLERS = [CorporationNeedsController, NeedController]
