"""Issue 3's walk-through in a real browser, in Korean: a startup onboards through every step
(logo included), a corporation posts a public partner need, and a visitor finds the startup in
the directory with a sector filter and a Korean keyword typed into the live keyword box."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from PIL import Image

from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
# Well-formed registration numbers (the demo's, which this fresh database does not hold).
STARTUP_BRN = "305-87-04687"
CORPORATION_BRN = "314-81-07920"


def _sign_up(page, base: str, *, kind: str, email: str, name: str, org_ko: str, org_en: str, brn: str) -> None:
    page.goto(f"{base}/signup?kind={kind}")
    page.fill("#field-email", email)
    page.fill("#field-name", name)
    page.fill("#field-password", PASSWORD)
    page.fill("#field-password_confirm", PASSWORD)
    page.select_option("#field-kind", kind)
    page.fill("#field-org_name_ko", org_ko)
    page.fill("#field-org_name_en", org_en)
    page.fill("#field-business_registration_number", brn)
    page.check("#field-consent_collection")
    page.check("#field-consent_third_party_provision")
    page.locator('[data-testid="signup-form"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/(dashboard|startups/onboarding)"))


def _in_korean(page, base: str) -> None:
    """Switch the interface to Korean (logging out forgets the session's language)."""
    page.goto(f"{base}/")
    if page.locator("html").get_attribute("lang") != "ko":
        page.click('[data-testid="language-ko"]')
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ko"


def _save_step(page, step: int) -> None:
    """Submit onboarding step ``step`` (HTMX) and wait for the next one to be shown."""
    page.locator(f'form[data-onboarding-step="{step}"] button[type="submit"]').click()
    page.wait_for_selector(f'#onboarding[data-step="{step + 1}"]')


def test_onboard_in_korean_post_a_need_and_find_the_startup(live_server: str, browser_page, tmp_path: Path) -> None:
    page = browser_page
    suffix = secrets.token_hex(3)
    startup_name = f"배터리온{suffix}"

    # -- Korean, then sign up a new startup -------------------------------------------------------
    _in_korean(page, live_server)
    _sign_up(
        page, live_server, kind="startup", email=f"founder-{suffix}@example.com", name="박지우",
        org_ko=startup_name, org_en="", brn=STARTUP_BRN,
    )

    # -- onboarding, every step -------------------------------------------------------------------
    page.goto(f"{live_server}/startups/onboarding")
    page.wait_for_selector('#onboarding[data-step="1"]')
    assert "스타트업" in page.locator("h1").inner_text()
    page.fill("#field-name_ko", startup_name)
    page.fill("#field-website", f"https://battery-on-{suffix}.example")
    page.fill("#field-location", "한빛시 새빛구")
    page.select_option("#field-country", "kr")
    page.fill("#field-founded_on", "2022-04-01")
    page.fill("#field-team_size", "8")
    page.screenshot(path=str(ARTIFACTS / "onboarding-step1-ko.png"), full_page=True)
    _save_step(page, 1)

    page.fill("#field-one_liner_ko", "폐배터리 잔존 수명을 10분 만에 판정하는 진단 AI")
    page.fill("#field-description_ko", "충전 데이터만으로 전기차 폐배터리의 재사용 등급을 판정합니다.")
    _save_step(page, 2)

    page.check('#field-sectors input[value="energy"]')
    page.check('#field-technologies input[value="forecasting"]')
    page.select_option("#field-stage", "seed")
    page.screenshot(path=str(ARTIFACTS / "onboarding-step3-ko.png"), full_page=True)
    _save_step(page, 3)

    page.fill("#field-funding_raised", "300000000")
    page.fill("#field-investors", "한빛창업투자")
    page.fill("#field-customers", "다온렌터카")
    page.check('#field-target_markets input[value="kr"]')
    _save_step(page, 4)

    page.fill("#field-needs_ko", "ESS 실증 현장이 필요합니다.")
    page.fill("#field-offers_ko", "배터리 등급 판정 API를 제공합니다.")
    _save_step(page, 5)

    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (20, 110, 200)).save(logo, "PNG")
    page.set_input_files("#field-logo", str(logo))
    page.screenshot(path=str(ARTIFACTS / "onboarding-logo-ko.png"), full_page=True)
    page.locator('form[data-onboarding-step="6"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/startups/\d+$"))
    profile_url = page.url
    profile = page.content()
    assert startup_name in profile and "폐배터리 잔존 수명을 10분 만에 판정하는 진단 AI" in profile
    assert page.locator('img[src*="/uploads/logos/"]').count() >= 1, "the uploaded logo is not shown"
    page.screenshot(path=str(ARTIFACTS / "startup-profile-ko.png"), full_page=True)

    page.locator('nav form[action="/logout"] button').click()
    page.wait_for_load_state()
    assert page.locator('nav a[href="/login"]').is_visible()

    # -- a corporation posts a public, open partner need -------------------------------------------
    _in_korean(page, live_server)
    _sign_up(
        page, live_server, kind="corporate", email=f"partner-{suffix}@example.com", name="오지훈",
        org_ko=f"한빛모터스{suffix}", org_en="", brn=CORPORATION_BRN,
    )
    page.goto(f"{live_server}/dashboard")
    org_href = page.locator('a[href^="/organisations/"]').first.get_attribute("href")
    org_id = int(re.search(r"/organisations/(\d+)", org_href or "").group(1))
    page.goto(f"{live_server}/corporates/{org_id}/needs/new")
    need_title = f"폐배터리 재사용 등급 판정 기술검증 {suffix}"
    page.fill("#field-title_ko", need_title)
    page.fill("#field-description_ko", "전기차 폐배터리 500개의 재사용 등급을 판정할 스타트업을 찾습니다.")
    page.check('#field-sectors input[value="energy"]')
    page.check('#field-technologies input[value="forecasting"]')
    page.select_option("#field-engagement_type", "poc")
    page.fill("#field-budget_min", "30,000,000")
    page.fill("#field-budget_max", "80,000,000")
    page.check('input[name="visibility"][value="public"]')
    page.locator('[data-testid="need-form"] button[name="status"][value="open"]').click()
    page.wait_for_url(re.compile(r"/needs/\d+$"))
    need_url = page.url
    assert need_title in page.content()
    page.screenshot(path=str(ARTIFACTS / "partner-need-ko.png"), full_page=True)

    # -- the directory: a sector filter, then a Korean keyword typed into the live box -------------
    page.goto(f"{live_server}/directory/startups")
    page.locator('details[data-filter="sector"] summary').click()
    with page.expect_response(lambda r: "/directory/startups" in r.url and "sector=energy" in r.url):
        page.check('#filter-sector input[value="energy"]')
    with page.expect_response(lambda r: "/directory/startups" in r.url and "q=" in r.url):
        # fill() types the whole word and fires one input event (Chromium's key-by-key insertion of
        # Hangul syllables moves the caret, so press_sequentially would type them reversed).
        page.locator("#filter-q").fill("폐배터리")
    results = page.locator("#directory-results")
    results.get_by_text(startup_name).first.wait_for()
    assert "sector=energy" in page.url and "q=" in page.url, page.url
    assert page.locator("html").get_attribute("lang") == "ko"
    profile_id = profile_url.rsplit("/", 1)[-1]
    assert results.locator(f'a[href="/startups/{profile_id}"]').count() >= 1
    page.screenshot(path=str(ARTIFACTS / "directory-startups-ko.png"), full_page=True)

    # A keyword that matches nothing empties the results without reloading the page.
    page.locator("#filter-q").fill("존재하지않는키워드")
    results.get_by_text(startup_name).first.wait_for(state="detached")

    # -- the corporation's need → the startups that fit it, with the reasons (issue 4) -------------
    need_id = int(re.search(r"/needs/(\d+)", need_url).group(1))
    page.goto(f"{live_server}/needs/{need_id}/matches")
    card = page.locator(f'#match-results article[data-startup="{profile_id}"]')
    card.wait_for(timeout=60_000)
    assert card.locator('[data-testid="reasons"]').count() == 1
    card.locator('[data-testid="reasons"] summary').click()
    assert card.locator('[data-reason="similarity"]').is_visible()
    page.screenshot(path=str(ARTIFACTS / "need-matches-ko.png"), full_page=True)
    with page.expect_response(lambda r: f"/needs/{need_id}/shortlist/{profile_id}" in r.url):
        card.locator('[data-testid="shortlist-button"]').click()
    assert card.locator('[data-testid="shortlist-button"][aria-pressed="true"]').count() == 1

