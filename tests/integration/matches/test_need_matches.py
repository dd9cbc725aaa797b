"""A corporation's need → ranked startups with reasons: the page, its HTMX fragment, who may see
it, the shortlist and introductions (real embedding models, the embedded backend)."""

from __future__ import annotations

import re

from httpx import AsyncClient

from hubcity.core.clock import utcnow
from hubcity.db.tables import Introduction, ShortlistEntry
from tests.conftest import post_form
from tests.factories.accounts import latest_email
from tests.factories.corporates import corporation_with_member, login_as, quick_user
from tests.factories.matches import build_market

HTMX = {"HX-Request": "true", "HX-Target": "match-results"}


def ranked_ids(html: str) -> list[int]:
    return [int(value) for value in re.findall(r'class="startup-card match" data-startup="(\d+)"', html)]


async def test_need_page_ranks_fitting_startups_first_and_never_proposes_opted_out_or_inactive(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    response = await client.get(f"/needs/{market.need['id']}/matches")

    assert response.status_code == 200, response.text
    ids = ranked_ids(response.text)
    p = market.profiles
    assert p["opted_out"] not in ids and p["inactive"] not in ids
    assert ids.index(p["battery_en"]) < ids.index(p["dental"])
    # the Korean-only profile is found by an English need (meaning, not words)
    assert ids.index(p["battery_ko"]) < ids.index(p["dental"])
    assert 'data-reason="similarity"' in response.text
    assert "<html" in response.text


async def test_each_match_says_why_in_words_tags_and_what_it_lacks(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    response = await client.get(f"/needs/{market.need['id']}/matches")

    card = response.text.split(f'data-startup="{market.profiles["battery_en"]}"')[1].split("</article>")[0]
    assert 'data-reason="terms"' in card and "battery" in card.lower()
    assert 'data-reason="tags"' in card
    assert 'data-reason="passed"' in card  # its stage (seed) is one the need asks for
    dental = response.text.split(f'data-startup="{market.profiles["dental"]}"')[1].split("</article>")[0]
    assert 'data-reason="lacking"' in dental  # another sector, technology and stage


async def test_filters_narrow_the_matches_and_htmx_gets_the_results_alone(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    response = await client.get(f"/needs/{market.need['id']}/matches?sector=healthcare", headers=HTMX)

    assert response.status_code == 200
    assert "<html" not in response.text
    assert ranked_ids(response.text) == [market.profiles["dental"]]
    assert 'data-testid="result-count"' in response.text


async def test_a_bad_filter_value_is_ignored_with_a_message(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)

    response = await client.get(f"/needs/{market.need['id']}/matches?team_min=lots&sector=no-such-sector")

    assert response.status_code == 200
    assert 'data-filter-error="team_min"' in response.text
    assert 'data-filter-error="sector"' in response.text
    assert market.profiles["battery_en"] in ranked_ids(response.text)


async def test_only_the_corporations_members_and_staff_see_a_needs_matches(client: AsyncClient) -> None:
    market = await build_market()
    url = f"/needs/{market.need['id']}/matches"
    _other_org, outsider = await corporation_with_member(name_en="Rival Motors")
    startup_owner = market.owners["battery_en"]
    staff = await quick_user(roles=("program_manager",))

    for person, expected in ((outsider, 404), (startup_owner, 404), (staff, 200)):
        await login_as(client, person)
        response = await client.get(url)
        assert response.status_code == expected, (person, response.status_code)
        if expected == 404:
            assert market.need["title_en"] not in response.text
    client.cookies.clear()
    anonymous = await client.get(url, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)


async def test_shortlist_toggles_with_htmx_and_refuses_a_startup_that_opted_out(client: AsyncClient) -> None:
    market = await build_market()
    await login_as(client, market.corporate_user)
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]

    added = await post_form(client, f"/needs/{need_id}/shortlist/{profile_id}", {"action": "add"}, headers={"HX-Request": "true", "HX-Target": f"shortlist-{profile_id}"})
    assert added.status_code == 200 and 'aria-pressed="true"' in added.text
    again = await post_form(client, f"/needs/{need_id}/shortlist/{profile_id}", {"action": "add"}, headers={"HX-Request": "true", "HX-Target": f"shortlist-{profile_id}"})
    assert again.status_code == 200
    assert await ShortlistEntry.count().where(ShortlistEntry.need == need_id).run() == 1

    page = await client.get(f"/needs/{need_id}/matches")
    assert "On the shortlist" in page.text

    removed = await post_form(client, f"/needs/{need_id}/shortlist/{profile_id}", {"action": "remove"}, follow_redirects=False)
    assert removed.status_code == 303
    assert await ShortlistEntry.count().where(ShortlistEntry.need == need_id).run() == 0

    refused = await post_form(client, f"/needs/{need_id}/shortlist/{market.profiles['opted_out']}", {"action": "add"})
    assert refused.status_code == 404


async def test_an_introduction_is_requested_accepted_and_the_contact_shown_only_after_consent(client: AsyncClient) -> None:
    market = await build_market()
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]
    await login_as(client, market.corporate_user)

    requested = await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": str(profile_id), "message": "Let's talk."}, follow_redirects=False)
    assert requested.status_code == 303
    intro = await Introduction.select().where(Introduction.need == need_id).first().run()
    assert intro["status"] == "requested" and intro["requested_side"] == "corporation"
    email = await latest_email(market.owners["battery_en"]["email"])
    assert email is not None and "introduced" in email["subject"].lower()

    twice = await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": str(profile_id)}, follow_redirects=True)
    assert "already requested" in twice.text
    assert await Introduction.count().where(Introduction.need == need_id).run() == 1

    before = await client.get(f"/matches/introductions/{intro['id']}")
    assert 'data-testid="contact"' not in before.text  # nothing shared before acceptance

    await login_as(client, market.owners["battery_en"])
    mine = await client.get("/matches")
    assert f'data-introduction="{intro["id"]}"' in mine.text
    accepted = await post_form(client, f"/matches/introductions/{intro['id']}/accept", {}, follow_redirects=False)
    assert accepted.status_code == 303

    await login_as(client, market.corporate_user)
    after = await client.get(f"/matches/introductions/{intro['id']}")
    assert market.owners["battery_en"]["email"] in after.text
    notice = await latest_email(market.corporate_user["email"])
    assert notice is not None and "accepted" in notice["subject"].lower()


async def test_no_contact_without_consent_to_third_party_provision(client: AsyncClient) -> None:
    from hubcity.db.tables import Consent

    market = await build_market()
    owner = market.owners["battery_en"]
    await Consent.delete().where((Consent.user == owner["id"]) & (Consent.purpose == "third_party_provision")).run()
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]
    await login_as(client, market.corporate_user)
    await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": str(profile_id)})
    intro = await Introduction.select().where(Introduction.need == need_id).first().run()
    await login_as(client, owner)
    await post_form(client, f"/matches/introductions/{intro['id']}/accept", {})

    await login_as(client, market.corporate_user)
    page = await client.get(f"/matches/introductions/{intro['id']}")

    assert owner["email"] not in page.text
    assert "has not consented" in page.text


