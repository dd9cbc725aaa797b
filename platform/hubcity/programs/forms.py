"""Application forms as data: field definitions, checking a definition, checking answers.

A form is a JSON list of field dicts (stored in ``ProgramFormVersion.fields``)::

    {"key": "team_intro",            # ASCII identifier, unique in the form
     "type": "long_text",            # one of FIELD_TYPES
     "label_ko": "팀 소개", "label_en": "Team", "help_ko": "", "help_en": "",
     "required": true,
     "max_length": 2000,             # text, long_text (characters)
     "min": 0, "max": 100,           # number
     "choices": [{"value": "a", "label_ko": "…", "label_en": "…"}],   # single/multiple_choice
     "max_files": 1, "allowed_types": ["application/pdf"], "max_bytes": 10485760,  # file
     "prefill": "team_size"}         # optional: a StartupProfile column (PREFILL_SOURCES)

Answers are a dict field key → value: ``str`` for text, long_text and single_choice; ``int`` or
``float`` (or a numeric string) for number; ``list[str]`` for multiple_choice; ISO ``YYYY-MM-DD``
for date; ``list[int]`` of :class:`ApplicationFile` ids for file. Empty means ``None``, ``""`` or
``[]``. Every message is translated in the current language and names the field and the rule.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _

FIELD_TYPES: tuple[str, ...] = ("text", "long_text", "number", "single_choice", "multiple_choice", "date", "file")
#: Default and largest lengths of text answers, in characters.
DEFAULT_MAX_LENGTH = {"text": 200, "long_text": 5000}
MAX_LENGTH_LIMIT = 20000
MAX_FIELDS = 100
#: File types an applicant may upload (sniffed, never taken from the browser).
FILE_TYPES: tuple[str, ...] = (
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.hancom.hwp",
)
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_BYTES_LIMIT = 50 * 1024 * 1024
#: Profile columns a field may be prefilled from (``prefill``).
PREFILL_SOURCES: tuple[str, ...] = (
    "name_ko", "name_en", "one_liner_ko", "one_liner_en", "description_ko", "description_en", "stage",
    "founded_on", "team_size", "location", "country", "website", "funding_raised",
)
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: Limits of the texts of a form definition (characters) and of its choices.
LABEL_MAX = 500
HELP_MAX = 5000
CHOICE_VALUE_MAX = 200
MAX_CHOICES = 200
# C0 control characters but tab, newline and carriage return, and DEL: PostgreSQL cannot store
# a NUL in text, and the others only hide or garble what is shown back.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def has_control_characters(text: str) -> bool:
    """True when ``text`` holds a control character no one types (NUL, ESC, …; not tab or newline)."""
    return bool(_CONTROL.search(text))


def control_characters_message(field: str) -> str:
    """The refusal of a text with control characters, naming ``field``."""
    return _("%(field)s: remove the control characters (such as NUL) from the text.", field=field)


@dataclass(frozen=True)
class Choice:
    value: str
    label_ko: str
    label_en: str

    def label(self, locale: str | None = None) -> str:
        locale = locale or current_locale()
        first, second = (self.label_ko, self.label_en) if locale == "ko" else (self.label_en, self.label_ko)
        return first or second or self.value


@dataclass(frozen=True)
class FieldDef:
    """One field of a form (see the module docstring for the JSON shape)."""

    key: str
    type: str
    label_ko: str = ""
    label_en: str = ""
    help_ko: str = ""
    help_en: str = ""
    required: bool = False
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    choices: tuple[Choice, ...] = ()
    max_files: int = 1
    allowed_types: tuple[str, ...] = FILE_TYPES
    max_bytes: int = DEFAULT_MAX_BYTES
    prefill: str = ""

    def label(self, locale: str | None = None) -> str:
        """The label in ``locale`` (the current language by default), falling back to the other, then the key."""
        locale = locale or current_locale()
        first, second = (self.label_ko, self.label_en) if locale == "ko" else (self.label_en, self.label_ko)
        return first or second or self.key

    def help(self, locale: str | None = None) -> str:
        locale = locale or current_locale()
        first, second = (self.help_ko, self.help_en) if locale == "ko" else (self.help_en, self.help_ko)
        return first or second

    @property
    def text_limit(self) -> int:
        return self.max_length or DEFAULT_MAX_LENGTH.get(self.type, 200)

    def choice_values(self) -> list[str]:
        return [c.value for c in self.choices]

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable dict stored in a form version (only what applies to the type)."""
        data: dict[str, Any] = {
            "key": self.key, "type": self.type, "label_ko": self.label_ko, "label_en": self.label_en,
            "help_ko": self.help_ko, "help_en": self.help_en, "required": self.required,
        }
        if self.type in ("text", "long_text"):
            data["max_length"] = self.text_limit
        if self.type == "number":
            data["min"], data["max"] = self.min, self.max
        if self.type in ("single_choice", "multiple_choice"):
            data["choices"] = [{"value": c.value, "label_ko": c.label_ko, "label_en": c.label_en} for c in self.choices]
        if self.type == "file":
            data.update(max_files=self.max_files, allowed_types=list(self.allowed_types), max_bytes=self.max_bytes)
        if self.prefill:
            data["prefill"] = self.prefill
        return data


