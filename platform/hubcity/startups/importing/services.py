"""The bulk import of startup records: idempotent, row by row, with a report.

A record is keyed by ``source_key = "<source>:<external id>"``. Importing it again updates the
fields that changed and never makes a second profile; the outcome of each record is one of
:data:`OUTCOMES`:

- ``created``: a new profile (organisation NULL: it belongs to the agency until a startup claims it);
- ``updated``: an existing profile of this source whose provided fields or terms changed;
- ``unchanged``: nothing to change (also a profile a startup has claimed: the import no longer
  changes it, and says so in the report);
- ``flagged``: created or updated, and its website's domain is also another profile's: it is
  imported with ``possible_duplicate_of`` set to that profile (the oldest one), never merged;
- ``rejected``: not written, with the reason: a second record with an external id already seen
  in this file (naming the first one's line), or a record failing the checks of
  :mod:`.validation` or the mapping (:mod:`.mapping`).

Each record is written in its own transaction after it passed every check, so a bad record never
aborts the import and never half-writes a profile. A file that cannot be read at all
(:class:`~.readers.UnreadableFile`) imports nothing. A dry run computes the same report without
writing anything (the staff page's preview).

Never imports Litestar.
"""

from __future__ import annotations

import inspect
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path, PurePath
from typing import Any

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.i18n import use_locale
from hubcity.core.jobs import enqueue
from hubcity.core.pagination import Page
from hubcity.core.viewer import Viewer
from hubcity.startups import taxonomy
from hubcity.startups.importing.mapping import TAG_KINDS, ProfileDraft, Vocabulary, map_csv_row, map_yc_record
from hubcity.startups.importing.readers import FORMATS, ReadFile, UnreadableFile, detect_format, read_file, record_place
from hubcity.startups.importing.repository import DomainHolder, ImportRepository, Snapshot
from hubcity.startups.importing.validation import SOURCE_MAX_LENGTH, check_draft, shown, source_key
from hubcity.startups.repositories import ProfileRepository, write_transaction
from hubcity.startups.websites import website_domain

log = logging.getLogger("hubcity.import")

IMPORT_JOB = "startups.import"
OUTCOMES: tuple[str, ...] = ("created", "updated", "unchanged", "flagged", "rejected")
#: Outcome → its label (translate at render time).
OUTCOME_LABELS: dict[str, str] = {
    "created": N_("New profiles created"),
    "updated": N_("Profiles updated"),
    "unchanged": N_("Profiles unchanged"),
    "flagged": N_("Flagged as possible duplicates"),
    "rejected": N_("Records rejected"),
}
#: Import run status → its label.
RUN_STATUS_LABELS: dict[str, str] = {
    "previewed": N_("Waiting for confirmation"),
    "running": N_("Running"),
    "done": N_("Finished"),
    "failed": N_("Failed"),
}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
DEFAULT_SOURCES: dict[str, str] = {"json": "yc", "csv": "csv"}
UPLOAD_FOLDER = "imports"
_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# How often (records) a running import writes its progress for the staff page to read.
PROGRESS_EVERY = 10
#: Records of one outcome shown per page of a preview or report (a 10 000-row file stays readable).
ROWS_PER_PAGE = 100

Progress = Callable[[int, int], Awaitable[None] | None]


@dataclass
class RowResult:
    """What happened to one record. line: JSON 1-based index / CSV file line. changed: the
    profile fields an update changed. duplicate_of: the profile (id) a flagged record shares its
    website domain with (None in a preview when that is a record of the same file)."""

    line: int
    external_id: str
    name: str
    outcome: str
    reason: str = ""
    changed: list[str] = field(default_factory=list)
    duplicate_of: int | None = None
    profile_id: int | None = None


@dataclass
class ImportReport:
    """The report of one import (or dry run): ``counts`` per outcome of :data:`OUTCOMES`,
    ``total`` records read, and ``rows``: every record that was not simply created or left
    unchanged (rejected, flagged, updated) or that carries a note."""

    source: str
    file_format: str
    dry_run: bool = False
    total: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {outcome: 0 for outcome in OUTCOMES})
    rows: list[RowResult] = field(default_factory=list)

    def add(self, result: RowResult) -> None:
        """Count ``result``, and keep it when it is worth a row of the report. What a record
        said is shown without control characters (a NUL cannot even be stored in JSON on
        PostgreSQL) and cut to a readable length."""
        result.name, result.external_id = shown(result.name), shown(result.external_id, 100)
        result.reason = shown(result.reason, 2000)
        self.counts[result.outcome] += 1
        if result.outcome in ("rejected", "flagged", "updated") or result.reason:
            self.rows.append(result)

    @property
    def rejected(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == "rejected"]

    @property
    def flagged(self) -> list[RowResult]:
        return [row for row in self.rows if row.outcome == "flagged"]

    def report_rows(self) -> list[dict[str, Any]]:
        """The rows as JSON-ready dicts (what :class:`~hubcity.db.tables.ImportRun` stores)."""
        return [asdict(row) for row in self.rows]


