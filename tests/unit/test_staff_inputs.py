"""Validation of staff-account and role input (no database): each message names its field."""

from __future__ import annotations

import pytest

from hubcity.accounts.roles import RoleChoice, StaffAccountCreate
from hubcity.core.errors import FormInvalid
from hubcity.core.forms import validate
from hubcity.core.i18n import use_locale

GOOD = {"email": " Kim@Example.COM ", "name": " 김서연 ", "password": "ten-chars!", "roles": ["admin", "reviewer", "admin"], "locale": "ko"}


def test_good_input_is_normalised() -> None:
    data = validate(StaffAccountCreate, GOOD)
    assert data.email == "kim@example.com" and data.name == "김서연"
    assert data.roles == ["admin", "reviewer"]
    assert validate(StaffAccountCreate, dict(GOOD, roles="finance")).roles == ["finance"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "kim@", "Email: must be an email address such as name@example.com."),
        ("password", "nine-char", "Password must be at least 10 characters."),
        ("password", "x" * 201, "Password must be at most 200 characters."),
        ("roles", ["admin", "owner"], "Roles: 'owner' is not an agency role; choose from Administrator (admin), "
         "Program manager (program_manager), Finance (finance), Reviewer (reviewer)."),
        ("roles", [], "Roles: choose at least one agency role."),
        ("name", "", "Name is required."),
        ("email", "", "Email is required."),
        ("email", " \u200b ", "Email is required."),  # only invisible characters: empty
        ("name", "Kim\x00", "Name contains an invisible control character; remove it and try again."),
        ("name", "Kim\nSeoyeon", "Name contains an invisible control character; remove it and try again."),
        ("email", "kim\u202e@example.com", "Email contains a character that reverses the direction of text; remove it and try again."),
        ("locale", "ja", "Language must be one of: 한국어, English."),
    ],
)
def test_each_rule_names_its_field(field: str, value: object, message: str) -> None:
    with use_locale("en"), pytest.raises(FormInvalid) as caught:
        validate(StaffAccountCreate, dict(GOOD, **{field: value}))
    assert caught.value.errors == {field: message}
    assert "password" not in caught.value.values


@pytest.mark.parametrize("role", ["", "root", "owner"])
def test_role_choice_refuses_anything_but_an_agency_role(role: str) -> None:
    with use_locale("en"), pytest.raises(FormInvalid) as caught:
        validate(RoleChoice, {"role": role})
    assert caught.value.errors["role"].startswith("Role: ")
    assert "Administrator (admin), Program manager (program_manager), Finance (finance), Reviewer (reviewer)" in caught.value.errors["role"]
