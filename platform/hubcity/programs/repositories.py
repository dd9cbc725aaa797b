"""Every query of the programs domain. Rows come back as dicts with JSON columns loaded.

Applications are scoped HERE: :class:`ApplicationScope` says who reads (staff of a role that
runs programs, or members of which startup organisations) and :func:`scope_condition` is the
WHERE clause every scoped read uses, so a startup only ever finds its own applications (another
startup's id gives None, which services turn into a 404 that names nothing).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from hubcity.db.tables import (
    Application,
    ApplicationEvent,
    ApplicationFile,
    AuditEntry,
    DeadlineExtension,
    Membership,
    Program,
    ProgramFormVersion,
    ProgramNotice,
    ProgramQuestion,
    StartupProfile,
    StartupTag,
    StoredFile,
    Tranche,
    User,
)

PROGRAM_JSON = ("eligibility", "review_rounds")
APPLICATION_JSON = ("answers", "snapshot", "reopened_fields")


def write_transaction() -> Any:
    """A transaction for writes (``async with write_transaction():``); IMMEDIATE on SQLite so a
    read-then-write cannot fail with "database is locked". Inside another transaction it joins it."""
    engine = Program._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


def load_json(value: Any, empty: Any) -> Any:
    """A JSON column's value as Python (``empty`` for NULL, "" or bad JSON)."""
    if isinstance(value, list | dict):
        return value
    if not value:
        return empty
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return empty