def check_source(value: str | None, file_format: str) -> str:
    """The source name to key records by: ``value`` (trimmed, lower-case) or the format's default
    (``yc`` for JSON, ``csv`` for CSV). Raises ``ValueError`` with a message when it is not 1 to
    32 of a-z, 0-9, ``_`` and ``-`` starting with a letter or digit."""
    source = (value or "").strip().lower() or DEFAULT_SOURCES.get(file_format, "")
    if len(source) > SOURCE_MAX_LENGTH or not _SOURCE_NAME.match(source):
        raise ValueError(
            _("The source name must be 1 to %(max)s lower-case letters, digits, “_” or “-”, such as yc or csv.", max=SOURCE_MAX_LENGTH)
        )
    return source


class ImportService:
    """Imports records into startup profiles, previews them, and keeps the staff page's import runs."""

    def __init__(self, profiles: ProfileRepository | None = None, repository: ImportRepository | None = None):
        self.profiles = profiles or ProfileRepository()
        self.repository = repository or ImportRepository()

    # -- the import itself -------------------------------------------------------------------
    async def ensure_taxonomies(self) -> int:
        """Seed the taxonomies when the table is empty (a fresh database); returns terms added."""
        if await self.repository.taxonomy_is_empty():
            return await taxonomy.seed_missing()
        return 0

    async def vocabulary(self) -> Vocabulary:
        """The active slugs of the sector, technology, stage and country taxonomies."""
        return Vocabulary({kind: await taxonomy.valid_slugs(kind) for kind in ("sector", "technology", "stage", "country")})

    async def import_bytes(
        self, data: bytes, file_format: str, source: str, *, dry_run: bool = False, progress: Progress | None = None
    ) -> ImportReport:
        """Read ``data`` as ``file_format`` and import its records from ``source`` (already checked
        with :func:`check_source`). Raises :class:`UnreadableFile` (nothing imported)."""
        parsed = read_file(data, file_format)
        return await self.import_records(parsed, source, dry_run=dry_run, progress=progress)

    async def import_records(
        self, parsed: ReadFile, source: str, *, dry_run: bool = False, progress: Progress | None = None
    ) -> ImportReport:
        """Import the records of ``parsed``; ``progress(done, total)`` is called after each record
        (it may be async). Returns the report; writes nothing when ``dry_run``."""
        vocabulary = await self.vocabulary()
        snapshot = await self.repository.snapshot(source)
        report = ImportReport(source=source, file_format=parsed.format, dry_run=dry_run, total=len(parsed.records))
        first_line: dict[str, int] = {}
        for done, record in enumerate(parsed.records, start=1):
            if parsed.format == "json":
                draft = map_yc_record(record, vocabulary)
            else:
                draft = map_csv_row(record, parsed.columns, vocabulary)
            check_draft(draft, source)
            if draft.external_id and draft.external_id in first_line:
                draft.problems.insert(
                    0,
                    _(
                        "The external id %(id)s appears twice in this file: it was first used in %(place)s.",
                        id=draft.external_id,
                        place=record_place(parsed.format, first_line[draft.external_id]),
                    ),
                )
            elif draft.external_id:
                first_line[draft.external_id] = draft.line
            report.add(await self._import_one(draft, source, snapshot, parsed.format, dry_run))
            if progress is not None:
                outcome = progress(done, report.total)
                if inspect.isawaitable(outcome):
                    await outcome
        return report

    async def _import_one(self, draft: ProfileDraft, source: str, snapshot: Snapshot, file_format: str, dry_run: bool) -> RowResult:
        result = RowResult(line=draft.line, external_id=draft.external_id, name=draft.name, outcome="rejected")
        if draft.problems:
            result.reason = " ".join(draft.problems)
            return result
        key = source_key(source, draft.external_id)
        existing = snapshot.profiles.get(key)
        if existing is not None and existing.get("organisation"):
            result.outcome, result.profile_id = "unchanged", existing["id"]
            result.reason = _("A startup has claimed this profile, so the import no longer changes it.")
            return result
        values = dict(draft.values)
        values.update({"source": source, "external_id": draft.external_id, "source_key": key})
        domain = website_domain(values["website"]) if "website" in values else (existing or {}).get("website_domain", "")
        holder = _other_holder(snapshot, domain, existing["id"] if existing else None)
        values["possible_duplicate_of"] = holder.id if holder else None
        terms = draft.terms
        if existing is not None:
            changed = _changes(existing, values, terms)
            if not changed:
                result.outcome, result.profile_id = "unchanged", existing["id"]
                return result
            result.changed = changed
        if holder is not None:
            result.duplicate_of = holder.id
            if holder.id is None:
                result.reason = _(
                    "Its website domain %(domain)s is also the domain of “%(name)s” in %(place)s of this file.",
                    domain=domain,
                    name=holder.name,
                    place=record_place(file_format, holder.line or 0),
                )
            else:
                result.reason = _(
                    "Its website domain %(domain)s is also the domain of the profile “%(name)s” (number %(id)s).",
                    domain=domain,
                    name=holder.name,
                    id=holder.id,
                )
        profile_id = existing["id"] if existing else None
        if not dry_run:
            try:
                async with write_transaction():
                    profile_id = await self.profiles.save_profile(values, terms, profile_id)
            except Exception as error:  # noqa: BLE001 - one bad record must never abort the import
                log.exception("import of %s (%s) failed", key, place_text(file_format, draft.line))
                result.reason = _("The profile could not be saved: %(error)s", error=str(error)[:300])
                result.changed, result.duplicate_of = [], None
                return result
        result.profile_id = profile_id
        result.outcome = "flagged" if holder is not None else ("updated" if existing is not None else "created")
        _remember(snapshot, key, existing, values, terms, profile_id, draft, domain)
        return result

    # -- staff uploads and import runs ---------------------------------------------------------
    async def stage_upload(
        self,
        data: bytes,
        file_name: str,
        *,
        file_format: str = "",
        source: str = "",
        data_dir: Path,
        by: int | None,
    ) -> int:
        """Check an uploaded file, preview its import (a dry run), keep the file in
        ``data_dir/imports/`` and record an import run ``previewed``; returns the run's id.

        file_format: ``json``, ``csv`` or blank (from the file name). Raises :class:`FormInvalid`
        (fields ``file``, ``format``, ``source``) for a missing, too large or unreadable file, a
        format that is neither, or a bad source name; nothing is stored then.
        """
        errors: dict[str, str] = {}
        values = {"format": file_format, "source": source}
        file_format = (file_format or "").strip().lower()
        if file_format and file_format not in FORMATS:
            errors["format"] = _("Format must be JSON or CSV.")
        if not data and not file_name:
            errors["file"] = _("File: choose a CSV or JSON file to upload.")
        elif len(data) > MAX_UPLOAD_BYTES:
            errors["file"] = upload_too_large_message()
        elif not file_format:
            file_format = detect_format(file_name) or ""
            if not file_format:
                errors["file"] = _(
                    "File: “%(name)s” is not a CSV or JSON file. Upload a file ending in .csv or .json, or choose the format.",
                    name=PurePath(file_name).name,
                )
        if errors:
            raise FormInvalid(errors, values)
        try:
            source = check_source(source, file_format)
        except ValueError as error:
            raise FormInvalid({"source": str(error)}, values) from None
        await self.ensure_taxonomies()
        try:
            preview = await self.import_bytes(data, file_format, source, dry_run=True)
        except UnreadableFile as error:
            raise FormInvalid({"file": _("File: %(reason)s", reason=error.message)}, values) from None
        folder = data_dir / UPLOAD_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        stored = folder / f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}.{file_format}"
        stored.write_bytes(data)
        return await self.repository.create_run(
            {
                "source": source,
                "file_name": PurePath(file_name or stored.name).name[:300],
                "file_path": str(stored.resolve()),
                "file_format": file_format,
                "status": "previewed",
                "total": preview.total,
                "processed": 0,
                "counts": preview.counts,
                "report": preview.report_rows(),
                "created_by": by,
                "created_at": utcnow(),
            }
        )

    async def confirm(self, run_id: int, viewer: Viewer, *, locale: str, ip: str = "") -> None:
        """Start previewed run ``run_id``: it becomes ``running`` and the job :data:`IMPORT_JOB`
        is queued in the same transaction (its report comes out in ``locale``). Only the person
        who uploaded the file, or an administrator, may (:func:`may_confirm`). Raises
        NotFoundError, NotPermittedError, or InvalidStateError when the run is not waiting for
        confirmation (confirming twice starts one import)."""
        run = await self.get_run(run_id)
        if not may_confirm(run, viewer):
            raise NotPermittedError(confirm_refused_message(run))
        by = viewer.id
        async with write_transaction():
            started = await self.repository.claim_run(run_id, "previewed", {"status": "running", "processed": 0})
            if not started:
                raise InvalidStateError(_("This import was already confirmed; it is %(status)s.", status=run["status"]))
            await enqueue(IMPORT_JOB, {"run_id": run_id, "locale": locale}, max_attempts=3)
            await audit.record(
                "startups.import_confirmed",
                actor_id=by,
                object_type="import_run",
                object_id=run_id,
                after={"file_name": run["file_name"], "source": run["source"], "total": run["total"]},
                ip=ip,
            )

    async def execute_run(self, payload: dict[str, Any]) -> None:
        """The job :data:`IMPORT_JOB` (payload ``{"run_id", "locale"}``): import the run's stored
        file, writing its progress as it goes, then its counts and report (status ``done``), or
        ``failed`` with the reason when the file cannot be read. A run that is not ``running``
        (already finished) is left alone."""
        run_id = int(payload["run_id"])
        with use_locale(str(payload.get("locale") or "ko")):
            run = await self.repository.run(run_id)
            if run is None or run["status"] != "running":
                return
            try:
                data = Path(run["file_path"]).read_bytes()
                parsed = read_file(data, run["file_format"])
            except (OSError, UnreadableFile) as error:
                reason = error.message if isinstance(error, UnreadableFile) else _("The uploaded file is gone: %(error)s", error=error)
                await self._finish(run, "failed", {}, [{"line": 0, "external_id": "", "name": "", "outcome": "failed", "reason": reason}])
                return
            await self.repository.update_run(run_id, {"total": len(parsed.records), "processed": 0})

            async def progress(done: int, total: int) -> None:
                if done % PROGRESS_EVERY == 0 or done == total:
                    await self.repository.update_run(run_id, {"processed": done})

            report = await self.import_records(parsed, run["source"], progress=progress)
            await self._finish(run, "done", report.counts, report.report_rows())

    async def give_up_run(self, payload: dict[str, Any], error: str) -> None:
        """The job failed for good: mark its run ``failed`` with the error."""
        run = await self.repository.run(int(payload.get("run_id", 0)))
        if run is not None and run["status"] == "running":
            with use_locale(str(payload.get("locale") or "ko")):
                reason = _("The import stopped because of an error: %(error)s", error=error[:500])
            await self._finish(run, "failed", run.get("counts") or {}, [{"line": 0, "external_id": "", "name": "", "outcome": "failed", "reason": reason}])

    async def _finish(self, run: dict[str, Any], status: str, counts: dict[str, int], report: list[dict[str, Any]]) -> None:
        values: dict[str, Any] = {"status": status, "counts": counts, "report": report, "finished_at": utcnow()}
        if status == "done":
            values["processed"] = run["total"] if not counts else sum(counts.values())
        async with write_transaction():
            await self.repository.update_run(run["id"], values)
            await audit.record(
                "startups.import_finished",
                actor_id=run.get("created_by"),
                object_type="import_run",
                object_id=run["id"],
                after={"status": status, "counts": counts},
            )

    async def record_cli_run(self, report: ImportReport, *, file_name: str, file_path: str) -> int:
        """Keep a finished command-line import as a run (status ``done``) for the staff page; returns its id."""
        now = utcnow()
        async with write_transaction():
            run_id = await self.repository.create_run(
                {
                    "source": report.source,
                    "file_name": PurePath(file_name).name[:300],
                    "file_path": file_path[:500],
                    "file_format": report.file_format,
                    "status": "done",
                    "total": report.total,
                    "processed": report.total,
                    "counts": report.counts,
                    "report": report.report_rows(),
                    "created_by": None,
                    "created_at": now,
                    "finished_at": now,
                }
            )
            await audit.record(
                "startups.import_finished",
                actor_id=None,
                object_type="import_run",
                object_id=run_id,
                after={"status": "done", "counts": report.counts, "via": "cli"},
            )
        return run_id

    async def get_run(self, run_id: int, *, with_report: bool = True) -> dict[str, Any]:
        """Import run ``run_id`` (counts and report decoded; ``with_report=False`` leaves the
        report out, an empty list, for the progress bar polled every second). Raises NotFoundError."""
        run = await self.repository.run(run_id, with_report=with_report)
        if run is None:
            raise NotFoundError(_("There is no import number %(id)s.", id=run_id))
        return run

    async def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The newest ``limit`` import runs (without their reports)."""
        return await self.repository.recent_runs(limit)


def may_confirm(run: dict[str, Any], viewer: Viewer | None) -> bool:
    """Whether ``viewer`` may confirm ``run``: the person who uploaded its file (who saw the
    preview), or an administrator. A colleague's preview is theirs to confirm."""
    if viewer is None:
        return False
    return "admin" in viewer.staff_roles or (run.get("created_by") is not None and run["created_by"] == viewer.id)


