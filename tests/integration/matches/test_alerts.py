"""Match alerts: asked for on the pages, sent once per new pair that is a top match, in the
recipient's language; refused for the wrong people and bad input."""

from __future__ import annotations

from httpx import AsyncClient
from litestar import Litestar

from hubcity.db.tables import MatchAlert, MatchAlertDelivery, Notification
from tests.conftest import drain_index_jobs, post_form
from tests.factories.corporates import corporation_with_member, create_need, login_as
from tests.factories.matches import BATTERY_NEED, build_market
from tests.factories.startups import create_profile


async def emails_to(address: str, template: str) -> list[dict]:
    return await Notification.select().where((Notification.to_email == address) & (Notification.template == template)).run()


async def test_a_startup_hears_of_a_new_need_that_fits_once(client: AsyncClient, app: Litestar) -> None:
    market = await build_market(need={**BATTERY_NEED, "status": "draft"})
    owner = market.owners["battery_en"]
    await login_as(client, owner)
    turned_on = await post_form(client, "/matches/alerts", {"kind": "needs", "on": "1"}, follow_redirects=True)
    assert 'aria-pressed="true"' in turned_on.text

    fitting = await create_need(market.corporation["id"], **{k: v for k, v in BATTERY_NEED.items()}, title_ko="배터리 진단 과제")
    unrelated = await create_need(market.corporation["id"], title_en="Cafeteria menu planning", description_en="Plan lunch menus.",
                                  sectors=["retail"], technologies=["recommendation"])
    await drain_index_jobs(app)

    sent = await emails_to(owner["email"], "alert_new_need")
    assert len(sent) == 1 and "CellSense" in sent[0]["subject"] and sent[0]["locale"] == "en"
    deliveries = await MatchAlertDelivery.select().run()
    assert {row["need"] for row in deliveries} == {fitting["id"]}  # not the unrelated need

    await create_need(market.corporation["id"], title_en="Closed battery need", status="closed", **{k: v for k, v in BATTERY_NEED.items() if k != "title_en"})
    from hubcity.core.jobs import INDEX_NEED_JOB
    from hubcity.core.jobs import enqueue

    await enqueue(INDEX_NEED_JOB, {"need_id": fitting["id"]})  # re-indexed: not announced again
    await drain_index_jobs(app)
    assert len(await emails_to(owner["email"], "alert_new_need")) == 1

    await post_form(client, "/matches/alerts", {"kind": "needs", "on": "0"})
    assert await MatchAlert.count().run() == 0


async def test_a_corporation_hears_of_a_new_startup_that_fits_its_need(client: AsyncClient, app: Litestar) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)
    await post_form(client, "/matches/alerts", {"kind": "startups", "need_id": str(market.need["id"]), "on": "1"})
    assert await MatchAlert.count().run() == 1

    await create_profile(None, name_en="Anode Analytics", one_liner_en="Predicts battery cell degradation in energy storage with machine learning.",
                         sectors=["energy"], technologies=["forecasting"])
    await drain_index_jobs(app)

    sent = await emails_to(market.corporate_user["email"], "alert_new_startup")
    assert len(sent) == 1 and "Anode Analytics" in sent[0]["subject"]


async def test_alerts_refuse_bad_input_and_the_wrong_people(client: AsyncClient) -> None:
    market = await build_market()
    _org, outsider = await corporation_with_member(name_en="Other Corp")
    await login_as(client, outsider)
    assert (await post_form(client, "/matches/alerts", {"kind": "startups", "need_id": str(market.need["id"]), "on": "1"})).status_code == 404
    assert (await post_form(client, "/matches/alerts", {"kind": "startups", "need_id": "abc", "on": "1"})).status_code == 404
    assert (await post_form(client, "/matches/alerts", {"kind": "needs", "on": "1"})).status_code == 403
    bad = await post_form(client, "/matches/alerts", {"kind": "everything", "on": "1"})
    assert bad.status_code == 422
    assert await MatchAlert.count().run() == 0
