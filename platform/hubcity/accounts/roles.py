"""Agency staff roles: granting and revoking them, creating staff accounts, the staff directory.

The roles are :data:`hubcity.core.viewer.STAFF_ROLES` (``admin``, ``program_manager``,
``finance``, ``reviewer``), one :class:`~hubcity.db.tables.StaffRole` row per role held. Every
grant and revocation writes an audit entry (``staff.role_granted`` / ``staff.role_revoked``) with
the user's roles before and after. The last administrator cannot lose the ``admin`` role, so the
agency never locks itself out of its own back office.

:class:`RoleRepository` holds the queries; :class:`RoleService` the rules and transactions (it is
what the staff pages, the ``hubcity create-staff`` command and the demo content call).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Literal

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.functions.aggregate import Count
from pydantic import BaseModel, ConfigDict, Field, field_validator

from hubcity.accounts.labels import STAFF_ROLE_LABELS
from hubcity.accounts.schemas import lookup_email, normalise_email
from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import ConflictError, FormInvalid, NotFoundError
from hubcity.core.forms import validate
from hubcity.core.i18n import LANGUAGE_NAMES, N_
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.pagination import DEFAULT_PAGE_SIZE, Page, clamp_page, page_bounds
from hubcity.core.queries import contains
from hubcity.core.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from hubcity.core.viewer import STAFF_ROLES
from hubcity.db.tables import Membership, Organisation, StaffRole, User

ADMIN = "admin"
STAFF_ACCOUNT_EMAIL = "staff_account_created"
ORGANISATION_KINDS: tuple[str, ...] = ("startup", "corporate", "agency")


# -- input -------------------------------------------------------------------------------------
def role_choices() -> str:
    """The agency roles as people read them, with the key to type: ``Administrator (admin), …``."""
    return ", ".join(f"{_(STAFF_ROLE_LABELS[role])} ({role})" for role in STAFF_ROLES)


def _check_roles(values: Iterable[str]) -> list[str]:
    roles: list[str] = []
    for value in values:
        role = (value or "").strip()
        if role not in STAFF_ROLES:
            raise ValueError(
                _("%(role)s is not an agency role; choose from %(roles)s.", role=repr(role), roles=role_choices())
            )
        if role not in roles:
            roles.append(role)
    return roles


class StaffRolesGrant(BaseModel):
    """Staff roles for the account with ``email`` (an existing user: name and password are not needed)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    single_line: ClassVar[bool] = True
    choice_labels: ClassVar[dict[str, dict[str, str]]] = {"locale": LANGUAGE_NAMES}

    email: str = Field(title=N_("Email"), min_length=1, max_length=320)
    roles: list[str] = Field(title=N_("Roles"))
    locale: Literal["ko", "en"] = Field(title=N_("Language"), default="ko")

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)

    @field_validator("roles", mode="before")
    @classmethod
    def _roles_list(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [value] if value.strip() else []
        return list(value) if isinstance(value, (tuple, set, frozenset)) else value

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, value: list[str]) -> list[str]:
        roles = _check_roles(value)
        if not roles:
            raise ValueError(_("choose at least one agency role."))
        return roles


class StaffAccountCreate(StaffRolesGrant):
    """A new staff account. Field titles name fields in errors."""

    name: str = Field(title=N_("Name"), min_length=1, max_length=100)
    password: str = Field(title=N_("Password"), min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)


class RoleChoice(BaseModel):
    """The role picked on a grant or revoke button."""

    single_line: ClassVar[bool] = True

    role: str = Field(title=N_("Role"))

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if not (value or "").strip():
            raise ValueError(_("choose one of %(roles)s.", roles=role_choices()))
        return _check_roles([value])[0]


# -- output ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrgRef:
    """A user's organisation as the directory shows it."""

    id: int
    kind: str
    name_ko: str
    name_en: str
    role: str  # owner | member


@dataclass(frozen=True)
class DirectoryUser:
    """One row of the staff directory. ``roles`` in :data:`STAFF_ROLES` order."""

    id: int
    email: str
    name: str
    locale: str
    is_active: bool
    created_at: datetime | None
    last_login_at: datetime | None
    roles: tuple[str, ...]
    organisations: tuple[OrgRef, ...]

    @property
    def missing_roles(self) -> tuple[str, ...]:
        """The agency roles this user does not hold yet (the grant choices)."""
        return tuple(role for role in STAFF_ROLES if role not in self.roles)


@dataclass(frozen=True)
class StaffAccount:
    """What :meth:`RoleService.create_staff` did. ``created``: a new user (else an existing one
    was given the roles); ``password_reset``: an existing user's password was replaced."""

    user_id: int
    email: str
    created: bool
    roles: tuple[str, ...]
    granted: tuple[str, ...]
    password_reset: bool = False


