"""Taxonomies: seeding keeps staff edits (CLI included), and /staff/taxonomies lets program
managers and administrators edit labels, deactivate and add terms (slug rule, unique per kind)."""

from __future__ import annotations

import html
from typing import Any

import pytest

from hubcity.db.tables import AuditEntry, TaxonomyTerm
from hubcity.startups import taxonomy
from hubcity.startups.taxonomy_data import TAXONOMIES
from tests.conftest import post_form
from tests.factories.accounts import create_org, create_user, login
from tests.factories.startups import STEP_DATA, seed_taxonomies, staff_member, startup_member
from tests.integration.core.test_cli import env, hubcity, migrated, query  # noqa: F401 (fixtures)

HX = {"HX-Request": "true"}


async def term(key: str) -> dict[str, Any]:
    return await TaxonomyTerm.select().where(TaxonomyTerm.key == key).first().run()


@pytest.fixture
async def seeded(app: Any) -> None:
    await seed_taxonomies()


@pytest.mark.parametrize(
    ("roles", "status"),
    [(None, 303), ((), 403), (("reviewer",), 403), (("finance",), 403), (("program_manager",), 200), (("admin",), 200)],
)
async def test_staff_taxonomies_guards_per_role(client: Any, seeded: None, roles: tuple[str, ...] | None, status: int) -> None:
    if roles is None:
        pass  # anonymous: sent to log in
    elif not roles:
        founder = await create_user()
        await create_org("startup", owner=founder)
        await login(client, founder["email"])
    else:
        await staff_member(client, *roles)
    response = await client.get("/staff/taxonomies", follow_redirects=False)
    assert response.status_code == status
    energy = await term("sector:energy")
    changed = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": "X", "label_en": "X"}, follow_redirects=False)
    assert changed.status_code == (303 if status == 200 else status)
    assert ((await term("sector:energy"))["label_en"] == "X") is (status == 200)


async def test_page_lists_every_kind_full_page_and_fragment(client: Any, seeded: None) -> None:
    await staff_member(client, "program_manager")
    page = await client.get("/staff/taxonomies")
    assert page.status_code == 200 and "<html" in page.text
    for kind in TAXONOMIES:
        assert f'id="taxonomy-{kind}"' in page.text
    assert 'data-term="technology:computer_vision"' in page.text and 'data-term="stage:series_a"' in page.text
    fragment = await client.get("/staff/taxonomies", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and 'id="taxonomy-country"' in fragment.text


async def test_edit_labels_htmx_and_plain_with_bad_input(client: Any, seeded: None) -> None:
    staff = await staff_member(client, "program_manager")
    energy = await term("sector:energy")
    row = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": "에너지·전력", "label_en": "Energy and power"}, htmx=True)
    assert row.status_code == 200 and "<html" not in row.text
    assert row.text.strip().startswith(f'<tr id="term-{energy["id"]}"') and "Energy and power" in row.text
    stored = await term("sector:energy")
    assert (stored["label_ko"], stored["label_en"]) == ("에너지·전력", "Energy and power")
    audit = await AuditEntry.select().where(AuditEntry.action == "taxonomy.term_updated").run()
    assert len(audit) == 1 and audit[0]["actor"] == staff["id"] and audit[0]["object_id"] == "sector:energy"

    bad = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": "", "label_en": "x" * 201}, htmx=True)
    assert bad.status_code == 422
    text = html.unescape(bad.text)
    assert "Korean label is required." in text and "English label must be at most 200 characters." in text
    assert (await term("sector:energy"))["label_en"] == "Energy and power"
    plain = await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": "", "label_en": "Energy"})
    assert plain.status_code == 422 and "<html" in plain.text and "Korean label is required." in plain.text
    assert (await post_form(client, "/staff/taxonomies/999999", {"label_ko": "a", "label_en": "b"})).status_code == 404


async def test_deactivate_and_offer_again(client: Any, seeded: None) -> None:
    await staff_member(client, "admin")
    speech = await term("technology:speech")
    row = await post_form(client, f"/staff/taxonomies/{speech['id']}/deactivate", {}, htmx=True)
    assert row.status_code == 200 and 'data-active="no"' in row.text
    assert "speech" not in await taxonomy.valid_slugs("technology")
    assert "speech" in await taxonomy.labels("technology", "en")  # still named on profiles that carry it
    plain = await post_form(client, f"/staff/taxonomies/{speech['id']}/activate", {}, follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/staff/taxonomies#taxonomy-technology"
    assert (await term("technology:speech"))["is_active"] is True
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert [a for a in actions if a.startswith("taxonomy.")] == ["taxonomy.term_deactivated", "taxonomy.term_activated"]


async def test_deactivated_terms_are_no_longer_offered_in_onboarding(client: Any, seeded: None) -> None:
    await TaxonomyTerm.update({TaxonomyTerm.is_active: False}).where(TaxonomyTerm.key == "sector:fintech").run()
    await startup_member(client)
    await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])
    await post_form(client, "/startups/onboarding/steps/2", STEP_DATA[2])
    page = await client.get("/startups/onboarding?step=3")
    assert 'value="automotive"' in page.text and 'value="fintech"' not in page.text
    refused = await post_form(client, "/startups/onboarding/steps/3", {"sectors": ["fintech"]})
    assert refused.status_code == 422 and "fintech is not one of the choices" in refused.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"slug": "Smart Factory", "label_ko": "스마트 공장", "label_en": "Smart factory"}, "Slug: may contain only lowercase letters a–z, digits and underscores (_)"),
        ({"slug": "smart-factory", "label_ko": "스마트 공장", "label_en": "Smart factory"}, "Slug: may contain only lowercase letters"),
        ({"slug": "", "label_ko": "스마트 공장", "label_en": "Smart factory"}, "Slug is required."),
        ({"slug": "energy", "label_ko": "에너지", "label_en": "Energy"}, "Slug: energy is already used in this taxonomy; choose another."),
        ({"slug": "smart_factory", "label_ko": "", "label_en": "Smart factory"}, "Korean label is required."),
        ({"slug": "x" * 65, "label_ko": "가", "label_en": "A"}, "Slug must be at most 64 characters."),
    ],
)
async def test_adding_a_term_with_bad_input_is_refused_with_a_clear_message(client: Any, seeded: None, data: dict[str, str], message: str) -> None:
    await staff_member(client, "program_manager")
    count = await TaxonomyTerm.count().run()
    response = await post_form(client, "/staff/taxonomies/sector/terms", data)
    assert response.status_code == 422
    assert message in html.unescape(response.text)
    assert 'data-add-term="sector"' in response.text
    assert await TaxonomyTerm.count().run() == count
    fragment = await post_form(client, "/staff/taxonomies/sector/terms", data, htmx=True)
    assert fragment.status_code == 422 and "<html" not in fragment.text


