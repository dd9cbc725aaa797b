"""Staff pages of the bulk import (program managers and administrators), under ``/staff/imports``.

``GET /staff/imports``: the upload form and the recent imports. ``POST /staff/imports``: upload a
CSV or JSON file (at most 8 MB); it is checked and previewed (a dry run: counts and the records
that would be rejected or flagged), kept in the data dir, and the browser goes to the run's page.
``GET /staff/imports/{id}``: the preview with a confirm button; while running, a progress bar
that polls ``GET /staff/imports/{id}/progress`` every second (HTMX); once done, the report.
``GET /staff/imports/{id}/rows/{outcome}?page=N``: every record of one outcome (rejected,
flagged, updated, unchanged), :data:`~.services.ROWS_PER_PAGE` to a page: the preview and the
report list only the first page of each, with the count, so a 10 000-row file stays readable.
``POST /staff/imports/{id}/confirm``: start the import as the job ``startups.import`` (only the
person who uploaded the file, or an administrator).
Every page is a full page, or its fragment for HTMX.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from litestar.plugins.flash import flash
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from hubcity.config.settings import Settings
from hubcity.core.errors import AppError, FormInvalid, NotFoundError
from hubcity.core.guards import requires_role, viewer_of
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.params import ObjectId
from hubcity.core.templating import page, wants_fragment
from hubcity.startups.importing.readers import CSV_COLUMNS, CSV_REQUIRED_COLUMNS
from hubcity.startups.importing.repository import finished
from hubcity.startups.importing.services import (
    MAX_UPLOAD_BYTES,
    OUTCOME_LABELS,
    OUTCOMES,
    RUN_STATUS_LABELS,
    ImportService,
    confirm_refused_message,
    may_confirm,
    rows_page,
    upload_too_large_message,
)

# The body may hold the 8 MB file plus the form's other fields and multipart framing.
UPLOAD_BODY_LIMIT = MAX_UPLOAD_BYTES + 64 * 1024
STOP_POLLING = 286  # HTMX stops polling on this status (and still swaps the content in)
Imports = NamedDependency[ImportService]
#: Outcomes whose records the preview, the report and the rows pages list.
LISTED_OUTCOMES: tuple[str, ...] = ("rejected", "flagged", "updated", "unchanged")
PageNumber = Annotated[int, QueryParameter(name="page", ge=1)]


def provide_import_service() -> ImportService:
    return ImportService()


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


def _common() -> dict[str, Any]:
    return {
        "outcomes": OUTCOMES,
        "outcome_labels": OUTCOME_LABELS,
        "status_labels": RUN_STATUS_LABELS,
        "message": "",
        "csv_columns": CSV_COLUMNS,
        "csv_required": CSV_REQUIRED_COLUMNS,
        "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "too_large_message": upload_too_large_message(),
        "errors": {},
        "values": {},
    }


def _run_context(request: Request, run: dict[str, Any]) -> dict[str, Any]:
    """What the run's templates need: the run, whether it is over, the first page of each listed
    outcome's records, and whether the viewer may confirm it (else why not)."""
    viewer = request.scope.get("state", {}).get("viewer")
    return {
        **_common(),
        "run": run,
        "finished": finished(run),
        "sections": {outcome: rows_page(run, outcome, 1) for outcome in LISTED_OUTCOMES},
        "may_confirm": may_confirm(run, viewer),
        "confirm_refused": "" if may_confirm(run, viewer) else confirm_refused_message(run),
    }


async def _index(request: Request, imports: ImportService, status_code: int = 200, **context: Any) -> Template:
    runs = await imports.recent_runs()
    return page(request, "startups/imports.html.j2", {**_common(), "runs": runs, **context}, status_code=status_code)


def _upload_too_large(request: Request, _exc: Exception) -> Response[Any]:
    """413 on the upload route (the body limit stopped it before the handler): the upload form
    again, naming the 8 MB limit (exception handlers are synchronous: no list of imports)."""
    context = {**_common(), "runs": None, "errors": {"file": upload_too_large_message()}}
    return page(request, "startups/imports.html.j2", context, status_code=413)


