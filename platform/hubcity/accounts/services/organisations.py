"""Organisation pages, members' roles and invitations (sent by owners, accepted by link)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hubcity.accounts.errors import InvitationLimitError, TokenInvalidError
from hubcity.accounts.registration_numbers import format_registration_number
from hubcity.accounts.repositories import (
    ConsentRepository,
    InvitationRepository,
    OrganisationRepository,
    UserRepository,
    write_transaction,
)
from hubcity.accounts.schemas import InvitationInput, InvitationSignupInput
from hubcity.accounts.services.auth import email_taken_error
from hubcity.accounts.services.common import SignedIn, give_consent, typed_values
from hubcity.accounts.tokens import hash_token, new_token
from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.forms import validate
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.passwords import hash_password
from hubcity.core.viewer import Viewer

INVITATION_TTL = timedelta(days=7)
# At most this many invitations per organisation within INVITATION_WINDOW (counted from the rows).
MAX_INVITATIONS = 20
INVITATION_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class OrganisationPage:
    """What the organisation page shows to one viewer.

    organisation: the row; registration_number: formatted XXX-XX-XXXXX; members: [{user_id,
    name, email, role, since}]; viewer_role: ``owner`` | ``member`` | None (staff who are not
    members); pending: open invitations, only for owners.
    """

    organisation: dict[str, Any]
    registration_number: str
    members: list[dict[str, Any]]
    viewer_role: str | None
    pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_owner(self) -> bool:
        return self.viewer_role == "owner"

    @property
    def owners_count(self) -> int:
        """How many owners the organisation has (the only owner cannot become a member)."""
        return sum(1 for member in self.members if member["role"] == "owner")


@dataclass(frozen=True)
class InvitationView:
    """An open invitation as its page shows it. has_account: the email has an account already."""

    id: int
    organisation_id: int
    email: str
    role: str
    org_name_ko: str
    org_name_en: str
    org_kind: str
    inviter_name: str
    expires_at: datetime
    has_account: bool


class OrganisationService:
    """Organisation pages and invitations. ``notifier`` sends the invitation emails."""

    def __init__(self, notifier: Notifier):
        self.notifier = notifier
        self.users = UserRepository()
        self.organisations = OrganisationRepository()
        self.invitations = InvitationRepository()
        self.consents = ConsentRepository()

    async def _visible(self, organisation_id: int, viewer: Viewer) -> dict[str, Any]:
        org = await self.organisations.visible_to(organisation_id, viewer_id=viewer.id, is_staff=viewer.is_staff)
        if org is None:
            raise NotFoundError(_("There is no organisation at this address, or you may not see it."))
        return org

    async def _owned(self, organisation_id: int, viewer: Viewer) -> dict[str, Any]:
        org = await self._visible(organisation_id, viewer)
        if await self.organisations.role_of(viewer.id, organisation_id) != "owner":
            raise NotPermittedError(_("Only the owners of the organisation can manage its members and invitations."))
        return org

    async def page(self, organisation_id: int, viewer: Viewer) -> OrganisationPage:
        """The organisation page for ``viewer``. Raises :class:`NotFoundError` (404, nothing
        about the organisation said) unless the viewer is a member or agency staff."""
        org = await self._visible(organisation_id, viewer)
        role = await self.organisations.role_of(viewer.id, organisation_id)
        pending = await self.invitations.pending(organisation_id, utcnow()) if role == "owner" else []
        return OrganisationPage(
            organisation=org,
            registration_number=format_registration_number(org["business_registration_number"]),
            members=await self.organisations.members(organisation_id),
            viewer_role=role,
            pending=pending,
        )

    async def invite(
        self, organisation_id: int, viewer: Viewer, data: Mapping[str, Any], *, base_url: str, ip: str = ""
    ) -> dict[str, Any]:
        """Invite an email address as ``member`` or ``owner``: an invitation valid 7 days (a new
        one replaces an open one to the same address), emailed in the invitee's language if they
        have an account, else the inviter's. Audits ``invitation.created``.

        Returns {id, email, role, created_at, expires_at}. Raises NotFoundError (not visible),
        NotPermittedError (not an owner), FormInvalid (bad email or role, already a member),
        InvitationLimitError (429: :data:`MAX_INVITATIONS` sent within :data:`INVITATION_WINDOW`).
        """
        org = await self._owned(organisation_id, viewer)
        form = validate(InvitationInput, data)
        if await self.invitations.count_since(organisation_id, utcnow() - INVITATION_WINDOW) >= MAX_INVITATIONS:
            raise InvitationLimitError(
                _(
                    "Your organisation has sent %(limit)s invitations in the last hour, the most allowed. "
                    "Please send the next ones later.",
                    limit=MAX_INVITATIONS,
                )
            )
        if await self.organisations.has_member_with_email(organisation_id, form.email):
            raise FormInvalid(
                {"email": _("Email: this person is already a member of the organisation.")}, typed_values(data)
            )
        invitee = await self.users.find_by_email(form.email)
        inviter = await self.users.get(viewer.id)
        locale = invitee["locale"] if invitee else (inviter["locale"] if inviter else viewer.locale)
        token, token_hash = new_token()
        now = utcnow()
        expires_at = now + INVITATION_TTL
        async with write_transaction():
            await self.invitations.revoke_open_for(organisation_id, form.email, now)
            invitation_id = await self.invitations.insert(
                organisation_id=organisation_id,
                email=form.email,
                role=form.role,
                token_hash=token_hash,
                invited_by=viewer.id,
                now=now,
                expires_at=expires_at,
            )
            await self.notifier.notify(
                to_email=form.email,
                locale=locale,
                template="invitation",
                context={
                    "organisation": {"name_ko": org["name_ko"], "name_en": org["name_en"]},
                    "inviter_name": viewer.name,
                    "role": form.role,
                    "link": f"{base_url.rstrip('/')}/invitations/{token}",
                    "expires_at": expires_at,
                },
                recipient_id=invitee["id"] if invitee else None,
            )
            await audit.record(
                "invitation.created",
                actor_id=viewer.id,
                object_type="invitation",
                object_id=invitation_id,
                after={"organisation_id": organisation_id, "email": form.email, "role": form.role},
                ip=ip,
            )
        return {
            "id": invitation_id,
            "email": form.email,
            "role": form.role,
            "created_at": now,
            "expires_at": expires_at,
        }

    async def revoke(self, organisation_id: int, invitation_id: int, viewer: Viewer, *, ip: str = "") -> None:
        """Revoke an open invitation (owners only); audits ``invitation.revoked``.

        Raises NotFoundError when there is no such open invitation, NotPermittedError for non-owners.
        """
        await self._owned(organisation_id, viewer)
        async with write_transaction():
            row = await self.invitations.revoke(invitation_id, organisation_id, utcnow())
            if row is None:
                raise NotFoundError(_("This invitation is no longer open."))
            await audit.record(
                "invitation.revoked",
                actor_id=viewer.id,
                object_type="invitation",
                object_id=invitation_id,
                before={"email": row["email"], "role": row["role"]},
                ip=ip,
            )

    async def set_member_role(
        self, organisation_id: int, user_id: int, role: str, viewer: Viewer, *, ip: str = ""
    ) -> None:
        """Make a member an owner or an owner a member (owners only; one owner must remain, so
        the page does not offer "Make member" to the only owner).

        Raises NotFoundError (no such member), NotPermittedError, InvalidStateError (last owner),
        FormInvalid (role other than owner/member).
        """
        await self._owned(organisation_id, viewer)
        if role not in ("owner", "member"):
            raise FormInvalid({"role": _("Role must be one of: owner, member.")})
        async with write_transaction():
            current = await self.organisations.role_of(user_id, organisation_id)
            if current is None:
                raise NotFoundError(_("This person is not a member of the organisation."))
            if current == role:
                return
            if current == "owner" and await self.organisations.owners_count(organisation_id) <= 1:
                raise InvalidStateError(
                    _("An organisation needs at least one owner. Make someone else an owner first.")
                )
            await self.organisations.set_role(user_id=user_id, organisation_id=organisation_id, role=role)
            await audit.record(
                "membership.role_changed",
                actor_id=viewer.id,
                object_type="membership",
                object_id=f"{organisation_id}:{user_id}",
                before={"role": current},
                after={"role": role},
                ip=ip,
            )

    async def invitation(self, token: str) -> InvitationView:
        """The open invitation of ``token``. Raises :class:`TokenInvalidError`: unknown (404),
        expired, accepted or revoked (410), each with a message saying what to do."""
        row = await self.invitations.find(hash_token(token))
        if row is None:
            raise TokenInvalidError(
                _("This invitation link is not valid. Check that you copied the whole link."), "unknown"
            )
        if row["accepted_at"] is not None:
            raise TokenInvalidError(
                _("This invitation has already been accepted. Log in to see the organisation."),
                "used",
                organisation_id=row["organisation"],
            )
        if row["revoked_at"] is not None:
            raise TokenInvalidError(
                _(
                    "This invitation was withdrawn or replaced by a newer one. Ask the organisation's owner for a new invitation."
                ),
                "revoked",
            )
        if row["expires_at"] <= utcnow():
            raise TokenInvalidError(
                _(
                    "This invitation has expired: invitations are valid for seven days. Ask the organisation's owner for a new one."
                ),
                "expired",
            )
        return InvitationView(
            id=row["id"],
            organisation_id=row["organisation"],
            email=row["email"],
            role=row["role"],
            org_name_ko=row["org_name_ko"],
            org_name_en=row["org_name_en"],
            org_kind=row["org_kind"],
            inviter_name=row["inviter_name"] or "",
            expires_at=row["expires_at"],
            has_account=await self.users.email_taken(row["email"]),
        )

    async def _join(self, invitation: InvitationView, user_id: int, *, ip: str) -> None:
        now = utcnow()
        if await self.organisations.role_of(user_id, invitation.organisation_id) is None:
            await self.organisations.add_member(
                user_id=user_id, organisation_id=invitation.organisation_id, role=invitation.role, now=now
            )
        await self.invitations.mark_accepted(invitation.id, now)
        await audit.record(
            "invitation.accepted",
            actor_id=user_id,
            object_type="invitation",
            object_id=invitation.id,
            after={"organisation_id": invitation.organisation_id, "role": invitation.role},
            ip=ip,
        )

    async def accept(self, token: str, viewer: Viewer, *, ip: str = "") -> int:
        """The logged-in ``viewer`` accepts the invitation sent to their email; returns the
        organisation id. Raises TokenInvalidError, or NotPermittedError for another email."""
        async with write_transaction():
            invitation = await self.invitation(token)
            if invitation.email != viewer.email:
                raise NotPermittedError(
                    _("This invitation was sent to another email address. Log in with that address to accept it.")
                )
            await self._join(invitation, viewer.id, ip=ip)
        return invitation.organisation_id

    async def accept_with_signup(self, token: str, data: Mapping[str, Any], *, ip: str = "") -> SignedIn:
        """Create the account of an invited person (email from the invitation) and their
        membership, consents and audit entries in one transaction.

        Raises TokenInvalidError, InvalidStateError (the email has an account: log in instead),
        FormInvalid (name, password, confirmation, language, collection consent).
        """
        invitation = await self.invitation(token)
        if invitation.has_account:
            raise InvalidStateError(_("An account with this email address exists. Log in to accept the invitation."))
        form = validate(InvitationSignupInput, data)
        password_hash = await asyncio.to_thread(hash_password, form.password)
        now = utcnow()
        async with write_transaction():
            invitation = await self.invitation(token)
            if await self.users.email_taken(invitation.email):
                raise email_taken_error(data)
            user_id = await self.users.insert(
                email=invitation.email, password_hash=password_hash, name=form.name, locale=form.locale, now=now
            )
            purposes = form.given_purposes()
            for purpose in purposes:
                await give_consent(self.consents, user_id=user_id, purpose=purpose, now=now, ip=ip)
            await audit.record(
                "account.signup",
                actor_id=user_id,
                object_type="user",
                object_id=user_id,
                after={"invitation_id": invitation.id, "consents": purposes, "locale": form.locale},
                ip=ip,
            )
            await self._join(invitation, user_id, ip=ip)
        return SignedIn(user_id=user_id, locale=form.locale)
