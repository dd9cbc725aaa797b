"""Verifying organisations on /staff/organisations: guards per role, filters, the confirmation a
person checked the registration number, audit, the owners' notification in their language, and
the verified badge wherever the organisation's name shows."""

from __future__ import annotations

from typing import Any

import pytest

from hubcity.db.tables import AuditEntry, Notification, Organisation
from tests.conftest import post_form
from tests.factories.accounts import create_org, create_user, login
from tests.factories.startups import create_profile, seed_taxonomies, staff_member

HX = {"HX-Request": "true"}


async def organisation(org_id: int) -> dict[str, Any]:
    return await Organisation.select().where(Organisation.id == org_id).first().run()


@pytest.mark.parametrize(
    ("roles", "status"),
    [((), 403), (("reviewer",), 403), (("finance",), 403), (("program_manager",), 200), (("admin",), 200)],
)
async def test_staff_organisations_page_guards_per_role(client: Any, roles: tuple[str, ...], status: int) -> None:
    org = await create_org("startup")
    if roles:
        await staff_member(client, *roles)
    else:
        founder = await create_user()
        await create_org("startup", owner=founder)
        await login(client, founder["email"])
    assert (await client.get("/staff/organisations")).status_code == status
    response = await post_form(client, f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"}, follow_redirects=False)
    assert response.status_code == (303 if status == 200 else status)
    assert ((await organisation(org["id"]))["verified_at"] is not None) is (status == 200)


async def test_anonymous_visitors_are_sent_to_log_in(client: Any) -> None:
    response = await client.get("/staff/organisations", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


async def test_list_full_page_fragment_and_filters(client: Any) -> None:
    verified = await create_org("startup", name_en="Verified Robotics", registration_number="1168200276")
    await Organisation.update({Organisation.verified_at: Organisation.created_at}).where(Organisation.id == verified["id"]).run()
    plain = await create_org("corporate", name_en="Plain Motors", registration_number="2208162517")
    await create_org("agency", name_en="Hanbit Agency")
    await staff_member(client, "program_manager")

    page = await client.get("/staff/organisations")
    assert page.status_code == 200 and "<html" in page.text
    assert "Verified Robotics" in page.text and "Plain Motors" in page.text
    assert "116-82-00276" in page.text and "220-81-62517" in page.text
    assert "Hanbit Agency" not in page.text

    fragment = await client.get("/staff/organisations", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "<h1>" in fragment.text

    results = await client.get("/staff/organisations?unverified=1", headers={**HX, "HX-Target": "organisation-results"})
    assert results.status_code == 200 and "<h1>" not in results.text
    assert "Plain Motors" in results.text and "Verified Robotics" not in results.text

    assert "Plain Motors" not in (await client.get("/staff/organisations?kind=startup")).text
    by_number = await client.get("/staff/organisations?q=116-82")
    assert "Verified Robotics" in by_number.text and "Plain Motors" not in by_number.text
    by_name = await client.get("/staff/organisations?q=plain")
    assert "Plain Motors" in by_name.text and "Verified Robotics" not in by_name.text
    assert f'data-organisation="{plain["id"]}" data-verified="no"' in by_name.text


async def test_verify_needs_the_confirmation_then_is_audited_notified_and_badged(client: Any) -> None:
    owner = await create_user(locale="ko")
    org = await create_org("startup", owner=owner, name_ko="하늘 로보틱스", name_en="Haneul Robotics")
    staff = await staff_member(client, "program_manager")

    refused = await post_form(client, f"/staff/organisations/{org['id']}/verify", {}, htmx=True)
    assert refused.status_code == 422
    assert "confirm that a person checked the business registration number" in refused.text
    assert f'id="organisation-{org["id"]}"' in refused.text and "<html" not in refused.text
    assert (await organisation(org["id"]))["verified_at"] is None
    plain_refused = await post_form(client, f"/staff/organisations/{org['id']}/verify", {}, follow_redirects=False)
    assert plain_refused.status_code == 303
    assert await AuditEntry.count().where(AuditEntry.action == "organisation.verified").run() == 0

    row = await post_form(client, f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"}, htmx=True)
    assert row.status_code == 200 and "<html" not in row.text
    assert 'data-verified="yes"' in row.text and "badge-verified" in row.text
    stored = await organisation(org["id"])
    assert stored["verified_at"] is not None and stored["verified_by"] == staff["id"]

    audit = await AuditEntry.select().where(AuditEntry.action == "organisation.verified").run()
    assert len(audit) == 1 and audit[0]["actor"] == staff["id"] and audit[0]["object_id"] == str(org["id"])
    mail = await Notification.select().where(Notification.to_email == owner["email"]).run()
    assert len(mail) == 1 and mail[0]["template"] == "organisation_verified" and mail[0]["locale"] == "ko"
    assert "하늘 로보틱스" in mail[0]["subject"]

    # Verifying again changes nothing and tells no one.
    await post_form(client, f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"})
    assert await Notification.count().where(Notification.to_email == owner["email"]).run() == 1

    # The badge shows where the name does: the owner's dashboard, organisation page, the profile.
    await seed_taxonomies()
    profile_id = await create_profile(org["id"], name_en="Haneul Robotics")
    await post_form(client, "/logout", {})
    await login(client, owner["email"])
    for url in ("/dashboard", f"/organisations/{org['id']}", f"/startups/{profile_id}"):
        page = await client.get(url)
        assert page.status_code == 200, url
        assert 'data-verified="1"' in page.text, url


async def test_unverify_is_audited_notified_and_removes_the_badge(client: Any) -> None:
    owner = await create_user(locale="en")
    org = await create_org("corporate", owner=owner, name_en="Daehan Motors")
    await staff_member(client, "admin")
    await post_form(client, f"/staff/organisations/{org['id']}/verify", {"confirm": "yes"})

    response = await post_form(client, f"/staff/organisations/{org['id']}/unverify", {"q": "Daehan", "page": "1"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/organisations?q=Daehan"
    assert (await organisation(org["id"]))["verified_at"] is None
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]
    assert actions[-2:] == ["organisation.verified", "organisation.unverified"]
    templates = [row["template"] for row in await Notification.select().where(Notification.to_email == owner["email"]).order_by(Notification.id).run()]
    assert templates == ["organisation_verified", "organisation_unverified"]
    await post_form(client, "/logout", {})
    await login(client, owner["email"])
    assert 'data-verified="1"' not in (await client.get(f"/organisations/{org['id']}")).text


async def test_unknown_or_agency_organisations_are_not_found(client: Any) -> None:
    agency = await create_org("agency")
    await staff_member(client, "admin")
    assert (await post_form(client, f"/staff/organisations/{agency['id']}/verify", {"confirm": "yes"})).status_code == 404
    assert (await post_form(client, "/staff/organisations/99999/verify", {"confirm": "yes"})).status_code == 404
