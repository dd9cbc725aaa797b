"""Startup onboarding: every step with good and bad input, as full pages and HTMX fragments,
saved at each step and resumed after logging out; the logo step's checks (real type from the
bytes, 2 MB, the route's own body limit answering a 20 MB upload with the 2 MB message)."""

from __future__ import annotations

import html
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from hubcity.db.tables import StartupProfile, StartupTag
from tests.conftest import csrf_token, post_form
from tests.factories.accounts import create_org, create_user, login
from tests.factories.startups import (
    STEP_DATA,
    big_png,
    create_profile,
    image_bytes,
    seed_taxonomies,
    startup_member,
)

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
async def taxonomies(app: Any) -> None:
    await seed_taxonomies()


async def profile_row() -> dict[str, Any]:
    rows = await StartupProfile.select().output(load_json=True).run()
    assert len(rows) == 1, rows
    return rows[0]


async def save_steps(client: Any, *steps: int) -> None:
    for step in steps:
        response = await post_form(client, f"/startups/onboarding/steps/{step}", STEP_DATA[step], follow_redirects=False)
        assert response.status_code == 303, response.text
        assert response.headers["location"] == f"/startups/onboarding?step={step + 1}"


async def upload_logo(client: Any, content: bytes, name: str = "logo.png", htmx: bool = False, url: str = "/startups/onboarding/logo") -> Any:
    token = await csrf_token(client)
    if htmx:
        return await client.post(url, files={"logo": (name, content, "image/png")}, headers={"x-csrftoken": token, **HX})
    return await client.post(url, files={"logo": (name, content, "image/png")}, data={"_csrf_token": token}, follow_redirects=False)


