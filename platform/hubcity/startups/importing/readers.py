"""Reading an import file into records, with a reason people can act on when it cannot be read.

Two formats, both read with the standard library:

- ``json``: a JSON array of objects in the format of ``shared/data/yc_startups.json`` (one object
  per company). A record's *line* is its 1-based position in the array.
- ``csv``: UTF-8, comma-separated, first row a header naming the columns of :data:`CSV_COLUMNS`
  (any order; :data:`CSV_REQUIRED_COLUMNS` must be there, the others may be left out; a named
  column not in the list is refused so a typo never drops data silently; unnamed columns, such
  as the empty ones spreadsheets add, are ignored). A record's *line* is the
  file line its row starts on (the header is line 1).

Whole-file problems raise :class:`UnreadableFile` (the message names the line or position):
an empty file, bytes that are not UTF-8 (UTF-16 and UTF-32 named as such), NUL bytes, broken JSON, JSON that is not an array, a CSV without
a header or missing a required column, a file with no records. Nothing is imported from such
a file. Problems of one record (a JSON element that is not an object) are kept on the record
(:attr:`SourceRecord.problem`) and reject only that record.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from hubcity.core.i18n import gettext as _

FORMATS: tuple[str, ...] = ("json", "csv")

#: The documented CSV header, in the order the template file uses.
CSV_COLUMNS: tuple[str, ...] = (
    "external_id",
    "name_en",
    "name_ko",
    "one_liner_en",
    "one_liner_ko",
    "description_en",
    "description_ko",
    "website",
    "location",
    "country",
    "team_size",
    "stage",
    "sectors",
    "technologies",
    "tags",
    "status",
    "founded_on",
)
#: Columns every CSV file must have.
CSV_REQUIRED_COLUMNS: tuple[str, ...] = ("external_id", "name_en", "name_ko")

# Magic numbers of files people upload by mistake instead of a CSV or JSON export.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP / Excel (.xlsx)"),
    (b"\xd0\xcf\x11\xe0", "Excel 97-2003 (.xls)"),
    (b"%PDF", "PDF"),
    (b"\x89PNG", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF8", "GIF"),
)


class UnreadableFile(ValueError):
    """The file as a whole cannot be imported; ``str(error)`` says why (translated)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class SourceRecord:
    """One record of the file: ``line`` (JSON: 1-based index; CSV: file line), ``data`` the raw
    fields (JSON object or CSV row as column → text), ``problem`` a reason to reject it unread."""

    line: int
    data: dict[str, Any] = field(default_factory=dict)
    problem: str = ""


@dataclass
class ReadFile:
    """A readable file: its ``format``, its ``records`` in file order, and for CSV the ``columns``
    its header has (the fields this source provides)."""

    format: str
    records: list[SourceRecord]
    columns: tuple[str, ...] = ()


def detect_format(file_name: str) -> str | None:
    """``json`` or ``csv`` from the file name's extension (case-insensitive), else None."""
    suffix = PurePath(file_name or "").suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else None


def record_place(file_format: str, line: int) -> str:
    """How a report names where a record is: ``record 3`` (JSON) or ``line 3`` (CSV)."""
    if file_format == "json":
        return _("record %(line)s", line=line)
    return _("line %(line)s", line=line)


def read_file(data: bytes, file_format: str) -> ReadFile:
    """Parse ``data`` as ``file_format`` (``json`` or ``csv``). Raises :class:`UnreadableFile`."""
    if file_format not in FORMATS:
        raise UnreadableFile(_("The format must be json or csv, not “%(format)s”.", format=file_format))
    text = decode_utf8(data)
    if not text.strip():
        raise UnreadableFile(_("The file is empty."))
    result = read_json(text) if file_format == "json" else read_csv(text)
    if not result.records:
        raise UnreadableFile(_("The file holds no records to import."))
    return result


