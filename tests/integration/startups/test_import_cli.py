"""``hubcity import-startups`` through click's CliRunner, on a SQLite file of its own: exit codes,
output, re-runs, dry runs, and files it cannot read. Synchronous: the command runs its own loop."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from hubcity.cli import cli
from hubcity.core.i18n import current_locale, set_locale
from tests.integration.startups.test_import_helpers import DATA_DIR


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """HUBCITY_* for a migrated SQLite file under tmp_path (no .env, no outside HUBCITY_*)."""
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith("HUBCITY_"):
            monkeypatch.delenv(key)
    locale = current_locale()
    values = {
        "HUBCITY_ENV": "test",
        "HUBCITY_DATA_DIR": str(tmp_path / "data"),
        "HUBCITY_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "HUBCITY_DEFAULT_LOCALE": "en",
        "COLUMNS": "200",
    }
    yield values
    set_locale(locale)


@pytest.fixture
def migrated(env: dict[str, str]) -> dict[str, str]:
    assert hubcity(env, "migrate").exit_code == 0
    return env


def hubcity(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def query(env: dict[str, str], sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(env["HUBCITY_DATABASE_URL"].removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, params).fetchall()


def counts_in(output: str) -> dict[str, int]:
    """The counts table of the output: label → number."""
    labels = {
        "New profiles created": "created",
        "Profiles updated": "updated",
        "Profiles unchanged": "unchanged",
        "Flagged as possible duplicates": "flagged",
        "Records rejected": "rejected",
    }
    found = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│┃ ").split("│")]
        if len(cells) == 2 and cells[0] in labels:
            found[labels[cells[0]]] = int(cells[1])
    return found


def test_import_then_import_again_creates_nothing_the_second_time(migrated: dict[str, str]) -> None:
    first = hubcity(migrated, "import-startups", str(DATA_DIR / "yc_valid.json"))
    assert first.exit_code == 0, first.output
    assert "The taxonomies were empty" in first.stdout
    assert counts_in(first.stdout) == {"created": 3, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 0}
    assert query(migrated, "SELECT count(*), count(DISTINCT source_key) FROM startup_profile") == [(3, 3)]
    assert query(migrated, "SELECT count(*) FROM startup_tag WHERE kind = 'sector'") == [(4,)]

    second = hubcity(migrated, "import-startups", str(DATA_DIR / "yc_valid.json"))
    assert second.exit_code == 0
    assert "The taxonomies were empty" not in second.stdout
    assert counts_in(second.stdout) == {"created": 0, "updated": 0, "unchanged": 3, "flagged": 0, "rejected": 0}
    assert query(migrated, "SELECT count(*) FROM startup_profile") == [(3,)]

    changed = hubcity(migrated, "import-startups", str(DATA_DIR / "yc_changed.json"))
    assert counts_in(changed.stdout)["updated"] == 1 and "Changed: team_size" in changed.stdout
    # Each real run is kept for the staff page.
    assert query(migrated, "SELECT status, source FROM import_run ORDER BY id") == [("done", "yc")] * 3


def test_rejected_rows_are_printed_and_the_exit_status_is_still_0(migrated: dict[str, str]) -> None:
    result = hubcity(migrated, "import-startups", str(DATA_DIR / "bad_team_size.csv"), "--source", "partners")
    assert result.exit_code == 0
    assert counts_in(result.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 1}
    assert "Rejected records" in result.stdout and "line 4" in result.stdout and "about ten" in result.stdout
    assert query(migrated, "SELECT source_key FROM startup_profile ORDER BY id") == [("partners:c-1",), ("partners:c-3",)]


def test_a_dry_run_writes_nothing(migrated: dict[str, str]) -> None:
    result = hubcity(migrated, "import-startups", str(DATA_DIR / "yc_duplicate_ids.json"), "--dry-run")
    assert result.exit_code == 0
    assert "nothing was written" in result.stdout
    assert counts_in(result.stdout) == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 1}
    assert query(migrated, "SELECT count(*) FROM startup_profile") == [(0,)]
    assert query(migrated, "SELECT count(*) FROM import_run") == [(0,)]


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("broken.json", [], "not valid JSON"),
        ("missing_column.csv", [], "lacks the required column “name_ko”"),
        ("non_utf8.csv", [], "not UTF-8: line 2"),
        ("empty.csv", [], "The file is empty"),
        ("empty.json", [], "The file is empty"),
        ("no-such-file.json", [], "Cannot read"),
        ("valid.csv", ["--format", "json"], "not valid JSON"),
    ],
)
def test_an_unreadable_file_exits_2_and_changes_nothing(migrated: dict[str, str], name: str, args: list[str], expected: str) -> None:
    assert hubcity(migrated, "import-startups", str(DATA_DIR / "valid.csv")).exit_code == 0
    before = query(migrated, "SELECT * FROM startup_profile ORDER BY id")
    result = hubcity(migrated, "import-startups", str(DATA_DIR / name), *args)
    assert result.exit_code == 2
    assert expected in result.stderr and "Traceback" not in result.output
    assert query(migrated, "SELECT * FROM startup_profile ORDER BY id") == before


def test_an_unknown_extension_needs_format(migrated: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "startups.txt"
    path.write_bytes((DATA_DIR / "valid.csv").read_bytes())
    refused = hubcity(migrated, "import-startups", str(path))
    assert refused.exit_code == 2 and "--format" in refused.stderr
    accepted = hubcity(migrated, "import-startups", str(path), "--format", "csv")
    assert accepted.exit_code == 0 and counts_in(accepted.stdout)["created"] == 3


def test_a_bad_source_name_exits_1(migrated: dict[str, str]) -> None:
    result = hubcity(migrated, "import-startups", str(DATA_DIR / "valid.csv"), "--source", "Not OK!")
    assert result.exit_code == 1 and "--source" in result.stderr
    assert query(migrated, "SELECT count(*) FROM startup_profile") == [(0,)]


def test_an_unmigrated_database_is_refused(env: dict[str, str]) -> None:
    result = hubcity(env, "import-startups", str(DATA_DIR / "valid.csv"))
    assert result.exit_code == 2 and "Run `hubcity migrate` first" in result.stderr
