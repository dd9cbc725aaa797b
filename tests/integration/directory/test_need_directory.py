"""``/directory/needs`` (and the same filters on ``GET /api/v1/partner-needs``): each filter alone
and combined, keywords in Korean and English, pagination, bad values, full page and fragments.
Visibility per viewer is tested in tests/integration/corporates/test_visibility.py."""

from __future__ import annotations

import re
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories.corporates import corporation_with_member, create_need
from tests.integration.directory.helpers import filter_errors

URL = "/directory/needs"
API = "/api/v1/partner-needs"


def need_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article class="need-card" data-need="(\d+)"', html)]


async def sample_needs() -> dict[str, int]:
    automaker, _ = await corporation_with_member(name_en="Hanul Motors", name_ko="하늘 모터스", verified=True)
    utility, _ = await corporation_with_member(name_en="Bada Power", name_ko="바다 전력")
    needs = {
        "paint": await create_need(
            automaker["id"], title_en="Paint defect inspection", title_ko="도장 결함 검사", engagement_type="poc",
            sectors=["automotive"], technologies=["computer_vision"], stages=["seed", "series_a"], countries=["kr"],
            locations="Gwangju plant", team_size_min=3, team_size_max=30,
        ),
        "fleet": await create_need(
            automaker["id"], title_en="Fleet route optimisation", engagement_type="co_development",
            sectors=["automotive", "logistics"], technologies=["optimization"], stages=[], countries=["us", "jp"],
            team_size_min=20,
        ),
        "grid": await create_need(
            utility["id"], title_ko="전력 수요 예측", description_ko="지역 전력망의 수요를 예측할 파트너", engagement_type="data_sharing",
            sectors=["energy"], technologies=["forecasting"], stages=["growth"], countries=["kr"], locations="Busan",
            team_size_max=10,
        ),
        "invest": await create_need(
            utility["id"], title_en="Climate tech investment", engagement_type="investment", sectors=["climate"],
        ),
        "old": await create_need(utility["id"], title_en="Old battery call", status="closed", sectors=["energy"]),
    }
    return {name: need["id"] for name, need in needs.items()}


async def names_for(client: AsyncClient, needs: dict[str, int], params: Any) -> set[str]:
    page = await client.get(URL, params=params)
    assert page.status_code == 200, page.text
    by_id = {v: k for k, v in needs.items()}
    from_page = {by_id[i] for i in need_ids(page.text)}
    api = await client.get(API, params=params)
    assert {by_id[item["id"]] for item in api.json()["items"]} == from_page
    return from_page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({}, {"paint", "fleet", "grid", "invest"}, id="default-open-only"),
        pytest.param({"status": "all"}, {"paint", "fleet", "grid", "invest", "old"}, id="status-all"),
        pytest.param({"engagement": "poc"}, {"paint"}, id="engagement"),
        pytest.param([("engagement", "poc"), ("engagement", "investment")], {"paint", "invest"}, id="engagement-repeated"),
        pytest.param({"sector": "automotive"}, {"paint", "fleet"}, id="sector"),
        pytest.param({"technology": "forecasting"}, {"grid"}, id="technology"),
        pytest.param({"stage": "seed"}, {"paint", "fleet", "invest"}, id="stage-or-any-stage"),
        pytest.param({"stage": "growth"}, {"grid", "fleet", "invest"}, id="stage-growth"),
        pytest.param({"location": "busan"}, {"grid"}, id="location-text"),
        pytest.param({"location": "jp"}, {"fleet"}, id="location-country"),
        pytest.param({"location": "South Korea"}, {"paint", "grid"}, id="location-country-name"),
        pytest.param({"team_min": "25"}, {"paint", "fleet", "invest"}, id="team-min-overlap"),
        pytest.param({"team_max": "15"}, {"paint", "grid", "invest"}, id="team-max-overlap"),
        pytest.param({"verified": "1"}, {"paint", "fleet"}, id="verified-corporation"),
    ],
)
async def test_each_filter_alone(client: AsyncClient, params: Any, expected: set[str]) -> None:
    needs = await sample_needs()
    assert await names_for(client, needs, params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param([("sector", "automotive"), ("engagement", "poc")], {"paint"}, id="sector-engagement"),
        pytest.param([("sector", "energy"), ("status", "all"), ("location", "busan")], {"grid"}, id="sector-all-location"),
        pytest.param([("technology", "optimization"), ("technology", "forecasting"), ("verified", "1")], {"fleet"}, id="techs-verified"),
        pytest.param([("q", "예측"), ("team_max", "5"), ("stage", "growth")], {"grid"}, id="keyword-team-stage"),
        pytest.param([("sector", "climate"), ("engagement", "poc")], set(), id="nothing"),
    ],
)
async def test_filters_combined(client: AsyncClient, params: Any, expected: set[str]) -> None:
    needs = await sample_needs()
    assert await names_for(client, needs, params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("defect", {"paint"}, id="en-title"),
        pytest.param("결함", {"paint"}, id="ko-title"),
        pytest.param("전력망", {"grid"}, id="ko-description"),
        pytest.param("hanul motors", {"paint", "fleet"}, id="en-corporation"),
        pytest.param("바다 전력", {"grid", "invest"}, id="ko-corporation"),
        pytest.param("컴퓨터 비전", {"paint"}, id="ko-technology-label"),
        pytest.param("logistics", {"fleet"}, id="en-sector-label"),
        pytest.param("데이터 공유", {"grid"}, id="ko-engagement-label"),
        pytest.param("gwangju", {"paint"}, id="en-location"),
    ],
)
async def test_keyword_in_korean_and_english(client: AsyncClient, q: str, expected: set[str]) -> None:
    needs = await sample_needs()
    assert await names_for(client, needs, {"q": q}) == expected


