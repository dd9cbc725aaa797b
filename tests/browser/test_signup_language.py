"""Issue 2's walk-through in a real browser: sign up as a startup (landing on its onboarding), log
out, log in, switch language."""

from __future__ import annotations

import secrets

import pytest

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_startup_signs_up_logs_out_logs_in_and_switches_language(live_server: str, browser_page) -> None:
    page = browser_page
    email = f"founder-{secrets.token_hex(3)}@example.com"
    password = "correct horse battery"

    page.goto(f"{live_server}/signup?kind=startup")
    page.fill("#field-email", email)
    page.fill("#field-name", "Ji-woo Park")
    page.fill("#field-password", password)
    page.fill("#field-password_confirm", password)
    page.fill("#field-org_name_ko", "비전모빌리티")
    page.fill("#field-org_name_en", "Vision Mobility")
    page.fill("#field-business_registration_number", "134-86-72683")
    page.check("#field-consent_collection")
    page.check("#field-consent_third_party_provision")
    page.get_by_role("button", name="Sign up", exact=False).last.click()
    # a new startup goes straight to describing itself (no imported profile has its name)
    page.wait_for_url(f"{live_server}/startups/onboarding")
    assert page.locator('[data-step="1"]').is_visible()
    page.goto(f"{live_server}/dashboard")
    assert "Vision Mobility" in page.content()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").first.is_visible()

    page.goto(f"{live_server}/login")
    page.fill("#field-email", email)
    page.fill("#field-password", "a wrong password")
    page.get_by_role("button", name="Log in").last.click()
    assert page.locator('[role="alert"], .field-error').first.is_visible()

    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.get_by_role("button", name="Log in").last.click()
    page.wait_for_url(f"{live_server}/dashboard")
    english = page.content()
    assert "Dashboard" in english

    page.click('[data-testid="language-ko"]')
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"
    korean_nav = page.locator("nav").inner_text()
    assert "로그아웃" in korean_nav, korean_nav
    assert "Log out" not in korean_nav
    page.screenshot(path=str(ARTIFACTS / "signup-dashboard-ko.png"), full_page=True)

    page.reload()
    assert page.locator("html").get_attribute("lang") == "ko", "the language choice was not remembered"
