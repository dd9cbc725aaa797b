"""Every query of the accounts domain. Rows come back as dicts.

Object-level checks live here: :meth:`OrganisationRepository.visible_to` only finds an
organisation the viewer belongs to (or any, for agency staff), so a page or endpoint built on
it cannot leak another organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.functions.aggregate import Count

from hubcity.db.tables import (
    Consent,
    Invitation,
    Membership,
    Organisation,
    PasswordResetToken,
    StaffRole,
    User,
)


def write_transaction() -> Any:
    """A transaction for writes (``async with write_transaction():``); IMMEDIATE on SQLite so a
    read-then-write cannot fail with "database is locked"."""
    engine = User._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


class UserRepository:
    """Users. ``email`` is always passed lower-cased."""

    async def find_by_email(self, email: str) -> dict[str, Any] | None:
        """The active, not deleted user with ``email`` (with ``password_hash``), or None."""
        return (
            await User.select()
            .where((User.email == email) & (User.is_active.eq(True)) & (User.deleted_at.is_null()))
            .first()
            .run()
        )

    async def email_taken(self, email: str) -> bool:
        return await User.exists().where(User.email == email).run()

    async def get(self, user_id: int) -> dict[str, Any] | None:
        """The active, not deleted user ``user_id`` (with ``password_hash``), or None."""
        return (
            await User.select()
            .where((User.id == user_id) & (User.is_active.eq(True)) & (User.deleted_at.is_null()))
            .first()
            .run()
        )

    async def insert(self, *, email: str, password_hash: str, name: str, locale: str, now: datetime) -> int:
        row = User(email=email, password_hash=password_hash, name=name, locale=locale, is_active=True, created_at=now)
        await row.save().run()
        return row.id

    async def update(self, user_id: int, values: dict[str, Any]) -> None:
        """Set ``values`` (column name → value) on user ``user_id``."""
        await User.update({getattr(User, key): value for key, value in values.items()}).where(User.id == user_id).run()

    async def set_password(self, user_id: int, password_hash: str, now: datetime) -> None:
        """Give user ``user_id`` a new password and end their sessions begun before ``now``."""
        await User.update({User.password_hash: password_hash, User.sessions_valid_after: now}).where(
            User.id == user_id
        ).run()

    async def anonymise(self, user_id: int, now: datetime) -> None:
        """Erase the personal data of user ``user_id``, keeping the row for audit and consents."""
        await User.update(
            {
                User.email: f"deleted-{user_id}@invalid",
                User.name: "",
                User.password_hash: "",
                User.deleted_at: now,
                User.is_active: False,
                User.last_login_at: None,
            }
        ).where(User.id == user_id).run()

    async def staff_roles(self, user_id: int) -> list[str]:
        rows = await StaffRole.select(StaffRole.role).where(StaffRole.user == user_id).order_by(StaffRole.role).run()
        return [row["role"] for row in rows]

    async def delete_staff_roles(self, user_id: int) -> None:
        await StaffRole.delete().where(StaffRole.user == user_id).run()


class OrganisationRepository:
    """Organisations and memberships."""

    async def insert(self, *, kind: str, name_ko: str, name_en: str, registration_number: str, now: datetime) -> int:
        row = Organisation(
            kind=kind,
            name_ko=name_ko,
            name_en=name_en,
            business_registration_number=registration_number,
            created_at=now,
        )
        await row.save().run()
        return row.id

    async def registration_number_taken(self, registration_number: str) -> bool:
        """True when an organisation already has ``registration_number`` (10 digits)."""
        return await Organisation.exists().where(Organisation.business_registration_number == registration_number).run()

    async def visible_to(self, organisation_id: int, *, viewer_id: int, is_staff: bool) -> dict[str, Any] | None:
        """Organisation ``organisation_id`` if the viewer is one of its members or agency staff, else None."""
        query = Organisation.select().where(Organisation.id == organisation_id)
        if not is_staff:
            query = query.where(
                Organisation.id.is_in(Membership.select(Membership.organisation).where(Membership.user == viewer_id))
            )
        return await query.first().run()

    async def members(self, organisation_id: int) -> list[dict[str, Any]]:
        """[{user_id, name, email, role, since}] of active users, owners first."""
        rows = (
            await Membership.select(
                Membership.user.id.as_alias("user_id"),
                Membership.user.name.as_alias("name"),
                Membership.user.email.as_alias("email"),
                Membership.role,
                Membership.created_at.as_alias("since"),
            )
            .where((Membership.organisation == organisation_id) & (Membership.user.deleted_at.is_null()))
            .order_by(Membership.id)
            .run()
        )
        return sorted(rows, key=lambda row: row["role"] != "owner")

    async def role_of(self, user_id: int, organisation_id: int) -> str | None:
        row = (
            await Membership.select(Membership.role)
            .where((Membership.user == user_id) & (Membership.organisation == organisation_id))
            .first()
            .run()
        )
        return row["role"] if row else None

    async def has_member_with_email(self, organisation_id: int, email: str) -> bool:
        return (
            await Membership.exists()
            .where((Membership.organisation == organisation_id) & (Membership.user.email == email))
            .run()
        )

    async def set_role(self, *, user_id: int, organisation_id: int, role: str) -> None:
        await Membership.update({Membership.role: role}).where(
            (Membership.user == user_id) & (Membership.organisation == organisation_id)
        ).run()

    async def owners_count(self, organisation_id: int) -> int:
        return (
            await Membership.count()
            .where((Membership.organisation == organisation_id) & (Membership.role == "owner"))
            .run()
        )

    async def add_member(self, *, user_id: int, organisation_id: int, role: str, now: datetime) -> int:
        row = Membership(user=user_id, organisation=organisation_id, role=role, created_at=now)
        await row.save().run()
        return row.id

    async def of_user(self, user_id: int) -> list[dict[str, Any]]:
        """The user's organisations: [{id, kind, name_ko, name_en, business_registration_number,
        verified_at, role, members_count}], in the order they joined."""
        rows = (
            await Membership.select(
                Membership.organisation.id.as_alias("id"),
                Membership.organisation.kind.as_alias("kind"),
                Membership.organisation.name_ko.as_alias("name_ko"),
                Membership.organisation.name_en.as_alias("name_en"),
                Membership.organisation.business_registration_number.as_alias("business_registration_number"),
                Membership.organisation.verified_at.as_alias("verified_at"),
                Membership.role,
            )
            .where(Membership.user == user_id)
            .order_by(Membership.id)
            .run()
        )
        if not rows:
            return []
        counts = await self.member_counts([row["id"] for row in rows])
        for row in rows:
            row["members_count"] = counts.get(row["id"], 0)
        return rows

    async def member_counts(self, organisation_ids: list[int]) -> dict[int, int]:
        """Organisation id → number of members (of accounts not deleted)."""
        rows = (
            await Membership.select(Membership.organisation, Count(alias="n"))
            .where(Membership.organisation.is_in(organisation_ids) & Membership.user.deleted_at.is_null())
            .group_by(Membership.organisation)
            .run()
        )
        return {row["organisation"]: row["n"] for row in rows}

    async def blocking_deletion(self, user_id: int) -> list[dict[str, Any]]:
        """Organisations where ``user_id`` is the only owner and other members remain: [{id, name_ko, name_en}]."""
        owned = (
            await Membership.select(Membership.organisation)
            .where((Membership.user == user_id) & (Membership.role == "owner"))
            .run()
        )
        blocking = []
        for row in owned:
            organisation_id = row["organisation"]
            members = (
                await Membership.select(Membership.user, Membership.role)
                .where(Membership.organisation == organisation_id)
                .run()
            )
            owners = [m for m in members if m["role"] == "owner"]
            if len(owners) == 1 and len(members) > 1:
                org = (
                    await Organisation.select(Organisation.id, Organisation.name_ko, Organisation.name_en)
                    .where(Organisation.id == organisation_id)
                    .first()
                    .run()
                )
                blocking.append(org)
        return blocking

    async def left_alone(self, user_id: int) -> list[dict[str, Any]]:
        """Organisations whose only member is ``user_id`` (as owner): [{id, name_ko, name_en}].

        Deleting the account leaves them without members; they remain, and staff can reassign them.
        """
        owned = (
            await Membership.select(Membership.organisation)
            .where((Membership.user == user_id) & (Membership.role == "owner"))
            .run()
        )
        ids = [row["organisation"] for row in owned]
        if not ids:
            return []
        counts = await self.member_counts(ids)
        alone = [organisation_id for organisation_id in ids if counts.get(organisation_id, 0) <= 1]
        if not alone:
            return []
        return (
            await Organisation.select(Organisation.id, Organisation.name_ko, Organisation.name_en)
            .where(Organisation.id.is_in(alone))
            .order_by(Organisation.id)
            .run()
        )

    async def delete_memberships(self, user_id: int) -> list[int]:
        """Remove all of ``user_id``'s memberships; returns the organisation ids they were in."""
        rows = await Membership.select(Membership.organisation).where(Membership.user == user_id).run()
        await Membership.delete().where(Membership.user == user_id).run()
        return [row["organisation"] for row in rows]


