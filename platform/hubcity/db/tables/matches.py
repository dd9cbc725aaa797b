"""Tables owned by ``hubcity.matches``: shortlists, interests, introductions and match alerts."""

from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from hubcity.db.tables.accounts import Organisation, User
from hubcity.db.tables.corporates import PartnerNeed
from hubcity.db.tables.startups import StartupProfile


class ShortlistEntry(Table, tablename="shortlist_entry"):
    """A startup a corporation saved for one of its partner needs (unique per need and profile)."""

    need = ForeignKey(references=PartnerNeed, on_delete=OnDelete.cascade, index=True)
    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.cascade, index=True)
    added_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    note = Text(default="")
    created_at = Timestamptz()


class Interest(Table, tablename="need_interest"):
    """A startup's interest in a partner need (unique per need and profile); the corporation sees it."""

    need = ForeignKey(references=PartnerNeed, on_delete=OnDelete.cascade, index=True)
    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.cascade, index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    message = Text(default="")
    created_at = Timestamptz()


class Introduction(Table, tablename="introduction"):
    """An introduction between a corporation (through one need) and a startup.

    requested_side: ``corporation`` | ``staff`` (a broker). status: ``requested`` → ``accepted`` |
    ``declined`` (by the startup); outcome (recorded afterwards by either side or staff):
    ``""`` | ``met`` | ``poc`` (PoC agreed) | ``contract``. Contact details are shown to the
    corporation only once accepted and only when the startup's owner consents to third-party
    provision. Restricting deletes keeps the record when a need or profile is removed.
    """

    need = ForeignKey(references=PartnerNeed, on_delete=OnDelete.restrict, index=True)
    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.restrict, index=True)
    requested_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    requested_side = Varchar(length=16, default="corporation")
    message = Text(default="")
    status = Varchar(length=16, default="requested", index=True)
    outcome = Varchar(length=16, default="")
    decided_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(null=True, default=None)
    outcome_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class MatchAlert(Table, tablename="match_alert"):
    """A user's wish to hear of new matches.

    kind: ``needs`` (a startup member: new partner needs that fit ``organisation``'s profile) or
    ``startups`` (a corporation member: new startups that fit ``need``).
    """

    user = ForeignKey(references=User, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade)
    kind = Varchar(length=16)
    need = ForeignKey(references=PartnerNeed, null=True, on_delete=OnDelete.cascade)
    created_at = Timestamptz()


class MatchAlertDelivery(Table, tablename="match_alert_delivery"):
    """One notification sent for an alert: ``need`` and ``profile`` name the pair that matched, so
    a pair is announced once however often the two are re-indexed."""

    alert = ForeignKey(references=MatchAlert, on_delete=OnDelete.cascade, index=True)
    need = ForeignKey(references=PartnerNeed, on_delete=OnDelete.cascade)
    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.cascade)
    sent_at = Timestamptz()
