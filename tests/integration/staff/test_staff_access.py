"""Who may open each back-office page: every page × admin, program manager, finance, reviewer,
a startup member and an anonymous visitor; and each page as a full page and as an HTMX fragment."""

from __future__ import annotations

import pytest
from httpx import AsyncClient as AsyncTestClient

from tests.conftest import post_form
from tests.integration.staff.helpers import login, make_user, roles_of

PAGES = ["/staff", "/staff/users", "/staff/users/new", "/staff/outbox", "/staff/audit", "/staff/jobs"]
VIEWERS = ["admin", "program_manager", "finance", "reviewer", "startup", "anonymous"]
HEADINGS = {
    "/staff": "Back office",
    "/staff/users": "Users and roles",
    "/staff/users/new": "Create a staff account",
    "/staff/outbox": "Email outbox",
    "/staff/audit": "Audit log",
    "/staff/jobs": "Jobs",
}


def allowed(path: str, viewer: str) -> bool:
    if viewer in ("startup", "anonymous"):
        return False
    return path == "/staff" or viewer == "admin"


async def log_in_as(client: AsyncTestClient, viewer: str) -> None:
    if viewer == "anonymous":
        return
    if viewer == "startup":
        user_id = await make_user("founder@example.com", org_kind="startup")
    else:
        user_id = await make_user(f"{viewer}@example.com", roles=[viewer])
    await login(client, user_id)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("path", PAGES)
async def test_each_page_admits_only_its_roles(client: AsyncTestClient, path: str, viewer: str) -> None:
    await log_in_as(client, viewer)
    response = await client.get(path, follow_redirects=False)
    if allowed(path, viewer):
        assert response.status_code == 200
        assert HEADINGS[path] in response.text
    elif viewer == "anonymous":
        assert response.status_code == 303
        assert response.headers["location"] == f"/login?next={path}"
    else:
        assert response.status_code == 403
        assert 'data-status="403"' in response.text
        assert HEADINGS[path] not in response.text


@pytest.mark.parametrize("path", PAGES)
async def test_each_page_full_and_as_htmx_fragment(client: AsyncTestClient, path: str) -> None:
    await login(client, await make_user("boss@example.com", roles=["admin"]))
    full = await client.get(path)
    assert full.status_code == 200
    assert "<html" in full.text and 'id="main"' in full.text and HEADINGS[path] in full.text
    fragment = await client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and "<nav aria-label=\"Main\"" not in fragment.text
    assert f"<h1>{HEADINGS[path]}</h1>" in fragment.text


async def test_anonymous_htmx_request_is_sent_to_login(client: AsyncTestClient) -> None:
    response = await client.get("/staff/users", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/staff/users"


async def test_admin_only_links_are_shown_to_admins_only(client: AsyncTestClient) -> None:
    await login(client, await make_user("pm@example.com", roles=["program_manager"]))
    page = await client.get("/staff")
    assert page.status_code == 200
    assert 'href="/staff/outbox"' not in page.text and 'href="/staff/users"' not in page.text
    assert "Program manager" in page.text


@pytest.mark.parametrize("role", ["program_manager", "finance", "reviewer"])
async def test_staff_other_than_admin_cannot_change_roles(client: AsyncTestClient, role: str) -> None:
    actor = await make_user(f"{role}@example.com", roles=[role])
    target = await make_user("target@example.com")
    await login(client, actor)
    grant = await post_form(client, f"/staff/users/{target}/roles", {"role": "admin"})
    assert grant.status_code == 403
    create = await post_form(
        client, "/staff/users", {"email": "x@example.com", "name": "X", "password": "long-enough-pw", "roles": "admin"}
    )
    assert create.status_code == 403
    assert await roles_of(target) == set()
    assert await roles_of(actor) == {role}


async def test_a_startup_member_cannot_grant_themselves_a_role(client: AsyncTestClient) -> None:
    member = await make_user("founder@example.com", org_kind="startup")
    await login(client, member)
    response = await post_form(client, f"/staff/users/{member}/roles", {"role": "admin"})
    assert response.status_code == 403
    assert await roles_of(member) == set()


async def test_grant_without_csrf_token_is_refused(client: AsyncTestClient) -> None:
    admin = await make_user("boss@example.com", roles=["admin"])
    target = await make_user("target@example.com")
    await login(client, admin)
    response = await client.post(f"/staff/users/{target}/roles", data={"role": "finance"})
    assert response.status_code == 403
    assert await roles_of(target) == set()
