"""Server-side sessions: a new id at login (no fixation), still valid after a restart, stored
only when they hold something, and ended by a password reset."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from httpx import AsyncClient

from hubcity.asgi import create_app
from hubcity.config.settings import Settings
from hubcity.db.tables import User
from tests.conftest import open_client, post_form
from tests.factories.accounts import create_user, latest_email, link_in, login


def set_session_cookie(client: AsyncClient, value: str) -> None:
    for cookie in [c for c in client.cookies.jar if c.name == "session"]:
        client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    client.cookies.set("session", value, domain="testserver.local", path="/")


async def test_login_gives_the_session_a_new_id_and_drops_the_old_one(client: AsyncClient) -> None:
    user = await create_user()
    await client.get("/")
    set_session_cookie(client, "attacker-chosen-id")  # a session id planted before login
    response = await login(client, user["email"])
    assert response.status_code == 303
    new_id = client.cookies.get("session")
    assert new_id and new_id not in ("attacker-chosen-id", "null")
    assert (await client.get("/dashboard")).status_code == 200
    set_session_cookie(client, "attacker-chosen-id")
    assert (await client.get("/dashboard", follow_redirects=False)).status_code in (302, 303)


async def test_a_session_survives_a_restart_of_the_server(client: AsyncClient, settings: Settings) -> None:
    user = await create_user()
    assert (await login(client, user["email"])).status_code == 303
    session_id = client.cookies.get("session")

    restarted = create_app(settings)  # same data dir: the file store keeps the session
    async with open_client(restarted) as second:
        set_session_cookie(second, session_id)
        page = await second.get("/dashboard", follow_redirects=False)
    assert page.status_code == 200
    assert user["name"] in page.text


async def test_sessions_are_files_in_the_data_dir(client: AsyncClient, settings: Settings) -> None:
    user = await create_user()
    await login(client, user["email"])
    stored = list(Path(settings.data_dir, "stores", "sessions").iterdir())
    assert stored, "no session file was written"


def stored_sessions(settings: Settings) -> list[Path]:
    folder = Path(settings.data_dir, "stores", "sessions")
    return list(folder.iterdir()) if folder.exists() else []


async def test_anonymous_requests_store_no_session(client: AsyncClient, settings: Settings) -> None:
    for path in ("/health", "/", "/login", "/no-such-page"):
        response = await client.get(path)
        assert "session" not in response.cookies, (path, response.headers.get_list("set-cookie"))
    assert stored_sessions(settings) == []
    chosen = await post_form(client, "/locale", {"locale": "ko", "next": "/"}, follow_redirects=False)
    assert chosen.status_code == 303 and client.cookies.get("session")  # something to keep: the language
    assert len(stored_sessions(settings)) == 1


async def test_an_emptied_session_is_deleted_with_its_cookie(client: AsyncClient, settings: Settings) -> None:
    user = await create_user()
    await login(client, user["email"])
    assert len(stored_sessions(settings)) == 1
    await post_form(client, "/logout", {})  # the flash is shown on the next page, which empties it
    await client.get("/")
    assert stored_sessions(settings) == []
    assert client.cookies.get("session") in (None, "null")


async def test_a_password_reset_ends_sessions_begun_before_it(client: AsyncClient, app: Any) -> None:
    user = await create_user()
    assert (await login(client, user["email"])).status_code == 303  # say, an attacker's session
    transport = httpx.ASGITransport(app=app, client=("127.0.0.2", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as owner:
        await post_form(owner, "/password-reset", {"email": user["email"]})
        path = link_in((await latest_email(user["email"]))["body"], "/password-reset/")
        await post_form(owner, path, {"password": "a brand new passphrase", "password_confirm": "a brand new passphrase"})
        assert (await login(owner, user["email"], "a brand new passphrase")).status_code == 303
        assert (await owner.get("/dashboard")).status_code == 200  # a session begun after the reset works
    ended = await client.get("/dashboard", follow_redirects=False)
    assert ended.status_code == 303 and ended.headers["location"].startswith("/login")
    row = await User.select(User.sessions_valid_after).where(User.id == user["id"]).first().run()
    assert row["sessions_valid_after"] is not None

