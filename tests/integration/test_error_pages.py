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


@post("/_test/small-form", include_in_schema=False, request_max_body_size=3 * 1024 * 1024)
async def small_form_target() -> str:
    return "accepted"


@get("/api/v1/_test/boom", include_in_schema=False)
async def api_boom() -> None:
    raise RuntimeError("kaboom")


@pytest.fixture
async def error_client(app: Litestar):
    for handler in (boom, forbidden, api_boom, form_target, small_form_target):
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


# -- hardening: headers, messages in the viewer's language, where the login sends back ---------
SECURITY = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/health"), ("GET", "/static/css/app.css"), ("GET", "/no/such/page"), ("GET", "/dashboard"),
     ("GET", "/_test/boom"), ("GET", "/api/v1/me"), ("PUT", "/dashboard"), ("POST", "/_test/form")],
)
async def test_security_headers_on_every_response(error_client: AsyncTestClient, method: str, path: str) -> None:
    response = await error_client.request(method, path)
    for name, value in SECURITY.items():
        assert response.headers.get(name) == value, (path, response.status_code, name)


async def test_the_layout_declares_an_empty_icon(error_client: AsyncTestClient) -> None:
    assert '<link rel="icon" href="data:,">' in (await error_client.get("/")).text


async def test_csrf_failure_is_explained_in_the_viewers_language(error_client: AsyncTestClient) -> None:
    await error_client.get("/")
    english = await error_client.post("/_test/form", data={"x": "1", "_csrf_token": "stale"})
    assert english.status_code == 403 and "The form has expired or came from another site." in english.text
    await post_form(error_client, "/locale", {"locale": "ko"})
    korean = await error_client.post("/_test/form", data={"x": "1", "_csrf_token": "stale"})
    assert korean.status_code == 403 and "CSRF" not in korean.text and "The form has expired" not in korean.text


async def test_too_large_requests_do_not_talk_of_uploads(error_client: AsyncTestClient) -> None:
    response = await post_form(error_client, "/_test/form", {"x": "y" * 10_500_000})
    assert response.status_code == 413
    assert "The request is larger than the server accepts (10 MB)." in response.text


async def test_a_too_large_request_names_the_limit_of_its_own_route(error_client: AsyncTestClient) -> None:
    response = await post_form(error_client, "/_test/small-form", {"x": "y" * 3_500_000})
    assert response.status_code == 413
    assert "The request is larger than the server accepts (3 MB)." in response.text


async def test_nul_bytes_in_the_address_are_refused_before_any_handler(error_client: AsyncTestClient) -> None:
    page = await error_client.get("/login?next=%00")
    assert page.status_code == 400 and "The address contains a character that is not allowed (NUL)." in page.text
    api = await error_client.get("/api/v1/me?x=%00")
    assert api.status_code == 400 and api.json()["error"] == "http_400"


async def test_malformed_json_gets_one_translated_message(error_client: AsyncTestClient) -> None:
    from tests.conftest import csrf_token

    headers = {"content-type": "application/json", "x-csrftoken": await csrf_token(error_client), "accept": "application/json"}
    for body in (b"[1]", b'{"email": "x', b'"text"'):
        response = await error_client.post("/api/v1/auth/login", content=body, headers=headers)
        assert response.status_code == 400, body
        assert response.json() == {
            "error": response.json()["error"],
            "detail": "The request body could not be read: send a JSON object with the documented fields.",
            "fields": {},
        }, body
    deep = await error_client.post("/api/v1/auth/login", content=b"[" * 100_000 + b"]" * 100_000, headers=headers)
    assert deep.status_code == 400 and deep.json()["error"] == "invalid_request"


async def test_login_redirect_keeps_the_query_of_a_page(error_client: AsyncTestClient) -> None:
    response = await error_client.get("/staff/users?q=kim&page=2", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff/users%3Fq%3Dkim%26page%3D2"
    form = await error_client.get(response.headers["location"])
    assert '<input type="hidden" name="next" value="/staff/users?q=kim&amp;page=2">' in form.text


async def test_a_guarded_post_sends_back_to_the_page_the_form_was_on(error_client: AsyncTestClient) -> None:
    from tests.factories.accounts import create_user

    user = await create_user()
    same_site = await post_form(error_client, "/account/delete", {"password": "x"}, follow_redirects=False,
                                headers={"referer": "http://testserver.local/account?tab=delete"})
    assert same_site.headers["location"] == "/login?next=/account%3Ftab%3Ddelete"
    other_site = await post_form(error_client, "/account/delete", {"password": "x"}, follow_redirects=False,
                                 headers={"referer": "https://evil.example/account"})
    assert other_site.headers["location"] == "/login?next=/dashboard"
    htmx = await post_form(error_client, "/account/consents/marketing", {"given": "yes"}, htmx=True,
                           headers={"hx-current-url": "http://testserver.local/account"})
    assert htmx.headers["hx-redirect"] == "/login?next=/account"
    done = await post_form(error_client, "/login", {"email": user["email"], "password": user["password"], "next": "/account?tab=delete"},
                           follow_redirects=False)
    assert done.headers["location"] == "/account?tab=delete"


async def test_the_language_switch_drops_a_next_that_is_too_long(error_client: AsyncTestClient) -> None:
    response = await post_form(error_client, "/locale", {"locale": "ko", "next": "/" + "a" * 2500}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert '<html lang="ko">' in (await error_client.get("/")).text
