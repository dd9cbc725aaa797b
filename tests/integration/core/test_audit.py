"""Audit entries: role changes record who, what, which user, and the roles before and after."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.roles import RoleService
from hubcity.core import audit
from hubcity.core.errors import ConflictError
from hubcity.db.tables import AuditEntry
from tests.conftest import open_client, post_form
from tests.integration.staff.helpers import login, login_route, make_user


async def entries(action: str) -> list[dict[str, Any]]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id).output(load_json=True).run()


async def test_grant_and_revoke_write_entries_with_before_and_after(app: Litestar) -> None:
    admin = await make_user("boss@example.com", roles=["admin"])
    target = await make_user("target@example.com", roles=["reviewer"])
    service = RoleService()
    await service.grant_role(target, "finance", admin, ip="203.0.113.9")
    await service.revoke_role(target, "reviewer", admin)

    [granted] = await entries("staff.role_granted")
    assert granted["actor"] == admin and granted["object_type"] == "user" and granted["object_id"] == str(target)
    assert granted["before"] == {"email": "target@example.com", "roles": ["reviewer"]}
    assert granted["after"] == {"email": "target@example.com", "roles": ["finance", "reviewer"], "granted": "finance"}
    assert granted["ip"] == "203.0.113.9" and granted["at"] is not None

    [revoked] = await entries("staff.role_revoked")
    assert revoked["actor"] == admin and revoked["object_id"] == str(target)
    assert revoked["before"]["roles"] == ["finance", "reviewer"]
    assert revoked["after"] == {"email": "target@example.com", "roles": ["finance"], "revoked": "reviewer"}


async def test_a_role_change_from_the_staff_page_records_the_admin_and_address(app: Litestar) -> None:
    app.register(login_route)
    admin = await make_user("boss@example.com", roles=["admin"])
    target = await make_user("target@example.com")
    async with open_client(app) as client:
        await login(client, admin)
        response = await post_form(client, f"/staff/users/{target}/roles", {"role": "program_manager"}, htmx=True)
        assert response.status_code == 200
    [granted] = await entries("staff.role_granted")
    assert granted["actor"] == admin and granted["ip"] and granted["after"]["roles"] == ["program_manager"]


async def test_a_refused_revocation_writes_no_entry(app: Litestar) -> None:
    only = await make_user("only@example.com", roles=["admin"])
    with pytest.raises(ConflictError):
        await RoleService().revoke_role(only, "admin", only)
    assert await AuditEntry.count().run() == 0


async def test_record_keeps_unicode_and_a_missing_actor(app: Litestar) -> None:
    entry_id = await audit.record(
        "consent.withdrawn", actor_id=None, object_type="consent", object_id=12, before={"purpose": "마케팅"}, after={}
    )
    [row] = await AuditEntry.select().where(AuditEntry.id == entry_id).output(load_json=True).run()
    assert row["actor"] is None and row["object_id"] == "12"
    assert row["before"] == {"purpose": "마케팅"} and row["after"] == {}
