"""Pages: the dashboard and the account page (profile, consents, deletion)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.accounts.errors import AccountDeletionBlockedError, ConsentRequiredError
from hubcity.accounts.schemas import ConsentChangeInput
from hubcity.accounts.services import AccountService
from hubcity.accounts.services.common import typed_values
from hubcity.accounts.web import client_ip, form_data, render, see_other, sign_out
from hubcity.core.errors import FormInvalid
from hubcity.core.forms import validate
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.templating import wants_fragment


class DashboardController(Controller):
    include_in_schema = False
    guards = [requires_login]

    @get("/dashboard", name="accounts:dashboard")
    async def dashboard(self, request: Request, account_service: NamedDependency[AccountService]) -> Template:
        """The viewer's organisations (kind, role, members, verification) and next steps."""
        viewer = viewer_of(request)
        organisations = await account_service.dashboard(viewer.id)
        return render(request, "accounts/dashboard.html.j2", {"organisations": organisations})


class AccountController(Controller):
    include_in_schema = False
    guards = [requires_login]
    path = "/account"

    async def _page(
        self, request: Request, account_service: AccountService, status_code: int = 200, **context: Any
    ) -> Template:
        viewer = viewer_of(request)
        profile = await account_service.profile(viewer.id)
        context.setdefault("values", {"name": profile["name"], "locale": profile["locale"]})
        context.setdefault("consents", await account_service.consent_states(viewer.id))
        context.setdefault("left_alone", await account_service.left_alone_by_deletion(viewer.id))
        return render(request, "accounts/account.html.j2", {"profile": profile, **context}, status_code=status_code)

    @get("/", name="accounts:account")
    async def show(self, request: Request, account_service: NamedDependency[AccountService]) -> Template:
        """Profile, consents with their history, and account deletion."""
        return await self._page(request, account_service)

    @post("/profile", name="accounts:profile")
    async def profile(
        self, request: Request, account_service: NamedDependency[AccountService]
    ) -> Response[Any] | Template:
        """Change name and language; 422 with the form on bad input."""
        data = await form_data(request)
        viewer = viewer_of(request)
        try:
            profile = await account_service.update_profile(viewer.id, data)
        except FormInvalid as error:
            return await self._page(
                request, account_service, 422, errors=error.errors, values=typed_values(data), form="profile"
            )
        request.session["locale"] = profile["locale"]
        flash(request, _("Your profile has been saved."), "success")
        return see_other(request, "/account")

    @post("/consents/{purpose:str}", name="accounts:consent")
    async def consent(
        self, request: Request, purpose: FromPath[str], account_service: NamedDependency[AccountService]
    ) -> Response[Any] | Template:
        """Give (``given=yes``) or withdraw (``given=no``) a consent. HTMX gets the consents
        fragment back; a plain form post goes back to the account page."""
        data = await form_data(request)
        viewer = viewer_of(request)
        notice = ""
        status_code = 200
        try:
            given = validate(ConsentChangeInput, data).given
            consents = await account_service.set_consent(viewer.id, purpose, given, ip=client_ip(request))
        except ConsentRequiredError as error:
            notice, status_code = error.message, error.status_code
            consents = await account_service.consent_states(viewer.id)
        if status_code == 200 and not wants_fragment(request):
            flash(request, _("Your consent choice has been saved."), "success")
            return see_other(request, "/account#consents")
        if wants_fragment(request):
            return render(
                request, "accounts/_consents.html.j2", {"consents": consents, "notice": notice}, status_code=status_code
            )
        return await self._page(request, account_service, status_code, consents=consents, notice=notice)

    @post("/delete", name="accounts:delete")
    async def delete(
        self, request: Request, account_service: NamedDependency[AccountService]
    ) -> Response[Any] | Template:
        """Delete the account (password confirmation), log out, go home."""
        data = await form_data(request)
        viewer = viewer_of(request)
        try:
            await account_service.delete_account(viewer.id, data, ip=client_ip(request))
        except FormInvalid as error:
            return await self._page(request, account_service, 422, errors=error.errors, form="delete")
        except AccountDeletionBlockedError as error:
            return await self._page(
                request, account_service, error.status_code, delete_blocked=error.message, form="delete"
            )
        sign_out(request)
        flash(request, _("Your account has been deleted. Thank you for using Hubcity."), "success")
        return see_other(request, "/")
