"""Tables owned by ``hubcity.accounts``: users, organisations, memberships, staff roles,
consents, invitations and password-reset tokens."""

from __future__ import annotations

from piccolo.columns import (
    Boolean,
    ForeignKey,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class User(Table, tablename="hub_user"):
    """A person who logs in. ``email`` is stored lower-cased and unique.

    A deleted account keeps its row (audit entries point at it) with personal data erased:
    ``deleted_at`` set, email replaced by ``deleted-<id>@invalid``, name and hash emptied.
    ``sessions_valid_after``: sessions begun before this instant are over (set when the
    password is reset or changed, so an attacker's open session ends with the recovery).
    """

    email = Varchar(length=320, unique=True, index=True)
    password_hash = Varchar(length=255)
    name = Varchar(length=100)
    locale = Varchar(length=5, default="ko")
    is_active = Boolean(default=True)
    created_at = Timestamptz()
    last_login_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None)
    sessions_valid_after = Timestamptz(null=True, default=None)


class Organisation(Table, tablename="organisation"):
    """A startup, a corporation or the agency. ``kind``: ``startup`` | ``corporate`` | ``agency``.

    business_registration_number: the Korean 10-digit number, stored as digits only; staff
    verify it by hand (``verified_at``).
    """

    kind = Varchar(length=16, index=True)
    name_ko = Varchar(length=200, default="")
    name_en = Varchar(length=200, default="")
    business_registration_number = Varchar(length=10, default="", index=True)
    verified_at = Timestamptz(null=True, default=None)
    verified_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()


class Membership(Table, tablename="membership"):
    """A user's place in an organisation. ``role``: ``owner`` | ``member``."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=16, default="member")
    created_at = Timestamptz()


class StaffRole(Table, tablename="staff_role"):
    """An agency role held by a user: ``admin`` | ``program_manager`` | ``finance`` | ``reviewer``."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    role = Varchar(length=32)
    granted_at = Timestamptz()
    granted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)


class Consent(Table, tablename="consent"):
    """One recorded consent (Korea's privacy law wants them separate and versioned).

    purpose: ``collection`` | ``third_party_provision`` | ``marketing``; ``terms_version`` is the
    text the user agreed to; withdrawing sets ``withdrawn_at`` and keeps the row as evidence.
    """

    user = ForeignKey(references=User, on_delete=OnDelete.restrict, index=True)
    purpose = Varchar(length=32)
    terms_version = Varchar(length=32)
    given_at = Timestamptz()
    withdrawn_at = Timestamptz(null=True, default=None)


class Invitation(Table, tablename="invitation"):
    """An emailed invitation to join an organisation. Only the SHA-256 of the token is stored."""

    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade, index=True)
    email = Varchar(length=320, index=True)
    role = Varchar(length=16, default="member")
    token_hash = Varchar(length=64, unique=True)
    invited_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class PasswordResetToken(Table, tablename="password_reset_token"):
    """A one-time password-reset link. Only the SHA-256 of the token is stored."""

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