@dataclass(frozen=True)
class FormProblems:
    """What is wrong with a form definition: ``errors`` maps ``"fields[3].max_length"``-style
    paths (or ``"fields"``) to a message naming the field and the rule."""

    errors: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.errors)


def _name(raw: Mapping[str, Any], index: int) -> str:
    key = raw.get("key") if isinstance(raw, Mapping) else None
    label = (raw.get("label_en") or raw.get("label_ko")) if isinstance(raw, Mapping) else None
    return str(label or key or _("field %(number)s", number=index + 1))[:80]


def _int_or_none(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    try:
        number = float(value)
    except OverflowError:  # 10**400
        raise ValueError from None
    if not math.isfinite(number) or number != int(number):  # "inf", "1e400", JSON's 1e999: int() would overflow
        raise ValueError
    return int(number)


def _num_or_none(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError
    try:
        number = float(value)
    except OverflowError:  # 10**400
        raise ValueError from None
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError
    return number


def check_definition(fields: Any) -> FormProblems:
    """Every problem of a form definition (a list of field dicts): unknown type, bad or repeated
    key, missing label, limits that are not positive numbers or contradict each other, choice
    fields without choices or with repeated values, unknown file types or prefill sources.
    Returns :class:`FormProblems` (falsy when the form is valid)."""
    errors: dict[str, str] = {}
    if not isinstance(fields, list):
        return FormProblems({"fields": _("The form must be a list of fields.")})
    if not fields:
        return FormProblems({"fields": _("The form has no fields: add at least one question.")})
    if len(fields) > MAX_FIELDS:
        return FormProblems({"fields": _("A form has at most %(limit)s fields.", limit=MAX_FIELDS)})
    seen: set[str] = set()
    for index, raw in enumerate(fields):
        path = f"fields[{index}]"
        name = _name(raw, index)
        if not isinstance(raw, Mapping):
            errors[path] = _("Field %(number)s is not a field definition.", number=index + 1)
            continue
        key = raw.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            errors[f"{path}.key"] = _(
                "%(field)s: the key must start with a letter and use only lower-case letters, digits and _ (at most 64).", field=name
            )
        elif key in seen:
            errors[f"{path}.key"] = _("%(field)s: the key “%(key)s” is used by another field.", field=name, key=key)
        else:
            seen.add(key)
        kind = raw.get("type")
        if kind not in FIELD_TYPES:
            errors[f"{path}.type"] = _(
                "%(field)s: the type must be one of %(types)s.", field=name, types=", ".join(FIELD_TYPES)
            )
            continue
        if not str(raw.get("label_ko") or "").strip() and not str(raw.get("label_en") or "").strip():
            errors[f"{path}.label"] = _("%(field)s: give a Korean or an English label.", field=name)
        for part, limit in (("label", LABEL_MAX), ("help", HELP_MAX)):
            texts = [raw.get(f"{part}_{lang}") for lang in ("ko", "en")]
            if any(t is not None and not isinstance(t, str) for t in texts):
                errors[f"{path}.{part}"] = _("%(field)s: the labels and help must be text.", field=name[:40])
            elif any(len(t or "") > limit for t in texts):
                errors[f"{path}.{part}"] = _("%(field)s: at most %(limit)s characters.", field=name[:40], limit=limit)
            elif any(has_control_characters(t or "") for t in texts):
                errors[f"{path}.{part}"] = control_characters_message(name[:40])
        if not isinstance(raw.get("required", False), bool):
            errors[f"{path}.required"] = _("%(field)s: “required” must be true or false.", field=name)
        if kind in ("text", "long_text"):
            try:
                limit = _int_or_none(raw.get("max_length"))
                if limit is not None and not 1 <= limit <= MAX_LENGTH_LIMIT:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f"{path}.max_length"] = _(
                    "%(field)s: the maximum length must be a whole number from 1 to %(limit)s.", field=name, limit=MAX_LENGTH_LIMIT
                )
        if kind == "number":
            try:
                low, high = _num_or_none(raw.get("min")), _num_or_none(raw.get("max"))
                if low is not None and high is not None and low > high:
                    errors[f"{path}.min"] = _("%(field)s: the minimum is greater than the maximum.", field=name)
            except (TypeError, ValueError):
                errors[f"{path}.min"] = _("%(field)s: the minimum and maximum must be numbers.", field=name)
        if kind in ("single_choice", "multiple_choice"):
            choices = raw.get("choices")
            if not isinstance(choices, list) or not choices:
                errors[f"{path}.choices"] = _("%(field)s: a choice field needs at least one choice.", field=name)
            elif len(choices) > MAX_CHOICES:
                errors[f"{path}.choices"] = _("%(field)s: at most %(limit)s choices.", field=name, limit=MAX_CHOICES)
            elif any(
                not isinstance(c, Mapping) or any(
                    not isinstance(c.get(k) or "", str) or len(c.get(k) or "") > CHOICE_VALUE_MAX or has_control_characters(c.get(k) or "")
                    for k in ("value", "label_ko", "label_en")
                )
                for c in choices
            ):
                errors[f"{path}.choices"] = _(
                    "%(field)s: each choice's value and labels must be text of at most %(limit)s characters.", field=name, limit=CHOICE_VALUE_MAX
                )
            else:
                values = [c.get("value") if isinstance(c, Mapping) else None for c in choices]
                if any(not isinstance(v, str) or not v.strip() for v in values):
                    errors[f"{path}.choices"] = _("%(field)s: every choice needs a value.", field=name)
                elif len(set(values)) != len(values):
                    errors[f"{path}.choices"] = _("%(field)s: two choices have the same value.", field=name)
        if kind == "file":
            try:
                count = _int_or_none(raw.get("max_files"))
                if count is not None and not 1 <= count <= 20:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f"{path}.max_files"] = _("%(field)s: the number of files must be a whole number from 1 to 20.", field=name)
            types = raw.get("allowed_types")
            if types is not None and (
                not isinstance(types, list) or not types or any(t not in FILE_TYPES for t in types)
            ):
                errors[f"{path}.allowed_types"] = _(
                    "%(field)s: the allowed file types must be some of %(types)s.", field=name, types=", ".join(FILE_TYPES)
                )
            try:
                size = _int_or_none(raw.get("max_bytes"))
                if size is not None and not 1 <= size <= MAX_BYTES_LIMIT:
                    raise ValueError
            except (TypeError, ValueError):
                errors[f"{path}.max_bytes"] = _(
                    "%(field)s: the file size limit must be from 1 byte to %(limit)s MB.", field=name, limit=MAX_BYTES_LIMIT // (1024 * 1024)
                )
        prefill = raw.get("prefill") or ""
        if prefill and prefill not in PREFILL_SOURCES:
            errors[f"{path}.prefill"] = _("%(field)s: “%(source)s” is not a profile field that can prefill it.", field=name, source=str(prefill)[:40])
    return FormProblems(errors)


