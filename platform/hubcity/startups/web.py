"""Helpers of the startups domain's web layer: reading forms (checkbox groups as lists, an
uploaded file), rendering with the domain's labels, and HTMX partials."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.response import Template

from hubcity.accounts.labels import KIND_LABELS, ROLE_LABELS
from hubcity.core.i18n import current_locale
from hubcity.core.templating import get_viewer, page
from hubcity.startups.completeness import ITEMS
from hubcity.startups.logos import MAX_LOGO_BYTES, MAX_LOGO_MB
from hubcity.startups.schemas import LIST_MAX, MULTI_FIELDS, ONE_LINER_MAX, TEXT_MAX
from hubcity.startups.services.claims import CLAIM_STATUS_LABELS
from hubcity.startups.services.taxonomies import KIND_LABELS as TAXONOMY_KIND_LABELS


async def form_dict(request: Request) -> dict[str, Any]:
    """The submitted form: checkbox groups (:data:`MULTI_FIELDS`) as lists, other fields as
    their last value; files are left out."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form.keys():
        if key in MULTI_FIELDS:
            data[key] = [value for value in form.getall(key) if isinstance(value, str)]
        else:
            value = form.get(key)
            if isinstance(value, str):
                data[key] = value
    return data


async def uploaded(request: Request, name: str) -> bytes | None:
    """The bytes of the file sent in field ``name``, or None when no file was chosen."""
    form = await request.form()
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return await upload.read()


def limits() -> dict[str, Any]:
    return {
        "one_liner_max": ONE_LINER_MAX,
        "text_max": TEXT_MAX,
        "list_max": LIST_MAX,
        "logo_max_bytes": MAX_LOGO_BYTES,
        "logo_max_mb": MAX_LOGO_MB,
    }


def _common() -> dict[str, Any]:
    return {
        "kind_labels": KIND_LABELS,
        "role_labels": ROLE_LABELS,
        "taxonomy_kind_labels": TAXONOMY_KIND_LABELS,
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "completeness_items": ITEMS,
        "errors": {},
        "values": {},
        "notice": "",
        **limits(),
    }


def render(request: Request, template_name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """:func:`~hubcity.core.templating.page` with the startups domain's labels and limits."""
    return page(request, template_name, {**_common(), **(context or {})}, status_code=status_code)


def partial(request: Request, template_name: str, context: dict[str, Any], status_code: int = 200, headers: dict[str, str] | None = None) -> Template:
    """A piece of a page (a table row, a switch) for an HTMX swap."""
    ctx = {"viewer": get_viewer(request), "locale": current_locale(), **_common(), **context}
    return Template(template_name=template_name, context=ctx, status_code=status_code, headers=headers)


def keep_csrf_token(request: Request) -> None:
    """Let a page rendered from an error raised before the CSRF check finished (a 413 while
    reading the form) still carry the visitor's CSRF token, as every GET page does."""
    from litestar.utils.scope.state import ScopeState

    state = ScopeState.from_scope(request.scope)
    cookie = request.cookies.get(request.app.csrf_config.cookie_name) if request.app.csrf_config else None
    if cookie and not isinstance(state.csrf_token, str):
        state.csrf_token = cookie


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""
