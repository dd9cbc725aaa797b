"""The directory's keyword box and filters search through the search backend (hybrid): Korean
with particles, meaning across languages, facet counts beside the filters (issue 4)."""

from __future__ import annotations

import re

import pytest
from httpx import AsyncClient

from hubcity.core.clock import utcnow
from tests.factories.startups import create_profile

pytestmark = pytest.mark.real_models  # meaning across languages is what these tests check

HTMX = {"HX-Request": "true", "HX-Target": "directory-results"}


def card_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'class="startup-card" data-startup="(\d+)"', html)]


async def market() -> dict[str, int]:
    return {
        "battery_ko": await create_profile(
            None, name_ko="배터리랩", name_en="", one_liner_en="", one_liner_ko="전기차 배터리 상태를 진단하는 인공지능",
            sectors=["energy"], technologies=["anomaly_detection"], stage="seed",
        ),
        "battery_en": await create_profile(
            None, name_en="VoltSense", one_liner_en="Battery health diagnostics for electric vehicle fleets.",
            sectors=["automotive"], technologies=["forecasting"], stage="seed",
        ),
        "dental": await create_profile(
            None, name_en="SmileScan", one_liner_en="AI that reads dental X-rays for dentists.",
            sectors=["healthcare"], technologies=["computer_vision"], stage="series_a",
        ),
    }


async def test_a_korean_keyword_with_a_particle_finds_the_korean_profile(client: AsyncClient) -> None:
    ids = await market()

    response = await client.get("/directory/startups", params={"q": "배터리를"})

    found = card_ids(response.text)
    assert ids["battery_ko"] in found
    assert ids["dental"] not in found


async def test_an_english_keyword_finds_a_korean_profile_by_meaning(client: AsyncClient) -> None:
    ids = await market()

    found = card_ids((await client.get("/directory/startups", params={"q": "battery diagnostics"})).text)

    assert found[:2] and set(found[:2]) == {ids["battery_ko"], ids["battery_en"]}
    assert ids["dental"] not in found  # below the relevance threshold: not counted as found


async def test_facet_counts_sit_beside_the_filters_and_follow_htmx_updates(client: AsyncClient) -> None:
    await market()

    page = await client.get("/directory/startups")
    assert re.search(r'id="facet-sector-energy"[^>]*>\(1\)<', page.text)
    assert re.search(r'id="facet-stage-seed"[^>]*>\(2\)<', page.text)

    fragment = await client.get("/directory/startups", params={"stage": "seed"}, headers=HTMX)
    assert "<html" not in fragment.text
    assert re.search(r'id="facet-sector-healthcare"[^>]*hx-swap-oob="true">\(0\)<', fragment.text)
    assert re.search(r'id="facet-sector-automotive"[^>]*hx-swap-oob="true">\(1\)<', fragment.text)


async def test_the_api_returns_facets_and_keeps_its_parameters(client: AsyncClient) -> None:
    ids = await market()

    body = (await client.get("/api/v1/startups", params={"sector": "healthcare"})).json()

    assert [item["id"] for item in body["items"]] == [ids["dental"]]
    assert body["facets"]["sector"]["healthcare"] == 1 and body["degraded"] is False


async def test_needs_are_found_by_meaning_but_anonymised_ones_only_by_their_words(client: AsyncClient) -> None:
    from tests.factories.corporates import corporation_with_member, create_need

    corporation, _member = await corporation_with_member(name_en="Secret Motors")
    text = {"description_en": "Lidar and radar perception software for our autonomous vehicles.", "sectors": ["automotive"]}
    public = await create_need(corporation["id"], title_en="Perception stack for autonomous vehicles", **text)
    hidden = await create_need(
        corporation["id"], title_en="Sensor fusion for autonomous vehicles", visibility="anonymised",
        anonymised_label_en="a global automaker", **text,
    )

    by_meaning = await client.get("/directory/needs", params={"q": "self-driving car cameras"})
    found = [int(v) for v in re.findall(r'data-need="(\d+)"', by_meaning.text)]
    assert public["id"] in found and hidden["id"] not in found

    by_words = await client.get("/directory/needs", params={"q": "sensor fusion"})
    assert hidden["id"] in [int(v) for v in re.findall(r'data-need="(\d+)"', by_words.text)]
    assert "Secret Motors" not in by_words.text


