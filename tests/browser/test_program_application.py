"""Issue 5's walk-through in a real browser.

A program manager (``hubcity create-staff``) creates a program through the pages, builds its form
(long text, number, single choice, a required PDF) with the HTMX builder, sets eligibility rules
and publishes it. A startup whose browser is in America/New_York (the program's zone is
Asia/Seoul) sees the call with its deadline named in both zones and a ticking countdown, is told
which rule it fails, fixes its profile, starts, fills part of the form (autosaved, "Saved at"),
has its session ended from another tab (the next autosave says so and keeps the typed text),
comes back in a second session to find what was saved, finishes, uploads a PDF and submits (the
timeline shows it). The submitted application is then shown in Korean. The manager finds it in the
program's list and exports it as CSV and XLSX, both parsed. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import ARTIFACTS, run_hubcity

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
PROGRAM_ZONE = ZoneInfo("Asia/Seoul")
VIEWER_ZONE = "America/New_York"
# The smallest file the server sniffs as a PDF (``%PDF-`` within the first bytes).
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# Pairs of labels whose boxes cross (text running into the next column): [[text, text], ...].
OVERLAPPING_LABELS = """labels => {
  const boxes = labels.map(label => [label.textContent.trim(), label.getBoundingClientRect()]);
  const crossing = [];
  boxes.forEach(([a, p], i) => boxes.slice(i + 1).forEach(([b, q]) => {
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1) crossing.push([a, b]);
  }));
  return crossing;
}"""


def _new_page(browser, *, timezone_id: str = "Asia/Seoul"):
    """A page in a fresh context (its own cookies: a separate session)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=timezone_id, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _log_in(page, base: str, email: str, next_path: str) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#field-email", email)
    page.fill("#field-password", PASSWORD)
    page.locator('form[action^="/login"] button[type="submit"]').click()
    page.wait_for_url(f"{base}{next_path}")


def _registration_number() -> str:
    """A well-formed business registration number no other browser test uses (the number is unique)."""
    from hubcity.accounts.registration_numbers import nts_check_digit

    first = f"2{secrets.randbelow(100):02d}86{secrets.randbelow(10_000):04d}"
    return f"{first[:3]}-{first[3:5]}-{first[5:]}{nts_check_digit(first)}"


def _in_zone(instant: datetime, zone: ZoneInfo) -> str:
    local = instant.astimezone(zone)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()} ({zone.key})"


