"""How ``hubcity import-startups`` shows its work: a progress bar on stderr while it runs, then
the report as tables on stdout (counts per outcome; the rejected, flagged and updated records)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from hubcity.core.i18n import gettext as _
from hubcity.startups.importing.readers import record_place
from hubcity.startups.importing.services import OUTCOME_LABELS, OUTCOMES, ImportReport, RowResult

MAX_ROWS_SHOWN = 50


@contextmanager
def progress_bar() -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields ``advance(done, total)`` for the import to call."""
    console = Console(stderr=True)
    with Progress(
        TextColumn(_("Importing")), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("import", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance


def print_report(report: ImportReport, file_name: str, run_id: int | None) -> None:
    """Print ``report`` of importing ``file_name`` (``run_id``: its import run, None for a dry run)."""
    console = Console(width=max(Console().width, 120), soft_wrap=False)
    if report.dry_run:
        console.print(_("Dry run of %(file)s (source %(source)s): nothing was written.", file=file_name, source=report.source), markup=False)
    else:
        console.print(_("Imported %(file)s (source %(source)s).", file=file_name, source=report.source), markup=False)
    counts = Table(title=_("%(count)s records", count=report.total), title_justify="left")
    counts.add_column(_("Outcome"))
    counts.add_column(_("Records"), justify="right")
    for outcome in OUTCOMES:
        counts.add_row(_(OUTCOME_LABELS[outcome]), str(report.counts[outcome]))
    console.print(counts)
    sections = (
        ("rejected", _("Rejected records (not imported)")),
        ("flagged", _("Flagged as possible duplicates (imported; staff should check them)")),
        ("updated", _("Updated records")),
        ("unchanged", _("Notes")),
    )
    for outcome, title in sections:
        rows = [row for row in report.rows if row.outcome == outcome]
        if rows:
            console.print(_rows_table(report, title, rows[:MAX_ROWS_SHOWN]))
            if len(rows) > MAX_ROWS_SHOWN:
                console.print(_("… and %(count)s more.", count=len(rows) - MAX_ROWS_SHOWN), markup=False)
    if run_id is not None:
        console.print(_("The full report is on the staff page /staff/imports/%(id)s.", id=run_id), markup=False)


def _rows_table(report: ImportReport, title: str, rows: list[RowResult]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column(_("Where"), no_wrap=True)
    table.add_column(_("External id"), no_wrap=True)
    table.add_column(_("Name"))
    table.add_column(_("Reason"))
    for row in rows:
        reason = row.reason or (_("Changed: %(fields)s", fields=", ".join(row.changed)) if row.changed else "")
        cells = (record_place(report.file_format, row.line), row.external_id, row.name, reason)
        table.add_row(*(Text(cell) for cell in cells))
    return table
