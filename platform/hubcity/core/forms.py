"""Validating submitted forms and JSON bodies with pydantic, with messages people can act on.

Every message names the field (by its translated label) and the rule it broke, in the
request's language. Use :func:`validate` in services; it raises :class:`FormInvalid`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

M = TypeVar("M", bound=BaseModel)

# pydantic error type → message template; %(field)s is the translated label.
_RULES: dict[str, str] = {
    "missing": N_("%(field)s is required."),
    "string_too_short": N_("%(field)s must be at least %(min_length)s characters."),
    "string_too_long": N_("%(field)s must be at most %(max_length)s characters."),
    "too_short": N_("%(field)s needs at least %(min_length)s items."),
    "too_long": N_("%(field)s may have at most %(max_length)s items."),
    "value_error": N_("%(field)s: %(reason)s"),
    "int_parsing": N_("%(field)s must be a whole number."),
    "int_type": N_("%(field)s must be a whole number."),
    "float_parsing": N_("%(field)s must be a number."),
    "bool_parsing": N_("%(field)s must be yes or no."),
    "greater_than_equal": N_("%(field)s must be at least %(ge)s."),
    "less_than_equal": N_("%(field)s must be at most %(le)s."),
    "greater_than": N_("%(field)s must be more than %(gt)s."),
    "less_than": N_("%(field)s must be less than %(lt)s."),
    "literal_error": N_("%(field)s must be one of: %(expected)s."),
    "enum": N_("%(field)s must be one of: %(expected)s."),
    "date_from_datetime_parsing": N_("%(field)s must be a date (YYYY-MM-DD)."),
    "date_parsing": N_("%(field)s must be a date (YYYY-MM-DD)."),
    "datetime_parsing": N_("%(field)s must be a date and time."),
    "datetime_from_date_parsing": N_("%(field)s must be a date and time."),
    "string_type": N_("%(field)s must be text."),
    "url_parsing": N_("%(field)s must be a web address starting with http:// or https://."),
    "url_scheme": N_("%(field)s must be a web address starting with http:// or https://."),
}
_FALLBACK = N_("%(field)s is not valid.")


def _field_label(model: type[BaseModel], name: str) -> str:
    field = model.model_fields.get(name)
    label = (field.title if field and field.title else name.replace("_", " ").capitalize())
    return _(label)


def _message(model: type[BaseModel], item: Mapping[str, Any]) -> tuple[str, str]:
    name = str(item["loc"][0]) if item["loc"] else "__all__"
    ctx = dict(item.get("ctx") or {})
    params = {k: v for k, v in ctx.items() if isinstance(v, (int, float, str))}
    params["field"] = _field_label(model, name) if name != "__all__" else _("This form")
    kind = item["type"]
    if kind == "string_too_short" and params.get("min_length") == 1:
        kind = "missing"
    if kind == "value_error":
        reason = ctx.get("reason") or ctx.get("error") or item["msg"]
        params["reason"] = str(reason).removeprefix("Value error, ")
    try:
        return name, _(_RULES.get(kind, _FALLBACK)) % params
    except (KeyError, TypeError, ValueError):
        return name, _(_FALLBACK) % {"field": params["field"]}


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """Build ``model`` from ``data`` (a form or JSON mapping).

    Raises :class:`FormInvalid` with one message per field; ``values`` keeps the input (minus
    passwords) so a re-rendered form loses nothing typed.
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as error:
        errors: dict[str, str] = {}
        for item in error.errors():
            name, message = _message(model, item)
            errors.setdefault(name, message)
        values = {k: v for k, v in data.items() if "password" not in k}
        raise FormInvalid(errors, values) from None


def blank_to_none(value: Any) -> Any:
    """Form fields arrive as ``""`` when left empty; treat that as not given."""
    if isinstance(value, str) and not value.strip():
        return None
    return value
