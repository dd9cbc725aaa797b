"""Conflicts of interest: name normalisation and every kind of conflict."""

from __future__ import annotations

import pytest

from hubcity.core.i18n import use_locale
from hubcity.reviews.conflicts import Conflict, ReviewerFacts, StartupFacts, conflict_of, normalise_org_name


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("㈜ 한빛 로보틱스", "한빛로보틱스 주식회사"),
        ("(주)한빛로보틱스", "한빛로보틱스"),
        ("Acme Co., Ltd.", "ACME inc"),
        ("Acme Inc.", "acme"),
        ("Ａｃｍｅ　Ventures", "acme ventures"),  # full-width letters and space
        ("Blue-Sky Capital, LLC", "bluesky capital"),
        ("Kakao Corp.", "KAKAO Corporation"),
    ],
)
def test_names_that_mean_the_same_organisation_normalise_alike(a: str, b: str) -> None:
    assert normalise_org_name(a) == normalise_org_name(b) != ""


def test_different_names_stay_different() -> None:
    assert normalise_org_name("Acme") != normalise_org_name("Acme Ventures")
    assert normalise_org_name("") == "" and normalise_org_name(None) == ""
    assert normalise_org_name("㈜") == ""


STARTUP = StartupFacts(
    application_id=1, profile_id=7, organisation_id=70, names=("한빛로보틱스", "Hanbit Robotics"),
    investors=("Blue Sky Capital",), customers=("Hyundai Motor Co., Ltd.",), partners=("㈜ 네이버",),
)


@pytest.mark.parametrize(
    ("affiliation", "kind"),
    [
        ("Hanbit Robotics Inc.", "own_affiliation"),
        ("㈜한빛 로보틱스", "own_affiliation"),
        ("BLUE SKY CAPITAL LLC", "investor"),
        ("Hyundai Motor", "customer"),
        ("네이버 주식회사", "partner"),
        ("Some University", None),
        ("", None),
    ],
)
def test_affiliation_conflicts(affiliation: str, kind: str | None) -> None:
    found = conflict_of(ReviewerFacts(5, affiliation), STARTUP)
    assert (found.kind if found else None) == kind


def test_membership_and_declared_conflicts() -> None:
    assert conflict_of(ReviewerFacts(5, "", organisation_ids=frozenset({70})), STARTUP) == Conflict("own_affiliation", "한빛로보틱스")
    assert conflict_of(ReviewerFacts(5, "Some University", declared_profiles=frozenset({7})), STARTUP) == Conflict("declared")
    assert conflict_of(ReviewerFacts(5, "Some University", declared_profiles=frozenset({8})), STARTUP) is None


def test_the_reason_names_the_affiliation() -> None:
    with use_locale("en"):
        message = conflict_of(ReviewerFacts(5, "Blue Sky Capital"), STARTUP).message()  # type: ignore[union-attr]
    assert "investor" in message and "Blue Sky Capital" in message
