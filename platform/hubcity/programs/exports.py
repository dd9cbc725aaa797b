"""CSV and XLSX exports of a filtered staff list of applications.

One row per application, in the list's order, with these columns: the application id, the
startup's Korean and English names, the status (staff label, translated), the submission
instant (ISO 8601 in the program's zone, empty for a draft), one column per form question
(labelled in the viewer's language; questions of every form version the rows use, the newest
version's first) and a link back to the application (``{public_url}/staff/applications/{id}``).

Spreadsheet formula injection is neutralised: a text cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with ``'`` (OWASP's advice), so a startup's answer
``=HYPERLINK(…)`` stays text in Excel and LibreOffice. Numbers stay numbers.

CSV: UTF-8 with a byte order mark (Excel then reads Korean), ``\\r\\n`` line ends, the csv
module's quoting. XLSX: one sheet through openpyxl, numbers as numbers, links clickable.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core.i18n import gettext as _
from hubcity.programs import forms, workflow

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MULTI_SEPARATOR = "; "
# Characters XML 1.0 (hence XLSX) cannot hold; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: Excel's limit of characters in one cell.
CELL_MAX = 32767


def neutralise(value: Any) -> Any:
    """``value`` safe for a spreadsheet cell: text starting with a formula character gets a
    leading ``'``; other values (numbers, None) are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Column:
    """One column of an export: ``key`` (stable: ``id``, ``answer:<field key>``, …) and its
    ``label`` in the viewer's language."""

    key: str
    label: str


@dataclass(frozen=True)
class Table:
    """An export as data: the columns and one list of cell values per row (str, int, float or None)."""

    columns: list[Column]
    rows: list[list[Any]]


def question_columns(form_versions: Sequence[Mapping[str, Any]], used_version_ids: set[int]) -> list[tuple[str, forms.FieldDef]]:
    """(key, definition) of every question of the form versions used by the rows (each key
    once, the newest version's definition and order first). ``form_versions``: rows {id,
    version, fields} newest first. Fields of an invalid stored definition are skipped."""
    chosen: dict[str, forms.FieldDef] = {}
    for version in form_versions:
        if version["id"] not in used_version_ids:
            continue
        try:
            definitions = forms.as_definitions(version["fields"])
        except ValueError:
            continue
        for definition in definitions:
            chosen.setdefault(definition.key, definition)
    return list(chosen.items())


def answer_cell(definition: forms.FieldDef, value: Any, file_names: Mapping[int, str], locale: str) -> Any:
    """An answer as one cell: numbers as numbers, choices as their labels in ``locale`` (several
    joined with ``; ``), files as their uploaded names, dates as ISO text, None when empty."""
    if forms.is_empty(value):
        return None
    if definition.type == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        return str(value)
    if definition.type in ("single_choice", "multiple_choice"):
        labels = {c.value: c.label(locale) for c in definition.choices}
        values = value if isinstance(value, list) else [value]
        return MULTI_SEPARATOR.join(labels.get(str(v), str(v)) for v in values)
    if definition.type == "file":
        ids = value if isinstance(value, list) else [value]
        return MULTI_SEPARATOR.join(file_names.get(i, f"#{i}") if isinstance(i, int) else str(i) for i in ids)
    if isinstance(value, list):
        return MULTI_SEPARATOR.join(str(v) for v in value)
    return str(value)


def iso_in_zone(value: datetime | None, zone: ZoneInfo) -> str:
    """``value`` as ISO 8601 in ``zone`` to the second (``2026-03-01T18:00:00+09:00``); ``""`` for None."""
    if value is None:
        return ""
    return value.astimezone(zone).isoformat(timespec="seconds")


def build_table(
    rows: Sequence[Mapping[str, Any]],
    *,
    form_versions: Sequence[Mapping[str, Any]],
    file_names: Mapping[int, str],
    zone: ZoneInfo,
    public_url: str,
    locale: str,
) -> Table:
    """The export of ``rows`` (rows of :class:`hubcity.programs.listing.ApplicationListing`).
    Labels are translated in the current language; question labels use ``locale``."""
    questions = question_columns(form_versions, {int(r["form_version"]) for r in rows})
    columns = [
        Column("id", _("Application")),
        Column("name_ko", _("Startup name (Korean)")),
        Column("name_en", _("Startup name (English)")),
        Column("status", _("Status")),
        Column("submitted_at", _("Submitted at (%(zone)s)", zone=zone.key)),
        *[Column(f"answer:{key}", definition.label(locale)) for key, definition in questions],
        Column("link", _("Link")),
    ]
    base = public_url.rstrip("/")
    table_rows = []
    for row in rows:
        answers = row.get("answers") or {}
        table_rows.append(
            [
                row["id"],
                row.get("startup_name_ko") or "",
                row.get("startup_name_en") or "",
                workflow.staff_label(row["status"]),
                iso_in_zone(row.get("submitted_at"), zone),
                *[answer_cell(definition, answers.get(key), file_names, locale) for key, definition in questions],
                f"{base}/staff/applications/{row['id']}",
            ]
        )
    return Table(columns, table_rows)


def _text(value: Any) -> Any:
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)[:CELL_MAX]
    return neutralise(value)


def to_csv(table: Table) -> bytes:
    """The table as CSV bytes: UTF-8 with a BOM, a header row of labels, formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table, *, title: str = "") -> bytes:
    """The table as an XLSX workbook (bytes): one sheet named ``title`` (cut to Excel's 31
    characters), a bold header row, numbers as numbers, the link column as hyperlinks,
    formulas neutralised and characters XML cannot hold removed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = (re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Applications")[:31]
    sheet.append([_text(c.label) for c in table.columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    link_index = next((i for i, c in enumerate(table.columns) if c.key == "link"), None)
    for row in table.rows:
        sheet.append([_text(value) for value in row])
        if link_index is not None:
            cell = sheet.cell(row=sheet.max_row, column=link_index + 1)
            cell.hyperlink = str(row[link_index])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
