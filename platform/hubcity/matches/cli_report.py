"""Console output of ``hubcity reindex``, ``index-status`` and ``match`` (rich tables on stdout,
progress on stderr)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hubcity.core.i18n import gettext as _
from hubcity.matches.indexing import IndexStatus


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields ``advance(done, total)``."""
    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(label, total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def print_status(status: IndexStatus) -> None:
    table = Table(title=_("Search index against the database"), title_justify="left")
    for header in (_("Index"), _("Database rows"), _("Index documents"), _("Missing"), _("Outdated"), _("Extra")):
        table.add_column(header, justify="right" if header != _("Index") else "left")
    for name, row in status.indexes.items():
        table.add_row(name, *(str(row[key]) for key in ("database", "index", "missing", "outdated", "extra")))
    console = Console()
    console.print(table)
    console.print(_("In step.") if status.in_step else _("Not in step: run `hubcity reindex` (or let the worker catch up)."), markup=False)


def match_rows(matches: list[Any], profiles: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    """Hits as plain dicts: rank, profile id, source ref, name, score and reasons."""
    rows = []
    for rank, match in enumerate(matches, start=1):
        profile = profiles.get(int(match.hit.id), {})
        explanation = match.explanation
        rows.append(
            {
                "rank": rank,
                "profile_id": int(match.hit.id),
                "source_ref": match.hit.document.get("source_ref", ""),
                "name": profile.get("name_en") or profile.get("name_ko") or "",
                "score": round(float(match.hit.score), 4),
                "similarity": round(float(explanation.similarity), 4),
                "matched_terms": list(explanation.matched_terms),
                "matched_tags": list(explanation.matched_tags),
                "passed": list(explanation.passed),
                "lacking": list(explanation.lacking),
            }
        )
    return rows


def print_matches(rows: list[dict[str, Any]], total: int, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"total": total, "matches": rows}, ensure_ascii=False, indent=2))
        return
    table = Table(title=_("%(count)s startups fit; the best %(shown)s:", count=total, shown=len(rows)), title_justify="left")
    for header in ("#", _("Startup"), _("Source"), _("Score"), _("Similarity"), _("Reasons")):
        table.add_column(header)
    for row in rows:
        reasons = []
        if row["matched_terms"]:
            reasons.append(_("words: %(list)s", list=", ".join(row["matched_terms"])))
        if row["matched_tags"]:
            reasons.append(_("tags: %(list)s", list=", ".join(row["matched_tags"])))
        if row["lacking"]:
            reasons.append(_("lacks: %(list)s", list=", ".join(row["lacking"])))
        table.add_row(str(row["rank"]), row["name"], row["source_ref"], f"{row['score']:.3f}", f"{row['similarity']:.2f}", "; ".join(reasons))
    Console(width=160).print(table)
