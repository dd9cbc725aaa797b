"""Issue 6's whole review cycle in a real browser, each person in their own browser context.

Set up without the pages (not this issue's subject; issue 5's browser test covers it): a
published program with two review rounds (written, then presentation) and a startup whose
application is submitted — made by a small script over the live server's database with the
factories the integration tests use (:data:`SETUP_SCRIPT`); the staff accounts with
``hubcity create-staff``.

Then, through the pages: the program manager takes the application into screening and sends it
to review from the queue, opens the written round, puts an agency reviewer on its panel and
invites an external reviewer by email with their affiliation. The invitation email is read on the
admin's outbox page (no mail server in development); the external reviewer follows its link,
creates an account, accepts the reviewer pledge; both reviewers declare no conflict and score the
application on the scorecard (the external one sees the other review only after submitting). The
manager reads the mean on the results page, closes the round and advances the application to the
presentation round with a slot, which the startup sees on its application page. The presentation
round is scored and closed; the manager previews the approval message, confirms it and offers an
award in two tranches; the startup reads the determination (also in Korean), accepts the
agreement and submits the first milestone report; the manager accepts the report and finance
pays the first tranche. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import json
import re
import secrets
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import ARTIFACTS, run_hubcity

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]
SEOUL = ZoneInfo("Asia/Seoul")
#: Written round: two criteria on different scales (mean, one advances); presentation: one criterion.
ROUNDS = [
    {"name_ko": "서면 심사", "name_en": "Written review", "kind": "written", "order": 1, "scoring": "mean", "advance": 1,
     "rubric": [
         {"key": "team", "label_ko": "팀", "label_en": "Team", "weight": 2, "scale_min": 1, "scale_max": 5},
         {"key": "market", "label_ko": "시장", "label_en": "Market", "weight": 1, "scale_min": 0, "scale_max": 10},
     ]},
    {"name_ko": "발표 심사", "name_en": "Presentation", "kind": "presentation", "order": 2, "scoring": "mean", "advance": 1,
     "rubric": [{"key": "pitch", "label_ko": "발표", "label_en": "Pitch", "weight": 1, "scale_min": 1, "scale_max": 5}]},
]
#: Run with the live server's environment: a program with :data:`ROUNDS` made by the manager
#: (argv[1]) and a startup's submitted application; prints what the test needs as JSON.
SETUP_SCRIPT = """
import asyncio, json, sys
from hubcity.cli import load_cli_settings, open_database
from hubcity.core.viewer import load_viewer
from hubcity.db.tables import User
from hubcity.programs.services import ApplicationService
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.factories.programs import create_application, create_program, create_startup

async def main():
    args = json.loads(sys.argv[1])
    async with open_database(load_cli_settings()):
        manager_id = (await User.select(User.id).where(User.email == args["manager"]).first().run())["id"]
        manager = await load_viewer(manager_id)
        program = await create_program(manager, review_rounds=args["rounds"], title_en=args["title_en"],
                                       title_ko=args["title_ko"], budget=500_000_000, max_award=50_000_000, currency="KRW")
        startup = await create_startup(name_en=args["startup_en"], name_ko=args["startup_ko"], locale="en")
        service = ApplicationService()
        made = await create_application(program, startup, service=service)
        await service.submit(made["application"]["id"], made["viewer"])
        print(json.dumps({"program": program["id"], "application": made["application"]["id"],
                          "startup_email": startup["owner"].email, "startup_password": DEFAULT_PASSWORD}))

