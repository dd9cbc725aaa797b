"""Input models (validated through :func:`hubcity.core.forms.validate`, for pages and API alike)
and the API's output models.

Field titles are gettext message ids: error messages name the field by its translated title.
Form checkboxes arrive as ``"yes"`` when ticked and are absent otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import unicodedata
from typing import ClassVar

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from hubcity.accounts.labels import KIND_LABELS, ROLE_LABELS
from hubcity.accounts.registration_numbers import normalise_registration_number
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core.i18n import LANGUAGE_NAMES, N_
from hubcity.core.i18n import gettext as _
from hubcity.core.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from hubcity.core.redirects import MAX_NEXT_LENGTH

Text100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
OptionalName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
NewPassword = Annotated[str, StringConstraints(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
AnyPassword = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_LENGTH)]
Locale = Literal["ko", "en"]
OrgKind = Literal["startup", "corporate"]
MemberRole = Literal["member", "owner"]


def normalise_email(value: str) -> str:
    """``value`` in email-validator's normalised form (NFC, the domain's IDNA Unicode form),
    lower-cased, so every spelling of one mailbox is one address (``José`` typed precomposed or
    decomposed, ``bücher.de`` or ``xn--bcher-kva.de``).

    Raises ValueError (translated) when it is no email address.
    """
    value = unicodedata.normalize("NFC", (value or "").strip())
    try:
        normalised = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ValueError(_("must be an email address such as name@example.com.")) from None
    return normalised.lower()


def lookup_email(value: str) -> str:
    """``value`` as :func:`normalise_email` stores it, or merely stripped and lower-cased when it
    is no valid address (a login with it then simply finds no account)."""
    try:
        return normalise_email(value)
    except ValueError:
        return unicodedata.normalize("NFC", (value or "").strip()).lower()


class _Input(BaseModel):
    """Base of the accounts inputs: unknown fields ignored; no field may hold line breaks
    (:func:`hubcity.core.forms.validate`); choice errors name the choices by their labels."""

    model_config = ConfigDict(extra="ignore")
    single_line: ClassVar[bool] = True
    choice_labels: ClassVar[dict[str, dict[str, str]]] = {
        "kind": KIND_LABELS,
        "role": ROLE_LABELS,
        "locale": LANGUAGE_NAMES,
    }


class _EmailField(_Input):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)] = Field(
        title=N_("Email"), description="Email address (stored lower-cased)."
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return normalise_email(value)


def _check_confirmation(value: str | None, info: ValidationInfo) -> str | None:
    if value is not None and "password" in info.data and value != info.data["password"]:
        raise ValueError(_("must be the same as the password."))
    return value


def _collection_required(value: bool) -> bool:
    if not value:
        raise ValueError(_("must be given to create an account."))
    return value


def _blank_is_false(value: Any) -> Any:
    """An unticked checkbox may arrive as ``""``: that is "no"."""
    return False if value is None or (isinstance(value, str) and not value.strip()) else value


Checkbox = Annotated[bool, BeforeValidator(_blank_is_false)]


def _consent_collection() -> Any:
    return Field(
        default=False,
        validate_default=True,
        title=N_("Consent to the collection and use of personal data"),
        description="Required: must be true.",
    )


def _consent_third_party() -> Any:
    return Field(
        default=False, title=N_("Consent to the provision of personal data to third parties"), description="Optional."
    )


def _consent_marketing() -> Any:
    return Field(default=False, title=N_("Consent to marketing messages"), description="Optional.")


class _GivesConsents:
    """Mixin of the sign-up inputs: the consent purposes ticked."""

    def given_purposes(self) -> list[str]:
        """The purposes ticked, in :data:`~hubcity.accounts.terms.PURPOSES` order."""
        ticked = {purpose: getattr(self, f"consent_{purpose}") for purpose in CONSENT_TERMS}
        return [purpose for purpose, given in ticked.items() if given]


class SignupInput(_EmailField, _GivesConsents):
    """Sign-up as the owner of a new startup or corporation."""

    name: Text100 = Field(title=N_("Your name"))
    password: NewPassword = Field(title=N_("Password"), description=f"At least {MIN_PASSWORD_LENGTH} characters.")
    password_confirm: str | None = Field(
        default=None, title=N_("Confirm password"), description="Pages send it; API clients may leave it out."
    )
    locale: Locale = Field(default="ko", title=N_("Preferred language"))
    kind: OrgKind = Field(title=N_("Organisation kind"))
    org_name_ko: OptionalName = Field(default="", title=N_("Organisation name (Korean)"))
    org_name_en: OptionalName = Field(default="", title=N_("Organisation name (English)"), validate_default=True)
    business_registration_number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)
    ] = Field(title=N_("Business registration number"), description="10 digits; hyphens allowed. Stored as digits.")
    consent_collection: Checkbox = _consent_collection()
    consent_third_party_provision: Checkbox = _consent_third_party()
    consent_marketing: Checkbox = _consent_marketing()

    _confirm = field_validator("password_confirm")(_check_confirmation)
    _collection = field_validator("consent_collection")(_collection_required)

    @field_validator("org_name_en")
    @classmethod
    def _one_name(cls, value: str, info: ValidationInfo) -> str:
        if not value and not info.data.get("org_name_ko"):
            raise ValueError(_("enter the name in Korean, in English, or both."))
        return value

    @field_validator("business_registration_number")
    @classmethod
    def _registration_number(cls, value: str) -> str:
        return normalise_registration_number(value)


class InvitationSignupInput(_Input, _GivesConsents):
    """Sign-up of an invited person: the email is the invitation's."""

    name: Text100 = Field(title=N_("Your name"))
    password: NewPassword = Field(title=N_("Password"))
    password_confirm: str | None = Field(default=None, title=N_("Confirm password"))
    locale: Locale = Field(default="ko", title=N_("Preferred language"))
    consent_collection: Checkbox = _consent_collection()
    consent_third_party_provision: Checkbox = _consent_third_party()
    consent_marketing: Checkbox = _consent_marketing()

    _confirm = field_validator("password_confirm")(_check_confirmation)
    _collection = field_validator("consent_collection")(_collection_required)


