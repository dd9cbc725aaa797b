"""Award pages: the award form checked against the maximum and the remaining budget, tranches
adding up, the startup's agreement (accept or decline), milestone reports, staff accepting them,
finance paying only accepted ones, and who may open each page."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from hubcity.config.settings import Settings
from hubcity.db.tables import AuditEntry, Award, Notification, Tranche
from hubcity.reviews.services import AwardService
from tests.conftest import post_form
from tests.factories.programs import create_program, staff_viewer
from tests.factories.reviews import DUE_YEAR
from tests.integration.programs.test_apply_pages import app_clock, client, login, stored  # noqa: F401 - fixtures
from tests.integration.reviews.test_decision_pages import TITLE, awaiting, service, viewer_for

TRANCHES = {"tranche_amount": ["30,000,000", "10000000"], "tranche_due": [f"{DUE_YEAR}-01-15", f"{DUE_YEAR}-06-30"]}


async def approved(program: dict[str, Any] | None = None) -> dict[str, Any]:
    """An application approved through DecisionService (the message rendered from the templates)."""
    made = await awaiting(program)
    await service(SETTINGS[0]).determine(made["application"]["id"], await staff_viewer("admin"), "approved")
    return made


#: The test's settings (set by the autouse fixture below) for the services' notifier.
SETTINGS: list[Settings] = []


@pytest.fixture(autouse=True)
def _settings(settings: Settings) -> Any:
    SETTINGS[:] = [settings]
    yield
    SETTINGS.clear()


async def with_award(program: dict[str, Any] | None = None, *, amount: int = 40_000_000) -> dict[str, Any]:
    made = await approved(program)
    manager = await staff_viewer("program_manager")
    made["award"] = await AwardService().create(made["application"]["id"], manager, amount=amount, tranches=[
        {"amount": 30_000_000, "due_on": f"{DUE_YEAR}-01-15"}, {"amount": amount - 30_000_000, "due_on": f"{DUE_YEAR}-06-30"}])
    made["manager"] = manager
    return made


@pytest.mark.parametrize("who", ["anonymous", "applicant", "other_startup", "corporation", "reviewer", "finance", "program_manager", "admin"])
async def test_who_may_open_and_use_the_staff_award_page(client: AsyncClient, who: str) -> None:
    made = await approved()
    app_id = made["application"]["id"]
    viewer = await viewer_for(who, made)
    if viewer is not None:
        await login(client, viewer)
    page = await client.get(f"/staff/applications/{app_id}/award", follow_redirects=False)
    create = await post_form(client, f"/staff/applications/{app_id}/award", {"amount": "40000000", **TRANCHES}, follow_redirects=False)
    if who == "anonymous":
        assert page.status_code == 303 and page.headers["location"].startswith("/login") and create.status_code == 303
    elif who in ("program_manager", "admin"):
        assert page.status_code == 200 and TITLE in page.text and 'data-testid="award-form"' in page.text
        assert create.status_code == 303
    else:
        for response in (page, create):
            assert response.status_code == 403 and TITLE not in response.text
    assert await Award.count() == (1 if who in ("program_manager", "admin") else 0)


async def test_award_over_the_maximum_or_the_budget_and_tranches_not_adding_up(client: AsyncClient) -> None:
    program = await create_program(title_en=TITLE, budget=100_000_000, max_award=60_000_000)
    first, second = await approved(program), await approved(program)
    await login(client, await staff_viewer("program_manager"))
    url = f"/staff/applications/{first['application']['id']}/award"
    page = await client.get(url)
    assert "Maximum award: 60,000,000 KRW" in page.text and "100,000,000 KRW, of which 100,000,000 KRW is left" in page.text
    over_max = await post_form(client, url, {"amount": "70000000", **TRANCHES})
    assert over_max.status_code == 422 and "70,000,000 KRW is more than the program&#39;s maximum award of 60,000,000 KRW" in over_max.text
    assert 'value="70000000"' in over_max.text and f'value="{DUE_YEAR}-06-30"' in over_max.text  # nothing lost
    not_summing = await post_form(client, url, {"amount": "50000000", **TRANCHES})
    assert not_summing.status_code == 422 and "add up to 40,000,000 but the award is 50,000,000" in not_summing.text
    bad_row = await post_form(client, url, {"amount": "40000000", "tranche_amount": ["abc", "1"], "tranche_due": ["", f"{DUE_YEAR}-01-01"]})
    assert bad_row.status_code == 422 and "Tranche 1: the amount must be a whole number" in bad_row.text
    assert "Tranche 1: give the due date" in bad_row.text
    not_a_number = await post_form(client, url, {"amount": "lots"})
    assert not_a_number.status_code == 422 and "a whole amount above 0" in not_a_number.text
    assert await Award.count() == 0
    made = await post_form(client, url, {"amount": "60,000,000", "tranche_amount": ["60000000"], "tranche_due": [f"{DUE_YEAR}-01-01"]},
                           follow_redirects=False)
    assert made.status_code == 303
    over_budget = await post_form(client, f"/staff/applications/{second['application']['id']}/award", {"amount": "50000000"})
    assert over_budget.status_code == 422
    assert "50,000,000 KRW is more than the 40,000,000 KRW left of the program&#39;s budget of 100,000,000 KRW" in over_budget.text
    assert await Award.count() == 1 and await AuditEntry.exists().where(AuditEntry.action == "award.created").run()
    assert await Notification.exists().where(Notification.template == "award_offered").run()


async def test_the_startup_accepts_the_agreement_reports_staff_accept_and_finance_pays(client: AsyncClient) -> None:
    made = await with_award()
    app_id, award_id = made["application"]["id"], made["award"]["id"]
    first, second = made["award"]["tranches"]
    finance = await staff_viewer("finance")

    await login(client, finance)
    early = await post_form(client, f"/staff/tranches/{first['id']}/paid")
    assert early.status_code == 409 and "only on an award whose agreement was accepted" in early.text

    await login(client, made["viewer"])
    page = await client.get(f"/applications/{app_id}/award")
    assert page.status_code == 200 and "40,000,000 KRW" in page.text and 'data-testid="accept-agreement"' in page.text
    assert f'href="/applications/{app_id}/award"' in (await client.get(f"/applications/{app_id}")).text
    unticked = await post_form(client, f"/awards/{award_id}/accept", {})
    assert unticked.status_code == 422 and "Tick the box to accept" in unticked.text
    assert (await AwardService().get(award_id, made["viewer"]))["status"] == "agreement_pending"
    no_report_yet = await post_form(client, f"/tranches/{first['id']}/report", {"report": "Done."})
    assert no_report_yet.status_code == 409 and "once the award agreement is accepted" in no_report_yet.text
    accepted = await post_form(client, f"/awards/{award_id}/accept", {"confirm": "yes"}, follow_redirects=False)
    assert accepted.status_code == 303
    declined_late = await post_form(client, f"/awards/{award_id}/decline", {"confirm": "yes"})
    assert declined_late.status_code == 409 and "not accepted yet can be declined" in declined_late.text

    empty = await post_form(client, f"/tranches/{first['id']}/report", {"report": "  "})
    assert empty.status_code == 422 and "Report: write from 1 to 20000 characters" in empty.text
    too_long = "z" * 20001
    long_report = await post_form(client, f"/tranches/{first['id']}/report", {"report": too_long})
    assert long_report.status_code == 422 and too_long in long_report.text  # nothing lost
    sent = await post_form(client, f"/tranches/{first['id']}/report", {"report": "Pilot with Hyundai finished."}, follow_redirects=False)
    assert sent.status_code == 303

    await login(client, finance)
    listing = await client.get("/staff/finance")
    assert listing.status_code == 200 and "Report submitted, not accepted yet" in listing.text and f'data-testid="pay-{first["id"]}"' not in listing.text
    refused = await post_form(client, f"/staff/tranches/{first['id']}/paid")
    assert refused.status_code == 409 and "Tranche 1 cannot be paid before its milestone report is accepted" in refused.text
    assert (await Tranche.select().where(Tranche.id == first["id"]).first().run())["paid_at"] is None

    await login(client, made["manager"])
    staff_page = await client.get(f"/staff/applications/{app_id}/award")
    assert "Pilot with Hyundai finished." in staff_page.text and f'data-testid="accept-{first["id"]}"' in staff_page.text
    assert (await post_form(client, f"/staff/tranches/{first['id']}/accept", follow_redirects=False)).status_code == 303
    assert (await post_form(client, f"/staff/tranches/{first['id']}/paid")).status_code == 403  # program managers do not pay

    await login(client, finance)
    listing = await client.get("/staff/finance")
    assert f'data-testid="pay-{first["id"]}"' in listing.text
    paid = await post_form(client, f"/staff/tranches/{first['id']}/paid", follow_redirects=False)
    assert paid.status_code == 303
    twice = await post_form(client, f"/staff/tranches/{first['id']}/paid")
    assert twice.status_code == 409 and "marked paid already" in twice.text
    assert await AuditEntry.exists().where(AuditEntry.action == "tranche.paid").run()
    assert await Notification.exists().where(Notification.template == "tranche_paid").run()
    assert (await AwardService().get(award_id, finance))["tranches"][1]["paid_at"] is None and second["number"] == 2


async def test_declining_the_award_and_the_tranche_schedule(client: AsyncClient) -> None:
    made = await with_award()
    app_id, award_id = made["application"]["id"], made["award"]["id"]
    await login(client, made["manager"])
    bad = await post_form(client, f"/staff/awards/{award_id}/tranches", {"tranche_amount": ["1"], "tranche_due": [f"{DUE_YEAR}-01-01"]})
    assert bad.status_code == 422 and "add up to 1 but the award is 40,000,000" in bad.text
    good = await post_form(client, f"/staff/awards/{award_id}/tranches", {"tranche_amount": ["40000000"], "tranche_due": [f"{DUE_YEAR}-02-01"]},
                           follow_redirects=False)
    assert good.status_code == 303 and len(await Tranche.select().run()) == 1
    await login(client, made["viewer"])
    unticked = await post_form(client, f"/awards/{award_id}/decline", {"reason": "Other funding."})
    assert unticked.status_code == 422 and "Other funding." in unticked.text
    declined = await post_form(client, f"/awards/{award_id}/decline", {"confirm": "yes", "reason": "Other funding."}, follow_redirects=False)
    assert declined.status_code == 303
    assert (await AwardService().get(award_id, made["viewer"]))["status"] == "declined"
    assert await Notification.exists().where(Notification.template == "award_declined").run()
    page = await client.get(f"/applications/{app_id}/award")
    assert 'data-testid="declined"' in page.text


@pytest.mark.parametrize("who", ["anonymous", "other_startup", "corporation", "reviewer", "finance", "program_manager", "admin"])
async def test_the_startups_award_pages_and_the_finance_page_for_each_role(client: AsyncClient, who: str) -> None:
    made = await with_award()
    app_id, award_id = made["application"]["id"], made["award"]["id"]
    tranche_id = made["award"]["tranches"][0]["id"]
    viewer = await viewer_for(who, made)
    if viewer is not None:
        await login(client, viewer)
    page = await client.get(f"/applications/{app_id}/award", follow_redirects=False)
    accept = await post_form(client, f"/awards/{award_id}/accept", {"confirm": "yes"}, follow_redirects=False)
    report = await post_form(client, f"/tranches/{tranche_id}/report", {"report": "x"}, follow_redirects=False)
    finance = await client.get("/staff/finance", follow_redirects=False)
    if who == "anonymous":
        assert all(r.status_code == 303 and r.headers["location"].startswith("/login") for r in (page, accept, report, finance))
    elif who in ("other_startup", "corporation", "reviewer"):
        for response in (page, accept, report):
            assert response.status_code == 404 and TITLE not in response.text
        assert finance.status_code == 403
    elif who == "finance":
        assert page.status_code == 404 and finance.status_code == 200
        assert accept.status_code == 403 and report.status_code == 403
    else:
        assert page.status_code == 303 and page.headers["location"] == f"/staff/applications/{app_id}/award"
        assert accept.status_code == 403 and report.status_code == 403
        assert finance.status_code == (200 if who == "admin" else 403)
    assert (await AwardService().get(award_id, made["viewer"]))["status"] == "agreement_pending"
