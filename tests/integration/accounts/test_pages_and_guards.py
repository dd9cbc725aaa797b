"""The dashboard, the language switch, guards, CSRF, and the OpenAPI document."""

from __future__ import annotations

import pytest
from httpx import AsyncClient as AsyncTestClient

from hubcity.db.tables import User
from tests.conftest import csrf_token, post_form
from tests.factories.accounts import create_org, create_user, login, signup_data


async def test_dashboard_full_and_fragment(client: AsyncTestClient) -> None:
    owner = await create_user(name="Owner Park")
    member = await create_user()
    org = await create_org("corporate", owner=owner, members=[member], name_en="Bada Mobility")
    await login(client, owner["email"], owner["password"])
    full = await client.get("/dashboard")
    assert full.status_code == 200 and "<html" in full.text
    assert "Hello, Owner Park" in full.text and "Bada Mobility" in full.text
    assert "Corporation" in full.text and "Owner" in full.text and "2 members" in full.text
    assert f'href="/organisations/{org["id"]}"' in full.text and 'href="/account"' in full.text
    assert 'href="/staff"' not in full.text
    fragment = await client.get("/dashboard", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Bada Mobility" in fragment.text


async def test_staff_see_the_staff_link(client: AsyncTestClient) -> None:
    staff = await create_user(roles=("finance",))
    await login(client, staff["email"], staff["password"])
    page = await client.get("/dashboard")
    assert page.status_code == 200
    assert 'href="/staff" role="button"' in page.text and "Finance" in page.text


async def test_locale_switch_for_a_visitor(client: AsyncTestClient) -> None:
    assert '<html lang="en">' in (await client.get("/")).text  # the tests' default
    response = await post_form(
        client, "/locale", {"locale": "ko", "next": "/login?next=/account"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/account"
    assert '<html lang="ko">' in (await client.get("/login")).text
    back = await post_form(client, "/locale", {"locale": "en", "next": "https://evil.example/"}, follow_redirects=False)
    assert back.headers["location"] == "/"
    assert '<html lang="en">' in (await client.get("/")).text
    bad = await post_form(client, "/locale", {"locale": "fr", "next": "/"})
    assert bad.status_code == 422 and "Language must be one of" in bad.text


async def test_locale_switch_is_saved_on_the_user(client: AsyncTestClient) -> None:
    user = await create_user(locale="en")
    await login(client, user["email"], user["password"])
    await post_form(client, "/locale", {"locale": "ko", "next": "/dashboard"})
    row = await User.select(User.locale).where(User.id == user["id"]).first().run()
    assert row["locale"] == "ko"
    await post_form(client, "/logout", {})
    await login(client, user["email"], user["password"])  # a new session starts in the saved language
    assert '<html lang="ko">' in (await client.get("/dashboard")).text


@pytest.mark.parametrize("path", ["/dashboard", "/account", "/organisations/1"])
async def test_pages_send_anonymous_visitors_to_login(client: AsyncTestClient, path: str) -> None:
    response = await client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/login?next={path}"
    htmx = await client.get(path, headers={"HX-Request": "true"}, follow_redirects=False)
    assert htmx.headers.get("hx-redirect") == f"/login?next={path}"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/me/consents"),
        ("GET", "/api/v1/organisations/1"),
        ("PATCH", "/api/v1/me"),
    ],
)
async def test_api_answers_401_json_to_anonymous(client: AsyncTestClient, method: str, path: str) -> None:
    token = await csrf_token(client)
    response = await client.request(method, path, json={}, headers={"x-csrftoken": token})
    assert response.status_code == 401
    assert response.json()["error"] == "http_401" and set(response.json()) == {"error", "detail", "fields"}


async def test_form_post_without_csrf_is_refused(client: AsyncTestClient) -> None:
    await client.get("/signup")
    response = await client.post("/signup", data=signup_data())
    assert response.status_code == 403
    assert await User.count().run() == 0
    user = await create_user()
    login_response = await client.post("/login", data={"email": user["email"], "password": user["password"]})
    assert login_response.status_code == 403
    assert (await client.get("/dashboard", follow_redirects=False)).status_code == 303


async def test_api_post_without_csrf_header_is_refused(client: AsyncTestClient) -> None:
    user = await create_user()
    await client.get("/")
    response = await client.post("/api/v1/auth/login", json={"email": user["email"], "password": user["password"]})
    assert response.status_code == 403
    assert response.json()["error"] == "http_403"
    wrong = await client.post(
        "/api/v1/auth/login",
        json={"email": user["email"], "password": user["password"]},
        headers={"x-csrftoken": "forged"},
    )
    assert wrong.status_code == 403
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_openapi_documents_the_accounts_api(client: AsyncTestClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    for path, method in [
        ("/api/v1/auth/signup", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/me", "patch"),
        ("/api/v1/me/consents", "get"),
        ("/api/v1/me/consents/{purpose}", "put"),
        ("/api/v1/organisations/{org_id}", "get"),
        ("/api/v1/organisations/{org_id}/invitations", "post"),
    ]:
        assert paths[path][method]["tags"] == ["accounts"], (path, method)
    signup_body = paths["/api/v1/auth/signup"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"email", "password", "kind", "business_registration_number", "consent_collection"} <= set(
        signup_body["properties"]
    )
    assert "email" in signup_body["required"]
    assert "422" in paths["/api/v1/auth/signup"]["post"]["responses"]
    assert not any(
        path.startswith(("/signup", "/login", "/account", "/dashboard")) for path in paths
    )  # pages are not API
