"""Sessions and rate limits in Redis (``HUBCITY_REDIS_URL``, the production setting): a login
writes its session there and none in the data dir, a restarted server still knows it, after
logging out it no longer logs in, and wrong passwords are counted there.

Uses the local Redis at 127.0.0.1:6379, database 15. Without it the tests skip with a message;
under CI (``CI=true``, where ``.ci/run`` starts Redis) that is a failure.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis

from hubcity.asgi import create_app
from hubcity.config.settings import Settings
from tests.conftest import make_settings, open_client, post_form
from tests.factories.accounts import create_user, login, unique_email
from tests.integration.accounts.test_sessions import stored_sessions

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except OSError as error:
        await client.aclose()
        message = f"no Redis at {REDIS_URL} ({error})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis tests cannot be skipped under CI: {message}")
        pytest.skip(message)
    yield client
    await client.aclose()


@pytest.fixture
def redis_settings(tmp_path: Path, database_url: str, clean_database: Any) -> Settings:
    return make_settings(tmp_path / "data", database_url, redis_url=REDIS_URL)


async def session_keys(redis: Redis) -> set[str]:
    return {key.decode() async for key in redis.scan_iter(match="hubcity:sessions*")}


async def test_sessions_live_in_redis_survive_a_restart_and_end_at_logout(redis: Redis, redis_settings: Settings) -> None:
    user = await create_user()
    before = await session_keys(redis)
    async with open_client(create_app(redis_settings)) as client:
        assert (await login(client, user["email"])).status_code == 303
        session_id = client.cookies.get("session")
        added = await session_keys(redis) - before
        assert len(added) == 1 and session_id in next(iter(added))
        assert stored_sessions(redis_settings) == [], "a session file was written although Redis holds the sessions"

    async with open_client(create_app(redis_settings)) as restarted:  # a new process: only Redis remembers
        restarted.cookies.set("session", session_id, domain="testserver.local", path="/")
        page = await restarted.get("/dashboard", follow_redirects=False)
        assert page.status_code == 200 and user["name"] in page.text
        out = await post_form(restarted, "/logout", follow_redirects=False)
        assert out.status_code in (302, 303)
        restarted.cookies.clear()
        restarted.cookies.set("session", session_id, domain="testserver.local", path="/")
        again = await restarted.get("/dashboard", follow_redirects=False)
        assert again.status_code in (302, 303) and "/login" in again.headers["location"], "the old session still logs in"


async def test_wrong_passwords_are_counted_in_redis(redis: Redis, redis_settings: Settings) -> None:
    email = unique_email("redis")
    await create_user(email=email)
    before = {key async for key in redis.scan_iter(match="hubcity:rate_limit*")}
    async with open_client(create_app(redis_settings)) as client:
        refused = await login(client, email, password="not-the-password-at-all")
        assert refused.status_code in (400, 401, 422) and "session" not in refused.headers.get("location", "")
    after = {key async for key in redis.scan_iter(match="hubcity:rate_limit*")}
    assert after - before, "no rate-limit counter was written to Redis"