def _seconds_left(text: str) -> int:
    """``10 days 04:05:06 left`` (the countdown's text) in seconds."""
    match = re.fullmatch(r"(\d+) days (\d\d):(\d\d):(\d\d) left", text.strip())
    assert match, text
    days, hours, minutes, seconds = map(int, match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _htmx_post(page, path_part: str):
    return page.expect_response(lambda r: r.request.method == "POST" and path_part in r.url)


def test_manager_publishes_a_program_and_a_startup_applies_over_two_sessions(
    live_server: str, live_env: dict[str, str], browser, tmp_path: Path
) -> None:
    base = live_server
    suffix = secrets.token_hex(3)
    title_en = f"AI Seed Fund {suffix}"
    title_ko = f"AI 시드 지원사업 {suffix}"
    startup_name = f"Battery On {suffix}"

    # The deadline: ten days from now at 18:00 in the program's zone (Seoul).
    now_seoul = datetime.now(PROGRAM_ZONE)
    opens = (now_seoul - timedelta(days=1)).replace(second=0, microsecond=0)
    closes = (now_seoul + timedelta(days=10)).replace(hour=18, minute=0, second=0, microsecond=0)

    # == the program manager ==========================================================================
    manager_email = f"pm-{suffix}@example.com"
    run_hubcity(live_env, "create-staff", "--email", manager_email, "--name", "Min-ji Kang",
                "--role", "program_manager", "--password", PASSWORD, "--locale", "en")
    manager = _new_page(browser)
    _log_in(manager, base, manager_email, "/staff/programs/new")

    manager.fill("#field-title_ko", title_ko)
    manager.fill("#field-title_en", title_en)
    manager.fill("#field-summary_en", "Seed money for AI startups in the city.")
    manager.fill("#field-description_en", "Up to 50 million won for early AI startups.")
    manager.select_option("#field-kind", "fund")
    manager.fill("#field-family", "ai-seed-fund")
    manager.fill("#field-time_zone", PROGRAM_ZONE.key)
    manager.fill("#field-opens_at", f"{opens:%Y-%m-%dT%H:%M}")
    manager.fill("#field-closes_at", f"{closes:%Y-%m-%dT%H:%M}")
    manager.fill("#field-budget", "500000000")
    manager.fill("#field-max_award", "50000000")
    manager.fill("#field-currency", "KRW")
    manager.fill("#field-capacity", "10")
    manager.locator('[data-testid="program-form"] button[type="submit"]').click()
    manager.wait_for_url(re.compile(r"/staff/programs/\d+$"))
    program_id = int(manager.url.rsplit("/", 1)[-1])
    assert manager.locator('[data-testid="closes-at"]').inner_text() == _in_zone(closes, PROGRAM_ZONE)

    # -- the form builder: each button re-renders the builder through HTMX ---------------------------
    manager.goto(f"{base}/staff/programs/{program_id}/form")
    builder = manager.locator('[data-testid="form-builder"]')

    def set_type(index: int, kind: str) -> None:
        with _htmx_post(manager, f"/staff/programs/{program_id}/form"):
            manager.select_option(f"#field-fields-{index}-type", kind)
        manager.locator(f'fieldset[data-field-index="{index}"] #field-fields-{index}-key').wait_for()

    def add_question(kind: str) -> None:
        count = builder.locator("fieldset.builder-field").count()
        manager.select_option("#field-_new_type", kind)
        with _htmx_post(manager, f"/staff/programs/{program_id}/form"):
            manager.locator('[data-testid="add-field"]').click()
        manager.locator(f'fieldset[data-field-index="{count}"]').wait_for()

    set_type(0, "long_text")
    manager.fill("#field-fields-0-key", "summary")
    manager.fill("#field-fields-0-label_ko", "사업 요약")
    manager.fill("#field-fields-0-label_en", "Business summary")
    manager.check("#field-fields-0-required")
    manager.fill("#field-fields-0-max_length", "2000")

    add_question("number")
    manager.fill("#field-fields-1-key", "employees")
    manager.fill("#field-fields-1-label_ko", "직원 수")
    manager.fill("#field-fields-1-label_en", "Employees")
    manager.check("#field-fields-1-required")
    manager.fill("#field-fields-1-min", "1")
    manager.fill("#field-fields-1-max", "500")

    add_question("single_choice")
    manager.fill("#field-fields-2-key", "track")
    manager.fill("#field-fields-2-label_ko", "지원 분야")
    manager.fill("#field-fields-2-label_en", "Track")
    manager.check("#field-fields-2-required")
    manager.fill("#field-fields-2-choices", "energy | 에너지 | Energy\nmobility | 모빌리티 | Mobility")

    add_question("file")
    manager.fill("#field-fields-3-key", "deck")
    manager.fill("#field-fields-3-label_ko", "사업계획서")
    manager.fill("#field-fields-3-label_en", "Pitch deck")
    manager.check("#field-fields-3-required")
    manager.fill("#field-fields-3-max_files", "1")
    manager.check('#field-fields-3-allowed_types input[value="application/pdf"]')
    # The long MIME type names stay inside their own column (they used to run over each other).
    overlaps = manager.eval_on_selector_all("#field-fields-3-allowed_types > label", OVERLAPPING_LABELS)
    assert overlaps == [], overlaps
    # Typed values survive the HTMX re-renders of the earlier questions.
    assert manager.input_value("#field-fields-0-label_en") == "Business summary"
    assert manager.input_value("#field-fields-2-choices").startswith("energy | 에너지")

    manager.locator('[data-testid="save-form"]').click()  # HTMX answers with HX-Redirect to the builder
    manager.wait_for_selector('[data-testid="version-note"]')
    manager.get_by_text("The form is saved (version 1)").wait_for()
    assert builder.locator("fieldset.builder-field").count() == 4
    manager.screenshot(path=str(ARTIFACTS / "program-form-builder.png"), full_page=True)

    # -- eligibility rules ---------------------------------------------------------------------------
    manager.goto(f"{base}/staff/programs/{program_id}/eligibility")
    manager.check("#field-rule-founded_within_years-on")
    manager.fill("#field-rule-founded_within_years-years", "7")
    manager.check("#field-rule-sectors-on")
    manager.fill("#field-rule-sectors-values", "energy, mobility")
    manager.check("#field-rule-team_size-on")
    manager.fill("#field-rule-team_size-min", "1")
    manager.fill("#field-rule-team_size-max", "50")
    manager.check("#field-rule-one_application_per_startup-on")
    manager.locator('[data-testid="eligibility-form"] button[type="submit"]').click()
    manager.wait_for_url(f"{base}/staff/programs/{program_id}/eligibility")
    manager.get_by_text("The eligibility rules are saved.").wait_for()
    assert manager.is_checked("#field-rule-sectors-on")

    # -- publish -------------------------------------------------------------------------------------
    manager.goto(f"{base}/staff/programs/{program_id}")
    manager.locator(f'form[action="/staff/programs/{program_id}/publish"] button').click()
    manager.wait_for_url(f"{base}/staff/programs/{program_id}")
    assert manager.locator('[data-testid="program-status"]').inner_text() == "Published"
    assert manager.locator('[data-testid="refusal"]').count() == 0
    manager.screenshot(path=str(ARTIFACTS / "program-published.png"), full_page=True)

    # == the startup, in New York =====================================================================
    startup_email = f"founder-{suffix}@example.com"
    startup = _new_page(browser, timezone_id=VIEWER_ZONE)
    startup.goto(f"{base}/signup?kind=startup")
    startup.fill("#field-email", startup_email)
    startup.fill("#field-name", "Ji-woo Park")
    startup.fill("#field-password", PASSWORD)
    startup.fill("#field-password_confirm", PASSWORD)
    startup.select_option("#field-kind", "startup")
    startup.fill("#field-org_name_ko", f"배터리온{suffix}")
    startup.fill("#field-org_name_en", startup_name)
    startup.fill("#field-business_registration_number", _registration_number())
    startup.check("#field-consent_collection")
    startup.check("#field-consent_third_party_provision")
    startup.locator('[data-testid="signup-form"] button[type="submit"]').click()
    startup.wait_for_url(re.compile(r"/(dashboard|startups/onboarding)"))

    # Onboarding: the details the eligibility rules read (founded, team size, sector).
    startup.goto(f"{base}/startups/onboarding")
    startup.wait_for_selector('#onboarding[data-step="1"]')
    startup.fill("#field-name_en", startup_name)
    startup.fill("#field-name_ko", f"배터리온{suffix}")
    startup.fill("#field-location", "Hanbit City")
    startup.select_option("#field-country", "kr")
    startup.fill("#field-founded_on", f"{now_seoul.year - 2}-04-01")
    startup.fill("#field-team_size", "8")
    startup.locator('form[data-onboarding-step="1"] button[type="submit"]').click()
    startup.wait_for_selector('#onboarding[data-step="2"]')
    startup.fill("#field-one_liner_en", "Grades used EV batteries in ten minutes")
    startup.locator('form[data-onboarding-step="2"] button[type="submit"]').click()
    startup.wait_for_selector('#onboarding[data-step="3"]')  # sectors not given yet

    # -- the call list: the deadline in Seoul's time and in New York's, named ------------------------
    startup.goto(f"{base}/calls")
    # calls.js stores the browser's zone in the ``tz`` cookie and reloads once so the server uses it.
    startup.wait_for_selector(f'[data-testid="zone-note"][data-viewer-zone="{VIEWER_ZONE}"]')
    call = startup.locator(f'article.call[data-call="{program_id}"]')
    assert call.get_attribute("data-state") == "open"
    assert title_en in call.locator("h2").inner_text()
    program_text = call.locator('[data-testid="deadline-program"]').inner_text()
    viewer_text = call.locator('[data-testid="deadline-viewer"]').inner_text()
    assert program_text == _in_zone(closes, PROGRAM_ZONE), program_text
    assert viewer_text == _in_zone(closes, ZoneInfo(VIEWER_ZONE)), viewer_text
    assert "(Asia/Seoul)" in program_text and f"({VIEWER_ZONE})" in viewer_text
    assert VIEWER_ZONE in startup.locator('[data-testid="zone-note"]').inner_text()

    # -- the countdown ticks in the browser ----------------------------------------------------------
    countdown = call.locator('[data-testid="countdown"]')
    first = _seconds_left(countdown.inner_text())
    startup.wait_for_timeout(2_100)  # the one fixed wait: let the script tick twice
    second = _seconds_left(countdown.inner_text())
    assert 1 <= first - second <= 4, (first, second)  # ticking down, second by second
    assert abs(first - (closes - datetime.now(PROGRAM_ZONE)).total_seconds()) < 60
    startup.screenshot(path=str(ARTIFACTS / "calls-list-new-york.png"), full_page=True)

    # -- eligibility check: the sector rule fails, named, until the profile gives a sector ------------
    call.locator("h2 a").click()
    startup.wait_for_url(f"{base}/calls/{program_id}")
    startup.locator('[data-testid="apply-link"]').click()
    startup.wait_for_url(f"{base}/calls/{program_id}/apply")
    failing = startup.locator('tr[data-rule="sectors"]')
    assert failing.get_attribute("data-passed") == "no"
    assert "Works in an eligible sector" in failing.inner_text()
    assert startup.locator('tr[data-rule][data-passed="no"]').count() == 1
    assert startup.locator('[data-testid="not-eligible"]').is_visible()
    assert startup.locator('[data-testid="start"]').count() == 0
    startup.screenshot(path=str(ARTIFACTS / "application-not-eligible.png"), full_page=True)

    startup.goto(f"{base}/startups/onboarding?step=3")
    startup.wait_for_selector('#onboarding[data-step="3"]')
    startup.check('#field-sectors input[value="energy"]')
    startup.select_option("#field-stage", "seed")
    startup.locator('form[data-onboarding-step="3"] button[type="submit"]').click()
    startup.wait_for_selector('#onboarding[data-step="4"]')

    startup.goto(f"{base}/calls/{program_id}/apply")
    rules = startup.locator('[data-testid="eligibility"] tr[data-rule]')
    assert rules.count() == 4
    for key in ("founded_within_years", "sectors", "team_size", "one_application_per_startup"):
        assert startup.locator(f'tr[data-rule="{key}"]').get_attribute("data-passed") == "yes", key
    assert "8" in startup.locator('tr[data-rule="team_size"]').inner_text()
    startup.screenshot(path=str(ARTIFACTS / "application-eligibility.png"), full_page=True)
    startup.locator('[data-testid="start"]').click()
    startup.wait_for_url(re.compile(r"/applications/\d+$"))
    application_url = startup.url
    application_id = int(application_url.rsplit("/", 1)[-1])
    assert startup.locator('[data-testid="application"]').get_attribute("data-status") == "draft"

    # -- part of the form, autosaved as they type ----------------------------------------------------
    summary_text = "We grade used EV batteries for reuse from charging data alone.\nPilots with two rental fleets."
    summary = startup.locator("#field-summary")
    summary.fill(summary_text)
    with _htmx_post(startup, f"/applications/{application_id}/autosave") as saved:
        summary.press("End")  # a keyup: the form saves 1.5 s after the typing stops
    assert saved.value.status == 200
    status = startup.locator('[data-testid="autosave-status"] [data-testid="saved"]')
    status.wait_for()
    assert re.search(r"Saved at \d\d:\d\d", status.inner_text()), status.inner_text()
    assert VIEWER_ZONE in status.inner_text()
    with _htmx_post(startup, f"/applications/{application_id}/autosave") as saved:
        startup.fill("#field-employees", "8")
        startup.locator("#field-employees").blur()  # leaving the field: a change event
    assert saved.value.status == 200
    startup.wait_for_function(
        "rev => document.querySelector('[data-testid=saved]')?.dataset.revision !== rev",
        arg=status.get_attribute("data-revision"),
    )
    startup.screenshot(path=str(ARTIFACTS / "application-autosaved.png"), full_page=True)

    # The session ends (logged out from another tab) while the form is open: the next autosave is
    # refused with a message, and what was typed stays in the page.
    other_tab = startup.context.new_page()
    other_tab.goto(f"{base}/dashboard")
    other_tab.get_by_role("button", name="Log out").click()
    other_tab.wait_for_load_state()
    assert other_tab.get_by_role("link", name="Log in").first.is_visible()
    with _htmx_post(startup, f"/applications/{application_id}/autosave") as refused:
        summary.press_sequentially(" Unsaved.")
    assert refused.value.status == 401
    startup.locator('[data-testid="autosave-status"] [data-testid="expired"]').wait_for()
    assert startup.input_value("#field-summary") == summary_text + " Unsaved."
    startup.screenshot(path=str(ARTIFACTS / "application-session-ended.png"), full_page=True)
    startup.context.close()

    # == the startup's second session: the answers are still there ====================================
    startup = _new_page(browser, timezone_id=VIEWER_ZONE)
    _log_in(startup, base, startup_email, "/applications")
    startup.locator(f'tr[data-application="{application_id}"] a').click()
    startup.wait_for_url(application_url)
    assert startup.input_value("#field-summary") == summary_text
    assert startup.input_value("#field-employees") == "8"
    assert "Last saved:" in startup.locator('[data-testid="autosave-status"]').inner_text()

    # Submitting before the required file is there names what is missing.
    with _htmx_post(startup, f"/applications/{application_id}/autosave"):
        startup.select_option('select[name="q-track"]', "energy")
    startup.locator('[data-testid="saved"]').wait_for()
    startup.locator('[data-testid="submit"]').click()
    startup.wait_for_load_state()
    assert startup.locator('[data-testid="application"]').get_attribute("data-status") == "draft"
    assert startup.locator('[data-error-summary] li[data-field="deck"]').count() == 1

    # Upload the PDF (HTMX multipart), then submit.
    pdf = tmp_path / "pitch-deck.pdf"
    pdf.write_bytes(PDF)
    files = startup.locator("#files-deck")
    startup.set_input_files("#upload-deck", str(pdf))
    with _htmx_post(startup, f"/applications/{application_id}/files/deck") as uploaded:
        files.locator('button[type="submit"]').click()
    assert uploaded.value.status == 200
    startup.locator('#files-deck li[data-file] a', has_text="pitch-deck.pdf").wait_for()
    startup.screenshot(path=str(ARTIFACTS / "application-file-uploaded.png"), full_page=True)

    startup.locator('[data-testid="submit"]').click()
    startup.wait_for_url(application_url)
    article = startup.locator('[data-testid="application"]')
    assert article.get_attribute("data-status") == "submitted", startup.locator("main").inner_text()[:2000]
    assert startup.locator('[data-testid="status"]').inner_text() == "Submitted"
    timeline = startup.locator('[data-testid="timeline"]')
    assert timeline.locator('li[data-status="submitted"]').count() == 1
    assert "Submitted" in timeline.locator('li[data-status="submitted"]').inner_text()
    assert startup.locator('[data-testid="submit"]').count() == 0
    startup.screenshot(path=str(ARTIFACTS / "application-submitted.png"), full_page=True)

    # -- the same application in Korean --------------------------------------------------------------
    startup.click('[data-testid="language-ko"]')
    startup.wait_for_load_state()
    assert startup.locator("html").get_attribute("lang") == "ko"
    assert "로그아웃" in startup.locator("nav").inner_text()
    assert title_ko in startup.locator("h1").inner_text()
    assert "사업 요약" in startup.locator("main").inner_text()  # the question labels in Korean
    startup.screenshot(path=str(ARTIFACTS / "application-submitted-ko.png"), full_page=True)

    # == the manager: the list and the exports ========================================================
    manager.goto(f"{base}/staff/programs/{program_id}/applications")
    row = manager.locator(f'[data-testid="application-table"] tr[data-application="{application_id}"]')
    assert startup_name in row.inner_text() or f"배터리온{suffix}" in row.inner_text()
    assert row.locator('[data-status="submitted"]').count() == 1
    manager.screenshot(path=str(ARTIFACTS / "program-applications.png"), full_page=True)

    with manager.expect_download() as csv_download:
        manager.locator('[data-testid="export-csv"]').click()
    csv_path = tmp_path / "export.csv"
    csv_download.value.save_as(csv_path)
    assert csv_download.value.suggested_filename.endswith(".csv")
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read Korean
    records = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    mine = [r for r in records if r["Application"] == str(application_id)]
    assert len(mine) == 1, records
    record = mine[0]
    assert record["Startup name (English)"] == startup_name
    assert record["Status"] == "Submitted"
    assert record["Business summary"].replace("\r\n", "\n") == summary_text
    assert record["Employees"] == "8"
    assert record["Track"] == "Energy"
    assert record["Pitch deck"] == "pitch-deck.pdf"
    assert record["Link"].endswith(f"/staff/applications/{application_id}")

    with manager.expect_download() as xlsx_download:
        manager.locator('[data-testid="export-xlsx"]').click()
    xlsx_path = tmp_path / "export.xlsx"
    xlsx_download.value.save_as(xlsx_path)
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx_path).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    sheet_rows = [dict(zip(header, r, strict=True)) for r in rows if r[0] == application_id]
    assert len(sheet_rows) == 1, rows
    cells = sheet_rows[0]
    assert cells["Startup name (English)"] == startup_name
    assert cells["Status"] == "Submitted"
    assert cells["Business summary"].replace("\r\n", "\n") == summary_text
    assert cells["Employees"] == 8
    assert cells["Track"] == "Energy"
    assert cells["Pitch deck"] == "pitch-deck.pdf"
    assert cells["Link"].endswith(f"/staff/applications/{application_id}")

    startup.context.close()
    manager.context.close()