class LoginInput(_Input):
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)] = Field(
        title=N_("Email")
    )
    password: AnyPassword = Field(title=N_("Password"))

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return lookup_email(value)


class PasswordResetRequestInput(_EmailField):
    pass


class PasswordResetInput(_Input):
    password: NewPassword = Field(title=N_("New password"), description=f"At least {MIN_PASSWORD_LENGTH} characters.")
    password_confirm: str | None = Field(default=None, title=N_("Confirm new password"))

    _confirm = field_validator("password_confirm")(_check_confirmation)


def _drop_long_next(value: Any) -> Any:
    """A ``next`` longer than any real address is dropped (the switch then goes home), not refused."""
    return "" if isinstance(value, str) and len(value) > MAX_NEXT_LENGTH else value


class LocaleInput(_Input):
    locale: Locale = Field(title=N_("Language"))
    next: Annotated[str, BeforeValidator(_drop_long_next)] = Field(default="")


class ProfileInput(_Input):
    """The account page's profile form (both fields required)."""

    name: Text100 = Field(title=N_("Your name"))
    locale: Locale = Field(title=N_("Preferred language"))


class ProfilePatch(_Input):
    """``PATCH /api/v1/me``: any of the fields; absent ones stay as they are."""

    name: Text100 | None = Field(default=None, title=N_("Your name"))
    locale: Locale | None = Field(default=None, title=N_("Preferred language"))


class ConsentChangeInput(_Input):
    """The account page's consent button: ``given=yes`` or ``given=no``."""

    given: Checkbox = Field(title=N_("Consent given"), description="true to give the consent, false to withdraw it.")


class ConsentChangeApiInput(_Input):
    """``PUT /api/v1/me/consents/{purpose}``: ``given`` must be JSON ``true`` or ``false``."""

    given: StrictBool = Field(title=N_("Consent given"), description="true to give the consent, false to withdraw it.")


class InvitationInput(_EmailField):
    role: MemberRole = Field(default="member", title=N_("Role"))


class DeleteAccountInput(_Input):
    password: AnyPassword = Field(title=N_("Your current password"))


# -- API output ---------------------------------------------------------------------------------


class UserOut(BaseModel):
    id: int
    email: str
    name: str
    locale: Locale


class OrganisationRefOut(BaseModel):
    """An organisation the user belongs to, with their role in it (owner or member)."""

    id: int
    kind: str
    name_ko: str
    name_en: str
    role: str


class MeOut(BaseModel):
    user: UserOut
    roles: list[str] = Field(description="Agency staff roles: admin, program_manager, finance, reviewer.")
    organisations: list[OrganisationRefOut]


class ConsentOut(BaseModel):
    """The latest consent of one purpose. ``given`` is true while it is not withdrawn."""

    purpose: str
    required: bool
    given: bool
    terms_version: str | None = Field(description="Version the user agreed to; null when never given.")
    current_terms_version: str
    given_at: datetime | None
    withdrawn_at: datetime | None


class MemberOut(BaseModel):
    user_id: int
    name: str
    email: str
    role: str


class OrganisationOut(BaseModel):
    id: int
    kind: str
    name_ko: str
    name_en: str
    business_registration_number: str = Field(description="Formatted XXX-XX-XXXXX.")
    verified: bool
    verified_at: datetime | None
    members: list[MemberOut]


class InvitationOut(BaseModel):
    id: int
    email: str
    role: str
    created_at: datetime
    expires_at: datetime


class ErrorOut(BaseModel):
    """Every API error: a stable code, a message for people, and one message per bad field."""

    error: str
    detail: str
    fields: dict[str, str]
