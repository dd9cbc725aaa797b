"""Factories of the accounts domain: users, organisations, memberships, and logging in.

Rows are inserted through the tables with random unique emails; each factory returns a dict of
what a test needs (ids and the plain password).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

from httpx import AsyncClient as AsyncTestClient

from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core.clock import utcnow
from hubcity.core.passwords import hash_password
from hubcity.db.tables import AuditEntry, Consent, Membership, Notification, Organisation, StaffRole, User
from tests.conftest import post_form

DEFAULT_PASSWORD = "correct horse battery"
VALID_BRN = "116-82-00276"


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{secrets.token_hex(4)}@example.com"


async def create_user(
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    name: str = "Test User",
    roles: Iterable[str] = (),
    locale: str = "en",
    consents: Iterable[str] = ("collection",),
) -> dict[str, Any]:
    """An active user with ``roles`` (agency staff roles) and ``consents`` given.

    Returns {id, email, password, name, locale}.
    """
    now = utcnow()
    user = User(
        email=(email or unique_email()).lower(),
        password_hash=hash_password(password),
        name=name,
        locale=locale,
        is_active=True,
        created_at=now,
    )
    await user.save().run()
    for role in roles:
        await StaffRole(user=user.id, role=role, granted_at=now).save().run()
    for purpose in consents:
        await Consent(
            user=user.id, purpose=purpose, terms_version=CONSENT_TERMS[purpose].version, given_at=now
        ).save().run()
    return {"id": user.id, "email": user.email, "password": password, "name": name, "locale": locale}


async def create_org(
    kind: str = "startup",
    *,
    owner: dict[str, Any] | None = None,
    members: Iterable[dict[str, Any]] = (),
    name_ko: str | None = None,
    name_en: str | None = None,
    registration_number: str = "1168200276",
) -> dict[str, Any]:
    """An organisation of ``kind`` with ``owner`` (role owner) and ``members`` (role member).

    Returns {id, kind, name_ko, name_en}.
    """
    suffix = secrets.token_hex(3)
    org = Organisation(
        kind=kind,
        name_ko=name_ko if name_ko is not None else f"테스트 기관 {suffix}",
        name_en=name_en if name_en is not None else f"Test Organisation {suffix}",
        business_registration_number=registration_number,
        created_at=utcnow(),
    )
    await org.save().run()
    if owner:
        await add_member(org.id, owner, "owner")
    for member in members:
        await add_member(org.id, member, "member")
    return {"id": org.id, "kind": kind, "name_ko": org.name_ko, "name_en": org.name_en}


async def add_member(organisation_id: int, user: dict[str, Any], role: str = "member") -> None:
    await Membership(user=user["id"], organisation=organisation_id, role=role, created_at=utcnow()).save().run()


async def login(client: AsyncTestClient, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    """Log in through the login form; returns the response (303 to the dashboard on success)."""
    return await post_form(client, "/login", {"email": email, "password": password}, follow_redirects=False)


def signup_data(**overrides: Any) -> dict[str, Any]:
    """A valid sign-up form (startup), with ``overrides`` applied (``None`` removes a field)."""
    data: dict[str, Any] = {
        "email": unique_email("founder"),
        "name": "Kim Minji",
        "password": DEFAULT_PASSWORD,
        "password_confirm": DEFAULT_PASSWORD,
        "locale": "en",
        "kind": "startup",
        "org_name_ko": "하늘 AI",
        "org_name_en": "Haneul AI",
        "business_registration_number": VALID_BRN,
        "consent_collection": "yes",
        "consent_third_party_provision": "yes",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


async def latest_email(to_email: str) -> dict[str, Any] | None:
    """The newest outbox row addressed to ``to_email``."""
    return (
        await Notification.select()
        .where(Notification.to_email == to_email.lower())
        .order_by(Notification.id, ascending=False)
        .first()
        .run()
    )


def link_in(body: str, path_prefix: str) -> str:
    """The path (``/password-reset/<token>``) of the first absolute link in ``body`` under ``path_prefix``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"[A-Za-z0-9_\-]+)", body)
    assert match, f"no {path_prefix} link in: {body}"
    return match[1]


async def audit_actions(actor_id: int | None = None) -> list[str]:
    """Audit actions in order, of ``actor_id`` if given."""
    query = AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor == actor_id)
    return [row["action"] for row in await query.run()]


class _ElementFinder(HTMLParser):
    def __init__(self, element_id: str) -> None:
        super().__init__()
        self.element_id = element_id
        self.found: dict[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if values.get("id") == self.element_id and self.found is None:
            self.found = {"tag": tag, **values}


def element_attrs(html: str, element_id: str) -> dict[str, str]:
    """The attributes of the element with ``id=element_id`` as a browser parses them (plus ``tag``)."""
    finder = _ElementFinder(element_id)
    finder.feed(html)
    assert finder.found is not None, f"no element #{element_id}"
    return finder.found