class ConsentRepository:
    """Consent rows: one per giving; withdrawing stamps ``withdrawn_at`` and keeps the row."""

    async def insert(self, *, user_id: int, purpose: str, terms_version: str, now: datetime) -> int:
        row = Consent(user=user_id, purpose=purpose, terms_version=terms_version, given_at=now)
        await row.save().run()
        return row.id

    async def latest(self, user_id: int) -> dict[str, dict[str, Any]]:
        """Purpose → the user's newest consent row of that purpose (withdrawn or not)."""
        rows = await Consent.select().where(Consent.user == user_id).order_by(Consent.id).run()
        return {row["purpose"]: row for row in rows}

    async def history(self, user_id: int) -> list[dict[str, Any]]:
        """Every consent row of the user, newest first."""
        return await Consent.select().where(Consent.user == user_id).order_by(Consent.id, ascending=False).run()

    async def withdraw(self, consent_id: int, now: datetime) -> None:
        await Consent.update({Consent.withdrawn_at: now}).where(
            (Consent.id == consent_id) & Consent.withdrawn_at.is_null()
        ).run()


class ResetTokenRepository:
    """Password-reset tokens (SHA-256 only)."""

    async def insert(self, *, user_id: int, token_hash: str, now: datetime, expires_at: datetime) -> int:
        row = PasswordResetToken(user=user_id, token_hash=token_hash, created_at=now, expires_at=expires_at)
        await row.save().run()
        return row.id

    async def find(self, token_hash: str) -> dict[str, Any] | None:
        """The token row with ``token_hash`` and its user's state (``user_active``), or None."""
        return (
            await PasswordResetToken.select(
                PasswordResetToken.all_columns(),
                PasswordResetToken.user.is_active.as_alias("user_active"),
                PasswordResetToken.user.deleted_at.as_alias("user_deleted_at"),
            )
            .where(PasswordResetToken.token_hash == token_hash)
            .first()
            .run()
        )

    async def count_since(self, user_id: int, since: datetime) -> int:
        """How many reset links user ``user_id`` was sent from ``since`` on."""
        return (
            await PasswordResetToken.count()
            .where((PasswordResetToken.user == user_id) & (PasswordResetToken.created_at >= since))
            .run()
        )

    async def close_open(self, user_id: int, now: datetime) -> None:
        """Mark every unused token of ``user_id`` as used."""
        await PasswordResetToken.update({PasswordResetToken.used_at: now}).where(
            (PasswordResetToken.user == user_id) & PasswordResetToken.used_at.is_null()
        ).run()

    async def delete_for_user(self, user_id: int) -> None:
        await PasswordResetToken.delete().where(PasswordResetToken.user == user_id).run()


