"""Taxonomies as data: seeding and reading the terms (sectors, AI technologies, stages,
engagement types, countries). Staff edit labels on ``/staff/taxonomies``
(:mod:`hubcity.startups.services.taxonomies`).

Term dicts have the shape ``{"id", "key", "kind", "slug", "label_ko", "label_en", "position",
"is_active"}``; ``key`` is ``"kind:slug"``.
"""

from __future__ import annotations

from typing import Any

from hubcity.db.tables import TAXONOMY_KINDS
from hubcity.startups.repositories import TaxonomyRepository
from hubcity.startups.taxonomy_data import TAXONOMIES


async def seed_missing() -> int:
    """Insert the terms of :data:`hubcity.startups.taxonomy_data.TAXONOMIES` whose key is not
    stored yet; returns how many were inserted. Existing rows (labels staff edited, terms staff
    deactivated or added) are never changed, so running it again is harmless."""
    repository = TaxonomyRepository()
    existing = await repository.keys()
    rows = []
    for kind, entries in TAXONOMIES.items():
        for position, (slug, label_ko, label_en) in enumerate(entries, start=1):
            key = f"{kind}:{slug}"
            if key not in existing:
                rows.append(
                    {
                        "key": key,
                        "kind": kind,
                        "slug": slug,
                        "label_ko": label_ko,
                        "label_en": label_en,
                        "position": position * 10,
                        "is_active": True,
                    }
                )
    await repository.insert_many(rows)
    return len(rows)


async def terms(kind: str, *, include_inactive: bool = False) -> list[dict[str, Any]]:
    """The terms of taxonomy ``kind`` (one of :data:`TAXONOMY_KINDS`) in display order
    (position, then slug); active ones only unless ``include_inactive``. Raises ``ValueError``
    for an unknown kind."""
    if kind not in TAXONOMY_KINDS:
        raise ValueError(f"unknown taxonomy kind {kind!r}")
    return await TaxonomyRepository().of_kind(kind, include_inactive=include_inactive)


async def valid_slugs(kind: str) -> set[str]:
    """The slugs of the ACTIVE terms of taxonomy ``kind``. Raises ``ValueError`` for an unknown kind."""
    return {row["slug"] for row in await terms(kind)}


async def labels(kind: str, locale: str) -> dict[str, str]:
    """slug → label in ``locale`` (``ko`` or anything else for English) of every term of ``kind``,
    inactive ones included (a profile may still carry a retired term); an empty label falls back
    to the other language."""
    result = {}
    for row in await terms(kind, include_inactive=True):
        first, second = (row["label_ko"], row["label_en"]) if locale == "ko" else (row["label_en"], row["label_ko"])
        result[row["slug"]] = first or second or row["slug"]
    return result


def label_of(term: dict[str, Any], locale: str) -> str:
    """A term dict's label in ``locale``, falling back to the other language, then the slug."""
    first, second = (term["label_ko"], term["label_en"]) if locale == "ko" else (term["label_en"], term["label_ko"])
    return first or second or term["slug"]
