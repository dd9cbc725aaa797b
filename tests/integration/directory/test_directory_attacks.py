"""Break-it pass on ``/directory/startups``: markup in a startup's texts, huge and bogus page
numbers, unknown filter values and parameters, and very long keywords. Nothing may answer 500,
and whatever a visitor typed comes back escaped."""

from __future__ import annotations

import html
from typing import Any

import pytest
from httpx import AsyncClient

from tests.factories.startups import create_profile
from tests.integration.directory.helpers import filter_errors, listed_ids

URL = "/directory/startups"
XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
HX_RESULTS = {"HX-Request": "true", "HX-Target": "directory-results"}


async def test_markup_in_a_startups_texts_is_escaped_in_every_form_of_the_results(client: AsyncClient) -> None:
    profile_id = await create_profile(
        None, name_en=XSS, name_ko=XSS, one_liner_en=XSS, location=XSS, tags=[XSS], source_key="yc:xss", stage="seed",
    )
    pages = {
        "full": await client.get(URL),
        "fragment": await client.get(URL, headers={"HX-Request": "true"}),
        "results": await client.get(URL, headers=HX_RESULTS),
        "keyword": await client.get(URL, params={"q": "script"}, headers=HX_RESULTS),
        "needs": await client.get("/directory/needs", params={"q": XSS}),
    }
    for name, page in pages.items():
        assert page.status_code == 200, name
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, name
    assert profile_id in listed_ids(pages["full"].text)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["full"].text
    api = await client.get("/api/v1/startups")
    assert api.status_code == 200 and api.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize("page", ["100000", "99999999999999999999999999", str(2**63), "-5", "0", "abc", "1e3", "١٢", " 2 "])
async def test_huge_or_bogus_page_numbers_never_fail(client: AsyncClient, page: str) -> None:
    for n in range(3):
        await create_profile(None, name_en=f"Startup {n}", source_key=f"yc:{n}")
    response = await client.get(URL, params={"page": page})
    assert response.status_code == 200, response.text[:300]
    assert "3 startups found." in response.text
    results = await client.get(URL, params={"page": page}, headers=HX_RESULTS)
    assert results.status_code == 200
    api = await client.get("/api/v1/startups", params={"page": page})
    assert api.status_code in (200, 400) and api.status_code != 500


async def test_a_page_past_the_last_says_so_and_links_back(client: AsyncClient) -> None:
    await create_profile(None, name_en="Only One", source_key="yc:one")
    response = await client.get(URL, params={"page": "100000", "q": "Only"})
    assert response.status_code == 200 and "1 startup found." in response.text
    text = html.unescape(response.text)
    assert "No startup matches these filters" not in text  # one does: it is on page 1
    assert "There is no page 100000: the results end on page 1." in text
    assert 'href="/directory/startups?q=Only"' in response.text


UNKNOWN_VALUES = [
    ({"sector": "<script>alert(1)</script>"}, "sector"),
    ({"technology": ["nlp", "telepathy"]}, "technology"),
    ({"stage": "series_z"}, "stage"),
    ({"team_min": "many"}, "team_min"),
    ({"team_min": "-3"}, "team_min"),
    ({"team_max": "99999999999999999999999"}, "team_max"),
    ({"team_min": "50", "team_max": "10"}, "team_max"),
    ({"founded_after": "2020-13-45"}, "founded_after"),
    ({"founded_after": "<b>now</b>"}, "founded_after"),
    ({"verified": "maybe"}, "verified"),
    ({"status": "deleted"}, "status"),
    ({"location": "Seoul\x07"}, "location"),
]


@pytest.mark.parametrize(("params", "name"), UNKNOWN_VALUES, ids=[name for _p, name in UNKNOWN_VALUES])
async def test_unknown_filter_values_are_ignored_named_and_escaped(client: AsyncClient, params: dict[str, Any], name: str) -> None:
    # a startup every known value among the bad ones lets through (nlp, team size 60)
    await create_profile(None, name_en="Listed", source_key="yc:listed", technologies=["nlp"], team_size=60, stage="seed")
    response = await client.get(URL, params=params, headers=HX_RESULTS)
    assert response.status_code == 200, response.text[:300]
    assert name in filter_errors(response.text)
    assert "<script>alert" not in response.text and "<b>now" not in response.text
    assert "1 startup found." in response.text  # the bad filter was left out, not applied


async def test_a_nul_byte_in_a_filter_is_a_clear_400(client: AsyncClient) -> None:
    response = await client.get(URL, params={"location": "Seoul\x00"})
    assert response.status_code == 400 and "NUL" in response.text


async def test_unknown_parameters_and_a_thousand_repeated_values_are_harmless(client: AsyncClient) -> None:
    await create_profile(None, name_en="Listed", source_key="yc:listed", sectors=["energy"])
    params = [("sector", f"nope{n}") for n in range(1000)] + [("sector", "energy"), ("debug", "1"), ("__proto__", "x"), ("order", "id; DROP TABLE startup_profile")]
    response = await client.get(URL, params=params, headers=HX_RESULTS)
    assert response.status_code == 200
    assert "1 startup found." in response.text
    assert len(filter_errors(response.text)["sector"]) < 400  # names a few, not a thousand


@pytest.mark.parametrize("keyword", ["가" * 201, "z" * 10_000, "가" * 7_000], ids=["201", "10000", "7000-korean"])
async def test_a_very_long_keyword_is_ignored_naming_the_limit(client: AsyncClient, keyword: str) -> None:
    await create_profile(None, name_en="Listed", source_key="yc:listed")
    for headers in (HX_RESULTS, {}):
        response = await client.get(URL, params={"q": keyword}, headers=headers)
        assert response.status_code == 200, response.status_code
        assert "Keyword may be at most 200 characters, so it was ignored." in html.unescape(response.text)
        assert "1 startup found." in response.text
        if headers:  # the results say why; the full page's keyword box keeps what was typed, marked invalid
            assert keyword[:201] not in response.text
        else:
            assert 'aria-invalid="true"' in response.text


async def test_a_keyword_of_exactly_the_limit_is_used(client: AsyncClient) -> None:
    await create_profile(None, name_en="Listed", source_key="yc:listed")
    response = await client.get(URL, params={"q": "z" * 200}, headers=HX_RESULTS)
    assert response.status_code == 200 and "q" not in filter_errors(response.text)
    assert 'data-testid="result-count"' in response.text


async def test_a_needs_page_past_the_last_says_so_too(client: AsyncClient) -> None:
    response = await client.get("/directory/needs", params={"page": "100000"})
    assert response.status_code == 200
    assert 'data-testid="no-results"' in response.text  # no needs at all: nothing past the last to speak of
