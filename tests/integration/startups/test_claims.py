"""Claiming an existing (imported) profile: offered at onboarding by name or website domain,
requested, decided by staff on /staff/claims (approve hands the profile over; reject needs a
message), audited and notified; the startup then edits the profile it now keeps."""

from __future__ import annotations

import html
from typing import Any

import pytest

from hubcity.core.clock import utcnow
from hubcity.db.tables import AuditEntry, Notification, ProfileClaim, StartupProfile
from tests.conftest import post_form
from tests.factories.accounts import create_org, create_user, login, signup_data
from tests.factories.startups import (
    STEP_DATA,
    create_profile,
    image_bytes,
    imported_profile,
    seed_taxonomies,
    staff_member,
    startup_member,
)

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
async def taxonomies(app: Any) -> None:
    await seed_taxonomies()


async def profile(profile_id: int) -> dict[str, Any] | None:
    return await StartupProfile.select().where(StartupProfile.id == profile_id).first().output(load_json=True).run()


async def claims() -> list[dict[str, Any]]:
    return await ProfileClaim.select().order_by(ProfileClaim.id).run()


async def actions(prefix: str = "claim.") -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()
    return [row["action"] for row in rows if row["action"].startswith(prefix)]


async def mails(email: str) -> list[dict[str, Any]]:
    return await Notification.select().where(Notification.to_email == email).order_by(Notification.id).run()


async def switch_to(client: Any, email: str) -> None:
    await post_form(client, "/logout", {})
    response = await login(client, email)
    assert response.status_code == 303


async def test_imported_profile_claimed_approved_then_edited_by_the_startup(client: Any) -> None:
    manager = await create_user(roles=["program_manager"], locale="ko")
    admin = await create_user(roles=["admin"])
    finance = await create_user(roles=["finance"])
    imported = await imported_profile(name_en="Orbit Robotics", website="https://orbit.example", funding_raised=7, investors=["Seed Fund"])

    member = await startup_member(client, name_en="orbit  ROBOTICS", name_ko="오르빗")
    offer = await client.get("/startups/onboarding")
    assert offer.status_code == 200 and "<html" in offer.text
    assert f'data-candidate="{imported}"' in offer.text and "Claim this profile" in offer.text
    assert "/startups/onboarding?step=1&amp;own=1" in offer.text
    fragment = await client.get("/startups/onboarding", headers=HX)
    assert fragment.status_code == 200 and "<html" not in fragment.text and f'data-candidate="{imported}"' in fragment.text

    response = await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/startups/onboarding"
    [claim] = await claims()
    assert claim["status"] == "pending" and claim["organisation"] == member["org"]["id"] and claim["requested_by"] == member["user"]["id"]
    assert await actions() == ["claim.requested"]
    assert [m["template"] for m in await mails(manager["email"])] == ["claim_requested"]
    assert (await mails(manager["email"]))[0]["locale"] == "ko"
    assert [m["template"] for m in await mails(admin["email"])] == ["claim_requested"]
    assert await mails(finance["email"]) == []
    assert "http://testserver.local/staff/claims" in (await mails(admin["email"]))[0]["body"]

    waiting = await client.get("/startups/onboarding")
    assert f'data-pending-claim="{imported}"' in waiting.text
    again = await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)})
    assert again.status_code == 409 and "already claimed this profile" in again.text
    assert len(await claims()) == 1

    # Staff approve.
    await switch_to(client, admin["email"])
    listing = await client.get("/staff/claims")
    assert listing.status_code == 200 and f'id="claim-{claim["id"]}"' in listing.text and "orbit  ROBOTICS" in listing.text
    row = await post_form(client, f"/staff/claims/{claim['id']}/approve", {}, htmx=True)
    assert row.status_code == 200 and "<html" not in row.text and 'data-status="approved"' in row.text
    kept = await profile(imported)
    assert kept["organisation"] == member["org"]["id"] and kept["claimed_at"] is not None
    assert kept["onboarding_completed_at"] is not None
    assert (await claims())[0]["status"] == "approved" and (await claims())[0]["decided_by"] == admin["id"]
    assert await actions() == ["claim.requested", "claim.approved"]
    told = await mails(member["user"]["email"])
    assert [m["template"] for m in told] == ["claim_approved"]
    assert f"/startups/{imported}/edit" in told[0]["body"]

    # The startup now keeps it: its onboarding leads there, it sees members-only fields and edits it.
    await switch_to(client, member["user"]["email"])
    assert (await client.get("/startups/onboarding", follow_redirects=False)).headers["location"] == f"/startups/{imported}"
    page = await client.get(f"/startups/{imported}")
    assert "Seed Fund" in page.text and "Edit the profile" in page.text and "data-unclaimed" not in page.text
    edit = await client.get(f"/startups/{imported}/edit")
    assert edit.status_code == 200
    response = await post_form(
        client,
        f"/startups/{imported}/edit",
        {"name_ko": "오르빗 로보틱스", "name_en": "Orbit Robotics", "one_liner_en": "Warehouse robots", "sectors": ["logistics"], "website": "https://orbit.example"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    edited = await profile(imported)
    assert edited["name_ko"] == "오르빗 로보틱스" and edited["source_key"] == kept["source_key"]


async def test_signing_up_as_an_imported_company_offers_the_claim_first(client: Any) -> None:
    """Sign-up → the first page seen is the claim offer → claim → staff approve → the new user
    keeps the imported profile."""
    imported = await imported_profile(name_en="Lumen Robotics", website="https://lumen.example", investors=["Seed Fund"])
    admin = await create_user(roles=["admin"])
    data = signup_data(kind="startup", org_name_en="Lumen  robotics", org_name_ko="루멘", business_registration_number="134-86-72683")
    signed_up = await post_form(client, "/signup", data, follow_redirects=False)
    assert signed_up.headers["location"] == "/startups/onboarding"
    response = await client.get(signed_up.headers["location"])  # the first page the new user sees
    assert response.status_code == 200
    assert f'data-candidate="{imported}"' in response.text and "Claim this profile" in response.text
    assert 'id="claim-offer"' in response.text and 'data-step="1"' not in response.text

    claimed = await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)}, follow_redirects=False)
    assert claimed.status_code == 303
    [claim] = await claims()
    assert claim["status"] == "pending" and claim["profile"] == imported

    await switch_to(client, admin["email"])
    approved = await post_form(client, f"/staff/claims/{claim['id']}/approve", {}, htmx=True)
    assert approved.status_code == 200 and 'data-status="approved"' in approved.text
    organisation = (await claims())[0]["organisation"]
    assert (await profile(imported))["organisation"] == organisation

    await switch_to(client, data["email"].strip().lower())
    mine = await client.get("/startups/onboarding", follow_redirects=False)
    assert mine.headers["location"] == f"/startups/{imported}"
    page = await client.get(f"/startups/{imported}")
    assert "Seed Fund" in page.text and "Edit the profile" in page.text  # members-only field, edit link


