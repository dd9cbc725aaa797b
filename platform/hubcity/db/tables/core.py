"""Tables owned by ``hubcity.core``: the job queue, the notification outbox and the audit log."""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from hubcity.db.tables.accounts import User


class Job(Table, tablename="job"):
    """One unit of background work, written in the same transaction as the change that causes it.

    status: ``queued`` → ``running`` → ``done``; a failure goes back to ``queued`` with
    ``run_after`` pushed out (exponential backoff) until ``max_attempts``, then ``failed``.
    payload: JSON object text.
    """

    name = Varchar(length=100, index=True)
    payload = JSON(default="{}")
    #: sha256 hex of name + payload for jobs queued by ``enqueue_once`` (None for the others).
    dedupe_key = Varchar(length=64, null=True, default=None, index=True)
    status = Varchar(length=16, default="queued", index=True)
    attempts = Integer(default=0)
    max_attempts = Integer(default=5)
    run_after = Timestamptz(index=True)
    locked_at = Timestamptz(null=True, default=None)
    locked_by = Varchar(length=100, null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)


class Notification(Table, tablename="notification"):
    """The email outbox: every notification, rendered in the recipient's language.

    status: ``pending`` (waiting for the delivery job), ``sent`` (SMTP accepted it), ``kept``
    (no SMTP configured: kept here and shown on the staff outbox page), ``failed``.
    """

    recipient = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    to_email = Varchar(length=320)
    locale = Varchar(length=5)
    template = Varchar(length=100)
    subject = Varchar(length=300)
    body = Text()
    status = Varchar(length=16, default="pending", index=True)
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    error = Text(default="")


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what to which object, with the state before and after (JSON text).

    actor is kept when a user deletes their account (the user row is anonymised, never deleted),
    so deletes of users referenced here are restricted.
    """

    actor = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    action = Varchar(length=100, index=True)
    object_type = Varchar(length=50, default="")
    object_id = Varchar(length=64, default="")
    before = JSON(default="{}")
    after = JSON(default="{}")
    ip = Varchar(length=64, default="")
    at = Timestamptz(index=True)
