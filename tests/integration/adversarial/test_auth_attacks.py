"""Adversarial regression tests: account takeover paths around login and password reset.

Each test states the attack, what Hubcity does today and what it should do.
"""

from __future__ import annotations

import httpx
from httpx import AsyncClient as AsyncTestClient
from litestar import Litestar

from hubcity.db.tables import Notification, StaffRole
from tests.conftest import api_call, post_form
from tests.factories.accounts import DEFAULT_PASSWORD, create_org, create_user, latest_email, link_in, login

NEW_PASSWORD = "a brand new passphrase"


async def test_reset_link_does_not_follow_a_forged_host_header(client: AsyncTestClient) -> None:
    """Password-reset poisoning. An anonymous attacker asks for a reset of the victim's account
    with ``Host: evil.example``; today the emailed link is ``http://evil.example/password-reset/<token>``,
    so the victim's click hands the live token to the attacker. The link must point at the
    site's own address whatever Host the request carried."""
    await create_user(email="victim@example.com")
    response = await post_form(client, "/password-reset", {"email": "victim@example.com"}, headers={"Host": "evil.example"})
    assert response.status_code == 200
    mail = await latest_email("victim@example.com")
    assert mail is not None
    assert "evil.example" not in mail["body"], mail["body"]


async def test_invitation_link_does_not_follow_a_forged_host_header(client: AsyncTestClient) -> None:
    """Same poisoning through invitations: the owner's request Host ends up in the emailed link."""
    owner = await create_user()
    org = await create_org(owner=owner)
    await login(client, owner["email"])
    response = await post_form(
        client, f"/organisations/{org['id']}/invitations", {"email": "new@example.com"}, headers={"Host": "evil.example"}
    )
    assert response.status_code in (200, 303)
    mail = await latest_email("new@example.com")
    assert mail is not None and "evil.example" not in mail["body"], mail["body"]


async def test_password_reset_ends_the_other_sessions(client: AsyncTestClient, app: Litestar) -> None:
    """A reset is how a person recovers a compromised account. Today a session opened before the
    reset (the attacker's) keeps working afterwards; it should be logged out."""
    user = await create_user(email="owner@example.com")
    assert (await login(client, user["email"])).status_code == 303  # the "attacker's" session
    assert (await client.get("/api/v1/me", headers={"accept": "application/json"})).status_code == 200

    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as victim:
        assert (await post_form(victim, "/password-reset", {"email": user["email"]})).status_code == 200
        path = link_in((await latest_email(user["email"]))["body"], "/password-reset/")
        done = await post_form(victim, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
        assert done.status_code == 303

    after = await client.get("/api/v1/me", headers={"accept": "application/json"})
    assert after.status_code == 401, "the session opened before the password reset still works"


async def test_password_reset_requests_are_throttled(client: AsyncTestClient) -> None:
    """Anyone can make Hubcity email a victim without limit: 25 requests queue 25 reset emails
    today (and 25 live tokens). Expected: a per-address (or per-client) throttle."""
    await create_user(email="target@example.com")
    for _ in range(25):
        await post_form(client, "/password-reset", {"email": "target@example.com"})
    sent = await Notification.count().where(Notification.to_email == "target@example.com").run()
    assert sent <= 5, f"{sent} reset emails were queued for one address in a burst"


async def test_login_attempts_on_one_account_are_limited_across_addresses(client: AsyncTestClient, app: Litestar) -> None:
    """The login limit is per client address only (10/min), so guessing one account's password
    from many addresses is never slowed down. (Behind the default uvicorn setup the address even
    comes from X-Forwarded-For for local clients.) Expected: failed attempts also count per account."""
    user = await create_user(email="brute@example.com")
    statuses = []
    for i in range(15):
        transport = httpx.ASGITransport(app=app, client=(f"10.0.0.{i + 1}", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as attacker:
            response = await post_form(attacker, "/login", {"email": user["email"], "password": f"guess-{i:04d}-xx"})
            statuses.append(response.status_code)
    assert 429 in statuses, f"15 wrong passwords for one account from 15 addresses: {statuses}"


async def test_the_last_administrator_cannot_delete_their_account(client: AsyncTestClient) -> None:
    """Revoking the last admin role is refused (409), but the last admin can simply delete their
    account: the staff roles go with it and nobody can reach /staff/users any more."""
    admin = await create_user(email="only-admin@example.com", roles=["admin"])
    await login(client, admin["email"])
    response = await post_form(client, "/account/delete", {"password": DEFAULT_PASSWORD}, follow_redirects=False)
    admins = await StaffRole.count().where(StaffRole.role == "admin").run()
    assert response.status_code != 303 and admins == 1, (
        f"deletion answered {response.status_code}; administrators left: {admins}"
    )


async def test_creating_staff_with_an_existing_email_does_not_take_over_the_account(client: AsyncTestClient) -> None:
    """An admin "creates a staff account" with a startup founder's email: today the founder's
    password is silently replaced by one the admin chose (and the founder is not told), so the
    admin can log in as the founder. Expected: refuse, or grant roles without touching the password."""
    await create_user(email="admin@example.com", roles=["admin"])
    founder = await create_user(email="founder@example.com", name="Founder")
    await login(client, "admin@example.com")
    await post_form(
        client,
        "/staff/users",
        {"email": " Founder@Example.com ", "name": "Renamed", "password": "admin-chosen-pw", "roles": "reviewer", "locale": "en"},
    )
    await post_form(client, "/logout")
    as_admin_password = await login(client, founder["email"], "admin-chosen-pw")
    assert as_admin_password.status_code != 303, "the admin's chosen password now opens the founder's account"


async def test_unicode_variants_of_one_email_cannot_make_two_accounts(client: AsyncTestClient) -> None:
    """``josé@…`` typed precomposed (NFC) and decomposed (NFD) is one mailbox, but sign-up only
    lower-cases, so it creates two accounts (same for ``bücher.de`` and ``xn--bcher-kva.de``)."""
    base = {
        "name": "Jose",
        "password": DEFAULT_PASSWORD,
        "kind": "startup",
        "org_name_en": "J",
        "business_registration_number": "116-82-00276",
        "consent_collection": True,
        "locale": "en",
    }
    first = await api_call(client, "POST", "/api/v1/auth/signup", {**base, "email": "jos\u00e9@example.com"})
    assert first.status_code == 201
    await api_call(client, "POST", "/api/v1/auth/logout")
    # Another registration number, so that only the email can be the reason for a refusal.
    second = await api_call(
        client, "POST", "/api/v1/auth/signup", {**base, "email": "jose\u0301@example.com", "business_registration_number": "134-86-72683"}
    )
    assert second.status_code == 422, f"a second account for the same address: {second.text}"
    assert set(second.json()["fields"]) == {"email"}, second.text
