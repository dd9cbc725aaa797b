"""Eligibility rules: each rule's edge, messages naming the rule, the hook for later rules."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from hubcity.core.i18n import use_locale
from hubcity.programs import eligibility
from hubcity.programs.eligibility import EligibilityContext, RuleResult

SEOUL = ZoneInfo("Asia/Seoul")
# 2026-03-31 15:30 UTC is already 1 April in Seoul.
CLOSES = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
PROFILE = {"founded_on": date(2020, 4, 1), "country": "kr", "location": "Busan", "sectors": ["mobility"], "stage": "seed", "team_size": 10}


@pytest.fixture(autouse=True)
def english() -> None:
    with use_locale("en"):
        yield


def run(rule: dict, profile: dict | None = None, **context: object) -> RuleResult:
    ctx = EligibilityContext(closes_at=CLOSES, zone=SEOUL, **context)  # type: ignore[arg-type]
    return eligibility.check([rule], {**PROFILE, **(profile or {})}, ctx)[0]


def test_founded_within_years_counts_from_the_closing_date_in_the_programs_zone() -> None:
    rule = {"rule": "founded_within_years", "years": 6}
    assert run(rule).passed  # cutoff 2020-04-01 in Seoul
    assert not run(rule, {"founded_on": date(2020, 3, 31)}).passed
    # The same founding date passes when the close is read in UTC (31 March): the zone decides.
    utc = eligibility.check([rule], {**PROFILE, "founded_on": date(2020, 3, 31)}, EligibilityContext(closes_at=CLOSES, zone=ZoneInfo("UTC")))
    assert utc[0].passed


def test_founded_rule_message_names_the_rule_and_cutoff() -> None:
    result = run({"rule": "founded_within_years", "years": 6}, {"founded_on": date(2019, 1, 1)})
    assert not result.passed and "Founded recently enough" in result.message and "2020-04-01" in result.message
    assert "no founding date" in run({"rule": "founded_within_years", "years": 6}, {"founded_on": None}).message


@pytest.mark.parametrize(
    ("rule", "profile", "passed"),
    [
        ({"rule": "regions", "values": ["busan"]}, {}, True),
        ({"rule": "regions", "values": ["KR"]}, {"location": ""}, True),
        ({"rule": "regions", "values": ["jp"]}, {}, False),
        ({"rule": "sectors", "values": ["mobility", "bio"]}, {}, True),
        ({"rule": "sectors", "values": ["bio"]}, {}, False),
        ({"rule": "stages", "values": ["seed"]}, {}, True),
        ({"rule": "stages", "values": ["series_a"]}, {}, False),
        ({"rule": "team_size", "min": 10, "max": 10}, {}, True),
        ({"rule": "team_size", "min": 11}, {}, False),
        ({"rule": "team_size", "max": 9}, {}, False),
        ({"rule": "team_size", "max": 9}, {"team_size": None}, False),
        ({"rule": "one_application_per_startup"}, {}, True),
    ],
)
def test_rules(rule: dict, profile: dict, passed: bool) -> None:
    result = run(rule, profile)
    assert result.passed is passed
    assert result.key == rule["rule"]
    assert eligibility.rule_name(rule["rule"]) in result.message


def test_one_application_per_startup_fails_when_one_exists() -> None:
    result = run({"rule": "one_application_per_startup"}, has_application=True)
    assert not result.passed and "already has an application" in result.message


def test_unknown_rules_fail_and_definitions_are_checked() -> None:
    assert not run({"rule": "a_rule_of_a_later_issue"}).passed
    errors = eligibility.check_rules_definition(
        [{"rule": "founded_within_years", "years": 0}, {"rule": "regions", "values": []}, {"rule": "nope"},
         {"rule": "team_size", "min": 5, "max": 1}]
    )
    assert set(errors) == {"eligibility[0]", "eligibility[1]", "eligibility[2]", "eligibility[3]"}
    assert eligibility.check_rules_definition([{"rule": "stages", "values": ["seed"]}]) == {}


def test_registered_rules_are_checked_with_the_contexts_extra() -> None:
    def no_award(rule, profile, context):  # type: ignore[no-untyped-def]
        ok = rule["family"] not in context.extra.get("active_award_families", ())
        return RuleResult("test_only_award_rule", ok, "award rule")

    eligibility.register_rule("test_only_award_rule", "No active award", no_award)
    try:
        rule = {"rule": "test_only_award_rule", "family": "ai-seed"}
        assert run(rule).passed
        assert not run(rule, extra={"active_award_families": {"ai-seed"}}).passed
    finally:
        eligibility.RULES.pop("test_only_award_rule")
        eligibility.RULE_NAMES.pop("test_only_award_rule")


def test_years_before_handles_29_february() -> None:
    assert eligibility.years_before(date(2028, 2, 29), 1) == date(2027, 2, 28)
