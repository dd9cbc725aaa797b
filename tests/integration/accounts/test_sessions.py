"""Server-side sessions: a new id at login (no fixation) and still valid after a restart."""

from __future__ import annotations

from pathlib import Path

from httpx import AsyncClient

from hubcity.asgi import create_app
from hubcity.config.settings import Settings
from tests.conftest import open_client
from tests.factories.accounts import create_user, login


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
