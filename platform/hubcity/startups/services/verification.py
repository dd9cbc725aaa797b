"""Verifying organisations: agency staff confirm that a person checked the business
registration number, and a verified badge then shows wherever the organisation's name does.

Verify and unverify are audited (``organisation.verified`` / ``organisation.unverified``) and
the organisation's owners are told in their language. Both are idempotent: verifying a
verified organisation changes nothing and tells no one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hubcity.accounts.services.organisations import format_registration_number
from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import NotFoundError, NotPermittedError
from hubcity.core.forms import validate
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.startups.repositories import OrganisationDirectory, write_transaction
from hubcity.startups.schemas import VerifyInput

PAGE_SIZE = 30
KINDS: tuple[str, ...] = ("startup", "corporate")


@dataclass(frozen=True)
class OrganisationRow:
    """One organisation on ``/staff/organisations``. registration_number: ``XXX-XX-XXXXX``."""

    id: int
    kind: str
    name_ko: str
    name_en: str
    registration_number: str
    verified_at: Any
    created_at: Any

    @property
    def verified(self) -> bool:
        return self.verified_at is not None


def _row(org: dict[str, Any]) -> OrganisationRow:
    return OrganisationRow(
        id=org["id"],
        kind=org["kind"],
        name_ko=org["name_ko"],
        name_en=org["name_en"],
        registration_number=format_registration_number(org["business_registration_number"]),
        verified_at=org["verified_at"],
        created_at=org["created_at"],
    )


class VerificationService:
    """Staff verification of organisations. ``notifier`` tells the owners."""

    def __init__(self, notifier: Notifier | None):
        self.notifier = notifier
        self.directory = OrganisationDirectory()

    async def page(self, *, kind: str = "", unverified: bool = False, q: str = "", page_number: int = 1) -> Page[OrganisationRow]:
        """Startups and corporations (not the agency), newest first; ``kind`` and ``unverified``
        filter, ``q`` matches part of a name or of the registration number."""
        kind = kind if kind in KINDS else ""
        limit, offset = page_bounds(page_number, PAGE_SIZE)
        rows, total = await self.directory.page(kind=kind, unverified=unverified, q=q.strip(), limit=limit, offset=offset)
        return Page(items=[_row(row) for row in rows], number=max(page_number, 1), size=PAGE_SIZE, total=total)

    async def row(self, organisation_id: int) -> OrganisationRow:
        return _row(await self._get(organisation_id))

    async def _get(self, organisation_id: int) -> dict[str, Any]:
        org = await self.directory.get(organisation_id)
        if org is None or org["kind"] not in KINDS:
            raise NotFoundError(_("There is no such organisation."))
        return org

    async def verify(self, organisation_id: int, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> OrganisationRow:
        """Mark the organisation verified by ``viewer``. ``data["confirm"]`` must be ticked (a
        person checked the registration number): :class:`FormInvalid` on ``confirm`` otherwise.
        NotPermittedError when ``viewer`` is a member of the organisation (no one verifies their own)."""
        org = await self._get(organisation_id)
        if viewer.membership_in(organisation_id):
            raise NotPermittedError(
                _("You belong to this organisation, so another staff member must verify it.")
            )
        validate(VerifyInput, data)
        if org["verified_at"] is not None:
            return _row(org)
        now = utcnow()
        async with write_transaction():
            await self.directory.set_verified(organisation_id, at=now, by=viewer.id)
            await audit.record(
                "organisation.verified", actor_id=viewer.id, object_type="organisation", object_id=organisation_id,
                before={"verified_at": None},
                after={"verified_at": now.isoformat(), "business_registration_number": org["business_registration_number"]},
                ip=ip,
            )
            await self._tell_owners(org, "organisation_verified")
        return await self.row(organisation_id)

    async def unverify(self, organisation_id: int, viewer: Viewer, *, ip: str = "") -> OrganisationRow:
        """Take the verification back (the badge disappears)."""
        org = await self._get(organisation_id)
        if org["verified_at"] is None:
            return _row(org)
        async with write_transaction():
            await self.directory.set_verified(organisation_id, at=None, by=None)
            await audit.record(
                "organisation.unverified", actor_id=viewer.id, object_type="organisation", object_id=organisation_id,
                before={"verified_at": org["verified_at"].isoformat()}, after={"verified_at": None}, ip=ip,
            )
            await self._tell_owners(org, "organisation_unverified")
        return await self.row(organisation_id)

    async def _tell_owners(self, org: dict[str, Any], template: str) -> None:
        if not self.notifier:
            return
        for owner in await self.directory.owners(org["id"]):
            await self.notifier.notify(
                to_email=owner["email"], locale=owner["locale"], template=template,
                context={"organisation": org, "name": owner["name"]}, recipient_id=owner["id"],
            )
