"""Password reset by an emailed, one-time, one-hour link."""

from __future__ import annotations

from datetime import timedelta

from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.tokens import hash_token
from hubcity.core.clock import utcnow
from hubcity.db.tables import Notification, PasswordResetToken
from tests.conftest import post_form
from tests.factories.accounts import audit_actions, create_user, latest_email, link_in, login

NEW_PASSWORD = "a brand new passphrase"


async def ask_for_link(client: AsyncTestClient, email: str) -> str:
    response = await post_form(client, "/password-reset", {"email": email})
    assert response.status_code == 200
    mail = await latest_email(email)
    assert mail is not None
    return link_in(mail["body"], "/password-reset/")


async def test_request_page_full_and_fragment(client: AsyncTestClient) -> None:
    full = await client.get("/password-reset")
    assert full.status_code == 200 and "<html" in full.text and 'name="email"' in full.text
    fragment = await client.get("/password-reset", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'name="email"' in fragment.text


async def test_reset_end_to_end(client: AsyncTestClient) -> None:
    user = await create_user(email="minji@example.com", locale="ko", name="김민지")
    response = await post_form(client, "/password-reset", {"email": "Minji@Example.com"})
    assert response.status_code == 200
    assert "If an account exists for Minji@Example.com, we have sent it a link" in response.text

    mail = await latest_email("minji@example.com")
    assert mail["template"] == "password_reset" and mail["locale"] == "ko" and mail["recipient"] == user["id"]
    assert "김민지" in mail["body"]
    path = link_in(mail["body"], "/password-reset/")
    assert (
        mail["body"].count("http://testserver.local/password-reset/") == 1
    )  # absolute link from the request's base URL
    token = path.rsplit("/", 1)[1]
    stored = await PasswordResetToken.select().where(PasswordResetToken.user == user["id"]).first().run()
    assert stored["token_hash"] == hash_token(token) and token not in stored["token_hash"]
    assert timedelta(minutes=59) < stored["expires_at"] - stored["created_at"] <= timedelta(hours=1)

    form = await client.get(path)
    assert form.status_code == 200 and 'name="password_confirm"' in form.text
    fragment = await client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text

    short = await post_form(client, path, {"password": "short", "password_confirm": "short"})
    assert short.status_code == 422 and "New password must be at least 10 characters." in short.text
    mismatch = await post_form(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422 and "Confirm new password: must be the same as the password." in mismatch.text

    done = await post_form(
        client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert "account.password_reset" in await audit_actions(user["id"])

    assert (await login(client, user["email"], user["password"])).status_code == 422  # the old password no longer works
    assert (await login(client, user["email"], NEW_PASSWORD)).status_code == 303

    reused = await client.get(path)
    assert reused.status_code == 410 and "이미 사용한 비밀번호 재설정 링크입니다" in reused.text  # logged in, in Korean
    reused_post = await post_form(
        client, path, {"password": "another new passphrase", "password_confirm": "another new passphrase"}
    )
    assert reused_post.status_code == 410


async def test_unknown_email_gets_the_same_answer_and_no_email(client: AsyncTestClient) -> None:
    await create_user(email="someone@example.com")
    known = await post_form(client, "/password-reset", {"email": "someone@example.com"})
    unknown = await post_form(client, "/password-reset", {"email": "nobody@example.com"})
    assert unknown.status_code == known.status_code == 200
    assert unknown.text.replace("nobody@example.com", "X") == known.text.replace("someone@example.com", "X")
    assert await latest_email("nobody@example.com") is None
    assert await Notification.count().run() == 1


async def test_malformed_email_is_named(client: AsyncTestClient) -> None:
    response = await post_form(client, "/password-reset", {"email": "not an email"})
    assert response.status_code == 422 and "Email: must be an email address" in response.text


async def test_expired_link(client: AsyncTestClient) -> None:
    user = await create_user()
    path = await ask_for_link(client, user["email"])
    await PasswordResetToken.update({PasswordResetToken.expires_at: utcnow() - timedelta(seconds=1)}).where(
        PasswordResetToken.user == user["id"]
    ).run()
    page = await client.get(path)
    assert page.status_code == 410 and "has expired" in page.text and 'href="/password-reset"' in page.text
    post = await post_form(client, path, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert post.status_code == 410
    assert (await login(client, user["email"], NEW_PASSWORD)).status_code == 422


async def test_unknown_link(client: AsyncTestClient) -> None:
    page = await client.get("/password-reset/not-a-real-token")
    assert page.status_code == 404 and "This password-reset link is not valid" in page.text
    fragment = await client.get("/password-reset/not-a-real-token", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and "<html" not in fragment.text


async def test_using_one_link_closes_the_others(client: AsyncTestClient) -> None:
    user = await create_user()
    first = await ask_for_link(client, user["email"])
    second = await ask_for_link(client, user["email"])
    assert first != second
    done = await post_form(
        client, second, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}, follow_redirects=False
    )
    assert done.status_code == 303
    assert (await client.get(first)).status_code == 410
    assert await PasswordResetToken.count().where(PasswordResetToken.used_at.is_null()).run() == 0


async def test_reset_emails_are_limited_to_three_an_hour_per_account(client: AsyncTestClient) -> None:
    user = await create_user(email="target@example.com")
    answers = [await post_form(client, "/password-reset", {"email": "target@example.com"}) for _ in range(6)]
    assert {answer.status_code for answer in answers} == {200}
    # the same neutral confirmation every time, whether or not an email went out
    assert len({answer.text.split("<main", 1)[1] for answer in answers}) == 1
    sent = await Notification.count().where(Notification.to_email == "target@example.com").run()
    assert sent == 3 and await PasswordResetToken.count().run() == 3
    # an hour later the account may ask again
    await PasswordResetToken.update({PasswordResetToken.created_at: utcnow() - timedelta(hours=1, minutes=1)}).where(
        PasswordResetToken.user == user["id"]
    ).run()
    await post_form(client, "/password-reset", {"email": "target@example.com"})
    assert await Notification.count().where(Notification.to_email == "target@example.com").run() == 4
