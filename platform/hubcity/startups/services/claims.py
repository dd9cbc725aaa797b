"""Claims: a startup organisation asks to take over an existing profile that nobody keeps yet
(an imported one, owned by the agency) instead of creating a duplicate; staff decide.

A profile is a candidate for an organisation when it has no organisation and its Korean or
English name equals one of the organisation's names (case and spaces ignored), or its website
domain equals the domain of the website the startup typed in onboarding step 1.

Approving hands the profile to the organisation (``claimed_at`` set), deletes the
organisation's unfinished onboarding draft, rejects the other pending claims of the profile,
and tells the claimants; rejecting needs a message, which the claimant receives. Audit actions:
``claim.requested``, ``claim.approved``, ``claim.rejected``, ``claim.withdrawn``.
"""

from __future__ import annotations

from typing import Any

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import ConflictError, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.forms import validate
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.startups.repositories import (
    ClaimRepository,
    OrganisationDirectory,
    ProfileRepository,
    name_key,
    write_transaction,
)
from hubcity.startups.schemas import LAST_STEP, ClaimRejectInput
from hubcity.startups.services.common import save, startup_membership

CLAIM_STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")
CLAIM_STATUS_LABELS: dict[str, str] = {
    "pending": N_("Waiting for a decision"),
    "approved": N_("Approved"),
    "rejected": N_("Rejected"),
}
#: Agency roles told about new claims and allowed to decide them (admin holds every role).
DECIDING_ROLES: tuple[str, ...] = ("program_manager", "admin")
PAGE_SIZE = 30


def _link(base_url: str, path: str) -> str:
    """``base_url`` (``https://hub.example/``) joined with ``path``; the path alone without one."""
    return base_url.rstrip("/") + path if base_url else path


async def candidates_for(organisation: dict[str, Any], domain: str) -> list[dict[str, Any]]:
    """Unclaimed profiles matching ``organisation``'s names or ``domain`` (may be blank)."""
    keys = {key for key in (name_key(organisation.get("name_ko")), name_key(organisation.get("name_en"))) if key}
    if not keys and not domain:
        return []
    return await ProfileRepository().unclaimed_matching(name_keys=keys, domain=domain)


async def withdraw_pending(organisation_id: int, user_id: int) -> int:
    """Close the organisation's pending claims because it completed its own profile (status
    ``rejected`` with a message saying so, audited ``claim.withdrawn``). Returns how many."""
    claims = ClaimRepository()
    pending = await claims.pending(organisation_id=organisation_id)
    now = utcnow()
    for claim in pending:
        message = _("Withdrawn: the startup completed its own profile instead.")
        await claims.decide(claim["id"], status="rejected", message=message, by=user_id, now=now)
        await audit.record(
            "claim.withdrawn", actor_id=user_id, object_type="profile_claim", object_id=claim["id"],
            before={"status": "pending"}, after={"status": "rejected", "message": message},
        )
    return len(pending)


