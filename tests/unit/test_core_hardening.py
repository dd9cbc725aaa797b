"""Core helpers that keep bad input out: form screening, safe ``next`` values, page clamping,
LIKE escaping and the session-validity rule (no database, no app)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, ClassVar, Literal

import pytest
from pydantic import BaseModel, Field

from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid
from hubcity.core.forms import MultiLine, bad_character, is_blank, validate
from hubcity.core.i18n import use_locale
from hubcity.core.middleware import LOGIN_AT, session_for, session_is_current
from hubcity.core.pagination import MAX_PAGE, clamp_page, page_bounds
from hubcity.core.queries import escape_like
from hubcity.core.redirects import MAX_NEXT_LENGTH, login_url, safe_next, same_site_path
from hubcity.core.viewer import Viewer


class Note(BaseModel):
    single_line: ClassVar[bool] = True
    choice_labels: ClassVar[dict[str, dict[str, str]]] = {"kind": {"startup": "Startup", "corporate": "Corporation"}}

    title: str = Field(title="Title", min_length=1, max_length=50)
    body: Annotated[str, MultiLine()] = Field(default="", title="Body")
    kind: Literal["startup", "corporate"] = Field(default="startup", title="Kind")
    tags: list[str] = Field(default_factory=list, title="Tags")


class Lenient(BaseModel):  # no single_line: line breaks allowed everywhere (the default)
    text: str = Field(title="Text")


def errors_of(model: type[BaseModel], data: dict[str, object]) -> dict[str, str]:
    with use_locale("en"), pytest.raises(FormInvalid) as caught:
        validate(model, data)
    return caught.value.errors


@pytest.mark.parametrize("value", ["\x00", "Kim\x00", "a\x07b", "a\x7fb", "a\x85b", "line\nbreak", "tab\there"])
def test_control_characters_are_refused_in_a_single_line_field(value: str) -> None:
    assert errors_of(Note, {"title": value}) == {"title": "Title contains an invisible control character; remove it and try again."}


@pytest.mark.parametrize("value", ["\u202e", "abc\u202dxyz", "\u2066x\u2069", "\u202a"])
def test_direction_overrides_are_refused_everywhere(value: str) -> None:
    assert "reverses the direction of text" in errors_of(Note, {"title": "ok", "body": value})["body"]
    assert "reverses the direction of text" in errors_of(Lenient, {"text": value})["text"]


def test_line_breaks_are_allowed_in_multi_line_fields_only() -> None:
    assert validate(Note, {"title": "ok", "body": "one\r\ntwo\tthree"}).body == "one\r\ntwo\tthree"
    assert validate(Lenient, {"text": "one\ntwo"}).text == "one\ntwo"
    assert "control character" in errors_of(Note, {"title": "ok", "body": "one\x00two"})["body"]


def test_nested_values_are_screened_and_other_errors_still_reported() -> None:
    errors = errors_of(Note, {"title": "", "tags": ["fine", "bad\x00"]})
    assert errors == {"tags": "Tags contains an invisible control character; remove it and try again.", "title": "Title is required."}


@pytest.mark.parametrize("value", ["\u200b", " \u200b\u200d ", "\u3164", "\ufeff", "\u2060\u00ad"])
def test_invisible_only_values_count_as_empty(value: str) -> None:
    assert is_blank(value)
    assert errors_of(Note, {"title": value}) == {"title": "Title is required."}


def test_visible_text_with_joiners_is_kept() -> None:
    assert not is_blank("👩\u200d💻") and bad_character("👩\u200d💻", line_breaks=False) is None
    assert validate(Note, {"title": "김서연"}).title == "김서연"


def test_choice_errors_name_the_labels_in_the_viewers_language() -> None:
    assert errors_of(Note, {"title": "ok", "kind": "agency"}) == {"kind": "Kind must be one of: Startup, Corporation."}
    with use_locale("ko"), pytest.raises(FormInvalid) as caught:
        validate(Note, {"title": "ok", "kind": "agency"})
    assert " or " not in caught.value.errors["kind"] and "'startup'" not in caught.value.errors["kind"]


def test_safe_next() -> None:
    assert safe_next("/staff/users?q=kim&page=2") == "/staff/users?q=kim&page=2"
    assert safe_next("/" + "a" * MAX_NEXT_LENGTH) == "/dashboard"  # too long: dropped
    assert safe_next("//evil.example", "") == "" and safe_next("/a\nb", "") == ""
    assert login_url("/staff/users?q=kim&page=2") == "/login?next=/staff/users%3Fq%3Dkim%26page%3D2"
    assert login_url("https://evil.example/") == "/login"


def test_same_site_path() -> None:
    hosts = ("testserver.local", "hub.example")
    assert same_site_path("http://testserver.local/account?tab=x", *hosts) == "/account?tab=x"
    assert same_site_path("https://hub.example/organisations/3", *hosts) == "/organisations/3"
    assert same_site_path("https://evil.example/account", *hosts) == ""
    assert same_site_path("javascript:alert(1)", *hosts) == "" and same_site_path(None, *hosts) == ""


def test_page_numbers_are_clamped() -> None:
    assert clamp_page(0) == 1 and clamp_page(-7) == 1 and clamp_page(10**20) == MAX_PAGE
    limit, offset = page_bounds(10**20)
    assert offset == (MAX_PAGE - 1) * limit < 2**31


def test_like_wildcards_are_escaped() -> None:
    assert escape_like("a%b_c\\d") == "a\\%b\\_c\\\\d"


def test_a_session_begun_before_sessions_valid_after_is_over() -> None:
    now = utcnow()
    viewer = Viewer(id=1, email="a@example.com", name="A", locale="en")
    session = session_for(1, "en")
    assert session_is_current(session, viewer)  # no reset yet
    reset_later = Viewer(id=1, email="a@example.com", name="A", locale="en", sessions_valid_after=now + timedelta(seconds=1))
    assert not session_is_current(session, reset_later)
    reset_before = Viewer(id=1, email="a@example.com", name="A", locale="en", sessions_valid_after=now - timedelta(seconds=1))
    assert session_is_current(session, reset_before)
    assert not session_is_current({"user_id": 1}, reset_before)  # a session without its start instant
    assert not session_is_current({"user_id": 1, LOGIN_AT: "garbage"}, reset_before)


def test_templates_pluralise_with_named_parameters_and_a_literal_percent() -> None:
    from hubcity.config.settings import Settings
    from hubcity.core.i18n import use_locale
    from hubcity.core.templating import build_environment

    env = build_environment(Settings(env="test"))
    template = env.from_string(
        '{{ ngettext("%(num)s file in %(field)s", "%(num)s files in %(field)s", count, field=name) }} · {{ _("100%% done") }}'
    )
    with use_locale("en"):
        assert template.render(count=1, name="Pitch") == "1 file in Pitch · 100% done"
        assert template.render(count=3, name="Pitch") == "3 files in Pitch · 100% done"
