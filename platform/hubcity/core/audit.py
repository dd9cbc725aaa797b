"""Audit entries: who did what to which object, with before and after.

Call :func:`record` inside the transaction of the change it records. Security events named in
issue 2: ``account.signup``, ``account.login_failed``, ``account.login``, ``staff.role_granted``,
``staff.role_revoked``, ``consent.given``, ``consent.withdrawn``, ``account.deleted``.
"""

from __future__ import annotations

import json
from typing import Any

from hubcity.core.clock import utcnow
from hubcity.db.tables import AuditEntry


async def record(
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: int | str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    ip: str = "",
) -> int:
    """Write one audit entry; returns its id. ``before``/``after``: JSON-serialisable dicts."""
    row = AuditEntry(
        actor=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        before=json.dumps(before or {}, default=str, ensure_ascii=False),
        after=json.dumps(after or {}, default=str, ensure_ascii=False),
        ip=ip[:64],
        at=utcnow(),
    )
    await row.save().run()
    return row.id


async def entries(limit: int = 100, offset: int = 0, action_prefix: str = "") -> list[dict[str, Any]]:
    """The newest audit entries (for the staff audit page), with the actor's email."""
    query = AuditEntry.select(AuditEntry.all_columns(), AuditEntry.actor.email.as_alias("actor_email"))
    if action_prefix:
        query = query.where(AuditEntry.action.like(f"{action_prefix}%"))
    return await query.order_by(AuditEntry.id, ascending=False).limit(limit).offset(offset).run()
