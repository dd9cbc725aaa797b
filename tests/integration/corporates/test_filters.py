"""Reading the directory's filters from GET parameters (no database needed)."""

from __future__ import annotations

from datetime import date

from hubcity.corporates.filters import NEED_PARAMS, STARTUP_PARAMS, SearchFilters, parse_filters, query_dict

VOCABULARY = {"sector": {"energy", "automotive"}, "technology": {"nlp"}, "stage": {"seed"}, "engagement_type": {"poc"}}


def test_good_values_are_read_and_written_back_in_order() -> None:
    raw = {
        "q": ["  battery   storage "],
        "sector": ["energy", "automotive", "energy"],
        "technology": ["nlp"],
        "stage": ["seed"],
        "location": ["Busan"],
        "team_min": ["2"],
        "team_max": ["20"],
        "founded_after": ["2020-02-29"],
        "verified": ["1"],
        "status": ["all"],
        "page": ["3"],
    }
    filters, errors = parse_filters(raw, VOCABULARY, STARTUP_PARAMS)
    assert errors == {}
    assert filters.q == "battery storage" and filters.sector == ("energy", "automotive")
    assert (filters.team_min, filters.team_max, filters.founded_after) == (2, 20, date(2020, 2, 29))
    assert filters.verified and filters.include_inactive and filters.page == 3
    assert filters.params(page=1) == [
        ("q", "battery storage"), ("sector", "energy"), ("sector", "automotive"), ("technology", "nlp"), ("stage", "seed"),
        ("location", "Busan"), ("team_min", "2"), ("team_max", "20"), ("founded_after", "2020-02-29"), ("verified", "1"),
        ("status", "all"),
    ]
    assert filters.params()[-1] == ("page", "3") and filters.active


def test_bad_values_are_dropped_with_a_message_each() -> None:
    raw = {
        "q": ["a\x00b"],
        "sector": ["energy", "\x00evil"],
        "team_min": ["１２x"],
        "team_max": ["0"],
        "founded_after": ["2020-1-1"],
        "verified": ["yes please"],
        "status": ["gone"],
        "page": ["-2"],
        "location": ["x" * 101],
    }
    filters, errors = parse_filters(raw, VOCABULARY, STARTUP_PARAMS)
    assert set(errors) == {"q", "sector", "team_min", "team_max", "founded_after", "verified", "status", "page", "location"}
    assert "\x00" not in errors["sector"] and "“evil”" in errors["sector"]
    assert filters == SearchFilters(sector=("energy",))


def test_each_page_accepts_only_its_own_parameters() -> None:
    raw = {"founded_after": ["2020-13-45"], "engagement": ["poc", "nope"]}
    startups, startup_errors = parse_filters(raw, VOCABULARY, STARTUP_PARAMS)
    assert startups.engagement == () and set(startup_errors) == {"founded_after"}
    needs, need_errors = parse_filters(raw, VOCABULARY, NEED_PARAMS)
    assert needs.founded_after is None and needs.engagement == ("poc",) and set(need_errors) == {"engagement"}


def test_team_range_inverted_keeps_the_minimum() -> None:
    filters, errors = parse_filters({"team_min": "10", "team_max": "3"}, VOCABULARY)
    assert (filters.team_min, filters.team_max) == (10, None) and set(errors) == {"team_max"}


def test_query_dict_keeps_repeated_parameters() -> None:
    assert query_dict({"a": "1", "b": ["2", "3"]}) == {"a": ["1"], "b": ["2", "3"]}
