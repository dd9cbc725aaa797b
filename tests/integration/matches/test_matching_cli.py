"""``hubcity reindex``, ``index-status`` and ``match`` on a SQLite file of their own (real models)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration.core.test_cli import env, hubcity, migrated  # noqa: F401 (fixtures)
from tests.integration.startups.test_import_cli import DATA_DIR


def test_import_reindex_status_and_match(migrated: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    records = json.loads((DATA_DIR / "yc_valid.json").read_text())
    for record in records:
        record["status"] = "Active"  # the file's acquired and inactive companies are never matched
    active = tmp_path / "active.json"
    active.write_text(json.dumps(records))
    assert hubcity(migrated, "import-startups", str(active)).exit_code == 0

    status = hubcity(migrated, "index-status")
    assert status.exit_code == 1 and "Not in step" in status.output  # jobs queued, nothing indexed yet

    reindexed = hubcity(migrated, "reindex")
    assert reindexed.exit_code == 0, reindexed.output
    assert "Indexed 3 startups and 0 partner needs" in reindexed.output

    status = hubcity(migrated, "index-status")
    assert status.exit_code == 0 and "In step." in status.output

    result = hubcity(migrated, "match", "망막 사진으로 질병을 진단하는 인공지능", "--json", "--limit", "3")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["matches"][0]["name"] == "Medisight"  # a Korean need finds the English profile
    assert body["matches"][0]["source_ref"].startswith("yc:")
    assert {"score", "similarity", "matched_terms", "lacking"} <= set(body["matches"][0])

    table = hubcity(migrated, "match", "robots that inspect power lines", "--filter", "sector=energy")
    assert table.exit_code == 0 and "Gridwise" in table.output and "Medisight" not in table.output


def test_match_refuses_bad_input(migrated: dict[str, str]) -> None:  # noqa: F811
    empty = hubcity(migrated, "match", "   ")
    assert empty.exit_code == 1 and "NEED_TEXT" in empty.output
    bad_filter = hubcity(migrated, "match", "robots", "--filter", "colour=blue")
    assert bad_filter.exit_code == 1 and "--filter" in bad_filter.output
    bad_value = hubcity(migrated, "match", "robots", "--filter", "team_min=many")
    assert bad_value.exit_code == 1 and "team_min" in bad_value.output
