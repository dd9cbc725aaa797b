"""Tables owned by ``hubcity.reviews``: review round runs and their panels, conflict
declarations, reviewer assignments, reviews (scorecards) and comments on them, presentation
slots, determinations, objections, awards and their tranches (DESIGN.md §3-4).

Foreign keys to applications, awards and round runs RESTRICT deletes (nothing reviewed or paid
is ever deleted); actor columns (``*_by``) SET NULL. Money is integer minor units of the
award's ``currency``. Instants are aware UTC (``Timestamptz``). Composite unique rules
(one run per program round, one assignment per reviewer per application per run, one tranche
number per award) are unique indexes written by hand in the migration history.
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hubcity.db.tables.accounts import User
from hubcity.db.tables.programs import Application, Program, StoredFile
from hubcity.db.tables.startups import StartupProfile


class ReviewRoundRun(Table, tablename="review_round_run"):
    """One run of one of a program's review rounds (``Program.review_rounds``).

    round_order: the round's ``order`` value; round_index: its 0-based position in the program's
    rounds (sorted by order) when the run was opened. status: ``open`` | ``closed``.
    participants: JSON list of application ids reviewed in this run (fixed at opening);
    advanced: JSON list of application ids that went on (set by advancing; empty until then).
    Unique (program, round_order).
    """

    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    round_order = Integer(default=1)
    round_index = Integer(default=0)
    status = Varchar(length=16, default="open", index=True)
    participants = JSON(default="[]")
    advanced = JSON(default="[]")
    advanced_at = Timestamptz(null=True, default=None)
    opened_at = Timestamptz(default=TimestamptzNow())
    opened_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)


class PanelMember(Table, tablename="panel_member"):
    """A reviewer on the panel of one round run.

    user: NULL while an external invitation is not accepted yet (``email`` says whom it was
    sent to). external: invited from outside the agency; affiliation: the organisation they
    work for (used for conflicts). token_hash: SHA-256 of the invitation token (only the hash is
    stored), valid until ``token_expires_at``. pledge_accepted_at: the reviewer pledge
    (confidentiality, conflicts) accepted; nothing is shown before it. expertise_tags: JSON list
    of taxonomy slugs; expertise_text: free text, both used to rank fit.
    """

    round_run = ForeignKey(references=ReviewRoundRun, on_delete=OnDelete.restrict, index=True)
    user = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict, index=True)
    email = Varchar(length=320, default="")
    name = Varchar(length=100, default="")
    locale = Varchar(length=5, default="ko")
    external = Boolean(default=False)
    affiliation = Varchar(length=200, default="")
    invited_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    invited_at = Timestamptz(default=TimestamptzNow())
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    token_expires_at = Timestamptz(null=True, default=None)
    accepted_at = Timestamptz(null=True, default=None)
    pledge_accepted_at = Timestamptz(null=True, default=None)
    expertise_tags = JSON(default="[]")
    expertise_text = Text(default="")
    removed_at = Timestamptz(null=True, default=None)


class ConflictDeclaration(Table, tablename="conflict_declaration"):
    """A reviewer's declaration about an application or a startup profile.

    kind: ``declared`` (a conflict: the reviewer never reviews that startup) | ``none`` (no
    conflict, declared before opening an application). application/profile: what it concerns
    (a declared conflict names the profile, so it holds for every application of the startup).
    """

    user = ForeignKey(references=User, on_delete=OnDelete.restrict, index=True)
    application = ForeignKey(references=Application, null=True, on_delete=OnDelete.restrict, index=True)
    profile = ForeignKey(references=StartupProfile, null=True, on_delete=OnDelete.restrict, index=True)
    kind = Varchar(length=16, default="declared")
    reason = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class ReviewAssignment(Table, tablename="review_assignment"):
    """One reviewer asked to review one application in one round run.

    assigned_by: NULL when assigned automatically. reason: why this reviewer (load, fit, tags in
    common; or the staff member's note). fit: the fit score in thousandths (0..1000) when
    computed. no_conflict_declared_at: the reviewer declared no conflict (required before the
    application is shown). status: ``assigned`` | ``submitted`` | ``withdrawn``.
    Unique (round_run, application, reviewer).
    """

    round_run = ForeignKey(references=ReviewRoundRun, on_delete=OnDelete.restrict, index=True)
    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    reviewer = ForeignKey(references=User, on_delete=OnDelete.restrict, index=True)
    assigned_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    reason = Text(default="")
    fit = Integer(null=True, default=None)
    no_conflict_declared_at = Timestamptz(null=True, default=None)
    status = Varchar(length=16, default="assigned", index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_reason = Text(default="")


class Review(Table, tablename="review"):
    """A scorecard (one per assignment).

    scores: JSON object criterion key → number (inside that criterion's scale). total: the
    weighted total on a 0–100 scale in thousandths (87.5 → 87500; see
    :func:`hubcity.reviews.scoring.weighted_total`). recommendation: ``advance`` | ``hold`` |
    ``reject``. Editable until the round run closes (``updated_at``).
    """

    assignment = ForeignKey(references=ReviewAssignment, on_delete=OnDelete.restrict, unique=True)
    scores = JSON(default="{}")
    total = Integer(default=0)
    recommendation = Varchar(length=16, default="hold")
    comment = Text(default="")
    submitted_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ReviewComment(Table, tablename="review_comment"):
    """A comment on a review by someone (staff or another reviewer); never counts as a review."""

    review = ForeignKey(references=Review, on_delete=OnDelete.restrict, index=True)
    author = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    text = Text(default="")
    at = Timestamptz(default=TimestamptzNow())


class PresentationSlot(Table, tablename="presentation_slot"):
    """When and where an application presents in a (presentation) round run; ``notified_at``:
    when its applicants were told."""

    round_run = ForeignKey(references=ReviewRoundRun, on_delete=OnDelete.restrict, index=True)
    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    location = Varchar(length=300, default="")
    notified_at = Timestamptz(null=True, default=None)


class Determination(Table, tablename="determination"):
    """A decision on an application: outcome ``approved`` | ``waitlisted`` | ``rejected``.

    conditions: the conditions of an approval (empty: none). message: the text for the
    applicant rendered from ``templates/emails/determination_<outcome>.txt.j2`` in ``locale``
    (the applicant's language); feedback: staff's written feedback. superseded_at: set when a
    later determination replaces it (after an upheld objection, or waitlisted → approved).
    """

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    outcome = Varchar(length=16)
    conditions = Text(default="")
    message = Text(default="")
    locale = Varchar(length=5, default="ko")
    feedback = Text(default="")
    decided_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    superseded_at = Timestamptz(null=True, default=None)


class Objection(Table, tablename="objection"):
    """An applicant's objection to a determination, lodged within the program's window.

    upheld: NULL until answered; True reopens the decision (application → awaiting_decision).
    """

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    determination = ForeignKey(references=Determination, on_delete=OnDelete.restrict, index=True)
    text = Text(default="")
    lodged_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())
    answer = Text(default="")
    answered_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    answered_at = Timestamptz(null=True, default=None)
    upheld = Boolean(null=True, default=None)


class Award(Table, tablename="award"):
    """The award of an approved application (one per application).

    amount: integer minor units of ``currency``. status: ``agreement_pending`` → ``active``
    (agreement accepted) → ``completed`` (every tranche paid), or ``declined``.
    """

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, unique=True)
    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    amount = BigInt(default=0)
    currency = Varchar(length=3, default="KRW")
    status = Varchar(length=24, default="agreement_pending", index=True)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    agreement_accepted_at = Timestamptz(null=True, default=None)
    agreement_accepted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    declined_at = Timestamptz(null=True, default=None)
    declined_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    decline_reason = Text(default="")
    completed_at = Timestamptz(null=True, default=None)


class Tranche(Table, tablename="tranche"):
    """One payment of an award: ``number`` (1, 2, …; unique per award), ``amount`` (minor
    units), ``due_on`` (a date in the program's zone), the milestone report (text and an
    optional StoredFile with ``report_file_name``, the name the startup uploaded it as), its
    acceptance by staff, and payment by finance (only after the report was accepted)."""

    award = ForeignKey(references=Award, on_delete=OnDelete.restrict, index=True)
    number = Integer(default=1)
    amount = BigInt(default=0)
    due_on = Date()
    report = Text(default="")
    report_file = ForeignKey(references=StoredFile, null=True, on_delete=OnDelete.restrict)
    report_file_name = Varchar(length=255, default="")
    report_submitted_at = Timestamptz(null=True, default=None)
    report_submitted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    report_accepted_at = Timestamptz(null=True, default=None)
    accepted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    paid_at = Timestamptz(null=True, default=None)
    paid_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
