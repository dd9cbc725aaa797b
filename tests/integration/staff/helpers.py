"""Small helpers for back-office tests: users, organisations, roles, and logging in by session.

(Kept here rather than in tests/factories/accounts.py, which belongs to the accounts domain.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from litestar import Request, get
from litestar.params import FromPath
from httpx import AsyncClient as AsyncTestClient

from hubcity.core.clock import utcnow
from hubcity.core.passwords import DUMMY_HASH
from hubcity.db.tables import Membership, Organisation, StaffRole, User

_sequence = itertools.count(1)


async def make_org(kind: str = "startup", name_en: str = "", name_ko: str = "") -> int:
    number = next(_sequence)
    org = Organisation(
        kind=kind,
        name_en=name_en or f"Test {kind} {number}",
        name_ko=name_ko or f"테스트 {number}",
        business_registration_number="",
        created_at=utcnow(),
    )
    await org.save().run()
    return org.id


async def make_user(
    email: str | None = None,
    *,
    name: str = "Test User",
    locale: str = "en",
    roles: Iterable[str] = (),
    org_kind: str | None = None,
    org_id: int | None = None,
    org_role: str = "owner",
    password_hash: str = DUMMY_HASH,
) -> int:
    """A user (with ``roles`` and, given ``org_kind`` or ``org_id``, a membership); returns its id."""
    email = email or f"user{next(_sequence)}@example.com"
    user = User(email=email, name=name, locale=locale, password_hash=password_hash, is_active=True, created_at=utcnow())
    await user.save().run()
    for role in roles:
        await StaffRole(user=user.id, role=role, granted_at=utcnow()).save().run()
    if org_kind and org_id is None:
        org_id = await make_org(org_kind)
    if org_id is not None:
        await Membership(user=user.id, organisation=org_id, role=org_role, created_at=utcnow()).save().run()
    return user.id


async def roles_of(user_id: int) -> set[str]:
    return {row["role"] for row in await StaffRole.select(StaffRole.role).where(StaffRole.user == user_id).run()}


@get("/_test/login/{user_id:int}", include_in_schema=False, sync_to_thread=False)
def login_route(request: Request, user_id: FromPath[int]) -> str:
    """Test-only: put ``user_id`` in the session, as the login page does."""
    request.set_session({"user_id": user_id})
    return "ok"


async def login(client: AsyncTestClient, user_id: int) -> None:
    response = await client.get(f"/_test/login/{user_id}")
    assert response.status_code == 200, response.text
