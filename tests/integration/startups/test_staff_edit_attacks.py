"""Break-it pass on the staff pages that edit shared data: taxonomies (who may, duplicate slugs,
empty and hostile labels, deleting or renaming a term that profiles use) and verification (who
may, odd input, verifying one's own organisation)."""

from __future__ import annotations

import html
from typing import Any

import pytest

from hubcity.db.tables import AuditEntry, Organisation, TaxonomyTerm
from hubcity.startups import taxonomy
from hubcity.startups.repositories import ProfileRepository
from tests.conftest import post_form
from tests.factories.accounts import add_member, create_org, create_user, login
from tests.factories.startups import STEP_DATA, create_profile, seed_taxonomies, staff_member, startup_member

HX = {"HX-Request": "true"}
XSS = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


@pytest.fixture(autouse=True)
async def seeded(app: Any) -> None:
    await seed_taxonomies()


async def term(key: str) -> dict[str, Any]:
    return await TaxonomyTerm.select().where(TaxonomyTerm.key == key).first().run()


async def log_in_as(client: Any, who: str) -> None:
    if who == "startup":
        await startup_member(client)
    elif who == "corporate":
        user = await create_user()
        await create_org("corporate", owner=user)
        await login(client, user["email"])
    elif who != "anonymous":
        await staff_member(client, who)


# -- who may -------------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["anonymous", "startup", "corporate", "reviewer", "finance"])
async def test_only_program_managers_and_admins_change_taxonomies_and_verification(client: Any, who: str) -> None:
    await log_in_as(client, who)
    energy = await term("sector:energy")
    org = await create_org("startup")
    attempts = [
        (f"/staff/taxonomies/{energy['id']}", {"label_ko": "X", "label_en": "X"}),
        (f"/staff/taxonomies/{energy['id']}/deactivate", {}),
        (f"/staff/taxonomies/{energy['id']}/activate", {}),
        ("/staff/taxonomies/sector/terms", {"slug": "smuggled", "label_ko": "X", "label_en": "X"}),
        (f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"}),
        (f"/staff/organisations/{org['id']}/unverify", {}),
    ]
    for url, data in attempts:
        for htmx in (False, True):
            response = await post_form(client, url, data, htmx=htmx, follow_redirects=False)
            if who == "anonymous":  # sent to log in (HTMX: by header)
                where = response.headers.get("location") or response.headers.get("hx-redirect") or ""
                assert response.status_code in (200, 303) and where.startswith("/login"), (url, htmx, response.status_code)
            else:
                assert response.status_code == 403, (url, htmx, response.status_code)
    assert await term("sector:energy") == energy
    assert await term("sector:smuggled") is None
    assert (await Organisation.select(Organisation.verified_at).where(Organisation.id == org["id"]).first().run())["verified_at"] is None
    assert not [row for row in await AuditEntry.select(AuditEntry.action).run() if row["action"].startswith(("taxonomy.", "organisation."))]


# -- slugs and labels ----------------------------------------------------------------------------
async def test_a_duplicate_slug_is_refused_even_in_another_case_or_with_spaces(client: Any) -> None:
    await staff_member(client, "program_manager")
    count = await TaxonomyTerm.count().run()
    for slug in ("energy", " energy ", "ENERGY", "energy\u200b", "énergy"):
        response = await post_form(client, "/staff/taxonomies/sector/terms", {"slug": slug, "label_ko": "에너지", "label_en": "Energy"})
        assert response.status_code == 422, slug
        text = html.unescape(response.text)
        assert "already used in this taxonomy" in text or "may contain only lowercase letters" in text, slug
    assert await TaxonomyTerm.count().run() == count


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"label_ko": "", "label_en": "Energy"}, "Korean label is required."),
        ({"label_ko": "에너지", "label_en": "   "}, "English label is required."),
        ({"label_ko": "\u200b\u3164", "label_en": "Energy"}, "Korean label is required."),
        ({"label_ko": "에너지", "label_en": "Ener\x00gy"}, "English label contains an invisible control character"),
        ({"label_ko": "에너지", "label_en": "Energy\u202e"}, "English label contains a character that reverses the direction of text"),
        ({"label_ko": "가" * 201, "label_en": "Energy"}, "Korean label must be at most 200 characters."),
        ({"label_ko": "에너지", "label_en": "Line\nbreak"}, "English label contains an invisible control character"),
    ],
)
async def test_empty_or_broken_labels_are_refused_and_nothing_changes(client: Any, labels: dict[str, str], message: str) -> None:
    await staff_member(client, "program_manager")
    energy = await term("sector:energy")
    for htmx in (False, True):
        response = await post_form(client, f"/staff/taxonomies/{energy['id']}", labels, htmx=htmx)
        assert response.status_code == 422
        assert message in html.unescape(response.text)
    added = await post_form(client, "/staff/taxonomies/sector/terms", {"slug": "new_term", **labels})
    assert added.status_code == 422 and message in html.unescape(added.text)
    assert await term("sector:energy") == energy and await term("sector:new_term") is None


async def test_markup_in_labels_is_shown_as_text_everywhere(client: Any) -> None:
    await staff_member(client, "program_manager")
    energy = await term("sector:energy")
    response = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": XSS, "label_en": XSS}, htmx=True)
    assert response.status_code == 200
    profile_id = await create_profile(None, name_en="Tagged", sectors=["energy"], source_key="yc:tagged")
    pages = [
        response,
        await client.get("/staff/taxonomies"),
        await client.get(f"/startups/{profile_id}"),
        await client.get(f"/startups/{profile_id}/edit"),
        await client.get("/startups/onboarding"),
    ]
    await post_form(client, "/logout", {})
    await startup_member(client)
    await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])
    await post_form(client, "/startups/onboarding/steps/2", STEP_DATA[2])
    pages.append(await client.get("/startups/onboarding?step=3"))
    for page in pages:
        assert page.status_code in (200, 403), page.url  # staff are no startup: onboarding is 403 for them
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, page.url
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[-1].text


