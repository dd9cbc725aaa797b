"""All Piccolo tables of Hubcity, one module per owning domain (DESIGN.md §2)."""

from hubcity.db.tables.accounts import (
    Consent,
    Invitation,
    Membership,
    Organisation,
    PasswordResetToken,
    StaffRole,
    User,
)
from hubcity.db.tables.core import AuditEntry, Job, Notification

ALL_TABLES = [
    User,
    Organisation,
    Membership,
    StaffRole,
    Consent,
    Invitation,
    PasswordResetToken,
    Job,
    Notification,
    AuditEntry,
]

__all__ = [t.__name__ for t in ALL_TABLES] + ["ALL_TABLES"]