async def test_introduction_bad_input_and_wrong_people(client: AsyncClient) -> None:
    market = await build_market()
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]
    await login_as(client, market.corporate_user)

    too_long = await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": str(profile_id), "message": "x" * 2001}, follow_redirects=True)
    assert "at most 2000 characters" in too_long.text
    not_a_number = await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": "abc"}, follow_redirects=True)
    assert "Startup: choose a startup" in not_a_number.text
    assert await Introduction.count().run() == 0

    await post_form(client, f"/needs/{need_id}/introductions", {"profile_id": str(profile_id)})
    intro = await Introduction.select().first().run()
    early = await post_form(client, f"/matches/introductions/{intro['id']}/outcome", {"outcome": "poc"})
    assert early.status_code == 409  # only an accepted introduction has an outcome

    await login_as(client, market.owners["dental"])  # another startup cannot answer it
    stranger = await post_form(client, f"/matches/introductions/{intro['id']}/accept", {})
    assert stranger.status_code == 404
    await login_as(client, market.owners["battery_en"])
    await post_form(client, f"/matches/introductions/{intro['id']}/accept", {})
    again = await post_form(client, f"/matches/introductions/{intro['id']}/decline", {})
    assert again.status_code == 409
    bad_outcome = await post_form(client, f"/matches/introductions/{intro['id']}/outcome", {"outcome": "married"})
    assert bad_outcome.status_code == 422
    good = await post_form(client, f"/matches/introductions/{intro['id']}/outcome", {"outcome": "poc"}, follow_redirects=False)
    assert good.status_code == 303
    assert (await Introduction.select().first().run())["outcome"] == "poc"


