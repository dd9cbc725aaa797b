"""Staff pages of the startups domain (program managers and administrators): taxonomies,
verifying organisations, and deciding claims of profiles.

Row buttons answer HTMX with the updated row (or the row with its message, 422/409), and
browsers without JavaScript with a redirect back to the list (or the page with the message).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from hubcity.core.errors import AppError, FormInvalid
from hubcity.core.guards import requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.templating import wants_fragment
from hubcity.startups.services import ClaimService, TaxonomyAdminService, VerificationService
from hubcity.startups.services.claims import CLAIM_STATUSES
from hubcity.startups.taxonomy import label_of
from hubcity.startups.web import client_ip, form_dict, partial, render

program_managers = requires_role("program_manager")
PageNumber = Annotated[int, QueryParameter(name="page", ge=1)]
ORGANISATION_RESULTS = "organisation-results"


def _page_number(value: Any) -> int:
    try:
        return max(int(value or 1), 1)
    except (TypeError, ValueError):
        return 1


# -- taxonomies ----------------------------------------------------------------------------------
class TaxonomyStaffController(Controller):
    include_in_schema = False
    guards = [program_managers]
    path = "/staff/taxonomies"

    async def _page(self, request: Request, service: TaxonomyAdminService, status_code: int = 200, **context: Any) -> Template:
        return render(
            request,
            "staff/taxonomies.html.j2",
            {"taxonomies": await service.overview(), "row_errors": {}, "add_errors": {}, "add_values": {}, "add_notice": {}, **context},
            status_code=status_code,
        )

    def _row(self, request: Request, term: dict[str, Any], status_code: int = 200, **context: Any) -> Template:
        return partial(request, "staff/taxonomies_term.html.j2", {"term": term, "row_errors": {}, **context}, status_code)

    @get("/", name="startups:staff_taxonomies")
    async def index(self, request: Request, taxonomy_service: NamedDependency[TaxonomyAdminService]) -> Template:
        """Every taxonomy with its terms: edit labels, deactivate or reactivate, add a term."""
        return await self._page(request, taxonomy_service)

    async def _change(self, request: Request, service: TaxonomyAdminService, term_id: int, action: str) -> Response[Any]:
        viewer = viewer_of(request)
        data = await form_dict(request)
        try:
            if action == "labels":
                term = await service.update_labels(term_id, data, viewer, ip=client_ip(request))
                done = _("The labels of %(slug)s have been saved.", slug=term["slug"])
            else:
                term = await service.set_active(term_id, action == "activate", viewer, ip=client_ip(request))
                label = label_of(term, current_locale())
                done = (
                    _("%(label)s is offered again.", label=label)
                    if term["is_active"]
                    else _("%(label)s is no longer offered; profiles keep it.", label=label)
                )
        except FormInvalid as error:
            term = await service.get(term_id)
            if wants_fragment(request):
                return self._row(request, term, 422, row_errors={term_id: error.errors}, row_values={term_id: error.values})
            return await self._page(request, service, 422, row_errors={term_id: error.errors}, row_values={term_id: error.values})
        if wants_fragment(request):
            return self._row(request, term, row_notice=done)
        flash(request, done, "success")
        return Redirect(f"/staff/taxonomies#taxonomy-{term['kind']}", status_code=303)

    @post("/{term_id:int}", name="startups:staff_term_labels", status_code=200)
    async def labels(self, request: Request, term_id: ObjectId, taxonomy_service: NamedDependency[TaxonomyAdminService]) -> Response[Any]:
        """Save a term's Korean and English labels (both required)."""
        return await self._change(request, taxonomy_service, term_id, "labels")

    @post("/{term_id:int}/deactivate", name="startups:staff_term_deactivate", status_code=200)
    async def deactivate(self, request: Request, term_id: ObjectId, taxonomy_service: NamedDependency[TaxonomyAdminService]) -> Response[Any]:
        """Stop offering a term in forms and filters (profiles that carry it keep it)."""
        return await self._change(request, taxonomy_service, term_id, "deactivate")

    @post("/{term_id:int}/activate", name="startups:staff_term_activate", status_code=200)
    async def activate(self, request: Request, term_id: ObjectId, taxonomy_service: NamedDependency[TaxonomyAdminService]) -> Response[Any]:
        """Offer a deactivated term again."""
        return await self._change(request, taxonomy_service, term_id, "activate")

    @post("/{kind:str}/terms", name="startups:staff_term_add", status_code=200)
    async def add(self, request: Request, kind: FromPath[str], taxonomy_service: NamedDependency[TaxonomyAdminService]) -> Response[Any]:
        """Add a term to taxonomy ``kind``: slug (a–z, 0–9, _; new in the kind) and both labels."""
        data = await form_dict(request)
        try:
            term = await taxonomy_service.add(kind, data, viewer_of(request), ip=client_ip(request))
        except FormInvalid as error:
            return await self._page(request, taxonomy_service, 422, add_errors={kind: error.errors}, add_values={kind: error.values})
        done = _("%(slug)s has been added.", slug=term["slug"])
        if wants_fragment(request):
            return await self._page(request, taxonomy_service, add_notice={kind: done})
        flash(request, done, "success")
        return Redirect(f"/staff/taxonomies#taxonomy-{kind}", status_code=303)


