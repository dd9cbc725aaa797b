"""Adversarial regression tests: inputs that crash Hubcity (500) or are stored when they
should be refused."""

from __future__ import annotations

import pytest
from httpx import AsyncClient as AsyncTestClient

from tests.conftest import api_call, csrf_token, post_form
from tests.factories.accounts import create_org, create_user, login

BIG = "99999999999999999999"  # > 2**63: valid for the {id:int} path parameters


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/organisations/{BIG}"),
        ("GET", f"/api/v1/organisations/{BIG}"),
        ("POST", f"/organisations/{BIG}/invitations"),
        ("POST", "/organisations/{org}/invitations/" + BIG + "/revoke"),
        ("DELETE", "/api/v1/organisations/{org}/invitations/" + BIG),
        ("POST", f"/api/v1/organisations/{BIG}/invitations"),
    ],
)
async def test_huge_ids_answer_404_not_500(client: AsyncTestClient, method: str, path: str) -> None:
    """Any logged-in user gets a 500 (OverflowError: Python int too large to convert to SQLite
    INTEGER) by putting a number above 2**63 in an id."""
    owner = await create_user()
    org = await create_org(owner=owner)
    await login(client, owner["email"])
    url = path.format(org=org["id"])
    headers = {"x-csrftoken": await csrf_token(client), "accept": "application/json"}
    if method == "GET":
        response = await client.get(url)
    elif method == "DELETE":
        response = await client.delete(url, headers=headers)
    elif url.startswith("/api/"):
        response = await client.post(url, json={"email": "x@example.com"}, headers=headers)
    else:
        response = await post_form(client, url, {"email": "x@example.com"})
    assert response.status_code == 404, f"{method} {url} -> {response.status_code}"


@pytest.mark.parametrize("page", ["/staff/users", "/staff/audit", "/staff/outbox", "/staff/jobs"])
async def test_huge_page_numbers_do_not_crash_staff_pages(client: AsyncTestClient, page: str) -> None:
    """``?page=99999999999999999999`` gives a 500 (sqlite3 "datatype mismatch") on every staff list."""
    admin = await create_user(roles=["admin"])
    await login(client, admin["email"])
    response = await client.get(page, params={"page": BIG})
    assert response.status_code < 500, f"{page}?page={BIG} -> {response.status_code}"


async def test_staff_grant_with_huge_user_id_is_404(client: AsyncTestClient) -> None:
    admin = await create_user(roles=["admin"])
    await login(client, admin["email"])
    response = await post_form(client, f"/staff/users/{BIG}/roles", {"role": "reviewer"})
    assert response.status_code == 404


async def test_deeply_nested_json_is_a_400_not_a_500(client: AsyncTestClient) -> None:
    """An anonymous 200 kB body of nested arrays makes the JSON decoder raise RecursionError: 500
    with a logged traceback, on an endpoint anyone can call."""
    depth = 100_000
    body = b'{"email":' + b"[" * depth + b"]" * depth + b"}"
    response = await client.post(
        "/api/v1/auth/login",
        content=body,
        headers={"content-type": "application/json", "x-csrftoken": await csrf_token(client), "accept": "application/json"},
    )
    assert response.status_code == 400, response.text


@pytest.mark.parametrize("name", ["\x00", "Kim\x00Minji", "\u200b", "\u202e\u200f"])
async def test_names_with_control_or_invisible_characters_are_refused(client: AsyncTestClient, name: str) -> None:
    """NUL bytes and invisible-only names are saved today (on PostgreSQL a NUL is a 500). Expected:
    422 naming the field."""
    user = await create_user(name="Original")
    await login(client, user["email"])
    response = await api_call(client, "PATCH", "/api/v1/me", {"name": name})
    assert response.status_code == 422 and "name" in response.json().get("fields", {}), response.text
    me = await client.get("/api/v1/me", headers={"accept": "application/json"})
    assert me.json()["user"]["name"] == "Original"


async def test_anonymous_requests_do_not_each_create_a_stored_session(client: AsyncTestClient) -> None:
    """Every cookieless request (even ``GET /health``, which the container health check polls)
    writes a 14-day server-side session that is never cleaned up: unbounded growth of the store."""
    response = await client.get("/health")
    assert response.status_code == 200
    assert "session" not in response.cookies, response.headers.get_list("set-cookie")


async def test_nul_byte_in_the_login_email_is_not_a_500(client: AsyncTestClient) -> None:
    """The login form does not validate the email's characters; on PostgreSQL the query with a
    NUL byte fails (500, anonymous, before any rate-limit benefit). SQLite passes this test."""
    response = await post_form(client, "/login", {"email": "a\x00b@example.com", "password": "whatever-123"})
    assert response.status_code == 422, response.status_code


@pytest.mark.parametrize("url", ["/staff/users?q=a%00b", "/staff/audit?action=a%00b"])
async def test_nul_byte_in_staff_filters_is_not_a_500(client: AsyncTestClient, url: str) -> None:
    """Same on the staff search and audit filter (PostgreSQL only)."""
    admin = await create_user(roles=["admin"])
    await login(client, admin["email"])
    response = await client.get(url)
    assert response.status_code < 500, response.status_code
