"""Reviewers' pages: invitation and pledge, expertise, assignments, conflict declarations, the application and the scorecard, others' reviews after one's own.

Routes (every POST carries the CSRF token):

- ``GET /reviewer/invitations/{token}`` (anyone): accept as the logged-in user, log in first
  (the email has an account), or create an account (name + password); ``POST …/accept``
  (logged in), ``POST …/signup``. Unknown → 404, expired → 410, accepted by someone else → 409.
  ``/reviews/invitations/{token}`` (the link in the emails) and ``/reviews`` redirect here.
- The other pages are for users with the reviewer role or a panel membership (others 403,
  anonymous viewers the login page):
  ``GET /reviewer``: my panels (pledge, expertise) and assignments;
  ``GET``/``POST /reviewer/panels/{member_id}/pledge``; ``POST /reviewer/panels/{member_id}/expertise``
  (``tags`` repeated taxonomy slugs, ``text``);
  ``GET /reviewer/applications/{application_id}``: first the conflict declaration, then the
  application read-only (answers, the frozen profile, files), the scorecard and, once one's own
  review is in, the others' reviews with comments;
  ``GET /reviewer/applications/{application_id}/files/{file_id}``;
  ``POST /reviewer/assignments/{id}/no-conflict``, ``POST /reviewer/assignments/{id}/conflict``
  (``reason``), ``POST /reviewer/assignments/{id}/review`` (``score-<criterion>``,
  ``recommendation``, ``comment``; 422 naming each bad criterion, the typed values kept),
  ``POST /reviewer/reviews/{review_id}/comments`` (``text``).

An application not assigned to the viewer, or assigned but conflicted (declared, or by
affiliation), is a 404 naming nothing.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import File, Redirect, Template

from hubcity.accounts.services import SignedIn
from hubcity.accounts.terms import CONSENT_TERMS
from hubcity.accounts.web import sign_in
from hubcity.config.settings import Settings
from hubcity.core.errors import AppError, ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.passwords import MIN_PASSWORD_LENGTH
from hubcity.core.templating import get_viewer
from hubcity.core.viewer import Viewer
from hubcity.programs import workflow
from hubcity.programs.controllers.apply import client_ip, render, see_other
from hubcity.programs.controllers.screening import SNAPSHOT_FIELDS
from hubcity.programs.services import ApplicationService
from hubcity.programs.uploads import FileStorage, size_text, type_name
from hubcity.reviews.services import ReviewService, round_name
from hubcity.startups.services.common import choices as taxonomy_choices

Reviews = NamedDependency[ReviewService]
Applications = NamedDependency[ApplicationService]
SettingsDep = NamedDependency[Settings]
#: Form inputs of the scorecard: ``score-<criterion key>``.
SCORE_PREFIX = "score-"
#: Taxonomy kinds a reviewer's expertise tags come from.
EXPERTISE_KINDS: tuple[str, ...] = ("sector", "technology")


def recommendation_label(key: str) -> str:
    return {"advance": _("Advance"), "hold": _("Hold"), "reject": _("Reject")}.get(key, key)


async def _reviewer(request: Request, service: ReviewService) -> Viewer:
    """The viewer, when they may use the reviewers' pages (403 otherwise)."""
    viewer = viewer_of(request)
    if not await service.may_review(viewer):
        raise NotPermittedError(_("These pages are for reviewers."))
    return viewer


def _localized(row: dict[str, Any], field: str) -> str:
    first, second = ("ko", "en") if current_locale() == "ko" else ("en", "ko")
    return str(row.get(f"{field}_{first}") or row.get(f"{field}_{second}") or "")


