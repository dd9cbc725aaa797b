"""Pages: sign-up, login, logout, password reset, language choice."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.accounts.errors import LoginFailedError, LoginLockedError, TokenInvalidError
from hubcity.accounts.services import AccountService, AuthService
from hubcity.accounts.services.common import typed_values
from hubcity.accounts.web import (
    LOGIN_RATE_LIMIT,
    base_url,
    client_ip,
    form_data,
    login_throttled_page,
    render,
    see_other,
    sign_in,
    sign_out,
)
from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.redirects import safe_next
from hubcity.core.templating import get_viewer

#: Where a new startup goes after signing up: its onboarding, which first offers to claim an
#: existing (imported) profile with its name. (A path, not an import: accounts sits below startups.)
STARTUP_FIRST_PAGE = "/startups/onboarding"


class SignupController(Controller):
    include_in_schema = False

    @get("/signup", name="accounts:signup")
    async def form(self, request: Request, kind: FromQuery[str | None] = None) -> Template:
        """The sign-up form; ``kind`` (startup | corporate) preselects the organisation kind."""
        values = {"kind": kind if kind in ("startup", "corporate") else "startup", "locale": current_locale()}
        return render(request, "accounts/signup.html.j2", {"values": values})

    @post("/signup", name="accounts:signup_submit")
    async def submit(self, request: Request, auth_service: NamedDependency[AuthService]) -> Response[Any] | Template:
        """Create the account and organisation, log in, and go on: a startup to its onboarding
        (whose first page offers to claim an existing profile with the organisation's name),
        a corporation to the dashboard; 422 with the form on bad input."""
        data = await form_data(request)
        try:
            signed_in = await auth_service.signup(data, ip=client_ip(request))
        except FormInvalid as error:
            return render(
                request,
                "accounts/signup.html.j2",
                {"errors": error.errors, "values": typed_values(data)},
                status_code=422,
            )
        sign_in(request, signed_in)
        flash(request, _("Welcome to Hubcity. Your account and your organisation are ready."), "success")
        return see_other(request, STARTUP_FIRST_PAGE if signed_in.kind == "startup" else "/dashboard")


class LoginController(Controller):
    include_in_schema = False

    @get("/login", name="accounts:login")
    async def form(self, request: Request, next: FromQuery[str | None] = None) -> Template | Response[Any]:
        """The login form; ``next``: where to go afterwards (paths on this site only)."""
        if get_viewer(request):
            return see_other(request, safe_next(next))
        return render(request, "accounts/login.html.j2", {"next": safe_next(next, "")})

    @post(
        "/login",
        name="accounts:login_submit",
        middleware=[LOGIN_RATE_LIMIT.middleware],
        exception_handlers={TooManyRequestsException: login_throttled_page},
    )
    async def submit(self, request: Request, auth_service: NamedDependency[AuthService]) -> Response[Any] | Template:
        """Log in and go to ``next`` (or the dashboard); the form again with one generic message on
        failure (422), or saying the account's logins are paused after too many failures (429)."""
        data = await form_data(request)
        next_value = safe_next(data.get("next") or request.query_params.get("next"), "")
        try:
            signed_in = await auth_service.login(data, ip=client_ip(request))
        except (FormInvalid, LoginFailedError, LoginLockedError) as error:
            context = {"values": typed_values(data), "next": next_value}
            if isinstance(error, FormInvalid):
                context["errors"] = error.errors
            else:
                context["message"] = error.message
            return render(request, "accounts/login.html.j2", context, status_code=error.status_code if isinstance(error, LoginLockedError) else 422)
        sign_in(request, signed_in)
        return see_other(request, next_value or "/dashboard")

    @post("/logout", name="accounts:logout")
    async def logout(self, request: Request) -> Response[Any]:
        """End the session and go to the home page."""
        sign_out(request)
        flash(request, _("You have logged out."), "success")
        return see_other(request, "/")


class PasswordResetController(Controller):
    include_in_schema = False
    path = "/password-reset"

    @get("/", name="accounts:password_reset")
    async def ask(self, request: Request) -> Template:
        """The form asking for the account's email."""
        return render(request, "accounts/password_reset_request.html.j2")

    @post("/", name="accounts:password_reset_submit")
    async def send(self, request: Request, auth_service: NamedDependency[AuthService]) -> Template:
        """Send the link if the account exists; the same confirmation either way."""
        data = await form_data(request)
        try:
            await auth_service.request_password_reset(data, base_url=base_url(request), ip=client_ip(request))
        except FormInvalid as error:
            return render(
                request,
                "accounts/password_reset_request.html.j2",
                {"errors": error.errors, "values": typed_values(data)},
                status_code=422,
            )
        return render(request, "accounts/password_reset_sent.html.j2", {"email": typed_values(data).get("email", "")})

    @get("/{token:str}", name="accounts:password_reset_form")
    async def new_password(
        self, request: Request, token: FromPath[str], auth_service: NamedDependency[AuthService]
    ) -> Template:
        """The new-password form of a valid link, or a page saying why the link does not work."""
        try:
            await auth_service.check_reset_token(token)
        except TokenInvalidError as error:
            return _token_page(request, error, _("Password reset"))
        return render(request, "accounts/password_reset_form.html.j2", {"token": token})

    @post("/{token:str}", name="accounts:password_reset_set")
    async def set_password(
        self, request: Request, token: FromPath[str], auth_service: NamedDependency[AuthService]
    ) -> Response[Any] | Template:
        """Set the new password, then send the person to the login page."""
        data = await form_data(request)
        try:
            await auth_service.reset_password(token, data, ip=client_ip(request))
        except TokenInvalidError as error:
            return _token_page(request, error, _("Password reset"))
        except FormInvalid as error:
            return render(
                request,
                "accounts/password_reset_form.html.j2",
                {"token": token, "errors": error.errors},
                status_code=422,
            )
        sign_out(request)
        flash(request, _("Your password has been changed. Log in with your new password."), "success")
        return see_other(request, "/login")


def _token_page(request: Request, error: TokenInvalidError, title: str) -> Template:
    return render(
        request,
        "accounts/link_invalid.html.j2",
        {"title": title, "message": error.message, "reason": error.reason, "retry_url": "/password-reset"},
        status_code=error.status_code,
    )


class LocaleController(Controller):
    include_in_schema = False

    @post("/locale", name="accounts:locale")
    async def choose(self, request: Request, account_service: NamedDependency[AccountService]) -> Response[Any]:
        """Remember the language (session, and the user's account when logged in); back to ``next``."""
        data = await form_data(request)
        viewer = get_viewer(request)
        locale, next_value = await account_service.choose_locale(data, user_id=viewer.id if viewer else None)
        request.session["locale"] = locale
        return see_other(request, safe_next(next_value, "/"))
