"""Pages of matches: a need's ranked startups (filtered with HTMX, shortlist, introductions), the
needs that fit a startup (interest, introductions to accept or decline), an introduction, similar
startups, and the staff's introductions (brokering and outcomes). Each page is a full page or,
for HTMX requests aimed at its results, the fragment alone."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.pagination import clamp_page
from hubcity.corporates.filters import query_dict
from hubcity.corporates.web import client_ip, hx_target, partial, render, see_other
from hubcity.matches.alerts import AlertService
from hubcity.matches.labels import CRITERION_LABELS, OUTCOME_LABELS, STATUS_LABELS
from hubcity.matches.services import MatchService, StartupNotMatchable

Matches = NamedDependency[MatchService]
RESULTS_TARGET = "match-results"


def _context(extra: dict[str, Any]) -> dict[str, Any]:
    return {"criterion_labels": CRITERION_LABELS, "intro_status_labels": STATUS_LABELS, "outcome_labels": OUTCOME_LABELS, **extra}


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(form.get(key)) for key in form.keys()}


class NeedMatchesController(Controller):
    include_in_schema = False
    path = "/needs/{need_id:int}"
    guards = [requires_login]

    @get("/matches", name="matches:need")
    async def matches(self, request: Request, need_id: ObjectId, match_service: Matches) -> Template:
        """Startups that fit the need, ranked, with reasons (corporation members and staff)."""
        viewer = viewer_of(request)
        view = await match_service.for_need(need_id, viewer, query_dict(request.query_params))
        labels = await match_service.needs.labels()
        context = _context(
            {
                "alert_on": await AlertService().is_on(viewer, "startups", need_id),
                "view": view, "labels": labels, "base_path": f"/needs/{need_id}/matches", "filters": view.filters,
                "filter_errors": view.messages, "raw": query_dict(request.query_params),
                "options": await match_service.needs.taxonomy_options(), "results": view.page,
                "results_only": hx_target(request) == RESULTS_TARGET,
            }
        )
        if hx_target(request) == RESULTS_TARGET:
            return partial(request, "matches/_startup_matches.html.j2", context)
        return render(request, "matches/need_matches.html.j2", context)

    @post("/shortlist/{profile_id:int}", name="matches:shortlist", status_code=200)
    async def shortlist(self, request: Request, need_id: ObjectId, profile_id: ObjectId, match_service: Matches) -> Response[Any] | Template:
        """``action=add|remove``; an HTMX request gets the updated button back."""
        action = (await _form(request)).get("action", "add")
        add = action != "remove"
        await match_service.shortlist(need_id, profile_id, viewer_of(request), add=add)
        if hx_target(request):
            return partial(request, "matches/_shortlist_button.html.j2", {"need_id": need_id, "profile_id": profile_id, "shortlisted": add})
        flash(request, _("Added to the shortlist.") if add else _("Removed from the shortlist."), category="success")
        return see_other(request, f"/needs/{need_id}/matches")

    @post("/introductions", name="matches:introduce", status_code=200)
    async def introduce(self, request: Request, need_id: ObjectId, match_service: Matches) -> Response[Any]:
        """Ask to be introduced to ``profile_id`` with an optional ``message``."""
        data = await _form(request)
        try:
            profile_id = int(data.get("profile_id", ""))
        except ValueError:
            flash(request, _("Startup: choose a startup from the list."), category="error")
            return see_other(request, f"/needs/{need_id}/matches")
        try:
            await match_service.request_introduction(need_id, profile_id, viewer_of(request), data.get("message", ""), ip=client_ip(request))
        except (FormInvalid, InvalidStateError) as error:
            message = "; ".join(error.errors.values()) if isinstance(error, FormInvalid) else error.message
            flash(request, message, category="error")
            return see_other(request, f"/needs/{need_id}/matches")
        flash(request, _("Introduction requested. The startup is notified and will accept or decline."), category="success")
        return see_other(request, f"/needs/{need_id}/matches")

    @post("/interest", name="matches:interest", status_code=200)
    async def interest(self, request: Request, need_id: ObjectId, match_service: Matches) -> Response[Any] | Template:
        """A startup shows (``action=add``) or withdraws (``action=remove``) its interest."""
        data = await _form(request)
        add = data.get("action", "add") != "remove"
        await match_service.interest(need_id, viewer_of(request), add=add, message=data.get("message", ""), ip=client_ip(request))
        if hx_target(request):
            return partial(request, "matches/_interest_button.html.j2", {"need_id": need_id, "interested": add})
        flash(request, _("The corporation sees your interest.") if add else _("Your interest is withdrawn."), category="success")
        return see_other(request, "/matches")


class StartupMatchesController(Controller):
    include_in_schema = False
    path = "/matches"
    guards = [requires_login]

    @get("/", name="matches:startup")
    async def needs(self, request: Request, match_service: Matches) -> Template:
        """Partner needs that fit the viewer's startup, and its introductions."""
        viewer = viewer_of(request)
        view = await match_service.for_startup(viewer)
        labels = await match_service.needs.labels()
        alert_on = await AlertService().is_on(viewer, "needs")
        return render(request, "matches/startup_needs.html.j2", _context({"view": view, "labels": labels, "alert_on": alert_on}))

    @get("/introductions/{intro_id:int}", name="matches:introduction")
    async def introduction(self, request: Request, intro_id: ObjectId, match_service: Matches) -> Template:
        """One introduction: who, for which need, its status and outcome, and the contact once accepted."""
        intro = await match_service.introduction_view(intro_id, viewer_of(request))
        return render(request, "matches/introduction.html.j2", _context({"intro": intro, "outcomes": ("met", "poc", "contract")}))

    @post("/introductions/{intro_id:int}/{decision:str}", name="matches:decide", status_code=200)
    async def decide(self, request: Request, intro_id: ObjectId, decision: FromPath[str], match_service: Matches) -> Response[Any]:
        """``accept`` or ``decline`` (the startup), or ``outcome`` with ``outcome=met|poc|contract``."""
        viewer = viewer_of(request)
        if decision in ("accept", "decline"):
            await match_service.decide_introduction(intro_id, viewer, accept=decision == "accept", ip=client_ip(request))
            flash(request, _("Introduction accepted: the corporation can now contact you.") if decision == "accept"
                  else _("Introduction declined."), category="success")
        elif decision == "outcome":
            await match_service.record_outcome(intro_id, viewer, (await _form(request)).get("outcome", ""), ip=client_ip(request))
            flash(request, _("Outcome recorded."), category="success")
        else:
            from hubcity.core.errors import NotFoundError

            raise NotFoundError(_("There is no such action."))
        return see_other(request, f"/matches/introductions/{intro_id}")


    @post("/alerts", name="matches:alerts", status_code=200)
    async def alerts(self, request: Request) -> Response[Any]:
        """Turn an alert on (``on=1``) or off: ``kind=needs`` (new needs for your startup) or
        ``kind=startups`` with ``need_id`` (new startups for your corporation's need)."""
        data = await _form(request)
        kind = data.get("kind", "")
        need_id: int | None = None
        if kind == "startups":
            try:
                need_id = int(data.get("need_id", ""))
            except ValueError:
                need_id = 0
        if kind not in ("needs", "startups"):
            raise FormInvalid({"kind": _("Alert: choose new partner needs or new startups.")}, data)
        on = data.get("on") == "1"
        await AlertService().set(viewer_of(request), kind, on=on, need_id=need_id)
        flash(request, _("We will email you new matches.") if on else _("No more match emails."), category="success")
        return see_other(request, f"/needs/{need_id}/matches" if kind == "startups" else "/matches")


