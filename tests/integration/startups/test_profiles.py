"""The profile page (public, in the viewer's language with a fallback), members-only fields
(hidden from others in HTML and API), the edit page and ``PATCH`` (members and staff only, same
rules, nothing stored on failure), the "do not match me" switch and the completeness score."""

from __future__ import annotations

import html
from typing import Any

import pytest

from hubcity.db.tables import StartupProfile
from hubcity.startups.completeness import ITEMS, completeness
from tests.conftest import api_call, post_form
from tests.factories.accounts import create_org, create_user, login
from tests.factories.startups import create_profile, image_bytes, seed_taxonomies, staff_member, startup_member

HX = {"HX-Request": "true"}
PRIVATE = {
    "funding_raised": 2_500_000_000,
    "investors": ["Secret Ventures"],
    "customers": ["Hidden Motors"],
    "partners": ["Quiet Partner Co"],
}


@pytest.fixture(autouse=True)
async def taxonomies(app: Any) -> None:
    await seed_taxonomies()


async def row(profile_id: int) -> dict[str, Any]:
    return await StartupProfile.select().where(StartupProfile.id == profile_id).first().output(load_json=True).run()


def edit_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_ko": "",
        "name_en": "Orbit Robotics",
        "website": "https://orbit.example",
        "location": "Hanbit",
        "country": "kr",
        "founded_on": "2019-05-01",
        "team_size": "30",
        "one_liner_en": "Robots for warehouses",
        "description_en": "Autonomous picking robots.",
        "sectors": ["logistics"],
        "technologies": ["robotics_control"],
        "stage": "series_a",
        "funding_raised": "300000000",
        "investors": "Orbit Capital",
        "customers": "",
        "partners": "",
        "target_markets": ["us"],
        "needs_en": "",
        "offers_en": "",
    }
    data.update(overrides)
    return data


