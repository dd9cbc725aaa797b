"""/staff/users: the list with roles and organisations, search as you type, the create-staff form,
and the grant / revoke buttons (HTMX row swaps and plain-form redirects)."""

from __future__ import annotations

import json
import re

import pytest
from httpx import AsyncClient as AsyncTestClient

from hubcity.core.passwords import hash_password, verify_password
from hubcity.db.tables import AuditEntry, Job, Notification, StaffRole, User
from tests.conftest import post_form
from tests.integration.staff.helpers import login, make_org, make_user, roles_of


@pytest.fixture
async def admin(client: AsyncTestClient) -> int:
    user_id = await make_user("boss@example.com", name="Boss", roles=["admin"])
    await login(client, user_id)
    return user_id


def emails_listed(html: str) -> list[str]:
    return re.findall(r'<tr id="user-\d+" data-user-id="\d+">\s*<td>\s*([^\s<]+)', html)


# -- the list and search -----------------------------------------------------------------------
async def test_list_shows_roles_and_organisations(client: AsyncTestClient, admin: int) -> None:
    org = await make_org("startup", name_en="Nuri Vision", name_ko="누리비전")
    await make_user("founder@example.com", org_id=org)
    await make_user("money@example.com", roles=["finance", "reviewer"])
    page = await client.get("/staff/users")
    assert page.status_code == 200
    assert emails_listed(page.text) == ["boss@example.com", "founder@example.com", "money@example.com"]
    founder_row = page.text.split('data-user-id="')[2]
    assert "Nuri Vision" in founder_row and "Startup" in founder_row and "Owner" in founder_row
    money_row = page.text.split('data-user-id="')[3]
    assert 'data-role="finance"' in money_row and 'data-role="reviewer"' in money_row
    assert 'data-role="admin"' not in money_row


async def test_search_without_javascript_filters_by_email(client: AsyncTestClient, admin: int) -> None:
    await make_user("alice@startup.example.com")
    await make_user("bob@corp.example.com")
    page = await client.get("/staff/users", params={"q": "STARTUP"})
    assert page.status_code == 200 and "<html" in page.text
    assert emails_listed(page.text) == ["alice@startup.example.com"]
    assert 'value="STARTUP"' in page.text


