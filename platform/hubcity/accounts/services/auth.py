"""Sign-up, login and password reset by an emailed link."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from hubcity.accounts.errors import LoginFailedError, LoginLockedError, TokenInvalidError
from hubcity.accounts.repositories import (
    ConsentRepository,
    OrganisationRepository,
    ResetTokenRepository,
    UserRepository,
    write_transaction,
)
from hubcity.accounts.schemas import LoginInput, PasswordResetInput, PasswordResetRequestInput, SignupInput
from hubcity.accounts.services.common import SignedIn, give_consent, typed_values
from hubcity.accounts.throttle import LoginThrottle
from hubcity.accounts.tokens import hash_token, new_token
from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid
from hubcity.core.forms import validate
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.passwords import DUMMY_HASH, hash_password, needs_rehash, verify_password

RESET_TOKEN_TTL = timedelta(hours=1)
# At most this many reset emails per account within RESET_WINDOW; later requests send nothing.
MAX_RESET_EMAILS = 3
RESET_WINDOW = timedelta(hours=1)


def email_taken_error(data: Mapping[str, Any]) -> FormInvalid:
    """The field error for a sign-up whose email already has an account."""
    return FormInvalid(
        {"email": _("Email: an account with this email address already exists. Log in, or reset your password.")},
        typed_values(data),
    )


def registration_number_taken_error(data: Mapping[str, Any]) -> FormInvalid:
    """The field error for a sign-up whose business registration number another organisation has.

    It does not name that organisation: the person is told to ask its owner for an invitation.
    """
    return FormInvalid(
        {
            "business_registration_number": _(
                "Business registration number: an organisation with this number is already on Hubcity. "
                "Ask its owner to invite you to it instead of signing up again."
            )
        },
        typed_values(data),
    )


def login_locked_message() -> str:
    return _(
        "Too many failed logins for this account. Wait 15 minutes and try again, or reset your password."
    )


class AuthService:
    """Sign-up, login, password reset. ``notifier`` sends the reset emails; ``throttle`` (when
    given) counts failed logins per account and refuses the account's logins after too many."""

    def __init__(self, notifier: Notifier, throttle: LoginThrottle | None = None):
        self.notifier = notifier
        self.throttle = throttle
        self.users = UserRepository()
        self.organisations = OrganisationRepository()
        self.consents = ConsentRepository()
        self.tokens = ResetTokenRepository()

    async def signup(self, data: Mapping[str, Any], *, ip: str = "") -> SignedIn:
        """Create the user, their organisation, the owner membership, the consents given and the
        audit entries, in one transaction.

        data: the fields of :class:`SignupInput`. Raises :class:`FormInvalid` (422) naming each
        bad field, a taken email or a registration number another organisation has included;
        nothing is written then.
        """
        form = validate(SignupInput, data)
        password_hash = await asyncio.to_thread(hash_password, form.password)
        now = utcnow()
        async with write_transaction():
            if await self.users.email_taken(form.email):
                raise email_taken_error(data)
            if await self.organisations.registration_number_taken(form.business_registration_number):
                raise registration_number_taken_error(data)
            user_id = await self.users.insert(
                email=form.email, password_hash=password_hash, name=form.name, locale=form.locale, now=now
            )
            organisation_id = await self.organisations.insert(
                kind=form.kind,
                name_ko=form.org_name_ko,
                name_en=form.org_name_en,
                registration_number=form.business_registration_number,
                now=now,
            )
            await self.organisations.add_member(user_id=user_id, organisation_id=organisation_id, role="owner", now=now)
            purposes = form.given_purposes()
            for purpose in purposes:
                await give_consent(self.consents, user_id=user_id, purpose=purpose, now=now, ip=ip)
            await audit.record(
                "account.signup",
                actor_id=user_id,
                object_type="user",
                object_id=user_id,
                after={
                    "organisation_id": organisation_id,
                    "kind": form.kind,
                    "consents": purposes,
                    "locale": form.locale,
                },
                ip=ip,
            )
        return SignedIn(user_id=user_id, locale=form.locale, kind=form.kind)

    async def login(self, data: Mapping[str, Any], *, ip: str = "") -> SignedIn:
        """Check email and password; on success stamp ``last_login_at`` and audit ``account.login``.

        Raises :class:`FormInvalid` for empty fields, :class:`LoginFailedError` (one message for
        a wrong password and an unknown email, audited as ``account.login_failed``), and
        :class:`LoginLockedError` (429) while the email has had too many failed logins lately,
        without checking the password.
        """
        form = validate(LoginInput, data)
        if self.throttle is not None and await self.throttle.is_locked(form.email):
            raise LoginLockedError(login_locked_message())
        user = await self.users.find_by_email(form.email)
        # Verify against a dummy hash when the email is unknown, so timing does not tell.
        valid = await asyncio.to_thread(verify_password, user["password_hash"] if user else DUMMY_HASH, form.password)
        valid = valid and user is not None
        if not valid or user is None:
            await audit.record(
                "account.login_failed",
                actor_id=user["id"] if user else None,
                object_type="user",
                object_id=user["id"] if user else "",
                after={"email": form.email},
                ip=ip,
            )
            if self.throttle is not None:
                await self.throttle.record_failure(form.email)
            raise LoginFailedError(_("The email address or the password is not correct."))
        values: dict[str, Any] = {"last_login_at": utcnow()}
        if needs_rehash(user["password_hash"]):
            values["password_hash"] = await asyncio.to_thread(hash_password, form.password)
        async with write_transaction():
            await self.users.update(user["id"], values)
            await audit.record("account.login", actor_id=user["id"], object_type="user", object_id=user["id"], ip=ip)
        if self.throttle is not None:
            await self.throttle.clear(form.email)
        return SignedIn(user_id=user["id"], locale=user["locale"])

    async def request_password_reset(self, data: Mapping[str, Any], *, base_url: str, ip: str = "") -> None:
        """Email a one-hour, one-time reset link to the account with that email, if there is one.

        The caller answers the same whether or not the account exists, and whether or not an
        email went out: at most :data:`MAX_RESET_EMAILS` are sent per account within
        :data:`RESET_WINDOW` (counted from the reset tokens), later requests send nothing, so
        nobody can flood a mailbox. base_url: the site's absolute root
        (``https://hub.example/``). Raises :class:`FormInvalid` for a malformed email.
        """
        form = validate(PasswordResetRequestInput, data)
        user = await self.users.find_by_email(form.email)
        if user is None:
            return
        token, token_hash = new_token()
        now = utcnow()
        async with write_transaction():
            if await self.tokens.count_since(user["id"], now - RESET_WINDOW) >= MAX_RESET_EMAILS:
                return
            await self.tokens.insert(
                user_id=user["id"], token_hash=token_hash, now=now, expires_at=now + RESET_TOKEN_TTL
            )
            await self.notifier.notify(
                to_email=user["email"],
                locale=user["locale"],
                template="password_reset",
                context={
                    "name": user["name"],
                    "link": f"{base_url.rstrip('/')}/password-reset/{token}",
                    "valid_minutes": 60,
                },
                recipient_id=user["id"],
            )
            await audit.record(
                "account.password_reset_requested", actor_id=user["id"], object_type="user", object_id=user["id"], ip=ip
            )

    async def check_reset_token(self, token: str) -> dict[str, Any]:
        """The open token row for ``token``. Raises :class:`TokenInvalidError` (unknown 404,
        expired or used 410) with a message saying which and what to do."""
        row = await self.tokens.find(hash_token(token))
        if row is None or not row["user_active"] or row["user_deleted_at"] is not None:
            raise TokenInvalidError(
                _("This password-reset link is not valid. Check that you copied the whole link, or ask for a new one."),
                "unknown",
            )
        if row["used_at"] is not None:
            raise TokenInvalidError(
                _("This password-reset link has already been used. Ask for a new one if you need it."), "used"
            )
        if row["expires_at"] <= utcnow():
            raise TokenInvalidError(
                _("This password-reset link has expired: links are valid for one hour. Ask for a new one."), "expired"
            )
        return row

    async def reset_password(self, token: str, data: Mapping[str, Any], *, ip: str = "") -> None:
        """Set a new password through reset link ``token``; closes this and every other open
        token of the user, ends every session of the user begun before now (an attacker's
        included), clears the failed-login count and audits ``account.password_reset``.

        Raises :class:`TokenInvalidError`, or :class:`FormInvalid` for a short or unconfirmed password.
        """
        row = await self.check_reset_token(token)
        form = validate(PasswordResetInput, data)
        password_hash = await asyncio.to_thread(hash_password, form.password)
        now = utcnow()
        async with write_transaction():
            row = await self.check_reset_token(token)  # again inside the transaction: one use only
            user_id = row["user"]
            await self.users.set_password(user_id, password_hash, now)
            await self.tokens.close_open(user_id, now)
            await audit.record("account.password_reset", actor_id=user_id, object_type="user", object_id=user_id, ip=ip)
        user = await self.users.get(user_id)
        if self.throttle is not None and user is not None:
            await self.throttle.clear(user["email"])