async def test_pagination_and_count(client: AsyncClient) -> None:
    org, _ = await corporation_with_member()
    ids = [(await create_need(org["id"], title_en=f"Call number {n}", engagement_type="supply"))["id"] for n in range(23)]
    first = await client.get(URL, params={"engagement": "supply"})
    assert "23 partner needs found." in first.text and need_ids(first.text) == ids[::-1][:20]
    assert 'href="/directory/needs?engagement=supply&amp;page=2"' in first.text
    second = await client.get(URL, params={"engagement": "supply", "page": "2"})
    assert need_ids(second.text) == ids[::-1][20:] and "Page 2 of 2" in second.text
    api = (await client.get(API, params={"engagement": "supply", "page": "2"})).json()
    assert api["total"] == 23 and len(api["items"]) == 3


async def test_bad_values_are_named_and_ignored(client: AsyncClient) -> None:
    needs = await sample_needs()
    page = await client.get(
        URL, params={"team_min": "abc", "engagement": "marriage", "verified": "2", "team_max": "0", "page": "-1"}
    )
    assert page.status_code == 200
    assert set(filter_errors(page.text)) == {"team_min", "engagement", "verified", "team_max", "page"}
    assert set(need_ids(page.text)) == {needs["paint"], needs["fleet"], needs["grid"], needs["invest"]}


async def test_full_page_fragment_and_results_alone(client: AsyncClient) -> None:
    needs = await sample_needs()
    full = await client.get(URL, params={"q": "defect"})
    assert full.status_code == 200 and "<html" in full.text and 'data-testid="directory-filters"' in full.text
    assert 'name="engagement" value="poc"' in full.text and 'aria-current="page"' in full.text
    box = full.text.split('id="filter-q"')[1].split(">")[0]
    assert 'hx-get="/directory/needs"' in box and 'hx-trigger="input changed delay:300ms' in box and 'hx-push-url="true"' in box
    assert "1 partner need found." in full.text
    fragment = await client.get(URL, params={"q": "defect"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-testid="directory-filters"' in fragment.text
    results = await client.get(URL, params={"q": "defect"}, headers={"HX-Request": "true", "HX-Target": "directory-results"})
    assert results.status_code == 200 and "<html" not in results.text and 'data-testid="directory-filters"' not in results.text
    assert need_ids(results.text) == [needs["paint"]]