def parse_fields(fields: Any) -> list[FieldDef]:
    """The :class:`FieldDef` list of a form definition. Raises ``ValueError`` (with the problems
    of :func:`check_definition` in ``args[1]``) when the definition is invalid."""
    problems = check_definition(fields)
    if problems:
        raise ValueError("invalid form definition", problems.errors)
    result = []
    for raw in fields:
        kind = raw["type"]
        result.append(
            FieldDef(
                key=raw["key"],
                type=kind,
                label_ko=str(raw.get("label_ko") or ""),
                label_en=str(raw.get("label_en") or ""),
                help_ko=str(raw.get("help_ko") or ""),
                help_en=str(raw.get("help_en") or ""),
                required=bool(raw.get("required", False)),
                max_length=_int_or_none(raw.get("max_length")) if kind in ("text", "long_text") else None,
                min=_num_or_none(raw.get("min")) if kind == "number" else None,
                max=_num_or_none(raw.get("max")) if kind == "number" else None,
                choices=tuple(
                    Choice(str(c["value"]), str(c.get("label_ko") or ""), str(c.get("label_en") or ""))
                    for c in raw.get("choices") or []
                ) if kind in ("single_choice", "multiple_choice") else (),
                max_files=_int_or_none(raw.get("max_files")) or 1,
                allowed_types=tuple(raw.get("allowed_types") or FILE_TYPES),
                max_bytes=_int_or_none(raw.get("max_bytes")) or DEFAULT_MAX_BYTES,
                prefill=str(raw.get("prefill") or ""),
            )
        )
    return result