# -- verification ---------------------------------------------------------------------------------
def organisations_url(params: dict[str, Any]) -> str:
    """``/staff/organisations`` with the filters in ``params`` (blank ones and page 1 left out)."""
    kept = {key: value for key, value in params.items() if value not in ("", None) and not (key == "page" and value == 1)}
    return "/staff/organisations" + (f"?{urlencode(kept)}" if kept else "")


class OrganisationStaffController(Controller):
    include_in_schema = False
    guards = [program_managers]
    path = "/staff/organisations"

    @get("/", name="startups:staff_organisations")
    async def index(
        self,
        request: Request,
        verification_service: NamedDependency[VerificationService],
        q: Annotated[str, QueryParameter(name="q", max_length=200)] = "",
        kind: Annotated[str, QueryParameter(name="kind", max_length=16)] = "",
        unverified: Annotated[str, QueryParameter(name="unverified", max_length=8)] = "",
        page_number: PageNumber = 1,
    ) -> Template:
        """Startups and corporations with registration number and verification; filters:
        ``kind``, ``unverified=1``, ``q`` (name or number). ``HX-Target: organisation-results``
        gets only the results."""
        only_unverified = unverified in ("1", "yes", "true", "on")
        results = await verification_service.page(kind=kind, unverified=only_unverified, q=q, page_number=page_number)
        params = {"q": q, "kind": kind, "unverified": "1" if only_unverified else ""}
        context = {"results": results, "params": params, "row_errors": {}}
        if wants_fragment(request) and request.headers.get("hx-target") == ORGANISATION_RESULTS:
            return partial(request, "staff/organisations_results.html.j2", context)
        return render(request, "staff/organisations.html.j2", context)

    async def _change(self, request: Request, service: VerificationService, org_id: int, verify: bool) -> Response[Any]:
        data = await form_dict(request)
        viewer = viewer_of(request)
        back = organisations_url(
            {"q": data.get("q", ""), "kind": data.get("kind", ""), "unverified": data.get("unverified", ""), "page": _page_number(data.get("page"))}
        )
        try:
            if verify:
                row = await service.verify(org_id, viewer, data, ip=client_ip(request))
            else:
                row = await service.unverify(org_id, viewer, ip=client_ip(request))
        except FormInvalid as error:
            message = next(iter(error.errors.values()), error.message)
            if wants_fragment(request):
                return partial(request, "staff/organisations_row.html.j2", {"org": await service.row(org_id), "row_error": message}, 422)
            flash(request, message, "error")
            return Redirect(back, status_code=303)
        done = _("The organisation is now verified.") if row.verified else _("The organisation is no longer verified.")
        if wants_fragment(request):
            return partial(request, "staff/organisations_row.html.j2", {"org": row, "row_notice": done})
        flash(request, done, "success")
        return Redirect(back, status_code=303)

    @post("/{org_id:int}/verify", name="startups:staff_verify", status_code=200)
    async def verify(self, request: Request, org_id: ObjectId, verification_service: NamedDependency[VerificationService]) -> Response[Any]:
        """Mark verified; field ``confirm`` (a person checked the registration number) is required."""
        return await self._change(request, verification_service, org_id, True)

    @post("/{org_id:int}/unverify", name="startups:staff_unverify", status_code=200)
    async def unverify(self, request: Request, org_id: ObjectId, verification_service: NamedDependency[VerificationService]) -> Response[Any]:
        """Take the verification back."""
        return await self._change(request, verification_service, org_id, False)