async def test_adding_a_term(client: Any, seeded: None) -> None:
    await staff_member(client, "program_manager")
    response = await post_form(
        client, "/staff/taxonomies/sector/terms", {"slug": "smart_factory", "label_ko": "스마트 공장", "label_en": "Smart factory"}, follow_redirects=False
    )
    assert response.status_code == 303
    added = await term("sector:smart_factory")
    assert added["label_ko"] == "스마트 공장" and added["is_active"] is True
    assert "smart_factory" in await taxonomy.valid_slugs("sector")
    # The same slug may exist in another kind.
    other = await post_form(client, "/staff/taxonomies/technology/terms", {"slug": "energy", "label_ko": "에너지 AI", "label_en": "Energy AI"}, htmx=True)
    assert other.status_code == 200 and "<html" not in other.text
    assert await term("technology:energy")
    assert (await post_form(client, "/staff/taxonomies/planets/terms", {"slug": "mars", "label_ko": "화성", "label_en": "Mars"})).status_code == 404
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action).run()]
    assert actions.count("taxonomy.term_added") == 2


async def test_seeding_again_keeps_staff_edits_and_added_terms(client: Any, seeded: None) -> None:
    await staff_member(client, "program_manager")
    energy = await term("sector:energy")
    await post_form(client, f"/staff/taxonomies/{energy['id']}", {"label_ko": "에너지(수정)", "label_en": "Energy (edited)"})
    await post_form(client, "/staff/taxonomies/sector/terms", {"slug": "smart_factory", "label_ko": "스마트 공장", "label_en": "Smart factory"})
    await post_form(client, f"/staff/taxonomies/{(await term('sector:retail'))['id']}/deactivate", {})
    await TaxonomyTerm.delete().where(TaxonomyTerm.key == "stage:growth").run()

    assert await taxonomy.seed_missing() == 1  # only the deleted one comes back
    assert (await term("sector:energy"))["label_en"] == "Energy (edited)"
    assert (await term("sector:smart_factory"))["label_en"] == "Smart factory"
    assert (await term("sector:retail"))["is_active"] is False
    assert (await term("stage:growth"))["label_en"]


def test_cli_seed_taxonomies_adds_only_missing_terms_and_keeps_edits(migrated: dict[str, str]) -> None:
    total = sum(len(entries) for entries in TAXONOMIES.values())
    first = hubcity(migrated, "seed-taxonomies")
    assert first.exit_code == 0, first.output
    assert f"Added {total} taxonomy terms." in first.stdout
    query(migrated, "UPDATE taxonomy_term SET label_en = 'Edited' WHERE key = 'sector:energy'")
    second = hubcity(migrated, "seed-taxonomies")
    assert second.exit_code == 0
    assert "The taxonomies have every term already; nothing was added." in second.stdout
    assert query(migrated, "SELECT label_en FROM taxonomy_term WHERE key = 'sector:energy'") == [("Edited",)]
    assert query(migrated, "SELECT count(*) FROM taxonomy_term") == [(total,)]


def test_seed_demo_adds_missing_terms_even_when_the_demo_is_skipped(migrated: dict[str, str]) -> None:
    hubcity(migrated, "create-staff", "--email", "real@example.com", "--name", "Real", "--role", "admin", "--password", "a-long-password")
    result = hubcity(migrated, "seed-demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "taxonomy terms" in result.stdout and "not loaded" in result.stdout
    assert query(migrated, "SELECT count(*) FROM taxonomy_term WHERE key = 'stage:seed'") == [(1,)]