class ClaimService:
    """Claims by startups and staff decisions. ``notifier`` emails staff and claimants."""

    def __init__(self, notifier: Notifier | None):
        self.notifier = notifier
        self.claims = ClaimRepository()
        self.profiles = ProfileRepository()
        self.directory = OrganisationDirectory()

    async def request(self, viewer: Viewer, profile_id: int, *, base_url: str = "", ip: str = "") -> dict[str, Any]:
        """The viewer's startup claims profile ``profile_id`` (a candidate: see the module).
        Tells the deciding staff. Returns the claim. NotFoundError for an unknown or already
        kept profile; NotPermittedError when it does not match the organisation; ConflictError
        when the organisation already claimed it."""
        membership = startup_membership(viewer)
        organisation = await self.directory.get(membership.organisation_id)
        profile = await self.profiles.get(profile_id)
        if organisation is None or profile is None or profile["organisation"] is not None:
            raise NotFoundError(_("There is no such profile to claim, or a startup already keeps it."))
        own = await self.profiles.for_organisation(membership.organisation_id)
        if own and own.get("onboarding_completed_at"):
            raise InvalidStateError(_("Your startup already has its own profile."))
        domain = (own or {}).get("website_domain", "")
        if profile_id not in {row["id"] for row in await candidates_for(organisation, domain)}:
            raise NotPermittedError(_("You can claim only a profile with your organisation's name or your website."))
        if any(claim["profile"] == profile_id for claim in await self.claims.pending(organisation_id=organisation["id"])):
            raise ConflictError(_("You have already claimed this profile; agency staff will decide soon."))
        now = utcnow()
        async with write_transaction():
            claim_id = await self.claims.insert(
                profile_id=profile_id, organisation_id=organisation["id"], user_id=viewer.id, now=now
            )
            await audit.record(
                "claim.requested", actor_id=viewer.id, object_type="profile_claim", object_id=claim_id,
                after={"profile_id": profile_id, "organisation_id": organisation["id"]}, ip=ip,
            )
            claim = await self.claims.get(claim_id)
            if self.notifier:
                for person in await self.directory.staff_with_roles(DECIDING_ROLES):
                    await self.notifier.notify(
                        to_email=person["email"], locale=person["locale"], template="claim_requested",
                        context={"claim": claim, "link": _link(base_url, "/staff/claims")}, recipient_id=person["id"],
                    )
        return claim  # type: ignore[return-value]

    async def page(self, status: str, page_number: int) -> Page[dict[str, Any]]:
        """Claims with ``status`` (``pending`` … or blank for all), newest first."""
        status = status if status in CLAIM_STATUSES else ""
        limit, offset = page_bounds(page_number, PAGE_SIZE)
        rows, total = await self.claims.page(status=status, limit=limit, offset=offset)
        return Page(items=rows, number=max(page_number, 1), size=PAGE_SIZE, total=total)

    async def get(self, claim_id: int) -> dict[str, Any]:
        claim = await self.claims.get(claim_id)
        if claim is None:
            raise NotFoundError(_("There is no such claim."))
        return claim

    async def approve(self, claim_id: int, viewer: Viewer, *, base_url: str = "", ip: str = "") -> dict[str, Any]:
        """Hand the profile to the claiming organisation (see the module). InvalidStateError
        when the claim was decided already, the profile is kept by someone, or the organisation
        completed its own profile meanwhile. Returns the updated claim."""
        claim = await self.get(claim_id)
        if claim["status"] != "pending":
            raise InvalidStateError(_("This claim was decided already."))
        profile = await self.profiles.get(claim["profile"])
        if profile is None or profile["organisation"] is not None:
            raise InvalidStateError(_("This profile is already kept by a startup; reject the claim instead."))
        own = await self.profiles.for_organisation(claim["organisation"])
        if own and own.get("onboarding_completed_at"):
            raise InvalidStateError(_("This startup has completed its own profile meanwhile; reject the claim instead."))
        now = utcnow()
        async with write_transaction():
            if own:
                await self.profiles.delete(own["id"])
            await self.profiles.set_organisation(claim["profile"], claim["organisation"], now)
            if profile["onboarding_completed_at"] is None:  # the startup keeps a finished profile now
                await save({"onboarding_completed_at": now, "onboarding_step": LAST_STEP}, None, claim["profile"])
            await self.claims.decide(claim_id, status="approved", message="", by=viewer.id, now=now)
            await audit.record(
                "claim.approved", actor_id=viewer.id, object_type="profile_claim", object_id=claim_id,
                before={"status": "pending", "profile_organisation": None},
                after={"status": "approved", "profile_id": claim["profile"], "organisation_id": claim["organisation"],
                       "draft_deleted": own["id"] if own else None},
                ip=ip,
            )
            decided = await self.claims.get(claim_id)
            await self._tell_claimant(decided, "claim_approved", _link(base_url, f"/startups/{claim['profile']}/edit"))
            for other in await self.claims.pending(profile_id=claim["profile"]):
                message = _("Another organisation's claim of this profile was approved.")
                await self.claims.decide(other["id"], status="rejected", message=message, by=viewer.id, now=now)
                await audit.record(
                    "claim.rejected", actor_id=viewer.id, object_type="profile_claim", object_id=other["id"],
                    before={"status": "pending"}, after={"status": "rejected", "message": message}, ip=ip,
                )
                await self._tell_claimant(
                    await self.claims.get(other["id"]), "claim_rejected", _link(base_url, "/startups/onboarding")
                )
        return decided  # type: ignore[return-value]

    async def reject(
        self, claim_id: int, viewer: Viewer, data: dict[str, Any], *, base_url: str = "", ip: str = ""
    ) -> dict[str, Any]:
        """Refuse a pending claim with a message for the claimant (field ``message``, required,
        at most 2000 characters; :class:`FormInvalid` otherwise). Returns the updated claim."""
        claim = await self.get(claim_id)
        parsed = validate(ClaimRejectInput, data)
        if claim["status"] != "pending":
            raise InvalidStateError(_("This claim was decided already."))
        now = utcnow()
        async with write_transaction():
            await self.claims.decide(claim_id, status="rejected", message=parsed.message, by=viewer.id, now=now)
            await audit.record(
                "claim.rejected", actor_id=viewer.id, object_type="profile_claim", object_id=claim_id,
                before={"status": "pending"}, after={"status": "rejected", "message": parsed.message}, ip=ip,
            )
            decided = await self.claims.get(claim_id)
            await self._tell_claimant(decided, "claim_rejected", _link(base_url, "/startups/onboarding"))
        return decided  # type: ignore[return-value]

    async def _tell_claimant(self, claim: dict[str, Any] | None, template: str, link: str) -> None:
        if not claim or not self.notifier or not claim.get("requested_by"):
            return
        person = await self.directory.user(claim["requested_by"])
        if person:
            await self.notifier.notify(
                to_email=person["email"], locale=person["locale"], template=template,
                context={"claim": claim, "link": link}, recipient_id=person["id"],
            )