def normalise_definition(fields: Any) -> list[dict[str, Any]]:
    """A valid form definition in its stored shape (defaults filled in). Raises ``ValueError``
    as :func:`parse_fields`."""
    return [f.to_dict() for f in parse_fields(fields)]


def as_definitions(fields: list[FieldDef] | list[dict[str, Any]]) -> list[FieldDef]:
    """``fields`` as :class:`FieldDef` objects (parsed when given as stored dicts)."""
    if all(isinstance(f, FieldDef) for f in fields):
        return list(fields)  # type: ignore[arg-type]
    return parse_fields(fields)


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, list | tuple) and not value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:  # 10**400 overflows a float; "1e999" (and JSON's 1e999) reads as infinity
        number = float(value.replace(",", "").strip()) if isinstance(value, str) else float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _fmt(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if number == int(number) else str(number)


def check_answer(definition: FieldDef, value: Any) -> str | None:
    """The message for a non-empty ``value`` that breaks ``definition``'s type or limits, or None."""
    name = definition.label()
    kind = definition.type
    if kind in ("text", "long_text", "single_choice"):
        if not isinstance(value, str):
            return _("%(field)s: the answer must be text.", field=name)
        if kind == "single_choice":
            if value not in definition.choice_values():
                return _("%(field)s: “%(value)s” is not one of the choices.", field=name, value=value[:40])
            return None
        if len(value) > definition.text_limit:
            return _(
                "%(field)s: at most %(limit)s characters (this answer has %(count)s).",
                field=name, limit=definition.text_limit, count=len(value),
            )
        if has_control_characters(value):
            return control_characters_message(name)
        return None
    if kind == "number":
        number = _number(value)
        if number is None:
            return _("%(field)s: the answer must be a number.", field=name)
        if definition.min is not None and number < definition.min:
            return _("%(field)s: the smallest allowed number is %(min)s.", field=name, min=_fmt(definition.min))
        if definition.max is not None and number > definition.max:
            return _("%(field)s: the largest allowed number is %(max)s.", field=name, max=_fmt(definition.max))
        return None
    if kind == "multiple_choice":
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return _("%(field)s: the answer must be a list of choices.", field=name)
        unknown = [v for v in value if v not in definition.choice_values()]
        if unknown:
            return _("%(field)s: “%(value)s” is not one of the choices.", field=name, value=unknown[0][:40])
        seen: set[str] = set()
        for choice in value:
            if choice in seen:
                return _("%(field)s: “%(value)s” is chosen more than once.", field=name, value=choice[:40])
            seen.add(choice)
        return None
    if kind == "date":
        if isinstance(value, date):
            return None
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):  # not 2026-W09-1 nor Arabic-Indic digits
            try:
                date.fromisoformat(value.strip())
                return None
            except ValueError:
                pass
        return _("%(field)s: the answer must be a date such as 2026-03-01.", field=name)
    if kind == "file":
        if not isinstance(value, list | tuple) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return _("%(field)s: the answer must be uploaded files.", field=name)
        if len(value) > definition.max_files:
            return _("%(field)s: at most %(limit)s files.", field=name, limit=definition.max_files)
        return None
    return _("%(field)s: this field cannot be answered.", field=name)