def dump_json(value: Any) -> str:
    """``value`` as JSON text for a JSON column (text is taken as already encoded)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def _program(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    for column in PROGRAM_JSON:
        if column in row:
            row[column] = load_json(row[column], [])
    return row


def _application(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    for column, empty in (("answers", {}), ("snapshot", {}), ("reopened_fields", [])):
        if column in row:
            row[column] = load_json(row[column], empty)
    return row


def is_unique_violation(error: BaseException) -> bool:
    """True when ``error`` is a unique-constraint failure (SQLite or PostgreSQL)."""
    text = f"{type(error).__name__} {error}".lower()
    return "unique" in text


@dataclass(frozen=True)
class ApplicationScope:
    """Who reads applications: ``staff`` (admin or program manager: every application) or the
    members of ``org_ids`` (their startups' applications only)."""

    user_id: int | None = None
    staff: bool = False
    org_ids: tuple[int, ...] = ()

    def owns(self, organisation_id: int | None) -> bool:
        return organisation_id is not None and organisation_id in self.org_ids


def scope_condition(scope: ApplicationScope) -> Any:
    """The WHERE clause of the applications ``scope`` may read (None: every one, for staff)."""
    if scope.staff:
        return None
    return Application.organisation.is_in(list(scope.org_ids) or [-1])


class ProgramRepository:
    """Programs, their form versions, notices and questions."""

    async def insert(self, values: dict[str, Any]) -> int:
        """A new program from column values (JSON columns as Python lists); returns its id."""
        row = Program(**{k: dump_json(v) if k in PROGRAM_JSON else v for k, v in values.items()})
        await row.save().run()
        return int(row.id)

    async def update(self, program_id: int, values: dict[str, Any]) -> None:
        """Set column ``values`` of program ``program_id``."""
        if values:
            await Program.update(
                {getattr(Program, k): dump_json(v) if k in PROGRAM_JSON else v for k, v in values.items()}
            ).where(Program.id == program_id).run()

    async def get(self, program_id: int) -> dict[str, Any] | None:
        """Program ``program_id`` (every column, JSON loaded), or None."""
        return _program(await Program.select().where(Program.id == program_id).first().run())

    async def listing(self, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Programs in ``statuses`` (all when None), closing soonest first, then newest."""
        query = Program.select()
        if statuses is not None:
            query = query.where(Program.status.is_in(list(statuses)))
        rows = await query.order_by(Program.closes_at).order_by(Program.id, ascending=False).run()
        return [_program(r) for r in rows]  # type: ignore[misc]

    async def insert_form_version(self, program_id: int, version: int, fields: list[dict[str, Any]], by: int | None) -> int:
        row = ProgramFormVersion(program=program_id, version=version, fields=dump_json(fields), created_by=by)
        await row.save().run()
        return int(row.id)

    async def replace_form_fields(self, version_id: int, fields: list[dict[str, Any]]) -> None:
        await ProgramFormVersion.update({ProgramFormVersion.fields: dump_json(fields)}).where(ProgramFormVersion.id == version_id).run()

    async def form_version(self, version_id: int | None) -> dict[str, Any] | None:
        """Form version ``version_id`` ({id, program, version, fields (list), created_at}), or None."""
        if version_id is None:
            return None
        row = await ProgramFormVersion.select().where(ProgramFormVersion.id == version_id).first().run()
        if row is not None:
            row["fields"] = load_json(row["fields"], [])
        return row

    async def last_version_number(self, program_id: int) -> int:
        row = (
            await ProgramFormVersion.select(ProgramFormVersion.version)
            .where(ProgramFormVersion.program == program_id)
            .order_by(ProgramFormVersion.version, ascending=False)
            .first()
            .run()
        )
        return int(row["version"]) if row else 0

    async def version_in_use(self, version_id: int) -> bool:
        """True when an application was started on form version ``version_id``."""
        return await Application.exists().where(Application.form_version == version_id).run()

    async def insert_notice(self, values: dict[str, Any]) -> int:
        row = ProgramNotice(**values)
        await row.save().run()
        return int(row.id)

    async def notices(self, program_id: int) -> list[dict[str, Any]]:
        """Published notices of a program, newest first."""
        return (
            await ProgramNotice.select()
            .where((ProgramNotice.program == program_id) & ProgramNotice.published_at.is_not_null())
            .order_by(ProgramNotice.published_at, ascending=False)
            .run()
        )

    async def insert_question(self, values: dict[str, Any]) -> int:
        row = ProgramQuestion(**values)
        await row.save().run()
        return int(row.id)

    async def question(self, question_id: int) -> dict[str, Any] | None:
        return await ProgramQuestion.select().where(ProgramQuestion.id == question_id).first().run()

    async def update_question(self, question_id: int, values: dict[str, Any]) -> None:
        await ProgramQuestion.update({getattr(ProgramQuestion, k): v for k, v in values.items()}).where(
            ProgramQuestion.id == question_id
        ).run()

    async def questions(self, program_id: int, *, published_only: bool = True) -> list[dict[str, Any]]:
        """Questions of a program (only published ones unless ``published_only`` is False), oldest first."""
        query = ProgramQuestion.select().where(ProgramQuestion.program == program_id)
        if published_only:
            query = query.where(ProgramQuestion.published_at.is_not_null())
        return await query.order_by(ProgramQuestion.id).run()

    async def application_counts(self, program_ids: list[int]) -> dict[int, dict[str, int]]:
        """Applications per status of each of ``program_ids``: program id → {status key → count}
        (programs without applications map to ``{}``)."""
        from piccolo.query.functions.aggregate import Count

        counts: dict[int, dict[str, int]] = {int(pid): {} for pid in program_ids}
        if not program_ids:
            return counts
        rows = (
            await Application.select(Application.program, Application.status, Count(Application.id, alias="n"))
            .where(Application.program.is_in(list(set(program_ids))))
            .group_by(Application.program, Application.status)
            .run()
        )
        for row in rows:
            counts.setdefault(int(row["program"]), {})[row["status"]] = int(row["n"])
        return counts

    async def applicant_people(self, program_id: int) -> list[dict[str, Any]]:
        """Members ({id, email, locale}) of the startups with an application to the program
        (withdrawn ones excluded), each once, active and not deleted."""
        orgs = await Application.select(Application.organisation).where(
            (Application.program == program_id) & (Application.status != "withdrawn")
        ).run()
        return await members_of([r["organisation"] for r in orgs])


async def members_of(org_ids: list[int]) -> list[dict[str, Any]]:
    """Active users ({id, email, locale}) who are members of any of ``org_ids``, each once."""
    if not org_ids:
        return []
    rows = (
        await Membership.select(Membership.user.id, Membership.user.email, Membership.user.locale)
        .where(
            Membership.organisation.is_in(list(set(org_ids)))
            & Membership.user.is_active.eq(True)
            & Membership.user.deleted_at.is_null()
        )
        .order_by(Membership.user.id)
        .run()
    )
    seen: dict[int, dict[str, Any]] = {}
    for row in rows:
        seen.setdefault(row["user.id"], {"id": row["user.id"], "email": row["user.email"], "locale": row["user.locale"]})
    return list(seen.values())


class ApplicationRepository:
    """Applications, their events and extensions. Reads that take a scope return None (or
    nothing) for rows outside it."""

    async def scope_for(self, user_id: int, *, staff: bool) -> ApplicationScope:
        """The :class:`ApplicationScope` of user ``user_id`` (``staff``: admin or program manager)."""
        rows = await Membership.select(Membership.organisation).where(
            (Membership.user == user_id) & (Membership.organisation.kind == "startup")
        ).run()
        return ApplicationScope(user_id=user_id, staff=staff, org_ids=tuple(r["organisation"] for r in rows))

    async def get(self, application_id: int, scope: ApplicationScope | None = None) -> dict[str, Any] | None:
        """Application ``application_id`` if ``scope`` may read it (unscoped when None: internal use)."""
        query = Application.select().where(Application.id == application_id)
        if scope is not None and (condition := scope_condition(scope)) is not None:
            query = query.where(condition)
        return _application(await query.first().run())

    async def find(self, program_id: int, profile_id: int) -> dict[str, Any] | None:
        """The application of profile ``profile_id`` to program ``program_id``, or None."""
        return _application(
            await Application.select()
            .where((Application.program == program_id) & (Application.profile == profile_id))
            .first()
            .run()
        )

    async def listing(self, scope: ApplicationScope, *, program_id: int | None = None, status: str | None = None,
                      limit: int | None = None, offset: int = 0) -> list[dict[str, Any]]:
        """Applications ``scope`` may read, newest first, filtered by program and status; at most
        ``limit`` rows (all when None) from row ``offset`` (0-based)."""
        query = self._scoped(Application.select(), scope, program_id, status).order_by(Application.id, ascending=False)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        return [_application(r) for r in await query.run()]  # type: ignore[misc]

    async def listing_count(self, scope: ApplicationScope, *, program_id: int | None = None, status: str | None = None) -> int:
        """How many applications :meth:`listing` finds without a limit."""
        return int(await self._scoped(Application.count(), scope, program_id, status).run())

    @staticmethod
    def _scoped(query: Any, scope: ApplicationScope, program_id: int | None, status: str | None) -> Any:
        if (condition := scope_condition(scope)) is not None:
            query = query.where(condition)
        if program_id is not None:
            query = query.where(Application.program == program_id)
        if status:
            query = query.where(Application.status == status)
        return query

    async def insert(self, values: dict[str, Any]) -> int:
        """A new application (JSON columns as Python values); returns its id. Raises the engine's
        integrity error when the startup already applied (unique index on program, profile)."""
        row = Application(**{k: dump_json(v) if k in APPLICATION_JSON else v for k, v in values.items()})
        await row.save().run()
        return int(row.id)

    async def update_if_revision(self, application_id: int, expected_revision: int, values: dict[str, Any]) -> bool:
        """Set ``values`` and ``revision = expected_revision + 1`` only if the stored revision is
        still ``expected_revision``; returns False (nothing written) otherwise."""
        columns = {getattr(Application, k): dump_json(v) if k in APPLICATION_JSON else v for k, v in values.items()}
        columns[Application.revision] = expected_revision + 1
        rows = (
            await Application.update(columns)
            .where((Application.id == application_id) & (Application.revision == expected_revision))
            .returning(Application.id)
            .run()
        )
        return bool(rows)

    async def add_event(self, values: dict[str, Any]) -> int:
        row = ApplicationEvent(**{k: dump_json(v) if k == "fields" else v for k, v in values.items()})
        await row.save().run()
        return int(row.id)

    async def events(self, application_id: int) -> list[dict[str, Any]]:
        """The timeline of an application, oldest first (``fields`` loaded)."""
        rows = await ApplicationEvent.select().where(ApplicationEvent.application == application_id).order_by(ApplicationEvent.id).run()
        for row in rows:
            row["fields"] = load_json(row["fields"], [])
        return rows

    async def add_extension(self, values: dict[str, Any]) -> int:
        row = DeadlineExtension(**values)
        await row.save().run()
        return int(row.id)

    async def extensions(self, application_id: int) -> list[dict[str, Any]]:
        return await DeadlineExtension.select().where(DeadlineExtension.application == application_id).order_by(DeadlineExtension.id).run()

    async def profile_for_org(self, organisation_id: int) -> dict[str, Any] | None:
        """The (oldest) profile kept by startup ``organisation_id`` with ``sectors`` and
        ``technologies`` (lists of slugs) added; None when it has none."""
        row = await StartupProfile.select().where(StartupProfile.organisation == organisation_id).order_by(StartupProfile.id).first().run()
        if row is None:
            return None
        return await self._with_tags(row)

    async def profile(self, profile_id: int) -> dict[str, Any] | None:
        row = await StartupProfile.select().where(StartupProfile.id == profile_id).first().run()
        return None if row is None else await self._with_tags(row)

    async def _with_tags(self, row: dict[str, Any]) -> dict[str, Any]:
        for column in ("investors", "customers", "partners", "target_markets", "tags"):
            row[column] = load_json(row.get(column), [])
        tags = await StartupTag.select(StartupTag.kind, StartupTag.slug).where(StartupTag.profile == row["id"]).order_by(StartupTag.id).run()
        row["sectors"] = [t["slug"] for t in tags if t["kind"] == "sector"]
        row["technologies"] = [t["slug"] for t in tags if t["kind"] == "technology"]
        return row

    async def user(self, user_id: int) -> dict[str, Any] | None:
        return await User.select(User.id, User.email, User.locale).where(User.id == user_id).first().run()

    # -- reminders (hubcity.programs.jobs) ---------------------------------------------------------
    async def drafts_in_published_programs(self) -> list[dict[str, Any]]:
        """Applications still ``draft`` in published programs: {id, organisation, program,
        deadline_extended_to} plus ``program.closes_at``, oldest first."""
        return await Application.select(
            Application.id, Application.organisation, Application.program, Application.deadline_extended_to,
            Application.program.closes_at,
        ).where((Application.status == "draft") & (Application.program.status == "published")).order_by(Application.id).run()

    async def reminders_sent(self, application_id: int) -> set[int]:
        """The reminders (days before the deadline) already sent for an application (audit
        entries ``application.reminder_sent``)."""
        rows = await AuditEntry.select(AuditEntry.after).where(
            (AuditEntry.action == "application.reminder_sent") & (AuditEntry.object_type == "application")
            & (AuditEntry.object_id == str(application_id))
        ).run()
        return {int(load_json(r["after"], {}).get("days", -1)) for r in rows}

    # -- files (hubcity.programs.uploads) ---------------------------------------------------------
    def _file_query(self) -> Any:
        return ApplicationFile.select(
            ApplicationFile.all_columns(),
            ApplicationFile.stored_file.sha256, ApplicationFile.stored_file.size, ApplicationFile.stored_file.content_type,
        )

    async def files(self, application_id: int) -> list[dict[str, Any]]:
        """The files of an application, oldest first: ApplicationFile columns plus
        ``stored_file.sha256``, ``stored_file.size``, ``stored_file.content_type``."""
        return await self._file_query().where(ApplicationFile.application == application_id).order_by(ApplicationFile.id).run()

    async def file(self, file_id: int, application_id: int) -> dict[str, Any] | None:
        """File ``file_id`` if it belongs to application ``application_id`` (shape of :meth:`files`)."""
        return await self._file_query().where(
            (ApplicationFile.id == file_id) & (ApplicationFile.application == application_id)
        ).first().run()

    async def stored_file(self, sha256: str) -> dict[str, Any] | None:
        """The StoredFile row of digest ``sha256``, or None."""
        return await StoredFile.select().where(StoredFile.sha256 == sha256).first().run()

    async def insert_stored_file(self, values: dict[str, Any]) -> int:
        """A new StoredFile row; the engine's unique error when the digest is stored already."""
        row = StoredFile(**values)
        await row.save().run()
        return int(row.id)

    async def add_file(self, values: dict[str, Any]) -> int:
        row = ApplicationFile(**values)
        await row.save().run()
        return int(row.id)

    async def delete_file(self, file_id: int) -> None:
        await ApplicationFile.delete().where(ApplicationFile.id == file_id).run()

    async def stored_file_in_use(self, stored_id: int) -> bool:
        """True when an ApplicationFile or a tranche's milestone report (the same bytes are one
        StoredFile, whoever uploaded them) still points at StoredFile ``stored_id``."""
        if await ApplicationFile.exists().where(ApplicationFile.stored_file == stored_id).run():
            return True
        return await Tranche.exists().where(Tranche.report_file == stored_id).run()

    async def delete_stored_file(self, stored_id: int) -> None:
        await StoredFile.delete().where(StoredFile.id == stored_id).run()


def snapshot_of(profile: dict[str, Any]) -> dict[str, Any]:
    """A profile row as JSON-safe data for ``Application.snapshot`` (dates and instants as ISO text)."""
    return {k: (v.isoformat() if isinstance(v, datetime) or hasattr(v, "isoformat") else v) for k, v in profile.items()}