async def test_website_domain_match_after_step_one_offers_the_claim(client: Any) -> None:
    imported = await imported_profile(name_en="Completely Different Name", website="http://www.Haneul-Vision.example/about")
    await startup_member(client, name_en="Haneul Vision Ltd", name_ko="하늘비전")
    first = await client.get("/startups/onboarding")
    assert 'data-step="1"' in first.text  # no name match: straight to step 1
    offer = await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1])
    assert offer.status_code == 200
    assert f'data-candidate="{imported}"' in offer.text and "continue with our own profile" in offer.text
    assert (await profile(imported))["organisation"] is None
    draft = (await StartupProfile.select().where(StartupProfile.id != imported).output(load_json=True).run())[0]
    assert draft["name_en"] == "Haneul Vision" and draft["onboarding_step"] == 2  # step 1 was saved anyway

    htmx_offer = await post_form(client, "/startups/onboarding/steps/1", STEP_DATA[1], htmx=True)
    assert htmx_offer.status_code == 200 and "<html" not in htmx_offer.text and f'data-candidate="{imported}"' in htmx_offer.text


async def test_approving_replaces_the_onboarding_draft_and_rejects_other_claims(client: Any) -> None:
    imported = await imported_profile(name_en="Shared Name", website="https://shared.example")
    first = await startup_member(client, name_en="Shared Name")
    await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)})

    other_owner = await create_user()
    other_org = await create_org("startup", owner=other_owner, name_en="Other Co")
    await switch_to(client, other_owner["email"])
    await post_form(client, "/startups/onboarding/steps/1", dict(STEP_DATA[1], website="https://shared.example"))
    await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)})
    draft_id = (await StartupProfile.select(StartupProfile.id).where(StartupProfile.organisation == other_org["id"]).first().run())["id"]
    first_claim, second_claim = await claims()
    assert second_claim["organisation"] == other_org["id"]

    await staff_member(client, "program_manager")
    approved = await post_form(client, f"/staff/claims/{second_claim['id']}/approve", {}, follow_redirects=False)
    assert approved.status_code == 303
    assert await profile(draft_id) is None  # the draft gave way to the claimed profile
    assert (await profile(imported))["organisation"] == other_org["id"]
    statuses = [c["status"] for c in await claims()]
    assert statuses == ["rejected", "approved"]
    assert "Another organisation's claim" in (await claims())[0]["message"]
    assert [m["template"] for m in await mails(first["user"]["email"])] == ["claim_rejected"]
    twice = await post_form(client, f"/staff/claims/{first_claim['id']}/approve", {})
    assert twice.status_code == 409 and "decided already" in twice.text


