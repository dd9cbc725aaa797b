"""Tables owned by ``hubcity.programs``: fund programs (calls), their versioned forms, notices
and Q&A, applications with their timeline, uploaded files and deadline extensions.

Money is integer minor units (``budget``, ``max_award`` in ``currency``). Instants are aware UTC
(``Timestamptz``); ``Program.time_zone`` only says how they are shown and how local input is read.
Foreign keys that point at applications restrict deletes (a submitted application is never
deleted); see DESIGN.md §3-4. The one-application-per-startup rule is a unique index on
``application (program, profile)`` written by hand in the migration history.
"""

from __future__ import annotations

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from hubcity.db.tables.accounts import Organisation, User
from hubcity.db.tables.startups import StartupProfile


class Program(Table, tablename="program"):
    """One call for applications.

    kind: ``fund`` | ``global_market``. family: slug-like key shared by the yearly calls of one
    fund (``ai-seed``). status: ``draft`` → ``published`` → ``closed`` → ``archived``.
    time_zone: IANA name (``Asia/Seoul``). opens_at/closes_at: exact instants (UTC); submission
    is accepted while ``now < closes_at`` (or the application's extension).
    budget/max_award: integer minor units of ``currency``; capacity: how many awards (None: no limit).
    eligibility: JSON list of rule dicts (see :mod:`hubcity.programs.eligibility`).
    review_rounds: JSON list of rounds (see :func:`hubcity.programs.services.validate_review_rounds`).
    current_form_version: the :class:`ProgramFormVersion` new applications start on (None: no form yet).
    objection_days: how many days after a determination the applicant may lodge an objection.
    """

    kind = Varchar(length=16, default="fund", index=True)
    family = Varchar(length=64, default="", index=True)
    title_ko = Varchar(length=200, default="")
    title_en = Varchar(length=200, default="")
    summary_ko = Text(default="")
    summary_en = Text(default="")
    description_ko = Text(default="")
    description_en = Text(default="")
    time_zone = Varchar(length=64, default="Asia/Seoul")
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    budget = BigInt(default=0)
    max_award = BigInt(default=0)
    currency = Varchar(length=3, default="KRW")
    capacity = Integer(null=True, default=None)
    status = Varchar(length=16, default="draft", index=True)
    eligibility = JSON(default="[]")
    review_rounds = JSON(default="[]")
    current_form_version = Integer(null=True, default=None)
    objection_days = Integer(default=14)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)


class ProgramFormVersion(Table, tablename="program_form_version"):
    """One version of a program's application form. ``fields``: JSON list of field definitions
    (see :mod:`hubcity.programs.forms`). Never changed once an application uses it or the program
    is published: editing then writes version ``n + 1``. Unique (program, version)."""

    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    version = Integer(default=1)
    fields = JSON(default="[]")
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class Application(Table, tablename="application"):
    """One startup's application to one program (unique per program and profile).

    status: a key of :data:`hubcity.programs.workflow.WORKFLOW`. answers: JSON object field key →
    value. revision: incremented on every save; a save naming an older revision is a conflict.
    snapshot: JSON of the profile frozen at (the last) submission. reopened_fields: JSON list of
    field keys a more-information request reopened (empty: none). deadline_extended_to: this
    application's own closing instant, when staff granted an extension.
    """

    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    profile = ForeignKey(references=StartupProfile, on_delete=OnDelete.restrict, index=True)
    organisation = ForeignKey(references=Organisation, on_delete=OnDelete.restrict, index=True)
    form_version = ForeignKey(references=ProgramFormVersion, on_delete=OnDelete.restrict)
    answers = JSON(default="{}")
    status = Varchar(length=32, default="draft", index=True)
    revision = Integer(default=1)
    saved_at = Timestamptz(null=True, default=None)
    saved_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    submitted_at = Timestamptz(null=True, default=None)
    snapshot = JSON(default="{}")
    reopened_fields = JSON(default="[]")
    deadline_extended_to = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class ApplicationEvent(Table, tablename="application_event"):
    """One transition of an application (its timeline). role: ``applicant`` |
    ``program_manager`` | ``admin`` | ``system``. fields: JSON list (reopened field keys, or the
    failed rule keys of an ineligible decision)."""

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    from_status = Varchar(length=32, default="")
    to_status = Varchar(length=32)
    actor = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    role = Varchar(length=32, default="")
    message = Text(default="")
    fields = JSON(default="[]")
    at = Timestamptz(default=TimestamptzNow(), index=True)


class StoredFile(Table, tablename="stored_file"):
    """Bytes stored once by content: ``sha256`` (hex, unique), ``size`` in bytes, sniffed
    ``content_type``, the first ``original_name`` it was uploaded with, ``path`` relative to the
    data dir."""

    sha256 = Varchar(length=64, unique=True)
    size = BigInt(default=0)
    content_type = Varchar(length=100, default="")
    original_name = Varchar(length=255, default="")
    path = Varchar(length=500, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ApplicationFile(Table, tablename="application_file"):
    """A file attached to one file field (``field_key``) of an application."""

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    field_key = Varchar(length=64)
    stored_file = ForeignKey(references=StoredFile, on_delete=OnDelete.restrict)
    original_name = Varchar(length=255, default="")
    uploaded_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())


class DeadlineExtension(Table, tablename="deadline_extension"):
    """An extension of one application's deadline to ``until`` (audited; the newest counts)."""

    application = ForeignKey(references=Application, on_delete=OnDelete.restrict, index=True)
    until = Timestamptz()
    reason = Text(default="")
    granted_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    at = Timestamptz(default=TimestamptzNow())


class ProgramNotice(Table, tablename="program_notice"):
    """A notice staff publish on a call's public page (applicants are notified)."""

    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    title_ko = Varchar(length=200, default="")
    title_en = Varchar(length=200, default="")
    body_ko = Text(default="")
    body_en = Text(default="")
    published_at = Timestamptz(null=True, default=None)
    published_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)


class ProgramQuestion(Table, tablename="program_question"):
    """A question about a call and staff's answer; public once ``published_at`` is set."""

    program = ForeignKey(references=Program, on_delete=OnDelete.restrict, index=True)
    asked_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    question = Text(default="")
    answer_ko = Text(default="")
    answer_en = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
