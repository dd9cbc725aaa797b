"""The programs API's documented shapes: input models (for the OpenAPI document only: the
handlers check bodies themselves so that messages name the field, see :mod:`hubcity.programs.api`)
and output models.

Instants are ISO 8601 (UTC, ``Z``); money is whole minor units of ``currency``; status keys are
those of :data:`hubcity.programs.workflow.WORKFLOW` (never translated) beside a translated label.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

# -- input (documentation) --------------------------------------------------------------------


class ProgramInput(BaseModel):
    """A program's fields; PATCH sends only those it changes. Instants without an offset are
    read in the program's ``time_zone`` (the agency's by default)."""

    kind: Literal["fund", "global_market"] | None = None
    family: str | None = Field(default=None, description="Lower-case letters, digits and hyphens (ai-seed-fund); required on create.")
    title_ko: str | None = Field(default=None, max_length=200)
    title_en: str | None = Field(default=None, max_length=200, description="A title in Korean or English is required.")
    summary_ko: str | None = Field(default=None, max_length=1000)
    summary_en: str | None = Field(default=None, max_length=1000)
    description_ko: str | None = Field(default=None, max_length=20000)
    description_en: str | None = Field(default=None, max_length=20000)
    time_zone: str | None = Field(default=None, description="IANA zone such as Asia/Seoul.")
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    budget: int | None = Field(default=None, ge=0, description="Minor units of currency.")
    max_award: int | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, description="Three letters, such as KRW.")
    capacity: int | None = Field(default=None, ge=1, description="How many awards; null for no limit.")
    eligibility: list[dict[str, Any]] | None = Field(default=None, description="Rule objects, e.g. {\"rule\": \"stages\", \"values\": [\"seed\"]}.")
    review_rounds: list[dict[str, Any]] | None = None


class ProgramCreateInput(ProgramInput):
    """``POST /api/v1/programs``: a new draft program, optionally with its first form."""

    form: list[dict[str, Any]] | None = Field(default=None, description="Field definitions (see the form builder's JSON shape).")


class FormInput(BaseModel):
    """``PUT /api/v1/programs/{id}/form``: the program's form. A published form (or one an
    application uses) is never changed: a new version is written."""

    fields: list[dict[str, Any]] = Field(description="Field objects: key, type, label_ko/label_en, required, limits, choices.")


class ApplicationStartInput(BaseModel):
    """``POST /api/v1/applications``: start your startup's draft application to an open call."""

    program_id: int = Field(ge=1)
    organisation_id: int | None = Field(default=None, ge=1, description="Your startup, when you belong to several.")


class AnswersInput(BaseModel):
    """``PATCH /api/v1/applications/{id}``: save answers (merged into what is stored)."""

    revision: int = Field(ge=1, description="The revision you loaded; 409 when someone saved since.")
    answers: dict[str, Any] = Field(description="Field key → value: text, number, choice value(s), YYYY-MM-DD, or file ids.")


class SubmitInput(BaseModel):
    """``POST …/submit``: optional revision check."""

    revision: int | None = Field(default=None, ge=1)


class WithdrawInput(BaseModel):
    """``POST …/withdraw``: an optional message."""

    reason: str = Field(default="", max_length=5000)


class TransitionInput(BaseModel):
    """``POST …/transition`` (program managers): move an application through screening."""

    to: str = Field(description="A status key: screening, more_info_requested, ineligible, in_review, …")
    reason: str = Field(default="", max_length=5000, description="Required for more_info_requested and ineligible (sent to the applicant).")
    fields: list[str] = Field(default_factory=list, description="Form field keys to reopen (more_info_requested) or failed rule keys (ineligible).")
    revision: int | None = Field(default=None, ge=1)


class ExtensionInput(BaseModel):
    """``POST …/extension`` (program managers): let this application be submitted later."""

    until: datetime = Field(description="An instant with its offset, after the call closes and in the future.")
    reason: str = Field(description="Kept in the audit log.")


# -- output -------------------------------------------------------------------------------------


class FormOut(BaseModel):
    """A program's current form version."""

    version: int
    fields: list[dict[str, Any]]


class ProgramOut(BaseModel):
    """A program (call) as the viewer may see it; ``review_rounds`` only for program managers."""

    id: int
    kind: str
    family: str
    status: str = Field(description="draft | published | closed | archived")
    title_ko: str
    title_en: str
    summary_ko: str
    summary_en: str
    description_ko: str
    description_en: str
    time_zone: str
    opens_at: datetime | None
    closes_at: datetime | None
    is_open: bool = Field(description="Published and taking applications right now.")
    seconds_remaining: int | None = Field(description="Until the call closes (0 once closed; null without a deadline).")
    budget: int
    max_award: int
    currency: str
    capacity: int | None
    eligibility: list[dict[str, Any]]
    review_rounds: list[dict[str, Any]] | None
    form: FormOut | None = Field(default=None, description="The current form (single program only).")


class ProgramListOut(BaseModel):
    items: list[ProgramOut]
    total: int
    page: int = 1
    page_size: int = 50
    pages: int = 0


class RuleOut(BaseModel):
    """One eligibility rule: its key, whether the startup meets it, and a message naming it."""

    rule: str
    passed: bool
    message: str


class EligibilityOut(BaseModel):
    program_id: int
    open: bool = Field(description="The call takes applications now.")
    eligible: bool = Field(description="Open, and every rule passed.")
    rules: list[RuleOut]


class ApplicationOut(BaseModel):
    """An application as the viewer may see it. ``status_label``: the public label for the
    applicant, the staff label for staff. ``allowed_transitions``: what the viewer may move it to."""

    id: int
    program_id: int
    organisation_id: int
    profile_id: int
    status: str
    status_label: str
    answers: dict[str, Any]
    revision: int
    saved_at: datetime | None
    submitted_at: datetime | None
    reopened_fields: list[str]
    deadline: datetime | None = Field(description="When submission closes for this application (its extension, or the call's).")
    deadline_extended_to: datetime | None
    form_version: int | None
    editable: bool = Field(description="The applicant may change answers now (a draft, or reopened fields).")
    allowed_transitions: list[str]
    form: list[dict[str, Any]] | None = Field(default=None, description="The form it was started on (single application only).")


class ApplicationListOut(BaseModel):
    items: list[ApplicationOut]
    total: int
    page: int = 1
    page_size: int = 50
    pages: int = 0


class TimelineEntryOut(BaseModel):
    at: datetime
    from_status: str
    to_status: str
    label: str
    message: str
    fields: list[str]


class TimelineOut(BaseModel):
    items: list[TimelineEntryOut]