def need_ids(html: str) -> list[int]:
    return [int(v) for v in re.findall(r'data-need="(\d+)"', html)]


async def need_market() -> dict[str, dict]:
    from tests.factories.corporates import corporation_with_member, create_need

    carmaker, _ = await corporation_with_member(name_en="Hanul Motors")
    utility, _ = await corporation_with_member(name_en="Sea Power", verified=True)
    return {
        "perception": await create_need(
            carmaker["id"], title_en="Perception stack for autonomous vehicles", sectors=["automotive"],
            technologies=["computer_vision"], stages=["seed"], engagement_type="poc",
            description_en="Lidar and camera perception software for our self-driving test fleet.",
        ),
        "grid": await create_need(
            utility["id"], title_en="Grid load forecasting", sectors=["energy"], technologies=["forecasting"],
            stages=[], engagement_type="data_sharing", locations="Busan",
            description_en="Forecast electricity demand on the regional power grid, hour by hour.",
        ),
        "clinic": await create_need(
            utility["id"], title_en="Staff clinic triage", sectors=["healthcare"], stages=["series_a"],
            engagement_type="poc", description_en="Triage of our employees' medical questions.",
        ),
    }


async def test_a_korean_keyword_finds_an_english_need_by_meaning(client: AsyncClient) -> None:
    needs = await need_market()

    found = need_ids((await client.get("/directory/needs", params={"q": "전력 수요 예측"})).text)

    assert found and found[0] == needs["grid"]["id"]
    assert needs["perception"]["id"] not in found


async def test_need_filters_run_in_the_index_with_counts_beside_them(client: AsyncClient) -> None:
    needs = await need_market()

    page = await client.get("/directory/needs")
    assert set(need_ids(page.text)) == {need["id"] for need in needs.values()}
    assert re.search(r'id="facet-sector-energy"[^>]*>\(1\)<', page.text)
    assert re.search(r'id="facet-engagement-poc"[^>]*>\(2\)<', page.text)
    # The grid need names no stage: it is open to every stage and counted under each.
    assert re.search(r'id="facet-stage-seed"[^>]*>\(2\)<', page.text)
    assert re.search(r'id="facet-stage-series_a"[^>]*>\(2\)<', page.text)

    fragment = await client.get("/directory/needs", params={"stage": "seed", "verified": "1"}, headers=HTMX)
    assert "<html" not in fragment.text
    assert need_ids(fragment.text) == [needs["grid"]["id"]]
    assert re.search(r'id="facet-sector-energy"[^>]*hx-swap-oob="true">\(1\)<', fragment.text)
    assert re.search(r'id="facet-sector-automotive"[^>]*hx-swap-oob="true">\(0\)<', fragment.text)

    by_location = (await client.get("/api/v1/partner-needs", params={"location": "usa"})).json()
    assert [item["id"] for item in by_location["items"]] == [needs["grid"]["id"]]  # "usa" is inside "Busan"
    assert by_location["facets"]["engagement"] == {"data_sharing": 1} and by_location["degraded"] is False


async def test_verifying_a_corporation_updates_its_needs_in_the_index(client: AsyncClient) -> None:
    from hubcity.startups.repositories import OrganisationDirectory

    needs = await need_market()
    carmaker = needs["perception"]["organisation"]
    assert needs["perception"]["id"] not in need_ids((await client.get("/directory/needs", params={"verified": "1"})).text)

    await OrganisationDirectory().set_verified(carmaker, at=utcnow(), by=None)

    assert needs["perception"]["id"] in need_ids((await client.get("/directory/needs", params={"verified": "1"})).text)