# -- the whole flow ---------------------------------------------------------------------------------
async def test_all_steps_as_plain_forms_end_on_the_profile_page(client: Any, settings: Any) -> None:
    member = await startup_member(client)
    page = await client.get("/startups/onboarding")
    assert page.status_code == 200 and "<html" in page.text
    assert 'data-step="1"' in page.text

    await save_steps(client, 1, 2, 3, 4, 5)
    row = await profile_row()
    assert row["organisation"] == member["org"]["id"]
    assert row["onboarding_step"] == 6 and row["onboarding_completed_at"] is None
    assert row["website"] == "https://haneul-vision.example" and row["website_domain"] == "haneul-vision.example"
    assert row["funding_raised"] == 1_500_000_000
    assert row["investors"] == ["Hanbit Ventures", "Blue Capital"]
    assert row["target_markets"] == ["kr", "jp"]
    assert row["founded_on"] == date(2021, 3, 2) and row["team_size"] == 12
    tags = {(t["kind"], t["slug"]) for t in await StartupTag.select().run()}
    assert tags == {("sector", "automotive"), ("sector", "manufacturing"), ("technology", "computer_vision")}

    logo = image_bytes("WEBP")
    response = await upload_logo(client, logo, name="logo.webp")
    assert response.status_code == 303
    assert response.headers["location"] == f"/startups/{row['id']}"
    row = await profile_row()
    assert row["onboarding_completed_at"] is not None
    assert row["logo_path"].startswith("logos/") and row["logo_path"].endswith(".webp")
    stored = Path(settings.data_dir) / "uploads" / row["logo_path"]
    with Image.open(stored) as kept:  # re-encoded, not the uploaded bytes: same format and size
        assert (kept.format, kept.size) == ("WEBP", (16, 16))

    served = await client.get(f"/uploads/{row['logo_path']}")
    assert served.status_code == 200 and served.content == stored.read_bytes()
    assert served.headers["content-type"] == "image/webp"
    assert served.headers["x-content-type-options"] == "nosniff"

    # Done: the onboarding address now leads to the profile.
    again = await client.get("/startups/onboarding", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"] == f"/startups/{row['id']}"


async def test_steps_over_htmx_return_the_next_step_as_a_fragment(client: Any) -> None:
    await startup_member(client)
    fragment = await client.get("/startups/onboarding?step=1", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'data-step="1"' in fragment.text
    for step in range(1, 6):
        response = await post_form(client, f"/startups/onboarding/steps/{step}", STEP_DATA[step], htmx=True)
        assert response.status_code == 200, response.text
        assert "<html" not in response.text
        assert f'data-step="{step + 1}"' in response.text
        assert response.headers["hx-push-url"] == f"/startups/onboarding?step={step + 1}"
        assert "Saved." in response.text
    response = await upload_logo(client, image_bytes("PNG"), htmx=True)
    row = await profile_row()
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == f"/startups/{row['id']}"
    assert row["logo_path"].endswith(".png") and row["onboarding_completed_at"] is not None


async def test_onboarding_is_for_startup_members_only(client: Any) -> None:
    anonymous = await client.get("/startups/onboarding", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    corporate = await create_user()
    await create_org("corporate", owner=corporate)
    await login(client, corporate["email"])
    assert (await client.get("/startups/onboarding")).status_code == 403
    assert (await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])).status_code == 403
    assert await StartupProfile.count().run() == 0


# -- resuming ------------------------------------------------------------------------------------------
async def test_resuming_after_logging_out_continues_at_the_saved_step_with_the_saved_values(client: Any) -> None:
    member = await startup_member(client)
    await save_steps(client, 1, 2)
    await post_form(client, "/logout", {})
    assert (await client.get("/startups/onboarding", follow_redirects=False)).status_code == 303

    await login(client, member["user"]["email"])
    page = await client.get("/startups/onboarding")
    assert 'data-step="3"' in page.text  # where they stopped
    first = await client.get("/startups/onboarding?step=1")
    assert 'value="하늘 비전"' in first.text and 'value="https://haneul-vision.example"' in first.text
    assert 'value="2021-03-02"' in first.text and 'value="12"' in first.text
    second = await client.get("/startups/onboarding?step=2")
    assert "We find defects on production lines." in second.text


async def test_a_step_not_reached_yet_is_neither_shown_nor_saved(client: Any) -> None:
    await startup_member(client)
    page = await client.get("/startups/onboarding?step=4")
    assert 'data-step="1"' in page.text
    response = await post_form(client, "/startups/onboarding/steps/3", STEP_DATA[3])
    assert response.status_code == 409
    assert "earlier steps" in response.text
    assert await StartupProfile.count().run() == 0
    assert (await post_form(client, "/startups/onboarding/steps/9", {})).status_code == 404


async def test_going_back_to_a_step_keeps_the_furthest_step_reached(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3)
    changed = dict(STEP_DATA[1], name_en="Haneul Vision Labs")
    response = await post_form(client, "/startups/onboarding/steps/1", changed, follow_redirects=False)
    assert response.headers["location"] == "/startups/onboarding?step=2"
    row = await profile_row()
    assert row["name_en"] == "Haneul Vision Labs" and row["onboarding_step"] == 4
    assert 'data-step="4"' in (await client.get("/startups/onboarding")).text


# -- bad input, step by step ----------------------------------------------------------------------------
BAD_INPUT = [
    (1, {"name_ko": "", "name_en": "  "}, "name_ko", "Give the company's name in Korean, in English or in both."),
    (1, dict(STEP_DATA[1], team_size="0"), "team_size", "Team size must be at least 1."),
    (1, dict(STEP_DATA[1], team_size="abc"), "team_size", "Team size must be a whole number."),
    (1, dict(STEP_DATA[1], team_size="100001"), "team_size", "Team size must be at most 100000."),
    (1, dict(STEP_DATA[1], founded_on=(date.today() + timedelta(days=3)).isoformat()), "founded_on", "Founding date: must not be in the future."),
    (1, dict(STEP_DATA[1], founded_on="1899-12-31"), "founded_on", "Founding date: must be in 1900 or later."),
    (1, dict(STEP_DATA[1], founded_on="yesterday"), "founded_on", "Founding date must be a date (YYYY-MM-DD)."),
    (1, dict(STEP_DATA[1], website="not a website"), "website", "Website: must be a web address such as https://example.com."),
    (1, dict(STEP_DATA[1], name_en="x" * 201), "name_en", "Name in English must be at most 200 characters."),
    (1, dict(STEP_DATA[1], country="atlantis"), "country", "Country: atlantis is not one of the choices."),
    (2, {"description_en": "Only a description"}, "one_liner_ko", "Describe the company in one line, in Korean, in English or in both."),
    (2, dict(STEP_DATA[2], one_liner_en="x" * 201), "one_liner_en", "One-liner in English must be at most 200 characters."),
    (2, dict(STEP_DATA[2], description_ko="가" * 5001), "description_ko", "Description in Korean must be at most 5000 characters."),
    (3, {"technologies": ["nlp"]}, "sectors", "Sectors: choose at least one."),
    (3, dict(STEP_DATA[3], sectors=["automotive", "space_mining"]), "sectors", "Sectors: space_mining is not one of the choices."),
    (3, dict(STEP_DATA[3], stage="unicorn"), "stage", "Stage: unicorn is not one of the choices."),
    (4, dict(STEP_DATA[4], funding_raised="-5"), "funding_raised", "Funding raised (KRW) must be at least 0."),
    (4, dict(STEP_DATA[4], funding_raised="a lot"), "funding_raised", "Funding raised (KRW) must be a whole number."),
    (4, dict(STEP_DATA[4], funding_raised="1.5"), "funding_raised", "Funding raised (KRW) must be a whole number."),
    (4, dict(STEP_DATA[4], investors="\n".join(f"Fund {n}" for n in range(51))), "investors", "Investors may have at most 50 items."),
    (4, dict(STEP_DATA[4], customers="x" * 201), "customers", "Customers must be at most 200 characters."),
    (4, dict(STEP_DATA[4], target_markets=["kr", "mars"]), "target_markets", "Target markets: mars is not one of the choices."),
    (5, dict(STEP_DATA[5], needs_en="x" * 5001), "needs_en", "What you need from partners, in English must be at most 5000 characters."),
]


@pytest.mark.parametrize(("step", "data", "field", "message"), BAD_INPUT, ids=[f"{s}-{f}-{i}" for i, (s, _d, f, _m) in enumerate(BAD_INPUT)])
async def test_bad_input_names_the_field_and_rule_keeps_what_was_typed_and_saves_nothing(
    client: Any, step: int, data: dict[str, Any], field: str, message: str
) -> None:
    await startup_member(client)
    await save_steps(client, *range(1, step))
    before = await StartupProfile.select().output(load_json=True).run()
    response = await post_form(client, f"/startups/onboarding/steps/{step}", data)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert f'id="field-{field}"' in response.text and 'aria-invalid="true"' in response.text
    after = await StartupProfile.select().output(load_json=True).run()
    assert after == before  # nothing saved, nothing lost
    typed = next((v for v in data.values() if isinstance(v, str) and v.strip() and len(v) < 60 and "\n" not in v), None)
    if typed:
        assert html.escape(typed) in response.text

    fragment = await post_form(client, f"/startups/onboarding/steps/{step}", data, htmx=True)
    assert fragment.status_code == 422 and "<html" not in fragment.text and message in html.unescape(fragment.text)


async def test_over_long_text_counts_a_browser_line_break_as_one_character(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1)
    exactly = "\r\n".join(["가" * 99] * 2)  # 198 characters + one line break = 199 ≤ 200
    response = await post_form(client, "/startups/onboarding/steps/2", {"one_liner_ko": exactly}, follow_redirects=False)
    assert response.status_code == 303
    assert (await profile_row())["one_liner_ko"] == exactly.replace("\r\n", "\n")


# -- the logo ------------------------------------------------------------------------------------------
async def test_logo_checked_by_its_content_not_its_name(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    fake = await upload_logo(client, b"just some text, not an image\n" * 10, name="logo.png")
    assert fake.status_code == 422
    assert "The logo must be a PNG, JPEG or WebP image" in fake.text
    assert 'data-step="6"' in fake.text
    gif = await upload_logo(client, image_bytes("GIF"), name="logo.png")
    assert gif.status_code == 422 and "PNG, JPEG or WebP" in gif.text
    row = await profile_row()
    assert row["logo_path"] == "" and row["onboarding_completed_at"] is None

    jpeg = await upload_logo(client, image_bytes("JPEG"), name="logo.gif")
    assert jpeg.status_code == 303
    assert (await profile_row())["logo_path"].endswith(".jpg")


async def test_bytes_after_a_valid_logo_are_not_stored(client: Any, settings: Any) -> None:
    """A polyglot (a real PNG, then an HTML payload) is accepted as the image it starts with,
    and only that image is stored and served."""
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    payload = b"<html><script>alert(document.cookie)</script></html>" + b"PK\x03\x04" + b"\0" * 64
    response = await upload_logo(client, image_bytes("PNG", (40, 20)) + payload)
    assert response.status_code == 303
    row = await profile_row()
    stored = (Path(settings.data_dir) / "uploads" / row["logo_path"]).read_bytes()
    assert b"<script>" not in stored and b"PK\x03\x04" not in stored
    assert stored.endswith(b"IEND\xaeB`\x82")  # the PNG ends where its image ends
    served = await client.get(f"/uploads/{row['logo_path']}")
    assert served.content == stored and b"<script>" not in served.content


async def test_a_logo_decoding_to_too_many_pixels_is_refused_naming_the_limit(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    bomb = image_bytes("PNG", (5000, 5000))  # one colour: a small file, 25 million pixels
    assert len(bomb) < 200_000
    response = await upload_logo(client, bomb)
    assert response.status_code == 422
    assert "The logo has too many pixels: at most 16 million" in html.unescape(response.text)
    assert (await profile_row())["logo_path"] == ""


async def test_logo_over_two_megabytes_is_refused_naming_the_limit(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    content = big_png(2 * 1024 * 1024 + 1)
    assert len(content) < 3 * 1024 * 1024  # under the route's body limit: the service refuses it
    response = await upload_logo(client, content)
    assert response.status_code == 422
    assert "The logo is larger than 2 MB" in response.text
    assert (await profile_row())["logo_path"] == ""


@pytest.mark.parametrize("htmx", [False, True])
async def test_a_20_megabyte_logo_is_refused_with_the_2_megabyte_message(client: Any, htmx: bool) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    huge = b"\x89PNG\r\n\x1a\n" + b"\0" * (20 * 1024 * 1024)
    response = await upload_logo(client, huge, htmx=htmx)
    assert response.status_code == 413
    assert "The logo is larger than 2 MB. Choose an image of at most 2 MB." in response.text
    assert "10 MB" not in response.text
    assert 'data-step="6"' in response.text and 'id="field-logo"' in response.text
    assert ("<html" in response.text) is (not htmx)
    token = await csrf_token(client)
    assert f'value="{token}"' in response.text  # the form shown can be sent again
    row = await profile_row()
    assert row["logo_path"] == "" and row["onboarding_completed_at"] is None

    # …and the step still works afterwards.
    done = await upload_logo(client, image_bytes("PNG"))
    assert done.status_code == 303


async def test_logo_field_carries_the_client_side_size_check(client: Any) -> None:
    await startup_member(client)
    await save_steps(client, 1, 2, 3, 4, 5)
    page = await client.get("/startups/onboarding?step=6")
    assert 'data-max-bytes="2097152"' in page.text
    assert 'accept="image/png,image/jpeg,image/webp"' in page.text
    assert '<script src="/static/js/logo-check.js"' in page.text
    script = await client.get("/static/js/logo-check.js")
    assert script.status_code == 200 and "setCustomValidity" in script.text


async def test_stored_logos_are_served_only_by_their_hash_name(client: Any) -> None:
    assert (await client.get("/uploads/logos/..%2F..%2Fhubcity.sqlite")).status_code == 404
    assert (await client.get("/uploads/logos/" + "a" * 64 + ".png")).status_code == 404
    assert (await client.get("/uploads/logos/secret.txt")).status_code == 404


async def test_a_finished_onboarding_cannot_be_changed_through_the_steps(client: Any) -> None:
    member = await startup_member(client)
    await create_profile(member["org"]["id"], name_en="Done Already")
    response = await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])
    assert response.status_code == 409
    assert (await StartupProfile.select(StartupProfile.name_en).first().run())["name_en"] == "Done Already"


async def test_onboarding_speaks_korean_to_a_korean_user(client: Any) -> None:
    await startup_member(client, locale="ko")
    page = await client.get("/startups/onboarding")
    assert "스타트업 프로필 작성" in page.text and "6단계 중 1단계: 기본 정보" in page.text
    bad = await post_form(client, "/startups/onboarding/steps/1", dict(STEP_DATA[1], team_size="0", founded_on="2999-01-01"))
    assert bad.status_code == 422
    assert "팀 규모 항목은 1 이상이어야 합니다." in bad.text
    assert "설립일: 미래의 날짜일 수 없습니다." in bad.text
    await save_steps(client, 1, 2, 3, 4, 5)
    huge = await upload_logo(client, b"\0" * (20 * 1024 * 1024))
    assert huge.status_code == 413 and "로고가 2MB보다 큽니다. 2MB 이하의 이미지를 선택해 주십시오." in huge.text
