"""The demo's profiles and partner needs (hubcity.demo_profiles): a living directory on first run."""

from __future__ import annotations

import json
from typing import Any

from hubcity import demo, demo_profiles
from hubcity.db.tables import AuditEntry, Organisation, PartnerNeed, StartupProfile, StartupTag
from hubcity.demo_profiles import NEEDS, PROFILES, seed_profiles_and_needs
from tests.factories.accounts import login


async def _seeded() -> dict[str, int]:
    await demo.seed_demo()
    return await seed_profiles_and_needs()


def test_registration_numbers_agree_with_the_demo() -> None:
    assert [demo_profiles.NURI, demo_profiles.MEDILAB, demo_profiles.PARAN, demo_profiles.MALBEOT, demo_profiles.GRIDWAVE] == [
        org.registration_number for org in demo.STARTUPS
    ]
    assert [demo_profiles.MOBILITY, demo_profiles.SEOHAE, demo_profiles.ONNURI] == [
        org.registration_number for org in demo.CORPORATIONS
    ]


async def test_seeding_creates_finished_profiles_and_needs_of_every_kind(client: Any) -> None:
    counts = await _seeded()
    assert counts == {"profiles": len(PROFILES), "needs": len(NEEDS)}
    assert 10 <= len(PROFILES) <= 12

    profiles = await StartupProfile.select().run()
    assert len(profiles) == len(PROFILES)
    assert all(p["onboarding_completed_at"] is not None and p["onboarding_step"] == 6 for p in profiles)
    assert all(p["website"].endswith(".example") for p in profiles)
    startups = await Organisation.select(Organisation.id).where(Organisation.kind == "startup").run()
    owned = {p["organisation"] for p in profiles if p["organisation"] is not None}
    assert owned == {row["id"] for row in startups}, "every demo startup keeps exactly its profile"
    assert sum(p["organisation"] is None for p in profiles) == len(PROFILES) - len(demo.STARTUPS)

    def written_in(p: dict[str, Any], lang: str) -> bool:
        return bool(p[f"one_liner_{lang}"] or p[f"description_{lang}"])

    korean_only = [p for p in profiles if written_in(p, "ko") and not written_in(p, "en")]
    english_only = [p for p in profiles if written_in(p, "en") and not written_in(p, "ko")]
    both = [p for p in profiles if written_in(p, "ko") and written_in(p, "en")]
    assert len(korean_only) >= 3 and len(english_only) >= 3 and len(both) >= 2
    paran = next(p for p in profiles if p["name_ko"] == "파란셀")
    assert "배터리 상태 진단 AI" in paran["one_liner_ko"] and not paran["name_en"] and not paran["description_en"]
    assert json.loads(paran["investors"]) and json.loads(paran["target_markets"])
    tags = await StartupTag.select().where(StartupTag.profile == paran["id"]).run()
    assert {(t["kind"], t["slug"]) for t in tags} >= {("sector", "automotive"), ("technology", "forecasting")}

    needs = await PartnerNeed.select().run()
    assert len(needs) == len(NEEDS)
    assert {n["visibility"] for n in needs} == {"public", "verified", "staff", "anonymised"}
    statuses = [n["status"] for n in needs]
    assert statuses.count("draft") == 1 and statuses.count("closed") == 1 and statuses.count("open") == len(NEEDS) - 2
    anonymised = [n for n in needs if n["visibility"] == "anonymised"]
    assert {n["anonymised_label_ko"] for n in anonymised} >= {"글로벌 완성차 기업"}
    assert all(n["anonymised_label_en"] for n in anonymised)
    assert any(n["title_ko"] and not n["title_en"] for n in needs) and any(n["title_en"] and not n["title_ko"] for n in needs)
    assert all(n["opens_at"] is not None and n["closes_at"] is not None and n["opens_at"] < n["closes_at"] for n in needs)
    assert await AuditEntry.count().where(AuditEntry.action == "need.created").run() == len(NEEDS)
    assert await AuditEntry.count().where(AuditEntry.action == "need.closed").run() == 1


async def test_a_second_run_creates_nothing(client: Any) -> None:
    await _seeded()
    profiles, needs = await StartupProfile.count().run(), await PartnerNeed.count().run()
    assert await seed_profiles_and_needs() == {"profiles": 0, "needs": 0}
    assert (await StartupProfile.count().run(), await PartnerNeed.count().run()) == (profiles, needs)


async def test_without_the_demo_organisations_only_agency_profiles_are_created(client: Any) -> None:
    counts = await seed_profiles_and_needs()
    assert counts == {"profiles": len(PROFILES) - len(demo.STARTUPS), "needs": 0}


async def test_the_directory_finds_the_korean_only_profiles_by_a_korean_keyword(client: Any) -> None:
    await _seeded()
    response = await client.get("/directory/startups", params={"q": "배터리"})
    assert response.status_code == 200
    assert "파란셀" in response.text and "에코차지" in response.text
    assert "Hanbit MediLab" not in response.text and "GridWave" not in response.text
    filtered = await client.get("/directory/startups", params={"q": "배터리", "sector": "healthcare"}, headers={"HX-Request": "true"})
    assert filtered.status_code == 200 and "<html" not in filtered.text
    assert "파란셀" not in filtered.text
    everything = await client.get("/directory/startups")
    for profile in PROFILES:
        names = [profile.values.get("name_ko"), profile.values.get("name_en")]
        assert any(name and name in everything.text for name in names), names


async def test_the_need_directory_shows_what_an_anonymous_visitor_may_see(client: Any) -> None:
    await _seeded()
    response = await client.get("/directory/needs", headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    page = response.text
    assert "전기차 배터리 팩 이상 징후 조기 탐지 기술검증" in page or "Early fault detection for EV battery packs" in page
    assert "글로벌 완성차 기업" in page or "a global automaker" in page
    assert "Short-term load forecasting" not in page, "a verified-only need shown to a visitor"
    assert "태양광 발전소 드론 점검 데이터 공유" not in page and "Sharing drone inspection data" not in page
    assert "Computer vision for weld-seam inspection" not in page, "a draft shown"

    staff = demo.STAFF[0].person
    assert (await login(client, staff.email, demo.DEMO_PASSWORD)).status_code == 303
    seen = (await client.get("/directory/needs")).text
    assert "Sharing drone inspection data" in seen or "태양광 발전소 드론 점검 데이터 공유" in seen
