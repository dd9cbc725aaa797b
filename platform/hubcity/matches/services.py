"""Matches as people use them: a need's ranked startups, a startup's ranked needs, similar
startups, shortlists, interests and introductions.

Who may do what:
- a need's matches, shortlist, interested startups and introduction requests: members of the
  corporation that posted it, and agency staff (anyone else: 404, nothing said about the need);
- needs that fit a startup, interest, accepting or declining introductions: members of that
  startup (the needs are only those the viewer may see, see ``corporates.repositories``);
- brokering an introduction and recording its outcome: program managers and admins (outcome
  also either side); they also see every need's matches.
Startups that opted out of matching, inactive ones and unfinished onboarding drafts are never
proposed (the ``matchable`` facet). The reasons of each match come from
``matching.service.MatchingService.match`` and are the same on both sides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matching.backends.base import And, Eq, Filter, In, Not, Or, Range, SearchBackendError
from matching.criteria import Criterion

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.i18n import gettext as _
from hubcity.core.jobs import pending_count
from hubcity.core.notify import Notifier
from hubcity.core.pagination import Page, clamp_page, page_bounds
from hubcity.core.queries import is_unique_violation
from hubcity.core.viewer import Viewer
from hubcity.corporates.filters import SearchFilters, parse_filters
from hubcity.corporates.repositories import write_transaction
from hubcity.corporates.services import NeedView, PartnerNeedService
from hubcity.matches.documents import ANY, epoch_seconds, is_listed, is_matchable, need_text, startup_text
from hubcity.matches.engine import MatchingEngine
from hubcity.matches.repositories import (
    IndexSourceRepository,
    InterestRepository,
    IntroductionRepository,
    PeopleRepository,
    ShortlistRepository,
)

PAGE_SIZE = 20
#: Keyword boxes find what has the words, or what one embedder finds at least this close in
#: meaning: (1 + cos) / 2, see SearchQuery.semantic_floor. Measured on short keywords: related
#: profiles without the words score 0.71-0.76, unrelated ones up to 0.63.
DIRECTORY_SEMANTIC_FLOOR = 0.70
MESSAGE_MAX = 2000
OUTCOMES = ("met", "poc", "contract")
MATCH_FILTER_PARAMS = frozenset({"sector", "technology", "stage", "location", "team_min", "team_max", "verified", "page"})
STARTUP_FACETS = ("sectors", "technologies", "stage")


@dataclass(frozen=True)
class Reasons:
    """Why a document matched, as shown to both sides.

    matched_terms: words of the query found in it; matched_tags: taxonomy labels both carry;
    similarity: 0..1 fused semantic similarity (``similarities`` per embedder); passed / lacking:
    criterion keys (``stage``, ``country``, ``team_size``, ``sector``, ``technology``).
    """

    matched_terms: tuple[str, ...] = ()
    matched_tags: tuple[str, ...] = ()
    similarity: float = 0.0
    similarities: Mapping[str, float] = field(default_factory=dict)
    passed: tuple[str, ...] = ()
    lacking: tuple[str, ...] = ()

    @property
    def similarity_percent(self) -> int:
        return round(self.similarity * 100)


@dataclass(frozen=True)
class StartupMatch:
    """One proposed startup: its public profile fields, score 0..1 and reasons, and what the
    corporation already did with it (shortlisted, the startup's interest, the introduction)."""

    profile: dict[str, Any]
    score: float
    reasons: Reasons
    shortlisted: bool = False
    interested: bool = False
    introduction: dict[str, Any] | None = None


@dataclass(frozen=True)
class NeedMatches:
    need: NeedView
    matches: list[StartupMatch]
    page: Page
    filters: SearchFilters
    messages: dict[str, str]
    facets: Mapping[str, Mapping[str, int]]
    stale: bool
    unavailable: bool
    interested: list[dict[str, Any]]
    introductions: list[dict[str, Any]]


@dataclass(frozen=True)
class NeedMatch:
    need: NeedView
    score: float
    reasons: Reasons
    interested: bool
    introduction: dict[str, Any] | None = None


@dataclass(frozen=True)
class StartupNeeds:
    profile: dict[str, Any]
    matches: list[NeedMatch]
    stale: bool
    unavailable: bool
    introductions: list[dict[str, Any]]


def _reasons(explanation: Any) -> Reasons:
    return Reasons(
        matched_terms=tuple(explanation.matched_terms),
        matched_tags=tuple(explanation.matched_tags),
        similarity=float(explanation.similarity or 0.0),
        similarities=dict(explanation.similarities),
        passed=tuple(explanation.passed),
        lacking=tuple(explanation.lacking),
    )


def need_criteria(need: Mapping[str, Any]) -> list[Any]:
    """The need's wishes as criteria a startup document passes or lacks (not filters: a startup
    outside them is still proposed, with what it lacks said)."""

    criteria = []
    if need.get("stages"):
        criteria.append(Criterion("stage", In("stage", tuple(need["stages"]))))
    if need.get("countries"):
        criteria.append(Criterion("country", In("country", tuple(need["countries"]))))
    low, high = need.get("team_size_min"), need.get("team_size_max")
    if low is not None or high is not None:
        criteria.append(Criterion("team_size", Range("team_size", low if low is not None else 0, high)))
    if need.get("sectors"):
        criteria.append(Criterion("sector", In("sectors", tuple(need["sectors"]))))
    if need.get("technologies"):
        criteria.append(Criterion("technology", In("technologies", tuple(need["technologies"]))))
    return criteria


def startup_criteria(profile: Mapping[str, Any]) -> list[Any]:
    """A startup's facts as criteria a need document passes or lacks (a need that names no
    stages or countries wants any: stored as ``any``, see ``documents.need_text``)."""

    criteria = [Criterion("stage", In("stages", ("any", profile.get("stage") or "-")))]
    criteria.append(Criterion("country", In("countries", ("any", profile.get("country") or "-"))))
    if profile.get("team_size") is not None:
        size = int(profile["team_size"])
        criteria.append(Criterion("team_size", And((Range("team_size_min", None, size), Range("team_size_max", size, None)))))
    if profile.get("sectors"):
        criteria.append(Criterion("sector", In("sectors", tuple(profile["sectors"]))))
    if profile.get("technologies"):
        criteria.append(Criterion("technology", In("technologies", tuple(profile["technologies"]))))
    return criteria


def startup_filter(
    filters: SearchFilters, *, matchable_only: bool = True, listed_only: bool = True, country_slugs: Sequence[str] = ()
) -> Filter:
    """Startups narrowed by the directory's filter parameters. matchable_only: only those that
    may be proposed (active, not opted out, listed); listed_only: only those the directory lists;
    country_slugs: countries whose name contains the location filter's text (a location matches
    a part of the free-text location or the country, as the database search does)."""
    parts: list[Filter] = []
    if matchable_only:
        parts.append(Eq("matchable", True))
    elif listed_only:
        parts.append(Eq("listed", True))
    if filters.sector:
        parts.append(In("sectors", filters.sector))
    if filters.technology:
        parts.append(In("technologies", filters.technology))
    if filters.stage:
        parts.append(In("stage", filters.stage))
    if filters.location:
        needle = " ".join(filters.location.lower().split())
        parts.append(Or((In("location_terms", (needle,)), In("country", tuple(dict.fromkeys([needle, *country_slugs]))))))
    if filters.team_min is not None or filters.team_max is not None:
        parts.append(Range("team_size", filters.team_min if filters.team_min is not None else 0, filters.team_max))
    if filters.founded_after is not None:
        parts.append(Range("founded_ts", epoch_seconds(filters.founded_after), None))
    if filters.verified:
        parts.append(Eq("verified", True))
    if not parts:
        return Eq("listed", True)
    return And(tuple(parts)) if len(parts) > 1 else parts[0]


class StartupNotMatchable(NotFoundError):
    """No such startup, or one that may not be proposed (opted out, inactive, unfinished)."""


def directory_need_filter(
    scope: Any, filters: SearchFilters, *, country_slugs: Sequence[str] = (), named_only: bool = False
) -> Filter | None:
    """The needs index filter of the directory's needs tab: what ``scope`` (a NeedScope) may see,
    as ``corporates.repositories.visible_condition`` decides it (not a draft, a visibility the
    viewer is allowed, or the viewer's own organisation's; staff everything), narrowed by the
    filter parameters exactly as ``NeedRepository`` narrows them (a need naming no stage or no
    team size bound is open to all). named_only: leave anonymised needs out. None when nothing
    narrows (staff)."""
    parts: list[Filter] = []
    own = tuple(scope.own_org_ids)
    if not scope.staff:
        allowed = ("public", "anonymised") + (("verified",) if scope.verified_startup else ())
        visible: Filter = And((Not(Eq("status", "draft")), In("visibility", allowed)))
        parts.append(Or((visible, In("org_id", own))) if own else visible)
    if named_only:
        parts.append(Not(Eq("visibility", "anonymised")))
    if not filters.include_inactive:
        parts.append(Eq("status", "open"))
    if filters.sector:
        parts.append(In("sectors", filters.sector))
    if filters.technology:
        parts.append(In("technologies", filters.technology))
    if filters.stage:
        parts.append(In("stages", (*filters.stage, ANY)))
    if filters.engagement:
        parts.append(In("engagement", filters.engagement))
    if filters.location:
        needle = " ".join(filters.location.lower().split())
        parts.append(Or((In("location_terms", (needle,)), In("countries", tuple(dict.fromkeys([needle, *country_slugs]))))))
    if filters.team_min is not None:
        parts.append(Range("team_size_max", filters.team_min, None))
    if filters.team_max is not None:
        parts.append(Range("team_size_min", None, filters.team_max))
    if filters.verified:
        parts.append(Eq("org_verified", True))
    if not parts:
        return None
    return And(tuple(parts)) if len(parts) > 1 else parts[0]


def visible_needs_filter(scope: Any, now_ts: int) -> Filter:
    """Open needs inside their window that ``scope`` (a NeedScope) may see."""
    allowed = ["public", "anonymised"] + (["verified"] if scope.verified_startup else [])
    visible: Filter = In("visibility", tuple(allowed))
    if scope.own_org_ids:
        visible = Or((visible, In("org_id", tuple(scope.own_org_ids))))
    opened = Or((Eq("opens_at", 0), Range("opens_at", None, now_ts)))
    not_closed = Or((Eq("closes_at", 0), Range("closes_at", now_ts, None)))
    return And((Eq("status", "open"), opened, not_closed, visible))


def need_query_text(need: Mapping[str, Any]) -> str:
    """The words a need is matched with: its titles and descriptions in both languages."""
    parts = [need.get(key) or "" for key in ("title_en", "description_en", "title_ko", "description_ko")]
    return "\n".join(part for part in parts if part.strip())


def profile_query_text(profile: Mapping[str, Any]) -> str:
    parts = [
        profile.get(key) or ""
        for key in ("one_liner_en", "description_en", "offers_en", "one_liner_ko", "description_ko", "offers_ko")
    ]
    return "\n".join(part for part in parts if part.strip())


class MatchService:
    """The matches pages' and API's rules (see the module docstring)."""

    def __init__(
        self, engine: MatchingEngine, needs: PartnerNeedService, notifier: Notifier | None = None, public_url: str = ""
    ) -> None:
        self.engine = engine
        self.public_url = public_url.rstrip("/")
        self.needs = needs
        self.notifier = notifier
        self.source = IndexSourceRepository()
        self.shortlists = ShortlistRepository()
        self.interests = InterestRepository()
        self.introductions = IntroductionRepository()
        self.people = PeopleRepository()

    # -- a need's startups --------------------------------------------------------------------

    async def _managed_need(self, need_id: int, viewer: Viewer) -> NeedView:
        """The need if the viewer is a member of its corporation or staff; else NotFoundError."""
        need = await self.needs.get(need_id, viewer)
        if not (_brokers(viewer) or need.can_manage):
            raise NotFoundError(_("There is no partner need at this address, or you may not see its matches."))
        return need

    async def for_need(self, need_id: int, viewer: Viewer, params: Mapping[str, Any]) -> NeedMatches:
        """Ranked startups for need ``need_id`` with reasons, narrowed by ``params`` (the
        directory's filter parameters; bad values dropped with a message). When the search
        backend is down the page still renders: ``unavailable`` True and no matches."""
        need = await self._managed_need(need_id, viewer)
        filters, messages = parse_filters(params, await self.needs.vocabulary(), accepted=MATCH_FILTER_PARAMS)
        row = (await self.source.needs([need_id]))[0]
        labels = await self.source.taxonomy_labels()
        document = need_text(row, labels)
        limit, offset = page_bounds(filters.page, PAGE_SIZE)
        countries = await self.source.country_slugs_matching(filters.location) if filters.location else []
        unavailable = False
        try:
            page = await self.engine.call(
                "match",
                "startups",
                need_query_text(row),
                tags=document.tags,
                filter=startup_filter(filters, country_slugs=countries),
                criteria=need_criteria(row),
                facets=STARTUP_FACETS,
                limit=limit,
                offset=offset,
            )
            hits, total, facets = list(page.matches), int(page.total), page.facets
        except SearchBackendError:
            hits, total, facets, unavailable = [], 0, {}, True
        ids = [int(match.hit.id) for match in hits]
        profiles = {row["id"]: row for row in await self.source.profiles(ids)}
        shortlisted = await self.shortlists.profile_ids(need_id)
        interested_rows = await self.interests.for_need(need_id)
        interested_ids = {row["profile"] for row in interested_rows}
        introductions = await self.introductions.for_need(need_id)
        intro_by_profile = {row["profile"]: row for row in introductions if row["status"] != "declined"}
        matches = [
            StartupMatch(
                profile=_public_profile(profiles[int(match.hit.id)]),
                score=float(match.hit.score),
                reasons=_reasons(match.explanation),
                shortlisted=int(match.hit.id) in shortlisted,
                interested=int(match.hit.id) in interested_ids,
                introduction=intro_by_profile.get(int(match.hit.id)),
            )
            for match in hits
            if int(match.hit.id) in profiles
        ]
        interested_profiles = await self.source.profiles([row["profile"] for row in interested_rows])
        return NeedMatches(
            need=need,
            matches=matches,
            page=Page(items=matches, number=clamp_page(filters.page), size=PAGE_SIZE, total=total),
            filters=filters,
            messages=messages,
            facets=facets,
            stale=await self.stale(),
            unavailable=unavailable,
            interested=[_public_profile(p) for p in interested_profiles],
            introductions=introductions,
        )

    async def shortlist(self, need_id: int, profile_id: int, viewer: Viewer, *, add: bool) -> bool:
        """Add or remove a startup on the need's shortlist; returns whether anything changed."""
        await self._managed_need(need_id, viewer)
        if add and not await self._matchable(profile_id):
            raise NotFoundError(_("There is no startup at this address that can be matched."))
        try:
            async with write_transaction():
                if add:
                    return await self.shortlists.add(need_id, profile_id, viewer.id, utcnow())
                return await self.shortlists.remove(need_id, profile_id)
        except Exception as error:
            if add and is_unique_violation(error):
                return False  # a colleague added it at the same moment: it is on the shortlist
            raise

    async def shortlisted(self, need_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        await self._managed_need(need_id, viewer)
        ids = [row["profile"] for row in await self.shortlists.entries(need_id)]
        return [_public_profile(p) for p in await self.source.profiles(ids)]

    async def _matchable(self, profile_id: int) -> dict[str, Any] | None:
        rows = await self.source.profiles([profile_id])
        return rows[0] if rows and is_matchable(rows[0]) else None

    # -- introductions ------------------------------------------------------------------------

    async def request_introduction(
        self, need_id: int, profile_id: int, viewer: Viewer, message: str, *, ip: str = ""
    ) -> int:
        """The corporation (or staff, as broker) asks to be introduced to a startup. Raises
        FormInvalid for a message over :data:`MESSAGE_MAX` characters, InvalidStateError when an
        introduction for the pair is already requested or accepted. Notifies the startup."""
        need = await self._managed_need(need_id, viewer)
        message = (message or "").strip()
        if len(message) > MESSAGE_MAX:
            raise FormInvalid(
                {"message": _("Message: at most %(limit)s characters.", limit=MESSAGE_MAX)}, {"message": message}
            )
        profile = await self._matchable(profile_id)
        if profile is None:
            raise StartupNotMatchable(_("There is no startup at this address that can be matched."))
        side = "corporation" if need.can_manage else "staff"
        async with write_transaction():
            if await self.introductions.open_between(need_id, profile_id):
                raise InvalidStateError(_("An introduction to this startup is already requested for this need."))
            intro_id = await self.introductions.insert(
                {
                    "need": need_id, "profile": profile_id, "requested_by": viewer.id, "requested_side": side,
                    "message": message, "status": "requested", "created_at": utcnow(),
                }
            )
            await audit.record(
                "introduction.requested", actor_id=viewer.id, object_type="introduction", object_id=intro_id,
                after={"need": need_id, "profile": profile_id, "side": side}, ip=ip,
            )
            await self._notify_members(
                profile.get("organisation"), "introduction_requested",
                {"need": _need_names(need), "profile": profile, "message": message, "link": self._link("/matches")},
            )
        return intro_id

    async def _profile_membership(self, viewer: Viewer) -> dict[str, Any]:
        """The viewer's startup profile; NotPermittedError when they have none."""
        for membership in viewer.memberships:
            if membership.kind == "startup":
                ids = await self.source.profile_ids_of_organisation(membership.organisation_id)
                if ids:
                    return (await self.source.profiles([ids[0]]))[0]
        raise NotPermittedError(_("This page is for members of a startup with a profile."))

    async def decide_introduction(self, intro_id: int, viewer: Viewer, *, accept: bool, ip: str = "") -> dict[str, Any]:
        """The startup accepts or declines a requested introduction (its members only: 404 for
        anyone else). InvalidStateError when it was already decided. Notifies the requester."""
        profile = await self._profile_membership(viewer)
        async with write_transaction():
            intro = await self.introductions.get(intro_id)
            if intro is None or intro["profile"] != profile["id"]:
                raise NotFoundError(_("There is no introduction at this address."))
            if intro["status"] != "requested":
                raise InvalidStateError(_("This introduction was already answered."))
            status = "accepted" if accept else "declined"
            await self.introductions.update(intro_id, {"status": status, "decided_by": viewer.id, "decided_at": utcnow()})
            await audit.record(
                f"introduction.{status}", actor_id=viewer.id, object_type="introduction", object_id=intro_id,
                before={"status": "requested"}, after={"status": status}, ip=ip,
            )
            requester = await self.people.user(intro["requested_by"]) if intro["requested_by"] else None
            if requester and self.notifier:
                await self.notifier.notify(
                    to_email=requester["email"], locale=requester["locale"], recipient_id=requester["id"],
                    template="introduction_answered",
                    context={"profile": profile, "accepted": accept, "link": self._link(f"/matches/introductions/{intro_id}")},
                )
        return {**intro, "status": status}

    async def record_outcome(self, intro_id: int, viewer: Viewer, outcome: str, *, ip: str = "") -> None:
        """Record what came of an accepted introduction (``met``, ``poc``, ``contract``): staff,
        or a member of either side. FormInvalid for another outcome; InvalidStateError unless accepted."""
        if outcome not in OUTCOMES:
            raise FormInvalid({"outcome": _("Outcome: choose met, PoC agreed or contract.")}, {"outcome": outcome})
        intro = await self.introductions.get(intro_id)
        if intro is None or not await self._may_see_introduction(intro, viewer):
            raise NotFoundError(_("There is no introduction at this address."))
        if intro["status"] != "accepted":
            raise InvalidStateError(_("Only an accepted introduction has an outcome."))
        async with write_transaction():
            await self.introductions.update(intro_id, {"outcome": outcome, "outcome_at": utcnow()})
            await audit.record(
                "introduction.outcome", actor_id=viewer.id, object_type="introduction", object_id=intro_id,
                before={"outcome": intro["outcome"]}, after={"outcome": outcome}, ip=ip,
            )

    async def _may_see_introduction(self, intro: Mapping[str, Any], viewer: Viewer) -> bool:
        if _brokers(viewer):
            return True
        profile = (await self.source.profiles([intro["profile"]]) or [{}])[0]
        if profile.get("organisation") and viewer.membership_in(profile["organisation"]):
            return True
        try:
            need = await self.needs.get(intro["need"], viewer)
        except NotFoundError:
            return False
        return need.can_manage

    async def introduction_view(self, intro_id: int, viewer: Viewer) -> dict[str, Any]:
        """An introduction with the need, the startup and — once accepted, and only when the
        startup's owner consented to provision to third parties — the startup's contact."""
        intro = await self.introductions.get(intro_id)
        if intro is None or not await self._may_see_introduction(intro, viewer):
            raise NotFoundError(_("There is no introduction at this address."))
        return await self._introduction_details(intro, viewer)

    async def _introduction_details(self, intro: Mapping[str, Any], viewer: Viewer) -> dict[str, Any]:
        profile = (await self.source.profiles([intro["profile"]]) or [{}])[0]
        try:
            need = await self.needs.get(intro["need"], viewer)
        except NotFoundError:
            need = None
        return {**intro, "profile_row": _public_profile(profile) if profile else {}, "need_view": need,
                "contact": await self.contact(intro, profile)}

    async def contact(self, intro: Mapping[str, Any], profile: Mapping[str, Any]) -> dict[str, Any] | None:
        """The startup's contact person for an accepted introduction, if consent allows; else None."""
        if intro["status"] != "accepted" or not profile.get("organisation"):
            return None
        for member in await self.people.members(profile["organisation"]):
            if member["role"] == "owner" and await self.people.third_party_consent(member["id"]):
                return {"name": member["name"], "email": member["email"]}
        return None

    async def introductions_of_viewer(self, viewer: Viewer) -> list[dict[str, Any]]:
        """Introductions of the viewer's startup (newest first), with details."""
        profile = await self._profile_membership(viewer)
        return [await self._introduction_details(row, viewer) for row in await self.introductions.for_profile(profile["id"])]

    async def all_introductions(self, viewer: Viewer, *, status: str, page: int) -> tuple[list[dict[str, Any]], Page]:
        """Every introduction, for staff (NotPermittedError for anyone else)."""
        if not _brokers(viewer):
            raise NotPermittedError(_("Only agency staff see every introduction."))
        limit, offset = page_bounds(page, PAGE_SIZE)
        rows, total = await self.introductions.all(status=status or None, limit=limit, offset=offset)
        items = [await self._introduction_details(row, viewer) for row in rows]
        return items, Page(items=items, number=clamp_page(page), size=PAGE_SIZE, total=total)

    # -- a startup's needs --------------------------------------------------------------------

    async def for_startup(self, viewer: Viewer, *, limit: int = PAGE_SIZE) -> StartupNeeds:
        """Open needs the viewer's startup may see, ranked by fit, with reasons."""
        profile = await self._profile_membership(viewer)
        scope = await self.needs.scope(viewer)
        labels = await self.source.taxonomy_labels()
        document = startup_text(profile, labels)
        unavailable = False
        try:
            page = await self.engine.call(
                "match", "needs", profile_query_text(profile), tags=document.tags,
                filter=visible_needs_filter(scope, int(utcnow().timestamp())), criteria=startup_criteria(profile),
                limit=limit, offset=0,
            )
            hits = list(page.matches)
        except SearchBackendError:
            hits, unavailable = [], True
        interested = await self.interests.need_ids_of_profile(profile["id"])
        intros = {row["need"]: row for row in await self.introductions.for_profile(profile["id"]) if row["status"] != "declined"}
        matches = []
        for match in hits:
            try:
                need = await self.needs.get(int(match.hit.id), viewer)  # visibility is decided in one place
            except NotFoundError:
                continue
            matches.append(
                NeedMatch(need=need, score=float(match.hit.score), reasons=_reasons(match.explanation),
                          interested=need.id in interested, introduction=intros.get(need.id))
            )
        return StartupNeeds(
            profile=profile, matches=matches, stale=await self.stale(), unavailable=unavailable,
            introductions=[await self._introduction_details(row, viewer) for row in await self.introductions.for_profile(profile["id"])],
        )

    async def interest(self, need_id: int, viewer: Viewer, *, add: bool, message: str = "", ip: str = "") -> bool:
        """Mark (or withdraw) the viewer's startup's interest in a need it may see and that is
        open; notifies the corporation's members when added. Returns whether anything changed."""
        profile = await self._profile_membership(viewer)
        need = await self.needs.get(need_id, viewer)
        message = (message or "").strip()
        if len(message) > MESSAGE_MAX:
            raise FormInvalid({"message": _("Message: at most %(limit)s characters.", limit=MESSAGE_MAX)}, {"message": message})
        if add and not need.is_open:
            raise InvalidStateError(_("This partner need is not open, so interest cannot be shown."))
        try:
            return await self._write_interest(need, need_id, profile, viewer, add=add, message=message, ip=ip)
        except Exception as error:
            if add and is_unique_violation(error):
                return False  # another member marked it at the same moment: the interest is there
            raise

    async def _write_interest(
        self, need: NeedView, need_id: int, profile: dict[str, Any], viewer: Viewer, *, add: bool, message: str, ip: str
    ) -> bool:
        async with write_transaction():
            if add:
                changed = await self.interests.add(need_id, profile["id"], viewer.id, message, utcnow())
                if changed:
                    await audit.record("interest.added", actor_id=viewer.id, object_type="partner_need", object_id=need_id,
                                       after={"profile": profile["id"]}, ip=ip)
                    row = (await self.source.needs([need_id]))[0]
                    await self._notify_members(
                        row["organisation"], "interest_shown",
                        {"need": _need_names(need), "profile": profile, "message": message, "link": self._link(f"/needs/{need_id}/matches")},
                    )
                return changed
            changed = await self.interests.remove(need_id, profile["id"])
            if changed:
                await audit.record("interest.withdrawn", actor_id=viewer.id, object_type="partner_need", object_id=need_id,
                                   before={"profile": profile["id"]}, ip=ip)
            return changed

    # -- similar startups and search ----------------------------------------------------------

    async def public_profile(self, profile_id: int) -> dict[str, Any]:
        """The public fields of a listed, active profile; NotFoundError otherwise."""
        rows = await self.source.profiles([profile_id])
        if not rows or not is_listed(rows[0]) or rows[0]["status"] != "active":
            raise NotFoundError(_("There is no startup at this address."))
        return _public_profile(rows[0])

    async def similar(self, profile_id: int, *, limit: int = 6) -> list[StartupMatch]:
        """Startups like profile ``profile_id`` (matchable ones, itself left out)."""
        rows = await self.source.profiles([profile_id])
        if not rows:
            raise NotFoundError(_("There is no startup at this address."))
        labels = await self.source.taxonomy_labels()
        document = startup_text(rows[0], labels)
        try:
            page = await self.engine.call(
                "match", "startups", profile_query_text(rows[0]), tags=document.tags,
                filter=Eq("matchable", True),
                limit=limit + 1, offset=0,
            )
        except SearchBackendError:
            return []
        others = [m for m in page.matches if int(m.hit.id) != profile_id][:limit]
        profiles = {row["id"]: row for row in await self.source.profiles([int(m.hit.id) for m in others])}
        return [
            StartupMatch(profile=_public_profile(profiles[int(m.hit.id)]), score=float(m.hit.score), reasons=_reasons(m.explanation))
            for m in others
            if int(m.hit.id) in profiles
        ]

    def _link(self, path: str) -> str:
        return f"{self.public_url}{path}"

    async def stale(self) -> bool:
        """True while index jobs wait (the index may lag the database)."""
        return await pending_count("matches.index") > 0

    async def _notify_members(self, organisation_id: int | None, template: str, context: dict[str, Any]) -> None:
        if not organisation_id or self.notifier is None:
            return
        for member in await self.people.members(organisation_id):
            await self.notifier.notify(
                to_email=member["email"], locale=member["locale"], recipient_id=member["id"], template=template, context=context
            )


def _brokers(viewer: Viewer) -> bool:
    """Agency staff who broker introductions and see every match: program managers and admins."""
    return viewer.has_role("program_manager")


def _need_names(need: NeedView) -> dict[str, str]:
    return {"title_ko": need.title_ko, "title_en": need.title_en}


PUBLIC_PROFILE_FIELDS = (
    "id", "organisation", "name_ko", "name_en", "one_liner_ko", "one_liner_en", "stage", "team_size", "location",
    "country", "website", "sectors", "technologies", "verified", "status", "source", "external_id",
)


def _public_profile(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row.get(key) for key in PUBLIC_PROFILE_FIELDS}
