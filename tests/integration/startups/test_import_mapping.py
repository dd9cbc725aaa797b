"""The readers and the mapping of the import, without a database: line numbers, file-level
reasons, the YC mapping rules, and the documented tables (module docstring and README)."""

from __future__ import annotations

import collections
import json
from collections.abc import Iterator

import pytest

from hubcity.core.i18n import use_locale
from hubcity.paths import PROJECT_ROOT
from hubcity.startups.importing import mapping
from hubcity.startups.importing.labels import LABEL_TERMS, REGION_COUNTRIES
from hubcity.startups.importing.mapping import Vocabulary, map_csv_row, map_yc_record
from hubcity.startups.importing.readers import CSV_COLUMNS, SourceRecord, UnreadableFile, read_file
from hubcity.startups.taxonomy_data import TAXONOMIES

YC_FILE = PROJECT_ROOT.parent / "shared" / "data" / "yc_startups.json"
VOCABULARY = Vocabulary({kind: {slug for slug, _, _ in TAXONOMIES[kind]} for kind in ("sector", "technology", "stage", "country")})


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages in English, whatever language an earlier test left this thread in."""
    with use_locale("en"):
        yield


def yc(**fields: object) -> SourceRecord:
    record: dict[str, object] = {"id": 1, "name": "Acme", "status": "Active", "stage": "Early", "tags": [], "industries": []}
    record.update(fields)
    return SourceRecord(line=1, data=record)


# -- readers --------------------------------------------------------------------------------------
def test_csv_lines_count_quoted_line_breaks_and_skip_blank_lines() -> None:
    text = "\ufeffexternal_id,name_en,name_ko,description_en\n\na,Alpha,,\"two\nlines\"\n\nb,Beta,,\n"
    parsed = read_file(text.encode("utf-8"), "csv")
    assert [(record.line, record.data["external_id"]) for record in parsed.records] == [(3, "a"), (6, "b")]
    assert parsed.columns == ("external_id", "name_en", "name_ko", "description_en")


def test_a_csv_row_with_too_many_cells_is_a_row_problem() -> None:
    parsed = read_file(b"external_id,name_en,name_ko\na,Alpha,,extra\nb,Beta,\n", "csv")
    assert "3 columns" in parsed.records[0].problem and parsed.records[1].problem == ""


@pytest.mark.parametrize(
    ("content", "fmt", "expected"),
    [
        (b"external_id,name_en,name_ko,colour\na,b,c,d\n", "csv", "“colour”, which is not one of the documented columns"),
        (b"external_id,name_en,name_ko,name_en\n", "csv", "more than once"),
        (b"external_id,name_en,name_ko\n", "csv", "no records"),
        (b"[]", "json", "no records"),
        (b'{"id": 1}', "json", "top level is an object"),
        (b"  \n ", "json", "The file is empty"),
        (b"PK\x03\x04rest", "csv", "Excel (.xlsx)"),
        (b"[1, 2", "json", "line 1, column 6"),
    ],
)
def test_file_level_problems(content: bytes, fmt: str, expected: str) -> None:
    with pytest.raises(UnreadableFile) as caught:
        read_file(content, fmt)
    assert expected in caught.value.message


def test_a_json_element_that_is_not_an_object_is_a_record_problem() -> None:
    parsed = read_file(b'[{"id": 1}, "two", null]', "json")
    assert [record.line for record in parsed.records] == [1, 2, 3]
    assert parsed.records[0].problem == "" and "a string" in parsed.records[1].problem and "null" in parsed.records[2].problem


# -- mapping ----------------------------------------------------------------------------------------
def test_early_is_not_a_stage_and_growth_is() -> None:
    assert "stage" not in map_yc_record(yc(stage="Early"), VOCABULARY).values
    assert map_yc_record(yc(stage="Growth"), VOCABULARY).values["stage"] == "growth"


@pytest.mark.parametrize(("status", "expected"), [("Active", "active"), ("Public", "active"), ("Inactive", "inactive"), ("Acquired", "acquired")])
def test_statuses(status: str, expected: str) -> None:
    assert map_yc_record(yc(status=status), VOCABULARY).values["status"] == expected


def test_an_unknown_status_rejects_the_record() -> None:
    draft = map_yc_record(yc(status="Bankrupt"), VOCABULARY)
    assert "status" in draft.problems[0] and "Bankrupt" in draft.problems[0]


@pytest.mark.parametrize(("value", "expected"), [(12, 12), ("7", 7), (None, None), (0, 0)])
def test_team_sizes(value: object, expected: int | None) -> None:
    draft = map_yc_record(yc(team_size=value), VOCABULARY)
    assert draft.values["team_size"] == expected and draft.problems == []


@pytest.mark.parametrize("value", ["a dozen", 3.5, True, -1, [3]])
def test_bad_team_sizes_reject_the_record(value: object) -> None:
    assert any("team_size" in problem for problem in map_yc_record(yc(team_size=value), VOCABULARY).problems)


def test_country_is_the_first_region_with_a_country_term() -> None:
    regions = ["Remote", "Nigeria", "Germany", "United States of America"]
    assert map_yc_record(yc(regions=regions), VOCABULARY).values["country"] == "de"  # Nigeria has no term
    assert "country" not in map_yc_record(yc(regions=["Europe", "Remote"]), VOCABULARY).values


def test_terms_come_from_tags_industries_and_subindustry_parts() -> None:
    draft = map_yc_record(
        yc(tags=["robotics", "NLP"], industries=["Healthcare"], subindustry="Industrials -> Automotive", batch="Summer 2021"),
        VOCABULARY,
    )
    assert draft.terms == {"sector": ["robotics", "healthcare", "automotive"], "technology": ["robotics_control", "nlp"]}
    assert draft.values["tags"] == ["robotics", "NLP", "YC Summer 2021"]
    assert "founded_on" not in draft.values


def test_a_term_the_vocabulary_lacks_is_skipped() -> None:
    vocabulary = Vocabulary({"sector": {"energy"}, "technology": set()})
    assert map_yc_record(yc(tags=["Robotics", "Solar Power"]), vocabulary).terms == {"sector": ["energy"], "technology": []}


def test_description_line_breaks_are_normalised() -> None:
    draft = map_yc_record(yc(long_description="one\r\ntwo\rthree\n"), VOCABULARY)
    assert draft.values["description_en"] == "one\ntwo\nthree"


@pytest.mark.parametrize("record_id", [None, "", True, [1]])
def test_a_record_without_a_usable_id_is_rejected(record_id: object) -> None:
    assert any("external id" in problem for problem in map_yc_record(yc(id=record_id), VOCABULARY).problems)


def test_csv_columns_left_out_are_not_provided() -> None:
    record = SourceRecord(line=2, data={"external_id": "a", "name_en": "Alpha", "name_ko": ""})
    draft = map_csv_row(record, ("external_id", "name_en", "name_ko"), VOCABULARY)
    assert set(draft.values) == {"name_en", "name_ko"} and draft.terms is None and draft.problems == []


# -- the documented tables ------------------------------------------------------------------------------
def test_every_mapped_term_exists_in_the_taxonomies() -> None:
    known = {kind: {slug for slug, _, _ in entries} for kind, entries in TAXONOMIES.items()}
    for label, terms in LABEL_TERMS.items():
        for kind, slug in terms:
            assert slug in known[kind], f"{label}: {kind} {slug} is not in taxonomy_data"


def test_the_mapping_table_is_documented_in_the_module_and_the_readme() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Importing startups"):]
    docstring = mapping.__doc__ or ""
    for label, terms in LABEL_TERMS.items():
        documented = "; ".join(f"{kind} `{slug}`" for kind, slug in terms) or "—"
        assert f"| {label} | {documented} |" in section, label
        assert label in docstring and all(slug in docstring for _, slug in terms), label
    for region, slug in REGION_COUNTRIES.items():
        assert f"{region} → `{slug}`" in section and f"{region} → {slug}" in " ".join(docstring.split())
    assert ",".join(CSV_COLUMNS) in section


@pytest.mark.skipif(not YC_FILE.is_file(), reason="shared/data/yc_startups.json is not beside the repository")
def test_the_80_most_common_yc_tags_and_every_industry_are_in_the_table() -> None:
    records = json.loads(YC_FILE.read_text(encoding="utf-8"))
    common = collections.Counter(tag for record in records for tag in record["tags"]).most_common(80)
    listed = {label.casefold() for label in LABEL_TERMS}
    assert [tag for tag, _ in common if tag.casefold() not in listed] == []
    labels = {industry for record in records for industry in record["industries"]}
    labels |= {part.strip() for record in records for part in record["subindustry"].split("->")}
    assert sorted(label for label in labels if label.casefold() not in listed) == []