asyncio.run(main())
"""


def _new_page(browser):
    """A page in a fresh context (its own cookies: a separate person)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id="Asia/Seoul")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _log_in(page, base: str, email: str, next_path: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#field-email", email)
    page.fill("#field-password", password)
    page.locator('form[action^="/login"] button[type="submit"]').click()
    page.wait_for_url(f"{base}{next_path}")


def _staff(env: dict[str, str], email: str, name: str, role: str) -> None:
    run_hubcity(env, "create-staff", "--email", email, "--name", name, "--role", role, "--password", PASSWORD, "--locale", "en")


def _submit(page, selector: str, url: str | re.Pattern[str]) -> None:
    """Click a submit button and wait for the page the answer redirects to."""
    page.locator(selector).click()
    page.wait_for_url(url)


def _choose(page, selector: str, text: str) -> None:
    """Select the option of ``selector`` whose label contains ``text``."""
    page.select_option(selector, page.locator(f"{selector} option", has_text=text).first.get_attribute("value"))


def _total(scores: dict[str, float], rubric: list[dict]) -> float:
    """A review's total on 0–100, as the scorecard computes it (each criterion on its own scale, weighted)."""
    weights = sum(c["weight"] for c in rubric)
    return sum(c["weight"] * (scores[c["key"]] - c["scale_min"]) / (c["scale_max"] - c["scale_min"]) for c in rubric) / weights * 100


def _score(page, base: str, application_id: int, scores: dict[str, float], recommendation: str, comment: str,
           round_name: str = "Written review") -> None:
    """As a reviewer: open the assignment from /reviewer, declare no conflict (unless done), fill and submit the scorecard."""
    page.goto(f"{base}/reviewer")
    row = page.locator('[data-testid="assignments"] tr[data-assignment]', has_text=round_name)
    row.locator(f'[data-testid="open-{application_id}"]').click()
    page.wait_for_url(f"{base}/reviewer/applications/{application_id}")
    assert f"round “{round_name}”" in page.locator("main").inner_text()
    if page.locator('[data-testid="declare"]').count():  # the conflict declaration comes first
        _submit(page, '[data-testid="no-conflict"]', f"{base}/reviewer/applications/{application_id}")
    page.locator('[data-testid="scorecard"]').wait_for()
    for key, value in scores.items():
        page.fill(f"#field-score-{key}", str(value))
    page.check(f'input[name="recommendation"][value="{recommendation}"]')
    page.fill("#field-comment", comment)
    _submit(page, '[data-testid="submit-review"]', f"{base}/reviewer/applications/{application_id}")
    own = page.locator('[data-testid="own-review"]')
    assert own.count() == 1, page.locator("main").inner_text()[:1500]
    total = _total(scores, ROUNDS[0]["rubric"] if "team" in scores else ROUNDS[1]["rubric"])
    assert f"total {total:.2f} / 100" in own.inner_text(), own.inner_text()


def _pledge(page, base: str, title: str) -> None:
    """As a reviewer on /reviewer: accept the pledge of the one panel of ``title`` not pledged yet."""
    page.goto(f"{base}/reviewer")
    panel = page.locator('[data-testid="panels"] article[data-pledged="no"]', has_text=title)
    assert panel.count() == 1, page.locator("main").inner_text()[:1500]
    panel.locator('a[data-testid^="pledge-"]').click()
    page.wait_for_url(re.compile(r"/reviewer/panels/\d+/pledge$"))
    page.check("#field-agree")
    page.locator('[data-testid="accept-pledge"]').click()
    page.wait_for_load_state()
    page.goto(f"{base}/reviewer")
    assert page.locator('[data-testid="panels"] article[data-pledged="no"]', has_text=title).count() == 0


def test_an_application_goes_through_two_rounds_to_a_paid_tranche(live_server: str, live_env: dict[str, str], browser) -> None:
    base = live_server
    suffix = secrets.token_hex(3)
    title_en, title_ko = f"Mobility Fund {suffix}", f"모빌리티 펀드 {suffix}"
    startup_en, startup_ko = f"Road Sense {suffix}", f"로드센스 {suffix}"
    manager_email, admin_email = f"pm-{suffix}@example.com", f"ops-{suffix}@example.com"
    internal_email, finance_email = f"reviewer-{suffix}@example.com", f"finance-{suffix}@example.com"
    external_email, affiliation = f"expert-{suffix}@example.org", f"Daehan Ventures {suffix}"

    # == set-up: staff accounts (CLI), the program and the submitted application (script) ==============
    _staff(live_env, manager_email, "Min-ji Kang", "program_manager")
    _staff(live_env, admin_email, "Seo-yeon Lee", "admin")
    _staff(live_env, internal_email, "Hyun-woo Cho", "reviewer")
    _staff(live_env, finance_email, "Da-eun Yoon", "finance")
    setup = subprocess.run(
        [sys.executable, "-c", SETUP_SCRIPT, json.dumps({
            "manager": manager_email, "rounds": ROUNDS, "title_en": title_en, "title_ko": title_ko,
            "startup_en": startup_en, "startup_ko": startup_ko})],
        env={**live_env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert setup.returncode == 0, setup.stderr[-3000:]
    made = json.loads(setup.stdout.strip().splitlines()[-1])
    program_id, application_id = made["program"], made["application"]

    # The new profile queues its search-index job, which the server's in-process worker runs first
    # (loading the embedding models; the server answers slowly meanwhile): let it finish, as the
    # admin's jobs page shows, before timing the pages.
    admin = _new_page(browser)
    _log_in(admin, base, admin_email, "/staff/jobs")
    for _ in range(60):
        admin.goto(f"{base}/staff/jobs", timeout=180_000)
        index_jobs = admin.locator('[data-testid="jobs-table"] tbody tr', has_text="matches.index_startup")
        if index_jobs.count() and index_jobs.locator('[data-status="queued"], [data-status="running"]').count() == 0:
            break
        admin.wait_for_timeout(1_000)
    else:
        raise AssertionError(admin.locator("main").inner_text()[:2000])

    # == the manager sends the application to review ==================================================
    manager = _new_page(browser)
    _log_in(manager, base, manager_email, f"/staff/applications/{application_id}")
    assert manager.locator('[data-testid="screening"]').get_attribute("data-status") == "submitted"
    _submit(manager, '[data-testid="move-screening"]', f"{base}/staff/applications/{application_id}")
    assert manager.locator('[data-testid="status"]').inner_text() == "Screening"

    manager.goto(f"{base}/staff/queues?program={program_id}")
    row = manager.locator(f'[data-testid="queue-table"] tr[data-application="{application_id}"]')
    assert startup_en in row.inner_text()
    with manager.expect_response(lambda r: r.request.method == "POST" and "/send-to-review" in r.url) as sent:
        row.locator('[data-testid="send-to-review"]').click()
    assert sent.value.status == 200
    manager.locator(f'#bulk-results tr[data-result="{application_id}"][data-ok="1"]').wait_for()
    manager.goto(f"{base}/staff/applications/{application_id}")
    assert manager.locator('[data-testid="screening"]').get_attribute("data-status") == "in_review"

    # -- the written round opens; its panel: an agency reviewer and an invited external one ----------
    manager.goto(f"{base}/staff/programs/{program_id}/review-rounds")
    assert manager.locator('tr[data-round-order="1"]').get_attribute("data-run-status") == "not_started"
    _submit(manager, '[data-testid="open-first"]', re.compile(r"/staff/rounds/\d+/panel$"))
    written_run = int(manager.url.rsplit("/", 2)[-2])
    assert manager.locator('[data-testid="run-status"]').get_attribute("data-status") == "open"

    _choose(manager, "#field-user", internal_email)
    manager.fill("#field-add_affiliation", "Hanbit City AI Hub")
    _submit(manager, '[data-testid="add-button"]', f"{base}/staff/rounds/{written_run}/panel")
    invite = manager.locator('[data-testid="invite-external"]')
    invite.locator("#field-email").fill(external_email)
    invite.locator("#field-affiliation").fill(affiliation)
    invite.locator("#field-name").fill("Ji-ho Han")
    invite.locator("#field-locale").select_option("en")
    _submit(manager, '[data-testid="invite-button"]', f"{base}/staff/rounds/{written_run}/panel")
    assert f"The invitation was sent to {external_email}" in manager.locator("main").inner_text()
    external_row = manager.locator('[data-testid="panel"] tr', has_text=external_email)
    assert external_row.get_attribute("data-state") == "pending"
    assert affiliation in external_row.inner_text() and "External" in external_row.inner_text()

    # -- the invitation email, read on the admin's outbox page (no mail server in development) ------
    admin.goto(f"{base}/staff/outbox")
    email_row = admin.locator('[data-testid="outbox-table"] tr', has_text=external_email).first
    email_row.locator("summary").click()
    body = email_row.locator("pre.email-body").inner_text()
    assert title_en in body and affiliation in body, body
    link = re.search(r"https?://\S+(/reviews/invitations/\S+)", body)
    assert link, body
    admin.context.close()

    # == the external reviewer: the link, an account, the pledge =======================================
    external = _new_page(browser)
    external.goto(f"{base}{link.group(1)}")  # the email's host is the configured public URL; the path is the link
    external.wait_for_url(re.compile(r"/reviewer/invitations/"))
    invitation = external.locator('[data-testid="invitation"]')
    assert invitation.get_attribute("data-invitation-state") == "signup"
    assert affiliation in invitation.inner_text()
    external.fill("#field-name", "Ji-ho Han")
    external.fill("#field-password", PASSWORD)
    external.fill("#field-password_confirm", PASSWORD)
    external.select_option("#field-locale", "en")
    for box in external.locator(".consent-choice input[type=checkbox][required]").all():
        box.check()
    _submit(external, '[data-testid="signup-invitation"]', re.compile(r"/reviewer/panels/\d+/pledge$"))
    external.check("#field-agree")
    external.locator('[data-testid="accept-pledge"]').click()
    external.wait_for_load_state()

    # == the agency reviewer accepts the pledge too ====================================================
    internal = _new_page(browser)
    _log_in(internal, base, internal_email, "/reviewer")
    _pledge(internal, base, title_en)

    # == the manager assigns both by hand ==============================================================
    manager.goto(f"{base}/staff/rounds/{written_run}/panel")
    states = manager.locator('[data-testid="panel"] tbody tr').evaluate_all("rows => rows.map(r => r.dataset.state)")
    assert states == ["pledged", "pledged"], states
    manager.goto(f"{base}/staff/rounds/{written_run}/assignments")
    for email, name, why in ((internal_email, "Hyun-woo Cho", "Mobility sector lead"), (external_email, "Ji-ho Han", "Investor view")):
        manager.select_option("#field-application", str(application_id))
        _choose(manager, "#field-reviewer", name)
        manager.fill("#field-reason", why)
        _submit(manager, '[data-testid="assign-button"]', f"{base}/staff/rounds/{written_run}/assignments")
        assigned = manager.locator(f'[data-testid="assignments"] tr[data-application="{application_id}"]', has_text=name)
        assert assigned.count() == 1 and why in assigned.inner_text(), (email, manager.locator("main").inner_text()[:1500])

    # == both score the application ===================================================================
    internal_scores, external_scores = {"team": 4, "market": 7}, {"team": 5, "market": 9}
    _score(internal, base, application_id, internal_scores, "advance", "A strong team with two paying pilots.")
    internal.screenshot(path=str(ARTIFACTS / "review-scorecard-internal.png"), full_page=True)

    external.goto(f"{base}/reviewer")
    assert external.locator(f'[data-testid="open-{application_id}"]').count() == 1
    external.locator(f'[data-testid="open-{application_id}"]').click()
    external.wait_for_url(f"{base}/reviewer/applications/{application_id}")
    _submit(external, '[data-testid="no-conflict"]', f"{base}/reviewer/applications/{application_id}")
    assert external.locator('[data-testid="others-hidden"]').count() == 1  # not before their own review
    external.screenshot(path=str(ARTIFACTS / "review-scorecard-external-empty.png"), full_page=True)
    _score(external, base, application_id, external_scores, "advance", "Clear market; the unit economics hold up.")
    others = external.locator('[data-testid="reviews"] article[data-own="no"]')
    assert others.count() == 1 and "A strong team with two paying pilots." in others.inner_text()
    external.screenshot(path=str(ARTIFACTS / "review-scorecard-external.png"), full_page=True)

    # == results, close, advance with a presentation slot ==============================================
    rubric = ROUNDS[0]["rubric"]
    mean = (_total(internal_scores, rubric) + _total(external_scores, rubric)) / 2
    manager.goto(f"{base}/staff/rounds/{written_run}/results")
    result = manager.locator(f'[data-testid="results"] tr[data-application="{application_id}"]')
    assert result.locator('[data-testid="score"]').inner_text().strip() == f"{mean:.2f}"
    assert result.get_attribute("data-rank") == "1" and result.get_attribute("data-advances") == "yes"
    assert "advance 2 · hold 0 · reject 0" in result.inner_text()
    assert "Every assigned review is in." in manager.locator('[data-testid="missing"]').inner_text()
    manager.screenshot(path=str(ARTIFACTS / "review-results-written.png"), full_page=True)
    _submit(manager, '[data-testid="close"]', f"{base}/staff/rounds/{written_run}/results")
    assert manager.locator('[data-testid="run-status"]').get_attribute("data-status") == "closed"

    slot_day = (datetime.now(SEOUL) + timedelta(days=14)).date()
    manager.fill(f"#field-slot-{application_id}-starts_at", f"{slot_day}T14:00")
    manager.fill(f"#field-slot-{application_id}-ends_at", f"{slot_day}T14:20")
    manager.fill(f"#field-slot-{application_id}-location", "Hanbit Hub, Room 301")
    _submit(manager, '[data-testid="advance-button"]', re.compile(r"/staff/rounds/\d+/panel$"))
    presentation_run = int(manager.url.rsplit("/", 2)[-2])
    assert presentation_run != written_run
    assert manager.locator('[data-testid="round-name"]').inner_text() == "Presentation"
    manager.goto(f"{base}/staff/rounds/{presentation_run}/results")
    assert "Hanbit Hub, Room 301" in manager.locator('[data-testid="slots"]').inner_text()

    # -- the startup sees its slot on its application page ---------------------------------------------
    startup = _new_page(browser)
    _log_in(startup, base, made["startup_email"], f"/applications/{application_id}", made["startup_password"])
    slot = startup.locator('[data-testid="presentation-slots"] li').first
    slot.wait_for()
    slot_text = slot.inner_text()
    assert "Presentation" in slot_text and f"{slot_day} 14:00" in slot_text and "Hanbit Hub, Room 301" in slot_text, slot_text
    assert startup.locator('[data-testid="status"]').count() == 1
    startup.screenshot(path=str(ARTIFACTS / "review-presentation-slot-startup.png"), full_page=True)

    # == the presentation round: the agency reviewer scores, the manager closes ========================
    manager.goto(f"{base}/staff/rounds/{presentation_run}/panel")
    _choose(manager, "#field-user", internal_email)
    manager.fill("#field-add_affiliation", "Hanbit City AI Hub")
    _submit(manager, '[data-testid="add-button"]', f"{base}/staff/rounds/{presentation_run}/panel")
    _pledge(internal, base, title_en)
    manager.goto(f"{base}/staff/rounds/{presentation_run}/assignments")
    manager.select_option("#field-application", str(application_id))
    _choose(manager, "#field-reviewer", "Hyun-woo Cho")
    _submit(manager, '[data-testid="assign-button"]', f"{base}/staff/rounds/{presentation_run}/assignments")
    _score(internal, base, application_id, {"pitch": 4}, "advance", "A clear pitch; answered every question.",
           round_name="Presentation")

    manager.goto(f"{base}/staff/rounds/{presentation_run}/results")
    result = manager.locator(f'[data-testid="results"] tr[data-application="{application_id}"]')
    assert result.locator('[data-testid="score"]').inner_text().strip() == f"{_total({'pitch': 4}, ROUNDS[1]['rubric']):.2f}"
    _submit(manager, '[data-testid="close"]', f"{base}/staff/rounds/{presentation_run}/results")
    manager.screenshot(path=str(ARTIFACTS / "review-results-presentation.png"), full_page=True)
    manager.goto(f"{base}/staff/applications/{application_id}")
    assert manager.locator('[data-testid="screening"]').get_attribute("data-status") == "awaiting_decision"

    # == the determination: previewed, then confirmed; the award with two tranches =====================
    conditions = "Open a project account before the first payment."
    feedback = "The panel liked the pilots with two fleets; show retention data at the first milestone."
    manager.locator('[data-testid="decision-link"]').click()
    manager.wait_for_url(f"{base}/staff/applications/{application_id}/decision")
    manager.check('input[name="outcome"][value="approved"]')
    manager.fill("#field-conditions", conditions)
    manager.fill("#field-feedback", feedback)
    _submit(manager, '[data-testid="preview-button"]', f"{base}/staff/applications/{application_id}/decision/preview")
    preview = manager.locator('[data-testid="preview-message"]').inner_text()
    assert title_en in preview, preview
    manager.screenshot(path=str(ARTIFACTS / "review-decision-preview.png"), full_page=True)
    _submit(manager, '[data-testid="confirm"]', f"{base}/staff/applications/{application_id}/award")
    assert manager.locator('[data-testid="status"]').inner_text() == "Approved"

    first_due, second_due = date.today() + timedelta(days=30), date.today() + timedelta(days=120)
    manager.fill("#field-amount", "30000000")
    rows = manager.locator('[data-testid="award-form"] .tranche-row')
    rows.nth(0).locator('input[name="tranche_amount"]').fill("18000000")
    rows.nth(0).locator('input[name="tranche_due"]').fill(first_due.isoformat())
    rows.nth(1).locator('input[name="tranche_amount"]').fill("12000000")
    rows.nth(1).locator('input[name="tranche_due"]').fill(second_due.isoformat())
    _submit(manager, '[data-testid="create-award"]', f"{base}/staff/applications/{application_id}/award")
    award_staff = manager.locator('[data-testid="award-staff"]')
    assert award_staff.get_attribute("data-award-status") == "agreement_pending", manager.locator("main").inner_text()[:2000]
    tranches = manager.locator('[data-testid="tranches"] tbody tr')
    assert tranches.count() == 2
    first_tranche = int(tranches.nth(0).get_attribute("data-tranche"))

    # == the startup reads the determination, accepts the agreement, reports ===========================
    startup.goto(f"{base}/applications/{application_id}")
    assert startup.locator('[data-testid="status"]').count() == 1
    startup.locator('[data-testid="decision-link"]').click()
    startup.wait_for_url(f"{base}/applications/{application_id}/decision")
    determination = startup.locator('[data-testid="determination"]')
    assert determination.get_attribute("data-outcome") == "approved"
    assert startup.locator('[data-testid="message"]').inner_text() == preview  # what the manager previewed
    assert startup.locator('[data-testid="conditions"]').inner_text() == conditions
    assert startup.locator('[data-testid="feedback"]').inner_text() == feedback
    startup.screenshot(path=str(ARTIFACTS / "review-determination-startup.png"), full_page=True)

    startup.locator('[data-testid="award-link"]').click()
    startup.wait_for_url(f"{base}/applications/{application_id}/award")
    award = startup.locator('[data-testid="award"]')
    assert award.get_attribute("data-award-status") == "agreement_pending"
    startup.check('[data-testid="agreement"] input[name="confirm"]')
    _submit(startup, '[data-testid="accept-agreement"]', f"{base}/applications/{application_id}/award")
    assert award.get_attribute("data-award-status") == "active"
    assert startup.locator('[data-testid="agreement-accepted"]').count() == 1
    report = "Pilot with Hanbit Taxi live on 120 cars; retention 94 % after 60 days."
    startup.fill(f"#report-{first_tranche}", report)
    startup.locator(f'form[data-report="{first_tranche}"] button[type="submit"]').click()
    startup.wait_for_url(f"{base}/applications/{application_id}/award")
    assert "Submitted" in startup.locator(f'tr[data-tranche="{first_tranche}"]').inner_text()

    # == the manager accepts the report; finance pays ==================================================
    manager.goto(f"{base}/staff/applications/{application_id}/award")
    manager.locator(f'tr[data-tranche="{first_tranche}"] summary').click()  # "Read the report"
    assert report in manager.locator(f'tr[data-tranche="{first_tranche}"]').inner_text()
    _submit(manager, f'[data-testid="accept-{first_tranche}"]', f"{base}/staff/applications/{application_id}/award")
    assert manager.locator(f'tr[data-tranche="{first_tranche}"]').get_attribute("data-accepted") == "yes"

    finance = _new_page(browser)
    _log_in(finance, base, finance_email, "/staff/finance")
    ready = finance.locator(f'[data-testid="ready"] tr[data-tranche="{first_tranche}"]')
    assert f"#{application_id}" in ready.inner_text() and "18,000,000" in ready.inner_text(), ready.inner_text()
    second = int(tranches.nth(1).get_attribute("data-tranche"))
    assert finance.locator(f'[data-testid="waiting"] tr[data-tranche="{second}"]').count() == 1
    finance.screenshot(path=str(ARTIFACTS / "review-finance-ready.png"), full_page=True)
    _submit(finance, f'[data-testid="pay-{first_tranche}"]', f"{base}/staff/finance")
    assert "Tranche 1 is marked paid." in finance.locator("main").inner_text()
    assert finance.locator(f'tr[data-tranche="{first_tranche}"]').count() == 0  # no longer to pay
    finance.screenshot(path=str(ARTIFACTS / "review-finance-paid.png"), full_page=True)

    startup.goto(f"{base}/applications/{application_id}/award")
    paid = startup.locator(f'tr[data-tranche="{first_tranche}"]')
    assert paid.get_attribute("data-paid") == "yes" and "Paid" in paid.inner_text(), paid.inner_text()
    assert startup.locator(f'tr[data-tranche="{second}"]').get_attribute("data-paid") == "no"
    startup.screenshot(path=str(ARTIFACTS / "review-award-startup-paid.png"), full_page=True)

    # -- the determination in Korean ------------------------------------------------------------------
    startup.goto(f"{base}/applications/{application_id}/decision")
    startup.click('[data-testid="language-ko"]')
    startup.wait_for_load_state()
    assert startup.locator("html").get_attribute("lang") == "ko"
    assert title_ko in startup.locator("h1").inner_text()
    assert "로그아웃" in startup.locator("nav").inner_text()
    startup.screenshot(path=str(ARTIFACTS / "review-determination-startup-ko.png"), full_page=True)

    for page in (manager, external, internal, finance, startup):
        page.context.close()