def decode_utf8(data: bytes) -> str:
    """``data`` as text (a UTF-8 byte order mark is dropped). Raises :class:`UnreadableFile`
    for a binary file, a UTF-16 or UTF-32 file (by its byte order mark or its NUL bytes), NUL
    bytes, or bytes that are not UTF-8 (naming the first line with them, and the likely cause);
    each message says the file must be saved as UTF-8."""
    for signature, kind in _BINARY_SIGNATURES:
        if data.startswith(signature):
            raise UnreadableFile(
                _("The file is a %(kind)s file, not a CSV or JSON text file. Export it as CSV (UTF-8) or JSON and try again.", kind=kind)
            )
    wide = wide_encoding(data)
    if wide:
        raise UnreadableFile(
            _("The file is encoded as %(encoding)s, but import files must be UTF-8. Nothing was imported.", encoding=wide)
            + " " + save_as_utf8_hint()
        )
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise UnreadableFile(
            _("The file holds NUL bytes (line %(line)s), so it is not a UTF-8 text file. Nothing was imported.", line=line)
            + " " + save_as_utf8_hint()
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        hint = save_as_utf8_hint()
        try:
            data.decode("cp949")
            hint = _("It looks like Korean text saved as CP949 (EUC-KR), as Excel does; save it as “CSV UTF-8” instead.")
        except UnicodeDecodeError:
            pass
        message = _(
            "The file is not UTF-8: line %(line)s has bytes that are not UTF-8 text (at byte %(offset)s). Nothing was imported.",
            line=line,
            offset=error.start + 1,
        )
        raise UnreadableFile(f"{message} {hint}".strip()) from None


def save_as_utf8_hint() -> str:
    return _("Save it as UTF-8 (in Excel: “CSV UTF-8”) and upload it again.")


def wide_encoding(data: bytes) -> str | None:
    """``"UTF-32"`` or ``"UTF-16"`` when ``data`` looks encoded so (a byte order mark, or the NUL
    bytes that ASCII text in those encodings is full of), else None."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    quarters = [sample[offset::4].count(0) / max(len(sample[offset::4]), 1) for offset in range(4)]
    if sorted(quarters)[1] > 0.9:  # three of every four bytes are NUL
        return "UTF-32"
    halves = [sample[offset::2].count(0) / max(len(sample[offset::2]), 1) for offset in range(2)]
    if max(halves) > 0.5:  # every other byte is mostly NUL
        return "UTF-16"
    return None


def read_json(text: str) -> ReadFile:
    """A JSON array of objects → records (an element that is not an object becomes a record with
    a ``problem``). Raises :class:`UnreadableFile` for broken JSON (naming line, column and
    character) or a top level that is not an array."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableFile(
            _(
                "The file is not valid JSON: %(problem)s at line %(line)s, column %(column)s (character %(position)s). Nothing was imported.",
                problem=error.msg,
                line=error.lineno,
                column=error.colno,
                position=error.pos + 1,
            )
        ) from None
    except RecursionError:
        raise UnreadableFile(_("The file is not valid JSON: it is nested too deeply. Nothing was imported.")) from None
    if not isinstance(value, list):
        raise UnreadableFile(
            _("The file must hold a JSON array of records ([{…}, {…}]), but its top level is %(kind)s.", kind=_json_kind(value))
        )
    records = []
    for index, item in enumerate(value, start=1):
        if isinstance(item, dict):
            records.append(SourceRecord(line=index, data=item))
        else:
            records.append(
                SourceRecord(line=index, problem=_("The record is %(kind)s, not an object with fields.", kind=_json_kind(item)))
            )
    return ReadFile(format="json", records=records)


def _json_kind(value: Any) -> str:
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("an array")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, bool):
        return _("true or false")
    if isinstance(value, (int, float)):
        return _("a number")
    return _("null")


def read_csv(text: str) -> ReadFile:
    """CSV text with a header row → records keyed by column. Blank lines are skipped; a row with
    more cells than the header becomes a record with a ``problem``. Raises
    :class:`UnreadableFile` for a missing header, a missing required column, an unknown or
    repeated column, or text the csv module cannot split (naming the line)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    header_line = 0
    records: list[SourceRecord] = []
    last_line = 0
    try:
        for cells in reader:
            start_line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                header_line = start_line
                _check_header(header, header_line)
                continue
            if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
                records.append(
                    SourceRecord(
                        line=start_line,
                        problem=_(
                            "The row has %(cells)s cells but the header has %(columns)s columns; check for an unquoted comma.",
                            cells=len(cells),
                            columns=len(header),
                        ),
                    )
                )
                continue
            row = {name: (cells[index] if index < len(cells) else "") for index, name in enumerate(header) if name}
            records.append(SourceRecord(line=start_line, data=row))
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV file cannot be read at line %(line)s: %(problem)s. Nothing was imported.", line=reader.line_num, problem=error)
        ) from None
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    return ReadFile(format="csv", records=records, columns=tuple(name for name in header if name))


def _check_header(header: list[str], line: int) -> None:
    missing = [name for name in CSV_REQUIRED_COLUMNS if name not in header]
    if missing:
        raise UnreadableFile(
            _(
                "The CSV header (line %(line)s) lacks the required column “%(column)s”. The header must name these columns: %(columns)s.",
                line=line,
                column="”, “".join(missing),
                columns=", ".join(CSV_COLUMNS),
            )
        )
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise UnreadableFile(
            _(
                "The CSV header (line %(line)s) has the column “%(column)s”, which is not one of the documented columns: %(columns)s.",
                line=line,
                column="”, “".join(unknown),
                columns=", ".join(CSV_COLUMNS),
            )
        )
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UnreadableFile(
            _("The CSV header (line %(line)s) names the column “%(column)s” more than once.", line=line, column="”, “".join(repeated))
        )