# -- claims ---------------------------------------------------------------------------------------
class ClaimStaffController(Controller):
    include_in_schema = False
    guards = [program_managers]
    path = "/staff/claims"

    async def _page(self, request: Request, service: ClaimService, status: str, page_number: int, status_code: int = 200, **context: Any) -> Template:
        results = await service.page(status, page_number)
        return render(
            request,
            "staff/claims.html.j2",
            {"results": results, "status": status if status in CLAIM_STATUSES else "", "statuses": CLAIM_STATUSES, "row_errors": {}, **context},
            status_code=status_code,
        )

    @get("/", name="startups:staff_claims")
    async def index(
        self,
        request: Request,
        claim_service: NamedDependency[ClaimService],
        status: Annotated[str, QueryParameter(name="status", max_length=16)] = "pending",
        page_number: PageNumber = 1,
    ) -> Template:
        """Claims of existing profiles (``?status=pending`` by default, ``all`` for every one)."""
        return await self._page(request, claim_service, status, page_number)

    async def _decide(self, request: Request, service: ClaimService, claim_id: int, approve: bool) -> Response[Any]:
        data = await form_dict(request)
        viewer = viewer_of(request)
        try:
            if approve:
                claim = await service.approve(claim_id, viewer, base_url=str(request.base_url), ip=client_ip(request))
                done = _("The claim has been approved; the startup now keeps the profile.")
            else:
                claim = await service.reject(claim_id, viewer, data, base_url=str(request.base_url), ip=client_ip(request))
                done = _("The claim has been rejected; the startup has been told why.")
        except (FormInvalid, AppError) as error:
            if error.status_code == 404:
                raise
            message = next(iter(error.errors.values()), error.message) if isinstance(error, FormInvalid) else error.message
            claim = await service.get(claim_id)
            if wants_fragment(request):
                return partial(
                    request, "staff/claims_row.html.j2", {"claim": claim, "row_error": message, "values": data}, error.status_code
                )
            return await self._page(request, service, "", 1, error.status_code, row_errors={claim_id: message})
        if wants_fragment(request):
            return partial(request, "staff/claims_row.html.j2", {"claim": claim, "row_notice": done, "values": {}})
        flash(request, done, "success")
        return Redirect("/staff/claims", status_code=303)

    @post("/{claim_id:int}/approve", name="startups:staff_claim_approve", status_code=200)
    async def approve(self, request: Request, claim_id: ObjectId, claim_service: NamedDependency[ClaimService]) -> Response[Any]:
        """Hand the profile to the claiming startup (audited; the claimant is told)."""
        return await self._decide(request, claim_service, claim_id, True)

    @post("/{claim_id:int}/reject", name="startups:staff_claim_reject", status_code=200)
    async def reject(self, request: Request, claim_id: ObjectId, claim_service: NamedDependency[ClaimService]) -> Response[Any]:
        """Refuse the claim; field ``message`` (required) is sent to the claimant."""
        return await self._decide(request, claim_service, claim_id, False)
