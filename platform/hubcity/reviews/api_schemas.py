"""The reviews API's documented shapes: input models (for the OpenAPI document only: the handlers
check bodies themselves so that messages name the field, see :mod:`hubcity.reviews.api`) and
output models.

Instants are ISO 8601 (UTC); money is whole minor units of ``currency``; totals and scores are
on the 0–100 scale (reviews' ``total`` as a number with up to three decimals).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

# -- input (documentation) ----------------------------------------------------------------------


class SlotInput(BaseModel):
    application: int = Field(ge=1)
    starts_at: datetime
    ends_at: datetime
    location: str = Field(default="", max_length=300)


class AdvanceInput(BaseModel):
    """``POST /api/v1/rounds/{id}/advance``: optionally the presentation slots of the next round."""

    slots: list[SlotInput] = Field(default_factory=list, description="Each {application, starts_at, ends_at (with offset), location}.")


class PanelAddInput(BaseModel):
    """``POST /api/v1/rounds/{id}/panel``: put an agency reviewer (a user with the reviewer role) on the panel."""

    user_id: int = Field(ge=1)
    affiliation: str = Field(default="", max_length=200)


class InviteInput(BaseModel):
    """``POST /api/v1/rounds/{id}/panel/invitations``: invite an external reviewer by email."""

    email: str = Field(max_length=320)
    affiliation: str = Field(max_length=200, description="The organisation they work for (used against conflicts of interest).")
    name: str = Field(default="", max_length=100)
    locale: Literal["ko", "en"] = "ko"


class AssignInput(BaseModel):
    """``POST /api/v1/rounds/{id}/assignments``: assign a panel member to an application by hand."""

    application_id: int = Field(ge=1)
    reviewer_id: int = Field(ge=1, description="The reviewer's user id.")
    reason: str = Field(default="", max_length=2000)


class AutoAssignInput(BaseModel):
    """``POST /api/v1/rounds/{id}/auto-assign``: balanced, conflict-free assignment with reasons."""

    minimum: int = Field(default=2, ge=1, le=20, description="Reviews per application.")
    max_load: int | None = Field(default=None, ge=1, description="Most reviews per reviewer; null for no limit.")


class ConflictInput(BaseModel):
    """``POST /api/v1/assignments/{id}/conflict``: declare a conflict of interest (the assignment is reassigned)."""

    reason: str = Field(default="", max_length=2000)


class ReviewInput(BaseModel):
    """``POST /api/v1/assignments/{id}/review``: submit (or, while the round is open, change) your scorecard."""

    scores: dict[str, float] = Field(description="Criterion key → a number inside that criterion's scale.")
    recommendation: Literal["advance", "hold", "reject"]
    comment: str = Field(default="", max_length=5000)


class DeterminationInput(BaseModel):
    """``POST /api/v1/applications/{id}/determination``: approve (optionally with conditions), waitlist or reject."""

    outcome: Literal["approved", "waitlisted", "rejected"]
    conditions: str = Field(default="", max_length=5000, description="Approvals only.")
    feedback: str = Field(default="", max_length=10000)


class BulkDeterminationInput(DeterminationInput):
    """``POST /api/v1/determinations/bulk``: the same determination for each application, one by one."""

    application_ids: list[int] = Field(description="At most 200 ids.")


class ObjectionInput(BaseModel):
    """``POST /api/v1/applications/{id}/objections``: object to the current decision within the window."""

    text: str = Field(max_length=5000)


class ObjectionAnswerInput(BaseModel):
    """``POST /api/v1/objections/{id}/answer``: answer; ``uphold`` reopens the decision."""

    answer: str = Field(max_length=5000)
    uphold: bool = False


class TrancheInput(BaseModel):
    amount: int = Field(ge=1)
    due_on: date


class AwardInput(BaseModel):
    """``POST /api/v1/applications/{id}/award``: the award of an approved application."""

    amount: int = Field(ge=1, description="Minor units of the program's currency.")
    tranches: list[TrancheInput] | None = Field(default=None, description="Payments adding up to the amount, due dates in order.")


class TranchesInput(BaseModel):
    """``PUT /api/v1/awards/{id}/tranches``: replace the payment schedule while the agreement is pending."""

    tranches: list[TrancheInput]


class DeclineInput(BaseModel):
    """``POST /api/v1/awards/{id}/decline``: decline the award (before accepting its agreement)."""

    reason: str = Field(default="", max_length=2000)


class ReportInput(BaseModel):
    """``POST /api/v1/tranches/{id}/report``: the milestone report of a tranche (JSON). ``file_id``:
    a file attached to this application; ``keep_file``: without ``file_id``, keep the report's file."""

    text: str = Field(max_length=20000)
    file_id: int | None = Field(default=None, ge=1)
    keep_file: bool = False


