"""``/api/v1`` endpoints of matches: the same services as the pages, as JSON.

Session-cookie auth and the CSRF header ``x-csrftoken`` on writes, like the rest of the API.
Errors come back as ``{"error", "detail", "fields"}``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from pydantic import BaseModel, Field

from hubcity.accounts.openapi import errors, json_body
from hubcity.core.errors import FormInvalid
from hubcity.core.forms import validate
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.corporates.api import need_out
from hubcity.corporates.filters import query_dict
from hubcity.corporates.schemas import NeedOut
from hubcity.corporates.web import client_ip
from hubcity.matches.services import MESSAGE_MAX, MatchService, Reasons, StartupMatch

API_PREFIX = "/api/v1"
Matches = NamedDependency[MatchService]


class ReasonsOut(BaseModel):
    """Why a match was proposed. similarity: 0..1; similarities: per embedder (cosine);
    passed / lacking: criterion keys (stage, country, team_size, sector, technology)."""

    matched_terms: list[str]
    matched_tags: list[str]
    similarity: float
    similarities: dict[str, float]
    passed: list[str]
    lacking: list[str]


class StartupMatchOut(BaseModel):
    """A proposed startup (public fields), its score 0..1 and reasons."""

    profile_id: int
    name_ko: str
    name_en: str
    one_liner_ko: str
    one_liner_en: str
    stage: str
    country: str
    team_size: int | None
    verified: bool
    source_ref: str
    score: float
    reasons: ReasonsOut
    shortlisted: bool
    interested: bool
    introduction_status: str | None


class StartupMatchListOut(BaseModel):
    items: list[StartupMatchOut]
    total: int
    page: int
    stale: bool
    unavailable: bool
    filter_errors: dict[str, str]


class NeedMatchOut(BaseModel):
    need: NeedOut
    score: float
    reasons: ReasonsOut
    interested: bool


class NeedMatchListOut(BaseModel):
    items: list[NeedMatchOut]
    stale: bool
    unavailable: bool


class ProfileRef(BaseModel):
    """The startup profile a shortlist entry or an introduction is about."""

    profile_id: int = Field(ge=1, le=2**31 - 1, description="A startup profile's id.")
    message: str = Field(default="", max_length=MESSAGE_MAX, description="Optional message to the startup.")


class InterestIn(BaseModel):
    message: str = Field(default="", max_length=MESSAGE_MAX, description="Optional message to the corporation.")


class DecisionIn(BaseModel):
    decision: str = Field(pattern="^(accept|decline)$", description="accept or decline")


class OutcomeIn(BaseModel):
    outcome: str = Field(pattern="^(met|poc|contract)$", description="met, poc (PoC agreed) or contract")


class ChangedOut(BaseModel):
    changed: bool


class IntroductionOut(BaseModel):
    id: int
    need_id: int
    profile_id: int
    status: str
    outcome: str
    requested_side: str
    contact_name: str | None = None
    contact_email: str | None = None


def reasons_out(reasons: Reasons) -> ReasonsOut:
    return ReasonsOut(
        matched_terms=list(reasons.matched_terms), matched_tags=list(reasons.matched_tags),
        similarity=reasons.similarity, similarities=dict(reasons.similarities),
        passed=list(reasons.passed), lacking=list(reasons.lacking),
    )


def startup_match_out(match: StartupMatch) -> StartupMatchOut:
    p = match.profile
    source_ref = f"{p['source']}:{p['external_id']}" if p.get("source") and p.get("external_id") else ""
    return StartupMatchOut(
        profile_id=p["id"], name_ko=p["name_ko"] or "", name_en=p["name_en"] or "", one_liner_ko=p["one_liner_ko"] or "",
        one_liner_en=p["one_liner_en"] or "", stage=p["stage"] or "", country=p["country"] or "", team_size=p["team_size"],
        verified=bool(p["verified"]), source_ref=source_ref, score=match.score, reasons=reasons_out(match.reasons),
        shortlisted=match.shortlisted, interested=match.interested,
        introduction_status=match.introduction["status"] if match.introduction else None,
    )


def _checked(model: type[BaseModel], data: Any) -> Any:
    if not isinstance(data, dict):
        raise FormInvalid({"body": _("The body must be a JSON object.")})
    return validate(model, data)


class NeedMatchesApiController(Controller):
    path = f"{API_PREFIX}/partner-needs/{{need_id:int}}"
    tags = ["matches"]
    guards = [requires_login]

    @get("/matches", responses=errors(401, 404))
    async def matches(self, request: Request, need_id: ObjectId, match_service: Matches) -> StartupMatchListOut:
        """Startups that fit your corporation's need, ranked, with reasons (members and staff;
        404 otherwise). Takes the directory's filters (sector, technology, stage, location,
        team_min, team_max, verified, page)."""
        view = await match_service.for_need(need_id, viewer_of(request), query_dict(request.query_params))
        return StartupMatchListOut(
            items=[startup_match_out(m) for m in view.matches], total=view.page.total, page=view.page.number,
            stale=view.stale, unavailable=view.unavailable, filter_errors=view.messages,
        )

    @post("/shortlist", status_code=HTTP_200_OK, operation_class=json_body(ProfileRef), responses=errors(401, 404, 422))
    async def add_to_shortlist(self, request: Request, need_id: ObjectId, data: JSONBody[Any], match_service: Matches) -> ChangedOut:
        """Put a startup on the need's shortlist (``changed`` false when it was there)."""
        body = _checked(ProfileRef, data)
        return ChangedOut(changed=await match_service.shortlist(need_id, body.profile_id, viewer_of(request), add=True))

    @delete("/shortlist/{profile_id:int}", status_code=HTTP_200_OK, responses=errors(401, 404))
    async def remove_from_shortlist(self, request: Request, need_id: ObjectId, profile_id: ObjectId, match_service: Matches) -> ChangedOut:
        """Take a startup off the need's shortlist."""
        return ChangedOut(changed=await match_service.shortlist(need_id, profile_id, viewer_of(request), add=False))

    @post("/introductions", status_code=HTTP_201_CREATED, operation_class=json_body(ProfileRef), responses=errors(401, 404, 409, 422))
    async def introduce(self, request: Request, need_id: ObjectId, data: JSONBody[Any], match_service: Matches) -> IntroductionOut:
        """Ask to be introduced to a startup (409 when one is already requested or accepted)."""
        body = _checked(ProfileRef, data)
        intro_id = await match_service.request_introduction(need_id, body.profile_id, viewer_of(request), body.message, ip=client_ip(request))
        return introduction_out(await match_service.introduction_view(intro_id, viewer_of(request)))

    @post("/interest", status_code=HTTP_200_OK, operation_class=json_body(InterestIn), responses=errors(401, 403, 404, 409, 422))
    async def show_interest(self, request: Request, need_id: ObjectId, data: JSONBody[Any], match_service: Matches) -> ChangedOut:
        """Your startup is interested in this open need (the corporation sees it)."""
        body = _checked(InterestIn, data)
        return ChangedOut(changed=await match_service.interest(need_id, viewer_of(request), add=True, message=body.message, ip=client_ip(request)))

    @delete("/interest", status_code=HTTP_200_OK, responses=errors(401, 403, 404))
    async def withdraw_interest(self, request: Request, need_id: ObjectId, match_service: Matches) -> ChangedOut:
        """Withdraw your startup's interest."""
        return ChangedOut(changed=await match_service.interest(need_id, viewer_of(request), add=False, ip=client_ip(request)))


