"""The back office's pages: dashboard (any agency role), users and roles, outbox, audit, jobs (admin).

Each page is a full page, or its fragment for HTMX. The user search answers ``HX-Target:
user-results`` with only the results; grant and revoke buttons answer HTMX with the user's
updated row, and browsers without JavaScript with a redirect back to the list.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from hubcity.accounts.labels import KIND_LABELS, ROLE_LABELS, STAFF_ROLE_LABELS
from hubcity.accounts.roles import RoleService
from hubcity.core.errors import AppError, FormInvalid, NotFoundError
from hubcity.core.guards import requires_role, requires_staff
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.params import ObjectId
from hubcity.core.passwords import MIN_PASSWORD_LENGTH
from hubcity.core.templating import get_viewer, page, wants_fragment
from hubcity.core.viewer import STAFF_ROLES
from hubcity.staff.repositories import (
    JOB_STATUS_LABELS,
    JOB_STATUSES,
    NOTIFICATION_STATUS_LABELS,
    NOTIFICATION_STATUSES,
)
from hubcity.staff.services import BackOfficeService

admin_only = requires_role("admin")
USER_RESULTS_TARGET = "user-results"
PageNumber = Annotated[int, QueryParameter(name="page")]  # clamped by core.pagination
Search = Annotated[str, QueryParameter(name="q", max_length=320)]
StatusKey = Annotated[str, QueryParameter(name="status", max_length=16)]
ActionPrefix = Annotated[str, QueryParameter(name="action", max_length=100)]
BackOffice = NamedDependency[BackOfficeService]


def provide_back_office(notifier: NamedDependency[Notifier]) -> BackOfficeService:
    return BackOfficeService(RoleService(notifier))


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def as_json(value: Any) -> str:
    """Audit before/after as indented JSON, Korean left readable."""
    if isinstance(value, str):
        try:
            value = json.loads(value or "{}")
        except ValueError:
            return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True, default=str)


def _common() -> dict[str, Any]:
    """Labels and helpers every staff template uses."""
    return {
        "role_labels": STAFF_ROLE_LABELS,
        "member_role_labels": ROLE_LABELS,
        "kind_labels": KIND_LABELS,
        "staff_roles": STAFF_ROLES,
        "min_password_length": MIN_PASSWORD_LENGTH,
        "as_json": as_json,
        "job_status_labels": JOB_STATUS_LABELS,
        "notification_status_labels": NOTIFICATION_STATUS_LABELS,
    }


def partial(request: Request, template_name: str, context: dict[str, Any], status_code: int = 200) -> Template:
    """A template that is only a piece of a page (a table row, the search results), for HTMX swaps."""
    ctx = {"viewer": get_viewer(request), "locale": current_locale(), **_common(), **context}
    return Template(template_name=template_name, context=ctx, status_code=status_code)


def users_url(q: str = "", page_number: int = 1) -> str:
    params = {key: value for key, value in (("q", q), ("page", page_number)) if value and value != 1}
    return "/staff/users" + (f"?{urlencode(params)}" if params else "")


class StaffController(Controller):
    path = "/staff"
    guards = [requires_staff]
    include_in_schema = False
    dependencies = {"back_office": Provide(provide_back_office, sync_to_thread=False)}

    @get("/", name="staff:dashboard")
    async def dashboard(self, request: Request, back_office: BackOffice) -> Template:
        """Counts at a glance: users, organisations by kind, jobs, notifications."""
        return page(request, "staff/dashboard.html.j2", {**_common(), "stats": await back_office.dashboard()})

    # -- users and roles ---------------------------------------------------------------------
    @get("/users", name="staff:users", guards=[admin_only])
    async def users(
        self,
        request: Request,
        back_office: BackOffice,
        q: Search = "",
        page_number: PageNumber = 1,
    ) -> Template:
        """Users with their roles and organisations; ``q`` searches emails."""
        results = await back_office.users(q, page_number)
        context = {"q": q, "results": results, "row_errors": {}}
        if wants_fragment(request) and request.headers.get("hx-target") == USER_RESULTS_TARGET:
            return partial(request, "staff/_user_results.html.j2", context)
        return page(request, "staff/users.html.j2", {**_common(), **context})

    @get("/users/new", name="staff:user_new", guards=[admin_only])
    async def new_user(self, request: Request) -> Template:
        """The form creating a staff account."""
        return page(request, "staff/user_new.html.j2", {**_common(), "errors": {}, "values": {"locale": "ko"}})

    @post("/users", name="staff:user_create", guards=[admin_only], status_code=200)
    async def create_user(self, request: Request, back_office: BackOffice) -> Response[Any]:
        """Create a staff account, or grant the roles to the existing account with that email
        (leaving its name, password and language alone); 422 with the form on bad input."""
        form = await request.form()
        data = {key: form.get(key, "") for key in ("email", "name", "password", "locale")}
        data["roles"] = form.getall("roles", [])
        viewer = get_viewer(request)
        try:
            account = await back_office.create_staff(
                data, by=viewer.id, ip=_ip(request), login_url=request.app.state.settings.public_url + "/login"
            )
        except FormInvalid as error:
            values = {key: value for key, value in data.items() if key != "password"}
            return page(
                request,
                "staff/user_new.html.j2",
                {**_common(), "errors": error.errors, "values": values},
                status_code=error.status_code,
            )
        if account.created:
            flash(request, _("The staff account %(email)s was created.", email=account.email), "success")
        elif account.granted:
            granted = ", ".join(_(STAFF_ROLE_LABELS.get(role, role)) for role in account.granted)
            flash(
                request,
                _(
                    "%(email)s already had an account: it was given the roles %(roles)s. Its name, password and "
                    "language were not changed.",
                    email=account.email,
                    roles=granted,
                ),
                "success",
            )
        else:
            flash(
                request,
                _("%(email)s already had an account with these roles; nothing was changed.", email=account.email),
                "success",
            )
        target = users_url(account.email)
        return ClientRedirect(target) if wants_fragment(request) else Redirect(target, status_code=303)

    async def _role_change(self, request: Request, back_office: BackOffice, user_id: int, grant: bool) -> Response[Any]:
        form = await request.form()
        role = str(form.get("role", ""))
        q = str(form.get("q", ""))[:320]
        try:
            page_number = max(int(form.get("page", 1) or 1), 1)
        except ValueError:
            page_number = 1
        viewer = get_viewer(request)
        change = back_office.grant_role if grant else back_office.revoke_role
        try:
            user = await change(user_id, role, by=viewer.id, ip=_ip(request))
        except NotFoundError:
            raise
        except AppError as error:
            message = error.errors.get("role", error.message) if isinstance(error, FormInvalid) else error.message
            if wants_fragment(request):
                user = await back_office.user(user_id)
                return partial(
                    request, "staff/_user_row.html.j2", {"user": user, "q": q, "page_number": page_number, "row_error": message}, error.status_code
                )
            results = await back_office.users(q, page_number)
            return page(
                request,
                "staff/users.html.j2",
                {**_common(), "q": q, "results": results, "row_errors": {user_id: message}},
                status_code=error.status_code,
            )
        label = _(STAFF_ROLE_LABELS.get(role, role))
        if grant:
            done = _("%(email)s now has the role %(role)s.", email=user.email, role=label)
        else:
            done = _("%(email)s no longer has the role %(role)s.", email=user.email, role=label)
        if wants_fragment(request):
            return partial(request, "staff/_user_row.html.j2", {"user": user, "q": q, "page_number": page_number, "row_notice": done})
        flash(request, done, "success")
        return Redirect(users_url(q, page_number), status_code=303)

    @post("/users/{user_id:int}/roles", name="staff:role_grant", guards=[admin_only], status_code=200)
    async def grant_role(self, request: Request, back_office: BackOffice, user_id: ObjectId) -> Response[Any]:
        """Grant the role in field ``role`` to user ``user_id``."""
        return await self._role_change(request, back_office, user_id, grant=True)

    @post("/users/{user_id:int}/roles/revoke", name="staff:role_revoke", guards=[admin_only], status_code=200)
    async def revoke_role(self, request: Request, back_office: BackOffice, user_id: ObjectId) -> Response[Any]:
        """Revoke the role in field ``role`` from user ``user_id`` (never the last administrator's)."""
        return await self._role_change(request, back_office, user_id, grant=False)

    # -- outbox, audit, jobs -----------------------------------------------------------------
    @get("/outbox", name="staff:outbox", guards=[admin_only])
    async def outbox(
        self,
        request: Request,
        back_office: BackOffice,
        status: StatusKey = "",
        page_number: PageNumber = 1,
    ) -> Template:
        """The email outbox, newest first, each body viewable."""
        results = await back_office.outbox(status, page_number)
        context = {"results": results, "status": status if status in NOTIFICATION_STATUSES else "", "statuses": NOTIFICATION_STATUSES}
        return page(request, "staff/outbox.html.j2", {**_common(), **context})

    @get("/audit", name="staff:audit", guards=[admin_only])
    async def audit(
        self,
        request: Request,
        back_office: BackOffice,
        action: ActionPrefix = "",
        page_number: PageNumber = 1,
    ) -> Template:
        """Audit entries, newest first; ``action`` filters by prefix (``staff.``, ``account.login``)."""
        results = await back_office.audit(action, page_number)
        return page(request, "staff/audit.html.j2", {**_common(), "results": results, "action": action})

    @get("/jobs", name="staff:jobs", guards=[admin_only])
    async def jobs(
        self,
        request: Request,
        back_office: BackOffice,
        status: StatusKey = "",
        page_number: PageNumber = 1,
    ) -> Template:
        """Background jobs with status, attempts, last error and when they run next."""
        results = await back_office.jobs(status, page_number)
        context = {"results": results, "status": status if status in JOB_STATUSES else "", "statuses": JOB_STATUSES}
        return page(request, "staff/jobs.html.j2", {**_common(), **context})
