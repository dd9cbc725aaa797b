"""Pieces shared by the accounts services: the signed-in result and recording consents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hubcity.accounts.repositories import ConsentRepository
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.core import audit


@dataclass(frozen=True)
class SignedIn:
    """Who to put in the session after sign-up or login. ``locale``: ``ko`` | ``en``;
    ``kind``: the kind of the organisation a sign-up created (``startup`` | ``corporate``),
    blank after a login or an invitation."""

    user_id: int
    locale: str
    kind: str = ""


def typed_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without passwords: what a re-rendered form may show again."""
    return {key: value for key, value in data.items() if "password" not in key and not key.startswith("_")}


async def give_consent(consents: ConsentRepository, *, user_id: int, purpose: str, now: datetime, ip: str = "") -> int:
    """Record ``purpose`` given under its current terms version, with audit ``consent.given``.

    Call inside the caller's transaction. Returns the consent row id.
    """
    version = CONSENT_TERMS[purpose].version
    consent_id = await consents.insert(user_id=user_id, purpose=purpose, terms_version=version, now=now)
    await audit.record(
        "consent.given",
        actor_id=user_id,
        object_type="consent",
        object_id=consent_id,
        after={"purpose": purpose, "terms_version": version},
        ip=ip,
    )
    return consent_id
