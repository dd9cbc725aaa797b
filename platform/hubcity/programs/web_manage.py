"""Web helpers of the program managers' pages and the public call pages: the viewer's time zone,
deadlines as text with a countdown, rules in words, and the conversions between the editors'
HTML forms (flat, indexed input names such as ``fields-2-label_ko``) and the data the services
take (field dicts, rule dicts, review rounds).

The editors keep what was typed as text (``raw`` dicts of strings) so a form re-rendered with
errors, or after "add a field" / "move up", shows exactly what the manager typed; the services
check the converted data and their error keys (``fields[2].max_length``) are mapped back to input
names (``fields-2-max_length``) by the ``*_error_names`` functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

from babel.numbers import format_currency
from litestar import Request, Response
from litestar.plugins.htmx import ClientRedirect
from litestar.response import Redirect, Template

from hubcity.core.i18n import N_, current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.templating import page, wants_fragment
from hubcity.core.timefmt import format_instant
from hubcity.programs import deadlines, eligibility, forms, workflow
from hubcity.programs.services import KINDS, PROGRAM_STATUSES, ROUND_KINDS, SCORING

#: The cookie a small script sets to the browser's zone (``Intl…resolvedOptions().timeZone``).
TZ_COOKIE = "tz"

PROGRAM_STATUS_LABELS: dict[str, str] = {
    "draft": N_("Draft"), "published": N_("Published"), "closed": N_("Closed"), "archived": N_("Archived"),
}
KIND_LABELS: dict[str, str] = {"fund": N_("Fund"), "global_market": N_("Global market programme")}
FIELD_TYPE_LABELS: dict[str, str] = {
    "text": N_("Short text"), "long_text": N_("Long text"), "number": N_("Number"),
    "single_choice": N_("Single choice"), "multiple_choice": N_("Multiple choice"), "date": N_("Date"), "file": N_("File"),
}
ROUND_KIND_LABELS: dict[str, str] = {
    "written": N_("Written review"), "presentation": N_("Presentation"), "interview": N_("Interview"), "site_visit": N_("Site visit"),
}
SCORING_LABELS: dict[str, str] = {
    "mean": N_("Mean of the scores"), "trimmed_mean": N_("Trimmed mean (the highest and lowest score dropped)"),
}
#: Rules the eligibility editor offers, in its order (other registered rules are kept as they are).
EDITOR_RULES: tuple[str, ...] = (
    "founded_within_years", "regions", "sectors", "stages", "team_size", "one_application_per_startup",
)
#: The input of each editor rule an error is shown under.
RULE_INPUT: dict[str, str] = {
    "founded_within_years": "years", "regions": "values", "sectors": "values", "stages": "values", "team_size": "min",
    "one_application_per_startup": "on",
}
DETAIL_FIELDS: tuple[str, ...] = (
    "kind", "family", "title_ko", "title_en", "summary_ko", "summary_en", "description_ko", "description_en",
    "time_zone", "opens_at", "closes_at", "budget", "max_award", "currency", "capacity",
)
_INDEXED = re.compile(r"^fields\[(\d+)\](?:\.(\w+))?$")
_ROUND = re.compile(r"^review_rounds\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?$")
_RULE = re.compile(r"^eligibility\[(\d+)\]$")


# -- responses ------------------------------------------------------------------------------------
def client_ip(request: Request) -> str:
    """The client's address for audit entries (``""`` when unknown)."""
    return request.client.host if request.client else ""


def see_other(request: Request, url: str) -> Response[Any]:
    """After a successful POST: 303 to ``url``, or an HX-Redirect for HTMX requests."""
    return ClientRedirect(url) if wants_fragment(request) else Redirect(url, status_code=303)


def money(amount: int | None, currency: str = "KRW") -> str:
    """``50000000`` (minor units) → ``₩50,000,000`` in the viewer's language; ``""`` for None."""
    if amount is None:
        return ""
    try:
        return format_currency(amount, currency or "KRW", locale=current_locale())
    except Exception:  # an unknown currency code: the number and the code
        return f"{amount:,} {currency}"


