"""Tables owned by ``hubcity.startups``: startup profiles, their filterable tags, claims of
imported profiles, and import runs."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from hubcity.db.tables.accounts import Organisation, User


class StartupProfile(Table, tablename="startup_profile"):
    """One startup's profile, in Korean, English or both (pages fall back to the other language).

    organisation: the startup organisation that keeps it; NULL while an imported profile belongs
    to the agency (until a startup claims it). Lists (investors, customers, partners, target
    markets, tags) are JSON arrays of strings; sectors and technologies live in
    :class:`StartupTag` rows so they can be filtered in SQL on both engines.
    funding_raised: integer minor units of ``funding_currency``.
    status: ``active`` | ``inactive`` | ``acquired``; only active, not opted-out profiles are matched.
    source/external_id: where an imported profile came from (``source_key`` = ``source:id``, unique).
    """

    organisation = ForeignKey(references=Organisation, null=True, on_delete=OnDelete.set_null, index=True)
    name_ko = Varchar(length=200, default="")
    name_en = Varchar(length=200, default="")
    one_liner_ko = Varchar(length=200, default="")
    one_liner_en = Varchar(length=200, default="")
    description_ko = Text(default="")
    description_en = Text(default="")
    stage = Varchar(length=64, default="")
    founded_on = Date(null=True, default=None)
    team_size = Integer(null=True, default=None)
    location = Varchar(length=200, default="")
    country = Varchar(length=64, default="")
    website = Varchar(length=300, default="")
    website_domain = Varchar(length=200, default="", index=True)
    funding_raised = BigInt(null=True, default=None)
    funding_currency = Varchar(length=3, default="KRW")
    investors = JSON(default="[]")
    customers = JSON(default="[]")
    partners = JSON(default="[]")
    target_markets = JSON(default="[]")
    tags = JSON(default="[]")
    needs_ko = Text(default="")
    needs_en = Text(default="")
    offers_ko = Text(default="")
    offers_en = Text(default="")
    logo_path = Varchar(length=300, default="")
    do_not_match = Boolean(default=False)
    status = Varchar(length=16, default="active", index=True)
    source = Varchar(length=32, default="")
    external_id = Varchar(length=64, default="")
    source_key = Varchar(length=100, null=True, default=None, unique=True)
    possible_duplicate_of = ForeignKey(references="self", null=True, on_delete=OnDelete.set_null)
    onboarding_step = Integer(default=0)
    onboarding_completed_at = Timestamptz(null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class StartupTag(Table, tablename="startup_tag"):
    """A taxonomy term a profile carries: ``kind`` ``sector`` or ``technology``, ``slug``."""

    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=32, index=True)
    slug = Varchar(length=64, index=True)


class ProfileClaim(Table, tablename="profile_claim"):
    """A startup organisation asking to take over an existing (imported) profile.

    status: ``pending`` → ``approved`` | ``rejected`` (decided by staff).
    """

    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.cascade, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.cascade)
    requested_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=16, default="pending", index=True)
    message = Text(default="")
    created_at = Timestamptz()
    decided_at = Timestamptz(null=True, default=None)
    decided_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)


class ImportRun(Table, tablename="import_run"):
    """One bulk import of startup records (CLI or staff upload).

    status: ``previewed`` (uploaded, waiting for confirmation) | ``running`` | ``done`` | ``failed``.
    counts: JSON ``{"created", "updated", "unchanged", "flagged", "rejected"}``; report: JSON list of
    ``{"line", "external_id", "outcome", "reason"}``.
    """

    source = Varchar(length=32)
    file_name = Varchar(length=300, default="")
    file_path = Varchar(length=500, default="")
    file_format = Varchar(length=8, default="")
    status = Varchar(length=16, default="previewed", index=True)
    total = Integer(default=0)
    processed = Integer(default=0)
    counts = JSON(default="{}")
    report = JSON(default="[]")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