def _ordered(roles: Iterable[str]) -> tuple[str, ...]:
    held = set(roles)
    return tuple(role for role in STAFF_ROLES if role in held) + tuple(sorted(held - set(STAFF_ROLES)))


def write_transaction() -> AbstractAsyncContextManager[Any]:
    """A transaction for read-then-write rules: ``BEGIN IMMEDIATE`` on SQLite (one writer at a time)."""
    engine = StaffRole._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


# -- queries -----------------------------------------------------------------------------------
class RoleRepository:
    """Every query on users' staff roles and the staff directory. Callers are agency staff."""

    async def user(self, user_id: int) -> dict[str, Any] | None:
        """The user ``user_id`` (not deleted), or None."""
        return (
            await User.select(User.id, User.email, User.name, User.locale, User.is_active)
            .where((User.id == user_id) & User.deleted_at.is_null())
            .first()
            .run()
        )

    async def user_by_email(self, email: str) -> dict[str, Any] | None:
        return (
            await User.select(User.id, User.email, User.name, User.locale, User.is_active)
            .where((User.email == email) & User.deleted_at.is_null())
            .first()
            .run()
        )

    async def roles_of(self, user_id: int) -> tuple[str, ...]:
        rows = await StaffRole.select(StaffRole.role).where(StaffRole.user == user_id).run()
        return _ordered(row["role"] for row in rows)

    async def add_role(self, user_id: int, role: str, granted_by: int | None) -> None:
        await StaffRole.insert(StaffRole(user=user_id, role=role, granted_at=utcnow(), granted_by=granted_by)).run()

    async def remove_role(self, user_id: int, role: str) -> None:
        await StaffRole.delete().where((StaffRole.user == user_id) & (StaffRole.role == role)).run()

    async def admin_user_ids(self, lock: bool = False) -> set[int]:
        """Active, not deleted users holding ``admin``. ``lock``: lock those rows (PostgreSQL)."""
        query = StaffRole.select(StaffRole.user).where(
            (StaffRole.role == ADMIN) & StaffRole.user.is_active.eq(True) & StaffRole.user.deleted_at.is_null()
        )
        if lock and not isinstance(StaffRole._meta.db, SQLiteEngine):
            query = query.lock_rows(of=(StaffRole,))
        return {row["user"] for row in await query.run()}

    async def insert_user(self, *, email: str, name: str, password_hash: str, locale: str) -> int:
        user = User(
            email=email, name=name, password_hash=password_hash, locale=locale, is_active=True, created_at=utcnow()
        )
        await user.save().run()
        return user.id

    async def set_password(self, user_id: int, password_hash: str) -> None:
        """Replace user ``user_id``'s password and end their sessions begun before now."""
        await User.update({User.password_hash: password_hash, User.sessions_valid_after: utcnow()}).where(
            User.id == user_id
        ).run()

    def _directory_where(self, search: str) -> Any:
        where = User.deleted_at.is_null()
        if search:
            where = where & contains(User.email, search)
        return where

    async def directory(self, search: str, limit: int, offset: int) -> tuple[list[DirectoryUser], int]:
        """Users whose email contains ``search`` (lower-cased), by email; with the total count."""
        where = self._directory_where(search)
        total = await User.count().where(where).run()
        users = await (
            User.select(
                User.id, User.email, User.name, User.locale, User.is_active, User.created_at, User.last_login_at
            )
            .where(where)
            .order_by(User.email)
            .limit(limit)
            .offset(offset)
            .run()
        )
        return await self._with_roles_and_organisations(users), total

    async def directory_user(self, user_id: int) -> DirectoryUser | None:
        users = await (
            User.select(
                User.id, User.email, User.name, User.locale, User.is_active, User.created_at, User.last_login_at
            )
            .where((User.id == user_id) & User.deleted_at.is_null())
            .run()
        )
        rows = await self._with_roles_and_organisations(users)
        return rows[0] if rows else None

    async def _with_roles_and_organisations(self, users: Sequence[dict[str, Any]]) -> list[DirectoryUser]:
        ids = [user["id"] for user in users]
        roles: dict[int, list[str]] = {}
        organisations: dict[int, list[OrgRef]] = {}
        if ids:
            for row in await StaffRole.select(StaffRole.user, StaffRole.role).where(StaffRole.user.is_in(ids)).run():
                roles.setdefault(row["user"], []).append(row["role"])
            memberships = await (
                Membership.select(
                    Membership.user,
                    Membership.role,
                    Membership.organisation.id,
                    Membership.organisation.kind,
                    Membership.organisation.name_ko,
                    Membership.organisation.name_en,
                )
                .where(Membership.user.is_in(ids))
                .order_by(Membership.id)
                .run()
            )
            for row in memberships:
                organisations.setdefault(row["user"], []).append(
                    OrgRef(
                        id=row["organisation.id"],
                        kind=row["organisation.kind"],
                        name_ko=row["organisation.name_ko"],
                        name_en=row["organisation.name_en"],
                        role=row["role"],
                    )
                )
        return [
            DirectoryUser(
                id=user["id"],
                email=user["email"],
                name=user["name"],
                locale=user["locale"],
                is_active=user["is_active"],
                created_at=user["created_at"],
                last_login_at=user["last_login_at"],
                roles=_ordered(roles.get(user["id"], [])),
                organisations=tuple(organisations.get(user["id"], [])),
            )
            for user in users
        ]

    async def counts(self) -> dict[str, Any]:
        """``users`` (not deleted), ``staff`` (users holding a role), ``organisations`` by kind."""
        users = await User.count().where(User.deleted_at.is_null()).run()
        staff_rows = await StaffRole.select(StaffRole.user).where(StaffRole.user.deleted_at.is_null()).distinct().run()
        by_kind = (
            await Organisation.select(Organisation.kind, Count(Organisation.id, alias="n"))
            .group_by(Organisation.kind)
            .run()
        )
        organisations = {kind: 0 for kind in ORGANISATION_KINDS}
        organisations.update({row["kind"]: row["n"] for row in by_kind})
        return {"users": users, "staff": len(staff_rows), "organisations": organisations}

    async def staff_with_emails(self, emails: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
        """(email, roles) of the users among ``emails`` who hold an agency role, in the order given."""
        wanted = list(emails)
        if not wanted:
            return []
        rows = await (
            StaffRole.select(StaffRole.user.email.as_alias("email"), StaffRole.role)
            .where(StaffRole.user.email.is_in(wanted) & StaffRole.user.deleted_at.is_null())
            .run()
        )
        held: dict[str, list[str]] = {}
        for row in rows:
            held.setdefault(row["email"], []).append(row["role"])
        return [(email, _ordered(held[email])) for email in wanted if email in held]


# -- rules -------------------------------------------------------------------------------------
class RoleService:
    """Agency roles and staff accounts.

    notifier: sends ``staff_account_created`` to a new staff member (no email when None).
    Errors: :class:`FormInvalid` (a field broke a rule; nothing saved), :class:`NotFoundError`
    (no such user), :class:`ConflictError` (revoking the last administrator).
    """

    def __init__(self, notifier: Notifier | None = None, repository: RoleRepository | None = None):
        self.notifier = notifier
        self.repository = repository or RoleRepository()

    async def _user(self, user_id: int) -> dict[str, Any]:
        user = await self.repository.user(user_id)
        if user is None:
            raise NotFoundError(_("There is no user with this id."))
        return user

    async def grant_role(self, user_id: int, role: str, by: int | None, *, ip: str = "") -> tuple[str, ...]:
        """Give user ``user_id`` agency role ``role``; returns the roles held afterwards.

        ``by``: the acting user's id (None for the command line). Granting a role already held
        changes nothing and writes no audit entry.
        """
        choice = validate(RoleChoice, {"role": role})
        async with write_transaction():
            user = await self._user(user_id)
            before = await self.repository.roles_of(user_id)
            if choice.role in before:
                return before
            await self.repository.add_role(user_id, choice.role, by)
            after = _ordered([*before, choice.role])
            await audit.record(
                "staff.role_granted",
                actor_id=by,
                object_type="user",
                object_id=user_id,
                before={"email": user["email"], "roles": list(before)},
                after={"email": user["email"], "roles": list(after), "granted": choice.role},
                ip=ip,
            )
        return after

    async def revoke_role(self, user_id: int, role: str, by: int | None, *, ip: str = "") -> tuple[str, ...]:
        """Take agency role ``role`` from user ``user_id``; returns the roles held afterwards.

        Raises :class:`ConflictError` when that would leave the agency without an active
        administrator. Revoking a role not held changes nothing.
        """
        choice = validate(RoleChoice, {"role": role})
        async with write_transaction():
            user = await self._user(user_id)
            before = await self.repository.roles_of(user_id)
            if choice.role not in before:
                return before
            if choice.role == ADMIN:
                admins = await self.repository.admin_user_ids(lock=True)
                if not admins - {user_id}:
                    raise ConflictError(
                        _(
                            "%(email)s is the last administrator. Grant the administrator role to someone else "
                            "before revoking it.",
                            email=user["email"],
                        ),
                        code="last_admin",
                    )
            await self.repository.remove_role(user_id, choice.role)
            after = tuple(r for r in before if r != choice.role)
            await audit.record(
                "staff.role_revoked",
                actor_id=by,
                object_type="user",
                object_id=user_id,
                before={"email": user["email"], "roles": list(before)},
                after={"email": user["email"], "roles": list(after), "revoked": choice.role},
                ip=ip,
            )
        return after

    async def create_staff(
        self,
        email: str,
        name: str,
        password: str,
        roles: Sequence[str],
        locale: str = "ko",
        *,
        by: int | None = None,
        ip: str = "",
        login_url: str = "",
        reset_password: bool = False,
    ) -> StaffAccount:
        """Create a staff account, or give an existing user (same email) the roles.

        An existing account keeps its name, language and password, so granting roles can never
        take over someone's account; ``name`` and ``password`` are then not needed. Only
        ``reset_password`` (``hubcity create-staff --reset-password``, the operator's recovery
        path) replaces an existing user's password, which ends the user's other sessions.

        roles: names from :data:`STAFF_ROLES` (at least one). The password is hashed with
        argon2id. A new account is emailed ``staff_account_created`` (with ``login_url`` when
        given). Raises :class:`FormInvalid` naming the field (``email``, ``name``, ``password``,
        ``roles``, ``locale``); nothing is saved then.
        """
        raw = {"email": email, "name": name, "password": password, "roles": list(roles), "locale": locale}
        incomplete: FormInvalid | None = None
        try:
            data: StaffRolesGrant = validate(StaffAccountCreate, raw)
        except FormInvalid as error:
            if set(error.errors) - {"name", "password"}:
                raise
            incomplete, data = error, validate(StaffRolesGrant, raw)
        password_hash = hash_password(password) if incomplete is None or "password" not in incomplete.errors else ""
        async with write_transaction():
            existing = await self.repository.user_by_email(data.email)
            if existing is None and incomplete is not None:
                raise incomplete
            if existing is not None and reset_password and not password_hash:
                raise FormInvalid({"password": incomplete.errors["password"]} if incomplete else {})
            if existing is None:
                assert isinstance(data, StaffAccountCreate)
                user_id = await self.repository.insert_user(
                    email=data.email, name=data.name, password_hash=password_hash, locale=data.locale
                )
            else:
                user_id = existing["id"]
                if reset_password:
                    await self.repository.set_password(user_id, password_hash)
            granted: list[str] = []
            for role in data.roles:
                held = await self.repository.roles_of(user_id)
                if role not in held:
                    await self.grant_role(user_id, role, by, ip=ip)
                    granted.append(role)
            held = await self.repository.roles_of(user_id)
            if existing is None:
                assert isinstance(data, StaffAccountCreate)
                await audit.record(
                    "staff.account_created",
                    actor_id=by,
                    object_type="user",
                    object_id=user_id,
                    after={"email": data.email, "name": data.name, "locale": data.locale, "roles": list(held)},
                    ip=ip,
                )
                if self.notifier is not None:
                    await self.notifier.notify(
                        to_email=data.email,
                        locale=data.locale,
                        template=STAFF_ACCOUNT_EMAIL,
                        context={
                            "name": data.name,
                            "roles": list(held),
                            "role_labels": STAFF_ROLE_LABELS,
                            "login_url": login_url,
                        },
                        recipient_id=user_id,
                    )
            elif granted or reset_password:
                await audit.record(
                    "staff.account_updated",
                    actor_id=by,
                    object_type="user",
                    object_id=user_id,
                    before={"email": data.email},
                    after={"email": data.email, "roles": list(held), "password_reset": reset_password},
                    ip=ip,
                )
        return StaffAccount(
            user_id=user_id,
            email=data.email,
            created=existing is None,
            roles=held,
            granted=tuple(granted),
            password_reset=existing is not None and reset_password,
        )

    async def directory(
        self, search: str = "", page: int = 1, page_size: int = DEFAULT_PAGE_SIZE
    ) -> Page[DirectoryUser]:
        """Users (not deleted) whose email contains ``search`` (``%`` and ``_`` taken literally,
        control characters dropped), with roles and organisations, by email."""
        search = "".join(char for char in (search or "") if char.isprintable()).strip().lower()[:320]
        limit, offset = page_bounds(page, page_size)
        rows, total = await self.repository.directory(search, limit, offset)
        return Page(items=rows, number=clamp_page(page), size=page_size, total=total)

    async def directory_user(self, user_id: int) -> DirectoryUser:
        """One directory row. Raises :class:`NotFoundError`."""
        row = await self.repository.directory_user(user_id)
        if row is None:
            raise NotFoundError(_("There is no user with this id."))
        return row

    async def counts(self) -> dict[str, Any]:
        """See :meth:`RoleRepository.counts`."""
        return await self.repository.counts()

    async def staff_with_emails(self, emails: Iterable[str]) -> list[tuple[str, tuple[str, ...]]]:
        """(email, roles) of those ``emails`` that belong to staff (``hubcity serve`` lists the demo logins)."""
        return await self.repository.staff_with_emails(normalise_email_list(emails))


def normalise_email_list(emails: Iterable[str]) -> list[str]:
    return [lookup_email(email) for email in emails]
