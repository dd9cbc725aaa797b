"""Notifications: rendered in the recipient's language, written with the causing transaction,
kept in the outbox without SMTP, sent through a real SMTP server (a local aiosmtpd sink) when
``HUBCITY_SMTP_URL`` is set, and retried when that server fails."""

from __future__ import annotations

import email
import io
import socket
from collections.abc import Iterator
from datetime import timedelta
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.support import NullTranslations, Translations
from litestar import Litestar

from hubcity.asgi import create_app
from hubcity.core import i18n
from hubcity.core.clock import utcnow
from hubcity.core.i18n import current_locale, use_locale
from hubcity.db.tables import Job, Notification
from tests.conftest import make_settings

CONTEXT = {"name": "Kim Seoyeon", "roles": ["finance"], "role_labels": {"finance": "Finance"}, "login_url": "https://hub.example.com/login"}


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small Korean catalog for the strings of ``staff_account_created`` (the real one is written later)."""
    catalog = Catalog(locale="ko")
    catalog.add("Your Hubcity staff account is ready", "허브시티 직원 계정이 준비되었습니다")
    catalog.add("Hello %(name)s,", "%(name)s님, 안녕하세요.")
    catalog.add("Finance", "재무")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    ko = Translations(fp=buffer)
    monkeypatch.setattr(i18n, "translations_for", lambda locale, *args: ko if locale == "ko" else NullTranslations())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sink:
    """An aiosmtpd handler that keeps what it receives, or refuses it with a temporary failure."""

    def __init__(self) -> None:
        self.messages: list[email.message.Message] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


def app_with_smtp(tmp_path: Path, database_url: str, port: int) -> Litestar:
    settings = make_settings(tmp_path / "smtp-data", database_url, smtp_url=f"smtp://127.0.0.1:{port}?from=hubcity@example.com")
    return create_app(settings)


async def test_rendered_in_the_recipients_language(app: Litestar, korean: None) -> None:
    notifier = app.state.notifier
    with use_locale("en"):  # the person who causes the email reads English…
        ko_id = await notifier.notify(to_email="ko@example.com", locale="ko", template="staff_account_created", context=CONTEXT)
        en_id = await notifier.notify(to_email="en@example.com", locale="en", template="staff_account_created", context=CONTEXT)
        assert current_locale() == "en"  # …and keeps reading it afterwards
    ko = await Notification.objects().where(Notification.id == ko_id).first().run()
    en = await Notification.objects().where(Notification.id == en_id).first().run()
    assert ko.subject == "허브시티 직원 계정이 준비되었습니다" and ko.locale == "ko"
    assert ko.body.startswith("Kim Seoyeon님, 안녕하세요.") and "- 재무" in ko.body
    assert en.subject == "Your Hubcity staff account is ready" and en.locale == "en"
    assert en.body.startswith("Hello Kim Seoyeon,") and "- Finance" in en.body
    assert "Log in at https://hub.example.com/login" in en.body
    assert ko.status == en.status == "pending"
    assert await Job.count().where(Job.name == "notify.deliver").run() == 2


async def test_plain_text_is_not_html_escaped(app: Litestar) -> None:
    notifier = app.state.notifier
    context = dict(CONTEXT, name="O'Brien & <Sons>")
    notification_id = await notifier.notify(to_email="ob@example.com", locale="en", template="staff_account_created", context=context)
    row = await Notification.objects().where(Notification.id == notification_id).first().run()
    assert row.body.startswith("Hello O'Brien & <Sons>,")


async def test_a_rolled_back_change_sends_nothing(app: Litestar) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with Notification._meta.db.transaction():
            await app.state.notifier.notify(to_email="x@example.com", locale="en", template="staff_account_created", context=CONTEXT)
            raise Boom
    assert await Notification.count().run() == 0 and await Job.count().run() == 0


async def test_without_smtp_the_email_is_kept_in_the_outbox(app: Litestar) -> None:
    notification_id = await app.state.notifier.notify(
        to_email="kept@example.com", locale="en", template="staff_account_created", context=CONTEXT
    )
    assert await app.state.worker.drain() == 1
    row = await Notification.objects().where(Notification.id == notification_id).first().run()
    assert row.status == "kept" and row.sent_at is None
    assert (await Job.select(Job.status).first().run())["status"] == "done"


async def test_with_smtp_the_email_is_sent(app: Litestar, tmp_path: Path, database_url: str, smtp_sink: tuple[Sink, int], korean: None) -> None:
    sink, port = smtp_sink
    smtp_app = app_with_smtp(tmp_path, database_url, port)
    notification_id = await smtp_app.state.notifier.notify(
        to_email="staff@example.com", locale="ko", template="staff_account_created", context=CONTEXT
    )
    assert await smtp_app.state.worker.drain() == 1
    row = await Notification.objects().where(Notification.id == notification_id).first().run()
    assert row.status == "sent" and row.sent_at is not None
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert message["To"] == "staff@example.com" and message["From"] == "hubcity@example.com"
    assert str(make_header(decode_header(message["Subject"]))) == "허브시티 직원 계정이 준비되었습니다"
    assert "Kim Seoyeon님, 안녕하세요." in message.get_payload(decode=True).decode("utf-8")


@pytest.mark.parametrize("failure", ["refused by the server", "no server listening"])
async def test_a_failing_smtp_server_makes_the_job_retry(
    app: Litestar, tmp_path: Path, database_url: str, smtp_sink: tuple[Sink, int], failure: str
) -> None:
    sink, port = smtp_sink
    if failure == "refused by the server":
        sink.refuse = True
        smtp_app = app_with_smtp(tmp_path, database_url, port)
    else:
        smtp_app = app_with_smtp(tmp_path, database_url, free_port())
    notification_id = await smtp_app.state.notifier.notify(
        to_email="staff@example.com", locale="en", template="staff_account_created", context=CONTEXT
    )
    started = utcnow()
    assert await smtp_app.state.worker.drain() == 1
    job = await Job.select().where(Job.name == "notify.deliver").first().run()
    assert job["status"] == "queued" and job["attempts"] == 1
    assert job["run_after"] > started + timedelta(seconds=1)  # backed off
    assert ("SMTPDataError" if failure == "refused by the server" else "ConnectionRefusedError") in job["last_error"]
    row = await Notification.objects().where(Notification.id == notification_id).first().run()
    assert row.status == "pending" and sink.messages == []

    # The server recovers; once the backoff has passed (moved here instead of waited for) the retry sends it.
    sink.refuse = False
    smtp_app = app_with_smtp(tmp_path, database_url, port)
    await Job.update({Job.run_after: utcnow() - timedelta(seconds=1)}).where(Job.id == job["id"]).run()
    assert await smtp_app.state.worker.drain() == 1
    row = await Notification.objects().where(Notification.id == notification_id).first().run()
    assert row.status == "sent" and len(sink.messages) == 1
    job = await Job.select().where(Job.id == job["id"]).first().run()
    assert job["status"] == "done" and job["attempts"] == 2


async def test_an_email_that_can_never_be_sent_ends_failed_in_the_outbox(
    app: Litestar, tmp_path: Path, database_url: str
) -> None:
    smtp_app = app_with_smtp(tmp_path, database_url, free_port())  # nothing listens there
    notification_id = await smtp_app.state.notifier.notify(
        to_email="staff@example.com", locale="en", template="staff_account_created", context=CONTEXT
    )
    job = await Job.select().where(Job.name == "notify.deliver").first().run()
    for attempt in range(1, job["max_attempts"] + 1):
        await Job.update({Job.run_after: utcnow() - timedelta(seconds=1)}).where(Job.id == job["id"]).run()
        assert await smtp_app.state.worker.drain() == 1
        row = await Notification.objects().where(Notification.id == notification_id).first().run()
        expected = "failed" if attempt == job["max_attempts"] else "pending"
        assert row.status == expected, f"after attempt {attempt}"
    assert "ConnectionRefusedError" in row.error
    job = await Job.select().where(Job.id == job["id"]).first().run()
    assert job["status"] == "failed" and job["locked_by"] is None
