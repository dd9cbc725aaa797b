"""Files attached to applications: the type read from the bytes, a size limit, storage by content.

**Type.** :func:`sniff` reads the bytes only (the file name and the browser's content type are
never trusted) and answers one of :data:`hubcity.programs.forms.FILE_TYPES` or None:

- PDF: ``%PDF-`` within the first 1024 bytes (the spec allows a little junk before it);
- PNG, JPEG, WebP: their signatures;
- DOCX, XLSX, PPTX: a ZIP archive (its central directory is read, nothing is decompressed, so a
  ZIP bomb costs nothing) holding ``[Content_Types].xml`` and the main part of the kind
  (``word/document.xml``, ``xl/workbook.xml``, ``ppt/presentation.xml``), and no VBA macros;
- HWP (Hangul 5.x): an OLE compound file whose ``FileHeader`` stream carries the
  ``HWP Document File`` signature.

The standard library is enough for these checks (no dependency was added): an ``.exe`` renamed
``.pdf`` starts with ``MZ`` and is refused, and so is a ``.doc`` (OLE without the HWP header) or a
ZIP that is not an office document.

**Size.** A file may have at most :func:`limit_for` bytes: the form field's ``max_bytes``, never
more than :data:`MAX_UPLOAD_BYTES` (20 MB). The upload route accepts bodies up to
:data:`UPLOAD_ROUTE_BODY_LIMIT`; above that the route answers 413 with :func:`too_large_message`.

**Storage.** :class:`FileStorage` keeps bytes at ``<data dir>/uploads/applications/<aa>/<sha256>``
(``aa``: the first two hex digits). The same bytes uploaded twice, by anyone, are one file on
disk and one :class:`~hubcity.db.tables.StoredFile` row; each attachment is an
:class:`~hubcity.db.tables.ApplicationFile` row pointing at it. Removing the last attachment of a
stored file removes the row and the bytes.

:class:`ApplicationFiles` is the service the pages call: attach, remove, list and open files,
with the same permission and state rules as :meth:`ApplicationService.save` (never imports Litestar).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubcity.core import audit
from hubcity.core.errors import ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import Viewer
from hubcity.programs import forms, workflow
from hubcity.programs.repositories import is_unique_violation, write_transaction
from hubcity.programs.services import ApplicationService

#: The largest file any form accepts, in bytes (a field's own ``max_bytes`` may be lower).
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: The upload route's request body limit: the largest file plus room for the form's other parts.
UPLOAD_ROUTE_BODY_LIMIT = MAX_UPLOAD_BYTES + 256 * 1024
#: The longest original file name kept, in characters.
MAX_NAME = 255

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HWP = "application/vnd.hancom.hwp"

#: Media type → (translatable short name, file extension used for downloads).
TYPE_NAMES: dict[str, tuple[str, str]] = {
    PDF: (N_("PDF"), "pdf"),
    PNG: (N_("PNG image"), "png"),
    JPEG: (N_("JPEG image"), "jpg"),
    WEBP: (N_("WebP image"), "webp"),
    DOCX: (N_("Word document (DOCX)"), "docx"),
    PPTX: (N_("PowerPoint presentation (PPTX)"), "pptx"),
    XLSX: (N_("Excel workbook (XLSX)"), "xlsx"),
    HWP: (N_("Hangul document (HWP)"), "hwp"),
}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OOXML_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX, "ppt/presentation.xml": PPTX}
_SHA = re.compile(r"^[0-9a-f]{64}$")


def sniff(content: bytes) -> str | None:
    """The media type of ``content`` read from its bytes (one of :data:`TYPE_NAMES`), or None
    when it is none of the accepted kinds. Never raises."""
    if not content:
        return None
    if b"%PDF-" in content[:1024]:
        return PDF
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return WEBP
    if content.startswith(b"PK\x03\x04"):
        return _office(content)
    if content.startswith(_OLE) and b"HWP Document File" in content:
        return HWP
    return None


def _office(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return None
    if "[Content_Types].xml" not in names or any(name.lower().endswith("vbaproject.bin") for name in names):
        return None
    kinds = {kind for part, kind in _OOXML_PARTS.items() if part in names}
    return kinds.pop() if len(kinds) == 1 else None


def type_name(media_type: str) -> str:
    """The translated short name of ``media_type`` (``PDF``, ``Word document (DOCX)``, …)."""
    return _(TYPE_NAMES[media_type][0]) if media_type in TYPE_NAMES else media_type


def limit_for(definition: forms.FieldDef) -> int:
    """The largest file, in bytes, field ``definition`` accepts."""
    return min(definition.max_bytes, MAX_UPLOAD_BYTES)


def size_text(size: int) -> str:
    """``20971520`` → ``20 MB``; ``1536`` → ``2 KB``; small sizes in bytes (units are 1024-based)."""
    if size >= 1024 * 1024:
        value = size / (1024 * 1024)
        return f"{value:.0f} MB" if value == int(value) else f"{value:.1f} MB"
    if size >= 1024:
        return f"{round(size / 1024)} KB"
    return _("%(count)s bytes", count=size)


def too_large_message(limit: int = MAX_UPLOAD_BYTES, label: str = "") -> str:
    """The message for a file over ``limit`` bytes, naming the limit (and the field if given)."""
    if label:
        return _("%(field)s: the file is larger than %(limit)s. Choose a file of at most %(limit)s.", field=label, limit=size_text(limit))
    return _("The file is larger than %(limit)s. Choose a file of at most %(limit)s.", limit=size_text(limit))


def upload_problem(content: bytes, *, limit: int, label: str, allowed: tuple[str, ...], empty: str) -> tuple[str | None, str | None]:
    """(media type read from the bytes, the message refusing ``content`` or None). Refused: no
    bytes (``empty``, the caller's message), more than ``limit`` bytes (:func:`too_large_message`),
    or a type not in ``allowed`` whatever the file's name says. ``label``: the field's name."""
    if not content:
        return None, empty
    if len(content) > limit:
        return None, too_large_message(limit, label)
    media_type = sniff(content)
    if media_type is None or media_type not in allowed:
        types = ", ".join(type_name(t) for t in allowed)
        return media_type, _("%(field)s: the file must be one of: %(types)s. The content of this file is not (whatever its name says).",
                             field=label, types=types)
    return media_type, None


async def stored_file_id(repo: Any, storage: FileStorage, digest: str, content: bytes, media_type: str, name: str, now: Any) -> int:
    """The StoredFile row of the bytes ``content`` (SHA-256 ``digest``), inserted when there is
    none, and the bytes on disk again (the last use may have been removed meanwhile). Call it
    inside the caller's write transaction; a unique violation means another upload of the same
    bytes won the race (retry). ``repo``: :class:`~hubcity.programs.repositories.ApplicationRepository`."""
    stored = await repo.stored_file(digest)
    if stored is None:
        stored_id = await repo.insert_stored_file(
            {"sha256": digest, "size": len(content), "content_type": media_type, "original_name": name,
             "path": storage.relative_path(digest), "created_at": now}
        )
    else:
        stored_id = stored["id"]
    storage.put(content)
    return int(stored_id)


def safe_name(name: str) -> str:
    """An uploaded file's name as shown and offered for download: the last path part, control
    characters and quotes removed, at most :data:`MAX_NAME` characters (``file`` when empty)."""
    base = re.split(r"[\\/]", name or "")[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|*?:').strip().strip(".")
    return cleaned[-MAX_NAME:] or "file"


class FileStorage:
    """Bytes on disk under ``<data_dir>/uploads/applications``, named by their SHA-256."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "uploads" / "applications"

    @staticmethod
    def relative_path(sha256: str) -> str:
        """``uploads/applications/<aa>/<sha256>`` (relative to the data dir) for a hex digest."""
        if not _SHA.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return f"uploads/applications/{sha256[:2]}/{sha256}"

    def path_of(self, sha256: str) -> Path:
        """The absolute path of the bytes with digest ``sha256`` (they may not exist)."""
        return self.root.parent.parent / self.relative_path(sha256)

    def put(self, content: bytes) -> str:
        """Write ``content`` unless the same bytes are stored already; returns its SHA-256 (hex).
        The write goes through a temporary file and a rename, so a reader never sees half a file."""
        digest = hashlib.sha256(content).hexdigest()
        target = self.path_of(digest)
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f"{digest}.{os.getpid()}.part")
            temporary.write_bytes(content)
            temporary.replace(target)
        return digest

    def delete(self, sha256: str) -> None:
        """Remove the bytes of ``sha256`` (nothing when they are not there)."""
        try:
            self.path_of(sha256).unlink()
        except FileNotFoundError:
            pass