class InvitationRepository:
    """Invitations to organisations (SHA-256 of the token only)."""

    async def insert(
        self,
        *,
        organisation_id: int,
        email: str,
        role: str,
        token_hash: str,
        invited_by: int,
        now: datetime,
        expires_at: datetime,
    ) -> int:
        row = Invitation(
            organisation=organisation_id,
            email=email,
            role=role,
            token_hash=token_hash,
            invited_by=invited_by,
            created_at=now,
            expires_at=expires_at,
        )
        await row.save().run()
        return row.id

    async def count_since(self, organisation_id: int, since: datetime) -> int:
        """How many invitations the organisation sent from ``since`` on (revoked ones included)."""
        return (
            await Invitation.count()
            .where((Invitation.organisation == organisation_id) & (Invitation.created_at >= since))
            .run()
        )

    def _open(self, now: datetime) -> Any:
        return Invitation.accepted_at.is_null() & Invitation.revoked_at.is_null() & (Invitation.expires_at > now)

    async def pending(self, organisation_id: int, now: datetime) -> list[dict[str, Any]]:
        """Open invitations of the organisation, newest first: [{id, email, role, created_at, expires_at}]."""
        return (
            await Invitation.select(
                Invitation.id, Invitation.email, Invitation.role, Invitation.created_at, Invitation.expires_at
            )
            .where((Invitation.organisation == organisation_id) & self._open(now))
            .order_by(Invitation.id, ascending=False)
            .run()
        )

    async def revoke_open_for(self, organisation_id: int, email: str, now: datetime) -> None:
        """Revoke open invitations of ``email`` to the organisation (a new one replaces them)."""
        await Invitation.update({Invitation.revoked_at: now}).where(
            (Invitation.organisation == organisation_id) & (Invitation.email == email) & self._open(now)
        ).run()

    async def revoke(self, invitation_id: int, organisation_id: int, now: datetime) -> dict[str, Any] | None:
        """Revoke open invitation ``invitation_id`` of the organisation; returns it, or None if there is none."""
        row = (
            await Invitation.select(Invitation.id, Invitation.email, Invitation.role)
            .where((Invitation.id == invitation_id) & (Invitation.organisation == organisation_id) & self._open(now))
            .first()
            .run()
        )
        if row:
            await Invitation.update({Invitation.revoked_at: now}).where(Invitation.id == invitation_id).run()
        return row

    async def find(self, token_hash: str) -> dict[str, Any] | None:
        """The invitation with ``token_hash`` with its organisation's names and the inviter's name, or None."""
        return (
            await Invitation.select(
                Invitation.all_columns(),
                Invitation.organisation.name_ko.as_alias("org_name_ko"),
                Invitation.organisation.name_en.as_alias("org_name_en"),
                Invitation.organisation.kind.as_alias("org_kind"),
                Invitation.invited_by.name.as_alias("inviter_name"),
            )
            .where(Invitation.token_hash == token_hash)
            .first()
            .run()
        )

    async def mark_accepted(self, invitation_id: int, now: datetime) -> None:
        await Invitation.update({Invitation.accepted_at: now}).where(Invitation.id == invitation_id).run()

    async def delete_open_for_email(self, email: str) -> int:
        """Delete invitations addressed to ``email`` not yet accepted; returns how many."""
        rows = (
            await Invitation.select(Invitation.id)
            .where((Invitation.email == email) & Invitation.accepted_at.is_null())
            .run()
        )
        if rows:
            await Invitation.delete().where(Invitation.id.is_in([row["id"] for row in rows])).run()
        return len(rows)
