"""Programs that fit a startup (``/matches/programs`` and the dashboard section): open calls it is
eligible for ranked by meaning with the reasons, the calls it is not eligible for with the rules
it fails, and who may see the page. Real models (the matches conftest marks every test)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from httpx import AsyncClient

from hubcity.core.clock import utcnow
from hubcity.db.tables import Program
from tests.factories.accounts import create_org
from tests.factories.corporates import login_as, member_of, quick_user
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer

BATTERY_STARTUP = {
    "name_en": "CellSense",
    "one_liner_en": "Machine learning that forecasts lithium-ion battery degradation for energy storage operators.",
    "description_en": "Our models read cell voltage and temperature to predict capacity fade and thermal failures.",
    "stage": "seed",
    "sectors": ["energy"],
}


def fit_ids(html: str) -> list[int]:
    section = html.split('data-testid="program-fits"')[1].split('data-testid="not-eligible"')[0]
    return [int(v) for v in re.findall(r'class="program-fit" data-program="(\d+)"', section)]


def miss_ids(html: str) -> list[int]:
    section = html.split('data-testid="not-eligible"')[1]
    return [int(v) for v in re.findall(r'class="program-miss" data-program="(\d+)"', section)]


def card(html: str, program_id: int) -> str:
    return html.split(f'data-program="{program_id}"')[1].split("</article>")[0]


async def calls() -> dict[str, Any]:
    manager = await staff_viewer()
    return {
        "energy": await create_program(
            manager, title_en="Energy storage AI fund",
            summary_en="Funding for startups that apply AI to batteries and grid-scale energy storage.",
            description_en="We support machine learning for battery health, degradation forecasting and safer energy storage systems.",
            eligibility=[{"rule": "sectors", "values": ["energy", "mobility"]}, {"rule": "one_application_per_startup"}],
        ),
        "dental": await create_program(
            manager, title_en="Dental clinic software grant",
            summary_en="Grants for chatbots that book dental appointments and manage patient reminders.",
            description_en="Dentists want scheduling assistants and billing tools for their clinics.",
        ),
        "series_b": await create_program(
            manager, title_en="Battery scale-up fund", summary_en="For later-stage battery companies.",
            eligibility=[{"rule": "stages", "values": ["series_b", "growth"]}, {"rule": "team_size", "min": 50}],
        ),
        "closed": await _closed(manager),
        "draft": await create_program(manager, title_en="Draft battery fund", publish=False),
        "upcoming": await create_program(manager, title_en="Upcoming battery fund",
                                         opens_at=utcnow() + timedelta(days=3), closes_at=utcnow() + timedelta(days=10)),
    }


async def _closed(manager: Any) -> dict[str, Any]:
    program = await create_program(manager, title_en="Closed battery fund")
    await Program.update({Program.status: "closed"}).where(Program.id == program["id"]).run()
    return program


async def test_eligible_calls_are_ranked_by_fit_with_reasons_and_the_others_name_failed_rules(client: AsyncClient) -> None:
    programs = await calls()
    startup = await create_startup(**BATTERY_STARTUP)
    await login_as(client, {"id": startup["owner"].id})

    response = await client.get("/matches/programs")

    assert response.status_code == 200, response.text
    fits = fit_ids(response.text)
    assert fits == [programs["energy"]["id"], programs["dental"]["id"]]  # the battery call above the dental one
    assert miss_ids(response.text) == [programs["series_b"]["id"]]
    for hidden in ("closed", "draft", "upcoming"):
        assert f'data-program="{programs[hidden]["id"]}"' not in response.text, hidden
    energy = card(response.text, programs["energy"]["id"])
    assert 'data-reason="similarity"' in energy and re.search(r"Semantic similarity: \d+%", energy)
    assert 'data-reason="sectors"' in energy and "Energy" in energy
    assert 'data-rule="sectors" data-outcome="passed"' in energy
    energy_percent = int(re.search(r"Semantic similarity: (\d+)%", energy).group(1))
    dental_percent = int(re.search(r"Semantic similarity: (\d+)%", card(response.text, programs["dental"]["id"])).group(1))
    assert energy_percent > dental_percent
    miss = card(response.text, programs["series_b"]["id"])
    assert 'data-rule="stages" data-outcome="failed"' in miss and "At an eligible stage" in miss
    assert 'data-rule="team_size" data-outcome="failed"' in miss and "12 people" in miss


async def test_a_call_already_applied_to_stays_a_fit_with_its_application(client: AsyncClient) -> None:
    programs = await calls()
    startup = await create_startup(**BATTERY_STARTUP)
    made = await create_application(programs["energy"], startup)
    await login_as(client, {"id": startup["owner"].id})

    page = (await client.get("/matches/programs")).text

    assert programs["energy"]["id"] in fit_ids(page) and programs["energy"]["id"] not in miss_ids(page)
    assert f'href="/applications/{made["application"]["id"]}" data-testid="your-application"' in card(page, programs["energy"]["id"])


async def test_the_dashboard_section_shows_the_best_fits(client: AsyncClient) -> None:
    programs = await calls()
    startup = await create_startup(**BATTERY_STARTUP)
    await login_as(client, {"id": startup["owner"].id})

    dashboard = await client.get("/dashboard")
    assert 'id="programs-for-you"' in dashboard.text and 'hx-get="/matches/programs"' in dashboard.text
    section = await client.get("/matches/programs", headers={"HX-Request": "true", "HX-Target": "programs-for-you"})

    assert section.status_code == 200 and "<html" not in section.text
    listed = [int(v) for v in re.findall(r'<li data-program="(\d+)"', section.text)]
    assert listed == [programs["energy"]["id"], programs["dental"]["id"]]
    assert "1 call you are not eligible for" in section.text


async def test_who_may_see_programs_for_you(client: AsyncClient) -> None:
    await calls()
    anonymous = await client.get("/matches/programs", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]

    corporation = await create_org("corporate")
    await login_as(client, await member_of(corporation["id"]))
    assert (await client.get("/matches/programs")).status_code == 403
    hint = await client.get("/matches/programs", headers={"HX-Request": "true", "HX-Target": "programs-for-you"})
    assert hint.status_code == 200 and "Describe your startup" in hint.text

    await login_as(client, await quick_user(roles=("program_manager",)))
    assert (await client.get("/matches/programs")).status_code == 403
    dashboard = await client.get("/dashboard")
    assert 'id="programs-for-you"' not in dashboard.text  # only startups get the section
