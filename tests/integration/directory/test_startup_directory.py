"""``/directory/startups`` and ``GET /api/v1/startups``: filters alone and combined, keywords in
Korean and English, inactive and opted-out profiles, pagination and counts, bad filter values,
and the page as a full page, an HTMX fragment and results alone."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories.corporates import login_as, quick_user
from tests.integration.directory.helpers import create_profile, filter_errors, listed_ids, sample_directory

URL = "/directory/startups"
API = "/api/v1/startups"
DEFAULT = {"haneul", "bada", "medi", "tokyo"}


async def names_for(client: AsyncClient, profiles: dict[str, int], params: Any) -> set[str]:
    """The sample names the page lists for ``params``; the API must list the same."""
    page = await client.get(URL, params=params)
    assert page.status_code == 200, page.text
    by_id = {v: k for k, v in profiles.items()}
    from_page = {by_id[i] for i in listed_ids(page.text)}
    api = await client.get(API, params=params)
    assert api.status_code == 200
    assert {by_id[item["id"]] for item in api.json()["items"]} == from_page
    return from_page


async def test_default_listing_hides_inactive_acquired_opted_out_and_drafts(client: AsyncClient) -> None:
    profiles = await sample_directory()
    assert await names_for(client, profiles, {}) == DEFAULT
    everything = await client.get(URL, params={"status": "all"})
    by_id = {v: k for k, v in profiles.items()}
    assert {by_id[i] for i in listed_ids(everything.text)} == DEFAULT | {"inactive", "acquired", "opted_out"}
    assert 'data-status-badge="inactive"' in everything.text and 'data-status-badge="acquired"' in everything.text
    assert 'data-status-badge="do_not_match"' in everything.text
    # Only active profiles link to a profile page; the verified badge sits beside the name.
    assert f'href="/startups/{profiles["haneul"]}"' in everything.text
    assert f'href="/startups/{profiles["inactive"]}"' not in everything.text
    haneul = everything.text.split(f'data-startup="{profiles["haneul"]}"')[1].split("</article>")[0]
    assert 'class="badge badge-verified"' in haneul
    bada = everything.text.split(f'data-startup="{profiles["bada"]}"')[1].split("</article>")[0]
    assert "badge-verified" not in bada


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"sector": "automotive"}, {"haneul"}, id="sector"),
        pytest.param({"technology": "computer_vision"}, {"haneul"}, id="technology"),
        pytest.param({"technology": "computer_vision", "status": "all"}, {"haneul", "acquired"}, id="technology-all"),
        pytest.param({"stage": "pre_seed"}, {"medi"}, id="stage"),
        pytest.param({"location": "busan"}, {"bada"}, id="location-text"),
        pytest.param({"location": "Gwang"}, {"haneul"}, id="location-part"),
        pytest.param({"location": "kr"}, {"haneul", "bada", "medi"}, id="location-country-slug"),
        pytest.param({"location": "Japan"}, {"tokyo"}, id="location-country-name"),
        pytest.param({"location": "일본"}, {"tokyo"}, id="location-country-name-ko"),
        pytest.param({"team_min": "12"}, {"haneul", "bada", "tokyo"}, id="team-min"),
        pytest.param({"team_max": "12"}, {"haneul", "medi"}, id="team-max"),
        pytest.param({"founded_after": "2021-03-01"}, {"haneul", "medi"}, id="founded-after"),
        pytest.param({"verified": "1"}, {"haneul"}, id="verified"),
        pytest.param({"status": "all", "verified": "1"}, {"haneul"}, id="verified-all"),
    ],
)
async def test_each_filter_alone(client: AsyncClient, params: dict, expected: set[str]) -> None:
    profiles = await sample_directory()
    assert await names_for(client, profiles, params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param([("sector", "automotive"), ("sector", "energy")], {"haneul", "bada"}, id="two-sectors-any"),
        pytest.param(
            [("technology", "forecasting"), ("technology", "computer_vision"), ("team_min", "20")], {"bada"}, id="techs-and-team"
        ),
        pytest.param(
            [("location", "kr"), ("founded_after", "2020-01-01"), ("team_max", "10")], {"medi"}, id="location-founded-team"
        ),
        pytest.param([("q", "vision"), ("verified", "1")], {"haneul"}, id="keyword-verified"),
        pytest.param([("sector", "automotive"), ("stage", "series_a")], set(), id="nothing-matches"),
        pytest.param(
            [("technology", "speech"), ("stage", "growth"), ("location", "jp"), ("team_min", "50"), ("team_max", "100")],
            {"tokyo"},
            id="five-filters",
        ),
    ],
)
async def test_filters_combined(client: AsyncClient, params: list, expected: set[str]) -> None:
    profiles = await sample_directory()
    assert await names_for(client, profiles, params) == expected


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("defect", {"haneul"}, id="en-one-liner"),
        pytest.param("PAINT LINES", {"haneul"}, id="en-case-insensitive"),
        pytest.param("haneul", {"haneul"}, id="en-name"),
        pytest.param("결함", {"haneul"}, id="ko-description"),
        pytest.param("하늘", {"haneul"}, id="ko-name"),
        pytest.param("의료 영상", {"medi"}, id="ko-one-liner"),
        pytest.param("컴퓨터 비전", {"haneul"}, id="ko-technology-label"),
        pytest.param("음성", {"tokyo"}, id="ko-speech-label"),
        pytest.param("natural language", {"tokyo"}, id="en-technology-label"),
        pytest.param("헬스케어", {"medi"}, id="ko-sector-label"),
        pytest.param("배터리", {"bada"}, id="ko-free-tag"),
        pytest.param("smart grid", {"bada"}, id="en-free-tag"),
        pytest.param("blockchain", set(), id="no-match"),
    ],
)
async def test_keyword_in_korean_and_english(client: AsyncClient, q: str, expected: set[str]) -> None:
    profiles = await sample_directory()
    assert await names_for(client, profiles, {"q": q}) == expected


async def test_keyword_wildcards_match_themselves(client: AsyncClient) -> None:
    percent = await create_profile(name_en="100% Organic AI")
    underscore = await create_profile(name_en="Under_Score Labs")
    plain = await create_profile(name_en="Plain Labs 1000")
    # symbols alone are looked for literally (in the database); words go through the search index
    for q, expected in (("%", [percent]), ("_", [underscore]), ("%_%", []), ("labs", [plain, underscore])):
        page = await client.get(URL, params={"q": q})
        assert sorted(listed_ids(page.text)) == sorted(expected), q  # a keyword ranks by relevance


async def test_pagination_and_count_keep_the_filters(client: AsyncClient) -> None:
    ids = [await create_profile(name_en=f"Robot Maker {n:02d}", sectors=("robotics",), team_size=n) for n in range(1, 46)]
    await create_profile(name_en="Bakery Startup", sectors=("agriculture",))
    first = await client.get(URL, params={"sector": "robotics"})
    assert "45 startups found." in first.text and "Showing 1–20." in first.text
    assert listed_ids(first.text) == ids[::-1][:20]  # most recently updated first
    assert "Page 1 of 3" in first.text and 'href="/directory/startups?sector=robotics&amp;page=2"' in first.text
    third = await client.get(URL, params={"sector": "robotics", "page": "3"})
    assert listed_ids(third.text) == ids[::-1][40:] and "Showing 41–45." in third.text
    assert 'rel="prev"' in third.text and 'rel="next"' not in third.text
    assert 'hx-get="/directory/startups?sector=robotics&amp;page=2"' in third.text
    huge = await client.get(URL, params={"sector": "robotics", "page": "99999999999999999999"})
    assert huge.status_code == 200 and listed_ids(huge.text) == []
    past = await client.get(URL, params={"sector": "robotics", "page": "9"})
    assert past.status_code == 200 and listed_ids(past.text) == [] and "45 startups found." in past.text
    api = (await client.get(API, params={"sector": "robotics", "page": "3"})).json()
    assert api["total"] == 45 and api["pages"] == 3 and api["page"] == 3 and len(api["items"]) == 5
    one = await client.get(URL, params={"q": "bakery"})
    assert "1 startup found." in one.text and 'data-testid="pager"' not in one.text


@pytest.mark.parametrize(
    ("params", "bad"),
    [
        pytest.param({"team_min": "abc"}, "team_min", id="team-min-text"),
        pytest.param({"team_max": "-3"}, "team_max", id="team-max-negative"),
        pytest.param({"team_min": "20", "team_max": "5"}, "team_max", id="team-inverted"),
        pytest.param({"founded_after": "2020-13-45"}, "founded_after", id="impossible-date"),
        pytest.param({"founded_after": "last year"}, "founded_after", id="date-words"),
        pytest.param({"sector": "space-mining"}, "sector", id="unknown-sector"),
        pytest.param({"technology": "telepathy"}, "technology", id="unknown-technology"),
        pytest.param({"stage": "unicorn"}, "stage", id="unknown-stage"),
        pytest.param({"verified": "maybe"}, "verified", id="verified-word"),
        pytest.param({"status": "sleeping"}, "status", id="unknown-status"),
        pytest.param({"page": "zero"}, "page", id="page-text"),
        pytest.param({"page": "0"}, "page", id="page-zero"),
        pytest.param({"q": "x" * 201}, "q", id="keyword-too-long"),
        pytest.param({"location": "y" * 101}, "location", id="location-too-long"),
    ],
)
async def test_bad_filter_values_are_named_and_ignored(client: AsyncClient, params: dict, bad: str) -> None:
    profiles = await sample_directory()
    page = await client.get(URL, params=params)
    assert page.status_code == 200
    errors = filter_errors(page.text)
    assert set(errors) == {bad}, errors
    assert "ignored" in errors[bad] or "first page" in errors[bad]
    if bad != "page":  # the page number has no control: its message sits above the results
        assert f'aria-describedby="filter-error-{bad}"' in page.text
    # Ignored means: the same results as without that value.
    without = {k: v for k, v in params.items() if k != bad}
    by_id = {v: k for k, v in profiles.items()}
    assert {by_id[i] for i in listed_ids(page.text)} == await names_for(client, profiles, without)
    api = await client.get(API, params=params)
    assert api.status_code == 200 and set(api.json()["filter_errors"]) == {bad}
    # While typing, the results fragment carries the message too.
    results = await client.get(URL, params=params, headers={"HX-Request": "true", "HX-Target": "directory-results"})
    assert results.status_code == 200 and 'data-testid="filter-notices"' in results.text


async def test_known_values_stay_when_another_value_is_unknown(client: AsyncClient) -> None:
    profiles = await sample_directory()
    page = await client.get(URL, params=[("sector", "automotive"), ("sector", "nope")])
    assert "“nope”" in filter_errors(page.text)["sector"]
    assert listed_ids(page.text) == [profiles["haneul"]]


async def test_full_page_fragment_and_results_alone(client: AsyncClient) -> None:
    profiles = await sample_directory()
    await login_as(client, await quick_user(locale="en"))
    full = await client.get(URL, params={"q": "vision"})
    assert full.status_code == 200 and "<html" in full.text and 'data-testid="directory-filters"' in full.text
    assert 'id="directory-results"' in full.text and "1 startup found." in full.text
    box = full.text.split('id="filter-q"')[1].split(">")[0]
    assert 'hx-get="/directory/startups"' in box and 'hx-trigger="input changed delay:300ms' in box
    assert 'hx-push-url="true"' in box and 'hx-target="#directory-results"' in box and 'value="vision"' in box
    fragment = await client.get(URL, params={"q": "vision"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-testid="directory-filters"' in fragment.text
    results = await client.get(URL, params={"q": "vision"}, headers={"HX-Request": "true", "HX-Target": "directory-results"})
    assert results.status_code == 200 and "<html" not in results.text
    assert 'data-testid="directory-filters"' not in results.text and "1 startup found." in results.text
    assert listed_ids(results.text) == [profiles["haneul"]]


async def test_korean_viewer_gets_korean_names_and_labels(client: AsyncClient) -> None:
    await sample_directory()
    await login_as(client, await quick_user(locale="ko"))
    page = await client.get(URL, params={"q": "vision"})
    assert "하늘비전" in page.text and "컴퓨터 비전" in page.text and "자동차·모빌리티" in page.text
    english_only = await client.get(URL, params={"q": "bada"})
    assert "Bada Energy" in english_only.text  # no Korean name: the English one is shown


async def test_directory_root_leads_to_startups(client: AsyncClient) -> None:
    response = await client.get("/directory", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/directory/startups"