async def test_rejecting_needs_a_message_which_the_claimant_receives(client: Any) -> None:
    imported = await imported_profile(name_en="Nova AI")
    member = await startup_member(client, name_en="Nova AI", locale="ko")
    await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)})
    [claim] = await claims()
    await staff_member(client, "program_manager")

    missing = await post_form(client, f"/staff/claims/{claim['id']}/reject", {"message": "  "}, htmx=True)
    assert missing.status_code == 422 and "<html" not in missing.text
    assert "Message to the startup is required." in html.unescape(missing.text)
    plain_missing = await post_form(client, f"/staff/claims/{claim['id']}/reject", {})
    assert plain_missing.status_code == 422 and "<html" in plain_missing.text
    too_long = await post_form(client, f"/staff/claims/{claim['id']}/reject", {"message": "x" * 2001}, htmx=True)
    assert too_long.status_code == 422 and "at most 2000 characters" in too_long.text
    assert (await claims())[0]["status"] == "pending"

    done = await post_form(client, f"/staff/claims/{claim['id']}/reject", {"message": "The registration numbers differ."}, htmx=True)
    assert done.status_code == 200 and 'data-status="rejected"' in done.text
    assert (await claims())[0]["message"] == "The registration numbers differ."
    assert (await profile(imported))["organisation"] is None
    assert await actions() == ["claim.requested", "claim.rejected"]
    [mail] = await mails(member["user"]["email"])
    assert mail["template"] == "claim_rejected" and mail["locale"] == "ko"
    assert "The registration numbers differ." in mail["body"]


async def test_completing_an_own_profile_withdraws_the_pending_claim(client: Any) -> None:
    imported = await imported_profile(name_en="Twin Labs")
    member = await startup_member(client, name_en="Twin Labs")
    await post_form(client, "/startups/onboarding/claims", {"profile_id": str(imported)})
    offer = await client.get("/startups/onboarding")
    assert f'data-pending-claim="{imported}"' in offer.text and "own=1" in offer.text
    step_one = await client.get("/startups/onboarding?step=1&own=1")
    assert 'data-step="1"' in step_one.text
    for step in range(1, 6):
        response = await post_form(client, f"/startups/onboarding/steps/{step}", STEP_DATA[step], follow_redirects=False)
        assert response.status_code == 303
    token = client.cookies.get("csrftoken")
    done = await client.post("/startups/onboarding/logo", files={"logo": ("l.png", image_bytes(), "image/png")}, data={"_csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303
    [claim] = await claims()
    assert claim["status"] == "rejected" and claim["decided_by"] == member["user"]["id"]
    assert await actions() == ["claim.requested", "claim.withdrawn"]
    assert (await profile(imported))["organisation"] is None


async def test_only_matching_unclaimed_profiles_can_be_claimed(client: Any) -> None:
    unrelated = await imported_profile(name_en="Unrelated Co")
    owner = await create_user()
    kept_org = await create_org("startup", owner=owner, name_en="Kept Co")
    kept = await create_profile(kept_org["id"], name_en="Kept Co")
    await startup_member(client, name_en="Kept Co")
    refused = await post_form(client, "/startups/onboarding/claims", {"profile_id": str(unrelated)})
    assert refused.status_code == 403 and "only a profile with your organisation" in html.unescape(refused.text)
    assert (await post_form(client, "/startups/onboarding/claims", {"profile_id": str(kept)})).status_code == 404
    assert (await post_form(client, "/startups/onboarding/claims", {"profile_id": "abc"})).status_code == 404
    assert await claims() == []


@pytest.mark.parametrize(
    ("roles", "status"), [(None, 303), ((), 403), (("reviewer",), 403), (("program_manager",), 200), (("admin",), 200)]
)
async def test_staff_claims_page_guards_per_role(client: Any, roles: tuple[str, ...] | None, status: int) -> None:
    imported = await imported_profile(name_en="Guarded Co")
    requester = await create_user()
    org = await create_org("startup", owner=requester, name_en="Guarded Co")
    claim = ProfileClaim(profile=imported, organisation=org["id"], requested_by=requester["id"], status="pending", created_at=utcnow())
    await claim.save().run()
    if roles == ():
        await login(client, requester["email"])
    elif roles:
        await staff_member(client, *roles)
    page = await client.get("/staff/claims", follow_redirects=False)
    assert page.status_code == status
    if status == 200:
        assert "<html" in page.text and "Guarded Co" in page.text
        fragment = await client.get("/staff/claims?status=all", headers=HX)
        assert fragment.status_code == 200 and "<html" not in fragment.text and f'id="claim-{claim.id}"' in fragment.text
    approve = await post_form(client, f"/staff/claims/{claim.id}/approve", {}, follow_redirects=False)
    assert approve.status_code == (303 if status == 200 else status)
    assert ((await profile(imported))["organisation"] == org["id"]) is (status == 200)
