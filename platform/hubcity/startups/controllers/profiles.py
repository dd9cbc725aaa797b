"""Pages: a startup's profile (public when active), its edit page, its logo and the "do not
match me" switch, and the stored logos themselves."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import File, Template

from hubcity.accounts.web import see_other
from hubcity.core.errors import FormInvalid
from hubcity.core.guards import requires_login, viewer_of
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.templating import get_viewer, wants_fragment
from hubcity.startups.logos import LOGO_ROUTE_BODY_LIMIT, too_large_message
from hubcity.startups.services import ProfileService
from hubcity.startups.web import form_dict, keep_csrf_token, partial, render, uploaded

Profiles = NamedDependency[ProfileService]


def logo_page(request: Request, profile_id: int, status_code: int = 200, **context: Any) -> Template:
    return render(
        request,
        "startups/logo.html.j2",
        {"profile_id": profile_id, "logo_url": context.pop("logo_url", ""), **context},
        status_code=status_code,
    )


def profile_logo_too_large(request: Request, exc: HTTPException) -> Response[Any]:
    """413 on a profile's logo form: the form again, saying the limit."""
    profile_id = int(request.path_params.get("profile_id", 0))
    keep_csrf_token(request)
    return logo_page(request, profile_id, 413, errors={"logo": too_large_message()})


class ProfileController(Controller):
    include_in_schema = False
    path = "/startups/{profile_id:int}"

    @get("/", name="startups:profile")
    async def show(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Template:
        """The profile in the viewer's language (falling back to the other). Members-only
        fields, the completeness score and the switches only for members and staff; 404 for a
        profile that is not public to anyone else."""
        view = await startup_profile_service.view(profile_id, get_viewer(request))
        return render(request, "startups/profile.html.j2", {"view": view, "p": view.profile})

    @get("/edit", name="startups:edit", guards=[requires_login])
    async def edit(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Template:
        """Every field of the profile in one form (members and staff; 403/404 otherwise)."""
        form = await startup_profile_service.edit_form(profile_id, viewer_of(request))
        return render(request, "startups/edit.html.j2", {"form": form, "values": form.values, "choices": form.choices})

    @post("/edit", name="startups:update", guards=[requires_login], status_code=200)
    async def update(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Response[Any]:
        """Save the edit form; 422 with the typed values and the messages on bad input (nothing stored)."""
        data = await form_dict(request)
        viewer = viewer_of(request)
        try:
            await startup_profile_service.update(profile_id, viewer, data)
        except FormInvalid as error:
            form = await startup_profile_service.form_context(profile_id, viewer, error.values)
            return render(
                request,
                "startups/edit.html.j2",
                {"form": form, "values": form.values, "choices": form.choices, "errors": error.errors},
                status_code=422,
            )
        flash(request, _("The profile has been saved."), "success")
        return see_other(request, f"/startups/{profile_id}")

    @get("/logo", name="startups:logo", guards=[requires_login])
    async def logo_form(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Template:
        """A form replacing the logo (members and staff)."""
        form = await startup_profile_service.edit_form(profile_id, viewer_of(request))
        return logo_page(request, profile_id, logo_url=form.logo_url)

    @post(
        "/logo",
        name="startups:logo_upload",
        guards=[requires_login],
        status_code=200,
        request_max_body_size=LOGO_ROUTE_BODY_LIMIT,
        exception_handlers={413: profile_logo_too_large},
    )
    async def logo(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Response[Any]:
        """Replace the logo: PNG, JPEG or WebP, at most 2 MB, checked by its content."""
        content = await uploaded(request, "logo")
        try:
            await startup_profile_service.set_logo(profile_id, viewer_of(request), content or b"")
        except FormInvalid as error:
            return logo_page(request, profile_id, 422, errors=error.errors)
        flash(request, _("The logo has been replaced."), "success")
        return see_other(request, f"/startups/{profile_id}")

    @post("/do-not-match", name="startups:do_not_match", guards=[requires_login], status_code=200)
    async def do_not_match(self, request: Request, profile_id: ObjectId, startup_profile_service: Profiles) -> Response[Any]:
        """Switch matching off (field ``do_not_match`` = ``yes``) or back on. HTMX gets the switch back."""
        data = await form_dict(request)
        value = str(data.get("do_not_match", "")).lower() in ("yes", "true", "1", "on")
        value = await startup_profile_service.set_do_not_match(profile_id, viewer_of(request), value)
        message = (
            _("Your startup will not be suggested to partners.") if value else _("Your startup can be suggested to partners again.")
        )
        if wants_fragment(request):
            return partial(request, "startups/_do_not_match.html.j2", {"profile_id": profile_id, "do_not_match": value, "notice": message})
        flash(request, message, "success")
        return see_other(request, f"/startups/{profile_id}")


class UploadController(Controller):
    include_in_schema = False
    path = "/uploads/logos"

    @get("/{name:str}", name="startups:logo_file")
    async def logo_file(self, name: FromPath[str], startup_profile_service: Profiles) -> File:
        """A stored logo (``<sha256>.<ext>``), with its real media type; 404 for anything else."""
        path, media_type = await startup_profile_service.logo_file(name)
        return File(
            path=path,
            media_type=media_type,
            content_disposition_type="inline",
            headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
        )
