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
from hubcity.db.tables.corporates import PartnerNeed, PartnerNeedTag
from hubcity.db.tables.matches import Interest, Introduction, MatchAlert, MatchAlertDelivery, ShortlistEntry
from hubcity.db.tables.programs import (
    Application,
    ApplicationEvent,
    ApplicationFile,
    DeadlineExtension,
    Program,
    ProgramFormVersion,
    ProgramNotice,
    ProgramQuestion,
    StoredFile,
)
from hubcity.db.tables.reviews import (
    Award,
    ConflictDeclaration,
    Determination,
    Objection,
    PanelMember,
    PresentationSlot,
    Review,
    ReviewAssignment,
    ReviewComment,
    ReviewRoundRun,
    Tranche,
)
from hubcity.db.tables.startups import ImportRun, ProfileClaim, StartupProfile, StartupTag
from hubcity.db.tables.taxonomy import TAXONOMY_KINDS, TaxonomyTerm

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
    TaxonomyTerm,
    StartupProfile,
    StartupTag,
    ProfileClaim,
    ImportRun,
    PartnerNeed,
    PartnerNeedTag,
    ShortlistEntry,
    Interest,
    Introduction,
    MatchAlert,
    MatchAlertDelivery,
    Program,
    ProgramFormVersion,
    Application,
    ApplicationEvent,
    StoredFile,
    ApplicationFile,
    DeadlineExtension,
    ProgramNotice,
    ProgramQuestion,
    ReviewRoundRun,
    PanelMember,
    ConflictDeclaration,
    ReviewAssignment,
    Review,
    ReviewComment,
    PresentationSlot,
    Determination,
    Objection,
    Award,
    Tranche,
]

__all__ = [t.__name__ for t in ALL_TABLES] + ["ALL_TABLES", "TAXONOMY_KINDS"]