@dataclass(frozen=True)
class AttachedFile:
    """One file of an application: ``id`` (ApplicationFile id), ``field_key``, ``name`` (as
    uploaded), ``size`` in bytes, ``content_type`` (sniffed), ``sha256``, ``at`` (aware instant)."""

    id: int
    field_key: str
    name: str
    size: int
    content_type: str
    sha256: str
    at: Any

    @property
    def size_text(self) -> str:
        return size_text(self.size)

    @property
    def type_name(self) -> str:
        return type_name(self.content_type)


def _attached(row: Mapping[str, Any]) -> AttachedFile:
    return AttachedFile(
        id=row["id"], field_key=row["field_key"], name=row["original_name"], size=row["stored_file.size"],
        content_type=row["stored_file.content_type"], sha256=row["stored_file.sha256"], at=row["at"],
    )


class ApplicationFiles:
    """Attach, remove, list and open the files of applications.

    applications: the :class:`ApplicationService` (its permission rules, clock and repository);
    storage: where the bytes live.
    """

    def __init__(self, applications: ApplicationService, storage: FileStorage):
        self.applications = applications
        self.repo = applications.applications
        self.storage = storage

    async def _field(self, application: Mapping[str, Any], field_key: str) -> forms.FieldDef:
        fields = await self.applications.fields_of(application)
        found = next((f for f in fields if f.key == field_key and f.type == "file"), None)
        if found is None:
            raise NotFoundError(_("This form has no file question at this address."))
        return found

    async def _editable(self, application_id: int, viewer: Viewer, field_key: str) -> tuple[dict[str, Any], forms.FieldDef]:
        """The application and the file field, when ``viewer`` (a member of the startup) may
        change that field now; the errors of :meth:`ApplicationService.save` otherwise."""
        application = await self.applications.get(application_id, viewer)
        if not viewer.membership_in(application["organisation"]):
            raise NotPermittedError(_("Only members of the applying startup can edit the application."))
        definition = await self._field(application, field_key)
        if not workflow.editable_by_applicant(application["status"]):
            raise InvalidStateError(_("This application can no longer be edited."))
        if application["status"] == "more_info_requested" and field_key not in application["reopened_fields"]:
            raise FormInvalid({field_key: _("%(field)s: this answer was not reopened and cannot be changed.", field=definition.label())})
        if application["status"] == "draft":
            program = await self.applications.programs.get(application["program"])
            assert program is not None
            self.applications._require_before_deadline(program, application)
        return application, definition

    async def listing(self, application_id: int, viewer: Viewer) -> list[AttachedFile]:
        """Every file of an application ``viewer`` may read, oldest first (NotFoundError otherwise)."""
        await self.applications.get(application_id, viewer)
        return [_attached(r) for r in await self.repo.files(application_id)]

    async def attach(
        self, application_id: int, viewer: Viewer, field_key: str, filename: str, content: bytes, *, ip: str = ""
    ) -> AttachedFile:
        """Store ``content`` and attach it to file field ``field_key`` (its id is added to the
        answer, the revision goes up).

        FormInvalid on the field (nothing stored) when no file was chosen, it is larger than
        :func:`limit_for` (the message names the limit), its bytes are not one of the field's
        allowed types, or the field has its number of files already. NotFoundError for a field
        the form does not have or an application the viewer may not see; NotPermittedError /
        InvalidStateError as :meth:`ApplicationService.save`. Audits ``application.file_added``."""
        application, definition = await self._editable(application_id, viewer, field_key)
        label = definition.label()
        limit = limit_for(definition)
        media_type, problem = upload_problem(content, limit=limit, label=label, allowed=tuple(definition.allowed_types),
                                             empty=_("%(field)s: choose a file to upload.", field=label))
        if problem:
            raise FormInvalid({field_key: problem})
        assert media_type is not None
        name = safe_name(filename)
        digest = self.storage.put(content)
        for _attempt in range(3):
            application = await self.applications.get(application_id, viewer)
            current = [i for i in (application["answers"].get(field_key) or []) if isinstance(i, int)]
            if len(current) >= definition.max_files:
                raise FormInvalid({field_key: _("%(field)s: at most %(limit)s files; remove one first.", field=label, limit=definition.max_files)})
            try:
                async with write_transaction():
                    stored_id = await stored_file_id(self.repo, self.storage, digest, content, media_type, name, self.applications.clock())
                    file_id = await self.repo.add_file(
                        {"application": application_id, "field_key": field_key, "stored_file": stored_id, "original_name": name,
                         "uploaded_by": viewer.id, "at": self.applications.clock()}
                    )
                    answers = {**application["answers"], field_key: current + [file_id]}
                    if not await self.repo.update_if_revision(
                        application_id, application["revision"], {"answers": answers, "saved_at": self.applications.clock(), "saved_by": viewer.id}
                    ):
                        raise _Retry
                    await audit.record(
                        "application.file_added", actor_id=viewer.id, object_type="application", object_id=application_id,
                        after={"field": field_key, "file": file_id, "sha256": digest, "name": name, "size": len(content)}, ip=ip,
                    )
            except _Retry:
                continue
            except Exception as error:
                if is_unique_violation(error):  # another upload of the same bytes won the race
                    continue
                raise
            row = await self.repo.file(file_id, application_id)
            assert row is not None
            return _attached(row)
        raise ConflictError(_("The application changed while the file was uploading. Reload it and try again."))

    async def remove(self, application_id: int, viewer: Viewer, field_key: str, file_id: int, *, ip: str = "") -> None:
        """Detach file ``file_id`` from field ``field_key`` (its id leaves the answer; the bytes
        are deleted when no application uses them any more). NotFoundError for a file that is not
        this field's; other errors as :meth:`attach`. Audits ``application.file_removed``."""
        await self._editable(application_id, viewer, field_key)
        unused: str | None = None
        for _attempt in range(3):
            application = await self.applications.get(application_id, viewer)
            row = await self.repo.file(file_id, application_id)
            if row is None or row["field_key"] != field_key:
                raise NotFoundError(_("There is no such file in this application."))
            answers = {**application["answers"], field_key: [i for i in (application["answers"].get(field_key) or []) if i != file_id]}
            try:
                async with write_transaction():
                    if not await self.repo.update_if_revision(
                        application_id, application["revision"], {"answers": answers, "saved_at": self.applications.clock(), "saved_by": viewer.id}
                    ):
                        raise _Retry
                    await self.repo.delete_file(file_id)
                    if not await self.repo.stored_file_in_use(row["stored_file"]):
                        await self.repo.delete_stored_file(row["stored_file"])
                        unused = row["stored_file.sha256"]
                    await audit.record(
                        "application.file_removed", actor_id=viewer.id, object_type="application", object_id=application_id,
                        before={"field": field_key, "file": file_id, "sha256": row["stored_file.sha256"], "name": row["original_name"]}, ip=ip,
                    )
            except _Retry:
                continue
            if unused:
                self.storage.delete(unused)
            return
        raise ConflictError(_("The application changed while the file was being removed. Reload it and try again."))

    async def open(self, application_id: int, viewer: Viewer, file_id: int) -> tuple[Path, AttachedFile]:
        """(path on disk, file) of file ``file_id`` of an application ``viewer`` may read: its
        startup's members and staff who run programs; NotFoundError for anyone else or a file of
        another application (never saying which)."""
        await self.applications.get(application_id, viewer)
        row = await self.repo.file(file_id, application_id)
        if row is None:
            raise NotFoundError(_("There is no such file in this application."))
        path = self.storage.path_of(row["stored_file.sha256"])
        if not path.is_file():
            raise NotFoundError(_("There is no such file in this application."))
        return path, _attached(row)


class _Retry(Exception):
    """The application's revision moved between reading and writing: read again."""
