"""The back office's service: what each staff page shows, and the staff-account actions.

Roles and accounts go through :class:`hubcity.accounts.roles.RoleService`; jobs, the outbox and
the audit log are read through :class:`BackOfficeRepository`. Never imports Litestar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hubcity.accounts.roles import DirectoryUser, RoleService, StaffAccount
from hubcity.core.pagination import DEFAULT_PAGE_SIZE, Page, clamp_page, page_bounds
from hubcity.staff.repositories import JOB_STATUSES, NOTIFICATION_STATUSES, BackOfficeRepository


@dataclass(frozen=True)
class Dashboard:
    """Counts for the staff dashboard.

    users: accounts not deleted; staff: users with an agency role; organisations: kind → count;
    jobs: status → count; notifications: status → count (``pending`` = not sent yet).
    """

    users: int
    staff: int
    organisations: dict[str, int]
    jobs: dict[str, int]
    notifications: dict[str, int]


def _known(value: str, allowed: Sequence[str]) -> str:
    value = (value or "").strip()
    return value if value in allowed else ""


class BackOfficeService:
    """One method per staff page or action. ``page``: 1-based page number of :data:`DEFAULT_PAGE_SIZE` rows."""

    def __init__(self, roles: RoleService, repository: BackOfficeRepository | None = None):
        self.roles = roles
        self.repository = repository or BackOfficeRepository()

    async def dashboard(self) -> Dashboard:
        counts = await self.roles.counts()
        return Dashboard(
            users=counts["users"],
            staff=counts["staff"],
            organisations=counts["organisations"],
            jobs=await self.repository.job_counts(),
            notifications=await self.repository.notification_counts(),
        )

    async def users(self, search: str = "", page: int = 1) -> Page[DirectoryUser]:
        """Users whose email contains ``search``, with their roles and organisations."""
        return await self.roles.directory(search, page, DEFAULT_PAGE_SIZE)

    async def user(self, user_id: int) -> DirectoryUser:
        """One user's directory row. Raises NotFoundError."""
        return await self.roles.directory_user(user_id)

    async def create_staff(self, form: dict[str, Any], *, by: int, ip: str = "", login_url: str = "") -> StaffAccount:
        """Create a staff account from the admin form (fields email, name, password, roles, locale).

        For an email that has an account already, only the roles are granted: the form never
        changes anyone's name, language or password.
        """
        return await self.roles.create_staff(
            form.get("email", ""),
            form.get("name", ""),
            form.get("password", ""),
            form.get("roles") or [],
            form.get("locale") or "ko",
            by=by,
            ip=ip,
            login_url=login_url,
        )

    async def grant_role(self, user_id: int, role: str, *, by: int, ip: str = "") -> DirectoryUser:
        """Grant ``role``; returns the user's row as it now is."""
        await self.roles.grant_role(user_id, role, by, ip=ip)
        return await self.roles.directory_user(user_id)

    async def revoke_role(self, user_id: int, role: str, *, by: int, ip: str = "") -> DirectoryUser:
        """Revoke ``role``; returns the user's row as it now is. Raises ConflictError for the last admin."""
        await self.roles.revoke_role(user_id, role, by, ip=ip)
        return await self.roles.directory_user(user_id)

    async def outbox(self, status: str = "", page: int = 1) -> Page[dict[str, Any]]:
        """Notifications, newest first; ``status`` one of :data:`NOTIFICATION_STATUSES` or all."""
        limit, offset = page_bounds(page)
        rows, total = await self.repository.notifications(_known(status, NOTIFICATION_STATUSES), limit, offset)
        return Page(items=rows, number=clamp_page(page), size=limit, total=total)

    async def audit(self, action_prefix: str = "", page: int = 1) -> Page[dict[str, Any]]:
        """Audit entries whose action starts with ``action_prefix`` (e.g. ``staff.``), newest first."""
        limit, offset = page_bounds(page)
        prefix = "".join(char for char in (action_prefix or "") if char.isprintable()).strip().lower()[:100]
        rows, total = await self.repository.audit_entries(prefix, limit, offset)
        return Page(items=rows, number=clamp_page(page), size=limit, total=total)

    async def jobs(self, status: str = "", page: int = 1) -> Page[dict[str, Any]]:
        """Jobs, newest first; ``status`` one of :data:`JOB_STATUSES` or all."""
        limit, offset = page_bounds(page)
        rows, total = await self.repository.jobs(_known(status, JOB_STATUSES), limit, offset)
        return Page(items=rows, number=clamp_page(page), size=limit, total=total)
