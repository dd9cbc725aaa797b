"""The import service on the small files of ``tests/data/import/``: what each file gives, and that
every profile stored before a bad file or a bad record stays exactly as it was."""

from __future__ import annotations

from datetime import date

import pytest

from hubcity.config.settings import Settings
from hubcity.db.tables import Organisation, StartupProfile
from hubcity.core.clock import utcnow
from hubcity.startups.importing.readers import UnreadableFile
from hubcity.startups.importing.services import ImportReport, ImportService
from hubcity.startups.repositories import ProfileRepository
from tests.integration.startups.test_import_helpers import (  # noqa: F401 - imports_db is a fixture
    data,
    import_bytes,
    import_file,
    imports_db,
    profile,
    stored_state,
)

CSV_HEADER = "external_id,name_en,name_ko,one_liner_en,sectors,technologies,team_size,founded_on,website\n"


async def import_csv_text(text: str, source: str = "csv") -> ImportReport:
    return await import_bytes(text.encode("utf-8"), "csv", source)


async def test_yc_records_are_mapped_as_documented(imports_db: Settings) -> None:
    report = await import_file("yc_valid.json")
    assert report.counts == {"created": 3, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 0}
    assert report.rows == []

    grid = await profile("yc:9001")
    assert grid["name_en"] == "Gridwise Robotics" and grid["name_ko"] == ""
    assert grid["one_liner_en"] == "Robots that inspect power lines"
    assert grid["description_en"] == "Gridwise builds inspection robots.\nThey climb transmission towers."
    assert grid["team_size"] == 12
    assert grid["stage"] == ""  # "Early" is not a funding stage
    assert grid["founded_on"] is None  # launched_at is not a founding date
    assert grid["country"] == "us"  # "Remote" is not a country; the first region that is
    assert grid["location"] == "San Francisco, CA, USA; Remote"
    assert grid["website"] == "https://www.gridwise.example" and grid["website_domain"] == "gridwise.example"
    assert grid["status"] == "active"
    assert grid["tags"] == ["Robotics", "Computer Vision", "Artificial Intelligence", "YC Winter 2021"]
    assert grid["sectors"] == {"robotics", "energy"}
    assert grid["technologies"] == {"robotics_control", "computer_vision"}
    assert grid["organisation"] is None  # the agency's until a startup claims it
    assert (grid["source"], grid["external_id"], grid["possible_duplicate_of"]) == ("yc", "9001", None)

    medi = await profile("yc:9002")
    assert medi["stage"] == "growth" and medi["status"] == "acquired"
    assert medi["team_size"] is None and medi["description_en"] == ""
    assert medi["country"] == "kr" and medi["website"] == "https://medisight.example"
    assert medi["sectors"] == {"healthcare"} and medi["technologies"] == set()

    freight = await profile("yc:9003")
    assert freight["status"] == "inactive"
    assert freight["country"] == ""  # Nigeria has no term in the country taxonomy: not guessed
    assert freight["sectors"] == {"logistics"}
    assert freight["tags"] == ["Logistics", "Marketplace", "YC Fall 2024"]


async def test_csv_rows_are_imported(imports_db: Settings) -> None:
    report = await import_file("valid.csv")
    assert report.counts["created"] == 3 and report.counts["rejected"] == 0

    vision = await profile("csv:c-1")
    assert (vision["name_en"], vision["name_ko"]) == ("Haneul Vision", "하늘 비전")
    assert vision["description_en"] == "Inspects welds.\nFinds defects."
    assert vision["website_domain"] == "haneulvision.example"
    assert vision["founded_on"] == date(2019, 3, 1)
    assert (vision["stage"], vision["country"], vision["team_size"]) == ("seed", "kr", 25)
    assert vision["sectors"] == {"manufacturing", "automotive"} and vision["technologies"] == {"computer_vision"}
    assert vision["tags"] == ["Smart factory", "Korea"]

    bada = await profile("csv:c-2")
    assert (bada["name_en"], bada["name_ko"], bada["status"]) == ("", "바다 에너지", "inactive")
    only = await profile("csv:c-3")
    assert (only["status"], only["team_size"], only["stage"]) == ("active", None, "")


