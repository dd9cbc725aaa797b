"""Programs and applications through their services, on every test engine."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hubcity.core.clock import utcnow
from hubcity.core.errors import ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.db.tables import Application, ApplicationEvent, AuditEntry, Notification, ProgramFormVersion, StartupProfile
from hubcity.programs import workflow
from hubcity.programs.services import ApplicationService, ProgramService
from tests.factories.programs import COMPLETE_ANSWERS, FORM, create_application, create_program, create_startup, staff_viewer

MICRO = timedelta(microseconds=1)
#: How to bring a new draft to each status: (to, acting role) steps.
PATHS: dict[str, list[str]] = {
    "draft": [],
    "submitted": ["submitted"],
    "screening": ["submitted", "screening"],
    "more_info_requested": ["submitted", "screening", "more_info_requested"],
    "in_review": ["submitted", "screening", "in_review"],
    "ineligible": ["submitted", "screening", "ineligible"],
    "withdrawn": ["withdrawn"],
}
FIELDS = {"more_info_requested": ["summary"], "ineligible": ["one_application_per_startup"]}


async def _act(service: ApplicationService, app_id: int, to: str, role: str, actors: dict[str, Any]) -> dict[str, Any]:
    kwargs = {"reason": "Because the rules say so.", "fields": FIELDS.get(to)}
    if role == "system":
        return await service.system_transition(app_id, to, **kwargs)
    return await service.transition(app_id, actors[role], to, **kwargs)


async def _bring_to(service: ApplicationService, app: dict[str, Any], status: str, actors: dict[str, Any]) -> None:
    for step in PATHS[status]:
        role = "applicant" if step in ("submitted", "withdrawn") else "admin"
        await _act(service, app["id"], step, role, actors)


@pytest.mark.parametrize("role", workflow.ROLES)
@pytest.mark.parametrize("from_status", list(PATHS))
async def test_every_transition_of_the_table_works_for_its_roles_and_every_other_is_refused(
    db: Any, applications: ApplicationService, from_status: str, role: str
) -> None:
    staff = {"program_manager": await staff_viewer("program_manager"), "admin": await staff_viewer("admin")}
    startup = await create_startup()  # one startup, one call per target (one application per call)
    for to in workflow.WORKFLOW:
        program = await create_program(staff["program_manager"])
        made = await create_application(program, startup, service=applications)
        actors = {**staff, "applicant": made["viewer"]}
        app = made["application"]
        await _bring_to(applications, app, from_status, actors)
        allowed = workflow.can_transition(from_status, to, role).allowed
        if allowed:
            row = await _act(applications, app["id"], to, role, actors)
            assert row["status"] == to, (from_status, to, role)
            last = (await ApplicationEvent.select().where(ApplicationEvent.application == app["id"]).order_by(ApplicationEvent.id, ascending=False).first().run())
            assert (last["from_status"], last["to_status"], last["role"]) == (from_status, to, role)
            assert await AuditEntry.exists().where((AuditEntry.action == f"application.{to}") & (AuditEntry.object_id == str(app["id"]))).run()
        else:
            # no such move from this status for anyone: a state conflict (409); a move of someone else's role: 403
            refused = InvalidStateError if workflow.transition(from_status, to) is None else NotPermittedError
            with pytest.raises(refused) as error:
                await _act(applications, app["id"], to, role, actors)
            assert type(error.value) is refused, (from_status, to, role, error.value)
            stored = await Application.select(Application.status).where(Application.id == app["id"]).first().run()
            assert stored["status"] == from_status, (from_status, to, role)


async def test_another_startup_cannot_see_or_move_an_application(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    made = await create_application(program, service=applications)
    other = await create_startup()
    for attempt in (
        applications.get(made["application"]["id"], other["owner"]),
        applications.withdraw(made["application"]["id"], other["owner"]),
        applications.save(made["application"]["id"], other["owner"], {"summary": "x"}, expected_revision=1),
    ):
        with pytest.raises(NotFoundError) as error:
            await attempt
        assert "AI Seed Fund" not in error.value.message
    assert await applications.listing(other["owner"]) == []
    assert [a["id"] for a in await applications.listing(made["viewer"])] == [made["application"]["id"]]


async def test_two_members_saving_at_once_get_a_conflict_not_an_overwrite(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    startup = await create_startup(members=1)
    app = (await create_application(program, startup, answers={}, service=applications))["application"]
    first, second = startup["owner"], startup["members"][0]
    saved = await applications.save(app["id"], first, {"summary": "Mine"}, expected_revision=app["revision"])
    assert saved["revision"] == app["revision"] + 1 and saved["saved_by"] == first.id and saved["saved_at"] is not None
    with pytest.raises(ConflictError):
        await applications.save(app["id"], second, {"summary": "Theirs"}, expected_revision=app["revision"])
    stored = await applications.get(app["id"], first)
    assert stored["answers"]["summary"] == "Mine" and stored["revision"] == saved["revision"]


async def test_bad_input_is_refused_and_nothing_saved_is_lost(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    made = await create_application(program, service=applications)
    app, viewer = made["application"], made["viewer"]
    with pytest.raises(FormInvalid) as error:
        await applications.save(app["id"], viewer, {"summary": "x" * 101, "plan": "New plan", "team": "lots"}, expected_revision=app["revision"])
    assert set(error.value.errors) == {"summary", "team"}
    assert "Summary" in error.value.errors["summary"] and "100" in error.value.errors["summary"]
    assert error.value.values["plan"] == "New plan"  # what was typed comes back to the form
    stored = await applications.get(app["id"], viewer)
    assert stored["answers"] == app["answers"] and stored["revision"] == app["revision"]


async def test_submit_names_every_missing_required_answer(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    startup = await create_startup(team_size=None)
    made = await create_application(program, startup, answers={"plan": "Soon"}, service=applications)
    with pytest.raises(FormInvalid) as error:
        await applications.submit(made["application"]["id"], made["viewer"])
    assert set(error.value.errors) == {"summary", "team"}
    assert all("required" in message for message in error.value.errors.values())
    assert (await applications.get(made["application"]["id"], made["viewer"]))["status"] == "draft"


async def test_the_form_is_prefilled_from_the_profile(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    made = await create_application(program, await create_startup(team_size=7), answers={}, service=applications)
    assert made["application"]["answers"] == {"team": 7}


async def test_submission_closes_at_the_exact_instant(db: Any, applications: ApplicationService, clock: Any) -> None:
    closes = utcnow() + timedelta(days=1)
    program = await create_program(closes_at=closes)
    before = await create_application(program, service=applications)
    at = await create_application(program, service=applications)
    after = await create_application(program, service=applications)

    clock.at = closes - MICRO
    assert (await applications.submit(before["application"]["id"], before["viewer"]))["status"] == "submitted"
    for late, now in ((at, closes), (after, closes + MICRO)):
        clock.at = now
        with pytest.raises(InvalidStateError) as error:
            await applications.submit(late["application"]["id"], late["viewer"])
        assert error.value.code == "deadline_passed" and "deadline" in error.value.message
        with pytest.raises(InvalidStateError):
            await applications.save(late["application"]["id"], late["viewer"], {"plan": "x"}, expected_revision=late["application"]["revision"])


async def test_an_extension_lets_one_startup_submit_late_and_is_audited(db: Any, applications: ApplicationService, clock: Any) -> None:
    closes = utcnow() + timedelta(days=1)
    program = await create_program(closes_at=closes)
    lucky = await create_application(program, service=applications)
    other = await create_application(program, service=applications)
    manager = await staff_viewer("program_manager")

    with pytest.raises(NotPermittedError):
        await applications.grant_extension(lucky["application"]["id"], lucky["viewer"], closes + timedelta(days=2), reason="Please")
    with pytest.raises(FormInvalid) as error:
        await applications.grant_extension(lucky["application"]["id"], manager, closes + timedelta(days=2), reason="")
    assert "reason" in error.value.errors
    until = closes + timedelta(days=2)
    await applications.grant_extension(lucky["application"]["id"], manager, until, reason="Server outage on their side")
    assert await AuditEntry.exists().where(AuditEntry.action == "application.deadline_extended").run()

    clock.at = closes + timedelta(hours=1)
    with pytest.raises(InvalidStateError):
        await applications.submit(other["application"]["id"], other["viewer"])
    assert (await applications.submit(lucky["application"]["id"], lucky["viewer"]))["status"] == "submitted"
    clock.at = until
    assert await applications.deadline_of(await applications.get(lucky["application"]["id"], lucky["viewer"])) == until


async def test_a_second_application_to_the_same_call_fails_cleanly(db: Any, applications: ApplicationService) -> None:
    program = await create_program(eligibility=[])
    made = await create_application(program, service=applications)
    with pytest.raises(ConflictError) as error:
        await applications.start(program["id"], made["viewer"])
    assert error.value.code == "already_applied"

    async def nothing(*_args: Any) -> None:  # another tab got past the check at the same moment
        return None

    applications.applications.find = nothing  # type: ignore[method-assign]
    with pytest.raises(ConflictError) as error:
        await applications.start(program["id"], made["viewer"])
    assert error.value.code == "already_applied"
    assert await Application.count().where(Application.program == program["id"]).run() == 1
    saved = await applications.get(made["application"]["id"], made["viewer"])
    assert saved["answers"] == made["application"]["answers"]


async def test_eligibility_failures_name_each_rule(db: Any, applications: ApplicationService) -> None:
    program = await create_program(eligibility=[{"rule": "stages", "values": ["series_a"]}, {"rule": "regions", "values": ["kr"]},
                                                {"rule": "team_size", "max": 5}])
    startup = await create_startup()
    report = await applications.check_eligibility(program["id"], startup["owner"])
    assert not report.eligible and [r.key for r in report.failed] == ["stages", "team_size"]
    with pytest.raises(InvalidStateError) as error:
        await applications.start(program["id"], startup["owner"])
    assert "At an eligible stage" in error.value.message and "Team size" in error.value.message


async def test_more_information_reopens_only_the_named_fields(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    made = await create_application(program, service=applications)
    app_id, viewer = made["application"]["id"], made["viewer"]
    admin = await staff_viewer("admin")
    await applications.submit(app_id, viewer)
    await applications.transition(app_id, admin, "screening")
    with pytest.raises(FormInvalid) as error:
        await applications.transition(app_id, admin, "more_info_requested", reason="Say more", fields=["no_such_field"])
    assert "fields" in error.value.errors
    row = await applications.transition(app_id, admin, "more_info_requested", reason="Say more", fields=["summary"])
    assert row["reopened_fields"] == ["summary"]
    with pytest.raises(FormInvalid) as error:
        await applications.save(app_id, viewer, {"plan": "sneaky"}, expected_revision=row["revision"])
    assert "plan" in error.value.errors
    row = await applications.save(app_id, viewer, {"summary": "Clearer summary"}, expected_revision=row["revision"])
    row = await applications.submit(app_id, viewer)
    assert row["status"] == "submitted" and row["reopened_fields"] == [] and row["answers"]["summary"] == "Clearer summary"
    timeline = await applications.timeline(app_id, viewer)
    assert [e["to_status"] for e in timeline] == ["draft", "submitted", "screening", "more_info_requested", "submitted"]
    assert timeline[3]["label"] == "More information needed" and timeline[3]["message"] == "Say more"


async def test_staff_must_say_why_and_name_the_rule_for_ineligible(db: Any, applications: ApplicationService) -> None:
    program = await create_program()
    made = await create_application(program, service=applications)
    admin = await staff_viewer("admin")
    await applications.submit(made["application"]["id"], made["viewer"])
    await applications.transition(made["application"]["id"], admin, "screening")
    with pytest.raises(FormInvalid) as error:
        await applications.transition(made["application"]["id"], admin, "ineligible", reason="", fields=["stages"])
    assert set(error.value.errors) == {"reason", "fields"}


async def test_the_profile_is_frozen_at_submission_and_applicants_are_notified_in_their_language(
    db: Any, applications: ApplicationService
) -> None:
    program = await create_program()
    startup = await create_startup(locale="ko", name_en="Frozen Co")
    made = await create_application(program, startup, service=applications)
    await applications.submit(made["application"]["id"], made["viewer"])
    await StartupProfile.update({StartupProfile.name_en: "Renamed"}).where(StartupProfile.id == startup["profile_id"]).run()
    row = await applications.get(made["application"]["id"], made["viewer"])
    assert row["snapshot"]["name_en"] == "Frozen Co" and row["submitted_at"] is not None
    mail = await Notification.select().where(Notification.template == "application_status_changed").first().run()
    assert mail["to_email"] == made["viewer"].email and mail["locale"] == "ko"
    assert "AI 씨앗 펀드" in mail["subject"]


async def test_publish_checks_the_program(db: Any, programs: ProgramService) -> None:
    manager = await staff_viewer("program_manager")
    now = utcnow()
    bad = await programs.create(manager, {"family": "f-1", "title_en": "T", "opens_at": now + timedelta(days=2),
                                          "closes_at": now + timedelta(days=1), "budget": 10, "max_award": 20})
    with pytest.raises(FormInvalid) as error:
        await programs.publish(bad["id"], manager)
    assert {"closes_at", "budget", "form"} <= set(error.value.errors)
    assert (await programs.get(bad["id"], manager))["status"] == "draft"
    with pytest.raises(NotFoundError):
        await programs.get(bad["id"], None)  # drafts are not public
    with pytest.raises(NotPermittedError):
        await programs.create(await staff_viewer("reviewer"), {"family": "x", "title_en": "T"})
    with pytest.raises(FormInvalid) as error:
        await programs.create(manager, {"family": "Bad Family!", "title_en": "T", "time_zone": "Mars/Base", "budget": -1})
    assert {"family", "time_zone", "budget"} <= set(error.value.errors)


async def test_program_lifecycle_and_default_zone(db: Any, programs: ProgramService) -> None:
    manager = await staff_viewer("program_manager")
    program = await create_program(manager)
    assert program["status"] == "published" and program["time_zone"] == "Asia/Seoul" and program["published_at"] is not None
    with pytest.raises(InvalidStateError):
        await programs.archive(program["id"], manager)
    assert (await programs.close(program["id"], manager))["status"] == "closed"
    assert [p["id"] for p in await programs.listing(None)] == [program["id"]]  # closed calls stay visible
    assert (await programs.archive(program["id"], manager))["status"] == "archived"
    assert await programs.listing(None) == []


async def test_a_published_form_never_changes_under_applications(db: Any, programs: ProgramService, applications: ApplicationService) -> None:
    manager = await staff_viewer("program_manager")
    draft = await create_program(manager, publish=False)
    first = draft["current_form_version"]
    version = await programs.set_form(draft["id"], manager, FORM[:2])
    assert version["id"] == first  # a draft without applications is edited in place

    program = await create_program(manager)
    made = await create_application(program, service=applications)
    version = await programs.set_form(program["id"], manager, [*FORM, {"key": "extra", "type": "text", "label_en": "Extra"}])
    assert version["id"] != program["current_form_version"] and version["version"] == 2
    old = await ProgramFormVersion.select().where(ProgramFormVersion.id == program["current_form_version"]).first().run()
    assert "extra" not in old["fields"]
    kept = await applications.get(made["application"]["id"], made["viewer"])
    assert kept["form_version"] == program["current_form_version"]
    newer = await create_application(program, service=applications)
    assert newer["application"]["form_version"] == version["id"]
    with pytest.raises(FormInvalid):
        await programs.set_form(program["id"], manager, [{"key": "x", "type": "video", "label_en": "X"}])


async def test_notices_notify_applicants_and_questions_are_answered(db: Any, programs: ProgramService, applications: ApplicationService) -> None:
    manager = await staff_viewer("program_manager")
    program = await create_program(manager)
    made = await create_application(program, service=applications)
    await programs.publish_notice(program["id"], manager, {"title_en": "Deadline note", "body_en": "Read this."})
    mail = await Notification.select().where(Notification.template == "program_notice_published").first().run()
    assert mail["to_email"] == made["viewer"].email and "Deadline note" in mail["subject"]
    assert [n["title_en"] for n in await programs.notices(program["id"], None)] == ["Deadline note"]

    question_id = await programs.ask(program["id"], None, "Can a team of two apply?")
    assert await programs.questions(program["id"], None) == []
    await programs.answer(question_id, manager, answer_en="Yes.")
    assert [q["answer_en"] for q in await programs.questions(program["id"], None)] == ["Yes."]
    with pytest.raises(FormInvalid):
        await programs.publish_notice(program["id"], manager, {"title_en": "", "body_en": ""})
