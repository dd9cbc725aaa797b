"""The account page: profile, consents (history kept), deletion; and the same through the API."""

from __future__ import annotations

import html
import json
from datetime import timedelta

from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core.clock import utcnow
from hubcity.db.tables import (
    AuditEntry,
    Consent,
    Invitation,
    Membership,
    Organisation,
    PasswordResetToken,
    StaffRole,
    User,
)
from tests.conftest import api_call, post_form
from tests.factories.accounts import audit_actions, create_org, create_user, login


async def logged_in(client: AsyncTestClient, **kwargs: object) -> dict:
    user = await create_user(**kwargs)
    await login(client, user["email"], user["password"])
    return user


async def consent_rows(user_id: int, purpose: str) -> list[dict]:
    return (
        await Consent.select()
        .where((Consent.user == user_id) & (Consent.purpose == purpose))
        .order_by(Consent.id)
        .run()
    )


async def test_account_page_full_and_fragment(client: AsyncTestClient) -> None:
    user = await logged_in(client, name="Minji Kim")
    full = await client.get("/account")
    assert full.status_code == 200 and "<html" in full.text
    assert user["email"] in full.text and 'value="Minji Kim"' in full.text
    assert 'id="consent-collection"' in full.text and 'data-given="yes"' in full.text
    assert "KST (Asia/Seoul)" in full.text  # times with the zone named
    assert "To withdraw it, delete your account." in full.text
    fragment = await client.get("/account", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="consents"' in fragment.text


async def test_profile_update_and_bad_input(client: AsyncTestClient) -> None:
    user = await logged_in(client, name="Old Name", locale="en")
    bad = await post_form(client, "/account/profile", {"name": " ", "locale": "fr"})
    assert bad.status_code == 422
    assert "Your name is required." in bad.text and "Preferred language must be one of" in bad.text
    good = await post_form(client, "/account/profile", {"name": "New Name", "locale": "ko"}, follow_redirects=False)
    assert good.status_code == 303
    row = await User.select(User.name, User.locale).where(User.id == user["id"]).first().run()
    assert row == {"name": "New Name", "locale": "ko"}
    assert '<html lang="ko">' in (await client.get("/account")).text
    assert "account.profile_updated" in await audit_actions(user["id"])


async def test_withdraw_and_give_again_with_htmx_keeps_history(client: AsyncTestClient) -> None:
    user = await logged_in(client, consents=("collection", "marketing"))
    withdrawn = await post_form(client, "/account/consents/marketing", {"given": "no"}, htmx=True)
    assert withdrawn.status_code == 200
    assert "<html" not in withdrawn.text and withdrawn.text.lstrip().startswith('<article id="consents"')
    assert 'id="consent-marketing" data-purpose="marketing" data-given="no"' in withdrawn.text
    rows = await consent_rows(user["id"], "marketing")
    assert len(rows) == 1 and rows[0]["withdrawn_at"] is not None

    given = await post_form(client, "/account/consents/marketing", {"given": "yes"}, htmx=True)
    assert 'data-purpose="marketing" data-given="yes"' in given.text
    rows = await consent_rows(user["id"], "marketing")
    assert len(rows) == 2
    assert rows[0]["withdrawn_at"] is not None  # the old row keeps its withdrawal
    assert rows[1]["withdrawn_at"] is None and rows[1]["terms_version"] == CONSENT_TERMS["marketing"].version
    assert (await audit_actions(user["id"]))[-2:] == ["consent.withdrawn", "consent.given"]
    withdrawal = await AuditEntry.select().where(AuditEntry.action == "consent.withdrawn").first().run()
    assert json.loads(withdrawal["before"])["purpose"] == "marketing"

    # giving what is already given changes nothing
    await post_form(client, "/account/consents/marketing", {"given": "yes"}, htmx=True)
    assert len(await consent_rows(user["id"], "marketing")) == 2


async def test_consent_without_htmx_redirects(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    response = await post_form(
        client, "/account/consents/third_party_provision", {"given": "yes"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/account#consents"
    assert len(await consent_rows(user["id"], "third_party_provision")) == 1
    unknown = await post_form(client, "/account/consents/telepathy", {"given": "yes"})
    assert unknown.status_code == 404


async def test_collection_consent_cannot_be_withdrawn(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    page = await post_form(client, "/account/consents/collection", {"given": "no"})
    assert page.status_code == 409
    assert "cannot be withdrawn while your account exists" in page.text and 'href="#delete"' in page.text
    fragment = await post_form(client, "/account/consents/collection", {"given": "no"}, htmx=True)
    assert fragment.status_code == 409 and "<html" not in fragment.text and "delete your account" in fragment.text
    api = await api_call(client, "PUT", "/api/v1/me/consents/collection", {"given": False})
    assert api.status_code == 409 and api.json()["error"] == "consent_required"
    rows = await consent_rows(user["id"], "collection")
    assert len(rows) == 1 and rows[0]["withdrawn_at"] is None
    assert "consent.withdrawn" not in await audit_actions(user["id"])


async def test_api_consents_and_profile(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    listed = await client.get("/api/v1/me/consents")
    assert listed.status_code == 200
    assert [(c["purpose"], c["given"], c["required"]) for c in listed.json()] == [
        ("collection", True, True),
        ("third_party_provision", False, False),
        ("marketing", False, False),
    ]
    given = await api_call(client, "PUT", "/api/v1/me/consents/third_party_provision", {"given": True})
    assert given.status_code == 200
    assert (
        given.json()["given"] is True
        and given.json()["terms_version"] == CONSENT_TERMS["third_party_provision"].version
    )
    withdrawn = await api_call(client, "PUT", "/api/v1/me/consents/third_party_provision", {"given": False})
    assert withdrawn.json()["given"] is False and withdrawn.json()["withdrawn_at"] is not None
    bad = await api_call(client, "PUT", "/api/v1/me/consents/marketing", {})
    assert bad.status_code == 422 and bad.json()["fields"] == {"given": "Consent given is required."}
    unknown = await api_call(client, "PUT", "/api/v1/me/consents/telepathy", {"given": True})
    assert unknown.status_code == 404

    patched = await api_call(client, "PATCH", "/api/v1/me", {"locale": "ko"})
    assert patched.status_code == 200 and patched.json()["user"]["locale"] == "ko"
    assert patched.json()["user"]["name"] == user["name"]
    invalid = await api_call(client, "PATCH", "/api/v1/me", {"name": "", "locale": "de"})
    assert invalid.status_code == 422 and set(invalid.json()["fields"]) == {"name", "locale"}


async def test_delete_account(client: AsyncTestClient) -> None:
    user = await logged_in(
        client, email="leaving@example.com", roles=("reviewer",), consents=("collection", "marketing")
    )
    org = await create_org("startup", owner=user)
    other_owner = await create_user()
    other_org = await create_org("corporate", owner=other_owner, members=[user])
    await Invitation(
        organisation=other_org["id"],
        email="leaving@example.com",
        role="member",
        token_hash="x" * 64,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=7),
    ).save().run()
    await post_form(client, "/password-reset", {"email": "leaving@example.com"})

    wrong = await post_form(client, "/account/delete", {"password": "not my password"})
    assert wrong.status_code == 422 and "Your current password: the password is not correct." in wrong.text
    assert (await User.select(User.email).where(User.id == user["id"]).first().run())["email"] == "leaving@example.com"

    response = await post_form(client, "/account/delete", {"password": user["password"]}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"

    row = await User.select().where(User.id == user["id"]).first().run()
    assert row["email"] == f"deleted-{user['id']}@invalid"
    assert (
        row["name"] == "" and row["password_hash"] == "" and row["is_active"] is False and row["deleted_at"] is not None
    )
    assert await Membership.count().where(Membership.user == user["id"]).run() == 0
    assert await StaffRole.count().where(StaffRole.user == user["id"]).run() == 0
    assert await PasswordResetToken.count().where(PasswordResetToken.user == user["id"]).run() == 0
    assert await Invitation.count().where(Invitation.email == "leaving@example.com").run() == 0
    assert len(await Consent.select().where(Consent.user == user["id"]).run()) == 2  # kept as evidence
    actions = await audit_actions(user["id"])
    assert actions[0] == "account.login" and actions[-1] == "account.deleted"  # earlier entries are kept
    assert await Organisation.exists().where(Organisation.id == org["id"]).run()  # not personal data: it stays

    assert (await client.get("/account", follow_redirects=False)).status_code == 303  # logged out
    assert (await login(client, "leaving@example.com", user["password"])).status_code == 422


async def test_only_owner_with_members_cannot_delete(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    member = await create_user()
    await create_org("startup", owner=user, members=[member], name_en="Team With Members")
    response = await post_form(client, "/account/delete", {"password": user["password"]})
    assert response.status_code == 409
    assert "You are the only owner of Team With Members" in response.text
    row = await User.select(User.deleted_at).where(User.id == user["id"]).first().run()
    assert row["deleted_at"] is None
    assert await Membership.count().where(Membership.user == user["id"]).run() == 1


async def test_the_last_administrator_cannot_delete_their_account(client: AsyncTestClient) -> None:
    admin = await logged_in(client, roles=("admin",))
    response = await post_form(client, "/account/delete", {"password": admin["password"]})
    assert response.status_code == 409
    assert "You are the agency's last administrator" in html.unescape(response.text) and 'id="delete"' in response.text
    assert await StaffRole.count().where(StaffRole.role == "admin").run() == 1
    await create_user(roles=("admin",))  # with another administrator, the first may leave
    done = await post_form(client, "/account/delete", {"password": admin["password"]}, follow_redirects=False)
    assert done.status_code == 303


async def test_a_sole_member_is_told_the_organisation_remains(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    await create_org("startup", owner=user, name_en="Solo Labs")
    page = await client.get("/account")
    assert 'data-testid="left-alone"' in page.text
    assert "You are the only member of Solo Labs" in page.text and "agency staff give it a new owner" in page.text
    done = await post_form(client, "/account/delete", {"password": user["password"]}, follow_redirects=False)
    assert done.status_code == 303  # still allowed
    assert await Organisation.exists().where(Organisation.name_en == "Solo Labs").run()


async def test_a_member_of_a_shared_organisation_gets_no_such_notice(client: AsyncTestClient) -> None:
    user = await logged_in(client)
    await create_org("startup", owner=await create_user(), members=[user])
    assert 'data-testid="left-alone"' not in (await client.get("/account")).text


async def test_api_consent_must_be_true_or_false(client: AsyncTestClient) -> None:
    await logged_in(client, consents=("collection", "marketing"))
    for value in (None, "yes", 1, "false", [True]):
        refused = await api_call(client, "PUT", "/api/v1/me/consents/marketing", {"given": value})
        assert refused.status_code == 422, value
        assert refused.json()["fields"] == {"given": "Consent given must be true or false."}, value
    listed = {c["purpose"]: c["given"] for c in (await client.get("/api/v1/me/consents")).json()}
    assert listed["marketing"] is True  # nothing was withdrawn


async def test_profile_refuses_invisible_and_control_characters(client: AsyncTestClient) -> None:
    user = await logged_in(client, name="Original")
    for name, message in (
        ("\u200b", "Your name is required."),
        ("Kim\x00", "Your name contains an invisible control character"),
        ("Kim\u202eMinji", "Your name contains a character that reverses the direction of text"),
    ):
        page = await post_form(client, "/account/profile", {"name": name, "locale": "en"})
        assert page.status_code == 422 and message in page.text
    assert (await User.select(User.name).where(User.id == user["id"]).first().run())["name"] == "Original"