async def test_importing_the_same_file_again_changes_nothing(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    before = await stored_state()
    report = await import_file("yc_valid.json")
    assert report.counts == {"created": 0, "updated": 0, "unchanged": 3, "flagged": 0, "rejected": 0}
    assert await stored_state() == before  # not even updated_at moved


async def test_a_reimport_with_one_changed_field_updates_that_profile_only(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    before = {row["source_key"]: row for row in await stored_state()}
    report = await import_file("yc_changed.json")
    assert report.counts == {"created": 0, "updated": 1, "unchanged": 2, "flagged": 0, "rejected": 0}
    assert [(row.external_id, row.outcome, row.changed) for row in report.rows] == [("9001", "updated", ["team_size"])]
    after = {row["source_key"]: row for row in await stored_state()}
    assert set(after) == set(before)  # updated, not duplicated
    assert after["yc:9001"]["team_size"] == 15 and after["yc:9001"]["id"] == before["yc:9001"]["id"]
    assert after["yc:9002"] == before["yc:9002"] and after["yc:9003"] == before["yc:9003"]


async def test_a_second_record_with_the_same_external_id_is_rejected(imports_db: Settings) -> None:
    report = await import_file("yc_duplicate_ids.json")
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 1}
    [row] = report.rejected
    assert (row.line, row.external_id, row.name) == (3, "9001", "Gridwise Again")
    assert "appears twice" in row.reason and "record 1" in row.reason
    assert (await profile("yc:9001"))["name_en"] == "Gridwise Robotics"  # the first one won
    assert await StartupProfile.count().run() == 2


async def test_a_csv_duplicate_names_the_first_line(imports_db: Settings) -> None:
    report = await import_csv_text(CSV_HEADER + "a,Alpha,,,,,,,\nb,Beta,,,,,,,\na,Alpha again,,,,,,,\n")
    [row] = report.rejected
    assert row.line == 4 and "line 2" in row.reason


async def test_companies_sharing_a_website_domain_are_flagged_not_merged(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    report = await import_file("yc_shared_domain.json")
    assert report.counts == {"created": 1, "updated": 0, "unchanged": 0, "flagged": 1, "rejected": 0}
    first, second = await profile("yc:9101"), await profile("yc:9102")
    assert first["website_domain"] == second["website_domain"] == "acme.example"
    assert first["possible_duplicate_of"] is None
    assert second["possible_duplicate_of"] == first["id"]
    [row] = report.flagged
    assert (row.external_id, row.duplicate_of, row.profile_id) == ("9102", first["id"], second["id"])
    assert "acme.example" in row.reason and "Acme Grid" in row.reason
    assert await StartupProfile.count().run() == 5

    # Run again: nothing changes, and the original is never flagged against its duplicate.
    before = await stored_state()
    again = await import_file("yc_shared_domain.json")
    assert again.counts["unchanged"] == 2 and await stored_state() == before


async def test_a_record_of_another_source_sharing_a_domain_is_flagged(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    grid = await profile("yc:9001")
    report = await import_csv_text(CSV_HEADER + "g-1,Gridwise Korea,그리드와이즈,,,,,,http://gridwise.example/ko\n")
    assert report.counts["flagged"] == 1
    assert (await profile("csv:g-1"))["possible_duplicate_of"] == grid["id"]
    assert (await profile("yc:9001"))["possible_duplicate_of"] is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("broken.json", ["not valid JSON", "line 35, column 1"]),
        ("missing_column.csv", ["lacks the required column", "“name_ko”"]),
        ("non_utf8.csv", ["not UTF-8", "line 2", "CP949"]),
        ("empty.json", ["The file is empty"]),
        ("empty.csv", ["The file is empty"]),
    ],
)
async def test_an_unreadable_file_imports_nothing_and_says_why(imports_db: Settings, name: str, expected: list[str]) -> None:
    await import_file("yc_valid.json")
    await import_file("valid.csv")
    before = await stored_state()
    with pytest.raises(UnreadableFile) as caught:
        await import_file(name)
    for part in expected:
        assert part in caught.value.message
    assert await stored_state() == before


async def test_a_non_numeric_team_size_rejects_that_row_only(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    before = await stored_state()
    report = await import_file("bad_team_size.csv")
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 1}
    [row] = report.rejected
    assert (row.line, row.external_id, row.name) == (4, "c-2", "Beta")
    assert "team_size" in row.reason and "about ten" in row.reason and "whole number" in row.reason
    assert await StartupProfile.count().where(StartupProfile.source_key == "csv:c-2").run() == 0
    after = await stored_state()
    assert after[: len(before)] == before


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("x,{long},,,,,,,", ["name_en is too long", "201 characters", "at most 200"]),
        ("x,,,Pitch only,,,,,", ["no name"]),
        ("x,Alpha,,,quantum_farming,,,,", ["sectors", "quantum_farming", "not a known slug"]),
        ("x,Alpha,,,,telepathy,,,", ["technologies", "telepathy"]),
        ("x,Alpha,,,,,-3,,", ["team_size", "outside 0"]),
        ("x,Alpha,,,,,,2999-01-01,", ["founded_on", "in the future"]),
        ("x,Alpha,,,,,,01/02/2020,", ["founded_on", "YYYY-MM-DD"]),
        (",Alpha,,,,,,,", ["no external id"]),
    ],
)
async def test_each_rule_rejects_the_record_naming_the_field(imports_db: Settings, row: str, expected: list[str]) -> None:
    report = await import_csv_text(CSV_HEADER + row.replace("{long}", "N" * 201) + "\n")
    assert report.counts["rejected"] == 1 and report.counts["created"] == 0
    for part in expected:
        assert part in report.rejected[0].reason
    assert await StartupProfile.count().run() == 0


