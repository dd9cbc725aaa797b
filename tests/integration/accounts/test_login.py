"""Login, logout, the login rate limit, and the API's auth endpoints."""

from __future__ import annotations

import json

import pytest
from httpx import AsyncClient as AsyncTestClient

from hubcity.db.tables import AuditEntry, User
from tests.conftest import api_call, post_form
from tests.factories.accounts import audit_actions, create_org, create_user, login

GENERIC = "The email address or the password is not correct."


async def test_login_page_full_and_fragment(client: AsyncTestClient) -> None:
    full = await client.get("/login?next=/account")
    assert full.status_code == 200
    assert "<html" in full.text and 'name="password"' in full.text
    assert '<input type="hidden" name="next" value="/account">' in full.text
    fragment = await client.get("/login", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'name="email"' in fragment.text


async def test_right_password_logs_in(client: AsyncTestClient) -> None:
    user = await create_user(email="minji@example.com", locale="ko")
    await create_org("startup", owner=user, name_en="Haneul AI")
    response = await login(client, "MINJI@example.com ", user["password"])
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    row = await User.select(User.last_login_at).where(User.id == user["id"]).first().run()
    assert row["last_login_at"] is not None
    assert (await audit_actions(user["id"])) == ["account.login"]
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200 and '<html lang="ko">' in dashboard.text  # the user's language


@pytest.mark.parametrize(
    ("next_value", "target"),
    [
        ("/organisations/7?tab=members", "/organisations/7?tab=members"),
        ("https://evil.example/steal", "/dashboard"),
        ("//evil.example/steal", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("javascript:alert(1)", "/dashboard"),
    ],
)
async def test_login_goes_to_next_only_on_this_site(client: AsyncTestClient, next_value: str, target: str) -> None:
    user = await create_user()
    response = await post_form(
        client,
        "/login",
        {"email": user["email"], "password": user["password"], "next": next_value},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == target


async def test_wrong_password_gives_the_generic_message(client: AsyncTestClient) -> None:
    user = await create_user(email="minji@example.com")
    response = await login(client, "minji@example.com", "wrong password!")
    assert response.status_code == 422
    assert GENERIC in response.text
    assert 'value="minji@example.com"' in response.text and "wrong password!" not in response.text
    entry = await AuditEntry.select().where(AuditEntry.action == "account.login_failed").first().run()
    assert entry["actor"] == user["id"]
    assert json.loads(entry["after"]) == {"email": "minji@example.com"}
    assert (await client.get("/dashboard", follow_redirects=False)).status_code == 303  # still anonymous


async def test_unknown_email_gives_the_same_message(client: AsyncTestClient) -> None:
    response = await login(client, "nobody@example.com", "whatever password")
    assert response.status_code == 422
    assert GENERIC in response.text
    entry = await AuditEntry.select().where(AuditEntry.action == "account.login_failed").first().run()
    assert entry["actor"] is None
    assert json.loads(entry["after"]) == {"email": "nobody@example.com"}


async def test_empty_fields_are_named(client: AsyncTestClient) -> None:
    response = await post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 422
    assert "Email is required." in response.text and "Password is required." in response.text


async def test_login_attempts_are_rate_limited_per_address(client: AsyncTestClient) -> None:
    user = await create_user()
    for _ in range(10):
        assert (await login(client, user["email"], "wrong password!")).status_code == 422
    throttled = await login(client, user["email"], user["password"])  # even the right password
    assert throttled.status_code == 429
    assert "Too many login attempts from your address" in throttled.text
    assert "<html" in throttled.text and 'name="password"' in throttled.text
    assert int(throttled.headers["retry-after"]) > 0
    assert (await client.get("/dashboard", follow_redirects=False)).status_code == 303
    # the page itself and other forms are not limited
    assert (await client.get("/login")).status_code == 200
    api = await api_call(client, "POST", "/api/v1/auth/login", {"email": user["email"], "password": user["password"]})
    assert api.status_code == 429
    assert api.json()["error"] == "too_many_requests"
    assert "Too many login attempts" in api.json()["detail"]


async def test_logout_ends_the_session(client: AsyncTestClient) -> None:
    user = await create_user()
    await login(client, user["email"], user["password"])
    assert (await client.get("/dashboard")).status_code == 200
    response = await post_form(client, "/logout", {}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    after = await client.get("/dashboard", follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"] == "/login?next=/dashboard"


async def test_api_login_me_logout(client: AsyncTestClient) -> None:
    user = await create_user(email="api@example.com", roles=("reviewer",))
    org = await create_org("corporate", owner=user)
    assert (await client.get("/api/v1/me")).status_code == 401
    wrong = await api_call(client, "POST", "/api/v1/auth/login", {"email": user["email"], "password": "nope nope nope"})
    assert wrong.status_code == 401 and wrong.json() == {"error": "login_failed", "detail": GENERIC, "fields": {}}
    missing = await api_call(client, "POST", "/api/v1/auth/login", {"email": user["email"]})
    assert missing.status_code == 422 and missing.json()["fields"] == {"password": "Password is required."}
    response = await api_call(
        client, "POST", "/api/v1/auth/login", {"email": user["email"], "password": user["password"]}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"] == {"id": user["id"], "email": "api@example.com", "name": user["name"], "locale": "en"}
    assert body["roles"] == ["reviewer"]
    assert body["organisations"] == [
        {"id": org["id"], "kind": "corporate", "name_ko": org["name_ko"], "name_en": org["name_en"], "role": "owner"}
    ]
    assert (await client.get("/api/v1/me")).json() == body
    assert (await api_call(client, "POST", "/api/v1/auth/logout")).status_code == 204
    gone = await client.get("/api/v1/me")
    assert gone.status_code == 401 and gone.json()["error"] == "http_401"
