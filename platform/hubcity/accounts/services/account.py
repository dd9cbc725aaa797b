"""The user's own account: language, profile, consents, the dashboard's data, and deletion."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hubcity.accounts.errors import AccountDeletionBlockedError, ConsentRequiredError
from hubcity.accounts.repositories import (
    ConsentRepository,
    InvitationRepository,
    OrganisationRepository,
    ResetTokenRepository,
    UserRepository,
    write_transaction,
)
from hubcity.accounts.roles import ADMIN, RoleRepository
from hubcity.accounts.schemas import (
    DeleteAccountInput,
    LocaleInput,
    ProfileInput,
    ProfilePatch,
)
from hubcity.accounts.services.common import give_consent
from hubcity.accounts.terms import CONSENT_TERMS, ConsentTerms
from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, NotFoundError
from hubcity.core.forms import validate
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.passwords import verify_password


@dataclass(frozen=True)
class ConsentState:
    """One purpose as the account page and ``/api/v1/me/consents`` show it.

    given: the newest row is not withdrawn; terms_version/given_at/withdrawn_at: of the newest
    row (None when never given); history: every row of the purpose, newest first.
    """

    terms: ConsentTerms
    given: bool
    terms_version: str | None
    given_at: datetime | None
    withdrawn_at: datetime | None
    history: tuple[dict[str, Any], ...]

    @property
    def purpose(self) -> str:
        return self.terms.purpose

    @property
    def required(self) -> bool:
        return self.terms.required


class AccountService:
    """Operations of a user on their own account."""

    def __init__(self) -> None:
        self.users = UserRepository()
        self.organisations = OrganisationRepository()
        self.consents = ConsentRepository()
        self.tokens = ResetTokenRepository()
        self.invitations = InvitationRepository()
        self.roles = RoleRepository()

    async def choose_locale(self, data: Mapping[str, Any], *, user_id: int | None) -> tuple[str, str]:
        """Validate the language choice; saves it on the user when logged in.

        Returns (locale, next as typed). Raises :class:`FormInvalid` for a locale other than ko/en.
        """
        form = validate(LocaleInput, data)
        if user_id is not None:
            await self.users.update(user_id, {"locale": form.locale})
        return form.locale, form.next

    async def profile(self, user_id: int) -> dict[str, Any]:
        """The user's own data: {id, email, name, locale, created_at, last_login_at}. NotFoundError if gone."""
        user = await self.users.get(user_id)
        if user is None:
            raise NotFoundError(_("This account no longer exists."))
        return {key: user[key] for key in ("id", "email", "name", "locale", "created_at", "last_login_at")}

    async def update_profile(self, user_id: int, data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
        """Change name and language (``partial``: only the fields given, as ``PATCH`` does).

        Returns the profile. Raises :class:`FormInvalid` naming the bad field.
        """
        form = validate(ProfilePatch if partial else ProfileInput, data)
        values = {key: value for key, value in form.model_dump().items() if value is not None}
        if values:
            before = await self.profile(user_id)
            async with write_transaction():
                await self.users.update(user_id, values)
                await audit.record(
                    "account.profile_updated",
                    actor_id=user_id,
                    object_type="user",
                    object_id=user_id,
                    before={key: before[key] for key in values},
                    after=values,
                )
        return await self.profile(user_id)

    async def me(self, user_id: int) -> dict[str, Any]:
        """{user: profile, roles: [staff role], organisations: [{id, kind, name_ko, name_en, role, ...}]}."""
        return {
            "user": await self.profile(user_id),
            "roles": await self.users.staff_roles(user_id),
            "organisations": await self.organisations.of_user(user_id),
        }

    async def dashboard(self, user_id: int) -> list[dict[str, Any]]:
        """The user's organisations with role, member count and verification, for the dashboard."""
        return await self.organisations.of_user(user_id)

    async def consent_states(self, user_id: int) -> list[ConsentState]:
        """Every consent purpose with the user's current state and history, in terms order."""
        rows = await self.consents.history(user_id)
        states = []
        for purpose, terms in CONSENT_TERMS.items():
            history = tuple(row for row in rows if row["purpose"] == purpose)
            newest = history[0] if history else None
            states.append(
                ConsentState(
                    terms=terms,
                    given=bool(newest and newest["withdrawn_at"] is None),
                    terms_version=newest["terms_version"] if newest else None,
                    given_at=newest["given_at"] if newest else None,
                    withdrawn_at=newest["withdrawn_at"] if newest else None,
                    history=history,
                )
            )
        return states

    async def set_consent(self, user_id: int, purpose: str, given: bool, *, ip: str = "") -> list[ConsentState]:
        """Give (a new row under the current terms) or withdraw (stamp the open row) ``purpose``.

        Audits ``consent.given`` / ``consent.withdrawn``; no change, no entry. Raises
        :class:`NotFoundError` for an unknown purpose and :class:`ConsentRequiredError` when
        withdrawing the collection consent. Returns every purpose's new state.
        """
        terms = CONSENT_TERMS.get(purpose)
        if terms is None:
            raise NotFoundError(_("There is no consent called %(purpose)s.", purpose=purpose))
        if not given and terms.required:
            raise ConsentRequiredError(
                _(
                    "The consent to the collection and use of personal data cannot be withdrawn while your "
                    "account exists. To withdraw it, delete your account."
                )
            )
        now = utcnow()
        async with write_transaction():
            newest = (await self.consents.latest(user_id)).get(purpose)
            is_open = newest is not None and newest["withdrawn_at"] is None
            if given and not (is_open and newest["terms_version"] == terms.version):
                await give_consent(self.consents, user_id=user_id, purpose=purpose, now=now, ip=ip)
            elif not given and is_open:
                await self.consents.withdraw(newest["id"], now)
                await audit.record(
                    "consent.withdrawn",
                    actor_id=user_id,
                    object_type="consent",
                    object_id=newest["id"],
                    before={"purpose": purpose, "terms_version": newest["terms_version"]},
                    after={"withdrawn_at": now},
                    ip=ip,
                )
        return await self.consent_states(user_id)

    async def left_alone_by_deletion(self, user_id: int) -> list[dict[str, Any]]:
        """Organisations that deleting the account would leave without any member: those whose
        only member is this user ([{id, name_ko, name_en}]). Deletion is allowed; they remain,
        unmanaged, until agency staff give them a new owner. The account page says so."""
        return await self.organisations.left_alone(user_id)

    async def delete_account(self, user_id: int, data: Mapping[str, Any], *, ip: str = "") -> None:
        """Delete the account after checking the password, in one transaction.

        Anonymises the user row (email ``deleted-<id>@invalid``, name and hash emptied,
        ``deleted_at``, inactive); deletes memberships, staff roles, reset tokens and invitations
        addressed to the user's email; keeps consent rows and audit entries; audits
        ``account.deleted``. Raises :class:`FormInvalid` for a wrong password and
        :class:`AccountDeletionBlockedError` while the user is the only owner of an organisation
        with other members (naming it), or the agency's last active administrator (the same
        rule as revoking that role: the back office must keep an administrator).
        """
        form = validate(DeleteAccountInput, data)
        user = await self.users.get(user_id)
        if user is None:
            raise NotFoundError(_("This account no longer exists."))
        if not await asyncio.to_thread(verify_password, user["password_hash"], form.password):
            raise FormInvalid({"password": _("Your current password: the password is not correct.")})
        now = utcnow()
        async with write_transaction():
            if ADMIN in await self.roles.roles_of(user_id) and not await self.roles.admin_user_ids(lock=True) - {user_id}:
                raise AccountDeletionBlockedError(
                    _(
                        "You are the agency's last administrator. Grant the administrator role to someone else "
                        "on the staff pages before deleting your account."
                    ),
                    code="last_admin",
                )
            blocking = await self.organisations.blocking_deletion(user_id)
            if blocking:
                first, second = ("name_ko", "name_en") if current_locale() == "ko" else ("name_en", "name_ko")
                names = ", ".join(org[first] or org[second] for org in blocking)
                raise AccountDeletionBlockedError(
                    _(
                        "You are the only owner of %(names)s, which has other members. Make another member an "
                        "owner on the organisation page before deleting your account.",
                        names=names,
                    )
                )
            organisation_ids = await self.organisations.delete_memberships(user_id)
            invitations = await self.invitations.delete_open_for_email(user["email"])
            await self.tokens.delete_for_user(user_id)
            await self.users.delete_staff_roles(user_id)
            await self.users.anonymise(user_id, now)
            await audit.record(
                "account.deleted",
                actor_id=user_id,
                object_type="user",
                object_id=user_id,
                before={"organisations": organisation_ids, "open_invitations": invitations},
                after={"deleted_at": now},
                ip=ip,
            )
