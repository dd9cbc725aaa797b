"""Reminders of unsubmitted drafts: 7 days and 1 day before each draft's own deadline, once per
application and reminder, to every member in their language; the sweep queues itself again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar

from hubcity.core.clock import utcnow
from hubcity.core.notify import Notifier
from hubcity.db.tables import AuditEntry, Job, Notification
from hubcity.programs import jobs
from hubcity.programs.jobs import SWEEP_JOB, Reminders, due_reminder, ensure_scheduled
from hubcity.programs.services import ApplicationService
from tests.factories.programs import create_application, create_program, create_startup, staff_viewer
from tests.integration.programs.conftest import Clock


def test_the_due_reminder_is_the_most_urgent_one() -> None:
    deadline = utcnow()
    assert due_reminder(deadline, deadline - timedelta(days=8)) is None
    assert due_reminder(deadline, deadline - timedelta(days=7)) == 7
    assert due_reminder(deadline, deadline - timedelta(days=1, seconds=1)) == 7
    assert due_reminder(deadline, deadline - timedelta(days=1)) == 1
    assert due_reminder(deadline, deadline - timedelta(microseconds=1)) == 1
    assert due_reminder(deadline, deadline) is None


async def reminders_of(application_id: int) -> list[int]:
    rows = await AuditEntry.select(AuditEntry.after).where(
        (AuditEntry.action == "application.reminder_sent") & (AuditEntry.object_id == str(application_id))
    ).output(load_json=True).run()
    return sorted(r["after"]["days"] for r in rows)


async def mails() -> list[dict[str, Any]]:
    return await Notification.select().where(Notification.template == "application_reminder").order_by(Notification.id).run()


async def test_reminders_are_sent_once_in_each_members_language(db: Any, notifier: Notifier, clock: Clock) -> None:
    closes = (utcnow() + timedelta(days=10)).replace(microsecond=0)
    program = await create_program(closes_at=closes)
    english = await create_application(program, await create_startup(locale="en", members=1))
    korean = await create_application(program, await create_startup(locale="ko"))
    submitted = await create_application(program)
    await ApplicationService().submit(submitted["application"]["id"], submitted["viewer"])
    extended = await create_application(program)
    await ApplicationService().grant_extension(extended["application"]["id"], await staff_viewer(), closes + timedelta(days=5),
                                               reason="Hospital stay")
    reminders = Reminders(notifier, "http://testserver.local", clock=clock)

    clock.at = closes - timedelta(days=8)
    assert (await reminders.sweep())["sent"] == [] and await mails() == []

    clock.at = closes - timedelta(days=7) + timedelta(minutes=5)
    result = await reminders.sweep()
    assert sorted(result["sent"]) == sorted([(english["application"]["id"], 7), (korean["application"]["id"], 7)])
    sent = await mails()
    assert len(sent) == 3  # the English startup's owner and member, the Korean startup's owner
    by_locale = {m["locale"]: m for m in sent}
    assert "AI Seed Fund" in by_locale["en"]["subject"] and "7 days" in by_locale["en"]["subject"]
    assert by_locale["en"]["body"].startswith("Hello,") and f"/applications/{english['application']['id']}" in by_locale["en"]["body"]
    assert "AI 씨앗 펀드" in by_locale["ko"]["subject"] and by_locale["ko"]["body"].startswith("안녕하세요.")
    assert "(Asia/Seoul)" in by_locale["ko"]["body"]
    assert result["next_at"] == closes - timedelta(days=2)  # the extended draft's 7-day reminder comes next

    clock.at += timedelta(hours=3)
    assert (await reminders.sweep())["sent"] == [] and len(await mails()) == 3  # once only

    clock.at = closes - timedelta(days=1) + timedelta(minutes=1)
    result = await reminders.sweep()
    assert sorted(result["sent"]) == sorted([(english["application"]["id"], 1), (korean["application"]["id"], 1),
                                             (extended["application"]["id"], 7)])  # 6 days before its own deadline
    assert await reminders_of(english["application"]["id"]) == [1, 7]
    assert await reminders_of(submitted["application"]["id"]) == []  # submitted: nothing to remind
    assert await reminders_of(extended["application"]["id"]) == [7]  # by its own deadline, 5 days later
    assert (await reminders.sweep())["sent"] == []

    clock.at = closes + timedelta(days=5) - timedelta(hours=2)  # only the extended draft is still open, in its last day
    result = await reminders.sweep()
    assert result["sent"] == [(extended["application"]["id"], 1)] and await reminders_of(extended["application"]["id"]) == [1, 7]
    assert result["next_at"] is None


async def test_the_sweep_is_armed_once_and_queues_itself_while_drafts_remain(db: Any, notifier: Notifier, clock: Clock) -> None:
    closes = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    program = await create_program(closes_at=closes)
    made = await create_application(program)  # starting a draft (page or API: the service) arms the sweep
    armed = await Job.select(Job.id).where((Job.name == SWEEP_JOB) & (Job.status == "queued")).run()
    assert len(armed) == 1 and await ensure_scheduled() is None  # one sweep queued at a time
    await Job.update({Job.status: "running"}).where(Job.id == armed[0]["id"]).run()  # the worker picked it up
    clock.at = utcnow()
    await Reminders(notifier, "http://testserver.local", clock=clock).run({})
    queued = await Job.select().where((Job.name == SWEEP_JOB) & (Job.status == "queued")).run()
    assert len(queued) == 1 and queued[0]["run_after"] <= utcnow() + jobs.SWEEP_INTERVAL + timedelta(seconds=5)
    assert await reminders_of(made["application"]["id"]) == [7]
    await Job.update({Job.status: "done"}).where(Job.name == SWEEP_JOB).run()
    await ApplicationService().submit(made["application"]["id"], made["viewer"])  # no draft left: the sweep stops
    await Reminders(notifier, "http://testserver.local", clock=clock).run({})
    assert not await Job.exists().where((Job.name == SWEEP_JOB) & (Job.status == "queued")).run()


async def test_the_app_registers_the_sweep(app: Litestar) -> None:
    assert app.state.job_registry.get(SWEEP_JOB) is not None
