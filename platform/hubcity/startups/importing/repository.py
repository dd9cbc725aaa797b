"""Queries of the bulk import: a snapshot of what is stored before a run, and import runs.

Profiles are written through :class:`hubcity.startups.repositories.ProfileRepository`
(``save_profile``). The import reads what it compares against in a few queries up front
(:meth:`ImportRepository.snapshot`) instead of several queries per record, so a preview of a
large file stays quick and needs no writes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hubcity.db.tables import ImportRun, StartupProfile, StartupTag, TaxonomyTerm
from hubcity.startups.repositories import LIST_COLUMNS, TAG_KINDS


@dataclass
class DomainHolder:
    """A profile holding a website domain: ``id`` (None for a record of the file being previewed,
    which is not written), its name, ``duplicate_of`` (its ``possible_duplicate_of``) and, for a
    record of this file, its ``line``."""

    id: int | None
    name: str
    duplicate_of: int | None = None
    line: int | None = None


@dataclass
class Snapshot:
    """What is stored, as the import compares against it.

    profiles: ``source_key`` → the profile row of this source (every column; list columns as
    lists; ``terms`` added: ``{"sector": set, "technology": set}``). domains: website domain →
    the profiles holding it, oldest first (all profiles, of any source).
    """

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    domains: dict[str, list[DomainHolder]] = field(default_factory=dict)


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    try:
        loaded = json.loads(value or "[]")
    except (TypeError, ValueError):
        return []
    return loaded if isinstance(loaded, list) else []


class ImportRepository:
    """Reads for the import, and the :class:`~hubcity.db.tables.ImportRun` rows."""

    async def snapshot(self, source: str) -> Snapshot:
        """The profiles imported from ``source`` with their terms, and every profile's website domain."""
        result = Snapshot()
        rows = await StartupProfile.select().where(StartupProfile.source == source).output(load_json=True).run()
        by_id: dict[int, dict[str, Any]] = {}
        for row in rows:
            for column in LIST_COLUMNS:
                row[column] = _as_list(row[column])
            row["terms"] = {kind: set() for kind in TAG_KINDS}
            by_id[row["id"]] = row
            if row["source_key"]:
                result.profiles[row["source_key"]] = row
        tags = await (
            StartupTag.select(StartupTag.profile, StartupTag.kind, StartupTag.slug)
            .where(StartupTag.profile.source == source)
            .run()
        )
        for tag in tags:
            profile = by_id.get(tag["profile"])
            if profile is not None:
                profile["terms"].setdefault(tag["kind"], set()).add(tag["slug"])
        holders = await (
            StartupProfile.select(
                StartupProfile.id,
                StartupProfile.website_domain,
                StartupProfile.possible_duplicate_of,
                StartupProfile.name_en,
                StartupProfile.name_ko,
            )
            .where(StartupProfile.website_domain != "")
            .order_by(StartupProfile.id)
            .run()
        )
        for row in holders:
            result.domains.setdefault(row["website_domain"], []).append(
                DomainHolder(id=row["id"], name=row["name_en"] or row["name_ko"], duplicate_of=row["possible_duplicate_of"])
            )
        return result

    async def taxonomy_is_empty(self) -> bool:
        return await TaxonomyTerm.count().run() == 0

    # -- import runs -------------------------------------------------------------------------
    async def create_run(self, values: dict[str, Any]) -> int:
        """Insert an ImportRun from ``values`` (``counts`` and ``report`` as Python values); returns its id."""
        run = ImportRun(**_encoded(values))
        await run.save().run()
        return int(run.id)

    async def update_run(self, run_id: int, values: dict[str, Any]) -> None:
        """Set ``values`` on run ``run_id`` (``counts``/``report`` as Python values)."""
        encoded = _encoded(values)
        await ImportRun.update({getattr(ImportRun, key): value for key, value in encoded.items()}).where(ImportRun.id == run_id).run()

    async def claim_run(self, run_id: int, from_status: str, values: dict[str, Any]) -> bool:
        """Set ``values`` on run ``run_id`` only if its status is ``from_status``; returns whether it was."""
        encoded = _encoded(values)
        rows = await (
            ImportRun.update({getattr(ImportRun, key): value for key, value in encoded.items()})
            .where((ImportRun.id == run_id) & (ImportRun.status == from_status))
            .returning(ImportRun.id)
            .run()
        )
        return bool(rows)

    async def run(self, run_id: int, *, with_report: bool = True) -> dict[str, Any] | None:
        """Run ``run_id`` with ``counts`` and ``report`` decoded and the creator's email, or None.
        ``with_report=False``: the report is not read (``[]``)."""
        columns = [column for column in ImportRun.all_columns() if with_report or column._meta.name != "report"]
        row = await (
            ImportRun.select(*columns, ImportRun.created_by.email.as_alias("created_by_email"))
            .where(ImportRun.id == run_id)
            .first()
            .output(load_json=True)
            .run()
        )
        if row and not with_report:
            row["report"] = []
        return _decoded(row) if row else None

    async def recent_runs(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` runs (without their reports), with the creator's email."""
        rows = await (
            ImportRun.select(
                *[column for column in ImportRun.all_columns() if column._meta.name != "report"],
                ImportRun.created_by.email.as_alias("created_by_email"),
            )
            .order_by(ImportRun.id, ascending=False)
            .limit(limit)
            .output(load_json=True)
            .run()
        )
        return [_decoded(row) for row in rows]


def _encoded(values: dict[str, Any]) -> dict[str, Any]:
    encoded = dict(values)
    for key in ("counts", "report"):
        if key in encoded and not isinstance(encoded[key], str):
            encoded[key] = json.dumps(encoded[key], ensure_ascii=False, default=str)
    return encoded


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    for key, empty in (("counts", {}), ("report", [])):
        if key in row and isinstance(row[key], str):
            try:
                row[key] = json.loads(row[key] or "null") or empty
            except ValueError:
                row[key] = empty
    return row


def finished(row: dict[str, Any]) -> bool:
    """Whether run ``row`` is over (``done`` or ``failed``)."""
    return row.get("status") in ("done", "failed")