# -- the page ------------------------------------------------------------------------------------------
async def test_public_profile_page_full_and_fragment_without_members_only_fields(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(
        member["org"]["id"], name_en="Orbit Robotics", technologies=["robotics_control"], **PRIVATE
    )
    await client.post("/logout", headers={"x-csrftoken": client.cookies.get("csrftoken", "")})
    client.cookies.clear()
    page = await client.get(f"/startups/{profile_id}")
    assert page.status_code == 200 and "<html" in page.text
    assert "Orbit Robotics" in page.text and "Robotics, control and autonomy" in page.text
    fragment = await client.get(f"/startups/{profile_id}", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "Orbit Robotics" in fragment.text
    for text in (page.text, fragment.text):
        for secret in ("Secret Ventures", "Hidden Motors", "Quiet Partner Co", "2,500,000,000", "data-members-only"):
            assert secret not in text
        assert "do-not-match" not in text and "completeness" not in text


async def test_another_startups_member_sees_no_members_only_fields_page_or_api(client: Any) -> None:
    owner = await create_user()
    org = await create_org("startup", owner=owner)
    profile_id = await create_profile(org["id"], **PRIVATE)
    await startup_member(client)  # someone of another startup
    page = await client.get(f"/startups/{profile_id}")
    assert page.status_code == 200
    assert "Secret Ventures" not in page.text and "data-members-only" not in page.text
    api = await api_call(client, "GET", f"/api/v1/startups/{profile_id}")
    assert api.status_code == 200
    body = api.json()
    for key in ("funding_raised", "investors", "customers", "partners", "funding_currency", "completeness"):
        assert key not in body
    assert body["name_en"] and body["sectors"] == ["automotive"]


async def test_members_and_staff_see_members_only_fields_page_and_api(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"], **PRIVATE)
    page = await client.get(f"/startups/{profile_id}")
    assert "Secret Ventures" in page.text and "2,500,000,000 won" in page.text and "Quiet Partner Co" in page.text
    api = (await api_call(client, "GET", f"/api/v1/startups/{profile_id}")).json()
    assert api["funding_raised"] == 2_500_000_000 and api["funding_currency"] == "KRW"
    assert api["investors"] == ["Secret Ventures"] and api["partners"] == ["Quiet Partner Co"]

    await post_form(client, "/logout", {})
    await staff_member(client, "reviewer")
    assert "Hidden Motors" in (await client.get(f"/startups/{profile_id}")).text
    assert (await api_call(client, "GET", f"/api/v1/startups/{profile_id}")).json()["customers"] == ["Hidden Motors"]


async def test_profile_in_the_viewers_language_falling_back_with_a_note(client: Any) -> None:
    profile_id = await imported_only_korean()
    english = await client.get(f"/startups/{profile_id}")
    assert "한빛 모빌리티" in english.text and "자율주행 데이터 플랫폼" in english.text
    assert "data-language-note" in english.text and "shown in 한국어" in english.text

    both = await create_profile(None, name_ko="두 언어", name_en="Both Languages", one_liner_ko="한국어 소개", one_liner_en="English intro")
    page = await client.get(f"/startups/{both}")
    assert "Both Languages" in page.text and "English intro" in page.text
    assert "한국어 소개" not in page.text and "data-language-note" not in page.text

    await post_form(client, "/locale", {"locale": "ko", "next": "/"})
    korean = await client.get(f"/startups/{both}")
    assert "두 언어" in korean.text and "한국어 소개" in korean.text and "English intro" not in korean.text


async def imported_only_korean() -> int:
    return await create_profile(None, name_en="", one_liner_en="", name_ko="한빛 모빌리티", one_liner_ko="자율주행 데이터 플랫폼")


async def test_unfinished_or_inactive_profiles_are_not_public(client: Any) -> None:
    owner = await create_user()
    org = await create_org("startup", owner=owner)
    draft = await create_profile(org["id"], completed=False)
    inactive = await create_profile(None, status="inactive")
    for profile_id in (draft, inactive, 999999):
        assert (await client.get(f"/startups/{profile_id}")).status_code == 404
        assert (await api_call(client, "GET", f"/api/v1/startups/{profile_id}")).status_code == 404
    await login(client, owner["email"])
    assert (await client.get(f"/startups/{draft}")).status_code == 200


# -- editing -------------------------------------------------------------------------------------------
async def test_members_edit_the_whole_profile_full_page_and_htmx(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"], name_en="Old Name")
    page = await client.get(f"/startups/{profile_id}/edit")
    assert page.status_code == 200 and "<html" in page.text and 'value="Old Name"' in page.text
    fragment = await client.get(f"/startups/{profile_id}/edit", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text

    response = await post_form(client, f"/startups/{profile_id}/edit", edit_data(), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"/startups/{profile_id}"
    stored = await row(profile_id)
    assert stored["name_en"] == "Orbit Robotics" and stored["team_size"] == 30 and stored["stage"] == "series_a"
    assert stored["funding_raised"] == 300_000_000 and stored["investors"] == ["Orbit Capital"]
    assert stored["website_domain"] == "orbit.example"

    htmx = await post_form(client, f"/startups/{profile_id}/edit", edit_data(name_en="Orbit Two"), htmx=True)
    assert htmx.status_code == 200 and htmx.headers["hx-redirect"] == f"/startups/{profile_id}"
    assert (await row(profile_id))["name_en"] == "Orbit Two"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name_en": "", "name_ko": ""}, "Give the company's name in Korean, in English or in both."),
        ({"one_liner_en": "x" * 201}, "One-liner in English must be at most 200 characters."),
        ({"founded_on": "2999-01-01"}, "Founding date: must not be in the future."),
        ({"team_size": "0"}, "Team size must be at least 1."),
        ({"team_size": "abc"}, "Team size must be a whole number."),
        ({"sectors": []}, "Sectors: choose at least one."),
    ],
)
async def test_a_failed_edit_keeps_the_typed_values_and_changes_nothing(client: Any, overrides: dict[str, Any], message: str) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"], name_en="Kept Name", team_size=5)
    before = await row(profile_id)
    data = edit_data(location="Typed Location", **overrides)
    response = await post_form(client, f"/startups/{profile_id}/edit", data)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'value="Typed Location"' in response.text
    assert await row(profile_id) == before
    fragment = await post_form(client, f"/startups/{profile_id}/edit", data, htmx=True)
    assert fragment.status_code == 422 and "<html" not in fragment.text


async def test_another_startups_member_cannot_edit(client: Any) -> None:
    owner = await create_user()
    org = await create_org("startup", owner=owner)
    profile_id = await create_profile(org["id"], name_en="Not Yours")
    before = await row(profile_id)
    await startup_member(client)
    assert (await client.get(f"/startups/{profile_id}/edit")).status_code == 403
    assert (await post_form(client, f"/startups/{profile_id}/edit", edit_data(name_en="Taken Over"))).status_code == 403
    patch = await api_call(client, "PATCH", f"/api/v1/startups/{profile_id}", {"name_en": "Taken Over"})
    assert patch.status_code == 403 and patch.json()["error"] == "not_permitted"
    assert (await post_form(client, f"/startups/{profile_id}/do-not-match", {"do_not_match": "yes"})).status_code == 403
    logo = await client.post(
        f"/startups/{profile_id}/logo",
        files={"logo": ("l.png", image_bytes(), "image/png")},
        data={"_csrf_token": client.cookies.get("csrftoken")},
    )
    assert logo.status_code == 403
    assert await row(profile_id) == before
    # A draft of another startup is not even visible: 404.
    draft = await create_profile(org["id"], completed=False)
    assert (await client.get(f"/startups/{draft}/edit")).status_code == 404


async def test_staff_may_edit_any_profile(client: Any) -> None:
    profile_id = await create_profile(None, name_en="Imported")
    await staff_member(client, "program_manager")
    response = await post_form(client, f"/startups/{profile_id}/edit", edit_data(name_en="Corrected"), follow_redirects=False)
    assert response.status_code == 303
    assert (await row(profile_id))["name_en"] == "Corrected"


async def test_logo_replaced_from_the_profile(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"])
    page = await client.get(f"/startups/{profile_id}/logo")
    assert page.status_code == 200 and 'id="field-logo"' in page.text
    assert "<html" not in (await client.get(f"/startups/{profile_id}/logo", headers=HX)).text
    token = client.cookies.get("csrftoken")
    bad = await client.post(f"/startups/{profile_id}/logo", files={"logo": ("l.png", b"%PDF-1.4 not an image", "image/png")}, data={"_csrf_token": token})
    assert bad.status_code == 422 and "PNG, JPEG or WebP" in bad.text
    huge = await client.post(
        f"/startups/{profile_id}/logo", files={"logo": ("l.png", b"\0" * (20 * 1024 * 1024), "image/png")}, data={"_csrf_token": token}
    )
    assert huge.status_code == 413 and "at most 2 MB" in huge.text and 'id="field-logo"' in huge.text
    assert (await row(profile_id))["logo_path"] == ""
    good = await client.post(f"/startups/{profile_id}/logo", files={"logo": ("l.jpg", image_bytes("PNG"), "image/jpeg")}, data={"_csrf_token": token}, follow_redirects=False)
    assert good.status_code == 303
    assert (await row(profile_id))["logo_path"].endswith(".png")


# -- API -----------------------------------------------------------------------------------------------
async def test_api_patch_changes_given_fields_with_the_same_rules(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"], name_en="API Co", team_size=4, investors=["A"])
    ok = await api_call(client, "PATCH", f"/api/v1/startups/{profile_id}", {"team_size": 9, "investors": ["B", "C"], "technologies": ["nlp"]})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["team_size"] == 9 and body["investors"] == ["B", "C"] and body["technologies"] == ["nlp"]
    assert body["name_en"] == "API Co" and body["sectors"] == ["automotive"]
    assert body["completeness"]["score"] > 0

    before = await row(profile_id)
    bad = await api_call(
        client, "PATCH", f"/api/v1/startups/{profile_id}", {"team_size": 0, "founded_on": "2999-01-01", "one_liner_en": "x" * 201, "stage": "unicorn"}
    )
    assert bad.status_code == 422
    fields = bad.json()["fields"]
    assert set(fields) == {"team_size", "founded_on", "one_liner_en", "stage"}
    assert fields["team_size"] == "Team size must be at least 1."
    assert await row(profile_id) == before
    unknown = await api_call(client, "PATCH", f"/api/v1/startups/{profile_id}", {"nickname": "x"})
    assert unknown.status_code == 422 and "nickname" in unknown.json()["fields"]
    assert (await client.get("/api/v1/startups/abc")).status_code in (400, 404)


async def test_api_patch_needs_a_login(client: Any) -> None:
    profile_id = await create_profile(None)
    response = await api_call(client, "PATCH", f"/api/v1/startups/{profile_id}", {"team_size": 3})
    assert response.status_code == 401


# -- do not match; completeness ------------------------------------------------------------------------
async def test_do_not_match_switch_full_page_and_htmx(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(member["org"]["id"])
    page = await client.get(f"/startups/{profile_id}")
    assert 'data-do-not-match="off"' in page.text and 'aria-checked="false"' in page.text

    fragment = await post_form(client, f"/startups/{profile_id}/do-not-match", {"do_not_match": "yes"}, htmx=True)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert fragment.text.strip().startswith('<section id="do-not-match"')
    assert 'data-do-not-match="on"' in fragment.text and 'aria-checked="true"' in fragment.text
    assert (await row(profile_id))["do_not_match"] is True

    plain = await post_form(client, f"/startups/{profile_id}/do-not-match", {"do_not_match": ""}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == f"/startups/{profile_id}"
    assert (await row(profile_id))["do_not_match"] is False
    assert (await api_call(client, "GET", f"/api/v1/startups/{profile_id}")).json()["do_not_match"] is False


def test_completeness_weights_add_up_and_the_next_item_is_the_heaviest_missing() -> None:
    assert sum(item.weight for item in ITEMS) == 100
    empty = completeness({}, {})
    assert empty.score == 0 and empty.next.key == "name"
    full_profile = {
        "name_en": "A", "website": "https://a.example", "location": "Hanbit", "founded_on": "2020-01-01", "team_size": 3,
        "one_liner_ko": "한 줄", "one_liner_en": "One line", "description_en": "D", "stage": "seed", "target_markets": ["kr"],
        "funding_raised": 0, "needs_ko": "N", "offers_en": "O", "logo_path": "logos/x.png",
    }
    full = completeness(full_profile, {"sector": ["energy"], "technology": ["nlp"]})
    assert full.score == 100 and full.next is None
    without_tech = completeness(dict(full_profile, logo_path=""), {"sector": ["energy"]})
    assert without_tech.score == 88 and without_tech.next.key == "technologies" and without_tech.next.step == 3


async def test_completeness_shown_to_members_with_a_link_to_the_next_items_step(client: Any) -> None:
    member = await startup_member(client)
    profile_id = await create_profile(
        member["org"]["id"], name_en="Half Done", one_liner_en="Line", website="https://half.example", location="Hanbit"
    )
    page = await client.get(f"/startups/{profile_id}")
    # name 10 + website 5 + location 5 + one-liner 10 + sectors 10 = 40
    assert 'data-score="40"' in page.text and "40% complete" in page.text
    assert 'data-next-item="description"' in page.text
    assert f'href="/startups/{profile_id}/edit#field-description_ko"' in page.text

    draft_member = await startup_member(client)
    draft = await create_profile(draft_member["org"]["id"], completed=False, name_en="Draft", one_liner_en="x")
    page = await client.get(f"/startups/{draft}")
    assert 'href="/startups/onboarding?step=2"' in page.text  # description is filled in at step 2