def validate_answers(
    fields: list[FieldDef] | list[dict[str, Any]], answers: Mapping[str, Any], *, for_submit: bool
) -> dict[str, str]:
    """Problems of ``answers`` against a form: field key → message naming the field and the rule.

    A draft (``for_submit=False``) may leave any answer empty but still gets wrong types and
    answers over limits refused; submitting also names every empty required answer. Answers to
    keys the form does not have are reported under their key. ``fields``: :class:`FieldDef` list
    or the stored list of dicts (which must be valid: ``ValueError`` otherwise).
    """
    definitions = as_definitions(fields)
    errors: dict[str, str] = {}
    known = {d.key for d in definitions}
    for key in answers:
        if key not in known:
            errors[str(key)] = _("“%(key)s” is not a question of this form.", key=str(key)[:40])
    for definition in definitions:
        value = answers.get(definition.key)
        if is_empty(value):
            if for_submit and definition.required:
                errors[definition.key] = _("%(field)s: an answer is required.", field=definition.label())
            continue
        problem = check_answer(definition, value)
        if problem:
            errors[definition.key] = problem
    return errors


def clean_answers(fields: list[FieldDef], answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` in their stored shape (numbers as int/float, text stripped of trailing
    whitespace); call after :func:`validate_answers` found nothing. Unknown keys are dropped."""
    cleaned: dict[str, Any] = {}
    for definition in fields:
        if definition.key not in answers:
            continue
        value = answers[definition.key]
        if is_empty(value):
            cleaned[definition.key] = None
        elif definition.type == "number":
            number = _number(value)
            cleaned[definition.key] = int(number) if number is not None and number == int(number) else number
        elif definition.type == "date" and isinstance(value, date):
            cleaned[definition.key] = value.isoformat()
        elif isinstance(value, tuple):
            cleaned[definition.key] = list(value)
        else:
            cleaned[definition.key] = value
    return cleaned


def prefill_answers(fields: list[FieldDef], profile: Mapping[str, Any]) -> dict[str, Any]:
    """Answers taken from ``profile`` (a StartupProfile row) for fields with a ``prefill`` source,
    only where the profile has a value that fits the field."""
    answers: dict[str, Any] = {}
    for definition in fields:
        if not definition.prefill:
            continue
        value = profile.get(definition.prefill)
        if isinstance(value, date):
            value = value.isoformat()
        if definition.type in ("text", "long_text") and value is not None and not isinstance(value, str):
            value = str(value)
        if not is_empty(value) and check_answer(definition, value) is None:
            answers[definition.key] = value
    return answers