def introduction_out(intro: dict[str, Any]) -> IntroductionOut:
    contact = intro.get("contact") or {}
    return IntroductionOut(
        id=intro["id"], need_id=intro["need"], profile_id=intro["profile"], status=intro["status"], outcome=intro["outcome"] or "",
        requested_side=intro["requested_side"], contact_name=contact.get("name"), contact_email=contact.get("email"),
    )


class StartupMatchesApiController(Controller):
    path = f"{API_PREFIX}/matches"
    tags = ["matches"]
    guards = [requires_login]

    @get("/needs", responses=errors(401, 403))
    async def needs(self, request: Request, match_service: Matches) -> NeedMatchListOut:
        """Open partner needs that fit your startup and that you may see, ranked, with reasons."""
        view = await match_service.for_startup(viewer_of(request))
        return NeedMatchListOut(
            items=[NeedMatchOut(need=need_out(m.need), score=m.score, reasons=reasons_out(m.reasons), interested=m.interested) for m in view.matches],
            stale=view.stale, unavailable=view.unavailable,
        )

    @get("/introductions/{intro_id:int}", responses=errors(401, 404))
    async def introduction(self, request: Request, intro_id: ObjectId, match_service: Matches) -> IntroductionOut:
        """An introduction you are part of (or any, for staff); the contact once accepted and consented."""
        return introduction_out(await match_service.introduction_view(intro_id, viewer_of(request)))

    @post("/introductions/{intro_id:int}/decision", status_code=HTTP_200_OK, operation_class=json_body(DecisionIn), responses=errors(401, 403, 404, 409, 422))
    async def decide(self, request: Request, intro_id: ObjectId, data: JSONBody[Any], match_service: Matches) -> IntroductionOut:
        """Your startup accepts or declines an introduction (409 when already answered)."""
        body = _checked(DecisionIn, data)
        viewer = viewer_of(request)
        await match_service.decide_introduction(intro_id, viewer, accept=body.decision == "accept", ip=client_ip(request))
        return introduction_out(await match_service.introduction_view(intro_id, viewer))

    @post("/introductions/{intro_id:int}/outcome", status_code=HTTP_200_OK, operation_class=json_body(OutcomeIn), responses=errors(401, 404, 409, 422))
    async def outcome(self, request: Request, intro_id: ObjectId, data: JSONBody[Any], match_service: Matches) -> IntroductionOut:
        """Record what came of an accepted introduction (either side, or staff)."""
        body = _checked(OutcomeIn, data)
        viewer = viewer_of(request)
        await match_service.record_outcome(intro_id, viewer, body.outcome, ip=client_ip(request))
        return introduction_out(await match_service.introduction_view(intro_id, viewer))


API_CONTROLLERS = [NeedMatchesApiController, StartupMatchesApiController]
