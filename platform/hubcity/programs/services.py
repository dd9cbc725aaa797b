"""Programs (calls) and the core state of applications: the rules and transactions.

:class:`ProgramService` — program managers create, edit, publish, close and archive calls, edit
their (versioned) forms, publish notices and answer questions. :class:`ApplicationService` —
startups check eligibility, start, save and submit applications, withdraw; staff move them
through screening (:mod:`hubcity.programs.workflow` is the only source of allowed moves) and
grant deadline extensions. Every change is audited; every transition writes an
:class:`ApplicationEvent` and notifies the applicant's members in their language.

Errors (from :mod:`hubcity.core.errors`, messages translated): FormInvalid (field → message,
nothing saved), NotFoundError (missing or not visible: never says which), NotPermittedError
(visible but not yours to do), InvalidStateError (the status does not allow it, the deadline
has passed), ConflictError (stale revision, second application). Never imports Litestar.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import ConflictError, FormInvalid, InvalidStateError, NotFoundError, NotPermittedError
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.notify import Notifier
from hubcity.core.viewer import Viewer
from hubcity.programs.jobs import ensure_scheduled as ensure_reminders_scheduled
from hubcity.programs import deadlines, eligibility, forms, workflow
from hubcity.programs.repositories import (
    ApplicationRepository,
    ApplicationScope,
    ProgramRepository,
    is_unique_violation,
    members_of,
    snapshot_of,
    write_transaction,
)

KINDS: tuple[str, ...] = ("fund", "global_market")
PROGRAM_STATUSES: tuple[str, ...] = ("draft", "published", "closed", "archived")
SCORING: tuple[str, ...] = ("mean", "trimmed_mean")
ROUND_KINDS: tuple[str, ...] = ("written", "presentation", "interview", "site_visit")
_FAMILY = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
#: Program columns :meth:`ProgramService.create`/``update`` accept.
PROGRAM_FIELDS: tuple[str, ...] = (
    "kind", "family", "title_ko", "title_en", "summary_ko", "summary_en", "description_ko", "description_en",
    "time_zone", "opens_at", "closes_at", "budget", "max_award", "currency", "capacity", "eligibility", "review_rounds",
)
_TEXT_LIMITS = {"title_ko": 200, "title_en": 200, "summary_ko": 1000, "summary_en": 1000, "description_ko": 20000, "description_en": 20000}
MAX_BIGINT = 2**63 - 1
#: Longest text of a notice, of an answer to a question (characters).
NOTICE_BODY_MAX = 20000
ANSWER_MAX = 5000


def _may_run_programs(viewer: Viewer | None) -> bool:
    return bool(viewer and viewer.has_role("program_manager"))


def _require_manager(viewer: Viewer | None) -> Viewer:
    if not _may_run_programs(viewer):
        raise NotPermittedError(_("Only program managers may do this."))
    assert viewer is not None
    return viewer


def _instant(value: Any, zone: ZoneInfo) -> Any:
    """An aware UTC datetime from a datetime or ISO text (no offset: read in ``zone``); other
    values unchanged (for validation to report)."""
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return deadlines.local_to_utc(value, zone)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=zone)).astimezone(UTC)
    return value


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().replace(",", "").lstrip("-").isdigit():
        return int(value.strip().replace(",", ""))
    raise ValueError


def validate_review_rounds(rounds: Any) -> dict[str, str]:
    """Problems of a program's review rounds: ``"review_rounds[i]..."`` → message. Each round:
    ``{name_ko, name_en, kind (ROUND_KINDS), order (int ≥ 1, unique), rubric: [{key, label_ko,
    label_en, weight (> 0), scale_min, scale_max (ints, min < max)}], scoring (SCORING),
    advance (int ≥ 0)}``. An empty list is valid."""
    if not isinstance(rounds, list):
        return {"review_rounds": _("The review rounds must be a list.")}
    errors: dict[str, str] = {}
    orders: set[int] = set()
    for index, rnd in enumerate(rounds):
        path = f"review_rounds[{index}]"
        name = _("Round %(number)s", number=index + 1)
        if not isinstance(rnd, Mapping):
            errors[path] = _("%(round)s is not a review round.", round=name)
            continue
        if not str(rnd.get("name_ko") or "").strip() and not str(rnd.get("name_en") or "").strip():
            errors[f"{path}.name"] = _("%(round)s: give a Korean or an English name.", round=name)
        if rnd.get("kind") not in ROUND_KINDS:
            errors[f"{path}.kind"] = _("%(round)s: the kind must be one of %(kinds)s.", round=name, kinds=", ".join(ROUND_KINDS))
        order = rnd.get("order")
        if not isinstance(order, int) or isinstance(order, bool) or order < 1 or order in orders:
            errors[f"{path}.order"] = _("%(round)s: the order must be a whole number from 1, different for each round.", round=name)
        else:
            orders.add(order)
        if rnd.get("scoring") not in SCORING:
            errors[f"{path}.scoring"] = _("%(round)s: the scoring must be mean or trimmed_mean.", round=name)
        advance = rnd.get("advance")
        if not isinstance(advance, int) or isinstance(advance, bool) or advance < 0:
            errors[f"{path}.advance"] = _("%(round)s: how many advance must be a whole number (0 or more).", round=name)
        rubric = rnd.get("rubric")
        if not isinstance(rubric, list) or not rubric:
            errors[f"{path}.rubric"] = _("%(round)s: the rubric needs at least one criterion.", round=name)
            continue
        keys: set[str] = set()
        for c_index, criterion in enumerate(rubric):
            c_path = f"{path}.rubric[{c_index}]"
            if not isinstance(criterion, Mapping) or not isinstance(criterion.get("key"), str) or not criterion["key"] or criterion["key"] in keys:
                errors[c_path] = _("%(round)s, criterion %(number)s: each criterion needs a key of its own.", round=name, number=c_index + 1)
                continue
            keys.add(criterion["key"])
            weight, low, high = criterion.get("weight"), criterion.get("scale_min"), criterion.get("scale_max")
            if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
                errors[c_path] = _("%(round)s, criterion %(number)s: the weight must be a positive number.", round=name, number=c_index + 1)
            elif not all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) or low >= high:
                errors[c_path] = _("%(round)s, criterion %(number)s: the scale must be two whole numbers, the lower first.", round=name, number=c_index + 1)
    return errors


def check_program_values(data: Mapping[str, Any], zone: ZoneInfo) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` (any of :data:`PROGRAM_FIELDS`) checked and converted: (column values, errors).
    Instants are read as ISO text or datetimes (no offset: in the program's ``time_zone`` if
    given, else ``zone``); money as whole numbers of minor units."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    unknown = [k for k in data if k not in PROGRAM_FIELDS and not str(k).startswith("_")]
    for key in unknown:
        errors[str(key)] = _("“%(key)s” is not a field of a program.", key=str(key)[:40])
    if "time_zone" in data:
        if deadlines.is_zone(data["time_zone"]):
            values["time_zone"] = data["time_zone"]
            zone = ZoneInfo(data["time_zone"])
        else:
            errors["time_zone"] = _("Time zone: “%(value)s” is not a time zone name such as Asia/Seoul.", value=str(data["time_zone"])[:40])
    if "kind" in data:
        if data["kind"] in KINDS:
            values["kind"] = data["kind"]
        else:
            errors["kind"] = _("Kind: choose fund or global_market.")
    if "family" in data:
        family = str(data["family"] or "").strip()
        if _FAMILY.match(family):
            values["family"] = family
        else:
            errors["family"] = _("Family: use lower-case letters, digits and hyphens (for example ai-seed-fund).")
    for key, limit in _TEXT_LIMITS.items():
        if key in data:
            text = data[key]
            if not isinstance(text, str):
                errors[key] = _("%(field)s: the value must be text.", field=key)
            elif len(text) > limit:
                errors[key] = _("%(field)s: at most %(limit)s characters.", field=key, limit=limit)
            elif forms.has_control_characters(text):
                errors[key] = forms.control_characters_message(key)
            else:
                values[key] = text.strip()
    for key in ("opens_at", "closes_at"):
        if key in data:
            value = _instant(data[key], zone)
            if value is not None and not isinstance(value, datetime):
                errors[key] = _("%(field)s: give a date and time such as 2026-12-01T18:00.", field=key)
            else:
                values[key] = value
    for key in ("budget", "max_award"):
        if key in data:
            try:
                amount = _whole(data[key])
                if amount is None or not 0 <= amount <= MAX_BIGINT:
                    raise ValueError
                values[key] = amount
            except ValueError:
                errors[key] = _("%(field)s: give a whole amount (0 or more) in the currency's smallest unit.", field=key)
    if "currency" in data:
        if isinstance(data["currency"], str) and _CURRENCY.match(data["currency"]):
            values["currency"] = data["currency"]
        else:
            errors["currency"] = _("Currency: a three-letter code such as KRW.")
    if "capacity" in data:
        try:
            capacity = None if data["capacity"] in (None, "") else _whole(data["capacity"])
            if capacity is not None and not 1 <= capacity <= 100000:
                raise ValueError
            values["capacity"] = capacity
        except ValueError:
            errors["capacity"] = _("Capacity: a whole number of awards from 1, or empty for no limit.")
    if "eligibility" in data:
        problems = eligibility.check_rules_definition(data["eligibility"])
        errors.update(problems)
        if not problems:
            values["eligibility"] = list(data["eligibility"])
    if "review_rounds" in data:
        problems = validate_review_rounds(data["review_rounds"])
        errors.update(problems)
        if not problems:
            values["review_rounds"] = sorted(data["review_rounds"], key=lambda r: r["order"])
    return values, errors


def publish_problems(program: Mapping[str, Any], form_fields: list[dict[str, Any]] | None) -> dict[str, str]:
    """What stops ``program`` (a row) from being published: titles, instants (opens < closes),
    budget ≥ max award > 0, a valid form, valid rules and rounds. Empty when it may be published."""
    errors: dict[str, str] = {}
    if not (program.get("title_ko") or "").strip() and not (program.get("title_en") or "").strip():
        errors["title"] = _("Title: give a Korean or an English title.")
    opens, closes = program.get("opens_at"), program.get("closes_at")
    if opens is None:
        errors["opens_at"] = _("Opens at: set when the call opens.")
    if closes is None:
        errors["closes_at"] = _("Closes at: set when the call closes.")
    if opens is not None and closes is not None and opens >= closes:
        errors["closes_at"] = _("Closes at: the call must close after it opens.")
    if not program.get("max_award"):
        errors["max_award"] = _("Maximum award: give an amount above 0.")
    elif program.get("budget", 0) < program["max_award"]:
        errors["budget"] = _("Budget: the budget must be at least the maximum award.")
    if form_fields is None:
        errors["form"] = _("Form: the program has no application form yet.")
    else:
        errors.update(forms.check_definition(form_fields).errors)
    errors.update(eligibility.check_rules_definition(program.get("eligibility") or []))
    errors.update(validate_review_rounds(program.get("review_rounds") or []))
    return errors


class ProgramService:
    """Programs as program managers run them and as everyone reads them.

    zone: the agency's zone (``settings.zone``), the default ``time_zone`` of a new program.
    notifier: writes notifications (None: none are sent). public_url: base of links in emails.
    """

    def __init__(self, zone: ZoneInfo, notifier: Notifier | None = None, public_url: str = ""):
        self.zone = zone
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.programs = ProgramRepository()

    # -- reading --------------------------------------------------------------------------------
    async def get(self, program_id: int, viewer: Viewer | None) -> dict[str, Any]:
        """Program ``program_id`` (row dict). Drafts only for program managers; else NotFoundError."""
        row = await self.programs.get(program_id)
        if row is None or (row["status"] == "draft" and not _may_run_programs(viewer)):
            raise NotFoundError(_("There is no program at this address."))
        return row

    async def listing(self, viewer: Viewer | None, *, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
        """Programs ``viewer`` may see in ``statuses`` (default: published and closed for the
        public, every status for program managers)."""
        visible = PROGRAM_STATUSES if _may_run_programs(viewer) else ("published", "closed")
        wanted = tuple(s for s in (statuses or visible) if s in visible)
        return await self.programs.listing(wanted)

    async def form(self, program_id: int) -> tuple[dict[str, Any] | None, list[forms.FieldDef]]:
        """(current form version row or None, its fields as :class:`FieldDef`)."""
        row = await self.programs.get(program_id)
        version = await self.programs.form_version(row["current_form_version"]) if row else None
        return version, forms.as_definitions(version["fields"]) if version and version["fields"] else []

    # -- writing --------------------------------------------------------------------------------
    async def create(self, viewer: Viewer, data: Mapping[str, Any], *, form: list[dict[str, Any]] | None = None, ip: str = "") -> dict[str, Any]:
        """A draft program from ``data`` (:data:`PROGRAM_FIELDS`; ``title_*`` and ``family``
        required) and optionally its first ``form`` (field dicts). Program managers only
        (NotPermittedError). Raises FormInvalid naming every bad field. Audits ``program.created``."""
        _require_manager(viewer)
        values, errors = check_program_values(data, self.zone)
        if not (values.get("title_ko") or values.get("title_en")) and "title_ko" not in errors and "title_en" not in errors:
            errors["title"] = _("Title: give a Korean or an English title.")
        if "family" not in data:
            errors["family"] = _("Family: use lower-case letters, digits and hyphens (for example ai-seed-fund).")
        fields = None
        if form is not None:
            problems = forms.check_definition(form)
            errors.update(problems.errors)
            if not problems:
                fields = forms.normalise_definition(form)
        if errors:
            raise FormInvalid(errors, dict(data))
        now = utcnow()
        values.setdefault("time_zone", self.zone.key)
        values.update(status="draft", created_by=viewer.id, created_at=now, updated_at=now)
        async with write_transaction():
            program_id = await self.programs.insert(values)
            if fields is not None:
                version_id = await self.programs.insert_form_version(program_id, 1, fields, viewer.id)
                await self.programs.update(program_id, {"current_form_version": version_id})
            await audit.record("program.created", actor_id=viewer.id, object_type="program", object_id=program_id, after=values, ip=ip)
        return await self.get(program_id, viewer)

    async def update(self, program_id: int, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> dict[str, Any]:
        """Change the given fields of a draft or published program (program managers). A
        published program keeps opens < closes and budget ≥ max award (FormInvalid otherwise).
        InvalidStateError for a closed or archived program. Audits ``program.updated``."""
        _require_manager(viewer)
        async with write_transaction():
            current = await self.get(program_id, viewer)
            if current["status"] not in ("draft", "published"):
                raise InvalidStateError(_("A closed or archived program cannot be changed."))
            zone = deadlines.zone_named(current["time_zone"], self.zone)
            values, errors = check_program_values(data, zone)
            if errors:
                raise FormInvalid(errors, dict(data))
            if current["status"] == "published":
                merged = {**current, **values}
                problems = {k: v for k, v in publish_problems(merged, []).items() if k not in ("form",) and not k.startswith("fields")}
                if problems:
                    raise FormInvalid(problems, dict(data))
            changed = {k: v for k, v in values.items() if current.get(k) != v}
            if changed:
                await self.programs.update(program_id, {**changed, "updated_at": utcnow()})
                await audit.record(
                    "program.updated", actor_id=viewer.id, object_type="program", object_id=program_id,
                    before={k: current.get(k) for k in changed}, after=changed, ip=ip,
                )
        return await self.get(program_id, viewer)

    async def set_form(self, program_id: int, viewer: Viewer, fields: list[dict[str, Any]], *, ip: str = "") -> dict[str, Any]:
        """Make ``fields`` the program's form; returns the form version row now current.

        The current version is changed in place only while the program is a draft and no
        application uses it; otherwise a new version (number + 1) is written and applications
        keep the version they started on. FormInvalid for a bad definition; InvalidStateError
        for a closed or archived program. Audits ``program.form_changed``."""
        _require_manager(viewer)
        problems = forms.check_definition(fields)
        if problems:
            raise FormInvalid(problems.errors, {"fields": fields})
        stored = forms.normalise_definition(fields)
        async with write_transaction():
            program = await self.get(program_id, viewer)
            if program["status"] not in ("draft", "published"):
                raise InvalidStateError(_("A closed or archived program cannot be changed."))
            current_id = program["current_form_version"]
            frozen = program["status"] != "draft" or (current_id is not None and await self.programs.version_in_use(current_id))
            if current_id is not None and not frozen:
                await self.programs.replace_form_fields(current_id, stored)
                version_id = current_id
            else:
                number = await self.programs.last_version_number(program_id) + 1
                version_id = await self.programs.insert_form_version(program_id, number, stored, viewer.id)
                await self.programs.update(program_id, {"current_form_version": version_id, "updated_at": utcnow()})
            await audit.record(
                "program.form_changed", actor_id=viewer.id, object_type="program", object_id=program_id,
                before={"form_version": current_id}, after={"form_version": version_id}, ip=ip,
            )
        version = await self.programs.form_version(version_id)
        assert version is not None
        return version

    async def publish(self, program_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """draft → published. FormInvalid naming each problem (:func:`publish_problems`);
        InvalidStateError unless a draft. Audits ``program.published``."""
        _require_manager(viewer)
        async with write_transaction():
            program = await self.get(program_id, viewer)
            if program["status"] != "draft":
                raise InvalidStateError(_("Only a draft program can be published."))
            version = await self.programs.form_version(program["current_form_version"])
            problems = publish_problems(program, version["fields"] if version else None)
            if problems:
                raise FormInvalid(problems, {}, _("The program cannot be published yet: %(count)s problems.", count=len(problems)))
            now = utcnow()
            await self.programs.update(program_id, {"status": "published", "published_at": now, "updated_at": now})
            await audit.record(
                "program.published", actor_id=viewer.id, object_type="program", object_id=program_id,
                before={"status": "draft"}, after={"status": "published"}, ip=ip,
            )
        return await self.get(program_id, viewer)

    async def _move(self, program_id: int, viewer: Viewer, allowed: tuple[str, ...], to: str, message: str, ip: str) -> dict[str, Any]:
        _require_manager(viewer)
        async with write_transaction():
            program = await self.get(program_id, viewer)
            if program["status"] not in allowed:
                raise InvalidStateError(message)
            await self.programs.update(program_id, {"status": to, "updated_at": utcnow()})
            await audit.record(
                f"program.{to}", actor_id=viewer.id, object_type="program", object_id=program_id,
                before={"status": program["status"]}, after={"status": to}, ip=ip,
            )
        return await self.get(program_id, viewer)

    async def close(self, program_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """published → closed (stays publicly visible). InvalidStateError otherwise. Audits ``program.closed``."""
        return await self._move(program_id, viewer, ("published",), "closed", _("Only a published program can be closed."), ip)

    async def archive(self, program_id: int, viewer: Viewer, *, ip: str = "") -> dict[str, Any]:
        """draft or closed → archived. InvalidStateError otherwise. Audits ``program.archived``."""
        return await self._move(program_id, viewer, ("draft", "closed"), "archived", _("Close the program before archiving it."), ip)

    # -- notices and questions ------------------------------------------------------------------
    async def publish_notice(self, program_id: int, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> int:
        """Publish a notice (``title_ko/en``, ``body_ko/en``; a title and body in at least one
        language) on a published or closed program and notify every applicant's members in
        their language. Returns the notice id. FormInvalid; NotPermittedError for non-managers."""
        _require_manager(viewer)
        errors: dict[str, str] = {}
        values = {k: str(data.get(k) or "").strip() for k in ("title_ko", "title_en", "body_ko", "body_en")}
        if not values["title_ko"] and not values["title_en"]:
            errors["title"] = _("Title: give a Korean or an English title.")
        if not values["body_ko"] and not values["body_en"]:
            errors["body"] = _("Text: write the notice in Korean or English.")
        if any(len(values[k]) > 200 for k in ("title_ko", "title_en")):
            errors["title"] = _("Title: at most %(limit)s characters.", limit=200)
        if any(len(values[k]) > NOTICE_BODY_MAX for k in ("body_ko", "body_en")):
            errors["body"] = _("Text: at most %(limit)s characters.", limit=NOTICE_BODY_MAX)
        for part, label in (("title", _("Title")), ("body", _("Text"))):
            if part not in errors and any(forms.has_control_characters(values[f"{part}_{lang}"]) for lang in ("ko", "en")):
                errors[part] = forms.control_characters_message(label)
        if errors:
            raise FormInvalid(errors, dict(data))
        async with write_transaction():
            program = await self.get(program_id, viewer)
            if program["status"] not in ("published", "closed"):
                raise InvalidStateError(_("Notices are published on published or closed programs only."))
            notice = {**values, "program": program_id, "published_at": utcnow(), "published_by": viewer.id}
            notice_id = await self.programs.insert_notice(notice)
            await audit.record("program.notice_published", actor_id=viewer.id, object_type="program", object_id=program_id, after=notice, ip=ip)
            if self.notifier:
                for person in await self.programs.applicant_people(program_id):
                    await self.notifier.notify(
                        to_email=person["email"], locale=person["locale"], recipient_id=person["id"],
                        template="program_notice_published",
                        context={"program": program, "notice": notice, "link": f"{self.public_url}/calls/{program_id}"},
                    )
        return notice_id

    async def notices(self, program_id: int, viewer: Viewer | None) -> list[dict[str, Any]]:
        """Published notices of a program the viewer may see, newest first."""
        await self.get(program_id, viewer)
        return await self.programs.notices(program_id)

    async def ask(self, program_id: int, viewer: Viewer | None, question: str) -> int:
        """Record a question about a published program (``viewer`` None: anonymous). FormInvalid
        when empty or over 2000 characters. Returns its id."""
        text = (question or "").strip()
        if not text or len(text) > 2000:
            raise FormInvalid({"question": _("Question: write from 1 to %(limit)s characters.", limit=2000)}, {"question": question})
        if forms.has_control_characters(text):
            raise FormInvalid({"question": forms.control_characters_message(_("Question"))}, {"question": question})
        program = await self.get(program_id, viewer)
        if program["status"] != "published":
            raise InvalidStateError(_("Questions are taken while the call is open."))
        return await self.programs.insert_question(
            {"program": program_id, "asked_by": viewer.id if viewer else None, "question": text, "created_at": utcnow()}
        )

    async def answer(self, question_id: int, viewer: Viewer, *, answer_ko: str = "", answer_en: str = "", publish: bool = True, ip: str = "") -> None:
        """Answer question ``question_id`` (in one or both languages) and publish it on the call
        page unless ``publish`` is False. FormInvalid when both answers are empty. Audited."""
        _require_manager(viewer)
        if not answer_ko.strip() and not answer_en.strip():
            raise FormInvalid({"answer": _("Answer: write it in Korean or English.")}, {"answer_ko": answer_ko, "answer_en": answer_en})
        if max(len(answer_ko), len(answer_en)) > ANSWER_MAX:
            raise FormInvalid({"answer": _("Answer: at most %(limit)s characters.", limit=ANSWER_MAX)}, {"answer_ko": answer_ko, "answer_en": answer_en})
        if forms.has_control_characters(answer_ko + answer_en):
            raise FormInvalid({"answer": forms.control_characters_message(_("Answer"))}, {"answer_ko": answer_ko, "answer_en": answer_en})
        row = await self.programs.question(question_id)
        if row is None:
            raise NotFoundError(_("There is no question at this address."))
        values = {"answer_ko": answer_ko.strip(), "answer_en": answer_en.strip(), "answered_by": viewer.id,
                  "published_at": utcnow() if publish else None}
        async with write_transaction():
            await self.programs.update_question(question_id, values)
            await audit.record("program.question_answered", actor_id=viewer.id, object_type="program_question", object_id=question_id, after=values, ip=ip)

    async def questions(self, program_id: int, viewer: Viewer | None) -> list[dict[str, Any]]:
        """Questions of a program: published ones, or every one for program managers."""
        await self.get(program_id, viewer)
        return await self.programs.questions(program_id, published_only=not _may_run_programs(viewer))

    # -- program managers' pages ----------------------------------------------------------------
    async def save_details(self, program_id: int | None, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> dict[str, Any]:
        """Create (``program_id`` None) or update a program from its details form, checking the
        fields together first: closes after opens, maximum award not above the budget (with the
        stored values for fields not given), and for a new program a title and a family. Raises
        FormInvalid naming every bad field (nothing written), then as :meth:`create`/:meth:`update`."""
        _require_manager(viewer)
        current: dict[str, Any] = await self.get(program_id, viewer) if program_id is not None else {}
        values, errors = check_program_values(data, deadlines.zone_named(current.get("time_zone"), self.zone))
        merged = {**current, **values}
        if program_id is None:
            if not (values.get("title_ko") or values.get("title_en")) and "title_ko" not in errors and "title_en" not in errors:
                errors["title"] = _("Title: give a Korean or an English title.")
            if "family" not in data:
                errors["family"] = _("Family: use lower-case letters, digits and hyphens (for example ai-seed-fund).")
        opens, closes = merged.get("opens_at"), merged.get("closes_at")
        if (
            "opens_at" not in errors and "closes_at" not in errors
            and isinstance(opens, datetime) and isinstance(closes, datetime) and closes <= opens
        ):
            errors["closes_at"] = _("Closes at: the call must close after it opens.")
        budget, max_award = merged.get("budget") or 0, merged.get("max_award") or 0
        if "budget" not in errors and "max_award" not in errors and max_award > budget:
            errors["max_award"] = _("Maximum award: it cannot be more than the budget.")
        if errors:
            raise FormInvalid(errors, dict(data))
        if program_id is None:
            return await self.create(viewer, data, ip=ip)
        return await self.update(program_id, viewer, data, ip=ip)

    async def form_state(self, program_id: int, viewer: Viewer) -> dict[str, Any]:
        """The form builder's view of a program's form (program managers): ``version`` (the
        current form version row or None), ``fields`` (stored field dicts), ``frozen`` (True when
        saving writes a new version: the program is not a draft or an application uses the
        current version), ``in_use`` (applications on the current version) and ``versions`` (how
        many versions exist)."""
        _require_manager(viewer)
        program = await self.get(program_id, viewer)
        version = await self.programs.form_version(program["current_form_version"])
        in_use = 0
        if version is not None:
            in_use = sum(
                1 for a in await ApplicationRepository().listing(ApplicationScope(staff=True), program_id=program_id)
                if a["form_version"] == version["id"]
            )
        return {
            "version": version,
            "fields": list(version["fields"]) if version else [],
            "frozen": program["status"] != "draft" or in_use > 0,
            "in_use": in_use,
            "versions": await self.programs.last_version_number(program_id),
        }

    async def application_counts(self, program_ids: list[int]) -> dict[int, dict[str, int]]:
        """Applications per status of each program: id → {status key → count} (numbers only, for
        listings of programs the caller already may see)."""
        return await self.programs.application_counts(program_ids)


@dataclass(frozen=True)
class EligibilityReport:
    """The eligibility of one startup for one program: ``results`` per rule, ``eligible`` when
    every rule passed (and the program takes applications now: ``open``)."""

    results: list[eligibility.RuleResult]
    open: bool

    @property
    def eligible(self) -> bool:
        return self.open and all(r.passed for r in self.results)

    @property
    def failed(self) -> list[eligibility.RuleResult]:
        return eligibility.failures(self.results)


#: The longest extension of one application's deadline, past the call's close (or today, if later).
MAX_EXTENSION = timedelta(days=365)


class ApplicationService:
    """Applications: start, save, submit, withdraw, screening transitions and extensions.

    notifier: writes notifications to the applicant's members (None: none are sent).
    public_url: base of links in emails. clock: the source of "now" (tests may fix it).
    """

    def __init__(self, notifier: Notifier | None = None, public_url: str = "", clock: Any = utcnow):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.programs = ProgramRepository()
        self.applications = ApplicationRepository()

    # -- who ------------------------------------------------------------------------------------
    async def scope(self, viewer: Viewer) -> ApplicationScope:
        return await self.applications.scope_for(viewer.id, staff=_may_run_programs(viewer))

    def _startup_of(self, viewer: Viewer, organisation_id: int | None) -> int:
        startups = [m.organisation_id for m in viewer.memberships if m.kind == "startup"]
        if organisation_id is None:
            if not startups:
                raise NotPermittedError(_("Only members of a startup can apply."))
            return startups[0]
        if organisation_id not in startups:
            raise NotPermittedError(_("You are not a member of this startup."))
        return organisation_id

    async def get(self, application_id: int, viewer: Viewer) -> dict[str, Any]:
        """Application ``application_id`` if ``viewer`` may read it (its startup's members,
        program managers, admins); NotFoundError naming nothing otherwise."""
        row = await self.applications.get(application_id, await self.scope(viewer))
        if row is None:
            raise _no_application()
        return row

    async def listing(self, viewer: Viewer, *, program_id: int | None = None, status: str | None = None) -> list[dict[str, Any]]:
        """Applications ``viewer`` may read (staff: all; a startup member: their startups'), newest first."""
        return await self.applications.listing(await self.scope(viewer), program_id=program_id, status=status)

    async def listing_page(self, viewer: Viewer, *, program_id: int | None = None, status: str | None = None,
                           limit: int, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
        """One page of :meth:`listing` read in SQL: (at most ``limit`` rows from row ``offset``,
        how many there are in all)."""
        scope = await self.scope(viewer)
        rows = await self.applications.listing(scope, program_id=program_id, status=status, limit=limit, offset=offset)
        return rows, await self.applications.listing_count(scope, program_id=program_id, status=status)

    async def timeline(self, application_id: int, viewer: Viewer) -> list[dict[str, Any]]:
        """The events of an application: [{at, from_status, to_status, label, message, fields}],
        ``label`` the public label for applicants and the staff label for staff (translated)."""
        await self.get(application_id, viewer)
        label = workflow.staff_label if _may_run_programs(viewer) else workflow.public_label
        return [
            {"at": e["at"], "from_status": e["from_status"], "to_status": e["to_status"], "label": label(e["to_status"]),
             "message": e["message"], "fields": e["fields"], "role": e["role"]}
            for e in await self.applications.events(application_id)
        ]

    # -- eligibility and start -----------------------------------------------------------------
    async def check_eligibility(self, program_id: int, viewer: Viewer, organisation_id: int | None = None) -> EligibilityReport:
        """Every rule of the program checked against the viewer's startup profile (NotPermittedError
        when the viewer is not in a startup, NotFoundError for an unknown or draft program,
        InvalidStateError when the startup has no profile)."""
        org = self._startup_of(viewer, organisation_id)
        program = await self._program(program_id)
        profile = await self.applications.profile_for_org(org)
        if profile is None:
            raise InvalidStateError(_("Complete your startup's profile before applying."))
        return await self._eligibility(program, profile)

    async def apply_overview(self, program_id: int, viewer: Viewer, organisation_id: int | None = None) -> dict[str, Any]:
        """What the page before applying shows: ``{program, organisation (id), profile (row with
        sectors, or None when the startup has no profile), report (:class:`EligibilityReport`, or
        None without a profile), existing (the startup's application to this call, or None)}``.
        NotPermittedError when the viewer is in no startup; NotFoundError for an unknown or draft program."""
        org = self._startup_of(viewer, organisation_id)
        program = await self._program(program_id)
        profile = await self.applications.profile_for_org(org)
        if profile is None:
            return {"program": program, "organisation": org, "profile": None, "report": None, "existing": None}
        existing = await self.applications.find(program_id, profile["id"])
        report = await self._eligibility(program, profile)
        return {"program": program, "organisation": org, "profile": profile, "report": report, "existing": existing}

    async def _eligibility(self, program: dict[str, Any], profile: dict[str, Any], extra: Mapping[str, Any] | None = None) -> EligibilityReport:
        existing = await self.applications.find(program["id"], profile["id"])
        context = eligibility.EligibilityContext(
            closes_at=program["closes_at"], zone=deadlines.zone_named(program["time_zone"]),
            has_application=existing is not None, extra={**await eligibility.context_extra(program, profile), **(extra or {})},
        )
        now = self.clock()
        open_now = program["status"] == "published" and deadlines.is_open(now, program["opens_at"], program["closes_at"])
        return EligibilityReport(eligibility.check(program["eligibility"], profile, context), open_now)

    async def _program(self, program_id: int) -> dict[str, Any]:
        program = await self.programs.get(program_id)
        if program is None or program["status"] == "draft":
            raise NotFoundError(_("There is no program at this address."))
        return program

    async def start(self, program_id: int, viewer: Viewer, organisation_id: int | None = None, *, ip: str = "") -> dict[str, Any]:
        """A new draft application of the viewer's startup to a published, open program, on the
        program's current form version, prefilled from the profile.

        Refused with InvalidStateError when the call is not open or a rule fails (the message
        names every failed rule), ConflictError when the startup already applied (also when a
        second tab races this one: the unique index decides). Audits ``application.started``."""
        org = self._startup_of(viewer, organisation_id)
        program = await self._program(program_id)
        profile = await self.applications.profile_for_org(org)
        if profile is None:
            raise InvalidStateError(_("Complete your startup's profile before applying."))
        if await self.applications.find(program_id, profile["id"]) is not None:
            raise _already_applied()
        report = await self._eligibility(program, profile)
        if not report.open:
            raise InvalidStateError(_("This call is not taking applications now."))
        if report.failed:
            raise InvalidStateError(
                _("Your startup is not eligible: %(rules)s", rules=" ".join(r.message for r in report.failed))
            )
        version = await self.programs.form_version(program["current_form_version"])
        if version is None:
            raise InvalidStateError(_("This call has no application form yet."))
        fields = forms.as_definitions(version["fields"])
        now = self.clock()
        values = {
            "program": program_id, "profile": profile["id"], "organisation": org, "form_version": version["id"],
            "answers": forms.prefill_answers(fields, profile), "status": workflow.INITIAL, "revision": 1,
            "saved_at": now, "saved_by": viewer.id, "created_by": viewer.id, "created_at": now,
        }
        try:
            async with write_transaction():
                application_id = await self.applications.insert(values)
                await self.applications.add_event(
                    {"application": application_id, "from_status": "", "to_status": workflow.INITIAL, "actor": viewer.id,
                     "role": workflow.APPLICANT, "at": now}
                )
                await audit.record("application.started", actor_id=viewer.id, object_type="application", object_id=application_id,
                                   after={"program": program_id, "profile": profile["id"]}, ip=ip)
                await ensure_reminders_scheduled()  # a draft now exists that may need reminding
        except Exception as error:
            if is_unique_violation(error):
                raise _already_applied() from None
            raise
        return await self.get(application_id, viewer)

    # -- answers --------------------------------------------------------------------------------
    async def fields_of(self, application: Mapping[str, Any]) -> list[forms.FieldDef]:
        """The form an application was started on, as :class:`FieldDef` objects."""
        version = await self.programs.form_version(application["form_version"])
        return forms.as_definitions(version["fields"]) if version else []

    async def save(
        self, application_id: int, viewer: Viewer, answers: Mapping[str, Any], *, expected_revision: int, ip: str = ""
    ) -> dict[str, Any]:
        """Save ``answers`` (field key → value; merged into what is stored) as the startup's
        member ``viewer``; returns the application with its new ``revision`` and ``saved_at``.

        ``expected_revision``: the revision the editor loaded; ConflictError when someone saved
        since (nothing written). FormInvalid for wrong types or answers over their limits (draft
        rules: empty answers are fine), nothing written. In ``more_info_requested`` only the
        reopened fields may change (FormInvalid for others). InvalidStateError when the status
        does not let the applicant edit or a draft's deadline has passed."""
        application = await self.get(application_id, viewer)
        if not viewer.membership_in(application["organisation"]):
            raise NotPermittedError(_("Only members of the applying startup can edit the application."))
        if not workflow.editable_by_applicant(application["status"]):
            raise InvalidStateError(_("This application can no longer be edited."))
        program = await self.programs.get(application["program"])
        assert program is not None
        if application["status"] == "draft":
            self._require_before_deadline(program, application)
        fields = await self.fields_of(application)
        errors = forms.validate_answers(fields, answers, for_submit=False)
        file_keys = {f.key for f in fields if f.type == "file"} & set(answers) - set(errors)
        if file_keys:  # a file answer names files uploaded to this field of this application, nothing else
            attached: dict[str, set[int]] = {}
            for row in await self.applications.files(application_id):
                attached.setdefault(row["field_key"], set()).add(row["id"])
            for key in file_keys:
                if not set(answers[key] or []) <= attached.get(key, set()):
                    errors[key] = _("%(field)s: upload the files with the upload button; these are not files of this application.",
                                    field=_label_of(fields, key))
        if application["status"] == "more_info_requested":
            reopened = set(application["reopened_fields"])
            for key in answers:
                if key not in reopened and key not in errors and answers.get(key) != application["answers"].get(key):
                    errors[key] = _("%(field)s: this answer was not reopened and cannot be changed.", field=_label_of(fields, key))
        if errors:
            raise FormInvalid(errors, dict(answers))
        merged = {**application["answers"], **forms.clean_answers(fields, answers)}
        now = self.clock()
        async with write_transaction():
            if not await self.applications.update_if_revision(
                application_id, expected_revision, {"answers": merged, "saved_at": now, "saved_by": viewer.id}
            ):
                raise ConflictError(
                    _("Someone else saved this application after you opened it. Reload it to see their changes; your text is kept in the form."),
                )
        return await self.get(application_id, viewer)

    def _require_before_deadline(self, program: Mapping[str, Any], application: Mapping[str, Any]) -> None:
        deadline = deadlines.effective_deadline(program["closes_at"], application.get("deadline_extended_to"))
        if deadline is not None and self.clock() >= deadline:
            raise InvalidStateError(
                _("The deadline has passed (%(deadline)s): submissions closed at that exact time.",
                  deadline=deadlines.describe(deadline, deadlines.zone_named(program["time_zone"]), None, current_locale()).program_zone),
                code="deadline_passed",
            )

    # -- transitions ----------------------------------------------------------------------------
    def role_of(self, viewer: Viewer, application: Mapping[str, Any]) -> str | None:
        """The workflow role ``viewer`` acts in on ``application`` (see :func:`workflow.role_of`)."""
        return workflow.role_of(viewer.staff_roles, is_member=viewer.membership_in(application["organisation"]) is not None)

    async def submit(self, application_id: int, viewer: Viewer, *, expected_revision: int | None = None, ip: str = "") -> dict[str, Any]:
        """Submit a draft (or the answer to a more-information request) as a member of the startup.

        Checks every answer with submit rules (FormInvalid naming each missing required answer
        and each bad one), the deadline for a draft (at or after the closing instant, or the
        application's later extension: InvalidStateError with code ``deadline_passed``), and
        ``expected_revision`` if given (ConflictError). Freezes the profile into ``snapshot``."""
        return await self.transition(application_id, viewer, "submitted", expected_revision=expected_revision, ip=ip)

    async def withdraw(self, application_id: int, viewer: Viewer, *, reason: str = "", ip: str = "") -> dict[str, Any]:
        """Withdraw the application (its startup's members, from the statuses the workflow allows)."""
        return await self.transition(application_id, viewer, "withdrawn", reason=reason, ip=ip)

    async def transition(
        self,
        application_id: int,
        viewer: Viewer,
        to: str,
        *,
        reason: str = "",
        fields: list[str] | None = None,
        expected_revision: int | None = None,
        ip: str = "",
        notification: tuple[str, Mapping[str, Any]] | None = None,
        determined: bool = False,
    ) -> dict[str, Any]:
        """Move an application to status ``to`` as ``viewer`` (role from :meth:`role_of`),
        through :mod:`hubcity.programs.workflow`: NotFoundError when the viewer may not see it,
        NotPermittedError when the table does not allow the move for the viewer's role or from
        this status. ``reason`` is required where the transition says so (the message to the
        applicant); ``fields`` names the reopened form fields (``more_info_requested``) or the
        failed eligibility rules (``ineligible``). Writes the status, an ApplicationEvent, an
        audit entry ``application.<to>`` and notifies the startup's members (with
        ``notification`` = (template, extra context) instead of ``application_status_changed``
        when given). Inside a caller's transaction it joins it. Returns the row.
        determined: the move to a decision (:data:`workflow.DECISIONS`) comes with its recorded
        determination (the reviews domain's DecisionService); without it such a move raises
        InvalidStateError (code ``decision_required``), so no decision exists without its message."""
        application = await self.get(application_id, viewer)
        role = self.role_of(viewer, application)
        if role is None:
            raise _no_application()
        if to in workflow.DECISIONS and not determined and workflow.can_transition(application["status"], to, role):
            raise InvalidStateError(
                _("A decision is recorded on its own page, with its message to the applicant: use “Decide” instead."),
                code="decision_required",
            )
        return await self._transition(application, to, actor_id=viewer.id, role=role, reason=reason, fields=fields,
                                      expected_revision=expected_revision, ip=ip, notification=notification)

    async def system_transition(
        self, application_id: int, to: str, *, reason: str = "", fields: list[str] | None = None,
        notification: tuple[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """:meth:`transition` as the ``system`` role (jobs, the end of the review rounds), with no actor."""
        application = await self.applications.get(application_id)
        if application is None:
            raise _no_application()
        return await self._transition(application, to, actor_id=None, role=workflow.SYSTEM, reason=reason, fields=fields,
                                      notification=notification)

    async def _transition(
        self, application: dict[str, Any], to: str, *, actor_id: int | None, role: str, reason: str = "",
        fields: list[str] | None = None, expected_revision: int | None = None, ip: str = "",
        notification: tuple[str, Mapping[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The one place a status changes (see :meth:`transition`). ``notification``: (email
        template, extra context) sent to the applicant's members instead of
        ``application_status_changed`` (the reviews domain's determinations use it); the
        caller's transaction is joined when there is one."""
        if (refused := workflow.refusal(application["status"], to, role)) is not None:
            raise refused
        rule = workflow.transition(application["status"], to)
        assert rule is not None
        program = await self.programs.get(application["program"])
        assert program is not None
        form_fields = await self.fields_of(application)
        reason = (reason or "").strip()
        named = [str(f) for f in (fields or [])]
        errors: dict[str, str] = {}
        if rule.needs_reason and not reason:
            errors["reason"] = _("Message: say why, for the applicant.")
        if len(reason) > 5000:
            errors["reason"] = _("Message: at most %(limit)s characters.", limit=5000)
        elif forms.has_control_characters(reason):
            errors["reason"] = forms.control_characters_message(_("Message"))
        if rule.needs_fields:
            if to == "more_info_requested":
                valid = {f.key for f in form_fields}
                if not named or any(f not in valid for f in named):
                    errors["fields"] = _("Fields: name the form fields the applicant must complete.")
            elif to == "ineligible":
                valid = {str(r.get("rule")) for r in program["eligibility"]}
                if not named or any(f not in valid for f in named):
                    errors["fields"] = _("Rules: name the eligibility rules the application fails.")
        values: dict[str, Any] = {"status": to}
        now = self.clock()
        if to == "submitted":
            if application["status"] == "draft":
                self._require_before_deadline(program, application)
            problems = forms.validate_answers(form_fields, application["answers"], for_submit=True)
            if problems:
                raise FormInvalid(problems, dict(application["answers"]),
                                  _("The application cannot be submitted yet: %(count)s answers need attention.", count=len(problems)))
            profile = await self.applications.profile(application["profile"])
            values.update(submitted_at=now, snapshot=snapshot_of(profile or {}), reopened_fields=[])
        if to == "more_info_requested":
            values["reopened_fields"] = named
        if errors:
            raise FormInvalid(errors, {"reason": reason, "fields": named})
        revision = application["revision"] if expected_revision is None else expected_revision
        async with write_transaction():
            if not await self.applications.update_if_revision(application["id"], revision, values):
                raise ConflictError(_("The application changed after you opened it. Reload it and try again."))
            await self.applications.add_event(
                {"application": application["id"], "from_status": application["status"], "to_status": to, "actor": actor_id,
                 "role": role, "message": reason, "fields": named, "at": now}
            )
            await audit.record(
                f"application.{to}", actor_id=actor_id, object_type="application", object_id=application["id"],
                before={"status": application["status"]}, after={"status": to, "fields": named, "reason": reason}, ip=ip,
            )
            await self._notify(application, program, to, reason, [_label_of(form_fields, f) for f in named] if to == "more_info_requested" else [],
                               notification)
        row = await self.applications.get(application["id"])
        assert row is not None
        return row

    async def _notify(
        self, application: Mapping[str, Any], program: Mapping[str, Any], to: str, message: str, field_labels: list[str],
        notification: tuple[str, Mapping[str, Any]] | None = None,
    ) -> None:
        if self.notifier is None:
            return
        template, extra = notification or ("application_status_changed", {})
        for person in await members_of([application["organisation"]]):
            await self.notifier.notify(
                to_email=person["email"], locale=person["locale"], recipient_id=person["id"],
                template=template,
                context={"program": program, "application": application, "status": to, "status_label": workflow.status(to).public_label,
                         "message": message, "fields": field_labels,
                         "link": f"{self.public_url}/applications/{application['id']}", **extra},
            )

    # -- extensions -----------------------------------------------------------------------------
    async def grant_extension(self, application_id: int, viewer: Viewer, until: datetime, *, reason: str, ip: str = "") -> dict[str, Any]:
        """Let this one application be submitted until ``until`` (aware; later than now and than
        the program's closing instant, at most :data:`MAX_EXTENSION` after the later of the two).
        Program managers only; a reason is required
        (FormInvalid). Writes a DeadlineExtension, sets ``deadline_extended_to`` and audits
        ``application.deadline_extended``."""
        _require_manager(viewer)
        application = await self.get(application_id, viewer)
        program = await self.programs.get(application["program"])
        assert program is not None
        errors: dict[str, str] = {}
        earliest = max(self.clock(), program["closes_at"] or datetime.min.replace(tzinfo=UTC))
        if not isinstance(until, datetime) or until.tzinfo is None:
            errors["until"] = _("Until: give a date and time with its zone.")
        elif until <= earliest:
            errors["until"] = _("Until: the extension must end after the call closes and in the future.")
        elif until > earliest + MAX_EXTENSION:
            errors["until"] = _("Until: an extension may end at most %(days)s days after the call closes (or after today).",
                                days=MAX_EXTENSION.days)
        if not (reason or "").strip():
            errors["reason"] = _("Reason: say why this startup gets more time (it is kept in the audit log).")
        elif forms.has_control_characters(reason):
            errors["reason"] = forms.control_characters_message(_("Reason"))
        if errors:
            raise FormInvalid(errors, {"until": str(until), "reason": reason})
        if application["status"] not in workflow.UNSUBMITTED:
            raise InvalidStateError(_("Only an application that was not submitted yet can get more time."))
        now = self.clock()
        async with write_transaction():
            await self.applications.add_extension(
                {"application": application_id, "until": until, "reason": reason.strip(), "granted_by": viewer.id, "at": now}
            )
            if not await self.applications.update_if_revision(application_id, application["revision"], {"deadline_extended_to": until}):
                raise ConflictError(_("The application changed after you opened it. Reload it and try again."))
            await audit.record(
                "application.deadline_extended", actor_id=viewer.id, object_type="application", object_id=application_id,
                before={"deadline_extended_to": application["deadline_extended_to"]}, after={"deadline_extended_to": until, "reason": reason.strip()}, ip=ip,
            )
        return await self.get(application_id, viewer)

    async def deadline_of(self, application: Mapping[str, Any]) -> datetime | None:
        """The instant submission of ``application`` closes (its extension or the program's)."""
        program = await self.programs.get(application["program"])
        return deadlines.effective_deadline(program["closes_at"] if program else None, application.get("deadline_extended_to"))


def _label_of(fields: list[forms.FieldDef], key: str) -> str:
    return next((f.label() for f in fields if f.key == key), key)


def _no_application() -> NotFoundError:
    return NotFoundError(_("There is no application at this address, or you may not see it."))


def _already_applied() -> ConflictError:
    return ConflictError(_("Your startup has already applied to this call; open the existing application instead."), code="already_applied")
