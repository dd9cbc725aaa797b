"""Notifications: one entry point, an email outbox, rendered in the recipient's language.

``Notifier.notify`` renders ``templates/emails/<template>.txt.j2`` (blocks ``subject`` and
``body``) under the recipient's locale, writes a :class:`Notification` row and queues
``notify.deliver`` in the caller's transaction. Delivery sends by SMTP when
``HUBCITY_SMTP_URL`` is set (``smtp://user:pass@host:587`` uses STARTTLS when offered,
``smtps://`` implicit TLS; ``?from=addr`` sets the sender); otherwise the message is kept in the
outbox (status ``kept``), printed to the log and shown on the staff outbox page.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jinja2

from hubcity.core.clock import utcnow
from hubcity.core.i18n import use_locale
from hubcity.core.jobs import enqueue
from hubcity.db.tables import Notification

log = logging.getLogger("hubcity.notify")
DELIVER_JOB = "notify.deliver"
DEFAULT_SENDER = "Hubcity <no-reply@hubcity.invalid>"


class Notifier:
    """Writes notifications to the outbox and delivers them (job ``notify.deliver``)."""

    def __init__(self, env: jinja2.Environment, smtp_url: str | None = None):
        self.env = env
        self.smtp_url = smtp_url

    def render(self, template: str, locale: str, context: dict[str, Any]) -> tuple[str, str]:
        """(subject, body) of ``emails/<template>.txt.j2`` in ``locale``."""
        tmpl = self.env.get_template(f"emails/{template}.txt.j2")
        with use_locale(locale):
            ctx = tmpl.new_context(dict(context, locale=locale))
            subject = "".join(tmpl.blocks["subject"](ctx)).strip()
            body = "".join(tmpl.blocks["body"](ctx)).strip() + "\n"
        return " ".join(subject.split()), body

    async def notify(
        self, *, to_email: str, locale: str, template: str, context: dict[str, Any], recipient_id: int | None = None
    ) -> int:
        """Queue one email; returns the notification id. Call inside the causing transaction."""
        subject, body = self.render(template, locale, context)
        row = Notification(
            recipient=recipient_id,
            to_email=to_email,
            locale=locale,
            template=template,
            subject=subject[:300],
            body=body,
            status="pending",
            created_at=utcnow(),
        )
        await row.save().run()
        await enqueue(DELIVER_JOB, {"notification_id": row.id})
        return row.id

    async def deliver(self, payload: dict[str, Any]) -> None:
        """Job handler: send (or keep) notification ``payload["notification_id"]``."""
        row = await Notification.objects().where(Notification.id == payload["notification_id"]).first().run()
        if row is None or row.status in ("sent", "kept"):
            return
        if not self.smtp_url:
            log.info("outbox (no SMTP): to=%s subject=%s\n%s", row.to_email, row.subject, row.body)
            await Notification.update({Notification.status: "kept"}).where(Notification.id == row.id).run()
            return
        await asyncio.to_thread(send_smtp, self.smtp_url, row.to_email, row.subject, row.body)
        await Notification.update({Notification.status: "sent", Notification.sent_at: utcnow()}).where(
            Notification.id == row.id
        ).run()


    async def give_up(self, payload: dict[str, Any], error: str) -> None:
        """Job give-up handler: the notification could not be delivered; mark it ``failed``."""
        await Notification.update({Notification.status: "failed", Notification.error: error[:2000]}).where(
            Notification.id == payload["notification_id"]
        ).run()


def send_smtp(url: str, to_email: str, subject: str, body: str, timeout_s: float = 20) -> None:
    """Send one plain-text email through the SMTP server of ``url``. Raises smtplib errors."""
    parts = urlsplit(url)
    sender = parse_qs(parts.query).get("from", [DEFAULT_SENDER])[0]
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to_email, subject
    message.set_content(body)
    smtp_cls = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_cls(parts.hostname or "localhost", parts.port or (465 if parts.scheme == "smtps" else 25), timeout=timeout_s) as smtp:
        if parts.scheme == "smtp" and smtp.has_extn("starttls"):
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


async def outbox(limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The newest notifications, for the staff outbox page."""
    return await Notification.select().order_by(Notification.id, ascending=False).limit(limit).offset(offset).run()
