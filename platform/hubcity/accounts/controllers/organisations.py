"""Pages: an organisation (members, invitations, roles) and accepting an invitation."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.accounts.errors import InvitationLimitError, TokenInvalidError
from hubcity.accounts.services import OrganisationService
from hubcity.accounts.services.common import typed_values
from hubcity.accounts.web import base_url, client_ip, form_data, render, see_other, sign_in
from hubcity.core.errors import FormInvalid, InvalidStateError, NotPermittedError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.params import ObjectId
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.templating import get_viewer, wants_fragment


class OrganisationController(Controller):
    include_in_schema = False
    guards = [requires_login]
    path = "/organisations/{org_id:int}"

    async def _render(
        self, request: Request, org_id: int, service: OrganisationService, status_code: int = 200, **context: Any
    ) -> Template:
        view = await service.page(org_id, viewer_of(request))
        section = context.pop("section", False) and wants_fragment(request)
        template = "accounts/_invitations.html.j2" if section else "accounts/organisation.html.j2"
        return render(request, template, {"view": view, **context}, status_code=status_code)

    @get("/", name="accounts:organisation")
    async def show(
        self, request: Request, org_id: ObjectId, organisation_service: NamedDependency[OrganisationService]
    ) -> Template:
        """Names, kind, registration number, verification, members; owners also manage invitations.
        404 for anyone but members and agency staff."""
        return await self._render(request, org_id, organisation_service)

    @post("/invitations", name="accounts:invite")
    async def invite(
        self, request: Request, org_id: ObjectId, organisation_service: NamedDependency[OrganisationService]
    ) -> Response[Any] | Template:
        """Invite by email (owners only, 403 otherwise). HTMX gets the invitations section back."""
        data = await form_data(request)
        viewer = viewer_of(request)
        try:
            invitation = await organisation_service.invite(
                org_id, viewer, data, base_url=base_url(request), ip=client_ip(request)
            )
        except FormInvalid as error:
            return await self._render(
                request, org_id, organisation_service, 422, section=True, errors=error.errors, values=typed_values(data)
            )
        except InvitationLimitError as error:
            return await self._render(
                request, org_id, organisation_service, error.status_code, section=True, message=error.message,
                values=typed_values(data),
            )
        message = _("An invitation has been sent to %(email)s.", email=invitation["email"])
        if wants_fragment(request):
            return await self._render(request, org_id, organisation_service, section=True, notice=message)
        flash(request, message, "success")
        return see_other(request, f"/organisations/{org_id}")

    @post("/invitations/{invitation_id:int}/revoke", name="accounts:revoke_invitation")
    async def revoke(
        self,
        request: Request,
        org_id: ObjectId,
        invitation_id: ObjectId,
        organisation_service: NamedDependency[OrganisationService],
    ) -> Response[Any] | Template:
        """Withdraw an open invitation (owners only). HTMX gets the invitations section back."""
        await organisation_service.revoke(org_id, invitation_id, viewer_of(request), ip=client_ip(request))
        message = _("The invitation has been withdrawn.")
        if wants_fragment(request):
            return await self._render(request, org_id, organisation_service, section=True, notice=message)
        flash(request, message, "success")
        return see_other(request, f"/organisations/{org_id}")

    @post("/members/{user_id:int}/role", name="accounts:member_role")
    async def member_role(
        self,
        request: Request,
        org_id: ObjectId,
        user_id: ObjectId,
        organisation_service: NamedDependency[OrganisationService],
    ) -> Response[Any] | Template:
        """Make a member an owner, or an owner a member (owners only; one owner must remain: the
        organisation page again with the reason, 409)."""
        data = await form_data(request)
        try:
            await organisation_service.set_member_role(
                org_id, user_id, str(data.get("role", "")), viewer_of(request), ip=client_ip(request)
            )
        except (InvalidStateError, FormInvalid) as error:
            return await self._render(request, org_id, organisation_service, error.status_code, message=error.message)
        flash(request, _("The member's role has been changed."), "success")
        return see_other(request, f"/organisations/{org_id}")


class InvitationController(Controller):
    include_in_schema = False
    path = "/invitations/{token:str}"

    async def _page(
        self, request: Request, token: str, service: OrganisationService, status_code: int = 200, **context: Any
    ) -> Template:
        try:
            invitation = await service.invitation(token)
        except TokenInvalidError as error:
            viewer = get_viewer(request)
            if error.reason == "used" and viewer and error.organisation_id and viewer.membership_in(error.organisation_id):
                return render(
                    request, "accounts/invitation_accepted.html.j2", {"membership": viewer.membership_in(error.organisation_id)}
                )
            return render(
                request,
                "accounts/link_invalid.html.j2",
                {"title": _("Invitation"), "message": error.message, "reason": error.reason, "retry_url": ""},
                status_code=error.status_code,
            )
        viewer = get_viewer(request)
        mismatch = bool(viewer and viewer.email != invitation.email)
        context.setdefault("values", {"locale": current_locale()})
        return render(
            request,
            "accounts/invitation.html.j2",
            {"invitation": invitation, "token": token, "mismatch": mismatch, **context},
            status_code=403 if mismatch and status_code == 200 else status_code,
        )

    @get("/", name="accounts:invitation")
    async def show(
        self, request: Request, token: FromPath[str], organisation_service: NamedDependency[OrganisationService]
    ) -> Template:
        """Accept (logged in with the invited email), log in first (account exists), or a short
        sign-up form (new email); a clear page for a wrong, expired or used link."""
        return await self._page(request, token, organisation_service)

    @post("/accept", name="accounts:invitation_accept", guards=[requires_login])
    async def accept(
        self, request: Request, token: FromPath[str], organisation_service: NamedDependency[OrganisationService]
    ) -> Response[Any] | Template:
        """Join the organisation as the invited, logged-in user."""
        try:
            organisation_id = await organisation_service.accept(token, viewer_of(request), ip=client_ip(request))
        except (TokenInvalidError, NotPermittedError):
            return await self._page(request, token, organisation_service)
        flash(request, _("You have joined the organisation."), "success")
        return see_other(request, f"/organisations/{organisation_id}")

    @post("/signup", name="accounts:invitation_signup")
    async def signup(
        self, request: Request, token: FromPath[str], organisation_service: NamedDependency[OrganisationService]
    ) -> Response[Any] | Template:
        """Create the invited person's account and membership, log in, open the organisation."""
        data = await form_data(request)
        try:
            signed_in = await organisation_service.accept_with_signup(token, data, ip=client_ip(request))
        except FormInvalid as error:
            return await self._page(
                request, token, organisation_service, 422, errors=error.errors, values=typed_values(data)
            )
        except TokenInvalidError:
            return await self._page(request, token, organisation_service)
        except InvalidStateError as error:
            return await self._page(request, token, organisation_service, error.status_code, notice=error.message)
        sign_in(request, signed_in)
        flash(request, _("Welcome to Hubcity. You have joined the organisation."), "success")
        return see_other(request, "/dashboard")