# -- deleting and renaming a term in use ---------------------------------------------------------
async def test_terms_in_use_cannot_be_deleted_or_have_their_slug_renamed(client: Any) -> None:
    """Slugs are stable keys stored on profiles, needs and imports: there is no delete and no
    rename; staff deactivate a term instead (profiles keep it) and may change its labels."""
    await staff_member(client, "program_manager")
    energy = await term("sector:energy")
    profile_id = await create_profile(None, name_en="Grid Co", sectors=["energy"], source_key="yc:grid")
    for method, url in (("DELETE", f"/staff/taxonomies/{energy['id']}"), ("POST", f"/staff/taxonomies/{energy['id']}/delete")):
        response = await client.request(method, url, headers={"x-csrftoken": client.cookies.get("csrftoken", "")})
        assert response.status_code in (404, 405), (method, url)
    renamed = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"slug": "power", "key": "sector:power", "kind": "technology",
                                                                             "label_ko": "전력", "label_en": "Power"}, htmx=True)
    assert renamed.status_code == 200
    after = await term("sector:energy")
    assert (after["slug"], after["key"], after["kind"]) == ("energy", "sector:energy", "sector")
    assert (after["label_ko"], after["label_en"]) == ("전력", "Power")  # only the labels changed
    assert await term("sector:power") is None and await term("technology:energy") is None

    # Deactivated: no longer offered, but the profile keeps it, shows its label, and keeps it when edited.
    assert (await post_form(client, f"/staff/taxonomies/{energy['id']}/deactivate", {}, htmx=True)).status_code == 200
    assert "energy" not in await taxonomy.valid_slugs("sector")
    page = await client.get(f"/startups/{profile_id}")
    assert "Power" in page.text
    edit = {**STEP_DATA[1], **STEP_DATA[2], "sectors": ["energy", "automotive"], "stage": "seed"}
    assert (await post_form(client, f"/startups/{profile_id}/edit", edit, follow_redirects=False)).status_code == 303
    added = await post_form(client, f"/startups/{profile_id}/edit", {**edit, "sectors": ["energy", "automotive"], "technologies": ["nlp"]})
    assert added.status_code in (200, 303)
    assert (await ProfileRepository().tags_of(profile_id))["sector"] == ["energy", "automotive"]
    # A new profile cannot pick it any more.
    await post_form(client, "/logout", {})
    await startup_member(client)
    await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])
    await post_form(client, "/startups/onboarding/steps/2", STEP_DATA[2])
    refused = await post_form(client, "/startups/onboarding/steps/3", {"sectors": ["energy"]})
    assert refused.status_code == 422 and "Sectors: energy is not one of the choices." in html.unescape(refused.text)


async def test_unknown_terms_and_kinds_are_not_found(client: Any) -> None:
    await staff_member(client, "program_manager")
    for url in ("/staff/taxonomies/999999/deactivate", "/staff/taxonomies/99999999999999999999/activate", "/staff/taxonomies/999999"):
        response = await post_form(client, url, {"label_ko": "가", "label_en": "A"})
        assert response.status_code in (400, 404), url
    for kind in ("planets", "sector%2F..%2Fstage", "<script>"):
        response = await post_form(client, f"/staff/taxonomies/{kind}/terms", {"slug": "x", "label_ko": "가", "label_en": "A"})
        assert response.status_code == 404, kind


# -- verification --------------------------------------------------------------------------------
async def test_verification_needs_the_confirmation_ticked_whatever_is_sent(client: Any) -> None:
    await staff_member(client, "program_manager")
    org = await create_org("startup")
    for data in ({}, {"confirm": ""}, {"confirm": "no"}, {"confirm": "0"}, {"confirm": "false"}, {"confirm": "<script>"}):
        response = await post_form(client, f"/staff/organisations/{org['id']}/verify", data, htmx=True)
        assert response.status_code == 422, data
        assert "<script>" not in response.text
    row = await Organisation.select(Organisation.verified_at).where(Organisation.id == org["id"]).first().run()
    assert row["verified_at"] is None


async def test_verifying_twice_or_unverifying_an_unverified_organisation_changes_nothing(client: Any) -> None:
    await staff_member(client, "program_manager")
    org = await create_org("startup")
    for _ in range(2):
        assert (await post_form(client, f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"}, htmx=True)).status_code == 200
    for _ in range(2):
        assert (await post_form(client, f"/staff/organisations/{org['id']}/unverify", {}, htmx=True)).status_code == 200
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert [a for a in actions if a.startswith("organisation.")] == ["organisation.verified", "organisation.unverified"]


async def test_staff_cannot_verify_an_organisation_they_belong_to(client: Any) -> None:
    manager = await staff_member(client, "program_manager")
    own = await create_org("startup", owner=None)
    await add_member(own["id"], manager, "owner")
    await login(client, manager["email"])  # the new membership is read at login
    response = await post_form(client, f"/staff/organisations/{own['id']}/verify", {"confirm": "yes"}, htmx=True)
    assert response.status_code == 403
    assert "another staff member must verify it" in html.unescape(response.text)
    assert (await Organisation.select(Organisation.verified_at).where(Organisation.id == own["id"]).first().run())["verified_at"] is None
    colleague = await create_user(roles=["program_manager"])
    await post_form(client, "/logout", {})
    await login(client, colleague["email"])
    assert (await post_form(client, f"/staff/organisations/{own['id']}/verify", {"confirm": "yes"}, htmx=True)).status_code == 200
