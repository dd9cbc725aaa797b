"""Pages: startup onboarding, one step at a time (HTMX swaps the next step into ``#main``;
without JavaScript each step is a plain form and page), claiming an existing profile, and the
logo step with its own body limit."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from hubcity.accounts.web import see_other
from hubcity.core.errors import AppError, FormInvalid, NotFoundError
from hubcity.core.guards import requires_login, requires_org_kind, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import MAX_OBJECT_ID
from hubcity.core.templating import wants_fragment
from hubcity.startups.logos import LOGO_ROUTE_BODY_LIMIT, too_large_message
from hubcity.startups.schemas import LAST_STEP, LOGO_STEP
from hubcity.startups.services import ClaimService, OnboardingService, OnboardingState
from hubcity.startups.web import client_ip, form_dict, keep_csrf_token, render, uploaded

ONBOARDING = "/startups/onboarding"


def step_url(step: int) -> str:
    return f"{ONBOARDING}?step={step}"


def _int(value: str | None) -> int | None:
    """``value`` as a whole number that can name a row (1 to :data:`MAX_OBJECT_ID`), else None."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= MAX_OBJECT_ID else None


def onboarding_page(
    request: Request, state: OnboardingState | None, step: int, status_code: int = 200, **context: Any
) -> Template:
    """The onboarding page at ``step``. ``state`` may be None only for the logo step (the 413
    handler cannot read the database), which then shows the progress of a startup at step 6."""
    values = dict(state.values) if state else {}
    values.update(context.pop("values", {}) or {})
    response = render(
        request,
        "startups/onboarding.html.j2",
        {
            "state": state,
            "step": step,
            "reached": state.reached if state else LOGO_STEP,
            "last_step": LAST_STEP,
            "values": values,
            "choices": state.choices if state else {},
            "pending_claims": state.pending_claims if state else [],
            "logo_url": state.logo_url if state else "",
            **context,
        },
        status_code=status_code,
    )
    if wants_fragment(request) and status_code == 200:
        response.headers["HX-Push-Url"] = step_url(step)
    return response


def onboarding_logo_too_large(request: Request, exc: HTTPException) -> Response[Any]:
    """413 on the logo step (the route's body limit, or the CSRF check reading the form): the
    step again, saying the limit, instead of a bare error page."""
    keep_csrf_token(request)
    return onboarding_page(request, None, LOGO_STEP, status_code=413, errors={"logo": too_large_message()})


def claim_offer(request: Request, state: OnboardingState, status_code: int = 200, **context: Any) -> Template:
    return render(
        request,
        "startups/claim_offer.html.j2",
        {"state": state, "candidates": context.pop("candidates", state.candidates), **context},
        status_code=status_code,
    )


class OnboardingController(Controller):
    include_in_schema = False
    guards = [requires_login, requires_org_kind("startup")]
    path = ONBOARDING

    @get("/", name="startups:onboarding")
    async def show(self, request: Request, onboarding_service: NamedDependency[OnboardingService]) -> Response[Any]:
        """The step in ``?step=`` (when reached; else the furthest reached, so coming back
        resumes there). Before the first step, matching unclaimed profiles are offered to claim
        (``?own=1`` skips the offer). A completed onboarding goes to the profile."""
        state = await onboarding_service.state(viewer_of(request))
        if state.completed:
            flash(request, _("Your startup's profile is complete. You can change it on its edit page."), "info")
            return Redirect(f"/startups/{state.profile_id}", status_code=303)
        own = request.query_params.get("own") in ("1", "yes", "true")
        if state.profile is None and (state.candidates or state.pending_claims) and not own:
            return claim_offer(request, state)
        return onboarding_page(request, state, state.step_to_show(_int(request.query_params.get("step"))))

    @post("/steps/{step:int}", name="startups:onboarding_step", status_code=200)
    async def save_step(
        self, request: Request, step: FromPath[int], onboarding_service: NamedDependency[OnboardingService]
    ) -> Response[Any]:
        """Save step ``step`` (1–5) and show the next one; 422 with the step and its messages on
        bad input (nothing saved). After step 1, a website matching an unclaimed profile brings
        the claim offer first."""
        if not 1 <= step < LOGO_STEP:
            raise NotFoundError(_("There is no such onboarding step."))
        data = await form_dict(request)
        viewer = viewer_of(request)
        try:
            state = await onboarding_service.save_step(viewer, step, data)
        except FormInvalid as error:
            state = await onboarding_service.state(viewer)
            return onboarding_page(request, state, step, 422, errors=error.errors, values=error.values)
        if step == 1 and state.domain_candidates:
            return claim_offer(request, state, candidates=state.domain_candidates, after_step=True)
        if not wants_fragment(request):
            return Redirect(step_url(step + 1), status_code=303)
        return onboarding_page(request, state, step + 1, saved=True)

    @post(
        "/logo",
        name="startups:onboarding_logo",
        status_code=200,
        request_max_body_size=LOGO_ROUTE_BODY_LIMIT,
        exception_handlers={413: onboarding_logo_too_large},
    )
    async def finish(self, request: Request, onboarding_service: NamedDependency[OnboardingService]) -> Response[Any]:
        """The last step: an optional logo (PNG, JPEG or WebP, at most 2 MB, checked by its
        content), then the profile page. 422 with the step and the reason for a bad file."""
        viewer = viewer_of(request)
        content = await uploaded(request, "logo")
        try:
            profile_id = await onboarding_service.finish(viewer, content)
        except FormInvalid as error:
            state = await onboarding_service.state(viewer)
            return onboarding_page(request, state, LOGO_STEP, 422, errors=error.errors)
        flash(request, _("Your startup's profile is ready. Thank you!"), "success")
        return see_other(request, f"/startups/{profile_id}")

    @post("/claims", name="startups:claim", status_code=200)
    async def claim(
        self,
        request: Request,
        onboarding_service: NamedDependency[OnboardingService],
        claim_service: NamedDependency[ClaimService],
    ) -> Response[Any]:
        """Claim the profile in field ``profile_id``; staff are told and decide."""
        data = await form_dict(request)
        viewer = viewer_of(request)
        profile_id = _int(str(data.get("profile_id", "")))
        try:
            if profile_id is None:
                raise NotFoundError(_("There is no such profile to claim, or a startup already keeps it."))
            await claim_service.request(viewer, profile_id, base_url=str(request.base_url), ip=client_ip(request))
        except AppError as error:
            state = await onboarding_service.state(viewer)
            return claim_offer(request, state, error.status_code, problem=error.message)
        flash(request, _("Your claim was sent to the agency's staff. We will email you their decision."), "success")
        return see_other(request, ONBOARDING)