async def test_search_as_you_type_returns_only_the_results(client: AsyncTestClient, admin: int) -> None:
    await make_user("alice@startup.example.com")
    await make_user("bob@corp.example.com")
    response = await client.get(
        "/staff/users", params={"q": "corp"}, headers={"HX-Request": "true", "HX-Target": "user-results"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text and "<h1>" not in response.text and 'role="search"' not in response.text
    assert emails_listed(response.text) == ["bob@corp.example.com"]
    nothing = await client.get(
        "/staff/users", params={"q": "nobody"}, headers={"HX-Request": "true", "HX-Target": "user-results"}
    )
    assert "No user" in nothing.text and "nobody" in nothing.text


async def test_users_are_paged_by_fifty(client: AsyncTestClient, admin: int) -> None:
    for number in range(54):
        await make_user(f"member{number:02d}@example.com")
    first = await client.get("/staff/users", params={"q": "member"})
    assert len(emails_listed(first.text)) == 50
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    second = await client.get("/staff/users", params={"q": "member", "page": 2})
    assert emails_listed(second.text) == [f"member{n}@example.com" for n in range(50, 54)]
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    below = await client.get("/staff/users", params={"q": "member", "page": 0})  # clamped to page 1
    assert below.status_code == 200 and len(emails_listed(below.text)) == 50 and "Page 1 of 2" in below.text
    beyond = await client.get("/staff/users", params={"q": "member", "page": 10**20})  # no overflow in OFFSET
    assert beyond.status_code == 200 and emails_listed(beyond.text) == []


# -- creating staff accounts -------------------------------------------------------------------
async def test_create_staff_account(client: AsyncTestClient, admin: int) -> None:
    response = await post_form(
        client,
        "/staff/users",
        {"email": " New.PM@Example.com ", "name": "New PM", "password": "a-long-password", "roles": ["program_manager", "reviewer"], "locale": "en"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/users?q=new.pm%40example.com"
    user = await User.objects().where(User.email == "new.pm@example.com").first().run()
    assert user is not None and user.name == "New PM" and user.locale == "en"
    assert user.password_hash.startswith("$argon2id$") and verify_password(user.password_hash, "a-long-password")
    assert await roles_of(user.id) == {"program_manager", "reviewer"}
    listed = await client.get(response.headers["location"])
    assert "The staff account new.pm@example.com was created." in listed.text
    email = await Notification.objects().where(Notification.to_email == "new.pm@example.com").first().run()
    assert email.template == "staff_account_created" and email.locale == "en"
    assert "http://testserver.local/login" in email.body and "Program manager" in email.body
    assert await Job.count().where(Job.name == "notify.deliver").run() == 1
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert actions == ["staff.role_granted", "staff.role_granted", "staff.account_created"]
    entry = await AuditEntry.select().where(AuditEntry.action == "staff.account_created").first().output(load_json=True).run()
    assert entry["actor"] == admin and "password" not in json.dumps(entry["after"]).replace("password_set", "")


async def test_create_staff_account_with_htmx_redirects_the_client(client: AsyncTestClient, admin: int) -> None:
    response = await post_form(
        client, "/staff/users", {"email": "fin@example.com", "name": "Fin", "password": "a-long-password", "roles": "finance"}, htmx=True
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/staff/users?q=fin%40example.com"
    assert await StaffRole.count().where(StaffRole.role == "finance").run() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Email: must be an email address"),
        ({"email": ""}, "email", "Email is required."),
        ({"password": "short"}, "password", "Password must be at least 10 characters."),
        ({"roles": ["boss"]}, "roles", "Roles: &#39;boss&#39; is not an agency role"),
        ({"roles": []}, "roles", "Roles"),
        ({"name": "   "}, "name", "Name is required."),
        ({"locale": "fr"}, "locale", "Language must be one of"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
async def test_create_staff_refuses_bad_input(
    client: AsyncTestClient, admin: int, changes: dict, field: str, message: str, htmx: bool
) -> None:
    form = {"email": "someone@example.com", "name": "Someone", "password": "a-long-password", "roles": ["reviewer"], "locale": "en"}
    form.update(changes)
    users_before = await User.count().run()
    response = await post_form(client, "/staff/users", form, htmx=htmx)
    assert response.status_code == 422
    assert message in response.text
    assert f'id="error-{field}"' in response.text
    assert ("<html" in response.text) is not htmx
    if field != "email":
        assert 'value="someone@example.com"' in response.text  # what was typed is kept
    assert "a-long-password" not in response.text  # but never the password
    assert await User.count().run() == users_before
    assert await StaffRole.count().run() == 1  # only the admin's
    assert await AuditEntry.count().run() == 0
    assert await Notification.count().run() == 0


# -- granting and revoking ---------------------------------------------------------------------
async def test_grant_with_htmx_swaps_the_row(client: AsyncTestClient, admin: int) -> None:
    target = await make_user("target@example.com")
    response = await post_form(client, f"/staff/users/{target}/roles", {"role": "finance", "q": "target", "page": "1"}, htmx=True)
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="user-{target}"')
    assert 'data-role="finance"' in response.text and "now has the role Finance" in response.text
    assert await roles_of(target) == {"finance"}


async def test_grant_without_htmx_redirects_back_to_the_list(client: AsyncTestClient, admin: int) -> None:
    target = await make_user("target@example.com")
    response = await post_form(
        client, f"/staff/users/{target}/roles", {"role": "reviewer", "q": "target", "page": "1"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/users?q=target"
    page = await client.get(response.headers["location"])
    assert "target@example.com now has the role Reviewer." in page.text
    assert await roles_of(target) == {"reviewer"}


async def test_revoke_with_and_without_htmx(client: AsyncTestClient, admin: int) -> None:
    target = await make_user("target@example.com", roles=["finance", "reviewer"])
    swapped = await post_form(client, f"/staff/users/{target}/roles/revoke", {"role": "finance"}, htmx=True)
    assert swapped.status_code == 200
    assert 'data-role="finance"' not in swapped.text and 'data-role="reviewer"' in swapped.text
    redirected = await post_form(client, f"/staff/users/{target}/roles/revoke", {"role": "reviewer"}, follow_redirects=False)
    assert redirected.status_code == 303 and redirected.headers["location"] == "/staff/users"
    assert await roles_of(target) == set()


@pytest.mark.parametrize("role", ["boss", ""])
@pytest.mark.parametrize("htmx", [False, True])
async def test_grant_refuses_an_unknown_role(client: AsyncTestClient, admin: int, role: str, htmx: bool) -> None:
    target = await make_user("target@example.com")
    response = await post_form(client, f"/staff/users/{target}/roles", {"role": role}, htmx=htmx)
    assert response.status_code == 422
    assert "Role" in response.text and "Administrator (admin), Program manager (program_manager)" in response.text
    assert f'id="row-error-{target}"' in response.text
    if htmx:
        assert response.text.lstrip().startswith(f'<tr id="user-{target}"')
    else:
        assert "<html" in response.text
    assert await roles_of(target) == set()
    assert await AuditEntry.count().run() == 0


async def test_grant_to_a_missing_user_is_not_found(client: AsyncTestClient, admin: int) -> None:
    response = await post_form(client, "/staff/users/999999/roles", {"role": "finance"})
    assert response.status_code == 404


@pytest.mark.parametrize("htmx", [False, True])
async def test_the_last_admin_cannot_revoke_their_own_admin_role(client: AsyncTestClient, admin: int, htmx: bool) -> None:
    response = await post_form(client, f"/staff/users/{admin}/roles/revoke", {"role": "admin"}, htmx=htmx)
    assert response.status_code == 409
    assert "boss@example.com is the last administrator" in response.text
    assert await roles_of(admin) == {"admin"}
    assert await AuditEntry.count().run() == 0


async def test_an_admin_may_step_down_when_another_admin_remains(client: AsyncTestClient, admin: int) -> None:
    other = await make_user("other-admin@example.com", roles=["admin"])
    response = await post_form(client, f"/staff/users/{admin}/roles/revoke", {"role": "admin"}, htmx=True)
    assert response.status_code == 200
    assert await roles_of(admin) == set() and await roles_of(other) == {"admin"}
    # The next request sees the change: the former admin is no longer let in.
    assert (await client.get("/staff/users")).status_code == 403


async def test_create_staff_with_an_existing_email_only_grants_the_roles(client: AsyncTestClient, admin: int) -> None:
    """The form must not take over an account: name, password and language stay the founder's."""
    founder = await make_user("founder@example.com", name="Founder", locale="ko", password_hash=hash_password("founders-own-pw"))
    response = await post_form(
        client,
        "/staff/users",
        {"email": " Founder@Example.com ", "name": "Renamed", "password": "admin-chosen-pw", "roles": "reviewer", "locale": "en"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    user = await User.objects().where(User.id == founder).first().run()
    assert (user.name, user.locale) == ("Founder", "ko") and user.sessions_valid_after is None
    assert verify_password(user.password_hash, "founders-own-pw") and not verify_password(user.password_hash, "admin-chosen-pw")
    assert await roles_of(founder) == {"reviewer"}
    listed = await client.get(response.headers["location"])
    assert "founder@example.com already had an account: it was given the roles Reviewer." in listed.text
    assert "Its name, password and language were not changed." in listed.text
    assert await Notification.count().run() == 0
    # no name or password is needed for an existing account
    more = await post_form(client, "/staff/users", {"email": "founder@example.com", "roles": "finance"}, follow_redirects=False)
    assert more.status_code == 303 and await roles_of(founder) == {"reviewer", "finance"}
    same = await post_form(client, "/staff/users", {"email": "founder@example.com", "roles": "finance"}, follow_redirects=True)
    assert "already had an account with these roles; nothing was changed" in same.text


async def test_search_takes_like_wildcards_literally(client: AsyncTestClient, admin: int) -> None:
    await make_user("a_b@example.com")
    await make_user("axb@example.com")
    await make_user("percent%sign@example.com")
    underscore = await client.get("/staff/users", params={"q": "a_b"})
    assert emails_listed(underscore.text) == ["a_b@example.com"]
    percent = await client.get("/staff/users", params={"q": "%"})
    assert emails_listed(percent.text) == ["percent%sign@example.com"]
    nul = await client.get("/staff/users?q=a%00b")
    assert nul.status_code == 400 and "<html" in nul.text


async def test_the_grant_select_asks_for_a_choice_first(client: AsyncTestClient, admin: int) -> None:
    target = await make_user("target@example.com")
    page = await client.get("/staff/users", params={"q": "target"})
    row = page.text.split(f'<tr id="user-{target}"')[1].split("</tr>")[0]
    select = row.split(f'<select id="grant-{target}"')[1].split("</select>")[0]
    assert " required " in select
    assert re.findall(r'<option value="([^"]*)"', select)[0] == ""
    assert '<option value="" selected>Choose a role</option>' in select