async def test_a_startup_shortlisted_by_two_colleagues_at_once_is_kept_once_without_an_error(client: AsyncClient, monkeypatch) -> None:
    from hubcity.matches.repositories import ShortlistRepository

    market = await build_market()
    await login_as(client, market.corporate_user)
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]

    async def racing_add(self, need, profile, user, now):  # this request saw no entry before the colleague's landed
        await ShortlistEntry(need=need, profile=profile, added_by=user, created_at=now).save().run()
        return True

    await ShortlistEntry(need=need_id, profile=profile_id, added_by=market.corporate_user["id"], created_at=utcnow()).save().run()
    monkeypatch.setattr(ShortlistRepository, "add", racing_add)
    response = await post_form(client, f"/needs/{need_id}/shortlist/{profile_id}", {"action": "add"})

    assert response.status_code in (200, 303)
    assert await ShortlistEntry.count().where(ShortlistEntry.need == need_id).run() == 1


async def test_staff_broker_an_introduction_and_bad_input_keeps_what_was_typed(client: AsyncClient) -> None:
    market = await build_market()
    manager = await quick_user(name="Manager Min", roles=("program_manager",))
    need_id, profile_id = market.need["id"], market.profiles["battery_en"]
    await login_as(client, manager)

    assert (await client.get("/staff/introductions")).status_code == 200
    for page in ("abc", "-1", "99999999999999", "٣"):
        assert (await client.get("/staff/introductions", params={"page": page})).status_code == 200, page

    not_number = await post_form(client, "/staff/introductions", {"need_id": "twelve", "profile_id": str(profile_id), "message": "Hello"})
    assert not_number.status_code == 422
    assert 'data-field-error="need_id"' in not_number.text and "Hello" in not_number.text
    opted_out = await post_form(client, "/staff/introductions", {"need_id": str(need_id), "profile_id": str(market.profiles["opted_out"])})
    assert opted_out.status_code == 422 and 'data-field-error="profile_id"' in opted_out.text
    unknown_need = await post_form(client, "/staff/introductions", {"need_id": "999999", "profile_id": str(profile_id)})
    assert unknown_need.status_code == 422 and 'data-field-error="need_id"' in unknown_need.text
    long_message = await post_form(client, "/staff/introductions", {"need_id": str(need_id), "profile_id": str(profile_id), "message": "x" * 2001})
    assert long_message.status_code == 422 and 'data-field-error="message"' in long_message.text
    assert await Introduction.count().run() == 0

    done = await post_form(client, "/staff/introductions", {"need_id": str(need_id), "profile_id": str(profile_id)}, follow_redirects=False)
    assert done.status_code == 303
    intro = await Introduction.select().first().run()
    assert intro["requested_side"] == "staff" and intro["profile"] == profile_id
    listed = await client.get("/staff/introductions", params={"status": "requested"})
    assert f'data-introduction="{intro["id"]}"' in listed.text
    again = await post_form(client, "/staff/introductions", {"need_id": str(need_id), "profile_id": str(profile_id)})
    assert again.status_code == 422 and await Introduction.count().run() == 1


async def test_only_program_managers_broker_introductions(client: AsyncClient) -> None:
    market = await build_market()
    data = {"need_id": str(market.need["id"]), "profile_id": str(market.profiles["battery_en"])}
    for user in (market.corporate_user, market.owners["battery_en"], await quick_user(roles=("finance",))):
        await login_as(client, user)
        assert (await client.get("/staff/introductions")).status_code in (403, 404)
        assert (await post_form(client, "/staff/introductions", data)).status_code in (403, 404)
    assert await Introduction.count().run() == 0
