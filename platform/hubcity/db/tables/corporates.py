"""Tables owned by ``hubcity.corporates``: partner needs of corporations."""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from hubcity.db.tables.accounts import Organisation, User


class PartnerNeed(Table, tablename="partner_need"):
    """What a corporation seeks from startups (the thing matched against profiles).

    visibility: ``public`` | ``verified`` (verified startups only) | ``staff`` | ``anonymised``
    (public, the corporation shown as ``anonymised_label_*``, e.g. "a global automaker").
    status: ``draft`` | ``open`` | ``closed``. The open window is exact instants (UTC).
    budget_min/max: integer minor units of ``budget_currency``. Stages, countries: JSON arrays of
    slugs; sectors and technologies are :class:`PartnerNeedTag` rows for SQL filtering.
    """

    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    title_ko = Varchar(length=200, default="")
    title_en = Varchar(length=200, default="")
    description_ko = Text(default="")
    description_en = Text(default="")
    stages = JSON(default="[]")
    countries = JSON(default="[]")
    locations = Varchar(length=300, default="")
    team_size_min = Integer(null=True, default=None)
    team_size_max = Integer(null=True, default=None)
    engagement_type = Varchar(length=64, default="")
    budget_min = BigInt(null=True, default=None)
    budget_max = BigInt(null=True, default=None)
    budget_currency = Varchar(length=3, default="KRW")
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    visibility = Varchar(length=16, default="public", index=True)
    anonymised_label_ko = Varchar(length=200, default="")
    anonymised_label_en = Varchar(length=200, default="")
    status = Varchar(length=16, default="draft", index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class PartnerNeedTag(Table, tablename="partner_need_tag"):
    """A taxonomy term a need asks for: ``kind`` ``sector`` or ``technology``, ``slug``."""

    need = ForeignKey(references=PartnerNeed, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=32, index=True)
    slug = Varchar(length=64, index=True)
