"""Organisation pages (members and staff only) and invitations, on pages and the API."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.tokens import hash_token
from hubcity.core.clock import utcnow
from hubcity.db.tables import Invitation, Membership, Notification, User
from tests.conftest import api_call, post_form
from tests.factories.accounts import (
    add_member,
    audit_actions,
    create_org,
    create_user,
    latest_email,
    link_in,
    login,
)


async def owner_with_org(client: AsyncTestClient, **org: object) -> tuple[dict, dict]:
    owner = await create_user(name="Owner Park", locale="en")
    organisation = await create_org("startup", owner=owner, **org)
    await login(client, owner["email"], owner["password"])
    return owner, organisation


async def test_member_sees_the_page_full_and_fragment(client: AsyncTestClient) -> None:
    owner = await create_user(name="Owner Park")
    member = await create_user(name="Member Lee")
    org = await create_org("corporate", owner=owner, members=[member], name_ko="바다 모빌리티", name_en="Bada Mobility")
    await login(client, member["email"], member["password"])
    full = await client.get(f"/organisations/{org['id']}")
    assert full.status_code == 200 and "<html" in full.text
    for text in (
        "바다 모빌리티",
        "Bada Mobility",
        "Corporation",
        "116-82-00276",
        "Not verified yet",
        "Owner Park",
        "Member Lee",
    ):
        assert text in full.text
    assert 'id="invitations"' not in full.text  # members do not manage invitations
    fragment = await client.get(f"/organisations/{org['id']}", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Member Lee" in fragment.text


async def test_outsider_gets_404_without_the_name_by_url_and_api(client: AsyncTestClient) -> None:
    other = await create_org("startup", owner=await create_user(), name_ko="비밀 스타트업", name_en="Secret Startup")
    outsider = await create_user()
    await create_org("startup", owner=outsider)
    await login(client, outsider["email"], outsider["password"])
    page = await client.get(f"/organisations/{other['id']}")
    assert page.status_code == 404
    assert "Secret Startup" not in page.text and "비밀 스타트업" not in page.text
    api = await client.get(f"/api/v1/organisations/{other['id']}")
    assert api.status_code == 404 and api.json()["error"] == "not_found"
    assert "Secret" not in api.text
    invite = await api_call(
        client, "POST", f"/api/v1/organisations/{other['id']}/invitations", {"email": "x@example.com"}
    )
    assert invite.status_code == 404
    missing = await client.get("/organisations/999999")
    assert missing.status_code == 404


async def test_staff_see_any_organisation(client: AsyncTestClient) -> None:
    org = await create_org("startup", owner=await create_user(), name_en="Visible To Staff")
    staff = await create_user(roles=("program_manager",))
    await login(client, staff["email"], staff["password"])
    page = await client.get(f"/organisations/{org['id']}")
    assert page.status_code == 200 and "Visible To Staff" in page.text
    api = await client.get(f"/api/v1/organisations/{org['id']}")
    assert api.status_code == 200
    assert api.json()["business_registration_number"] == "116-82-00276" and api.json()["verified"] is False


async def test_invitation_of_an_existing_user_end_to_end(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client, name_ko="하늘 AI", name_en="Haneul AI")
    invitee = await create_user(email="invitee@example.com", locale="ko", name="Invitee Choi")
    response = await post_form(
        client,
        f"/organisations/{org['id']}/invitations",
        {"email": "Invitee@Example.com", "role": "member"},
        follow_redirects=False,
    )
    assert response.status_code == 303

    invitation = await Invitation.select().first().run()
    assert (invitation["email"], invitation["role"], invitation["invited_by"]) == (
        "invitee@example.com",
        "member",
        owner["id"],
    )
    assert timedelta(days=6, hours=23) < invitation["expires_at"] - invitation["created_at"] <= timedelta(days=7)
    mail = await latest_email("invitee@example.com")
    assert mail["template"] == "invitation" and mail["locale"] == "ko"  # the invitee's language
    assert "하늘 AI" in mail["subject"] and "Owner Park" in mail["subject"]
    path = link_in(mail["body"], "/invitations/")
    assert invitation["token_hash"] == hash_token(path.rsplit("/", 1)[1])
    assert "invitation.created" in await audit_actions(owner["id"])

    page = await client.get(f"/organisations/{org['id']}")
    assert "invitee@example.com" in page.text  # listed as pending

    await post_form(client, "/logout", {})
    anonymous = await client.get(path)
    assert anonymous.status_code == 200
    assert 'data-invitation-state="login"' in anonymous.text and "/login?next=" in anonymous.text
    await login(client, invitee["email"], invitee["password"])
    shown = await client.get(path)
    assert 'data-invitation-state="accept"' in shown.text
    accepted = await post_form(client, f"{path}/accept", {}, follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == f"/organisations/{org['id']}"
    membership = await Membership.select().where(Membership.user == invitee["id"]).first().run()
    assert (membership["organisation"], membership["role"]) == (org["id"], "member")
    assert (await client.get(f"/organisations/{org['id']}")).status_code == 200
    assert "invitation.accepted" in await audit_actions(invitee["id"])
    used = await client.get(path)  # reopened by the invitee, now a member: a way in, not "log in"
    assert used.status_code == 200 and 'data-invitation-state="accepted"' in used.text
    assert f'href="/organisations/{org["id"]}"' in used.text and "하늘 AI" in used.text  # in Korean
    assert "/login" not in used.text.split("<main", 1)[1]


async def test_invitation_of_a_new_person_end_to_end(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client, name_en="Haneul AI")
    await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "newbie@example.com", "role": "owner"})
    mail = await latest_email("newbie@example.com")
    assert mail["locale"] == "en" and mail["recipient"] is None  # no account: the inviter's language
    path = link_in(mail["body"], "/invitations/")
    await post_form(client, "/logout", {})

    form = await client.get(path)
    assert (
        form.status_code == 200 and 'data-invitation-state="signup"' in form.text and "newbie@example.com" in form.text
    )
    fragment = await client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text

    bad = await post_form(
        client, f"{path}/signup", {"name": "New Kim", "password": "short", "password_confirm": "short"}
    )
    assert bad.status_code == 422
    assert "Password must be at least 10 characters." in bad.text
    assert "must be given to create an account." in bad.text
    assert 'value="New Kim"' in bad.text
    assert await User.count().where(User.email == "newbie@example.com").run() == 0

    good = await post_form(
        client,
        f"{path}/signup",
        {
            "name": "New Kim",
            "password": "newbie passphrase",
            "password_confirm": "newbie passphrase",
            "locale": "ko",
            "consent_collection": "yes",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    user = await User.select().where(User.email == "newbie@example.com").first().run()
    assert user["locale"] == "ko"
    membership = await Membership.select().where(Membership.user == user["id"]).first().run()
    assert (membership["organisation"], membership["role"]) == (org["id"], "owner")
    assert await audit_actions(user["id"]) == ["consent.given", "account.signup", "invitation.accepted"]
    dashboard = await client.get("/dashboard")
    assert dashboard.status_code == 200 and '<html lang="ko">' in dashboard.text
    assert org["name_ko"] in dashboard.text  # the Korean name, in the language chosen


async def test_members_cannot_invite(client: AsyncTestClient) -> None:
    owner = await create_user()
    member = await create_user()
    org = await create_org("startup", owner=owner, members=[member])
    await login(client, member["email"], member["password"])
    page = await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "x@example.com"})
    assert page.status_code == 403
    api = await api_call(client, "POST", f"/api/v1/organisations/{org['id']}/invitations", {"email": "x@example.com"})
    assert api.status_code == 403 and api.json()["error"] == "not_permitted"
    assert await Invitation.count().run() == 0 and await Notification.count().run() == 0


async def test_invite_with_htmx_updates_the_list_and_revoke(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    url = f"/organisations/{org['id']}/invitations"
    bad = await post_form(client, url, {"email": "nope", "role": "admin"}, htmx=True)
    assert bad.status_code == 422 and "<html" not in bad.text
    assert 'data-fragment="invitations"' in bad.text
    assert "Email: must be an email address" in bad.text and "Role must be one of" in bad.text
    already = await post_form(client, url, {"email": owner["email"]}, htmx=True)
    assert already.status_code == 422 and "already a member" in already.text

    sent = await post_form(client, url, {"email": "a@example.com"}, htmx=True)
    assert sent.status_code == 200 and "<html" not in sent.text
    assert 'data-fragment="invitations"' in sent.text and "a@example.com" in sent.text
    invitation = await Invitation.select().first().run()

    again = await post_form(client, url, {"email": "a@example.com"}, htmx=True)  # a new one replaces the open one
    assert again.status_code == 200
    assert await Invitation.count().where(Invitation.revoked_at.is_null()).run() == 1
    newest = await Invitation.select().order_by(Invitation.id, ascending=False).first().run()
    assert newest["id"] != invitation["id"]

    revoked = await post_form(client, f"{url}/{newest['id']}/revoke", {}, htmx=True)
    assert revoked.status_code == 200 and "<html" not in revoked.text
    assert "a@example.com" not in revoked.text and "No pending invitations." in revoked.text
    assert "invitation.revoked" in await audit_actions(owner["id"])
    twice = await post_form(client, f"{url}/{newest['id']}/revoke", {}, htmx=True)
    assert twice.status_code == 404


async def test_api_invitation(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    bad = await api_call(
        client, "POST", f"/api/v1/organisations/{org['id']}/invitations", {"email": "bad", "role": "boss"}
    )
    assert bad.status_code == 422
    assert set(bad.json()["fields"]) == {"email", "role"}
    response = await api_call(
        client, "POST", f"/api/v1/organisations/{org['id']}/invitations", {"email": "b@example.com"}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "b@example.com" and body["role"] == "member"
    assert (await latest_email("b@example.com")) is not None


async def test_mismatched_expired_and_unknown_invitations(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "right@example.com"})
    path = link_in((await latest_email("right@example.com"))["body"], "/invitations/")
    await post_form(client, "/logout", {})

    someone_else = await create_user(email="wrong@example.com")
    await login(client, someone_else["email"], someone_else["password"])
    page = await client.get(path)
    assert page.status_code == 403 and "sent to another email address" in page.text
    accept = await post_form(client, f"{path}/accept", {})
    assert accept.status_code == 403
    assert await Membership.count().where(Membership.user == someone_else["id"]).run() == 0

    await Invitation.update({Invitation.expires_at: utcnow() - timedelta(minutes=1)}).where(Invitation.id > 0).run()
    expired = await client.get(path)
    assert expired.status_code == 410 and "has expired" in expired.text
    unknown = await client.get("/invitations/nothing-here")
    assert unknown.status_code == 404 and "not valid" in unknown.text


async def test_owner_can_make_a_member_owner_but_not_remove_the_last_owner(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    member = await create_user()
    await add_member(org["id"], member)
    last = await post_form(client, f"/organisations/{org['id']}/members/{owner['id']}/role", {"role": "member"})
    assert last.status_code == 409 and "at least one owner" in last.text
    promoted = await post_form(
        client, f"/organisations/{org['id']}/members/{member['id']}/role", {"role": "owner"}, follow_redirects=False
    )
    assert promoted.status_code == 303
    role = await Membership.select(Membership.role).where(Membership.user == member["id"]).first().run()
    assert role["role"] == "owner"
    assert "membership.role_changed" in await audit_actions(owner["id"])


async def test_the_only_owner_is_not_offered_make_member_and_the_refusal_is_a_page(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    member = await create_user(name="Member Lee")
    await add_member(org["id"], member)
    page = await client.get(f"/organisations/{org['id']}")
    assert "Make member" not in page.text and "Make owner" in page.text and "The only owner." in page.text
    refused = await post_form(client, f"/organisations/{org['id']}/members/{owner['id']}/role", {"role": "member"})
    assert refused.status_code == 409
    assert 'class="organisation"' in refused.text and "Member Lee" in refused.text  # the page, with the reason
    assert "An organisation needs at least one owner" in refused.text
    await post_form(client, f"/organisations/{org['id']}/members/{member['id']}/role", {"role": "owner"})
    two_owners = await client.get(f"/organisations/{org['id']}")
    assert two_owners.text.count("Make member") == 2


async def test_invitations_are_limited_to_twenty_an_hour_per_organisation(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    for number in range(20):
        sent = await post_form(client, f"/organisations/{org['id']}/invitations", {"email": f"person{number}@example.com"}, follow_redirects=False)
        assert sent.status_code == 303
    page = await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "one-more@example.com"})
    assert page.status_code == 429
    assert "Your organisation has sent 20 invitations in the last hour" in page.text and "<html" in page.text
    fragment = await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "one-more@example.com"}, htmx=True)
    assert fragment.status_code == 429 and 'id="invitations"' in fragment.text and "<html" not in fragment.text
    api = await api_call(client, "POST", f"/api/v1/organisations/{org['id']}/invitations", {"email": "one-more@example.com"})
    assert api.status_code == 429 and api.json()["error"] == "invitation_limit"
    assert await Invitation.count().run() == 20 and await latest_email("one-more@example.com") is None
    # revoked invitations count too; an hour later the organisation may invite again
    await Invitation.update({Invitation.created_at: utcnow() - timedelta(hours=1, minutes=1)}).where(
        Invitation.organisation == org["id"]
    ).run()
    again = await post_form(client, f"/organisations/{org['id']}/invitations", {"email": "one-more@example.com"}, follow_redirects=False)
    assert again.status_code == 303


async def test_path_ids_that_cannot_be_rows_are_404(client: AsyncTestClient) -> None:
    owner, org = await owner_with_org(client)
    for bad in ("0", "-1", str(2**31), str(2**63), "99999999999999999999"):
        assert (await client.get(f"/organisations/{bad}")).status_code == 404, bad
        api = await client.get(f"/api/v1/organisations/{bad}")
        assert api.status_code == 404 and api.json()["error"] == "http_404", bad
        revoke = await post_form(client, f"/organisations/{org['id']}/invitations/{bad}/revoke", {})
        assert revoke.status_code == 404, bad
