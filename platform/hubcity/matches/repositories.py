"""Every query of the matches domain: the rows that become index documents, shortlists,
interests, introductions and match alerts. Rows come back as dicts (JSON lists loaded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hubcity.corporates.repositories import load_list
from hubcity.db.tables import (
    Consent,
    Interest,
    Introduction,
    MatchAlert,
    Membership,
    Organisation,
    PartnerNeed,
    PartnerNeedTag,
    ShortlistEntry,
    StartupProfile,
    StartupTag,
    TaxonomyTerm,
    User,
)

TAG_KINDS = ("sector", "technology")


async def _tags(table: Any, owner_column: Any, ids: Sequence[int]) -> dict[int, dict[str, list[str]]]:
    result: dict[int, dict[str, list[str]]] = {i: {kind: [] for kind in TAG_KINDS} for i in ids}
    if ids:
        rows = await table.select(owner_column, table.kind, table.slug).where(owner_column.is_in(list(ids))).order_by(table.id).run()
        for row in rows:
            result[row[owner_column._meta.name]].setdefault(row["kind"], []).append(row["slug"])
    return result


class IndexSourceRepository:
    """Reads what the index is built from: profiles and needs with their tags."""

    async def profiles(self, ids: Sequence[int] | None = None, *, after_id: int = 0, limit: int | None = None) -> list[dict[str, Any]]:
        """Profiles (every column, lists loaded) with ``sectors``, ``technologies`` (slugs) and
        ``verified`` (its organisation is verified). ``ids`` None: all, in id order from
        ``after_id``, at most ``limit``."""
        query = StartupProfile.select(
            StartupProfile.all_columns(), StartupProfile.organisation.verified_at.as_alias("org_verified_at")
        )
        if ids is not None:
            query = query.where(StartupProfile.id.is_in(list(ids) or [-1]))
        else:
            query = query.where(StartupProfile.id > after_id).order_by(StartupProfile.id)
            if limit:
                query = query.limit(limit)
        rows = await query.run()
        tags = await _tags(StartupTag, StartupTag.profile, [row["id"] for row in rows])
        for row in rows:
            for key in ("investors", "customers", "partners", "target_markets", "tags"):
                row[key] = load_list(row[key])
            row["sectors"] = tags[row["id"]]["sector"]
            row["technologies"] = tags[row["id"]]["technology"]
            row["verified"] = row.pop("org_verified_at") is not None
        return rows

    async def profile_ids(self) -> list[int]:
        return [row["id"] for row in await StartupProfile.select(StartupProfile.id).order_by(StartupProfile.id).run()]

    async def needs(self, ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
        """Needs (every column, lists loaded) with ``sectors``, ``technologies`` and the
        corporation's ``org_name_ko``/``org_name_en``/``org_verified_at``; all when ``ids`` is None."""
        query = PartnerNeed.select(
            PartnerNeed.all_columns(),
            PartnerNeed.organisation.name_ko.as_alias("org_name_ko"),
            PartnerNeed.organisation.name_en.as_alias("org_name_en"),
            PartnerNeed.organisation.verified_at.as_alias("org_verified_at"),
        )
        if ids is not None:
            query = query.where(PartnerNeed.id.is_in(list(ids) or [-1]))
        rows = await query.order_by(PartnerNeed.id).run()
        tags = await _tags(PartnerNeedTag, PartnerNeedTag.need, [row["id"] for row in rows])
        for row in rows:
            row["stages"] = load_list(row["stages"])
            row["countries"] = load_list(row["countries"])
            row["sectors"] = tags[row["id"]]["sector"]
            row["technologies"] = tags[row["id"]]["technology"]
        return rows

    async def need_ids(self) -> list[int]:
        return [row["id"] for row in await PartnerNeed.select(PartnerNeed.id).order_by(PartnerNeed.id).run()]

    async def taxonomy_labels(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(kind, slug) → (label_ko, label_en) of every taxonomy term."""
        rows = await TaxonomyTerm.select(TaxonomyTerm.kind, TaxonomyTerm.slug, TaxonomyTerm.label_ko, TaxonomyTerm.label_en).run()
        return {(row["kind"], row["slug"]): (row["label_ko"], row["label_en"]) for row in rows}

    async def country_slugs_matching(self, text: str) -> list[str]:
        """Slugs of the countries whose slug or Korean or English name contains ``text`` (any case)."""
        needle = text.casefold().strip()
        if not needle:
            return []
        return [
            slug
            for (kind, slug), (label_ko, label_en) in (await self.taxonomy_labels()).items()
            if kind == "country" and any(needle in (value or "").casefold() for value in (slug, label_ko, label_en))
        ]

    async def profile_ids_of_organisation(self, organisation_id: int) -> list[int]:
        rows = await StartupProfile.select(StartupProfile.id).where(StartupProfile.organisation == organisation_id).run()
        return [row["id"] for row in rows]


class ShortlistRepository:
    async def entries(self, need_id: int) -> list[dict[str, Any]]:
        return await ShortlistEntry.select().where(ShortlistEntry.need == need_id).order_by(ShortlistEntry.id).run()

    async def profile_ids(self, need_id: int) -> set[int]:
        rows = await ShortlistEntry.select(ShortlistEntry.profile).where(ShortlistEntry.need == need_id).run()
        return {row["profile"] for row in rows}

    async def add(self, need_id: int, profile_id: int, user_id: int, now: datetime) -> bool:
        """Add; False when it was already there."""
        exists = await ShortlistEntry.exists().where((ShortlistEntry.need == need_id) & (ShortlistEntry.profile == profile_id)).run()
        if exists:
            return False
        await ShortlistEntry(need=need_id, profile=profile_id, added_by=user_id, created_at=now).save().run()
        return True

    async def remove(self, need_id: int, profile_id: int) -> bool:
        exists = await ShortlistEntry.exists().where((ShortlistEntry.need == need_id) & (ShortlistEntry.profile == profile_id)).run()
        await ShortlistEntry.delete().where((ShortlistEntry.need == need_id) & (ShortlistEntry.profile == profile_id)).run()
        return bool(exists)


class InterestRepository:
    async def for_need(self, need_id: int) -> list[dict[str, Any]]:
        return await Interest.select().where(Interest.need == need_id).order_by(Interest.id).run()

    async def need_ids_of_profile(self, profile_id: int) -> set[int]:
        rows = await Interest.select(Interest.need).where(Interest.profile == profile_id).run()
        return {row["need"] for row in rows}

    async def add(self, need_id: int, profile_id: int, user_id: int, message: str, now: datetime) -> bool:
        exists = await Interest.exists().where((Interest.need == need_id) & (Interest.profile == profile_id)).run()
        if exists:
            return False
        await Interest(need=need_id, profile=profile_id, created_by=user_id, message=message, created_at=now).save().run()
        return True

    async def remove(self, need_id: int, profile_id: int) -> bool:
        exists = await Interest.exists().where((Interest.need == need_id) & (Interest.profile == profile_id)).run()
        await Interest.delete().where((Interest.need == need_id) & (Interest.profile == profile_id)).run()
        return bool(exists)


class IntroductionRepository:
    async def get(self, introduction_id: int) -> dict[str, Any] | None:
        return await Introduction.select().where(Introduction.id == introduction_id).first().run()

    async def open_between(self, need_id: int, profile_id: int) -> dict[str, Any] | None:
        """The introduction for this pair that is not declined, if any."""
        return (
            await Introduction.select()
            .where((Introduction.need == need_id) & (Introduction.profile == profile_id) & (Introduction.status != "declined"))
            .first()
            .run()
        )

    async def for_need(self, need_id: int) -> list[dict[str, Any]]:
        return await Introduction.select().where(Introduction.need == need_id).order_by(Introduction.id).run()

    async def for_profile(self, profile_id: int) -> list[dict[str, Any]]:
        return await Introduction.select().where(Introduction.profile == profile_id).order_by(Introduction.id, ascending=False).run()

    async def all(self, *, status: str | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        query, count = Introduction.select(), Introduction.count()
        if status:
            query, count = query.where(Introduction.status == status), count.where(Introduction.status == status)
        rows = await query.order_by(Introduction.id, ascending=False).limit(limit).offset(offset).run()
        return rows, await count.run()

    async def insert(self, values: dict[str, Any]) -> int:
        row = Introduction(**values)
        await row.save().run()
        return int(row.id)

    async def update(self, introduction_id: int, values: dict[str, Any]) -> None:
        await Introduction.update({getattr(Introduction, key): value for key, value in values.items()}).where(
            Introduction.id == introduction_id
        ).run()


class AlertRepository:
    async def of_user(self, user_id: int) -> list[dict[str, Any]]:
        return await MatchAlert.select().where(MatchAlert.user == user_id).run()

    async def find(self, user_id: int, kind: str, need_id: int | None) -> dict[str, Any] | None:
        condition = (MatchAlert.user == user_id) & (MatchAlert.kind == kind)
        condition = condition & (MatchAlert.need.is_null() if need_id is None else MatchAlert.need == need_id)
        return await MatchAlert.select().where(condition).first().run()

    async def add(self, user_id: int, organisation_id: int, kind: str, need_id: int | None, now: datetime) -> None:
        await MatchAlert(user=user_id, organisation=organisation_id, kind=kind, need=need_id, created_at=now).save().run()

    async def remove(self, alert_id: int) -> None:
        await MatchAlert.delete().where(MatchAlert.id == alert_id).run()

    async def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return await MatchAlert.select().where(MatchAlert.kind == kind).run()

    async def for_need(self, need_id: int) -> list[dict[str, Any]]:
        return await MatchAlert.select().where((MatchAlert.kind == "startups") & (MatchAlert.need == need_id)).run()


class PeopleRepository:
    """Users and organisations the matches pages name or notify."""

    async def user(self, user_id: int) -> dict[str, Any] | None:
        return await User.select(User.id, User.email, User.name, User.locale).where(User.id == user_id).first().run()

    async def members(self, organisation_id: int) -> list[dict[str, Any]]:
        return (
            await Membership.select(
                Membership.user.id.as_alias("id"), Membership.user.email.as_alias("email"),
                Membership.user.name.as_alias("name"), Membership.user.locale.as_alias("locale"), Membership.role,
            )
            .where(Membership.organisation == organisation_id)
            .order_by(Membership.id)
            .run()
        )

    async def organisation(self, organisation_id: int) -> dict[str, Any] | None:
        return await Organisation.select().where(Organisation.id == organisation_id).first().run()

    async def third_party_consent(self, user_id: int) -> bool:
        """Whether user ``user_id`` has a standing consent to provision to third parties."""
        return await Consent.exists().where(
            (Consent.user == user_id) & (Consent.purpose == "third_party_provision") & Consent.withdrawn_at.is_null()
        ).run()
