"""Break-it pass on onboarding steps 1–6: skipping steps, reaching for another startup's profile,
fields the forms do not have, over-long and hostile text, impossible numbers and dates,
addresses that are not web addresses, repeated and unknown taxonomy values."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest

from hubcity.db.tables import StartupProfile, StartupTag
from hubcity.startups.schemas import latest_today
from tests.conftest import csrf_token, post_form
from tests.factories.startups import STEP_DATA, create_profile, image_bytes, seed_taxonomies, staff_member, startup_member

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


@pytest.fixture(autouse=True)
async def taxonomies(app: Any) -> None:
    await seed_taxonomies()


async def rows() -> list[dict[str, Any]]:
    return await StartupProfile.select().order_by(StartupProfile.id).output(load_json=True).run()


async def save(client: Any, step: int, data: dict[str, Any]) -> Any:
    return await post_form(client, f"/startups/onboarding/steps/{step}", data, follow_redirects=False)


async def save_steps(client: Any, *steps: int) -> None:
    for step in steps:
        assert (await save(client, step, STEP_DATA[step])).status_code == 303


# -- skipping steps -------------------------------------------------------------------------------
async def test_steps_cannot_be_skipped_by_url(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1)
    for asked in ("5", "6", "-1", "0", "abc", "99999999999999999999999"):
        page = await client.get(f"/startups/onboarding?step={asked}")
        assert page.status_code == 200 and 'data-step="2"' in page.text, asked  # the furthest step reached
    assert (await save(client, 4, STEP_DATA[4])).status_code == 409
    token = await csrf_token(client)
    logo = await client.post("/startups/onboarding/logo", files={"logo": ("l.png", image_bytes(), "image/png")}, data={"_csrf_token": token})
    assert logo.status_code == 409 and "earlier steps" in logo.text
    for step in ("0", "-1", "6", "7", "99999999999999999999999"):
        assert (await save(client, step, STEP_DATA[1])).status_code in (400, 404), step  # type: ignore[arg-type]
    [row] = await rows()
    assert row["onboarding_step"] == 2 and row["onboarding_completed_at"] is None and row["funding_raised"] is None


# -- another startup's profile, and fields the forms do not have ---------------------------------
async def test_steps_write_only_the_viewers_own_profile_and_only_form_fields(client: Any, settings: Any) -> None:
    first = await startup_member(client, name_en="First Co")
    await save_steps(client, 1, 2)
    [victim] = await rows()
    kept = await create_profile(None, name_en="Agency Kept", source="yc", external_id="1", source_key="yc:1")

    await post_form(client, "/logout", {})
    second = await startup_member(client, name_en="Second Co")
    smuggled = {
        "id": str(victim["id"]), "profile_id": str(victim["id"]), "organisation": str(first["org"]["id"]),
        "status": "acquired", "source": "yc", "source_key": "yc:1", "external_id": "1", "claimed_at": "2020-01-01",
        "onboarding_step": "6", "onboarding_completed_at": "2020-01-01T00:00:00Z", "do_not_match": "true",
        "logo_path": "../../../etc/passwd", "possible_duplicate_of": str(kept), "website_domain": "first.example",
    }
    assert (await save(client, 1, {**STEP_DATA[1], **smuggled, "name_en": "Second Co"})).status_code == 303
    assert (await save(client, 2, {**STEP_DATA[2], **smuggled})).status_code == 303
    by_id = {row["id"]: row for row in await rows()}
    assert by_id[victim["id"]] == victim  # untouched
    assert by_id[kept]["organisation"] is None and by_id[kept]["name_en"] == "Agency Kept"
    mine = next(row for row in by_id.values() if row["organisation"] == second["org"]["id"])
    assert mine["name_en"] == "Second Co" and mine["status"] == "active" and mine["source_key"] is None
    assert mine["onboarding_step"] == 3 and mine["onboarding_completed_at"] is None and mine["do_not_match"] is False
    assert mine["logo_path"] == "" and mine["possible_duplicate_of"] is None and mine["website_domain"] == "haneul-vision.example"

    # The first startup's draft is neither visible nor editable by the second.
    assert (await client.get(f"/startups/{victim['id']}")).status_code == 404
    assert (await post_form(client, f"/startups/{victim['id']}/edit", {**STEP_DATA[1], **STEP_DATA[2], "sectors": ["energy"]})).status_code in (403, 404)
    assert (await post_form(client, f"/startups/{victim['id']}/do-not-match", {"do_not_match": "1"})).status_code in (403, 404, 405)
    assert (await post_form(client, "/startups/onboarding/claims", {"profile_id": str(victim["id"])})).status_code == 404
    assert {row["id"]: row for row in await rows()}[victim["id"]] == victim


# -- over-long text --------------------------------------------------------------------------------
OVER_LONG = [
    (1, "name_ko", "가" * 201, "Name in Korean must be at most 200 characters."),
    (1, "location", "x" * 201, "Location (city or region) must be at most 200 characters."),
    (1, "website", "https://example.com/" + "x" * 290, "Website: must be at most 300 characters."),
    (2, "one_liner_ko", "가" * 201, "One-liner in Korean must be at most 200 characters."),
    (2, "description_en", "x" * 5001, "Description in English must be at most 5000 characters."),
    (4, "partners", "Partner\n" + "y" * 201, "Partners must be at most 200 characters."),
    (4, "investors", "\n".join(f"Fund {n}" for n in range(60)), "Investors may have at most 50 items."),
    (5, "needs_ko", "가" * 5001, "What you need from partners, in Korean must be at most 5000 characters."),
    (5, "offers_ko", "가" * 5001, "What you offer partners, in Korean must be at most 5000 characters."),
    (5, "offers_en", "x" * 5001, "What you offer partners, in English must be at most 5000 characters."),
]


@pytest.mark.parametrize(("step", "field", "value", "message"), OVER_LONG, ids=[f"{s}-{f}" for s, f, _v, _m in OVER_LONG])
async def test_over_long_fields_are_refused_naming_the_limit(client: Any, step: int, field: str, value: str, message: str) -> None:
    await startup_member(client)
    await save_steps(client, *range(1, step))
    before = await rows()
    response = await save(client, step, {**STEP_DATA[step], field: value})
    assert response.status_code == 422 and message in html.unescape(response.text)
    assert await rows() == before


async def test_a_request_body_over_the_app_limit_is_refused_not_stored(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1)
    response = await save(client, 2, {**STEP_DATA[2], "description_en": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413
    assert (await rows())[0]["description_en"] == ""


# -- markup in every text field ------------------------------------------------------------------
def hostile_steps() -> dict[int, dict[str, Any]]:
    return {
        1: {"name_ko": XSS[:200], "name_en": XSS, "website": "https://xss.example/?q=\"><script>alert(3)</script>",
            "location": XSS, "country": "kr", "founded_on": "2020-01-01", "team_size": "5"},
        2: {"one_liner_ko": XSS, "one_liner_en": XSS, "description_ko": XSS + "\n" + XSS, "description_en": XSS + "\n" + XSS},
        3: {"sectors": ["automotive"], "technologies": ["computer_vision"], "stage": "seed"},
        4: {"funding_raised": "1000", "investors": XSS, "customers": XSS, "partners": XSS, "target_markets": ["kr"]},
        5: {"needs_ko": XSS, "needs_en": XSS, "offers_ko": XSS, "offers_en": XSS},
    }


async def test_markup_in_every_text_field_is_shown_as_text(client: Any) -> None:
    member = await startup_member(client)
    for step, data in hostile_steps().items():
        response = await save(client, step, data)
        assert response.status_code == 303, (step, response.text[:300])
        assert "<script>alert" not in (await client.get(f"/startups/onboarding?step={step}")).text
    token = await csrf_token(client)
    assert (await client.post("/startups/onboarding/logo", data={"_csrf_token": token}, follow_redirects=False)).status_code == 303
    [row] = await rows()
    assert row["name_en"] == XSS and row["investors"] == [XSS]  # stored as typed

    pages = {"member": await client.get(f"/startups/{row['id']}"), "edit": await client.get(f"/startups/{row['id']}/edit")}
    await post_form(client, "/logout", {})
    pages["public"] = await client.get(f"/startups/{row['id']}")
    pages["api"] = await client.get(f"/api/v1/startups/{row['id']}")
    for name, page in pages.items():
        assert page.status_code == 200, name
        if name != "api":
            assert "<script>alert" not in page.text and "<img src=x" not in page.text, name
    assert html.escape(XSS, quote=False).replace('"', "&#34;") in pages["public"].text or "&lt;script&gt;alert(1)" in pages["public"].text
    assert pages["api"].json()["name_en"] == XSS  # JSON carries the text; pages escape it
    assert pages["api"].headers["content-type"].startswith("application/json")
    assert pages["api"].headers["x-content-type-options"] == "nosniff"
    assert member["org"]["id"] == row["organisation"]


# -- numbers and dates -----------------------------------------------------------------------------
BAD_NUMBERS_AND_DATES = [
    (1, "team_size", "-1", "Team size must be at least 1."),
    (1, "team_size", "1" + "0" * 30, "Team size must be at most 100000."),
    (1, "team_size", "1e3", "Team size must be a whole number."),
    (1, "team_size", "12.5", "Team size must be a whole number."),
    (1, "team_size", "NaN", "Team size must be a whole number."),
    (4, "funding_raised", "-1", "Funding raised (KRW) must be at least 0."),
    (4, "funding_raised", "1" + "0" * 15 + "1", "Funding raised (KRW) must be at most 1000000000000000."),
    (4, "funding_raised", "9" * 40, "Funding raised (KRW) must be at most 1000000000000000."),
    (4, "funding_raised", "1e9", "Funding raised (KRW) must be a whole number."),
    (4, "funding_raised", "Infinity", "Funding raised (KRW) must be a whole number."),
    (1, "founded_on", "9999-12-31", "Founding date: must not be in the future."),
    (1, "founded_on", "0001-01-01", "Founding date: must be in 1900 or later."),
    (1, "founded_on", "2020-02-30", "Founding date must be a date (YYYY-MM-DD)."),
    (1, "founded_on", "2020-13-01", "Founding date must be a date (YYYY-MM-DD)."),
]


@pytest.mark.parametrize(("step", "field", "value", "message"), BAD_NUMBERS_AND_DATES, ids=[f"{f}={v[:12]}" for _s, f, v, _m in BAD_NUMBERS_AND_DATES])
async def test_impossible_numbers_and_dates_are_refused(client: Any, step: int, field: str, value: str, message: str) -> None:
    await startup_member(client)
    await save_steps(client, *range(1, step))
    before = await rows()
    response = await save(client, step, {**STEP_DATA[step], field: value})
    assert response.status_code == 422, response.text[:300]
    assert message in html.unescape(response.text)
    assert await rows() == before


async def test_the_founding_date_may_be_today_anywhere_but_not_later(client: Any) -> None:
    await startup_member(client)
    tomorrow_everywhere = (latest_today() + timedelta(days=1)).isoformat()
    assert (await save(client, 1, {**STEP_DATA[1], "founded_on": tomorrow_everywhere})).status_code == 422
    assert (await save(client, 1, {**STEP_DATA[1], "founded_on": latest_today().isoformat()})).status_code == 303


# -- websites --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "website",
    ["javascript:alert(1)", "javascript://example.com/%0aalert(1)", "JaVaScRiPt://x.example/%0Aalert(1)",
     "data:text/html,<script>alert(1)</script>", "data://text/html;base64,PHNjcmlwdD4=", "vbscript://x.example",
     "ftp://files.example", "https://exa mple.com", "http://localhost", "https://", "//evil.example", "https://x.example\x0b"],
)
async def test_a_website_that_is_not_a_web_address_is_refused(client: Any, website: str) -> None:
    await startup_member(client)
    response = await save(client, 1, {**STEP_DATA[1], "website": website})
    assert response.status_code == 422
    text = html.unescape(response.text)
    assert "Website: must be a web address such as https://example.com." in text or "Website contains an invisible control character" in text
    assert await rows() == []


async def test_stored_websites_that_are_not_web_addresses_are_never_links(client: Any) -> None:
    """Rows written before the rule (or by hand) still never become a javascript: link."""
    profile_id = await create_profile(None, name_en="Old Row", website="javascript://x%0aalert(1)", source_key="yc:old")
    page = await client.get(f"/startups/{profile_id}")
    assert page.status_code == 200 and "javascript://x%0aalert(1)" in page.text
    assert 'href="javascript' not in page.text.lower()


# -- taxonomy values -------------------------------------------------------------------------------
async def test_repeated_values_are_stored_once(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2)
    response = await save(client, 3, {"sectors": ["energy", "energy", "automotive", "energy"], "technologies": ["nlp", "nlp"], "stage": "seed"})
    assert response.status_code == 303
    await save(client, 4, {**STEP_DATA[4], "investors": "Blue Fund\nblue  fund\nBLUE FUND\nRed Fund", "target_markets": ["kr", "kr", "jp"]})
    [row] = await rows()
    tags = await StartupTag.select(StartupTag.kind, StartupTag.slug).where(StartupTag.profile == row["id"]).order_by(StartupTag.id).run()
    assert [(t["kind"], t["slug"]) for t in tags] == [("sector", "energy"), ("sector", "automotive"), ("technology", "nlp")]
    assert row["investors"] == ["Blue Fund", "Red Fund"] and row["target_markets"] == ["kr", "jp"]


UNKNOWN_SLUGS = [
    (1, {"country": "zz"}, "Country: zz is not one of the choices."),
    (3, {"sectors": ["automotive", "<script>alert(1)</script>"]}, "Sectors: <script>alert(1)</script> is not one of the choices."),
    (3, {"technologies": ["telepathy"]}, "AI technologies: telepathy is not one of the choices."),
    (3, {"stage": "series_z"}, "Stage: series_z is not one of the choices."),
    (4, {"target_markets": ["kr", "mars"]}, "Target markets: mars is not one of the choices."),
    (1, {"country": "sector:automotive"}, "Country: sector:automotive is not one of the choices."),
    (3, {"sectors": ["energy"], "technologies": ["energy"]}, "AI technologies: energy is not one of the choices."),
]


@pytest.mark.parametrize(("step", "data", "message"), UNKNOWN_SLUGS, ids=[str(i) for i in range(len(UNKNOWN_SLUGS))])
async def test_unknown_taxonomy_values_are_refused_naming_them(client: Any, step: int, data: dict[str, Any], message: str) -> None:
    await startup_member(client)
    await save_steps(client, *range(1, step))
    before = await rows()
    response = await save(client, step, {**STEP_DATA[step], **data})
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert "<script>alert(1)</script>" not in response.text  # quoted back escaped
    assert await rows() == before


# -- ids that cannot name a row --------------------------------------------------------------------
BIG = "99999999999999999999"  # above 2**63: an OverflowError (500) once it reaches SQLite


async def test_huge_ids_answer_404_not_500(client: Any) -> None:
    await startup_member(client)
    for url in (f"/startups/{BIG}", f"/startups/{BIG}/edit", f"/startups/{BIG}/logo", f"/api/v1/startups/{BIG}", "/startups/0", "/startups/-1"):
        assert (await client.get(url)).status_code == 404, url
    for url in (f"/startups/{BIG}/edit", f"/startups/{BIG}/do-not-match"):
        assert (await post_form(client, url, {"do_not_match": "1"})).status_code in (404, 405), url
    for value in (BIG, "0", "-1", "1e3", "abc", ""):
        claim = await post_form(client, "/startups/onboarding/claims", {"profile_id": value})
        assert claim.status_code == 404, value
    await post_form(client, "/logout", {})
    await staff_member(client, "admin")
    for url in (f"/staff/claims/{BIG}/approve", f"/staff/claims/{BIG}/reject", f"/staff/organisations/{BIG}/verify",
                f"/staff/taxonomies/{BIG}", f"/staff/imports/{BIG}/confirm"):
        assert (await post_form(client, url, {"confirm": "yes", "message": "no"})).status_code == 404, url
    for url in (f"/staff/imports/{BIG}", f"/staff/imports/{BIG}/progress", f"/staff/imports/{BIG}/rows/rejected"):
        assert (await client.get(url)).status_code == 404, url


@pytest.mark.parametrize(("field", "label"), [("name_en", "Name in English"), ("location", "Location (city or region)"), ("website", "Website")])
async def test_line_breaks_in_single_line_fields_are_refused(client: Any, field: str, label: str) -> None:
    await startup_member(client)
    value = {"name_en": "Acme\nCorp", "location": "Seoul\r\nBusan", "website": "https://a.example/\nb"}[field]
    response = await save(client, 1, {**STEP_DATA[1], field: value})
    assert response.status_code == 422
    assert f"{label} contains an invisible control character" in html.unescape(response.text)
    assert await rows() == []
    # …while the fields written on several lines keep their line breaks.
    await save_steps(client, 1)
    assert (await save(client, 2, {**STEP_DATA[2], "description_en": "Line one\nLine two"})).status_code == 303
