"""Error pages: 404, 403 and 500 as full pages, as HTMX fragments (retargeted to #main), and JSON."""

import pytest
from litestar import Litestar, get, post
from litestar.exceptions import PermissionDeniedException
from httpx import AsyncClient as AsyncTestClient

from tests.conftest import open_client, post_form


@get("/_test/boom", include_in_schema=False)
async def boom() -> None:
    raise RuntimeError("kaboom: secret internals")


@get("/_test/forbidden", include_in_schema=False)
async def forbidden() -> None:
    raise PermissionDeniedException("Your role does not allow this.")


@post("/_test/form", include_in_schema=False)
async def form_target() -> str:
    return "accepted"


@get("/api/v1/_test/boom", include_in_schema=False)
async def api_boom() -> None:
    raise RuntimeError("kaboom")


@pytest.fixture
async def error_client(app: Litestar):
    for handler in (boom, forbidden, api_boom, form_target):
        app.register(handler)
    async with open_client(app) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/no/such/page", 404, "Page not found"),
        ("/_test/forbidden", 403, "Your role does not allow this."),
        ("/_test/boom", 500, "Something went wrong"),
    ],
)
async def test_error_page_full_and_fragment(error_client: AsyncTestClient, path: str, status: int, text: str) -> None:
    full = await error_client.get(path)
    assert full.status_code == status
    assert "<html" in full.text and text in full.text
    assert f'data-status="{status}"' in full.text
    fragment = await error_client.get(path, headers={"HX-Request": "true"})
    assert fragment.status_code == status
    assert "<html" not in fragment.text and text in fragment.text
    assert fragment.headers["HX-Retarget"] == "#main"
    assert "kaboom" not in full.text + fragment.text


async def test_api_errors_are_json(error_client: AsyncTestClient) -> None:
    missing = await error_client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"] == "http_404"
    crash = await error_client.get("/api/v1/_test/boom")
    assert crash.status_code == 500
    assert crash.json() == {"error": "server_error", "detail": crash.json()["detail"], "fields": {}}
    assert "kaboom" not in crash.text


async def test_post_without_csrf_token_is_refused(error_client: AsyncTestClient) -> None:
    await error_client.get("/")
    response = await error_client.post("/_test/form", data={"x": "1"})
    assert response.status_code == 403
    assert "accepted" not in response.text


async def test_post_with_csrf_token_is_accepted(error_client: AsyncTestClient) -> None:
    response = await post_form(error_client, "/_test/form", {"x": "1"})
    assert response.status_code == 201
    assert response.text == "accepted"


async def test_unknown_address_is_shown_in_the_viewers_language_with_their_navigation(error_client: AsyncTestClient) -> None:
    from tests.factories.accounts import create_user, login

    user = await create_user(locale="ko", name="김민지")
    await login(error_client, user["email"])
    response = await error_client.get("/no/such/page")
    assert response.status_code == 404
    assert '<html lang="ko">' in response.text
    assert "페이지를 찾을 수 없습니다" in response.text
    assert "로그아웃" in response.text  # the logged-in navigation, not the anonymous one