async def test_a_dry_run_writes_nothing_and_predicts_the_outcomes(imports_db: Settings) -> None:
    preview = await import_file("yc_shared_domain.json", dry_run=True)
    assert preview.counts == {"created": 1, "updated": 0, "unchanged": 0, "flagged": 1, "rejected": 0}
    assert "record 1 of this file" in preview.flagged[0].reason
    assert await StartupProfile.count().run() == 0
    real = await import_file("yc_shared_domain.json")
    assert real.counts == preview.counts


async def test_a_claimed_profile_is_no_longer_changed_by_the_import(imports_db: Settings) -> None:
    await import_file("yc_valid.json")
    org = Organisation(kind="startup", name_en="Gridwise", name_ko="그리드와이즈", business_registration_number="", created_at=utcnow())
    await org.save().run()
    await StartupProfile.update({StartupProfile.organisation: org.id}).where(StartupProfile.source_key == "yc:9001").run()
    before = await stored_state()
    report = await import_file("yc_changed.json")
    assert report.counts["updated"] == 0 and report.counts["unchanged"] == 3
    assert "claimed" in report.rows[0].reason
    assert await stored_state() == before


async def test_a_record_that_fails_to_save_is_rejected_and_the_rest_go_on(
    imports_db: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ProfileRepository.replace_tags

    async def failing_tags(self: ProfileRepository, profile_id: int, kind: str, slugs: list[str]) -> None:
        if "healthcare" in slugs:
            raise RuntimeError("disk full")
        await original(self, profile_id, kind, slugs)

    monkeypatch.setattr(ProfileRepository, "replace_tags", failing_tags)
    report = await import_file("yc_valid.json")
    assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "flagged": 0, "rejected": 1}
    assert report.rejected[0].external_id == "9002" and "disk full" in report.rejected[0].reason
    # The profile row was written before its tags failed: the transaction took it back.
    assert await StartupProfile.count().where(StartupProfile.source_key == "yc:9002").run() == 0


async def test_progress_is_reported_for_every_record(imports_db: Settings) -> None:
    seen: list[tuple[int, int]] = []
    await ImportService().import_bytes(data("yc_valid.json"), "json", "yc", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]