class SimilarStartupsController(Controller):
    include_in_schema = False
    path = "/startups/{profile_id:int}/similar"

    @get("/", name="matches:similar")
    async def similar(self, request: Request, profile_id: ObjectId, match_service: Matches) -> Template:
        """Startups like this one (public; only matchable startups are shown)."""
        profile = await match_service.public_profile(profile_id)
        similar = await match_service.similar(profile_id)
        labels = await match_service.needs.labels()
        context = _context({"profile": profile, "similar": similar, "labels": labels})
        if hx_target(request):
            return partial(request, "matches/_similar.html.j2", context)
        return render(request, "matches/similar.html.j2", context)


class StaffIntroductionsController(Controller):
    include_in_schema = False
    path = "/staff/introductions"
    guards = [requires_login]

    @get("/", name="matches:staff_introductions")
    async def index(self, request: Request, match_service: Matches) -> Template:
        """Every introduction (staff), newest first, filterable by ``status``; a form to broker one."""
        return await self._page(request, match_service)

    async def _page(
        self, request: Request, match_service: Matches, *, errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None, status_code: int = 200,
    ) -> Template:
        params = request.query_params
        status = params.get("status") or ""
        status = status if status in STATUS_LABELS else ""
        raw_page = (params.get("page") or "1").strip()
        page_number = clamp_page(int(raw_page)) if raw_page.isdecimal() and len(raw_page) < 10 else 1
        rows, page = await match_service.all_introductions(viewer_of(request), status=status, page=page_number)
        context = {
            "rows": rows, "page": page, "status": status, "outcomes": ("met", "poc", "contract"),
            "errors": errors or {}, "values": values or {},
        }
        return render(request, "matches/staff_introductions.html.j2", _context(context), status_code=status_code)

    @post("/", name="matches:broker", status_code=200)
    async def broker(self, request: Request, match_service: Matches) -> Response[Any] | Template:
        """Staff introduce ``profile_id`` to the corporation of ``need_id`` themselves. Bad input
        re-renders the page (422) with a message at each field and what was typed kept."""
        data = await _form(request)
        viewer = viewer_of(request)
        if not viewer.has_role("program_manager"):
            raise NotPermittedError(_("Only agency staff broker introductions here."))
        values = {key: str(data.get(key, "")) for key in ("need_id", "profile_id", "message")}
        errors: dict[str, str] = {}
        for key, label in (("need_id", _("Partner need number")), ("profile_id", _("Startup profile number"))):
            if not values[key].strip().isdecimal() or len(values[key].strip()) > 9:
                errors[key] = _("%(field)s: a whole number, such as 12.", field=label)
        if not errors:
            try:
                await match_service.request_introduction(
                    int(values["need_id"]), int(values["profile_id"]), viewer, values["message"], ip=client_ip(request)
                )
            except FormInvalid as error:
                errors = dict(error.errors)
            except StartupNotMatchable as error:
                errors = {"profile_id": error.message}
            except (InvalidStateError, NotFoundError) as error:
                errors = {"need_id": error.message}
        if errors:
            return await self._page(request, match_service, errors=errors, values=values, status_code=422)
        flash(request, _("Introduction requested on behalf of the agency."), category="success")
        return see_other(request, "/staff/introductions")


PAGE_CONTROLLERS = [NeedMatchesController, StartupMatchesController, SimilarStartupsController, StaffIntroductionsController]
