"""Applying by page: the eligibility check, starting (and a second tab), the form with autosave,
conflicts, a session that ended, submission around the closing instant in two zones with an
extension for one startup, withdrawal, the answers reopened by a more-information request,
and who may see what (another startup gets a 404 that names nothing)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from litestar import Litestar

from hubcity.core.clock import utcnow
from hubcity.db.tables import Application, AuditEntry, Job
from hubcity.programs import deps
from hubcity.programs.jobs import SWEEP_JOB
from hubcity.programs.services import ApplicationService
from tests.conftest import open_client, post_form
from tests.factories.corporates import login_as, login_route
from tests.factories.programs import COMPLETE_ANSWERS, create_application, create_program, create_startup, staff_viewer
from tests.integration.programs.conftest import Clock



def in_los_angeles(client: AsyncClient) -> None:
    """The browser reports America/Los_Angeles (what the page's script sets in the ``tz`` cookie)."""
    client.cookies.set("tz", "America%2FLos_Angeles", domain="testserver.local")


@pytest.fixture
def app_clock() -> Clock:
    return Clock()


@pytest.fixture
async def client(app: Litestar, app_clock: Clock, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncClient]:
    """The app's client with the test login route; the app's ApplicationService reads ``app_clock``."""
    app.register(login_route)
    real = ApplicationService
    monkeypatch.setattr(deps, "ApplicationService", lambda notifier, url: real(notifier, url, clock=app_clock))
    async with open_client(app) as test_client:
        yield test_client


async def login(client: AsyncClient, viewer: Any) -> None:
    await login_as(client, {"id": viewer.id})


async def stored(application_id: int) -> dict[str, Any]:
    return await Application.select().where(Application.id == application_id).first().output(load_json=True).run()


def revision_in(html: str) -> int:
    match = re.search(r'id="revision" name="revision" value="(\d+)"', html)
    assert match, html
    return int(match.group(1))


async def autosave(client: AsyncClient, application_id: int, data: dict[str, Any], **kwargs: Any) -> Any:
    return await post_form(client, f"/applications/{application_id}/autosave", data, htmx=True, **kwargs)


# -- eligibility and starting --------------------------------------------------------------------
async def test_eligibility_names_each_failing_rule_with_the_profiles_value(client: AsyncClient) -> None:
    program = await create_program(eligibility=[
        {"rule": "team_size", "min": 20}, {"rule": "regions", "values": ["Seoul"]}, {"rule": "stages", "values": ["seed"]},
        {"rule": "one_application_per_startup"},
    ])
    startup = await create_startup(team_size=12, location="Busan", country="kr", stage="seed")
    await login(client, startup["owner"])
    page = await client.get(f"/calls/{program['id']}/apply")
    assert page.status_code == 200
    rows = dict(re.findall(r'data-rule="([a-z_]+)" data-passed="(yes|no)"', page.text))
    assert rows == {"team_size": "no", "regions": "no", "stages": "yes", "one_application_per_startup": "yes"}
    assert "12 people" in page.text and "kr, Busan" in page.text  # the profile's values beside the rules
    assert "Team size: not met" in page.text and "Eligible regions: Seoul" in page.text
    assert 'data-testid="start"' not in page.text and 'data-testid="not-eligible"' in page.text
    # Starting anyway (a crafted post) is refused, naming the rules; nothing is created.
    refused = await post_form(client, f"/calls/{program['id']}/applications")
    assert refused.status_code == 409 and "Team size" in refused.text and "Located in an eligible region" in refused.text
    assert await Application.count().run() == 0


async def test_an_eligible_startup_starts_a_prefilled_draft_and_a_second_tab_gets_a_link(client: AsyncClient) -> None:
    program = await create_program()
    startup = await create_startup(team_size=12)
    await login(client, startup["owner"])
    page = await client.get(f"/calls/{program['id']}/apply")
    assert 'data-testid="start"' in page.text
    other_tab = await client.get(f"/calls/{program['id']}/apply")  # the same page open twice
    assert 'data-testid="start"' in other_tab.text

    started = await post_form(client, f"/calls/{program['id']}/applications", follow_redirects=False)
    assert started.status_code == 303
    application_id = int(started.headers["location"].rsplit("/", 1)[1])
    assert await Job.exists().where(Job.name == SWEEP_JOB).run()  # the reminder sweep is armed
    form = await client.get(f"/applications/{application_id}")
    assert form.status_code == 200
    assert re.search(r'name="q-team" value="12"', form.text)  # prefilled from the profile

    second = await post_form(client, f"/calls/{program['id']}/applications", follow_redirects=False)
    assert second.status_code == 409
    assert "already applied to this call" in second.text and f'href="/applications/{application_id}"' in second.text
    assert await Application.count().run() == 1
    again = await client.get(f"/calls/{program['id']}/apply")
    assert 'data-testid="existing"' in again.text and 'data-testid="start"' not in again.text


async def test_korean_member_sees_the_form_in_korean(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program, await create_startup(locale="ko"))
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{made['application']['id']}")
    assert page.status_code == 200 and "요약" in page.text and "AI 씨앗 펀드" in page.text


# -- permissions -----------------------------------------------------------------------------------
async def test_another_startup_gets_404_naming_nothing_on_every_route(client: AsyncClient) -> None:
    program = await create_program(title_en="Secret Robotics Fund", title_ko="비밀 로봇 펀드")
    made = await create_application(program)
    application_id = made["application"]["id"]
    before = await stored(application_id)
    stranger = await create_startup()
    await login(client, stranger["owner"])
    for response in (
        await client.get(f"/applications/{application_id}"),
        await client.get(f"/applications/{application_id}/withdraw"),
        await autosave(client, application_id, {"revision": before["revision"], "q-summary": "mine now"}),
        await post_form(client, f"/applications/{application_id}/submit", {"revision": before["revision"]}),
        await post_form(client, f"/applications/{application_id}/withdraw", {"confirm": "yes"}),
        await post_form(client, f"/applications/{application_id}/files/deck/remove", {"file_id": "1"}),
        await client.get(f"/applications/{application_id}/download/1"),
    ):
        assert response.status_code == 404, response.request.url
        assert "Secret Robotics" not in response.text and "비밀" not in response.text and "Vision AI" not in response.text
    listing = await client.get("/applications")
    assert f'data-application="{application_id}"' not in listing.text
    assert await stored(application_id) == before


async def test_anonymous_staff_and_other_roles(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    anonymous = await client.get(f"/applications/{application_id}", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/login?next=/applications/{application_id}"
    assert (await client.get(f"/calls/{program['id']}/apply", follow_redirects=False)).status_code == 303
    manager = await staff_viewer("program_manager")
    await login(client, manager)
    to_staff = await client.get(f"/applications/{application_id}", follow_redirects=False)
    assert to_staff.status_code == 303 and to_staff.headers["location"] == f"/staff/applications/{application_id}"
    not_a_startup = await client.get(f"/calls/{program['id']}/apply")
    assert not_a_startup.status_code == 403 and "Only members of a startup can apply" in not_a_startup.text
    finance = await staff_viewer("finance")
    await login(client, finance)
    assert (await client.get(f"/applications/{application_id}")).status_code == 404
    draft_program = await create_program(publish=False)
    member = await create_startup()
    await login(client, member["owner"])
    assert (await client.get(f"/calls/{draft_program['id']}/apply")).status_code == 404


# -- autosave ------------------------------------------------------------------------------------------
async def test_autosave_shows_saved_at_and_the_new_revision(client: AsyncClient, app_clock: Clock) -> None:
    program = await create_program()
    made = await create_application(program, answers={})
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    in_los_angeles(client)
    page = await client.get(f"/applications/{application_id}")
    revision = revision_in(page.text)
    assert 'hx-post="/applications/%d/autosave"' % application_id in page.text and "keyup delay" in page.text
    app_clock.at = datetime(2026, 11, 30, 20, 5, tzinfo=UTC)
    response = await autosave(client, application_id, {"revision": revision, "q-summary": "Robots", "q-markets": ["", "kr", "jp"],
                                                       "q-team": "14", "q-start": "2027-01-04"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "Saved at 12:05" in response.text and "America/Los_Angeles" in response.text  # 20:05 UTC in Los Angeles
    assert 'hx-swap-oob="true"' in response.text and revision_in(response.text) == revision + 1
    row = await stored(application_id)
    assert row["answers"]["summary"] == "Robots" and row["answers"]["markets"] == ["kr", "jp"] and row["answers"]["team"] == 14
    assert row["revision"] == revision + 1


async def test_a_stale_revision_is_a_conflict_showing_what_is_saved_and_never_overwrites(client: AsyncClient) -> None:
    program = await create_program()
    startup = await create_startup(members=1)
    made = await create_application(program, startup)
    application_id = made["application"]["id"]
    await login(client, startup["owner"])
    revision = revision_in((await client.get(f"/applications/{application_id}")).text)
    # The other member saves first, from their own browser.
    other_client_saves = await ApplicationService().save(application_id, startup["members"][0], {"summary": "Their version"},
                                                         expected_revision=revision)
    assert other_client_saves["revision"] == revision + 1
    response = await autosave(client, application_id, {"revision": revision, "q-summary": "My version"})
    assert response.status_code == 409
    assert "Someone else saved this application" in response.text
    assert re.search(r'data-saved="summary">Their version<', response.text)
    assert (await stored(application_id))["answers"]["summary"] == "Their version"
    plain = await post_form(client, f"/applications/{application_id}/autosave", {"revision": revision, "q-summary": "My version"})
    assert plain.status_code == 409 and 'value="My version"' in plain.text  # the full page keeps what was typed
    assert (await stored(application_id))["answers"]["summary"] == "Their version"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        pytest.param({"q-summary": "x" * 101}, "summary", "at most 100 characters", id="text-over-limit"),
        pytest.param({"q-plan": "y" * 1001}, "plan", "at most 1000 characters", id="long-text-over-limit"),
        pytest.param({"q-team": "twelve"}, "team", "must be a number", id="number-not-a-number"),
        pytest.param({"q-team": "501"}, "team", "largest allowed number is 500", id="number-over-max"),
        pytest.param({"q-track": "space"}, "track", "“space” is not one of the choices", id="unknown-choice"),
        pytest.param({"q-markets": ["kr", "mars"]}, "markets", "“mars” is not one of the choices", id="unknown-multiple-choice"),
        pytest.param({"q-markets": ["kr", "kr"]}, "markets", "“kr” is chosen more than once", id="repeated-multiple-choice"),
        pytest.param({"q-start": "next monday"}, "start", "must be a date", id="bad-date"),
        pytest.param({"revision": "abc"}, "revision", "reload it", id="revision-not-a-number"),
    ],
)
async def test_bad_answers_are_refused_naming_the_field_and_nothing_saved_is_lost(
    client: AsyncClient, data: dict[str, Any], field: str, message: str
) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    before = await stored(application_id)
    await login(client, made["viewer"])
    posted = {"revision": before["revision"], "q-summary": "A new summary", **data}
    response = await autosave(client, application_id, posted)
    assert response.status_code == 422
    assert f'data-field="{field}"' in response.text and message in response.text and "Nothing was saved" in response.text
    assert await stored(application_id) == before
    plain = await post_form(client, f"/applications/{application_id}/autosave", posted)
    assert plain.status_code == 422 and "<html" in plain.text and message in plain.text
    if field == "summary":
        assert "x" * 101 in plain.text  # the typed text is shown again
    assert await stored(application_id) == before


async def test_an_ended_session_keeps_the_draft_on_the_server_and_answers_401(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{application_id}")
    revision = revision_in(page.text)
    saved = await autosave(client, application_id, {"revision": revision, "q-summary": "Typed before the session ended"})
    assert saved.status_code == 200
    client.cookies.delete("session")  # the session expired (the CSRF cookie stays, as in a browser)
    after_expiry = await autosave(client, application_id, {"revision": revision + 1, "q-summary": "Typed after it ended"})
    assert after_expiry.status_code == 401
    assert "Your session has ended" in after_expiry.text and "/login?next=/applications/%d" % application_id in after_expiry.text
    assert "HX-Redirect" not in after_expiry.headers  # the page stays, with the typed text
    assert (await stored(application_id))["answers"]["summary"] == "Typed before the session ended"
    await login(client, made["viewer"])  # the next login reopens the draft as saved
    reopened = await client.get(f"/applications/{application_id}")
    assert 'value="Typed before the session ended"' in reopened.text and revision_in(reopened.text) == revision + 1


# -- submission and deadlines ------------------------------------------------------------------------
async def test_submit_names_every_missing_required_answer_and_keeps_the_text(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program, await create_startup(team_size=None), answers={})
    application_id = made["application"]["id"]
    await login(client, made["viewer"])
    revision = revision_in((await client.get(f"/applications/{application_id}")).text)
    response = await post_form(client, f"/applications/{application_id}/submit", {"revision": revision, "q-plan": "Our plan", "q-summary": ""})
    assert response.status_code == 422
    assert "Summary: an answer is required." in response.text and "Team size: an answer is required." in response.text
    assert 'data-field="summary"' in response.text and 'data-field="team"' in response.text
    row = await stored(application_id)
    assert row["status"] == "draft" and row["answers"]["plan"] == "Our plan"  # what was typed is saved, not lost
    revision = row["revision"]
    done = await post_form(client, f"/applications/{application_id}/submit",
                           {"revision": revision, "q-summary": "Vision AI", "q-team": "9"}, follow_redirects=False)
    assert done.status_code == 303
    row = await stored(application_id)
    assert row["status"] == "submitted" and row["snapshot"]["id"] == made["startup"]["profile_id"]
    page = await client.get(f"/applications/{application_id}")
    assert 'data-testid="status">Submitted<' in page.text and 'name="q-summary"' not in page.text  # read-only now
    assert "This application can no longer be edited" in page.text
    late_edit = await autosave(client, application_id, {"revision": row["revision"], "q-summary": "changed"})
    assert late_edit.status_code == 409 and (await stored(application_id))["answers"]["summary"] == "Vision AI"


async def test_the_deadline_is_the_exact_instant_in_both_zones_and_an_extension_is_for_one_startup(
    client: AsyncClient, app_clock: Clock
) -> None:
    closes = (utcnow() + timedelta(days=2)).replace(second=0, microsecond=0)
    program = await create_program(closes_at=closes)
    on_time = await create_application(program)
    late = await create_application(program)
    extended = await create_application(program)
    manager = await staff_viewer("program_manager")
    await ApplicationService().grant_extension(extended["application"]["id"], manager, closes + timedelta(hours=1),
                                               reason="Their office was flooded.")
    seoul = closes.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Seoul")).strftime("%Y-%m-%d %H:%M")
    la = closes.astimezone(__import__("zoneinfo").ZoneInfo("America/Los_Angeles")).strftime("%Y-%m-%d %H:%M")

    app_clock.at = closes - timedelta(microseconds=1)
    await login(client, on_time["viewer"])
    in_los_angeles(client)
    page = await client.get(f"/applications/{on_time['application']['id']}")
    assert f"Deadline: {seoul} KST (Asia/Seoul)" in page.text and f"Your time: {la} P" in page.text
    listing = await client.get("/applications")
    assert seoul in listing.text and la in listing.text  # the list and the form agree
    ok = await post_form(client, f"/applications/{on_time['application']['id']}/submit", {}, follow_redirects=False)
    assert ok.status_code == 303 and (await stored(on_time["application"]["id"]))["status"] == "submitted"

    app_clock.at = closes  # the closing instant itself is too late
    await login(client, late["viewer"])
    page = await client.get(f"/applications/{late['application']['id']}")
    assert 'data-testid="closed"' in page.text and 'name="q-summary"' not in page.text
    refused = await post_form(client, f"/applications/{late['application']['id']}/submit", {})
    assert refused.status_code == 409
    assert f"The call closed at {seoul} KST (Asia/Seoul) (your time: {la} P" in refused.text and "America/Los_Angeles" in refused.text
    assert (await stored(late["application"]["id"]))["status"] == "draft"
    saving = await autosave(client, late["application"]["id"], {"revision": late["application"]["revision"], "q-summary": "late"})
    assert saving.status_code == 409 and "The call closed at" in saving.text

    await login(client, extended["viewer"])
    page = await client.get(f"/applications/{extended['application']['id']}")
    assert 'data-testid="extension"' in page.text and 'data-testid="closed"' not in page.text
    granted = await post_form(client, f"/applications/{extended['application']['id']}/submit", {}, follow_redirects=False)
    assert granted.status_code == 303 and (await stored(extended["application"]["id"]))["status"] == "submitted"
    assert await AuditEntry.exists().where(AuditEntry.action == "application.deadline_extended").run()


# -- withdrawal, timeline, more information ----------------------------------------------------------
async def test_withdrawal_needs_confirmation_and_the_timeline_shows_public_labels(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program)
    application_id = made["application"]["id"]
    service = ApplicationService()
    await service.submit(application_id, made["viewer"])
    await service.transition(application_id, await staff_viewer("admin"), "screening")
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{application_id}")
    timeline = page.text.split('data-testid="timeline"')[1]
    assert "Draft" in timeline and "Submitted" in timeline and "Eligibility check" in timeline and "Screening" not in timeline
    assert "(Asia/Seoul)" in timeline and "America/Los_Angeles" not in timeline
    in_los_angeles(client)  # the timeline follows the viewer's zone, like the deadline and "saved at"
    timeline = (await client.get(f"/applications/{application_id}")).text.split('data-testid="timeline"')[1]
    assert timeline.count("(America/Los_Angeles)") >= 3 and "(Asia/Seoul)" not in timeline
    client.cookies.delete("tz")
    listing = await client.get("/applications")
    assert re.search(r'data-status="screening">Eligibility check<', listing.text)
    assert (await client.get(f"/applications/{application_id}/withdraw")).status_code == 200
    unconfirmed = await post_form(client, f"/applications/{application_id}/withdraw", {"reason": "Changed plans"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text and "Changed plans" in unconfirmed.text
    assert (await stored(application_id))["status"] == "screening"
    too_long = await post_form(client, f"/applications/{application_id}/withdraw", {"confirm": "yes", "reason": "z" * 2001})
    assert too_long.status_code == 422 and (await stored(application_id))["status"] == "screening"
    done = await post_form(client, f"/applications/{application_id}/withdraw", {"confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and (await stored(application_id))["status"] == "withdrawn"
    again = await post_form(client, f"/applications/{application_id}/withdraw", {"confirm": "yes"})
    assert again.status_code == 409 and "cannot become" in again.text


async def test_more_information_reopens_only_the_named_fields(client: AsyncClient) -> None:
    program = await create_program()
    made = await create_application(program, answers={**COMPLETE_ANSWERS, "plan": "Old plan"})
    application_id = made["application"]["id"]
    service = ApplicationService()
    await service.submit(application_id, made["viewer"])
    admin = await staff_viewer("admin")
    await service.transition(application_id, admin, "screening")
    await service.transition(application_id, admin, "more_info_requested", reason="Tell us more about the plan.", fields=["plan"])
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{application_id}")
    assert "Tell us more about the plan." in page.text and 'data-testid="request-info"' in page.text
    editable = dict(re.findall(r'data-field="([a-z_]+)" data-editable="(yes|no)"', page.text))
    assert editable == {"summary": "no", "plan": "yes", "team": "no", "track": "no", "markets": "no", "start": "no"}
    revision = revision_in(page.text)
    refused = await autosave(client, application_id, {"revision": revision, "q-summary": "Sneaky new summary"})
    assert refused.status_code == 422 and "was not reopened" in refused.text
    assert (await stored(application_id))["answers"]["summary"] == COMPLETE_ANSWERS["summary"]
    upload = await post_form(client, f"/applications/{application_id}/files/deck", {})
    assert upload.status_code == 422 and "was not reopened" in upload.text
    saved = await autosave(client, application_id, {"revision": revision, "q-plan": "A much better plan"})
    assert saved.status_code == 200
    done = await post_form(client, f"/applications/{application_id}/submit", {"revision": revision + 1}, follow_redirects=False)
    assert done.status_code == 303
    row = await stored(application_id)
    assert row["status"] == "submitted" and row["answers"]["plan"] == "A much better plan" and row["reopened_fields"] == []
