"""``/api/v1`` JSON endpoints of the accounts domain (session-cookie auth, CSRF header
``x-csrftoken``). They call the same services as the pages; errors come back as
``{"error", "detail", "fields"}`` through the app-wide handler."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from hubcity.accounts.openapi import errors, json_body
from hubcity.accounts.schemas import (
    ConsentChangeApiInput,
    ConsentOut,
    InvitationInput,
    InvitationOut,
    LoginInput,
    MemberOut,
    MeOut,
    OrganisationOut,
    OrganisationRefOut,
    ProfilePatch,
    SignupInput,
    UserOut,
)
from hubcity.accounts.services import AccountService, AuthService, ConsentState, OrganisationService
from hubcity.accounts.services.organisations import OrganisationPage
from hubcity.accounts.web import LOGIN_RATE_LIMIT, base_url, client_ip, login_throttled_api, sign_in, sign_out
from hubcity.core.forms import validate
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.params import ObjectId

API_PREFIX = "/api/v1"


def me_out(me: dict[str, Any]) -> MeOut:
    user = me["user"]
    return MeOut(
        user=UserOut(id=user["id"], email=user["email"], name=user["name"], locale=user["locale"]),
        roles=me["roles"],
        organisations=[
            OrganisationRefOut(id=o["id"], kind=o["kind"], name_ko=o["name_ko"], name_en=o["name_en"], role=o["role"])
            for o in me["organisations"]
        ],
    )


def consent_out(state: ConsentState) -> ConsentOut:
    return ConsentOut(
        purpose=state.purpose,
        required=state.required,
        given=state.given,
        terms_version=state.terms_version,
        current_terms_version=state.terms.version,
        given_at=state.given_at,
        withdrawn_at=state.withdrawn_at,
    )


def organisation_out(view: OrganisationPage) -> OrganisationOut:
    org = view.organisation
    return OrganisationOut(
        id=org["id"],
        kind=org["kind"],
        name_ko=org["name_ko"],
        name_en=org["name_en"],
        business_registration_number=view.registration_number,
        verified=org["verified_at"] is not None,
        verified_at=org["verified_at"],
        members=[
            MemberOut(user_id=m["user_id"], name=m["name"], email=m["email"], role=m["role"]) for m in view.members
        ],
    )


class AuthApiController(Controller):
    path = f"{API_PREFIX}/auth"
    tags = ["accounts"]

    @post("/signup", status_code=HTTP_201_CREATED, operation_class=json_body(SignupInput), responses=errors(422))
    async def signup(
        self,
        request: Request,
        data: JSONBody[dict[str, Any]],
        auth_service: NamedDependency[AuthService],
        account_service: NamedDependency[AccountService],
    ) -> MeOut:
        """Create a user with their startup or corporation (as owner) and consents; logs in."""
        signed_in = await auth_service.signup(data, ip=client_ip(request))
        sign_in(request, signed_in)
        return me_out(await account_service.me(signed_in.user_id))

    @post(
        "/login",
        status_code=HTTP_200_OK,
        operation_class=json_body(LoginInput),
        responses=errors(401, 422, 429),
        middleware=[LOGIN_RATE_LIMIT.middleware],
        exception_handlers={TooManyRequestsException: login_throttled_api},
    )
    async def login(
        self,
        request: Request,
        data: JSONBody[dict[str, Any]],
        auth_service: NamedDependency[AuthService],
        account_service: NamedDependency[AccountService],
    ) -> MeOut:
        """Log in with email and password (attempts per address are rate-limited); sets the session cookie."""
        signed_in = await auth_service.login(data, ip=client_ip(request))
        sign_in(request, signed_in)
        return me_out(await account_service.me(signed_in.user_id))

    @post("/logout", status_code=HTTP_204_NO_CONTENT)
    async def logout(self, request: Request) -> None:
        """End the session."""
        sign_out(request)


class MeApiController(Controller):
    path = f"{API_PREFIX}/me"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", responses=errors(401))
    async def me(self, request: Request, account_service: NamedDependency[AccountService]) -> MeOut:
        """The logged-in user, their agency roles and their organisations."""
        return me_out(await account_service.me(viewer_of(request).id))

    @patch("/", operation_class=json_body(ProfilePatch), responses=errors(401, 422))
    async def update(
        self, request: Request, data: JSONBody[dict[str, Any]], account_service: NamedDependency[AccountService]
    ) -> MeOut:
        """Change name and/or language."""
        viewer = viewer_of(request)
        profile = await account_service.update_profile(viewer.id, data, partial=True)
        request.session["locale"] = profile["locale"]
        return me_out(await account_service.me(viewer.id))

    @get("/consents", responses=errors(401))
    async def consents(self, request: Request, account_service: NamedDependency[AccountService]) -> list[ConsentOut]:
        """Every consent purpose with its state, terms version and times."""
        return [consent_out(s) for s in await account_service.consent_states(viewer_of(request).id)]

    @put("/consents/{purpose:str}", operation_class=json_body(ConsentChangeApiInput), responses=errors(401, 404, 409, 422))
    async def set_consent(
        self,
        request: Request,
        purpose: FromPath[str],
        data: JSONBody[dict[str, Any]],
        account_service: NamedDependency[AccountService],
    ) -> ConsentOut:
        """Give (``{"given": true}``) or withdraw (``false``) a consent; collection cannot be withdrawn
        (409); ``given`` other than true or false (null, "yes", 1) is refused (422)."""
        given = validate(ConsentChangeApiInput, data).given
        states = await account_service.set_consent(viewer_of(request).id, purpose, given, ip=client_ip(request))
        return consent_out(next(s for s in states if s.purpose == purpose))


class OrganisationApiController(Controller):
    path = f"{API_PREFIX}/organisations/{{org_id:int}}"
    tags = ["accounts"]
    guards = [requires_login]

    @get("/", responses=errors(401, 404))
    async def show(
        self, request: Request, org_id: ObjectId, organisation_service: NamedDependency[OrganisationService]
    ) -> OrganisationOut:
        """An organisation you belong to (any, for agency staff); 404 otherwise."""
        return organisation_out(await organisation_service.page(org_id, viewer_of(request)))

    @post(
        "/invitations",
        status_code=HTTP_201_CREATED,
        operation_class=json_body(InvitationInput),
        responses=errors(401, 403, 404, 422),
    )
    async def invite(
        self,
        request: Request,
        org_id: ObjectId,
        data: JSONBody[dict[str, Any]],
        organisation_service: NamedDependency[OrganisationService],
    ) -> InvitationOut:
        """Invite an email address as member or owner (owners only); the link is emailed."""
        invitation = await organisation_service.invite(
            org_id, viewer_of(request), data, base_url=base_url(request), ip=client_ip(request)
        )
        return InvitationOut(**invitation)

    @delete("/invitations/{invitation_id:int}", status_code=HTTP_204_NO_CONTENT, responses=errors(401, 403, 404))
    async def revoke(
        self,
        request: Request,
        org_id: ObjectId,
        invitation_id: ObjectId,
        organisation_service: NamedDependency[OrganisationService],
    ) -> None:
        """Withdraw an open invitation (owners only)."""
        await organisation_service.revoke(org_id, invitation_id, viewer_of(request), ip=client_ip(request))


API_CONTROLLERS = [AuthApiController, MeApiController, OrganisationApiController]