def common_context() -> dict[str, Any]:
    """Labels and helpers every programs template may use."""
    return {
        "program_status_labels": PROGRAM_STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "field_type_labels": FIELD_TYPE_LABELS,
        "round_kind_labels": ROUND_KIND_LABELS,
        "scoring_labels": SCORING_LABELS,
        "staff_label": workflow.staff_label,
        "workflow_statuses": list(workflow.WORKFLOW),
        "money": money,
        "round_kind_options": [(k, _(ROUND_KIND_LABELS[k])) for k in ROUND_KINDS],
        "scoring_options": [(k, _(SCORING_LABELS[k])) for k in SCORING],
        "errors": {},
        "values": {},
    }


def render(request: Request, template_name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """:func:`hubcity.core.templating.page` with :func:`common_context`."""
    return page(request, template_name, {**common_context(), **(context or {})}, status_code=status_code)


# -- zones and deadlines --------------------------------------------------------------------------
def viewer_zone(request: Request, agency_zone: ZoneInfo) -> tuple[ZoneInfo, bool]:
    """The viewer's zone from the ``tz`` cookie (an IANA name, URL-encoded or not) and whether it
    came from there: ``(zone, True)``, or ``(agency_zone, False)`` when the cookie is missing or
    names no zone."""
    raw = unquote(request.cookies.get(TZ_COOKIE, "") or "").strip()[:64]
    if raw and deadlines.is_zone(raw):
        return ZoneInfo(raw), True
    return agency_zone, False


def program_zone(program: Mapping[str, Any], agency_zone: ZoneInfo) -> ZoneInfo:
    """The zone of ``program`` (its ``time_zone``; the agency's if it names none)."""
    return deadlines.zone_named(program.get("time_zone"), agency_zone)


def call_state(program: Mapping[str, Any], now: datetime) -> str:
    """``draft`` | ``upcoming`` (published, not open yet) | ``open`` | ``closed`` (closed,
    archived, or published with its closing instant passed)."""
    if program["status"] == "draft":
        return "draft"
    if program["status"] != "published":
        return "closed"
    opens, closes = program.get("opens_at"), program.get("closes_at")
    if opens is not None and now < opens:
        return "upcoming"
    if closes is not None and now >= closes:
        return "closed"
    return "open"


def countdown_template() -> str:
    """The countdown text with ``{d}`` (days) and ``{t}`` (``HH:MM:SS``) for the script to fill."""
    return _("%(days)s days %(time)s left", days="{d}", time="{t}")


def countdown_text(seconds: int | None) -> str:
    """``seconds`` left as the countdown's static text (``6 days 23:59:59 left``); ``""`` for None,
    "Closed" at 0."""
    if seconds is None:
        return ""
    if seconds <= 0:
        return _("Closed")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    return countdown_template().replace("{d}", str(days)).replace("{t}", f"{hours:02d}:{minutes:02d}:{secs:02d}")


def deadline_view(program: Mapping[str, Any], agency_zone: ZoneInfo, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    """The closing instant of ``program`` for a viewer in ``zone``: ``program_text`` (in the
    program's zone), ``viewer_text`` (in ``zone``; ``""`` when it is the same zone),
    ``same_zone``, ``iso`` (UTC, for the countdown script), ``seconds`` left (None: no deadline)
    and the countdown's static ``countdown`` text."""
    own = program_zone(program, agency_zone)
    closes = program.get("closes_at")
    text = deadlines.describe(closes, own, zone, current_locale())
    seconds = deadlines.seconds_remaining(closes, now)
    return {
        "program_text": text.program_zone,
        "viewer_text": text.viewer_zone,
        "same_zone": own.key == zone.key,
        "program_zone": own.key,
        "viewer_zone": zone.key,
        "iso": text.iso_utc,
        "seconds": seconds,
        "countdown": countdown_text(seconds),
        "opens_text": format_instant(program.get("opens_at"), own, current_locale()) if program.get("opens_at") else "",
    }


def rule_in_words(rule: Mapping[str, Any]) -> str:
    """One eligibility rule as a sentence for applicants (translated)."""
    key = str(rule.get("rule"))
    values = ", ".join(str(v) for v in rule.get("values") or [])
    if key == "founded_within_years":
        return _("Founded within the last %(years)s years, counted back from the closing date.", years=rule.get("years"))
    if key == "regions":
        return _("Located in one of: %(values)s.", values=values)
    if key == "sectors":
        return _("Works in at least one of these sectors: %(values)s.", values=values)
    if key == "stages":
        return _("At one of these stages: %(values)s.", values=values)
    if key == "team_size":
        low, high = rule.get("min"), rule.get("max")
        if low is not None and high is not None:
            return _("A team of %(min)s to %(max)s people.", min=low, max=high)
        if low is not None:
            return _("A team of at least %(min)s people.", min=low)
        return _("A team of at most %(max)s people.", max=high)
    if key == "one_application_per_startup":
        return _("One application per startup.")
    return eligibility.rule_name(key)


# -- the details form -----------------------------------------------------------------------------
def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    """An instant as a ``datetime-local`` input value in ``zone`` (``2026-12-01T18:00``)."""
    if value is None:
        return ""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def details_values(program: Mapping[str, Any], agency_zone: ZoneInfo) -> dict[str, str]:
    """A program row as the details form's values (instants typed in the program's zone)."""
    zone = program_zone(program, agency_zone)
    values = {key: "" if program.get(key) is None else str(program.get(key)) for key in DETAIL_FIELDS}
    values["opens_at"] = local_input(program.get("opens_at"), zone)
    values["closes_at"] = local_input(program.get("closes_at"), zone)
    return values


async def details_data(request: Request, agency_zone: ZoneInfo) -> dict[str, str]:
    """The submitted details form: each of :data:`DETAIL_FIELDS` as typed, trimmed (missing ones
    left out; an empty budget or maximum award is 0, an empty time zone the agency's)."""
    form = await request.form()
    data = {key: str(form.get(key) or "").strip() for key in DETAIL_FIELDS if key in form}
    for key in ("budget", "max_award"):
        if key in data and not data[key]:
            data[key] = "0"
    if "time_zone" in data and not data["time_zone"]:
        data["time_zone"] = agency_zone.key
    return data


# -- the form builder -----------------------------------------------------------------------------
def blank_field(kind: str) -> dict[str, Any]:
    """A new, empty builder row of type ``kind`` (``text`` when unknown)."""
    return {
        "key": "", "type": kind if kind in forms.FIELD_TYPES else "text", "label_ko": "", "label_en": "",
        "help_ko": "", "help_en": "", "required": False, "max_length": "", "min": "", "max": "", "choices": "",
        "max_files": "1", "allowed_types": [], "max_mb": "", "prefill": "",
    }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def builder_rows(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored field dicts as builder rows (choices as ``value | Korean | English`` lines, file
    size in MB)."""
    rows = []
    for field in fields:
        row = blank_field(field.get("type", "text"))
        row.update({k: _text(field.get(k)) for k in ("key", "label_ko", "label_en", "help_ko", "help_en", "max_length", "min", "max", "prefill")})
        row["required"] = bool(field.get("required"))
        row["choices"] = "\n".join(
            " | ".join([c.get("value", ""), c.get("label_ko", ""), c.get("label_en", "")]) for c in field.get("choices") or []
        )
        if field.get("type") == "file":
            row["max_files"] = _text(field.get("max_files") or 1)
            types = list(field.get("allowed_types") or [])
            row["allowed_types"] = [] if sorted(types) == sorted(forms.FILE_TYPES) else types
            size = field.get("max_bytes")
            row["max_mb"] = _text(round(size / (1024 * 1024), 3)) if isinstance(size, int) else ""
        rows.append(row)
    return rows


def _indexes(form: Any, prefix: str, suffix: str) -> list[int]:
    pattern = re.compile(rf"^{prefix}-(\d+)-{suffix}$")
    return sorted({int(m.group(1)) for key in form.keys() if (m := pattern.match(key))})


async def builder_rows_from(request: Request) -> tuple[list[dict[str, Any]], str]:
    """The builder rows as submitted (in page order) and the ``_action`` of the button pressed."""
    form = await request.form()
    rows = []
    for index in _indexes(form, "fields", "type"):
        p = f"fields-{index}-"
        row = blank_field(str(form.get(p + "type") or "text"))
        for key in ("key", "label_ko", "label_en", "help_ko", "help_en", "max_length", "min", "max", "choices", "max_files", "max_mb", "prefill"):
            row[key] = str(form.get(p + key) or "")
        row["type"] = str(form.get(p + "type") or "")
        row["required"] = bool(form.get(p + "required"))
        row["allowed_types"] = [str(v) for v in form.getall(p + "allowed_types")] if p + "allowed_types" in form else []
        rows.append(row)
    return rows, str(form.get("_action") or "save")


def parse_choices(text: str) -> list[dict[str, str]]:
    """``value | Korean label | English label`` lines as choice dicts (a line with one part uses
    it as value and both labels; blank lines skipped)."""
    choices = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not any(parts):
            continue
        value = parts[0]
        label_ko = parts[1] if len(parts) > 1 else value
        label_en = parts[2] if len(parts) > 2 else label_ko
        choices.append({"value": value, "label_ko": label_ko, "label_en": label_en})
    return choices


def definition_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Builder rows as the field dicts :func:`hubcity.programs.forms.check_definition` reads
    (numbers left as typed: the check names the ones that are not numbers)."""
    fields = []
    for row in rows:
        kind = row["type"]
        field: dict[str, Any] = {
            "key": row["key"].strip(), "type": kind, "required": bool(row["required"]),
            **{k: row[k].strip() for k in ("label_ko", "label_en", "help_ko", "help_en")},
        }
        if kind in ("text", "long_text"):
            field["max_length"] = row["max_length"].strip() or None
        if kind == "number":
            field["min"], field["max"] = row["min"].strip() or None, row["max"].strip() or None
        if kind in ("single_choice", "multiple_choice"):
            field["choices"] = parse_choices(row["choices"])
        if kind == "file":
            field["max_files"] = row["max_files"].strip() or None
            field["allowed_types"] = list(row["allowed_types"]) or None
            mb = row["max_mb"].strip()
            try:
                field["max_bytes"] = int(float(mb) * 1024 * 1024) if mb else None
            except (ValueError, OverflowError):  # "abc", "nan"; "inf" and "1e400" overflow int()
                field["max_bytes"] = mb
        if row["prefill"].strip():
            field["prefill"] = row["prefill"].strip()
        fields.append(field)
    return fields


def builder_error_names(errors: Mapping[str, str]) -> dict[str, str]:
    """The service's form errors (``fields[2].max_bytes``) keyed by builder input names
    (``fields-2-max_mb``); ``fields`` stays ``fields``."""
    named: dict[str, str] = {}
    for key, message in errors.items():
        match = _INDEXED.match(key)
        if not match:
            named[key] = message
            continue
        index, attr = match.group(1), match.group(2) or "key"
        attr = {"label": "label_ko", "max_bytes": "max_mb"}.get(attr, attr)
        named.setdefault(f"fields-{index}-{attr}", message)
    return named


def apply_row_action(rows: list[dict[str, Any]], action: str, new_type: str = "text") -> list[dict[str, Any]]:
    """``rows`` after a builder button: ``add`` (a blank row of ``new_type``), ``up-N``,
    ``down-N``, ``remove-N``. Unknown actions change nothing."""
    rows = list(rows)
    if action == "add":
        return rows + [blank_field(new_type)]
    name, _sep, number = action.partition("-")
    if not number.isdecimal() or not int(number) < len(rows):
        return rows
    index = int(number)
    if name == "remove":
        del rows[index]
    elif name == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif name == "down" and index + 1 < len(rows):
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


def builder_values(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Builder rows as flat input values (``fields-2-key`` → text) for the form macros."""
    values: dict[str, Any] = {}
    for index, row in enumerate(rows):
        for key, value in row.items():
            values[f"fields-{index}-{key}"] = value
    return values


# -- the eligibility editor -----------------------------------------------------------------------
def _whole_or_raw(text: str) -> Any:
    text = text.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"-?\d+", text) else text


def _list_of(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", text) if part.strip()]


def rules_values(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """A program's rules as the editor's input values (``rule-<key>`` on/off and its parameters)."""
    values: dict[str, Any] = {}
    for rule in rules:
        key = str(rule.get("rule"))
        if key not in EDITOR_RULES:
            continue
        values[f"rule-{key}-on"] = True
        if key == "founded_within_years":
            values[f"rule-{key}-years"] = _text(rule.get("years"))
        elif key in ("regions", "sectors", "stages"):
            values[f"rule-{key}-values"] = ", ".join(str(v) for v in rule.get("values") or [])
        elif key == "team_size":
            values[f"rule-{key}-min"], values[f"rule-{key}-max"] = _text(rule.get("min")), _text(rule.get("max"))
    return values


async def rules_from(request: Request) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The submitted eligibility editor: (rule dicts of the ticked rules, in the editor's order,
    with numbers converted where they are whole numbers, the values as typed)."""
    form = await request.form()
    values: dict[str, Any] = {}
    rules: list[dict[str, Any]] = []
    for key in EDITOR_RULES:
        on = bool(form.get(f"rule-{key}-on"))
        values[f"rule-{key}-on"] = on
        for param in ("years", "values", "min", "max"):
            name = f"rule-{key}-{param}"
            if name in form:
                values[name] = str(form.get(name) or "")
        if not on:
            continue
        rule: dict[str, Any] = {"rule": key}
        if key == "founded_within_years":
            rule["years"] = _whole_or_raw(values.get(f"rule-{key}-years", ""))
        elif key in ("regions", "sectors", "stages"):
            rule["values"] = _list_of(values.get(f"rule-{key}-values", ""))
        elif key == "team_size":
            rule["min"] = _whole_or_raw(values.get(f"rule-{key}-min", ""))
            rule["max"] = _whole_or_raw(values.get(f"rule-{key}-max", ""))
        rules.append(rule)
    return rules, values


def rules_error_names(errors: Mapping[str, str], rules: list[dict[str, Any]]) -> dict[str, str]:
    """The service's ``eligibility[i]`` errors keyed by the editor input of rule ``i``."""
    named: dict[str, str] = {}
    for key, message in errors.items():
        match = _RULE.match(key)
        if match and int(match.group(1)) < len(rules):
            rule = str(rules[int(match.group(1))].get("rule"))
            named[f"rule-{rule}-{RULE_INPUT.get(rule, 'on')}"] = message
        else:
            named[key] = message
    return named


# -- the review rounds editor ---------------------------------------------------------------------
def blank_criterion() -> dict[str, str]:
    return {"key": "", "label_ko": "", "label_en": "", "weight": "1", "scale_min": "1", "scale_max": "5"}


def blank_round(order: int) -> dict[str, Any]:
    return {
        "name_ko": "", "name_en": "", "kind": "written", "order": str(order), "scoring": "mean", "advance": "0",
        "criteria": [blank_criterion()],
    }


def round_rows(rounds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored review rounds as editor rows (every value as text)."""
    rows = []
    for rnd in rounds:
        row = {k: _text(rnd.get(k)) for k in ("name_ko", "name_en", "kind", "order", "scoring", "advance")}
        row["criteria"] = [
            {k: _text(c.get(k)) for k in ("key", "label_ko", "label_en", "weight", "scale_min", "scale_max")}
            for c in rnd.get("rubric") or []
        ]
        rows.append(row)
    return rows


async def round_rows_from(request: Request) -> tuple[list[dict[str, Any]], str]:
    """The submitted rounds editor rows (page order) and the ``_action`` of the button pressed."""
    form = await request.form()
    rows = []
    for index in _indexes(form, "rounds", "kind"):
        p = f"rounds-{index}-"
        row: dict[str, Any] = {k: str(form.get(p + k) or "") for k in ("name_ko", "name_en", "kind", "order", "scoring", "advance")}
        row["criteria"] = [
            {k: str(form.get(f"{p}criteria-{c}-{k}") or "") for k in ("key", "label_ko", "label_en", "weight", "scale_min", "scale_max")}
            for c in _indexes(form, f"rounds-{index}-criteria", "key")
        ]
        rows.append(row)
    return rows, str(form.get("_action") or "save")


def _number_or_raw(text: str) -> Any:
    text = text.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return int(number) if number == int(number) and "." not in text else number


def rounds_of(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Editor rows as review rounds for :func:`hubcity.programs.services.validate_review_rounds`
    (numbers converted where they are numbers, left as typed otherwise so the check names them)."""
    rounds = []
    for row in rows:
        rounds.append({
            "name_ko": row["name_ko"].strip(), "name_en": row["name_en"].strip(), "kind": row["kind"],
            "order": _whole_or_raw(row["order"]), "scoring": row["scoring"], "advance": _whole_or_raw(row["advance"]),
            "rubric": [
                {"key": c["key"].strip(), "label_ko": c["label_ko"].strip(), "label_en": c["label_en"].strip(),
                 "weight": _number_or_raw(c["weight"]), "scale_min": _whole_or_raw(c["scale_min"]),
                 "scale_max": _whole_or_raw(c["scale_max"])}
                for c in row["criteria"]
            ],
        })
    return rounds


def rounds_error_names(errors: Mapping[str, str], rounds: list[dict[str, Any]]) -> dict[str, str]:
    """The service's ``review_rounds[i]…`` errors keyed by editor input names: a criterion's error
    goes under its weight when the weight is not a positive number, else under its scale, else
    its key; ``…name`` under the Korean name."""
    named: dict[str, str] = {}
    for key, message in errors.items():
        match = _ROUND.match(key)
        if not match:
            named["rounds" if key == "review_rounds" else key] = message
            continue
        index, attr, sub = int(match.group(1)), match.group(2), match.group(3)
        if attr is None:
            named[f"rounds-{index}-name_ko"] = message
        elif attr == "rubric" and sub is not None:
            criterion = rounds[index]["rubric"][int(sub)] if index < len(rounds) and int(sub) < len(rounds[index]["rubric"]) else {}
            weight = criterion.get("weight")
            bad_weight = not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0
            if bad_weight:
                part = "weight"
            elif not criterion.get("key"):
                part = "key"
            else:
                part = "scale_min"
            named[f"rounds-{index}-criteria-{sub}-{part}"] = message
        elif attr == "name":
            named[f"rounds-{index}-name_ko"] = message
        else:
            named[f"rounds-{index}-{attr}"] = message
    return named


def apply_round_action(rows: list[dict[str, Any]], action: str) -> list[dict[str, Any]]:
    """``rows`` after a rounds editor button: ``add-round``, ``remove-round-N``,
    ``add-criterion-N``, ``remove-criterion-N-M``. Unknown actions change nothing."""
    rows = [dict(r, criteria=list(r["criteria"])) for r in rows]
    parts = action.split("-")
    numbers = [int(p) for p in parts[2:] if p.isdecimal()]
    if action == "add-round":
        orders = [int(r["order"]) for r in rows if str(r["order"]).isdecimal()]
        return rows + [blank_round(max(orders, default=0) + 1)]
    if not numbers or numbers[0] >= len(rows):
        return rows
    index = numbers[0]
    if action.startswith("remove-round-"):
        del rows[index]
    elif action.startswith("add-criterion-"):
        rows[index]["criteria"].append(blank_criterion())
    elif action.startswith("remove-criterion-") and len(numbers) > 1 and numbers[1] < len(rows[index]["criteria"]):
        del rows[index]["criteria"][numbers[1]]
    return rows


def round_values(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Rounds editor rows as flat input values (``rounds-0-criteria-1-weight`` → text)."""
    values: dict[str, Any] = {}
    for index, row in enumerate(rows):
        for key, value in row.items():
            if key != "criteria":
                values[f"rounds-{index}-{key}"] = value
        for c_index, criterion in enumerate(row["criteria"]):
            for key, value in criterion.items():
                values[f"rounds-{index}-criteria-{c_index}-{key}"] = value
    return values


#: Choices of the selects, for the templates.
OPTIONS: dict[str, tuple[str, ...]] = {
    "kinds": KINDS, "statuses": PROGRAM_STATUSES, "field_types": forms.FIELD_TYPES, "round_kinds": ROUND_KINDS,
    "scoring": SCORING, "file_types": forms.FILE_TYPES, "prefill": forms.PREFILL_SOURCES,
}