class InvitationController(Controller):
    """External reviewers' invitation links."""

    include_in_schema = False
    path = "/reviewer/invitations/{token:str}"

    async def _page(self, request: Request, service: ReviewService, token: str, *, errors: dict[str, str] | None = None,
                    values: dict[str, Any] | None = None, notice: str = "", status_code: int = 200) -> Template:
        try:
            found = await service.invitation(token)
        except (NotFoundError, InvalidStateError) as error:
            return render(request, "reviews/reviewer/invitation_invalid.html.j2", {"message": error.message}, status_code=410
                          if isinstance(error, InvalidStateError) else 404)
        member = found["member"]
        viewer = get_viewer(request)
        if member["accepted_at"] is not None and (viewer is None or member["user"] != viewer.id):
            return render(request, "reviews/reviewer/invitation_invalid.html.j2",
                          {"message": _("This invitation was accepted already. Log in with the account that accepted it.")},
                          status_code=409)
        has_account = await service.invitee_has_account(token)
        return render(request, "reviews/reviewer/invitation.html.j2", {
            "member": member, "program": found["program"], "round": found["round"], "round_name": round_name(found["round"]),
            "token": token, "has_account": has_account, "accepted": member["accepted_at"] is not None,
            "errors": errors or {}, "values": values or {"locale": member.get("locale") or current_locale()}, "notice": notice,
            "consent_terms": CONSENT_TERMS, "min_password_length": MIN_PASSWORD_LENGTH,
        }, status_code=status_code)

    @get("/", name="reviews:invitation")
    async def show(self, request: Request, token: FromPath[str], review_service: Reviews) -> Template:
        """The invitation: accept, log in first, or create an account."""
        return await self._page(request, review_service, token)

    @post("/accept", name="reviews:invitation_accept", guards=[requires_login], status_code=200)
    async def accept(self, request: Request, token: FromPath[str], review_service: Reviews) -> Response[Any] | Template:
        """Join the panel as the logged-in user; then the pledge."""
        try:
            member = await review_service.accept_invitation(token, viewer_of(request), ip=client_ip(request))
        except AppError as error:
            return await self._page(request, review_service, token, notice=error.message, status_code=error.status_code)
        flash(request, _("You are on the panel. Please read and accept the reviewer pledge."), "success")
        return see_other(request, f"/reviewer/panels/{member['id']}/pledge")

    @post("/signup", name="reviews:invitation_signup", status_code=200)
    async def signup(self, request: Request, token: FromPath[str], review_service: Reviews) -> Response[Any] | Template:
        """Create the invited reviewer's account (the invitation's email), log in, join the panel."""
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str) and not k.startswith("_")}
        typed = {k: v for k, v in data.items() if "password" not in k}
        try:
            made = await review_service.signup_for_invitation(token, data, ip=client_ip(request))
        except FormInvalid as error:
            return await self._page(request, review_service, token, errors=error.errors, values=typed, status_code=422)
        except AppError as error:
            return await self._page(request, review_service, token, notice=error.message, values=typed, status_code=error.status_code)
        sign_in(request, SignedIn(user_id=made["user_id"], locale=made["locale"]))
        flash(request, _("Your account is ready and you are on the panel. Please read and accept the reviewer pledge."), "success")
        return see_other(request, f"/reviewer/panels/{made['member']['id']}/pledge")


class LegacyLinks(Controller):
    """The addresses the emails carry (``/reviews…``) lead to the reviewers' pages."""

    include_in_schema = False

    @get("/reviews", name="reviews:legacy_home")
    async def home(self) -> Redirect:
        return Redirect("/reviewer", status_code=303)

    @get("/reviews/invitations/{token:str}", name="reviews:legacy_invitation")
    async def invitation(self, token: FromPath[str]) -> Redirect:
        return Redirect(f"/reviewer/invitations/{token}", status_code=303)


