"""Every query of the startups domain. Rows come back as dicts; JSON list columns come back as
Python lists (``.output(load_json=True)``).

Object-level checks live in the services, which ask :meth:`ProfileRepository.get` for a row and
then compare its organisation with the viewer's memberships.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from piccolo.columns.combination import WhereRaw
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from hubcity.core.clock import utcnow
from hubcity.core.jobs import INDEX_JOB_ATTEMPTS, INDEX_NEED_JOB, INDEX_STARTUP_JOB, enqueue_once
from hubcity.db.tables import (
    Membership,
    Organisation,
    PartnerNeed,
    ProfileClaim,
    StaffRole,
    StartupProfile,
    StartupTag,
    TaxonomyTerm,
    User,
)
from hubcity.startups.websites import website_domain

#: JSON columns of StartupProfile that hold lists of strings.
LIST_COLUMNS: tuple[str, ...] = ("investors", "customers", "partners", "target_markets", "tags")
#: Tag kinds kept in StartupTag rows.
TAG_KINDS: tuple[str, ...] = ("sector", "technology")


def write_transaction() -> Any:
    """A transaction for writes (``async with write_transaction():``); IMMEDIATE on SQLite so a
    read-then-write cannot fail with "database is locked". Inside another transaction it joins it."""
    engine = StartupProfile._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def _dump_list(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(list(value or []), ensure_ascii=False)


def _load_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    if not value:
        return []
    try:
        loaded = json.loads(value)
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


def _loaded(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    for column in LIST_COLUMNS:
        if column in row:
            row[column] = _load_list(row[column])
    return row




async def enqueue_index(profile_id: int) -> None:
    """Queue :data:`INDEX_STARTUP_JOB` for ``profile_id`` (inside the caller's transaction)."""
    await enqueue_once(INDEX_STARTUP_JOB, {"profile_id": profile_id}, max_attempts=INDEX_JOB_ATTEMPTS)


class ProfileRepository:
    """Startup profiles and their sector/technology tags."""

    async def save_profile(
        self,
        values: dict[str, Any],
        tags: dict[str, list[str]] | None = None,
        profile_id: int | None = None,
    ) -> int:
        """Insert (``profile_id`` None) or update profile ``profile_id``; returns its id.

        values: column name → value for :class:`StartupProfile` (e.g. ``name_en``, ``team_size``,
        ``funding_raised`` in integer minor units, ``founded_on`` a ``date``, ``source_key``).
        List columns (``investors``, ``customers``, ``partners``, ``target_markets``, ``tags``)
        take Python lists of strings. When ``website`` is given, ``website_domain`` is derived
        from it (lower-case host without ``www.``). ``updated_at`` is always set to now, and
        ``created_at`` on insert. Columns not in ``values`` keep their stored value (or the
        column default on insert).
        tags: ``{"sector": [slug, ...], "technology": [slug, ...]}``; each kind given replaces
        that kind's StartupTag rows (kinds not given are left alone; None leaves all alone).
        Slugs are not validated here (see :func:`hubcity.startups.taxonomy.valid_slugs`).
        Runs in one transaction (joining the caller's, if any), so a profile is never half
        written; the same transaction queues :data:`INDEX_STARTUP_JOB` so the search index
        follows (the matches domain handles it). Raises ``KeyError`` for an unknown column name.
        """
        now = utcnow()
        row: dict[str, Any] = {}
        for key, value in values.items():
            if key in ("id", "created_at", "updated_at", "website_domain"):
                continue
            if key not in _COLUMN_NAMES:
                raise KeyError(key)
            row[key] = _dump_list(value) if key in LIST_COLUMNS else value
        if "website" in values:
            row["website_domain"] = website_domain(values.get("website"))
        row["updated_at"] = now
        async with write_transaction():
            if profile_id is None:
                row["created_at"] = now
                profile = StartupProfile(**row)
                await profile.save().run()
                profile_id = int(profile.id)
            else:
                await (
                    StartupProfile.update({getattr(StartupProfile, key): value for key, value in row.items()})
                    .where(StartupProfile.id == profile_id)
                    .run()
                )
            for kind, slugs in (tags or {}).items():
                await self.replace_tags(profile_id, kind, slugs)
            await enqueue_index(profile_id)
        return profile_id

    async def replace_tags(self, profile_id: int, kind: str, slugs: list[str]) -> None:
        """Make profile ``profile_id``'s ``kind`` tags exactly ``slugs`` (duplicates dropped, order kept)."""
        await StartupTag.delete().where((StartupTag.profile == profile_id) & (StartupTag.kind == kind)).run()
        unique = list(dict.fromkeys(slug for slug in slugs if slug))
        if unique:
            await StartupTag.insert(*[StartupTag(profile=profile_id, kind=kind, slug=slug) for slug in unique]).run()

    async def get(self, profile_id: int) -> dict[str, Any] | None:
        """Profile ``profile_id`` (every column, lists loaded), or None."""
        row = await StartupProfile.select().where(StartupProfile.id == profile_id).first().output(load_json=True).run()
        return _loaded(row)

    async def find_by_source_key(self, key: str) -> dict[str, Any] | None:
        """The profile imported with ``source_key`` ``"source:external_id"`` (lists loaded), or None."""
        row = (
            await StartupProfile.select()
            .where(StartupProfile.source_key == key)
            .first()
            .output(load_json=True)
            .run()
        )
        return _loaded(row)

    async def find_by_domain(self, domain: str, exclude_id: int | None = None) -> dict[str, Any] | None:
        """The oldest profile whose ``website_domain`` equals ``domain`` (already normalised, see
        :func:`hubcity.startups.websites.website_domain`), other than ``exclude_id``; None when
        ``domain`` is blank or no profile has it."""
        if not domain:
            return None
        query = StartupProfile.select().where(StartupProfile.website_domain == domain)
        if exclude_id is not None:
            query = query.where(StartupProfile.id != exclude_id)
        row = await query.order_by(StartupProfile.id).first().output(load_json=True).run()
        return _loaded(row)

    async def tags_of(self, profile_id: int) -> dict[str, list[str]]:
        """``{"sector": [...], "technology": [...]}`` of profile ``profile_id``."""
        rows = await StartupTag.select(StartupTag.kind, StartupTag.slug).where(StartupTag.profile == profile_id).order_by(StartupTag.id).run()
        result: dict[str, list[str]] = {kind: [] for kind in TAG_KINDS}
        for row in rows:
            result.setdefault(row["kind"], []).append(row["slug"])
        return result

    async def for_organisation(self, organisation_id: int) -> dict[str, Any] | None:
        """The (oldest) profile kept by organisation ``organisation_id``, or None."""
        row = (
            await StartupProfile.select()
            .where(StartupProfile.organisation == organisation_id)
            .order_by(StartupProfile.id)
            .first()
            .output(load_json=True)
            .run()
        )
        return _loaded(row)

    async def unclaimed_matching(self, *, name_keys: set[str], domain: str) -> list[dict[str, Any]]:
        """Profiles without an organisation whose Korean or English name, compared case- and
        space-insensitively, is in ``name_keys`` (already normalised with :func:`name_key`), or
        whose website domain equals ``domain`` (when not blank). Oldest first, at most 20."""
        conditions = []
        args: list[Any] = []
        for column in ("name_ko", "name_en"):
            for key in sorted(name_keys):
                conditions.append(f"REPLACE(LOWER({column}), ' ', '') = {{}}")
                args.append(key)
        if domain:
            conditions.append("website_domain = {}")
            args.append(domain)
        if not conditions:
            return []
        return (
            await StartupProfile.select(
                StartupProfile.id,
                StartupProfile.name_ko,
                StartupProfile.name_en,
                StartupProfile.website,
                StartupProfile.website_domain,
                StartupProfile.location,
                StartupProfile.one_liner_ko,
                StartupProfile.one_liner_en,
                StartupProfile.source,
            )
            .where(StartupProfile.organisation.is_null())
            .where(WhereRaw("(" + " OR ".join(conditions) + ")", *args))
            .order_by(StartupProfile.id)
            .limit(20)
            .run()
        )

    async def set_organisation(self, profile_id: int, organisation_id: int, now: datetime) -> None:
        """Hand profile ``profile_id`` to ``organisation_id`` (a claim approved): ``claimed_at`` = now."""
        await StartupProfile.update(
            {StartupProfile.organisation: organisation_id, StartupProfile.claimed_at: now, StartupProfile.updated_at: now}
        ).where(StartupProfile.id == profile_id).run()
        await enqueue_index(profile_id)

    async def delete(self, profile_id: int) -> None:
        """Delete profile ``profile_id`` (its tags and claims go with it)."""
        await StartupProfile.delete().where(StartupProfile.id == profile_id).run()
        await enqueue_index(profile_id)  # the handler removes the document of a missing profile

    async def organisation(self, organisation_id: int) -> dict[str, Any] | None:
        """The organisation row ``organisation_id``, or None."""
        return await Organisation.select().where(Organisation.id == organisation_id).first().run()


def name_key(name: str | None) -> str:
    """A name compared case- and space-insensitively: ``" Acme  Robotics "`` → ``acmerobotics``
    (the same folding as SQL's ``REPLACE(LOWER(name), ' ', '')`` on stored names)."""
    return "".join((name or "").split()).lower()


class TaxonomyRepository:
    """Taxonomy terms (rows of :class:`TaxonomyTerm`)."""

    async def keys(self) -> set[str]:
        """Every stored ``"kind:slug"`` key."""
        return {row["key"] for row in await TaxonomyTerm.select(TaxonomyTerm.key).run()}

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        """Insert terms given as dicts of column → value."""
        if rows:
            await TaxonomyTerm.insert(*[TaxonomyTerm(**row) for row in rows]).run()

    async def of_kind(self, kind: str, *, include_inactive: bool = False) -> list[dict[str, Any]]:
        """Terms of ``kind`` ordered by position, then slug."""
        query = TaxonomyTerm.select().where(TaxonomyTerm.kind == kind)
        if not include_inactive:
            query = query.where(TaxonomyTerm.is_active.eq(True))
        return await query.order_by(TaxonomyTerm.position).order_by(TaxonomyTerm.slug).run()

    async def get(self, term_id: int) -> dict[str, Any] | None:
        return await TaxonomyTerm.select().where(TaxonomyTerm.id == term_id).first().run()

    async def find(self, kind: str, slug: str) -> dict[str, Any] | None:
        return await TaxonomyTerm.select().where(TaxonomyTerm.key == f"{kind}:{slug}").first().run()

    async def update(self, term_id: int, values: dict[str, Any]) -> None:
        """Set ``values`` (column name → value) on term ``term_id``."""
        await TaxonomyTerm.update({getattr(TaxonomyTerm, key): value for key, value in values.items()}).where(
            TaxonomyTerm.id == term_id
        ).run()

    async def next_position(self, kind: str) -> int:
        """A position after every term of ``kind`` (steps of 10)."""
        rows = await TaxonomyTerm.select(TaxonomyTerm.position).where(TaxonomyTerm.kind == kind).run()
        return max((row["position"] for row in rows), default=0) + 10

    async def insert(self, *, kind: str, slug: str, label_ko: str, label_en: str, position: int) -> int:
        row = TaxonomyTerm(
            key=f"{kind}:{slug}", kind=kind, slug=slug, label_ko=label_ko, label_en=label_en, position=position, is_active=True
        )
        await row.save().run()
        return int(row.id)


class OrganisationDirectory:
    """Organisations as verification and claims see them (rows of ``hubcity.accounts``' tables).

    Verification is the only write: :meth:`set_verified` sets ``verified_at``/``verified_by``.
    """

    async def get(self, organisation_id: int) -> dict[str, Any] | None:
        return await Organisation.select().where(Organisation.id == organisation_id).first().run()

    async def page(self, *, kind: str, unverified: bool, q: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """(rows, total) of organisations other than the agency, newest first; ``kind`` (``startup``
        or ``corporate``) and ``unverified`` filter, ``q`` matches part of a name or the digits of
        the registration number."""
        query = Organisation.select()
        count = Organisation.count()
        conditions = [Organisation.kind != "agency"]
        if kind:
            conditions.append(Organisation.kind == kind)
        if unverified:
            conditions.append(Organisation.verified_at.is_null())
        if q:
            digits = "".join(ch for ch in q if ch.isdigit())
            match = Organisation.name_ko.ilike(f"%{q}%") | Organisation.name_en.ilike(f"%{q}%")
            if digits and len(digits) == len(q.replace("-", "").replace(" ", "")):
                match = match | Organisation.business_registration_number.like(f"%{digits}%")
            conditions.append(match)
        for condition in conditions:
            query = query.where(condition)
            count = count.where(condition)
        rows = await query.order_by(Organisation.id, ascending=False).limit(limit).offset(offset).run()
        return rows, await count.run()

    async def set_verified(self, organisation_id: int, *, at: datetime | None, by: int | None) -> None:
        await Organisation.update({Organisation.verified_at: at, Organisation.verified_by: by}).where(
            Organisation.id == organisation_id
        ).run()
        for row in await StartupProfile.select(StartupProfile.id).where(StartupProfile.organisation == organisation_id).run():
            await enqueue_index(row["id"])  # the verified badge is a facet of the search document
        for row in await PartnerNeed.select(PartnerNeed.id).where(PartnerNeed.organisation == organisation_id).run():
            await enqueue_once(INDEX_NEED_JOB, {"need_id": row["id"]}, max_attempts=INDEX_JOB_ATTEMPTS)  # so is a corporation's

    async def owners(self, organisation_id: int) -> list[dict[str, Any]]:
        """[{id, email, name, locale}] of the active owners of ``organisation_id``."""
        return await _people(
            User.id.is_in(
                Membership.select(Membership.user).where(
                    (Membership.organisation == organisation_id) & (Membership.role == "owner")
                )
            )
        )

    async def staff_with_roles(self, roles: tuple[str, ...]) -> list[dict[str, Any]]:
        """[{id, email, name, locale}] of active users holding any of ``roles``."""
        return await _people(User.id.is_in(StaffRole.select(StaffRole.user).where(StaffRole.role.is_in(list(roles)))))

    async def user(self, user_id: int) -> dict[str, Any] | None:
        """{id, email, name, locale} of active user ``user_id``, or None."""
        people = await _people(User.id == user_id)
        return people[0] if people else None


async def _people(condition: Any) -> list[dict[str, Any]]:
    return (
        await User.select(User.id, User.email, User.name, User.locale)
        .where(condition & User.is_active.eq(True) & User.deleted_at.is_null())
        .order_by(User.id)
        .run()
    )


class ClaimRepository:
    """Claims of existing profiles by startup organisations."""

    async def insert(self, *, profile_id: int, organisation_id: int, user_id: int, now: datetime) -> int:
        row = ProfileClaim(
            profile=profile_id, organisation=organisation_id, requested_by=user_id, status="pending", created_at=now
        )
        await row.save().run()
        return int(row.id)

    async def pending(self, *, profile_id: int | None = None, organisation_id: int | None = None) -> list[dict[str, Any]]:
        """Pending claims (of a profile and/or by an organisation), oldest first."""
        query = self._select().where(ProfileClaim.status == "pending")
        if profile_id is not None:
            query = query.where(ProfileClaim.profile == profile_id)
        if organisation_id is not None:
            query = query.where(ProfileClaim.organisation == organisation_id)
        return await query.order_by(ProfileClaim.id).run()

    async def get(self, claim_id: int) -> dict[str, Any] | None:
        return await self._select().where(ProfileClaim.id == claim_id).first().run()

    async def page(self, *, status: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """(rows, total) of claims with ``status`` (any when blank), newest first."""
        query = self._select()
        count = ProfileClaim.count()
        if status:
            query = query.where(ProfileClaim.status == status)
            count = count.where(ProfileClaim.status == status)
        rows = await query.order_by(ProfileClaim.id, ascending=False).limit(limit).offset(offset).run()
        return rows, await count.run()

    async def decide(self, claim_id: int, *, status: str, message: str, by: int | None, now: datetime) -> None:
        await ProfileClaim.update(
            {
                ProfileClaim.status: status,
                ProfileClaim.message: message,
                ProfileClaim.decided_by: by,
                ProfileClaim.decided_at: now,
            }
        ).where(ProfileClaim.id == claim_id).run()

    def _select(self) -> Any:
        return ProfileClaim.select(
            ProfileClaim.all_columns(),
            ProfileClaim.profile.name_ko.as_alias("profile_name_ko"),
            ProfileClaim.profile.name_en.as_alias("profile_name_en"),
            ProfileClaim.profile.website.as_alias("profile_website"),
            ProfileClaim.profile.organisation.as_alias("profile_organisation"),
            ProfileClaim.organisation.name_ko.as_alias("organisation_name_ko"),
            ProfileClaim.organisation.name_en.as_alias("organisation_name_en"),
            ProfileClaim.organisation.verified_at.as_alias("organisation_verified_at"),
            ProfileClaim.organisation.business_registration_number.as_alias("organisation_registration_number"),
            ProfileClaim.requested_by.email.as_alias("requested_by_email"),
            ProfileClaim.requested_by.name.as_alias("requested_by_name"),
        )


_COLUMN_NAMES: frozenset[str] = frozenset(column._meta.name for column in StartupProfile._meta.columns)
