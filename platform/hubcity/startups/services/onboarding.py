"""Startup onboarding: a member of a startup organisation describes it step by step, each step
saved on the server, so leaving and coming back (even after logging out) continues where they
stopped, with what they typed.

Steps (:data:`hubcity.startups.schemas.STEP_MODELS`): 1 basics, 2 what it builds, 3 sectors,
technologies and stage, 4 traction, 5 needs and offers, 6 logo (then done). The profile row is
created by step 1; ``onboarding_step`` is the furthest step unlocked (a step is reachable once
every step before it was saved); finishing sets ``onboarding_completed_at``.

Before creating a profile, an organisation whose name (or, after step 1, whose website's
domain) matches an unclaimed profile (imported ones belong to the agency) is offered to claim it
(:class:`~hubcity.startups.services.claims.ClaimService`) instead of creating a duplicate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hubcity.core.clock import utcnow
from hubcity.core.errors import InvalidStateError, NotFoundError
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import Viewer
from hubcity.startups import logos
from hubcity.startups.repositories import ClaimRepository, ProfileRepository, write_transaction
from hubcity.startups.schemas import LAST_STEP, LOGO_STEP, STEP_MODELS
from hubcity.startups.services.claims import candidates_for, withdraw_pending
from hubcity.startups.services.common import choices, columns_and_tags, form_values, parse, save, startup_membership


@dataclass(frozen=True)
class OnboardingState:
    """Where a startup stands in onboarding.

    organisation: the startup organisation's row; profile: its profile so far or None;
    reached: the furthest step unlocked (1–6); values: the saved values as the forms show
    them; candidates: unclaimed profiles matching its name or website it may claim;
    pending_claims: its claims waiting for staff; completed: onboarding is done.
    """

    organisation: dict[str, Any]
    profile: dict[str, Any] | None
    reached: int
    values: dict[str, Any]
    choices: dict[str, list[tuple[str, str]]]
    candidates: list[dict[str, Any]] = field(default_factory=list)
    pending_claims: list[dict[str, Any]] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return bool(self.profile and self.profile.get("onboarding_completed_at"))

    @property
    def profile_id(self) -> int | None:
        return int(self.profile["id"]) if self.profile else None

    def step_to_show(self, asked: int | None) -> int:
        """``asked`` when it is reachable, else the furthest reachable step."""
        if asked is not None and 1 <= asked <= self.reached:
            return asked
        return self.reached

    @property
    def domain_candidates(self) -> list[dict[str, Any]]:
        """Candidates whose website domain equals the one typed in step 1."""
        domain = (self.profile or {}).get("website_domain") or ""
        return [row for row in self.candidates if domain and row["website_domain"] == domain]

    @property
    def logo_url(self) -> str:
        return logos.url_of((self.profile or {}).get("logo_path") or "")


class OnboardingService:
    """Onboarding of the viewer's startup. data_dir: where uploaded logos are stored."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.profiles = ProfileRepository()
        self.claims = ClaimRepository()

    async def state(self, viewer: Viewer) -> OnboardingState:
        """The viewer's startup's onboarding as saved."""
        membership = startup_membership(viewer)
        organisation = await self.profiles.organisation(membership.organisation_id)
        if organisation is None:
            raise NotFoundError(_("The organisation no longer exists."))
        profile = await self.profiles.for_organisation(membership.organisation_id)
        tags = await self.profiles.tags_of(profile["id"]) if profile else {}
        reached = min(max(int(profile["onboarding_step"] or 1), 1), LAST_STEP) if profile else 1
        pending = await self.claims.pending(organisation_id=membership.organisation_id)
        claimed = {claim["profile"] for claim in pending}
        found = await candidates_for(organisation, (profile or {}).get("website_domain", ""))
        return OnboardingState(
            organisation=organisation,
            profile=profile,
            reached=reached,
            values=form_values(profile, tags),
            choices=await choices(),
            candidates=[row for row in found if row["id"] not in claimed],
            pending_claims=pending,
        )

    async def save_step(self, viewer: Viewer, step: int, data: Mapping[str, Any]) -> OnboardingState:
        """Validate and save step ``step`` (1–5); unlocks the next step. Raises
        :class:`FormInvalid` (nothing saved), InvalidStateError for a step not reached yet or
        after onboarding is done, NotFoundError for an unknown step."""
        model = STEP_MODELS.get(step)
        if model is None:
            raise NotFoundError(_("There is no such onboarding step."))
        state = await self.state(viewer)
        if state.completed:
            raise InvalidStateError(_("Your startup's profile is complete; change it on its edit page."))
        if step > state.reached:
            raise InvalidStateError(_("Please fill in the earlier steps first."))
        keep = {name: state.values.get(name) for name in model.taxonomy}
        parsed = await parse(model, data, keep=keep)
        values, tags = columns_and_tags(parsed)
        values["onboarding_step"] = max(state.reached, step + 1)
        async with write_transaction():
            if state.profile is None:
                values["organisation"] = state.organisation["id"]
                values["status"] = "active"
            await save(values, tags or None, state.profile_id)
        return await self.state(viewer)

    async def finish(self, viewer: Viewer, logo: bytes | None) -> int:
        """The last step: store the logo if one was sent (checked by content: PNG, JPEG or WebP,
        at most 2 MB, re-encoded by :func:`hubcity.startups.logos.prepare`; :class:`FormInvalid`
        on ``logo`` otherwise), mark onboarding done, and
        withdraw the organisation's pending claims (it chose its own profile). Returns the
        profile id."""
        state = await self.state(viewer)
        if state.profile is None or state.reached < LOGO_STEP:
            raise InvalidStateError(_("Please fill in the earlier steps first."))
        values: dict[str, Any] = {}
        if logo:
            content, ext = await asyncio.to_thread(logos.prepare, logo)
            values["logo_path"] = logos.store(self.data_dir, content, ext)
        if not state.completed:
            values["onboarding_completed_at"] = utcnow()
            values["onboarding_step"] = LAST_STEP
        async with write_transaction():
            profile_id = await save(values, None, state.profile_id)
            await withdraw_pending(state.organisation["id"], viewer.id)
        return profile_id