class ReviewerController(Controller):
    include_in_schema = False
    path = "/reviewer"
    guards = [requires_login]

    # -- home: panels and assignments -------------------------------------------------------------
    async def _home(self, request: Request, service: ReviewService, viewer: Viewer, *, errors: dict[str, str] | None = None,
                    form: dict[str, Any] | None = None, form_member: int | None = None, status_code: int = 200) -> Template:
        panels = []
        pledged_runs: set[int] = set()
        for member in await service.my_panels(viewer):
            run = await service.run(member["round_run"], viewer)
            panels.append({**member, "run": run, "program": run["program_row"]})
            if member["pledge_accepted_at"] is not None:
                pledged_runs.add(member["round_run"])
        assignments = [a for a in await service.my_assignments(viewer) if a["round_run"] in pledged_runs]
        by_run = {p["round_run"]: p for p in panels}
        tags = await taxonomy_choices()
        return render(request, "reviews/reviewer/home.html.j2", {
            "panels": panels, "assignments": assignments, "by_run": by_run,
            "tag_options": [(kind, tags.get(kind, [])) for kind in EXPERTISE_KINDS],
            "errors": errors or {}, "form": form or {}, "form_member": form_member,
            "kind_labels": {"sector": _("Sectors"), "technology": _("AI technologies")},
        }, status_code=status_code)

    @get("/", name="reviews:reviewer_home")
    async def home(self, request: Request, review_service: Reviews) -> Template:
        """My panels (pledge, expertise) and my assignments."""
        viewer = await _reviewer(request, review_service)
        return await self._home(request, review_service, viewer)

    @get("/panels/{member_id:int}/pledge", name="reviews:pledge")
    async def pledge(self, request: Request, member_id: ObjectId, review_service: Reviews) -> Template:
        """The reviewer pledge: confidentiality and conflicts of interest."""
        viewer = await _reviewer(request, review_service)
        member = next((m for m in await review_service.my_panels(viewer) if m["id"] == member_id), None)
        if member is None:
            raise NotFoundError(_("There is no panel membership at this address."))
        run = await review_service.run(member["round_run"], viewer)
        return render(request, "reviews/reviewer/pledge.html.j2", {"member": member, "run": run, "program": run["program_row"]})

    @post("/panels/{member_id:int}/pledge", name="reviews:pledge_accept", status_code=200)
    async def accept_pledge(self, request: Request, member_id: ObjectId, review_service: Reviews) -> Response[Any]:
        """Accept the pledge; the assignments of that panel then show."""
        viewer = await _reviewer(request, review_service)
        form = await request.form()
        if form.get("agree") not in ("yes", "on", "true"):
            flash(request, _("Tick the box to accept the pledge."), "error")
            return see_other(request, f"/reviewer/panels/{member_id}/pledge")
        await review_service.accept_pledge(member_id, viewer, ip=client_ip(request))
        flash(request, _("Thank you. Your assignments are below."), "success")
        return see_other(request, "/reviewer")

    @post("/panels/{member_id:int}/expertise", name="reviews:expertise", status_code=200)
    async def expertise(self, request: Request, member_id: ObjectId, review_service: Reviews) -> Response[Any] | Template:
        """Declare expertise on a panel: taxonomy tags and a text (used to rank fit)."""
        viewer = await _reviewer(request, review_service)
        form = await request.form()
        tags = [str(v) for v in form.getall("tags") if isinstance(v, str) and v] if "tags" in form else []
        text = str(form.get("text", "") or "")
        try:
            await review_service.declare_expertise(member_id, viewer, tags=tags, text=text, ip=client_ip(request))
        except FormInvalid as error:
            return await self._home(request, review_service, viewer, errors=error.errors, form={"tags": tags, "text": text},
                                    form_member=member_id, status_code=422)
        flash(request, _("Your expertise is saved."), "success")
        return see_other(request, "/reviewer")

    # -- one application ------------------------------------------------------------------------
    async def _application_page(self, request: Request, service: ReviewService, applications: ApplicationService, viewer: Viewer,
                                application_id: int, *, errors: dict[str, str] | None = None, form: dict[str, Any] | None = None,
                                notice: str = "", status_code: int = 200) -> Response[Any] | Template:
        assignment = await service.assignment_for(application_id, viewer)
        member, run = assignment["member"], assignment["run"]
        if member["pledge_accepted_at"] is None:
            return Redirect(f"/reviewer/panels/{member['id']}/pledge", status_code=303)
        full_run = await service.run(run["id"], viewer)
        program = full_run["program_row"]
        definition = full_run["definition"]
        context: dict[str, Any] = {
            "assignment": assignment, "run": full_run, "program": program, "definition": definition, "round_name": full_run["name"],
            "errors": errors or {}, "form": form or {}, "notice": notice, "recommendation_label": recommendation_label,
        }
        rows = await service.my_assignments(viewer)
        mine = next((r for r in rows if r["id"] == assignment["id"]), None)
        context["startup_name"] = (mine or {}).get("startup_name_en" if current_locale() == "en" else "startup_name") or ""
        if assignment["no_conflict_declared_at"] is None:
            return render(request, "reviews/reviewer/declare.html.j2", context, status_code=status_code)
        application = await service.open_application(application_id, viewer)
        fields = await applications.fields_of(application)
        files = await applications.applications.files(application_id)
        view = await service.reviews_of(run["id"], application_id, viewer)
        own = next((r for r in view.reviews if r["reviewer"] == viewer.id), None)
        values = dict(form or {})
        if own and not form:
            values = {**{SCORE_PREFIX + k: v for k, v in own["scores"].items()}, "recommendation": own["recommendation"], "comment": own["comment"]}
        context.update({
            "application": application, "fields": fields, "answers": application.get("answers") or {},
            "snapshot": application.get("snapshot") or {}, "snapshot_fields": [(k, _(label)) for k, label in SNAPSHOT_FIELDS],
            "files": files, "size_text": size_text, "type_name": type_name, "own": own, "reviews": view.reviews,
            "others_hidden": view.others_hidden, "values": values, "score_prefix": SCORE_PREFIX,
            "editable": full_run["status"] == "open", "staff_label": workflow.staff_label,
        })
        return render(request, "reviews/reviewer/application.html.j2", context, status_code=status_code)

    @get("/applications/{application_id:int}", name="reviews:reviewer_application")
    async def application(self, request: Request, application_id: ObjectId, review_service: Reviews,
                          application_service: Applications) -> Response[Any] | Template:
        """Declare (no) conflict first; then the application read-only, the scorecard and others' reviews."""
        viewer = await _reviewer(request, review_service)
        return await self._application_page(request, review_service, application_service, viewer, application_id)

    @get("/applications/{application_id:int}/files/{file_id:int}", name="reviews:reviewer_file")
    async def download(self, request: Request, application_id: ObjectId, file_id: ObjectId, review_service: Reviews,
                       application_service: Applications, settings: SettingsDep) -> File:
        """A file of an application the reviewer may open (assigned, no conflict); 404 otherwise."""
        viewer = await _reviewer(request, review_service)
        await review_service.assignment_for(application_id, viewer)
        await review_service.open_application(application_id, viewer)
        row = await application_service.applications.file(file_id, application_id)
        if row is None:
            raise NotFoundError(_("There is no such file in this application."))
        path = FileStorage(settings.data_dir).path_of(row["stored_file.sha256"])
        if not path.is_file():
            raise NotFoundError(_("There is no such file in this application."))
        return File(path=path, filename=row["original_name"], media_type=row["stored_file.content_type"], content_disposition_type="attachment",
                    headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})

    async def _own(self, service: ReviewService, viewer: Viewer, assignment_id: int) -> dict[str, Any]:
        row = next((r for r in await service.my_assignments(viewer) if r["id"] == assignment_id), None)
        if row is None:
            raise NotFoundError(_("There is no assignment at this address, or it is no longer yours."))
        return row

    @post("/assignments/{assignment_id:int}/no-conflict", name="reviews:no_conflict", status_code=200)
    async def no_conflict(self, request: Request, assignment_id: ObjectId, review_service: Reviews) -> Response[Any]:
        """Declare no conflict of interest; the application opens."""
        viewer = await _reviewer(request, review_service)
        row = await self._own(review_service, viewer, assignment_id)
        try:
            await review_service.declare_no_conflict(assignment_id, viewer, ip=client_ip(request))
        except ConflictError as error:
            flash(request, error.message, "error")
            return see_other(request, "/reviewer")
        except InvalidStateError as error:
            if error.code == "pledge_required":
                member = await review_service.own_membership(row["round_run"], viewer)
                return see_other(request, f"/reviewer/panels/{member['id']}/pledge" if member else "/reviewer")
            raise
        return see_other(request, f"/reviewer/applications/{row['application']}")

    @post("/assignments/{assignment_id:int}/conflict", name="reviews:conflict", status_code=200)
    async def conflict(self, request: Request, assignment_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Declare a conflict of interest: the assignment is withdrawn and given to another reviewer."""
        viewer = await _reviewer(request, review_service)
        row = await self._own(review_service, viewer, assignment_id)
        form = await request.form()
        reason = str(form.get("reason", "") or "")
        try:
            await review_service.declare_conflict(assignment_id, viewer, reason=reason, ip=client_ip(request))
        except FormInvalid as error:
            return await self._application_page(request, review_service, application_service, viewer, row["application"],
                                                errors=error.errors, form={"reason": reason}, status_code=422)
        flash(request, _("Thank you. The application was withdrawn from your assignments and given to another reviewer."), "success")
        return see_other(request, "/reviewer")

    @post("/assignments/{assignment_id:int}/review", name="reviews:submit_review", status_code=200)
    async def submit(self, request: Request, assignment_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Submit or change the scorecard while the round is open; 422 naming each bad criterion."""
        viewer = await _reviewer(request, review_service)
        row = await self._own(review_service, viewer, assignment_id)
        form = await request.form()
        typed = {k: str(v) for k, v in form.items() if not k.startswith("_") and isinstance(v, str)}
        scores = {k[len(SCORE_PREFIX):]: v for k, v in typed.items() if k.startswith(SCORE_PREFIX)}
        try:
            await review_service.submit_review(assignment_id, viewer, scores=scores, recommendation=typed.get("recommendation", ""),
                                               comment=typed.get("comment", ""), ip=client_ip(request))
        except FormInvalid as error:
            errors = {(SCORE_PREFIX + k[len("scores."):] if k.startswith("scores.") else k): v for k, v in error.errors.items()}
            return await self._application_page(request, review_service, application_service, viewer, row["application"],
                                                errors=errors, form=typed, notice=_("Please correct the marked fields."), status_code=422)
        except InvalidStateError as error:
            return await self._application_page(request, review_service, application_service, viewer, row["application"],
                                                form=typed, notice=error.message, status_code=error.status_code)
        flash(request, _("Your review is saved."), "success")
        return see_other(request, f"/reviewer/applications/{row['application']}")

    @post("/reviews/{review_id:int}/comments", name="reviews:comment", status_code=200)
    async def comment(self, request: Request, review_id: ObjectId, review_service: Reviews, application_service: Applications) -> Response[Any] | Template:
        """Comment on a review (yours or, once yours is in, another reviewer's); never counted as a review."""
        viewer = await _reviewer(request, review_service)
        application_id = await review_service.review_target(review_id, viewer)
        form = await request.form()
        text = str(form.get("text", "") or "")
        try:
            await review_service.comment(review_id, viewer, text, ip=client_ip(request))
        except FormInvalid as error:
            return await self._application_page(request, review_service, application_service, viewer, application_id,
                                                errors={f"comment-{review_id}": m for m in error.errors.values()},
                                                form={f"comment-{review_id}": text}, status_code=422)
        flash(request, _("Your comment is posted."), "success")
        return see_other(request, f"/reviewer/applications/{application_id}#review-{review_id}")


CONTROLLERS: list[Any] = [InvitationController, LegacyLinks, ReviewerController]

__all__ = ["CONTROLLERS", "recommendation_label"]
