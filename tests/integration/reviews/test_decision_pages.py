"""Determination and objection pages: who may open and use them, the preview in the applicant's
language (the same message as the service's bulk path), the whole determination for the
applicant, objections within and after the window, and staff answering them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from httpx import AsyncClient
from markupsafe import escape

from hubcity.config.settings import Settings
from hubcity.core.notify import Notifier
from hubcity.core.templating import build_environment
from hubcity.db.tables import Application, AuditEntry, Determination, Notification, Objection
from hubcity.programs.services import ApplicationService
from hubcity.reviews.services import DecisionService
from tests.conftest import post_form
from tests.factories.accounts import create_org, create_user
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer, viewer_of
from tests.integration.programs.test_apply_pages import app_clock, client, login, stored  # noqa: F401 - fixtures

TITLE = "Secret Robotics Fund"


async def awaiting(program: dict[str, Any] | None = None, *, locale: str = "en") -> dict[str, Any]:
    """An application brought to awaiting_decision (through the services)."""
    program = program or await create_program(title_en=TITLE, title_ko="비밀 로봇 펀드")
    admin = await staff_viewer("admin")
    service = ApplicationService()
    made = await create_application(program, await create_startup(locale=locale), service=service)
    app_id = made["application"]["id"]
    await service.submit(app_id, made["viewer"])
    await service.transition(app_id, admin, "screening")
    await service.transition(app_id, admin, "in_review")
    made["application"] = await service.system_transition(app_id, "awaiting_decision")
    made["program"] = program
    return made


async def viewer_for(who: str, made: dict[str, Any]) -> Any:
    if who == "applicant":
        return made["viewer"]
    if who == "other_startup":
        return (await create_startup())["owner"]
    if who == "corporation":
        user = await create_user()
        await create_org("corporate", owner=user)
        return await viewer_of(user)
    if who == "anonymous":
        return None
    return await staff_viewer(who)


def service(settings: Settings) -> DecisionService:
    return DecisionService(Notifier(build_environment(settings)), "http://testserver.local")


@pytest.mark.parametrize("who", ["anonymous", "applicant", "other_startup", "corporation", "reviewer", "finance", "program_manager", "admin"])
async def test_who_may_open_and_use_the_staff_decision_pages(client: AsyncClient, who: str) -> None:
    made = await awaiting()
    app_id, program_id = made["application"]["id"], made["program"]["id"]
    viewer = await viewer_for(who, made)
    if viewer is not None:
        await login(client, viewer)
    page = await client.get(f"/staff/applications/{app_id}/decision", follow_redirects=False)
    objections = await client.get(f"/staff/programs/{program_id}/objections", follow_redirects=False)
    preview = await post_form(client, f"/staff/applications/{app_id}/decision/preview", {"outcome": "rejected"}, follow_redirects=False)
    decide = await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "rejected", "confirm": "yes"},
                             follow_redirects=False)
    if who == "anonymous":
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert decide.status_code == 303 and decide.headers["location"].startswith("/login")
    elif who in ("program_manager", "admin"):
        assert page.status_code == 200 and TITLE in page.text and 'data-outcome="approved"' in page.text
        assert objections.status_code == 200 and preview.status_code == 200
        assert decide.status_code == 303
    else:
        for response in (page, objections, preview, decide):
            assert response.status_code == 403 and TITLE not in response.text
    expected = "rejected" if who in ("program_manager", "admin") else "awaiting_decision"
    assert (await stored(app_id))["status"] == expected


async def test_preview_shows_the_message_in_the_applicants_language_and_confirming_stores_it(client: AsyncClient, settings: Settings) -> None:
    made = await awaiting(locale="ko")
    app_id = made["application"]["id"]
    manager = await staff_viewer("program_manager")
    await login(client, manager)
    data = {"outcome": "approved", "conditions": "Open an office in Busan.", "feedback": "Strong team."}
    preview = await post_form(client, f"/staff/applications/{app_id}/decision/preview", data)
    assert preview.status_code == 200 and 'data-testid="preview"' in preview.text
    expected = service(settings).render_message("approved", "ko", made["program"], conditions="Open an office in Busan.", objection_days=14)
    assert "비밀 로봇 펀드" in expected  # the program's Korean title: the applicant's language, not the staff's
    assert str(escape(expected)) in preview.text
    assert await Determination.count() == 0 and (await stored(app_id))["status"] == "awaiting_decision"

    unconfirmed = await post_form(client, f"/staff/applications/{app_id}/decision", data)
    assert unconfirmed.status_code == 422 and "confirm the decision" in unconfirmed.text and await Determination.count() == 0
    done = await post_form(client, f"/staff/applications/{app_id}/decision", {**data, "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"/staff/applications/{app_id}/award"
    row = await Determination.select().where(Determination.application == app_id).first().run()
    assert row["message"] == expected and row["conditions"] == data["conditions"] and row["feedback"] == data["feedback"]
    assert row["locale"] == "ko"
    assert await AuditEntry.exists().where(AuditEntry.action == "determination.made").run()
    assert await Notification.exists().where(Notification.template == "determination_approved").run()

    # the bulk path gives the same message for an application in the same situation
    other = await awaiting(made["program"], locale="ko")
    bulk = await service(settings).determine_bulk([other["application"]["id"]], manager, "approved",
                                                  conditions=data["conditions"], feedback=data["feedback"])
    assert bulk.done[other["application"]["id"]]["message"] == row["message"]


async def test_bad_decision_input_is_refused_with_the_text_kept(client: AsyncClient) -> None:
    made = await awaiting()
    app_id = made["application"]["id"]
    await login(client, await staff_viewer("program_manager"))
    no_outcome = await post_form(client, f"/staff/applications/{app_id}/decision/preview", {"feedback": "Kept feedback."})
    assert no_outcome.status_code == 422 and "choose approve, waitlist or reject" in no_outcome.text and "Kept feedback." in no_outcome.text
    too_long = await post_form(client, f"/staff/applications/{app_id}/decision/preview", {"outcome": "rejected", "feedback": "x" * 10001})
    assert too_long.status_code == 422 and "at most 10000 characters" in too_long.text
    conditions = await post_form(client, f"/staff/applications/{app_id}/decision",
                                 {"outcome": "rejected", "conditions": "Only if…", "confirm": "yes"})
    assert conditions.status_code == 422 and "only an approval has conditions" in conditions.text and "Only if…" in conditions.text
    assert await Determination.count() == 0 and (await stored(app_id))["status"] == "awaiting_decision"


async def test_the_applicant_reads_the_whole_determination_and_others_get_a_404(client: AsyncClient) -> None:
    made = await awaiting()
    app_id = made["application"]["id"]
    manager = await staff_viewer("program_manager")
    await login(client, manager)
    await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "rejected", "feedback": "The market is too small.",
                                                                      "confirm": "yes"})
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{app_id}/decision")
    row = await Determination.select().where(Determination.application == app_id).first().run()
    assert page.status_code == 200 and 'data-outcome="rejected"' in page.text
    # the outcome reads as the status does on the applicant's pages
    assert '<h2 data-testid="outcome">Not selected</h2>' in page.text and '<strong data-testid="status">Not selected</strong>' in page.text
    assert str(escape(row["message"])) in page.text and "The market is too small." in page.text
    assert 'data-testid="objection-form"' in page.text
    application_page = await client.get(f"/applications/{app_id}")
    assert f'href="/applications/{app_id}/decision"' in application_page.text  # the panel on the application page

    for who in ("other_startup", "corporation"):
        await login(client, await viewer_for(who, made))
        for response in (await client.get(f"/applications/{app_id}/decision"),
                         await post_form(client, f"/applications/{app_id}/objection", {"text": "Please."})):
            assert response.status_code == 404 and TITLE not in response.text
    assert await Objection.count() == 0
    await login(client, manager)
    staff = await client.get(f"/applications/{app_id}/decision", follow_redirects=False)
    assert staff.status_code == 303 and staff.headers["location"] == f"/staff/applications/{app_id}/decision"


async def test_objections_within_and_after_the_window_and_staff_answers(client: AsyncClient) -> None:
    made = await awaiting()
    app_id, program_id = made["application"]["id"], made["program"]["id"]
    manager = await staff_viewer("program_manager")
    await login(client, made["viewer"])
    none_yet = await post_form(client, f"/applications/{app_id}/objection", {"text": "Too early."})
    assert none_yet.status_code == 409 and "no decision to object to" in none_yet.text
    await login(client, manager)
    await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "rejected", "confirm": "yes"})

    await login(client, made["viewer"])
    empty = await post_form(client, f"/applications/{app_id}/objection", {"text": "   "})
    assert empty.status_code == 422 and "write from 1 to 5000 characters" in empty.text
    long_text = "y" * 5001
    too_long = await post_form(client, f"/applications/{app_id}/objection", {"text": long_text})
    assert too_long.status_code == 422 and long_text in too_long.text  # nothing lost
    lodged = await post_form(client, f"/applications/{app_id}/objection", {"text": "The reviewers missed our pilot."}, follow_redirects=False)
    assert lodged.status_code == 303
    again = await post_form(client, f"/applications/{app_id}/objection", {"text": "And another thing."})
    assert again.status_code == 409 and "waiting for its answer" in again.text and "And another thing." in again.text
    assert await Objection.count() == 1

    await login(client, (await create_startup())["owner"])
    objection = await Objection.select().first().run()
    assert (await post_form(client, f"/staff/objections/{objection['id']}/answer", {"answer": "No."})).status_code == 403

    await login(client, manager)
    listing = await client.get(f"/staff/programs/{program_id}/objections?open=1")
    assert listing.status_code == 200 and "The reviewers missed our pilot." in listing.text
    blank = await post_form(client, f"/staff/objections/{objection['id']}/answer", {"answer": "", "uphold": "yes"})
    assert blank.status_code == 422 and "Answer: write from 1 to 5000 characters" in blank.text
    upheld = await post_form(client, f"/staff/objections/{objection['id']}/answer",
                             {"answer": "You are right; we look again.", "uphold": "yes"}, follow_redirects=False)
    assert upheld.status_code == 303 and (await stored(app_id))["status"] == "awaiting_decision"
    twice = await post_form(client, f"/staff/objections/{objection['id']}/answer", {"answer": "Again."})
    assert twice.status_code == 409 and "answered already" in twice.text
    assert await AuditEntry.exists().where(AuditEntry.action == "objection.answered").run()

    # decided again; the window then passes: a clear message naming when it closed, the text kept
    await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "rejected", "confirm": "yes"})
    row = await Determination.select().where(Determination.superseded_at.is_null()).first().run()
    await Determination.update({Determination.at: row["at"] - timedelta(days=15)}).where(Determination.id == row["id"]).run()
    await login(client, made["viewer"])
    page = await client.get(f"/applications/{app_id}/decision")
    assert "The time to object ended on" in page.text and 'data-testid="objection-form"' not in page.text
    late = await post_form(client, f"/applications/{app_id}/objection", {"text": "Late but important."})
    assert late.status_code == 409 and "The time to object ended on" in late.text and "Late but important." in late.text
    assert await Objection.count() == 1
    answered = await client.get(f"/applications/{app_id}/decision")
    assert answered.status_code == 200


async def test_waitlisted_then_approved_and_no_decision_from_other_statuses(client: AsyncClient) -> None:
    made = await awaiting()
    app_id = made["application"]["id"]
    await login(client, await staff_viewer("admin"))
    assert (await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "waitlisted", "confirm": "yes"},
                            follow_redirects=False)).status_code == 303
    page = await client.get(f"/staff/applications/{app_id}/decision")
    assert 'data-outcome="approved"' in page.text and 'data-outcome="waitlisted"' in page.text  # current + the choice
    done = await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "approved", "confirm": "yes"}, follow_redirects=False)
    assert done.status_code == 303 and (await stored(app_id))["status"] == "approved"
    refused = await post_form(client, f"/staff/applications/{app_id}/decision", {"outcome": "rejected", "confirm": "yes"})
    assert refused.status_code == 409 and (await stored(app_id))["status"] == "approved"
    assert await Application.count() == 1


async def test_no_decision_is_made_by_a_plain_status_change(client: AsyncClient) -> None:
    """The screening page offers no decision buttons (it links to the decision page), and a
    forged status change to a decision is refused: a decision always comes with its message."""
    from hubcity.core.errors import InvalidStateError

    made = await awaiting()
    application_id = made["application"]["id"]
    manager = await staff_viewer("program_manager")
    with pytest.raises(InvalidStateError) as refused:
        await ApplicationService().transition(application_id, manager, "approved", reason="Well done")
    assert refused.value.code == "decision_required"

    await login(client, manager)
    page = await client.get(f"/staff/applications/{application_id}")
    assert page.status_code == 200 and 'data-testid="decision-link"' in page.text
    for outcome in ("approved", "waitlisted", "rejected"):
        assert f'name="to" value="{outcome}"' not in page.text
    forged = await post_form(client, f"/staff/applications/{application_id}/status", {"to": "approved", "reason": "Well done"})
    assert forged.status_code in (403, 409)
    assert (await stored(application_id))["status"] == "awaiting_decision"
    assert await Determination.count().run() == 0
