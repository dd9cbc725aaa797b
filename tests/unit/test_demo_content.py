"""The demo content is well-formed: valid registration numbers, one staff account per role,
bilingual names, emails under the demo domain, people in both languages."""

from __future__ import annotations

from stdnum.kr import brn

from hubcity import demo
from hubcity.accounts.registration_numbers import EXAMPLE, is_valid, nts_check_digit
from hubcity.core.passwords import MIN_PASSWORD_LENGTH
from hubcity.core.viewer import STAFF_ROLES


def test_the_check_digit_of_published_examples() -> None:
    assert nts_check_digit("116820027") == 6  # stdnum's own example, 116-82-00276
    assert nts_check_digit("134867268") == 3  # 134-86-72683
    assert is_valid(EXAMPLE) and is_valid("116-82-00276")
    assert not is_valid("134-86-72684") and not is_valid("123-45-67890")  # stdnum.kr.brn accepts both
    assert brn.is_valid("1348672684")


def test_registration_numbers_are_valid_and_distinct() -> None:
    numbers = [org.registration_number for org in demo.ORGANISATIONS]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert brn.is_valid(number), number
        assert is_valid(number), number  # the check sign-up applies


def test_one_staff_account_per_agency_role() -> None:
    assert sorted(role for _, role in demo.staff_logins()) == sorted(STAFF_ROLES)
    assert len(demo.DEMO_PASSWORD) >= MIN_PASSWORD_LENGTH


def test_organisations_of_each_kind_with_bilingual_names() -> None:
    kinds = [org.kind for org in demo.ORGANISATIONS]
    assert kinds.count("agency") == 1 and kinds.count("startup") == 5 and kinds.count("corporate") == 3
    assert {org.sector for org in demo.CORPORATIONS} == {"automotive", "energy", "healthcare"}
    for org in demo.ORGANISATIONS:
        assert org.name_ko and org.name_en and org.one_liner_ko and org.one_liner_en
        assert any("\uac00" <= ch <= "\ud7a3" for ch in org.name_ko), org.name_ko  # Hangul


def test_people_use_both_languages_and_demo_emails() -> None:
    people = [staff.person for staff in demo.STAFF] + [org.owner for org in demo.STARTUPS + demo.CORPORATIONS]
    emails = [person.email for person in people]
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@demo.hubcity.kr") and email == email.lower() for email in emails)
    assert {person.locale for person in people} == {"ko", "en"}
