"""Validating submitted forms and JSON bodies with pydantic, with messages people can act on.

Every message names the field (by its translated label) and the rule it broke, in the
request's language. Use :func:`validate` in services; it raises :class:`FormInvalid`.

Before pydantic sees the input, :func:`validate` screens every string of the model's fields
(nested lists and objects included):

* NUL and the other control characters are refused (422 naming the field): PostgreSQL cannot
  store a NUL, and the others are invisible. Tab, line feed and carriage return are control
  characters too; they are allowed in multi-line fields only. A model says which fields those
  are: by default every field may hold line breaks, a model with ``single_line = True`` (a
  class variable) allows them only in fields annotated with :class:`MultiLine`.
* Bidirectional override and isolate characters (U+202A–U+202E, U+2066–U+2069) are refused:
  they make text display in another order than it is stored (``evil\u202egpj.exe``).
* A value made only of whitespace and invisible characters (zero-width spaces, Hangul
  fillers, …) counts as empty, so "required" rules apply to it.

Choice errors (``Literal`` fields) list the choices by their translated labels: a model may map
field name → {value: label msgid} in its ``choice_labels`` class variable.
"""

from __future__ import annotations

import re
import typing
import unicodedata
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hubcity.core.errors import FormInvalid
from hubcity.core.i18n import N_
from hubcity.core.i18n import gettext as _

M = TypeVar("M", bound=BaseModel)


class MultiLine:
    """``Annotated[str, MultiLine()]``: this field may hold tabs and line breaks (a text area),
    even in a model whose ``single_line`` is true."""


BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
LINE_BREAKS = frozenset("\t\n\r")
# Characters that show nothing: zero-width spaces and joiners, word joiner, BOM, direction
# marks, soft hyphen, invisible operators, Hangul fillers, Mongolian vowel separator.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad"
    "\u115f\u1160\u3164\uffa0\u180e\u034f"
)
_INVISIBLE_TABLE = {ord(char): None for char in INVISIBLE}

_BAD_CHARACTER = {
    "control": N_("%(field)s contains an invisible control character; remove it and try again."),
    "bidi": N_("%(field)s contains a character that reverses the direction of text; remove it and try again."),
}


def is_blank(value: str) -> bool:
    """True when ``value`` has nothing visible: only whitespace and :data:`INVISIBLE` characters."""
    return not value.translate(_INVISIBLE_TABLE).strip()


def bad_character(value: str, *, line_breaks: bool) -> str | None:
    """``"control"`` or ``"bidi"`` for the first character of ``value`` that is not allowed, else None.

    line_breaks: whether tab, line feed and carriage return are allowed (multi-line fields).
    """
    for char in value:
        if char in BIDI_CONTROLS:
            return "bidi"
        if unicodedata.category(char) == "Cc" and not (line_breaks and char in LINE_BREAKS):
            return "control"
    return None


def _bad_in(value: Any, *, line_breaks: bool) -> str | None:
    if isinstance(value, str):
        return bad_character(value, line_breaks=line_breaks)
    if isinstance(value, Mapping):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        return None
    for item in items:
        found = _bad_in(item, line_breaks=line_breaks)
        if found:
            return found
    return None


def _allows_line_breaks(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields[name]
    if any(isinstance(item, MultiLine) for item in field.metadata):
        return True
    return not getattr(model, "single_line", False)


def _screen(model: type[BaseModel], data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` with blank strings emptied, and field → message for refused characters."""
    cleaned = dict(data)
    errors: dict[str, str] = {}
    for name, field in model.model_fields.items():
        key = name if name in cleaned else field.alias
        if key is None or key not in cleaned:
            continue
        value = cleaned[key]
        kind = _bad_in(value, line_breaks=_allows_line_breaks(model, name))
        if kind:
            errors[name] = _(_BAD_CHARACTER[kind]) % {"field": _field_label(model, name)}
        elif isinstance(value, str) and value and is_blank(value):
            cleaned[key] = ""
    return cleaned, errors


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
    "bool_type": N_("%(field)s must be true or false."),
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


def _choices(model: type[BaseModel], name: str, expected: str) -> str:
    """The allowed values of field ``name`` by their translated labels, separated by commas."""
    values: list[Any] = []
    field = model.model_fields.get(name)
    pending = [field.annotation] if field else []
    while pending:
        annotation = pending.pop(0)
        if typing.get_origin(annotation) is typing.Literal:
            values.extend(typing.get_args(annotation))
        else:
            pending.extend(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if not values:
        values = re.findall(r"'([^']*)'", expected)
    labels = (getattr(model, "choice_labels", None) or {}).get(name, {})
    return ", ".join(_(labels[value]) if value in labels else str(value) for value in values)


def _message(model: type[BaseModel], item: Mapping[str, Any]) -> tuple[str, str]:
    name = str(item["loc"][0]) if item["loc"] else "__all__"
    ctx = dict(item.get("ctx") or {})
    params = {k: v for k, v in ctx.items() if isinstance(v, (int, float, str))}
    params["field"] = _field_label(model, name) if name != "__all__" else _("This form")
    kind = item["type"]
    given = item.get("input")
    if kind == "string_too_short" and (params.get("min_length") == 1 or (isinstance(given, str) and is_blank(given))):
        kind = "missing"  # an empty password is "required", not "too short"
    if kind in ("literal_error", "enum"):
        params["expected"] = _choices(model, name, str(ctx.get("expected", "")))
    if kind == "value_error":
        reason = ctx.get("reason") or ctx.get("error") or item["msg"]
        params["reason"] = str(reason).removeprefix("Value error, ")
    try:
        return name, _(_RULES.get(kind, _FALLBACK)) % params
    except (KeyError, TypeError, ValueError):
        return name, _(_FALLBACK) % {"field": params["field"]}


def validate(model: type[M], data: Mapping[str, Any]) -> M:
    """Build ``model`` from ``data`` (a form or JSON mapping).

    Raises :class:`FormInvalid` with one message per field (refused characters first, see the
    module's docstring); ``values`` keeps the input (minus passwords) so a re-rendered form
    loses nothing typed.
    """
    cleaned, errors = _screen(model, data)
    try:
        result = model.model_validate(cleaned)
    except ValidationError as error:
        for item in error.errors():
            name, message = _message(model, item)
            errors.setdefault(name, message)
    else:
        if not errors:
            return result
    values = {k: v for k, v in data.items() if "password" not in k}
    raise FormInvalid(errors, values)


def blank_to_none(value: Any) -> Any:
    """Form fields arrive as ``""`` when left empty; treat that (or only invisible characters) as not given."""
    if isinstance(value, str) and is_blank(value):
        return None
    return value
