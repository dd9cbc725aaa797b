"""Helpers of the corporates domain's web layer: reading forms with repeated fields, redirects,
and rendering with the domain's labels and formatting helpers."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_currency
from litestar import Request, Response
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.templating import get_viewer, page, wants_fragment
from hubcity.corporates.filters import PARAM_LABELS
from hubcity.corporates.labels import STATUS_LABELS, VISIBILITIES, VISIBILITY_HELP, VISIBILITY_LABELS, WINDOW_LABELS
from hubcity.corporates.services import SLUG_FIELDS

#: Form fields that repeat (checkbox groups).
LIST_FIELDS: frozenset[str] = frozenset(SLUG_FIELDS)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def need_form_data(request: Request) -> dict[str, Any]:
    """The submitted need form: lists for the checkbox groups, the last value of other fields."""
    form = await request.form()
    data: dict[str, Any] = {}
    for key in set(form.keys()):
        if key.startswith("_"):
            continue
        values = form.getall(key)
        data[key] = [str(v) for v in values] if key in LIST_FIELDS else str(values[-1])
    for key in LIST_FIELDS:
        data.setdefault(key, [])
    return data


def see_other(request: Request, url: str) -> Response[Any]:
    """After a successful POST: 303 to ``url``, or an HX-Redirect for HTMX requests."""
    return ClientRedirect(url) if wants_fragment(request) else Redirect(url, status_code=303)


def money(amount: int | None, currency: str = "KRW") -> str:
    """``1000000`` → ``₩1,000,000`` in the viewer's language (amounts are minor units; KRW has none)."""
    if amount is None:
        return ""
    return format_currency(amount, currency, locale=current_locale())


def budget_range(need: Any) -> str:
    low, high = money(need.budget_min, need.budget_currency), money(need.budget_max, need.budget_currency)
    if low and high:
        return _("%(low)s to %(high)s", low=low, high=high)
    if low:
        return _("from %(low)s", low=low)
    if high:
        return _("up to %(high)s", high=high)
    return ""


def team_range(need: Any) -> str:
    low, high = need.team_size_min, need.team_size_max
    if low is not None and high is not None:
        return _("%(low)s to %(high)s people", low=low, high=high)
    if low is not None:
        return _("at least %(low)s people", low=low)
    if high is not None:
        return _("up to %(high)s people", high=high)
    return ""


def common_context() -> dict[str, Any]:
    """Labels and formatting helpers every corporates (and directory) template may use."""
    return {
        "visibilities": VISIBILITIES,
        "visibility_labels": VISIBILITY_LABELS,
        "visibility_help": VISIBILITY_HELP,
        "status_labels": STATUS_LABELS,
        "window_labels": WINDOW_LABELS,
        "param_labels": PARAM_LABELS,
        "money": money,
        "budget_range": budget_range,
        "team_range": team_range,
        "errors": {},
        "values": {},
    }


def render(request: Request, template_name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """:func:`~hubcity.core.templating.page` with :func:`common_context`."""
    return page(request, template_name, {**common_context(), **(context or {})}, status_code=status_code)


def partial(request: Request, template_name: str, context: dict[str, Any], status_code: int = 200) -> Template:
    """Only a piece of a page (a list, search results) for an HTMX swap into an existing page."""
    ctx = {"viewer": get_viewer(request), "locale": current_locale(), **common_context(), **context}
    return Template(template_name=template_name, context=ctx, status_code=status_code)


def hx_target(request: Request) -> str:
    """The id of the element an HTMX request will swap (``""`` for other requests)."""
    return request.headers.get("hx-target", "") if wants_fragment(request) else ""
