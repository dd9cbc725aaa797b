"""Forms as data: definitions are checked; answers are checked with draft and submit rules."""

from __future__ import annotations

from datetime import date

import pytest

from hubcity.core.i18n import use_locale
from hubcity.programs import forms
from tests.factories.programs import COMPLETE_ANSWERS, FORM


@pytest.fixture(autouse=True)
def english() -> None:
    with use_locale("en"):
        yield


def test_the_factory_form_is_valid_and_round_trips() -> None:
    assert not forms.check_definition(FORM)
    stored = forms.normalise_definition(FORM)
    assert [f["key"] for f in stored] == [f["key"] for f in FORM]
    assert forms.parse_fields(stored) == forms.parse_fields(FORM)


@pytest.mark.parametrize(
    ("field", "path", "words"),
    [
        ({"key": "Bad Key", "type": "text", "label_en": "X"}, "fields[0].key", "key"),
        ({"key": "x", "type": "video", "label_en": "X"}, "fields[0].type", "type"),
        ({"key": "x", "type": "text"}, "fields[0].label", "label"),
        ({"key": "x", "type": "text", "label_en": "X", "max_length": 0}, "fields[0].max_length", "maximum length"),
        ({"key": "x", "type": "number", "label_en": "X", "min": 5, "max": 1}, "fields[0].min", "minimum"),
        ({"key": "x", "type": "single_choice", "label_en": "X", "choices": []}, "fields[0].choices", "choice"),
        ({"key": "x", "type": "file", "label_en": "X", "allowed_types": ["text/html"]}, "fields[0].allowed_types", "file types"),
        ({"key": "x", "type": "text", "label_en": "X", "prefill": "password_hash"}, "fields[0].prefill", "profile field"),
    ],
)
def test_bad_definitions_name_the_field_and_rule(field: dict, path: str, words: str) -> None:
    problems = forms.check_definition([field])
    assert path in problems.errors
    assert words in problems.errors[path]
    assert (field.get("label_en") or field["key"]) in problems.errors[path]


def test_repeated_keys_and_empty_forms_are_refused() -> None:
    assert "fields[1].key" in forms.check_definition([FORM[0], FORM[0]]).errors
    assert "fields" in forms.check_definition([]).errors
    with pytest.raises(ValueError):
        forms.parse_fields("not a list")


def test_a_draft_may_be_partial_but_submit_names_every_missing_required_answer() -> None:
    assert forms.validate_answers(FORM, {}, for_submit=False) == {}
    errors = forms.validate_answers(FORM, {"plan": "later"}, for_submit=True)
    assert set(errors) == {"summary", "team"}
    assert "Summary" in errors["summary"] and "required" in errors["summary"]
    assert forms.validate_answers(FORM, COMPLETE_ANSWERS, for_submit=True) == {}


@pytest.mark.parametrize(
    ("answers", "key", "words"),
    [
        ({"summary": "x" * 101}, "summary", "at most 100"),
        ({"summary": 5}, "summary", "text"),
        ({"team": "many"}, "team", "number"),
        ({"team": 0}, "team", "smallest"),
        ({"team": 501}, "team", "largest"),
        ({"track": "space"}, "track", "not one of the choices"),
        ({"markets": ["kr", "us"]}, "markets", "not one of the choices"),
        ({"markets": "kr"}, "markets", "list"),
        ({"start": "2026-13-01"}, "start", "date"),
        ({"deck": [1, 2]}, "deck", "at most 1 files"),
        ({"unknown": "x"}, "unknown", "not a question"),
    ],
)
def test_wrong_types_and_limits_are_refused_even_in_drafts(answers: dict, key: str, words: str) -> None:
    errors = forms.validate_answers(FORM, answers, for_submit=False)
    assert key in errors and words in errors[key]


def test_good_answers_of_every_type_pass_and_are_cleaned() -> None:
    answers = {"team": "1,200".replace("1,200", "12"), "markets": ["kr", "jp"], "start": "2026-03-01", "deck": [3], "plan": ""}
    assert forms.validate_answers(FORM, answers, for_submit=False) == {}
    cleaned = forms.clean_answers(forms.parse_fields(FORM), answers)
    assert cleaned["team"] == 12 and cleaned["plan"] is None and cleaned["start"] == "2026-03-01"


def test_prefill_takes_fitting_profile_values_only() -> None:
    fields = forms.parse_fields(FORM)
    assert forms.prefill_answers(fields, {"team_size": 8}) == {"team": 8}
    assert forms.prefill_answers(fields, {"team_size": 9999}) == {}
    dated = forms.parse_fields([{"key": "f", "type": "date", "label_en": "F", "prefill": "founded_on"}])
    assert forms.prefill_answers(dated, {"founded_on": date(2021, 1, 2)}) == {"f": "2021-01-02"}


def test_labels_fall_back_to_the_other_language() -> None:
    field = forms.parse_fields([{"key": "k", "type": "text", "label_ko": "한국어만"}])[0]
    assert field.label("en") == "한국어만"
