"""The directory's read-only queries over startup profiles (the tables belong to the startups
domain; nothing here writes). Keyword search is a case-insensitive substring for now
(``LIKE … ESCAPE``, ``%`` and ``_`` escaped); the matching issue moves it to the search backend
behind the same filters.

Listed: profiles with a name that are not a startup's unfinished onboarding. Active profiles
that have not opted out of matching are shown by default; ``status=all`` adds inactive,
acquired and opted-out ones (shown with their status).
"""

from __future__ import annotations

import json
from typing import Any

from hubcity.corporates.filters import SearchFilters
from hubcity.corporates.textsearch import any_of, contains
from hubcity.db.tables import Organisation, StartupProfile, StartupTag
from hubcity.startups import taxonomy

TABLE = '"startup_profile"'
TEXT_COLUMNS: tuple[str, ...] = (
    "name_ko",
    "name_en",
    "one_liner_ko",
    "one_liner_en",
    "description_ko",
    "description_en",
    "tags",
)
TAG_KINDS: tuple[str, ...] = ("sector", "technology")


def listed_condition() -> Any:
    """Profiles the directory lists at all: named, and not an onboarding draft of a startup."""
    named = (StartupProfile.name_ko != "") | (StartupProfile.name_en != "")
    not_draft = StartupProfile.organisation.is_null() | StartupProfile.onboarding_completed_at.is_not_null()
    return named & not_draft


def load_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


async def matching_terms(text: str, kinds: tuple[str, ...]) -> dict[str, list[str]]:
    """kind → slugs of the terms (retired ones too) whose slug or Korean or English label
    contains ``text``, case-insensitively (taxonomies are small: compared in Python)."""
    needle = text.casefold()
    result: dict[str, list[str]] = {}
    for kind in kinds:
        for term in await taxonomy.terms(kind, include_inactive=True):
            if any(needle in (term[key] or "").casefold() for key in ("slug", "label_ko", "label_en")):
                result.setdefault(kind, []).append(term["slug"])
    return result


class StartupDirectoryRepository:
    """Searching startup profiles for the directory pages and ``GET /api/v1/startups``."""

    async def search(self, filters: SearchFilters, *, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Profiles passing ``filters``, most recently updated first: (rows of one page, total).

        Rows: {id, organisation, name_ko, name_en, one_liner_ko, one_liner_en, stage, founded_on,
        team_size, location, country, status, do_not_match, tags (list), updated_at, verified
        (bool), sectors, technologies (slug lists)}.
        """
        conditions = await self._conditions(filters)
        query, count = self._select(conditions)
        total = await count.run()
        rows = (
            await query.order_by(StartupProfile.updated_at, ascending=False)
            .order_by(StartupProfile.id, ascending=False)
            .limit(limit)
            .offset(offset)
            .run()
        )
        return await self._with_tags(rows), total

    async def by_ids(self, ids: list[int]) -> list[dict[str, Any]]:
        """Listed profiles ``ids`` in that order (rows as :meth:`search`; unknown or unlisted ids dropped)."""
        if not ids:
            return []
        query, _count = self._select([listed_condition(), StartupProfile.id.is_in(ids)])
        rows = {row["id"]: row for row in await self._with_tags(await query.run())}
        return [rows[i] for i in ids if i in rows]

    def _select(self, conditions: list[Any]) -> tuple[Any, Any]:
        columns = [
            StartupProfile.id,
            StartupProfile.organisation,
            StartupProfile.name_ko,
            StartupProfile.name_en,
            StartupProfile.one_liner_ko,
            StartupProfile.one_liner_en,
            StartupProfile.stage,
            StartupProfile.founded_on,
            StartupProfile.team_size,
            StartupProfile.location,
            StartupProfile.country,
            StartupProfile.status,
            StartupProfile.do_not_match,
            StartupProfile.tags,
            StartupProfile.updated_at,
            StartupProfile.organisation.verified_at.as_alias("verified_at"),
        ]
        query = StartupProfile.select(*columns)
        count = StartupProfile.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        return query, count

    async def _with_tags(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ids = [row["id"] for row in rows]
        by_profile: dict[int, dict[str, list[str]]] = {i: {kind: [] for kind in TAG_KINDS} for i in ids}
        if ids:
            tags = (
                await StartupTag.select(StartupTag.profile, StartupTag.kind, StartupTag.slug)
                .where(StartupTag.profile.is_in(ids))
                .order_by(StartupTag.id)
                .run()
            )
            for tag in tags:
                by_profile[tag["profile"]].setdefault(tag["kind"], []).append(tag["slug"])
        for row in rows:
            row["sectors"] = by_profile[row["id"]].get("sector", [])
            row["technologies"] = by_profile[row["id"]].get("technology", [])
            row["tags"] = load_list(row["tags"])
            row["verified"] = row.pop("verified_at") is not None
        return rows

    async def _conditions(self, filters: SearchFilters) -> list[Any]:
        conditions: list[Any] = [listed_condition()]
        if not filters.include_inactive:
            conditions.append((StartupProfile.status == "active") & StartupProfile.do_not_match.eq(False))
        if filters.q:
            conditions.append(await self._keyword(filters.q))
        for kind in TAG_KINDS:
            slugs = list(getattr(filters, kind))
            if slugs:
                conditions.append(
                    StartupProfile.id.is_in(
                        StartupTag.select(StartupTag.profile).where((StartupTag.kind == kind) & StartupTag.slug.is_in(slugs))
                    )
                )
        if filters.stage:
            conditions.append(StartupProfile.stage.is_in(list(filters.stage)))
        if filters.location:
            countries = (await matching_terms(filters.location, ("country",))).get("country", [])
            slugs = list(dict.fromkeys([filters.location.lower(), *countries]))
            conditions.append(contains(f'{TABLE}."location"', filters.location) | StartupProfile.country.is_in(slugs))
        if filters.team_min is not None:
            conditions.append(StartupProfile.team_size >= filters.team_min)
        if filters.team_max is not None:
            conditions.append(StartupProfile.team_size <= filters.team_max)
        if filters.founded_after is not None:
            conditions.append(StartupProfile.founded_on >= filters.founded_after)
        if filters.verified:
            conditions.append(
                StartupProfile.organisation.is_in(Organisation.select(Organisation.id).where(Organisation.verified_at.is_not_null()))
            )
        return conditions

    async def _keyword(self, text: str) -> Any:
        """Names, one-liners, descriptions and free tags in both languages, and the Korean and
        English labels of the profile's sectors and technologies."""
        matches = [contains(f'{TABLE}."{column}"', text) for column in TEXT_COLUMNS]
        terms = await matching_terms(text, TAG_KINDS)
        tag_terms = [(StartupTag.kind == kind) & StartupTag.slug.is_in(terms[kind]) for kind in TAG_KINDS if terms.get(kind)]
        if tag_terms:
            matches.append(StartupProfile.id.is_in(StartupTag.select(StartupTag.profile).where(any_of(tag_terms))))
        return any_of(matches)
