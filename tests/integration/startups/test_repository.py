"""The profile repository and taxonomy service the import relies on."""

from __future__ import annotations

from datetime import date

from hubcity.db.tables import StartupProfile, StartupTag, TaxonomyTerm
from hubcity.startups import taxonomy
from hubcity.startups.repositories import ProfileRepository
from hubcity.startups.taxonomy_data import TAXONOMIES


async def test_save_profile_inserts_then_updates_with_tags(app) -> None:
    repo = ProfileRepository()
    profile_id = await repo.save_profile(
        {
            "name_en": "Acme Vision",
            "website": "https://WWW.Acme-Vision.com/about",
            "investors": ["Kakao Ventures", "한국투자"],
            "founded_on": date(2020, 5, 1),
            "source_key": "yc:1",
            "team_size": 12,
        },
        {"sector": ["automotive", "automotive", "energy"], "technology": ["computer_vision"]},
        None,
    )
    row = await repo.get(profile_id)
    assert row["website_domain"] == "acme-vision.com"
    assert row["investors"] == ["Kakao Ventures", "한국투자"]
    assert row["created_at"] is not None and row["updated_at"] is not None
    assert await repo.tags_of(profile_id) == {"sector": ["automotive", "energy"], "technology": ["computer_vision"]}

    first_updated = row["updated_at"]
    same_id = await repo.save_profile({"team_size": 15}, {"sector": ["healthcare"]}, profile_id)
    assert same_id == profile_id
    row = await repo.get(profile_id)
    assert row["team_size"] == 15 and row["name_en"] == "Acme Vision"
    assert row["updated_at"] >= first_updated
    assert await repo.tags_of(profile_id) == {"sector": ["healthcare"], "technology": ["computer_vision"]}
    assert await StartupProfile.count().run() == 1
    assert await StartupTag.count().run() == 2

    assert (await repo.find_by_source_key("yc:1"))["id"] == profile_id
    assert await repo.find_by_source_key("yc:2") is None
    assert (await repo.find_by_domain("acme-vision.com"))["id"] == profile_id
    assert await repo.find_by_domain("acme-vision.com", exclude_id=profile_id) is None
    assert await repo.find_by_domain("") is None


async def test_save_profile_rejects_unknown_columns(app) -> None:
    try:
        await ProfileRepository().save_profile({"nonsense": 1}, {}, None)
    except KeyError:
        pass
    else:
        raise AssertionError("an unknown column was accepted")
    assert await StartupProfile.count().run() == 0


async def test_seeding_inserts_missing_terms_and_keeps_staff_edits(app) -> None:
    total = sum(len(entries) for entries in TAXONOMIES.values())
    assert await taxonomy.seed_missing() == total
    await TaxonomyTerm.update({TaxonomyTerm.label_en: "Cars (edited)"}).where(TaxonomyTerm.key == "sector:automotive").run()
    await TaxonomyTerm.update({TaxonomyTerm.is_active: False}).where(TaxonomyTerm.key == "sector:energy").run()
    await TaxonomyTerm.delete().where(TaxonomyTerm.key == "sector:healthcare").run()

    assert await taxonomy.seed_missing() == 1
    assert await TaxonomyTerm.count().run() == total
    edited = await TaxonomyTerm.select().where(TaxonomyTerm.key == "sector:automotive").first().run()
    assert edited["label_en"] == "Cars (edited)"
    assert "energy" not in await taxonomy.valid_slugs("sector")
    assert {"automotive", "healthcare"} <= await taxonomy.valid_slugs("sector")
    assert await taxonomy.seed_missing() == 0