class ReportUploadInput(BaseModel):
    """``POST /api/v1/tranches/{id}/report`` as ``multipart/form-data``: the report's ``text`` and
    optionally a new ``file`` (type read from the bytes: PDF, PNG, JPEG, WebP, DOCX, XLSX, PPTX,
    HWP; at most 20 MB); ``keep_file=true`` keeps the report's file when none is sent."""

    text: str = Field(max_length=20000)
    file: bytes | None = Field(default=None, json_schema_extra={"format": "binary", "type": "string"})
    keep_file: bool = False


# -- output -------------------------------------------------------------------------------------


class RoundRunOut(BaseModel):
    id: int
    program_id: int
    round_order: int
    name: str
    kind: str | None = None
    status: str
    participants: list[int]
    advanced: list[int]
    opened_at: datetime | None = None
    closed_at: datetime | None = None
    advanced_at: datetime | None = None
    rubric: list[dict[str, Any]] | None = None


class RoundRunListOut(BaseModel):
    items: list[RoundRunOut]


class SpreadOut(BaseModel):
    range: float | None
    stdev: float | None


class ResultRowOut(BaseModel):
    application_id: int
    totals: list[float]
    score: float | None
    trimmed: bool
    spread: SpreadOut
    rank: int | None
    advances: bool
    recommendations: dict[str, int]
    missing_reviewers: list[int]


class MissingOut(BaseModel):
    assignment_id: int
    application_id: int
    reviewer_id: int


class RoundResultsOut(BaseModel):
    run_id: int
    method: str
    advance: int
    rows: list[ResultRowOut]
    advancing: list[int]
    tie_at_cut: bool
    missing: list[MissingOut]


class PanelMemberOut(BaseModel):
    id: int
    run_id: int
    user_id: int | None
    email: str
    name: str
    external: bool
    affiliation: str
    invited_at: datetime | None = None
    accepted_at: datetime | None = None
    pledge_accepted_at: datetime | None = None


class PanelOut(BaseModel):
    items: list[PanelMemberOut]


class AssignmentOut(BaseModel):
    id: int
    run_id: int
    application_id: int
    reviewer_id: int
    status: str
    reason: str
    fit: int | None = Field(default=None, description="Fit in thousandths (0..1000) when computed.")
    no_conflict_declared_at: datetime | None = None
    startup_name: str | None = None
    review_id: int | None = None


class AssignmentListOut(BaseModel):
    items: list[AssignmentOut]


class ChoiceOut(BaseModel):
    application_id: int
    reviewer_id: int
    fit: float
    tags_in_common: list[str]
    reason: str


class ShortfallOut(BaseModel):
    application_id: int
    missing: int
    reason: str


class AutoAssignOut(BaseModel):
    choices: list[ChoiceOut]
    shortfalls: list[ShortfallOut]


class ConflictOut(BaseModel):
    """The declared conflict: the assignment was withdrawn; ``replacement`` is the new assignment (null: nobody could take it)."""

    withdrawn_assignment_id: int
    replacement: AssignmentOut | None


class CommentOut(BaseModel):
    id: int
    author_id: int | None
    author_name: str | None = None
    text: str
    at: datetime


class ReviewOut(BaseModel):
    id: int
    assignment_id: int
    application_id: int | None = None
    reviewer_id: int | None = None
    reviewer_name: str | None = None
    scores: dict[str, Any]
    total: float
    recommendation: str
    comment: str
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    comments: list[CommentOut] = Field(default_factory=list)


class ReviewListOut(BaseModel):
    items: list[ReviewOut]
    others_hidden: bool = Field(description="True when you have not submitted your own review yet: the others are left out.")


class DeterminationOut(BaseModel):
    id: int
    application_id: int
    outcome: str
    outcome_label: str
    conditions: str
    message: str
    locale: str
    feedback: str
    decided_by: int | None
    at: datetime
    superseded_at: datetime | None = None
    objection_deadline: datetime | None = None
    objection_open: bool | None = None


class BulkRowOut(BaseModel):
    application_id: int
    ok: bool
    message: str
    determination: DeterminationOut | None = None


class BulkDeterminationOut(BaseModel):
    items: list[BulkRowOut]
    done: int
    failed: int


class ObjectionOut(BaseModel):
    id: int
    application_id: int
    determination_id: int
    text: str
    at: datetime
    answer: str
    answered_at: datetime | None = None
    upheld: bool | None = None


class ReportFileOut(BaseModel):
    """The file of a milestone report: ``url`` downloads it (the startup's members, program staff, finance)."""

    name: str
    size: int
    content_type: str
    url: str


class TrancheOut(BaseModel):
    id: int
    award_id: int
    number: int
    amount: int
    due_on: date | None
    report: str
    report_file: ReportFileOut | None = None
    report_submitted_at: datetime | None = None
    report_accepted_at: datetime | None = None
    paid_at: datetime | None = None


class AwardOut(BaseModel):
    id: int
    application_id: int
    program_id: int
    amount: int
    currency: str
    status: str
    agreement_accepted_at: datetime | None = None
    declined_at: datetime | None = None
    completed_at: datetime | None = None
    tranches: list[TrancheOut]
