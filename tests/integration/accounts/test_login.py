"""Login, logout, the login rate limit, and the API's auth endpoints."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from httpx import AsyncClient as AsyncTestClient
from litestar import Litestar

from hubcity.db.tables import AuditEntry, User
from tests.conftest import api_call, post_form
from tests.factories.accounts import audit_actions, create_org, create_user, latest_email, link_in, login

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


# -- failed logins per account (from any address) ----------------------------------------------
ACCOUNT_LOCKED = "Too many failed logins for this account."


async def login_from(app: Litestar, address: str, email: str, password: str, *, api: bool = False) -> Any:
    """One login attempt from client ``address`` (its own cookies), by the form or the API."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
        if api:
            return await api_call(other, "POST", "/api/v1/auth/login", {"email": email, "password": password})
        return await post_form(other, "/login", {"email": email, "password": password}, follow_redirects=False)


async def test_failed_logins_lock_the_account_whatever_the_address(
    client: AsyncTestClient, app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await create_user(email="target@example.com")
    bystander = await create_user(email="bystander@example.com")
    for number in range(10):
        failed = await login_from(app, f"10.1.0.{number}", "Target@Example.com", f"guess number {number}")
        assert failed.status_code == 422 and GENERIC in failed.text
    page = await login_from(app, "10.1.1.1", user["email"], user["password"])  # even the right password
    assert page.status_code == 429 and ACCOUNT_LOCKED in page.text and 'name="password"' in page.text
    api = await login_from(app, "10.1.1.2", user["email"], user["password"], api=True)
    assert api.status_code == 429
    assert api.json()["error"] == "login_locked" and ACCOUNT_LOCKED in api.json()["detail"]
    assert (await login_from(app, "10.1.1.3", bystander["email"], bystander["password"])).status_code == 303
    unknown = [await login_from(app, f"10.2.0.{n}", "nobody@example.com", "whatever pw") for n in range(11)]
    assert unknown[-1].status_code == 429  # unknown emails are counted alike: the lock tells nothing

    import time as real_time

    later = real_time.time() + 15 * 60 + 1
    monkeypatch.setattr("hubcity.accounts.throttle.time.time", lambda: later)
    assert (await login_from(app, "10.1.1.4", user["email"], user["password"])).status_code == 303


async def test_a_successful_login_or_a_reset_clears_the_accounts_failures(client: AsyncTestClient, app: Litestar) -> None:
    user = await create_user()
    for number in range(9):
        await login_from(app, f"10.3.0.{number}", user["email"], "wrong password!")
    assert (await login_from(app, "10.3.1.0", user["email"], user["password"])).status_code == 303
    for number in range(9):
        assert (await login_from(app, f"10.3.2.{number}", user["email"], "wrong password!")).status_code == 422
    assert (await login_from(app, "10.3.3.0", user["email"], "wrong password!")).status_code == 422  # the 10th
    assert (await login_from(app, "10.3.3.1", user["email"], user["password"])).status_code == 429

    await post_form(client, "/password-reset", {"email": user["email"]})
    path = link_in((await latest_email(user["email"]))["body"], "/password-reset/")
    done = await post_form(client, path, {"password": "a fresh passphrase", "password_confirm": "a fresh passphrase"})
    assert done.status_code == 303
    assert (await login_from(app, "10.3.3.2", user["email"], "a fresh passphrase")).status_code == 303


async def test_successful_logins_do_not_use_up_the_address_limit(client: AsyncTestClient) -> None:
    """Colleagues behind one office address log in many times a minute; only failures count."""
    user = await create_user()
    for _ in range(12):
        assert (await login(client, user["email"])).status_code == 303
        await post_form(client, "/logout", {})
    for _ in range(10):
        assert (await login(client, user["email"], "wrong password!")).status_code == 422
    assert (await login(client, user["email"])).status_code == 429  # the failures still count


async def test_a_nul_byte_in_the_email_is_refused_naming_the_field(client: AsyncTestClient) -> None:
    response = await post_form(client, "/login", {"email": "a\x00b@example.com", "password": "whatever-123"})
    assert response.status_code == 422 and "Email contains an invisible control character" in response.text
