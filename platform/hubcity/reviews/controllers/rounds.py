"""Staff pages of review rounds: panels, invitations, assignment (by hand and automatic, with reasons), results, advancing, presentation slots.

Routes (program managers and admins; other roles 403, anonymous viewers the login page; every
POST carries the CSRF token; refusals re-render the page with the message and the typed values):

- ``GET /staff/programs/{id}/review-rounds``: the program's rounds as stored, each with its run's
  status; ``POST …/review-rounds/open`` opens the first round with every application in review.
  (``/staff/programs/{id}/rounds`` is the rounds *editor* of the programs domain.)
- ``POST /staff/rounds/{run_id}/close``.
- ``GET /staff/rounds/{run_id}/results``: mean or trimmed mean, spread, ranking, who is still
  missing; ``POST …/remind``; ``POST …/advance`` (with ``slot-<application>-starts_at`` /
  ``-ends_at`` (local date-time in the program's zone) / ``-location`` when the next round is a
  presentation round).
- ``GET /staff/rounds/{run_id}/panel``; ``POST …/panel/add`` (``user``, ``affiliation``),
  ``POST …/panel/invite`` (``email``, ``affiliation``, ``name``, ``locale``),
  ``POST …/panel/{member_id}/remove``.
- ``GET /staff/rounds/{run_id}/assignments``; ``POST …/assignments`` (``application``,
  ``reviewer``, ``reason``: by hand; a conflicted pair is refused with the reason, 409),
  ``POST …/assignments/auto`` (``minimum``, ``max_load``: the plan's choices with their reasons
  and any shortfall), ``POST …/assignments/{assignment_id}/withdraw``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Template

from hubcity.core.errors import AppError, FormInvalid, NotFoundError
from hubcity.core.guards import requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.timefmt import format_instant
from hubcity.core.viewer import Viewer
from hubcity.programs import deadlines, workflow
from hubcity.programs.controllers.apply import client_ip, render, see_other
from hubcity.programs.services import ApplicationService
from hubcity.reviews import assignment as assigning
from hubcity.reviews.services import ReviewService, round_name, rounds_of

Reviews = NamedDependency[ReviewService]
Applications = NamedDependency[ApplicationService]
STAFF_GUARD = requires_role("program_manager")
def method_label(method: str) -> str:
    return {"mean": _("Mean"), "trimmed_mean": _("Trimmed mean")}.get(method, method)


def kind_label(kind: str) -> str:
    return {"written": _("Written"), "presentation": _("Presentation"), "interview": _("Interview")}.get(kind, kind)


def _number(value: Any) -> Any:
    """Form text as an int when it is one (else the text, for the service to name)."""
    text = str(value or "").strip()
    return int(text) if text.isdecimal() and len(text) < 10 else text


async def _labels(applications: ApplicationService, viewer: Viewer, ids: list[int]) -> dict[int, dict[str, Any]]:
    """application id → {name, status} for staff pages (name from the frozen profile)."""
    out: dict[int, dict[str, Any]] = {}
    for app_id in ids:
        try:
            row = await applications.get(int(app_id), viewer)
        except NotFoundError:
            out[int(app_id)] = {"name": f"#{app_id}", "status": ""}
            continue
        snap = row.get("snapshot") or {}
        first, second = ("name_ko", "name_en") if current_locale() == "ko" else ("name_en", "name_ko")
        out[int(app_id)] = {"name": snap.get(first) or snap.get(second) or f"#{app_id}", "status": row["status"]}
    return out


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _helpers() -> dict[str, Any]:
    return {"method_label": method_label, "kind_label": kind_label, "score": _score, "staff_label": workflow.staff_label}


class RoundsController(Controller):
    include_in_schema = False
    path = "/staff"
    guards = [STAFF_GUARD]

    # -- the program's rounds -------------------------------------------------------------------
    async def _rounds_page(self, request: Request, service: ReviewService, program_id: int, *, notice: str = "",
                           status_code: int = 200) -> Template:
        viewer = viewer_of(request)
        runs = await service.runs(program_id, viewer)
        program = await service.program_for_staff(program_id, viewer)
        by_order = {run["round_order"]: run for run in runs}
        rows = [{"definition": d, "name": round_name(d), "run": by_order.get(d["order"])} for d in rounds_of(program)]
        orphans = [run for run in runs if run["definition"] is None]
        return render(request, "reviews/rounds/list.html.j2", {
            **_helpers(), "program": program, "rows": rows, "orphans": orphans, "can_open": not runs and bool(rows),
            "notice": notice, "tab": "review",
        }, status_code=status_code)

    @get("/programs/{program_id:int}/review-rounds", name="reviews:rounds")
    async def rounds(self, request: Request, program_id: ObjectId, review_service: Reviews) -> Template:
        """The program's review rounds in order, each with its run's status and links."""
        return await self._rounds_page(request, review_service, program_id)

    @post("/programs/{program_id:int}/review-rounds/open", name="reviews:open_round", status_code=200)
    async def open_round(self, request: Request, program_id: ObjectId, review_service: Reviews) -> Response[Any] | Template:
        """Open the first round with every application now in review."""
        try:
            run = await review_service.open_round(program_id, viewer_of(request), ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._rounds_page(request, review_service, program_id, notice=error.message, status_code=error.status_code)
        flash(request, _("The review round is open with %(count)s applications.", count=len(run["participants"])), "success")
        return see_other(request, f"/staff/rounds/{run['id']}/panel")

    @post("/rounds/{run_id:int}/close", name="reviews:close_round", status_code=200)
    async def close_round(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Close an open round: reviews can no longer change."""
        try:
            await review_service.close_round(run_id, viewer_of(request), ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._results_page(request, review_service, application_service, run_id, notice=error.message,
                                             status_code=error.status_code)
        flash(request, _("The review round is closed."), "success")
        return see_other(request, f"/staff/rounds/{run_id}/results")

    # -- results, reminders, advancing --------------------------------------------------------
    async def _results_page(self, request: Request, service: ReviewService, applications: ApplicationService, run_id: int, *,
                            notice: str = "", errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                            status_code: int = 200) -> Template:
        viewer = viewer_of(request)
        run = await service.run(run_id, viewer)
        program = run["program_row"]
        results = await service.results(run_id, viewer)
        labels = await _labels(applications, viewer, list(run["participants"]))
        members = {m["user"]: m for m in await service.panel(run_id, viewer) if m["user"] is not None}
        definitions = rounds_of(program)
        index = next((i for i, d in enumerate(definitions) if d["order"] == run["round_order"]), None)
        following = definitions[index + 1] if index is not None and index + 1 < len(definitions) else None
        advancing = [a for a in results.advancing if labels.get(a, {}).get("status") == "in_review"]
        can_advance = run["status"] == "closed" and run["advanced_at"] is None and following is not None
        return render(request, "reviews/rounds/results.html.j2", {
            **_helpers(), "run": run, "program": program, "results": results, "labels": labels, "members": members,
            "following": following, "following_name": round_name(following) if following else "",
            "needs_slots": bool(following and following.get("kind") == "presentation"), "advancing": advancing,
            "can_advance": can_advance, "zone": program["time_zone"], "notice": notice, "errors": errors or {},
            "form": form or {}, "slots": await service.run_slots(run_id, viewer),
            "local": lambda value: format_instant(value, deadlines.zone_named(program["time_zone"]), current_locale()),
        }, status_code=status_code)

    @get("/rounds/{run_id:int}/results", name="reviews:results")
    async def results(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Template:
        """Per application: score (mean or trimmed mean), spread, rank, recommendations; missing reviews."""
        return await self._results_page(request, review_service, application_service, run_id)

    @post("/rounds/{run_id:int}/remind", name="reviews:remind", status_code=200)
    async def remind(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Email every reviewer still missing a review in this open round."""
        try:
            count = await review_service.remind_missing(run_id, viewer_of(request), ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._results_page(request, review_service, application_service, run_id, notice=error.message,
                                             status_code=error.status_code)
        flash(request, _("%(count)s reviewers were reminded.", count=count), "success")
        return see_other(request, f"/staff/rounds/{run_id}/results")

    @post("/rounds/{run_id:int}/advance", name="reviews:advance", status_code=200)
    async def advance(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Advance the top N to the next round, with a presentation slot per application when it
        is a presentation round (start, end in the program's zone, place); applicants are told."""
        viewer = viewer_of(request)
        form = await request.form()
        typed = {k: str(v) for k, v in form.items() if k.startswith("slot-")}
        run = await review_service.run(run_id, viewer)
        program = run["program_row"]
        zone = deadlines.zone_named(program["time_zone"])
        definitions = rounds_of(program)
        index = next((i for i, d in enumerate(definitions) if d["order"] == run["round_order"]), len(definitions))
        following = definitions[index + 1] if index + 1 < len(definitions) else None
        slots: list[dict[str, Any]] = []
        order: list[int] = []
        errors: dict[str, str] = {}
        if following is not None and following.get("kind") == "presentation" and run["status"] == "closed" and run["advanced_at"] is None:
            results = await review_service.results(run_id, viewer)
            labels = await _labels(application_service, viewer, list(results.advancing))
            for app_id in results.advancing:
                if labels.get(app_id, {}).get("status") != "in_review":
                    continue
                name = labels[app_id]["name"]
                starts_text = typed.get(f"slot-{app_id}-starts_at", "").strip()
                ends_text = typed.get(f"slot-{app_id}-ends_at", "").strip()
                location = typed.get(f"slot-{app_id}-location", "")
                try:
                    starts, ends = deadlines.local_to_utc(starts_text, zone), deadlines.local_to_utc(ends_text, zone)
                except ValueError:
                    errors[f"slot-{app_id}"] = _("%(name)s: give the start and the end of the presentation, such as 2026-12-01T10:00.", name=name)
                    continue
                slots.append({"application": app_id, "starts_at": starts, "ends_at": ends, "location": location})
                order.append(app_id)
        if errors:
            return await self._results_page(request, review_service, application_service, run_id, errors=errors,
                                             notice=_("Please correct the presentation slots."), form=typed, status_code=422)
        try:
            next_run = await review_service.advance(run_id, viewer, slots=slots, ip=client_ip(request))
        except FormInvalid as error:
            mapped = {}
            for key, message in error.errors.items():
                if key.startswith("slots[") and key[6:-1].isdecimal() and int(key[6:-1]) < len(order):
                    mapped[f"slot-{order[int(key[6:-1])]}"] = message
                else:
                    mapped[key] = message
            return await self._results_page(request, review_service, application_service, run_id, errors=mapped,
                                             notice=error.message, form=typed, status_code=422)
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._results_page(request, review_service, application_service, run_id, notice=error.message,
                                             form=typed, status_code=error.status_code)
        flash(request, _("%(count)s applications advanced to the next round; their applicants were told.",
                         count=len(next_run["participants"])), "success")
        return see_other(request, f"/staff/rounds/{next_run['id']}/panel")

    # -- panel ------------------------------------------------------------------------------------
    async def _panel_page(self, request: Request, service: ReviewService, run_id: int, *, notice: str = "",
                          errors: dict[str, str] | None = None, form: dict[str, Any] | None = None, status_code: int = 200) -> Template:
        viewer = viewer_of(request)
        run = await service.run(run_id, viewer)
        members = await service.panel(run_id, viewer)
        on_panel = {m["user"] for m in members if m["user"] is not None}
        choices = [u for u in await service.reviewer_choices(viewer) if u["id"] not in on_panel]
        return render(request, "reviews/rounds/panel.html.j2", {
            **_helpers(), "run": run, "program": run["program_row"], "members": members, "choices": choices,
            "notice": notice, "errors": errors or {}, "form": form or {},
        }, status_code=status_code)

    async def _panel_refused(self, request: Request, service: ReviewService, run_id: int, error: AppError, typed: dict[str, Any]) -> Template:
        if isinstance(error, NotFoundError):
            raise error
        errors = error.errors if isinstance(error, FormInvalid) else {}
        return await self._panel_page(request, service, run_id, notice=error.message if not errors else _("Please correct the marked fields."),
                                      errors=errors, form=typed, status_code=422 if errors else error.status_code)

    @get("/rounds/{run_id:int}/panel", name="reviews:panel")
    async def panel(self, request: Request, run_id: ObjectId, review_service: Reviews) -> Template:
        """The round's panel: internal reviewers, external invitations (pending or accepted)."""
        return await self._panel_page(request, review_service, run_id)

    @post("/rounds/{run_id:int}/panel/add", name="reviews:panel_add", status_code=200)
    async def panel_add(self, request: Request, run_id: ObjectId, review_service: Reviews) -> Response[Any] | Template:
        """Put an agency reviewer on the panel with their affiliation."""
        form = await request.form()
        typed = {"user": str(form.get("user", "") or ""), "add_affiliation": str(form.get("affiliation", "") or "")}
        try:
            user = _number(typed["user"])
            if not isinstance(user, int) or user < 1:
                raise FormInvalid({"user": _("Reviewer: choose a reviewer.")}, typed)
            if len(typed["add_affiliation"].strip()) > 200:
                raise FormInvalid({"add_affiliation": _("Affiliation: at most %(limit)s characters.", limit=200)}, typed)
            await review_service.add_reviewer(run_id, viewer_of(request), user, affiliation=typed["add_affiliation"], ip=client_ip(request))
        except NotFoundError as error:
            await review_service.run(run_id, viewer_of(request))  # a missing round stays a 404
            return await self._panel_page(request, review_service, run_id, errors={"user": error.message}, form=typed, status_code=422)
        except AppError as error:
            return await self._panel_refused(request, review_service, run_id, error, typed)
        flash(request, _("The reviewer is on the panel."), "success")
        return see_other(request, f"/staff/rounds/{run_id}/panel")

    @post("/rounds/{run_id:int}/panel/invite", name="reviews:panel_invite", status_code=200)
    async def panel_invite(self, request: Request, run_id: ObjectId, review_service: Reviews) -> Response[Any] | Template:
        """Invite an external reviewer by email with their affiliation (they get a link)."""
        form = await request.form()
        typed = {k: str(form.get(k, "") or "") for k in ("email", "affiliation", "name", "locale")}
        try:
            if len(typed["name"]) > 100:
                raise FormInvalid({"name": _("Name: at most %(limit)s characters.", limit=100)}, typed)
            if typed["locale"] not in ("", "ko", "en"):
                raise FormInvalid({"locale": _("Language: ko or en.")}, typed)
            await review_service.invite_external(run_id, viewer_of(request), email=typed["email"], affiliation=typed["affiliation"],
                                                 name=typed["name"], locale=typed["locale"] or "ko", ip=client_ip(request))
        except AppError as error:
            return await self._panel_refused(request, review_service, run_id, error, typed)
        flash(request, _("The invitation was sent to %(email)s.", email=typed["email"].strip().lower()), "success")
        return see_other(request, f"/staff/rounds/{run_id}/panel")

    @post("/rounds/{run_id:int}/panel/{member_id:int}/remove", name="reviews:panel_remove", status_code=200)
    async def panel_remove(self, request: Request, run_id: ObjectId, member_id: ObjectId, review_service: Reviews) -> Response[Any] | Template:
        """Take a member (or a pending invitation) off the panel; their open assignments are withdrawn."""
        viewer = viewer_of(request)
        members = await review_service.panel(run_id, viewer)
        if all(m["id"] != member_id for m in members):
            raise NotFoundError(_("There is no panel membership at this address."))
        try:
            await review_service.remove_member(member_id, viewer, ip=client_ip(request))
        except AppError as error:
            return await self._panel_refused(request, review_service, run_id, error, {})
        flash(request, _("The reviewer is no longer on the panel."), "success")
        return see_other(request, f"/staff/rounds/{run_id}/panel")

    # -- assignments ----------------------------------------------------------------------------
    async def _assignments_page(self, request: Request, service: ReviewService, applications: ApplicationService, run_id: int, *,
                                notice: str = "", errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                                plan: assigning.Plan | None = None, status_code: int = 200) -> Template:
        viewer = viewer_of(request)
        run = await service.run(run_id, viewer)
        members = await service.panel(run_id, viewer)
        people = {m["user"]: m for m in members if m["user"] is not None}
        rows = await service.run_assignments(run_id, viewer)
        labels = await _labels(applications, viewer, list(run["participants"]))
        by_app: dict[int, list[dict[str, Any]]] = {a: [] for a in run["participants"]}
        for row in rows:
            by_app.setdefault(row["application"], []).append(row)
        names = {uid: (m["name"] or m["email"]) for uid, m in people.items()}
        for row in rows:
            if row["reviewer"] not in names:
                user = await service.person(row["reviewer"], viewer)
                names[row["reviewer"]] = (user or {}).get("name") or (user or {}).get("email") or f"#{row['reviewer']}"
        return render(request, "reviews/rounds/assignments.html.j2", {
            **_helpers(), "run": run, "program": run["program_row"], "labels": labels, "by_app": by_app, "names": names,
            "reviewers": [m for m in members if m["user"] is not None and m["accepted_at"] is not None],
            "notice": notice, "errors": errors or {}, "form": form or {}, "plan": plan,
        }, status_code=status_code)

    @get("/rounds/{run_id:int}/assignments", name="reviews:assignments")
    async def assignments(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Template:
        """Who reviews what in this round, with the reason of each choice."""
        return await self._assignments_page(request, review_service, application_service, run_id)

    @post("/rounds/{run_id:int}/assignments", name="reviews:assign", status_code=200)
    async def assign(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Assign a panel member to an application by hand; a conflicted pair is refused with the reason."""
        form = await request.form()
        typed = {k: str(form.get(k, "") or "") for k in ("application", "reviewer", "reason")}
        errors: dict[str, str] = {}
        application, reviewer = _number(typed["application"]), _number(typed["reviewer"])
        if not isinstance(application, int) or application < 1:
            errors["application"] = _("Application: choose an application of this round.")
        if not isinstance(reviewer, int) or reviewer < 1:
            errors["reviewer"] = _("Reviewer: choose a reviewer of the panel.")
        if len(typed["reason"]) > 2000:
            errors["reason"] = _("Reason: at most %(limit)s characters.", limit=2000)
        if errors:
            return await self._assignments_page(request, review_service, application_service, run_id, errors=errors, form=typed,
                                                notice=_("Please correct the marked fields."), status_code=422)
        try:
            await review_service.assign(run_id, application, reviewer, viewer_of(request), reason=typed["reason"], ip=client_ip(request))
        except NotFoundError as error:
            await review_service.run(run_id, viewer_of(request))
            return await self._assignments_page(request, review_service, application_service, run_id, notice=error.message,
                                                form=typed, status_code=422)
        except AppError as error:
            return await self._assignments_page(request, review_service, application_service, run_id, notice=error.message,
                                                form=typed, status_code=error.status_code)
        flash(request, _("The reviewer is assigned."), "success")
        return see_other(request, f"/staff/rounds/{run_id}/assignments")

    @post("/rounds/{run_id:int}/assignments/auto", name="reviews:auto_assign", status_code=200)
    async def auto_assign(self, request: Request, run_id: ObjectId, review_service: Reviews, application_service: Applications) -> Template:
        """Assign automatically: at least ``minimum`` reviews per application, an optional most
        per reviewer; the page shows each choice with its reason and any shortfall."""
        form = await request.form()
        typed = {k: str(form.get(k, "") or "") for k in ("minimum", "max_load")}
        minimum = _number(typed["minimum"] or "2")
        max_load = _number(typed["max_load"]) if typed["max_load"].strip() else None
        try:
            plan = await review_service.auto_assign(run_id, viewer_of(request), minimum=minimum, max_load=max_load, ip=client_ip(request))
        except FormInvalid as error:
            return await self._assignments_page(request, review_service, application_service, run_id, errors=error.errors,
                                                notice=_("Please correct the marked fields."), form=typed, status_code=422)
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._assignments_page(request, review_service, application_service, run_id, notice=error.message,
                                                form=typed, status_code=error.status_code)
        return await self._assignments_page(request, review_service, application_service, run_id, plan=plan, form=typed)

    @post("/rounds/{run_id:int}/assignments/{assignment_id:int}/withdraw", name="reviews:unassign", status_code=200)
    async def unassign(self, request: Request, run_id: ObjectId, assignment_id: ObjectId, review_service: Reviews,
                       application_service: Applications) -> Response[Any] | Template:
        """Withdraw an assignment of this open round."""
        viewer = viewer_of(request)
        await review_service.run(run_id, viewer)
        if all(r["id"] != assignment_id for r in await review_service.run_assignments(run_id, viewer)):
            raise NotFoundError(_("There is no assignment at this address."))
        form = await request.form()
        try:
            await review_service.unassign(assignment_id, viewer, reason=str(form.get("reason", "") or "")[:2000], ip=client_ip(request))
        except AppError as error:
            if isinstance(error, NotFoundError):
                raise
            return await self._assignments_page(request, review_service, application_service, run_id, notice=error.message,
                                                status_code=error.status_code)
        flash(request, _("The assignment was withdrawn."), "success")
        return see_other(request, f"/staff/rounds/{run_id}/assignments")


CONTROLLERS: list[Any] = [RoundsController]

__all__ = ["CONTROLLERS", "RoundsController", "kind_label", "method_label"]