class ImportController(Controller):
    path = "/staff/imports"
    guards = [requires_role("program_manager")]
    include_in_schema = False
    dependencies = {"imports": Provide(provide_import_service, sync_to_thread=False)}

    @get("/", name="imports:index")
    async def index(self, request: Request, imports: Imports) -> Template:
        """The upload form and the newest imports (file, source, status, counts)."""
        return await _index(request, imports)

    @post(
        "/",
        name="imports:upload",
        status_code=200,
        request_max_body_size=UPLOAD_BODY_LIMIT,
        exception_handlers={413: _upload_too_large},
    )
    async def upload(self, request: Request, imports: Imports, settings: NamedDependency[Settings]) -> Response[Any] | Template:
        """Check and preview an uploaded file (fields ``file``, ``format``, ``source``); 422 with
        the form and the reason when it cannot be imported, else on to the run's page."""
        form = await request.form()
        upload = form.get("file")
        values = {"format": str(form.get("format", "") or ""), "source": str(form.get("source", "") or "")[:100]}
        data, file_name = b"", ""
        if isinstance(upload, UploadFile):
            file_name = upload.filename or ""
            data = await upload.read(MAX_UPLOAD_BYTES + 1)
            await upload.close()
        viewer = viewer_of(request)
        try:
            run_id = await imports.stage_upload(
                data, file_name, file_format=values["format"], source=values["source"], data_dir=settings.data_dir, by=viewer.id
            )
        except FormInvalid as error:
            return await _index(request, imports, error.status_code, errors=error.errors, values=values)
        return _see_other(request, f"/staff/imports/{run_id}")

    @get("/{run_id:int}", name="imports:run")
    async def run(self, request: Request, imports: Imports, run_id: ObjectId) -> Template:
        """One import: its preview and confirm button, its progress, or its report."""
        run = await imports.get_run(run_id)
        return page(request, "startups/import_run.html.j2", _run_context(request, run))

    @get("/{run_id:int}/rows/{outcome:str}", name="imports:rows")
    async def rows(
        self, request: Request, imports: Imports, run_id: ObjectId, outcome: FromPath[str], page_number: PageNumber = 1
    ) -> Template:
        """One page of the records of ``outcome`` (rejected, flagged, updated or unchanged) of
        a preview or report; a page past the last shows the last."""
        if outcome not in LISTED_OUTCOMES:
            raise NotFoundError(_("There is no such list of records."))
        run = await imports.get_run(run_id)
        context = {**_run_context(request, run), "outcome": outcome, "rows": rows_page(run, outcome, page_number)}
        return page(request, "startups/import_outcome_rows.html.j2", context)

    @post("/{run_id:int}/confirm", name="imports:confirm", status_code=200)
    async def confirm(self, request: Request, imports: Imports, run_id: ObjectId) -> Response[Any] | Template:
        """Start a previewed import (the job ``startups.import``); 409 when it was already started."""
        viewer = viewer_of(request)
        try:
            await imports.confirm(run_id, viewer, locale=current_locale(), ip=_ip(request))
        except AppError as error:
            if isinstance(error, FormInvalid) or error.status_code == 404:
                raise
            run = await imports.get_run(run_id)
            context = {**_run_context(request, run), "message": error.message}
            return page(request, "startups/import_run.html.j2", context, status_code=error.status_code)
        flash(request, _("The import has started. This page shows its progress."), "success")
        return _see_other(request, f"/staff/imports/{run_id}")

    @get("/{run_id:int}/progress", name="imports:progress")
    async def progress(self, request: Request, imports: Imports, run_id: ObjectId) -> Template:
        """The progress bar (HTMX polls it every second); once the run is over, its report, with
        status 286 so HTMX stops polling."""
        run = await imports.get_run(run_id, with_report=False)
        over = finished(run)
        if over:
            run = await imports.get_run(run_id)
        context = {**_run_context(request, run), "viewer": request.scope.get("state", {}).get("viewer")}
        template = "startups/import_report.html.j2" if over else "startups/import_progress.html.j2"
        return Template(template_name=template, context=context, status_code=STOP_POLLING if over else 200)


def _see_other(request: Request, url: str) -> Response[Any]:
    """303 to ``url``, or an HX-Redirect for HTMX requests."""
    return ClientRedirect(url) if wants_fragment(request) else Redirect(url, status_code=303)

