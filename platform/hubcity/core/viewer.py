"""Who is looking: the logged-in user with their agency roles and organisations.

Loaded once per request by the context middleware from the session's ``user_id`` and kept on
``request.state.viewer``; guards, repositories' scoping and templates all read this one object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hubcity.db.tables import Membership, StaffRole, User

STAFF_ROLES: tuple[str, ...] = ("admin", "program_manager", "finance", "reviewer")


@dataclass(frozen=True)
class OrgMembership:
    organisation_id: int
    kind: str  # startup | corporate | agency
    name_ko: str
    name_en: str
    role: str  # owner | member

    def name(self, locale: str) -> str:
        """The organisation's name in ``locale``, falling back to the other language."""
        first, second = (self.name_ko, self.name_en) if locale == "ko" else (self.name_en, self.name_ko)
        return first or second


@dataclass(frozen=True)
class Viewer:
    """A logged-in user. ``staff_roles``: subset of :data:`STAFF_ROLES`.

    sessions_valid_after: sessions begun before this instant are over (set when the password
    is reset or changed); None when every session is valid.
    """

    id: int
    email: str
    name: str
    locale: str
    staff_roles: frozenset[str] = field(default_factory=frozenset)
    memberships: tuple[OrgMembership, ...] = ()
    sessions_valid_after: datetime | None = None

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_roles)

    def has_role(self, *roles: str) -> bool:
        """True when the viewer holds any of ``roles``; ``admin`` holds every role."""
        return "admin" in self.staff_roles or bool(self.staff_roles.intersection(roles))

    def membership_in(self, organisation_id: int) -> OrgMembership | None:
        return next((m for m in self.memberships if m.organisation_id == organisation_id), None)

    @property
    def primary_org(self) -> OrgMembership | None:
        return self.memberships[0] if self.memberships else None

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(m.kind for m in self.memberships)


async def load_viewer(user_id: int) -> Viewer | None:
    """The active, not deleted user ``user_id`` as a :class:`Viewer`, or None."""
    user = (
        await User.select(User.id, User.email, User.name, User.locale, User.sessions_valid_after)
        .where((User.id == user_id) & (User.is_active.eq(True)) & (User.deleted_at.is_null()))
        .first()
        .run()
    )
    if user is None:
        return None
    roles = await StaffRole.select(StaffRole.role).where(StaffRole.user == user_id).run()
    rows = (
        await Membership.select(
            Membership.organisation.id,
            Membership.organisation.kind,
            Membership.organisation.name_ko,
            Membership.organisation.name_en,
            Membership.role,
        )
        .where(Membership.user == user_id)
        .order_by(Membership.id)
        .run()
    )
    return Viewer(
        id=user["id"],
        email=user["email"],
        name=user["name"],
        locale=user["locale"],
        sessions_valid_after=user["sessions_valid_after"],
        staff_roles=frozenset(r["role"] for r in roles),
        memberships=tuple(
            OrgMembership(
                organisation_id=r["organisation.id"],
                kind=r["organisation.kind"],
                name_ko=r["organisation.name_ko"],
                name_en=r["organisation.name_en"],
                role=r["role"],
            )
            for r in rows
        ),
    )
