"""Every query of the corporates domain. Rows come back as dicts (JSON lists loaded).

Visibility of partner needs is decided HERE, in one place: :meth:`NeedRepository.scope_for`
reads who the viewer is (agency staff, member of which organisations, member of a verified
startup) and :func:`visible_condition` turns that into the WHERE clause every read uses
(need pages, the corporation's list, the directory and the API):

- ``public`` and ``anonymised``: anyone (anonymised hides the corporation, see the service);
- ``verified``: members of a verified startup, the owning corporation's members, staff;
- ``staff``: agency staff and the owning corporation's members;
- drafts: only the owning corporation's members and staff.

Changes go through :meth:`NeedRepository.owned`, which finds a need only for members of the
corporation that posted it: a member of another organisation gets nothing (a 404 upstream).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from hubcity.corporates.filters import SearchFilters
from hubcity.corporates.textsearch import any_of, contains, json_list_has
from hubcity.db.tables import Membership, Organisation, PartnerNeed, PartnerNeedTag, TaxonomyTerm

TAG_KINDS: tuple[str, ...] = ("sector", "technology")
LIST_COLUMNS: tuple[str, ...] = ("stages", "countries")


def write_transaction() -> Any:
    """A transaction for writes (``async with write_transaction():``); IMMEDIATE on SQLite so a
    read-then-write cannot fail with "database is locked". Inside another transaction it joins it."""
    engine = PartnerNeed._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def load_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


@dataclass(frozen=True)
class NeedScope:
    """Who reads needs. ``own_org_ids``: organisations the viewer belongs to (any kind);
    ``verified_startup``: the viewer belongs to a startup that staff verified."""

    user_id: int | None = None
    staff: bool = False
    own_org_ids: tuple[int, ...] = ()
    verified_startup: bool = False

    def owns(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.own_org_ids

    def privileged_for(self, organisation_id: int | None) -> bool:
        """True when the viewer sees the corporation behind an anonymised need: its members and staff."""
        return self.staff or self.owns(organisation_id)


ANONYMOUS = NeedScope()


def visible_condition(scope: NeedScope) -> Any:
    """The WHERE clause of the needs ``scope`` may see (None: everything, for staff)."""
    if scope.staff:
        return None
    allowed = ["public", "anonymised"] + (["verified"] if scope.verified_startup else [])
    condition = (PartnerNeed.status != "draft") & PartnerNeed.visibility.is_in(allowed)
    if scope.own_org_ids:
        condition = condition | PartnerNeed.organisation.is_in(list(scope.own_org_ids))
    return condition


class TaxonomyReader:
    """Read-only access to the taxonomy terms (the table belongs to the startups domain)."""

    async def terms(self, kind: str) -> list[dict[str, Any]]:
        """Active terms of ``kind`` in display order: [{slug, label_ko, label_en}]."""
        return (
            await TaxonomyTerm.select(TaxonomyTerm.slug, TaxonomyTerm.label_ko, TaxonomyTerm.label_en)
            .where((TaxonomyTerm.kind == kind) & TaxonomyTerm.is_active.eq(True))
            .order_by(TaxonomyTerm.position)
            .order_by(TaxonomyTerm.slug)
            .run()
        )

    async def labels(self, kinds: tuple[str, ...]) -> dict[str, dict[str, tuple[str, str]]]:
        """kind → slug → (label_ko, label_en) for every term of ``kinds``, inactive ones too."""
        rows = (
            await TaxonomyTerm.select(TaxonomyTerm.kind, TaxonomyTerm.slug, TaxonomyTerm.label_ko, TaxonomyTerm.label_en)
            .where(TaxonomyTerm.kind.is_in(list(kinds)))
            .run()
        )
        result: dict[str, dict[str, tuple[str, str]]] = {kind: {} for kind in kinds}
        for row in rows:
            result[row["kind"]][row["slug"]] = (row["label_ko"], row["label_en"])
        return result

    async def matching(self, text: str, kinds: tuple[str, ...]) -> dict[str, list[str]]:
        """kind → slugs of the terms of ``kinds`` whose Korean or English label (or slug)
        contains ``text``, case-insensitively."""
        rows = (
            await TaxonomyTerm.select(TaxonomyTerm.kind, TaxonomyTerm.slug)
            .where(TaxonomyTerm.kind.is_in(list(kinds)))
            .where(
                contains('"taxonomy_term"."label_ko"', text)
                | contains('"taxonomy_term"."label_en"', text)
                | contains('"taxonomy_term"."slug"', text)
            )
            .run()
        )
        result: dict[str, list[str]] = {}
        for row in rows:
            result.setdefault(row["kind"], []).append(row["slug"])
        return result


def _need_columns() -> list[Any]:
    return [
        PartnerNeed.all_columns(),
        PartnerNeed.organisation.name_ko.as_alias("org_name_ko"),
        PartnerNeed.organisation.name_en.as_alias("org_name_en"),
        PartnerNeed.organisation.verified_at.as_alias("org_verified_at"),
    ]


class NeedRepository:
    """Partner needs, their sector/technology tags, and the corporations that post them."""

    def __init__(self) -> None:
        self.taxonomy = TaxonomyReader()

    # -- who is looking -------------------------------------------------------------------------
    async def scope_for(self, user_id: int | None, *, is_staff: bool) -> NeedScope:
        """The :class:`NeedScope` of user ``user_id`` (None: anonymous), read from memberships."""
        if user_id is None:
            return ANONYMOUS
        rows = (
            await Membership.select(
                Membership.organisation,
                Membership.organisation.kind.as_alias("kind"),
                Membership.organisation.verified_at.as_alias("verified_at"),
            )
            .where(Membership.user == user_id)
            .run()
        )
        return NeedScope(
            user_id=user_id,
            staff=is_staff,
            own_org_ids=tuple(row["organisation"] for row in rows),
            verified_startup=any(row["kind"] == "startup" and row["verified_at"] is not None for row in rows),
        )

    # -- corporations ---------------------------------------------------------------------------
    async def corporation(self, organisation_id: int) -> dict[str, Any] | None:
        """Organisation ``organisation_id`` if it is a corporation, else None."""
        return (
            await Organisation.select(
                Organisation.id, Organisation.kind, Organisation.name_ko, Organisation.name_en, Organisation.verified_at
            )
            .where((Organisation.id == organisation_id) & (Organisation.kind == "corporate"))
            .first()
            .run()
        )

    async def is_member(self, organisation_id: int, user_id: int) -> bool:
        return await Membership.exists().where(
            (Membership.organisation == organisation_id) & (Membership.user == user_id)
        ).run()

    # -- reading needs --------------------------------------------------------------------------
    async def _with_tags(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if not rows:
            return rows
        ids = [row["id"] for row in rows]
        tags = (
            await PartnerNeedTag.select(PartnerNeedTag.need, PartnerNeedTag.kind, PartnerNeedTag.slug)
            .where(PartnerNeedTag.need.is_in(ids))
            .order_by(PartnerNeedTag.id)
            .run()
        )
        by_need: dict[int, dict[str, list[str]]] = {i: {kind: [] for kind in TAG_KINDS} for i in ids}
        for tag in tags:
            by_need[tag["need"]].setdefault(tag["kind"], []).append(tag["slug"])
        for row in rows:
            row["sectors"] = by_need[row["id"]].get("sector", [])
            row["technologies"] = by_need[row["id"]].get("technology", [])
            for column in LIST_COLUMNS:
                row[column] = load_list(row[column])
        return rows

    async def visible(self, need_id: int, scope: NeedScope) -> dict[str, Any] | None:
        """Need ``need_id`` with its tags and corporation, if ``scope`` may see it; else None."""
        query = PartnerNeed.select(*_need_columns()).where(PartnerNeed.id == need_id)
        condition = visible_condition(scope)
        if condition is not None:
            query = query.where(condition)
        row = await query.first().run()
        return (await self._with_tags([row]))[0] if row else None

    async def visible_many(self, need_ids: list[int], scope: NeedScope) -> list[dict[str, Any]]:
        """The needs of ``need_ids`` that ``scope`` may see, with their tags, in the order given."""
        if not need_ids:
            return []
        query = PartnerNeed.select(*_need_columns()).where(PartnerNeed.id.is_in(list(need_ids)))
        condition = visible_condition(scope)
        if condition is not None:
            query = query.where(condition)
        by_id = {row["id"]: row for row in await query.run()}
        return await self._with_tags([by_id[need_id] for need_id in need_ids if need_id in by_id])

    async def owned(self, need_id: int, user_id: int) -> dict[str, Any] | None:
        """Need ``need_id`` if user ``user_id`` is a member of the corporation that posted it, else None.

        The object-level check of every change: members of other organisations (and staff who
        are not members) get None, whatever the need's visibility.
        """
        row = (
            await PartnerNeed.select(*_need_columns())
            .where(
                (PartnerNeed.id == need_id)
                & PartnerNeed.organisation.is_in(Membership.select(Membership.organisation).where(Membership.user == user_id))
            )
            .first()
            .run()
        )
        return (await self._with_tags([row]))[0] if row else None

    async def search(
        self,
        scope: NeedScope,
        filters: SearchFilters,
        *,
        limit: int,
        offset: int,
        organisation_id: int | None = None,
        named_only: bool = False,
        ranked_ids: list[int] | None = None,
        anonymised_only: bool = False,
    ) -> tuple[list[dict[str, Any]], int]:
        """The needs ``scope`` may see that pass ``filters``, newest first: (rows of one page, total).

        organisation_id: only this corporation's needs. named_only: leave out anonymised needs
        of corporations the viewer does not belong to (a corporation's own list must not tie
        it to its anonymised needs). ranked_ids: needs the search index ranked for the keyword
        (best first); with a keyword, a need matches when it contains the words OR is ranked,
        and ranked needs come first in their order. anonymised_only: only anonymised needs.
        Visibility is decided here either way.
        """
        conditions = await self._conditions(scope, filters, also_ids=ranked_ids)
        if organisation_id is not None:
            conditions.append(PartnerNeed.organisation == organisation_id)
        if anonymised_only:
            conditions.append(PartnerNeed.visibility == "anonymised")
        if named_only and not scope.staff:
            named = PartnerNeed.visibility != "anonymised"
            if scope.own_org_ids:
                named = named | PartnerNeed.organisation.is_in(list(scope.own_org_ids))
            conditions.append(named)
        query = PartnerNeed.select(*_need_columns())
        count = PartnerNeed.count()
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        total = await count.run()
        query = query.order_by(PartnerNeed.created_at, ascending=False).order_by(PartnerNeed.id, ascending=False)
        if ranked_ids and filters.q:
            rank = {need_id: position for position, need_id in enumerate(ranked_ids)}
            every = await query.run()
            every.sort(key=lambda row: rank.get(row["id"], len(rank)))  # stable: unranked stay newest first
            return await self._with_tags(every[offset : offset + limit]), total
        rows = await query.limit(limit).offset(offset).run()
        return await self._with_tags(rows), total

    async def _conditions(self, scope: NeedScope, filters: SearchFilters, also_ids: list[int] | None = None) -> list[Any]:
        conditions: list[Any] = []
        visible = visible_condition(scope)
        if visible is not None:
            conditions.append(visible)
        if not filters.include_inactive:
            conditions.append(PartnerNeed.status == "open")
        if filters.q:
            keyword = await self._keyword(scope, filters.q)
            conditions.append(keyword | PartnerNeed.id.is_in(also_ids) if also_ids else keyword)
        for name, kind in (("sector", "sector"), ("technology", "technology")):
            slugs = list(getattr(filters, name))
            if slugs:
                conditions.append(
                    PartnerNeed.id.is_in(
                        PartnerNeedTag.select(PartnerNeedTag.need).where(
                            (PartnerNeedTag.kind == kind) & PartnerNeedTag.slug.is_in(slugs)
                        )
                    )
                )
        if filters.stage:
            # A need that names no stage is open to every stage.
            conditions.append(
                any_of([contains('"partner_need"."stages"', "[]")] + [json_list_has('"partner_need"."stages"', s) for s in filters.stage])
            )
        if filters.engagement:
            conditions.append(PartnerNeed.engagement_type.is_in(list(filters.engagement)))
        if filters.location:
            countries = (await self.taxonomy.matching(filters.location, ("country",))).get("country", [])
            slugs = list(dict.fromkeys([filters.location.lower(), *countries]))
            conditions.append(
                any_of(
                    [contains('"partner_need"."locations"', filters.location)]
                    + [json_list_has('"partner_need"."countries"', slug) for slug in slugs]
                )
            )
        # Team size: the need's range overlaps the filter's (an open end overlaps everything).
        if filters.team_min is not None:
            conditions.append(PartnerNeed.team_size_max.is_null() | (PartnerNeed.team_size_max >= filters.team_min))
        if filters.team_max is not None:
            conditions.append(PartnerNeed.team_size_min.is_null() | (PartnerNeed.team_size_min <= filters.team_max))
        if filters.verified:
            conditions.append(
                PartnerNeed.organisation.is_in(Organisation.select(Organisation.id).where(Organisation.verified_at.is_not_null()))
            )
        return conditions

    async def _keyword(self, scope: NeedScope, text: str) -> Any:
        """Titles, descriptions, locations, the anonymised label of anonymised needs, the
        corporation's name (never of an anonymised need the viewer may not unmask), and the
        labels of the need's sectors, technologies and engagement type, in both languages."""
        table = '"partner_need"'
        texts = [
            contains(f"{table}.\"{column}\"", text)
            for column in ("title_ko", "title_en", "description_ko", "description_en", "locations")
        ]
        labels = any_of([contains(f'{table}."anonymised_label_ko"', text), contains(f'{table}."anonymised_label_en"', text)])
        texts.append((PartnerNeed.visibility == "anonymised") & labels)
        named_orgs = Organisation.select(Organisation.id).where(
            contains('"organisation"."name_ko"', text) | contains('"organisation"."name_en"', text)
        )
        by_name = PartnerNeed.organisation.is_in(named_orgs)
        if not scope.staff:
            unmasked = PartnerNeed.visibility != "anonymised"
            if scope.own_org_ids:
                unmasked = unmasked | PartnerNeed.organisation.is_in(list(scope.own_org_ids))
            by_name = by_name & unmasked
        texts.append(by_name)
        terms = await self.taxonomy.matching(text, ("sector", "technology", "engagement_type"))
        tag_terms = [
            (PartnerNeedTag.kind == kind) & PartnerNeedTag.slug.is_in(terms[kind]) for kind in TAG_KINDS if terms.get(kind)
        ]
        if tag_terms:
            texts.append(PartnerNeed.id.is_in(PartnerNeedTag.select(PartnerNeedTag.need).where(any_of(tag_terms))))
        if terms.get("engagement_type"):
            texts.append(PartnerNeed.engagement_type.is_in(terms["engagement_type"]))
        return any_of(texts)

    # -- writing needs --------------------------------------------------------------------------
    async def insert(self, values: dict[str, Any], tags: dict[str, list[str]]) -> int:
        """Insert a need (``values``: column → value; lists as Python lists) and its tags; returns its id."""
        need = PartnerNeed(**_stored(values))
        await need.save().run()
        await self.replace_tags(int(need.id), tags)
        return int(need.id)

    async def update(self, need_id: int, values: dict[str, Any], tags: dict[str, list[str]] | None = None) -> None:
        """Set ``values`` on need ``need_id``; ``tags`` (kind → slugs) replaces the tags when given."""
        stored = _stored(values)
        if stored:
            await PartnerNeed.update({getattr(PartnerNeed, key): value for key, value in stored.items()}).where(
                PartnerNeed.id == need_id
            ).run()
        if tags is not None:
            await self.replace_tags(need_id, tags)

    async def replace_tags(self, need_id: int, tags: dict[str, list[str]]) -> None:
        await PartnerNeedTag.delete().where(PartnerNeedTag.need == need_id).run()
        rows = [
            PartnerNeedTag(need=need_id, kind=kind, slug=slug)
            for kind in TAG_KINDS
            for slug in dict.fromkeys(tags.get(kind, []))
        ]
        if rows:
            await PartnerNeedTag.insert(*rows).run()


def _stored(values: dict[str, Any]) -> dict[str, Any]:
    return {
        key: json.dumps(list(value), ensure_ascii=False) if key in LIST_COLUMNS else value for key, value in values.items()
    }
