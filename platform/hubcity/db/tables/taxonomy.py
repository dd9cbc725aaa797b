"""Taxonomies as data (owned by ``hubcity.startups``): sectors, AI technologies, stages,
engagement types and countries, each a row with a stable slug and Korean and English labels."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Varchar
from piccolo.table import Table

TAXONOMY_KINDS: tuple[str, ...] = ("sector", "technology", "stage", "engagement_type", "country")


class TaxonomyTerm(Table, tablename="taxonomy_term"):
    """One term of one taxonomy. ``key`` = ``f"{kind}:{slug}"`` is unique; slugs never change,
    labels may be edited by staff (seeding inserts only missing keys, so edits survive)."""

    key = Varchar(length=100, unique=True)
    kind = Varchar(length=32, index=True)
    slug = Varchar(length=64)
    label_ko = Varchar(length=200)
    label_en = Varchar(length=200)
    position = Integer(default=0)
    is_active = Boolean(default=True)