def confirm_refused_message(run: dict[str, Any]) -> str:
    return _(
        "Only the person who uploaded it (%(who)s) or an administrator may confirm this import.",
        who=run.get("created_by_email") or _("the command line"),
    )


def rows_page(run: dict[str, Any], outcome: str, page: int) -> Page[dict[str, Any]]:
    """Page ``page`` (1-based, moved into range) of the report rows of ``run`` with ``outcome``,
    :data:`ROWS_PER_PAGE` to a page, in file order."""
    rows = [row for row in run.get("report") or [] if isinstance(row, dict) and row.get("outcome") == outcome]
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    number = min(max(page, 1), pages)
    start = (number - 1) * ROWS_PER_PAGE
    return Page(items=rows[start : start + ROWS_PER_PAGE], number=number, size=ROWS_PER_PAGE, total=len(rows))


def upload_too_large_message() -> str:
    """The message for a file over :data:`MAX_UPLOAD_BYTES` (names the limit)."""
    return _("File: the file is larger than %(limit)s MB. Split it into smaller files and upload each.", limit=MAX_UPLOAD_BYTES // (1024 * 1024))


def place_text(file_format: str, line: int) -> str:
    return f"{'record' if file_format == 'json' else 'line'} {line}"


def _other_holder(snapshot: Snapshot, domain: str, profile_id: int | None) -> DomainHolder | None:
    """The oldest other profile holding ``domain``, leaving out profiles already flagged as
    duplicates of ``profile_id`` (so the original is never flagged against its own duplicates)."""
    if not domain:
        return None
    for holder in snapshot.domains.get(domain, []):
        if profile_id is not None and (holder.id == profile_id or holder.duplicate_of == profile_id):
            continue
        return holder
    return None


def _comparable(column: str, value: Any) -> Any:
    if isinstance(value, str) and column == "founded_on":
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    if value is None and column not in ("team_size", "founded_on", "possible_duplicate_of"):
        return ""
    return value


def _changes(existing: dict[str, Any], values: dict[str, Any], terms: dict[str, list[str]] | None) -> list[str]:
    """The fields (and ``sectors``/``technologies``) whose new value differs from the stored one."""
    changed = [
        column
        for column, value in values.items()
        if _comparable(column, existing.get(column)) != _comparable(column, value)
    ]
    stored_terms = existing.get("terms") or {}
    for kind in TAG_KINDS:
        if terms is not None and kind in terms and set(terms[kind]) != set(stored_terms.get(kind, set())):
            changed.append("sectors" if kind == "sector" else "technologies")
    return changed


def _remember(
    snapshot: Snapshot,
    key: str,
    existing: dict[str, Any] | None,
    values: dict[str, Any],
    terms: dict[str, list[str]] | None,
    profile_id: int | None,
    draft: ProfileDraft,
    domain: str,
) -> None:
    """Update the snapshot as if the record was written (it was, unless this is a dry run)."""
    row = dict(existing or {"id": profile_id, "organisation": None, "terms": {kind: set() for kind in TAG_KINDS}})
    row.update(values)
    row["website_domain"] = domain
    if terms is not None:
        row["terms"] = {**row.get("terms", {}), **{kind: set(slugs) for kind, slugs in terms.items()}}
    snapshot.profiles[key] = row
    old_domain = (existing or {}).get("website_domain", "")
    if existing is not None and old_domain != domain:
        snapshot.domains[old_domain] = [h for h in snapshot.domains.get(old_domain, []) if h.id != existing["id"]]
    if domain:
        holders = snapshot.domains.setdefault(domain, [])
        known = next((h for h in holders if profile_id is not None and h.id == profile_id), None)
        if known is not None:
            known.duplicate_of = values.get("possible_duplicate_of")
        else:
            holders.append(DomainHolder(id=profile_id, name=draft.name, duplicate_of=values.get("possible_duplicate_of"), line=draft.line))
