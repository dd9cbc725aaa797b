"""Korean business registration numbers (사업자등록번호): ``XXX-XX-XXXXX``, 10 digits.

python-stdnum's ``stdnum.kr.brn`` checks the format only (length, digits, the office and
serial parts). :func:`nts_check_digit` adds the National Tax Service's check digit, so a typo
in one digit is caught at sign-up. The demo content and its tests use the same function.
"""

from __future__ import annotations

from stdnum.exceptions import InvalidComponent, InvalidFormat, InvalidLength
from stdnum.kr import brn

from hubcity.core.i18n import gettext as _

NTS_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
EXAMPLE = "134-86-72683"  # a valid number, shown in help texts and messages


def nts_check_digit(first_nine: str) -> int:
    """The National Tax Service check digit (0-9) of the number starting with ``first_nine`` digits.

    Σ dᵢ·wᵢ over the nine digits with weights 1,3,7,1,3,7,1,3,5, plus ⌊5·d₉/10⌋ (d₉ the ninth
    digit); the check digit is (10 − sum mod 10) mod 10. Raises ValueError unless nine digits.
    """
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("nine digits expected")
    digits = [int(char) for char in first_nine]
    total = sum(d * w for d, w in zip(digits, NTS_WEIGHTS, strict=True)) + digits[8] * 5 // 10
    return (10 - total % 10) % 10


def has_valid_check_digit(digits: str) -> bool:
    """True when the 10 ``digits`` end with their :func:`nts_check_digit`."""
    return len(digits) == 10 and digits.isdigit() and int(digits[9]) == nts_check_digit(digits[:9])


def is_valid(number: str) -> bool:
    """True when ``number`` (hyphens allowed) has a valid format and check digit."""
    try:
        return has_valid_check_digit(brn.validate(number or ""))
    except ValueError:
        return False


def normalise_registration_number(value: str) -> str:
    """The 10 digits of a Korean business registration number (hyphens and spaces allowed in ``value``).

    Raises ValueError (translated) naming the rule that failed: length, characters, the parts
    stdnum checks, or the National Tax Service check digit.
    """
    try:
        digits = brn.validate(value or "")
    except InvalidLength:
        raise ValueError(_("must have exactly 10 digits; hyphens are allowed, as in %(example)s.", example=EXAMPLE)) from None
    except InvalidFormat:
        raise ValueError(_("may contain only digits and hyphens, as in %(example)s.", example=EXAMPLE)) from None
    except InvalidComponent:
        raise ValueError(_("must be a valid Korean business registration number.")) from None
    if not has_valid_check_digit(digits):
        raise ValueError(
            _("is not a valid number: its last digit does not match the National Tax Service check digit. Check it for typos.")
        )
    return digits


def format_registration_number(digits: str) -> str:
    """``1168200276`` → ``116-82-00276`` (as stored digits; other values are returned unchanged)."""
    return brn.format(digits) if len(digits or "") == 10 else (digits or "")
