"""Adversarial regression tests: error pages and messages in the person's language, and
redirects after login that land on a usable page."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

from httpx import AsyncClient as AsyncTestClient

from tests.conftest import post_form
from tests.factories.accounts import create_user, login, signup_data


async def test_not_found_page_follows_the_chosen_language(client: AsyncTestClient) -> None:
    """Unmatched paths (404) and wrong methods (405) never reach the context middleware: the page
    is in the context variable's default language (Korean, not even HUBCITY_DEFAULT_LOCALE, which
    is ``en`` in tests) whatever the person chose, and a logged-in person is shown the anonymous
    navigation.

    A server runs each request in a fresh context; the test does the same (the ASGI transport
    would otherwise carry the previous request's language over)."""
    user = await create_user(locale="en", name="Erin")
    await login(client, user["email"])

    async def fresh(method: str, url: str) -> Any:
        task = asyncio.get_running_loop().create_task(client.request(method, url), context=contextvars.Context())
        return await task

    not_found = await fresh("GET", "/no-such-page")
    assert not_found.status_code == 404
    assert "Page not found" in not_found.text, "the 404 page is not in the person's language (English)"
    assert 'action="/logout"' in not_found.text, "a logged-in person sees the anonymous navigation on a 404"
    wrong_method = await fresh("PUT", "/dashboard")
    assert wrong_method.status_code == 405 and 'lang="en"' in wrong_method.text


async def test_csrf_failure_page_is_translated(client: AsyncTestClient) -> None:
    """The CSRF failure (e.g. after the cookie expired) shows Litestar's English text to Korean users."""
    await post_form(client, "/locale", {"locale": "ko"})
    response = await client.post("/locale", data={"locale": "ko", "_csrf_token": "wrong"})
    assert response.status_code == 403
    assert "CSRF token verification failed" not in response.text


async def test_choice_errors_in_korean_name_the_choices_in_korean(client: AsyncTestClient) -> None:
    """``kind=agency`` answers "회사 유형 항목은 다음 중 하나여야 합니다: 'startup' or 'corporate'.":
    English "or" and raw keys in a Korean sentence."""
    await post_form(client, "/locale", {"locale": "ko"})
    response = await post_form(client, "/signup", signup_data(kind="agency"))
    assert response.status_code == 422
    assert "&#39;startup&#39; or &#39;corporate&#39;" not in response.text


async def test_api_decode_errors_are_in_the_persons_language(client: AsyncTestClient) -> None:
    """A JSON array where an object belongs answers ``"fields": {"data": "Expected `object`, got
    `array`"}`` (and invalid JSON "Input data was truncated") in English for Korean users."""
    user = await create_user(locale="ko")
    await login(client, user["email"])
    response = await client.patch(
        "/api/v1/me",
        content=b"[1]",
        headers={"content-type": "application/json", "x-csrftoken": client.cookies.get("csrftoken"), "accept": "application/json"},
    )
    assert response.status_code == 400
    assert "Expected `object`" not in response.text, response.text


async def test_login_after_a_guarded_post_does_not_land_on_405(client: AsyncTestClient) -> None:
    """A logged-out person submitting a form (e.g. their session expired on the account page) is
    sent to ``/login?next=/account/delete``; after logging in they are redirected with GET to a
    POST-only URL and get "405 Not allowed"."""
    user = await create_user()
    first = await post_form(client, "/account/delete", {"password": "x"}, follow_redirects=False)
    assert first.status_code == 303
    next_value = first.headers["location"].split("next=", 1)[1]
    done = await post_form(client, "/login", {"email": user["email"], "password": user["password"], "next": next_value})
    landing = await client.get(done.headers["location"])
    assert landing.status_code == 200, f"after login: {done.headers['location']} -> {landing.status_code}"


async def test_login_next_keeps_the_query_string(client: AsyncTestClient) -> None:
    """``/staff/users?q=kim&page=2`` while logged out sends to ``/login?next=/staff/users``: the search is lost."""
    response = await client.get("/staff/users?q=kim&page=2", follow_redirects=False)
    assert response.status_code == 303
    assert "q%3Dkim" in response.headers["location"] or "q=kim" in response.headers["location"], response.headers["location"]
