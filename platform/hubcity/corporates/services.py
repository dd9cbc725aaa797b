"""Partner needs: a corporation's list, create, edit, open, close, reopen, and the search the
directory and the API use. Visibility comes from the repository's one scoped query; this module
decides what a viewer sees of a visible need (the corporation, or its anonymised label).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hubcity.core import audit
from hubcity.core.clock import utcnow
from hubcity.core.errors import FormInvalid, InvalidStateError, NotFoundError
from hubcity.core.forms import validate
from hubcity.core.i18n import current_locale
from hubcity.core.jobs import INDEX_JOB_ATTEMPTS, INDEX_NEED_JOB, enqueue_once
from hubcity.core.i18n import gettext as _
from hubcity.core.pagination import Page, page_bounds
from hubcity.core.viewer import Viewer
from hubcity.corporates.filters import NEED_PARAMS, SearchFilters, parse_filters
from hubcity.corporates.repositories import NeedRepository, NeedScope, write_transaction
from hubcity.corporates.schemas import NeedApiCreateInput, NeedCreateInput, NeedInput

PAGE_SIZE = 20
#: The largest id a row can have (PostgreSQL's ``serial`` is 32-bit).
MAX_ROW_ID = 2**31 - 1
#: Fields of a need a form or PATCH may set (status changes have their own actions).
EDITABLE_FIELDS: tuple[str, ...] = tuple(NeedInput.model_fields)
#: Taxonomy kind of each slug field of a need.
SLUG_FIELDS: dict[str, str] = {
    "sectors": "sector",
    "technologies": "technology",
    "stages": "stage",
    "countries": "country",
}
FORM_KINDS: tuple[str, ...] = ("sector", "technology", "stage", "country", "engagement_type")
#: action → (allowed current statuses, new status, audit action)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "open": (("draft",), "open", "need.opened"),
    "close": (("draft", "open"), "closed", "need.closed"),
    "reopen": (("closed",), "open", "need.reopened"),
}


#: Job that brings one need's search document up to date (handled by ``hubcity.matches``).


def window_state(status: str, opens_at: datetime | None, closes_at: datetime | None, now: datetime) -> str:
    """Whether a need is open right now: ``draft`` | ``closed`` | ``upcoming`` (open, but its
    window has not started) | ``ended`` (open, but its window is over) | ``open``."""
    if status != "open":
        return status
    if opens_at is not None and now < opens_at:
        return "upcoming"
    if closes_at is not None and now >= closes_at:
        return "ended"
    return "open"


def to_utc(value: Any, zone: ZoneInfo) -> Any:
    """A date-time typed in a form (``2026-12-01T09:00``) or sent as ISO 8601: an aware UTC
    datetime. Without an offset it is read in ``zone`` (the agency's). Anything that is not a
    date-time is returned unchanged, for validation to report."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=zone)
        try:
            return value.astimezone(UTC)
        except (OverflowError, ValueError):  # year 1 or 9999 at the edge of the zone: validation refuses the year
            return value
    return value


def local_input(value: datetime | None, zone: ZoneInfo) -> str:
    """An instant as the value of an ``<input type="datetime-local">`` in ``zone``."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class NeedView:
    """A partner need as one viewer sees it.

    organisation_id is None and corporation_name_* hold the anonymised label when the need is
    anonymised and the viewer is neither a member of the corporation nor agency staff.
    window: see :func:`window_state`. can_manage: the viewer is a member of the corporation.
    Budgets in whole won; instants aware (UTC).
    """

    id: int
    title_ko: str
    title_en: str
    description_ko: str
    description_en: str
    sectors: list[str]
    technologies: list[str]
    stages: list[str]
    countries: list[str]
    locations: str
    team_size_min: int | None
    team_size_max: int | None
    engagement_type: str
    budget_min: int | None
    budget_max: int | None
    budget_currency: str
    opens_at: datetime | None
    closes_at: datetime | None
    visibility: str
    status: str
    anonymised_label_ko: str
    anonymised_label_en: str
    organisation_id: int | None
    corporation_name_ko: str
    corporation_name_en: str
    corporation_verified: bool | None
    name_hidden: bool
    can_manage: bool
    window: str
    created_at: datetime
    updated_at: datetime

    @property
    def is_open(self) -> bool:
        return self.window == "open"


def present(row: dict[str, Any], scope: NeedScope, now: datetime) -> NeedView:
    """The :class:`NeedView` of a need row (from the repository) for ``scope``."""
    organisation_id = row["organisation"]
    hidden = row["visibility"] == "anonymised" and not scope.privileged_for(organisation_id)
    return NeedView(
        id=row["id"],
        title_ko=row["title_ko"],
        title_en=row["title_en"],
        description_ko=row["description_ko"],
        description_en=row["description_en"],
        sectors=list(row.get("sectors", [])),
        technologies=list(row.get("technologies", [])),
        stages=list(row.get("stages", [])),
        countries=list(row.get("countries", [])),
        locations=row["locations"],
        team_size_min=row["team_size_min"],
        team_size_max=row["team_size_max"],
        engagement_type=row["engagement_type"],
        budget_min=row["budget_min"],
        budget_max=row["budget_max"],
        budget_currency=row["budget_currency"],
        opens_at=row["opens_at"],
        closes_at=row["closes_at"],
        visibility=row["visibility"],
        status=row["status"],
        anonymised_label_ko=row["anonymised_label_ko"],
        anonymised_label_en=row["anonymised_label_en"],
        organisation_id=None if hidden else organisation_id,
        corporation_name_ko=row["anonymised_label_ko"] if hidden else row["org_name_ko"],
        corporation_name_en=row["anonymised_label_en"] if hidden else row["org_name_en"],
        corporation_verified=None if hidden else row["org_verified_at"] is not None,
        name_hidden=hidden,
        can_manage=scope.owns(organisation_id),
        window=window_state(row["status"], row["opens_at"], row["closes_at"], now),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


@dataclass(frozen=True)
class CorporationNeeds:
    """A corporation's needs as one viewer sees them. ``can_manage``: the viewer is a member."""

    organisation: dict[str, Any]
    needs: list[NeedView]
    can_manage: bool


@dataclass(frozen=True)
class NeedSearch:
    """One page of needs. ``errors``: filter parameter → message for values that were ignored.

    facets: filter kind (``sector``, ``technology``, ``stage``, ``engagement``) → slug → how many
    results carry it (from the search index; empty when the database answered). ``degraded``:
    the search index could not be reached, so the database answered with a plain keyword search.
    """

    results: Page[NeedView]
    filters: SearchFilters
    errors: dict[str, str] = field(default_factory=dict)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    degraded: bool = False


#: How a need that names no stage is counted in facets (the search index's word for it).
ANY_STAGE = "any"


@dataclass(frozen=True)
class AnonymisedMatches:
    """ids: anonymised needs found by a keyword, newest first; total: found in all (may exceed
    the ids asked for); facets: filter kind → slug → count over the ids (``any`` for a need
    that names no stage)."""

    ids: tuple[int, ...]
    total: int
    facets: dict[str, dict[str, int]]


#: ``(viewer, GET parameters) → NeedSearch``: the needs search through the search index, which
#: the composition root hands the API (the directory's; see ``hubcity.directory.deps``).
NeedSearchFunction = Callable[[Viewer | None, Mapping[str, Any]], Awaitable[NeedSearch]]


class PartnerNeedService:
    """Partner needs of corporations.

    zone: the agency's time zone (``settings.zone``): a local date-time typed in a form is read
    there and stored as a UTC instant.
    """

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.needs = NeedRepository()

    # -- reading --------------------------------------------------------------------------------
    async def scope(self, viewer: Viewer | None) -> NeedScope:
        return await self.needs.scope_for(viewer.id if viewer else None, is_staff=bool(viewer and viewer.is_staff))

    async def taxonomy_options(self) -> dict[str, list[tuple[str, str]]]:
        """kind → [(slug, label in the viewer's language)] for the need form and the filters."""
        result = {}
        locale = current_locale()
        for kind in FORM_KINDS:
            terms = await self.needs.taxonomy.terms(kind)
            result[kind] = [(t["slug"], _label(t["label_ko"], t["label_en"], locale) or t["slug"]) for t in terms]
        return result

    async def labels(self) -> dict[str, dict[str, str]]:
        """kind → slug → label in the viewer's language (inactive terms included)."""
        locale = current_locale()
        stored = await self.needs.taxonomy.labels(FORM_KINDS)
        return {
            kind: {slug: _label(ko, en, locale) or slug for slug, (ko, en) in terms.items()} for kind, terms in stored.items()
        }

    async def vocabulary(self) -> dict[str, set[str]]:
        """kind → slugs of the active terms (what filters and forms accept)."""
        return {kind: {slug for slug, _text in options} for kind, options in (await self.taxonomy_options()).items()}

    async def get(self, need_id: int, viewer: Viewer | None) -> NeedView:
        """Need ``need_id`` as ``viewer`` sees it. Raises :class:`NotFoundError` (nothing about
        the need said) when it does not exist or the viewer may not see it."""
        scope = await self.scope(viewer)
        row = await self.needs.visible(need_id, scope)
        if row is None:
            raise _not_found()
        return present(row, scope, utcnow())

    async def for_corporation(self, organisation_id: int, viewer: Viewer | None) -> CorporationNeeds:
        """A corporation's needs the viewer may see, newest first (members and staff see every
        one; others never see the corporation's anonymised needs here). Raises NotFoundError
        when ``organisation_id`` is not a corporation."""
        corporation = await self.needs.corporation(organisation_id)
        if corporation is None:
            raise NotFoundError(_("There is no corporation at this address."))
        scope = await self.scope(viewer)
        rows, _total = await self.needs.search(
            scope, SearchFilters(include_inactive=True), limit=500, offset=0, organisation_id=organisation_id, named_only=True
        )
        now = utcnow()
        return CorporationNeeds(
            organisation=corporation, needs=[present(r, scope, now) for r in rows], can_manage=scope.owns(organisation_id)
        )

    async def corporation_to_manage(self, organisation_id: int, viewer: Viewer) -> dict[str, Any]:
        """The corporation if ``viewer`` is one of its members; else NotFoundError."""
        corporation = await self.needs.corporation(organisation_id)
        if corporation is None or not await self.needs.is_member(organisation_id, viewer.id):
            raise NotFoundError(_("You are not a member of this corporation, or it does not exist."))
        return corporation

    async def editable(self, need_id: int, viewer: Viewer) -> NeedView:
        """Need ``need_id`` if ``viewer`` is a member of its corporation; else NotFoundError."""
        scope = await self.scope(viewer)
        row = await self.needs.owned(need_id, viewer.id)
        if row is None:
            raise _not_found_to_change()
        return present(row, scope, utcnow())

    def form_values(self, need: NeedView) -> dict[str, Any]:
        """The edit form's values of ``need`` (instants as local date-times in the agency's zone)."""
        values: dict[str, Any] = {name: getattr(need, name) for name in EDITABLE_FIELDS}
        for name in ("opens_at", "closes_at"):
            values[name] = local_input(getattr(need, name), self.zone)
        for name in ("team_size_min", "team_size_max", "budget_min", "budget_max"):
            values[name] = "" if values[name] is None else str(values[name])
        return values

    async def parse_search(self, params: Mapping[str, Any]) -> tuple[SearchFilters, dict[str, str]]:
        """The filters of ``params`` (GET parameters) for a needs search, and a message per
        parameter whose value was ignored (see :func:`hubcity.corporates.filters.parse_filters`)."""
        return parse_filters(params, await self.vocabulary(), NEED_PARAMS)

    async def found_page(
        self,
        viewer: Viewer | None,
        ids: list[int],
        *,
        filters: SearchFilters,
        errors: dict[str, str],
        total: int,
        facets: dict[str, dict[str, int]],
        scope: NeedScope | None = None,
    ) -> NeedSearch:
        """A page of needs a search index found (``ids``, best first; ``total`` found in all),
        shown as :meth:`search` shows them. Each need is read again under the viewer's
        visibility (``scope``: the viewer's, from :meth:`scope` when not given): one the viewer
        may not see is left out whatever the index said."""
        scope = scope or await self.scope(viewer)
        rows = await self.needs.visible_many(ids, scope)
        now = utcnow()
        results = Page(items=[present(r, scope, now) for r in rows], number=filters.page, size=PAGE_SIZE, total=total)
        return NeedSearch(results=results, filters=filters, errors=errors, facets=facets)

    async def anonymised_matches(self, viewer: Viewer | None, filters: SearchFilters, *, limit: int,
                                 scope: NeedScope | None = None) -> AnonymisedMatches:
        """The anonymised needs ``viewer`` may see that contain the keyword ``filters.q`` and pass
        the filters, newest first (at most ``limit`` ids), with their facet counts. They are
        searched here, not in the search index, because the corporation behind one is matched
        only for those who may know it (its members and staff). ``scope``: the viewer's, from
        :meth:`scope` when not given."""
        scope = scope or await self.scope(viewer)
        rows, total = await self.needs.search(scope, filters, limit=limit, offset=0, anonymised_only=True)
        facets: dict[str, dict[str, int]] = {"sector": {}, "technology": {}, "stage": {}, "engagement": {}}
        for row in rows:
            values = {
                "sector": row["sectors"],
                "technology": row["technologies"],
                "stage": row["stages"] or [ANY_STAGE],
                "engagement": [row["engagement_type"]] if row.get("engagement_type") else [],
            }
            for kind, slugs in values.items():
                for slug in dict.fromkeys(slugs):
                    facets[kind][slug] = facets[kind].get(slug, 0) + 1
        return AnonymisedMatches(ids=tuple(row["id"] for row in rows), total=total, facets=facets)

    async def search(
        self, viewer: Viewer | None, params: Mapping[str, Any], *, ranked_ids: list[int] | None = None
    ) -> NeedSearch:
        """The needs ``viewer`` may see that pass the filters in ``params`` (GET parameters:
        name → list of values; see :mod:`hubcity.corporates.filters`), 20 per page, newest first.
        Only open needs unless ``status=all``. Bad filter values are ignored and reported.
        ranked_ids: what the search index ranked for the keyword (see NeedRepository.search)."""
        filters, errors = parse_filters(params, await self.vocabulary(), NEED_PARAMS)
        scope = await self.scope(viewer)
        limit, offset = page_bounds(filters.page, PAGE_SIZE)
        rows, total = await self.needs.search(scope, filters, limit=limit, offset=offset, ranked_ids=ranked_ids)
        now = utcnow()
        results = Page(items=[present(r, scope, now) for r in rows], number=filters.page, size=PAGE_SIZE, total=total)
        return NeedSearch(results=results, filters=filters, errors=errors)

    # -- writing --------------------------------------------------------------------------------
    async def _checked(
        self, model: type[NeedInput], data: Mapping[str, Any], kept: NeedView | None = None
    ) -> NeedInput:
        """``data`` validated as ``model`` plus the taxonomy: raises FormInvalid with every problem.

        kept: the need being changed; the terms it already carries stay acceptable even if staff
        have retired them since.
        """
        prepared = dict(data)
        for name in ("opens_at", "closes_at"):
            if name in prepared:
                prepared[name] = to_utc(prepared[name], self.zone)
        errors: dict[str, str] = {}
        form = None
        try:
            form = validate(model, prepared)
        except FormInvalid as error:
            errors.update(error.errors)
        vocabulary = await self.vocabulary()
        if kept is not None:
            for name, kind in SLUG_FIELDS.items():
                vocabulary[kind] = vocabulary[kind] | set(getattr(kept, name))
            vocabulary["engagement_type"] = vocabulary["engagement_type"] | {kept.engagement_type}
        for name, kind in SLUG_FIELDS.items():
            if name in errors:
                continue
            given = data.get(name) or []
            given = [given] if isinstance(given, str) else given
            unknown = [str(s) for s in given if isinstance(s, str) and s.strip() and s.strip() not in vocabulary[kind]]
            if unknown:
                errors[name] = _(
                    "%(field)s: %(values)s is not one of the choices.",
                    field=_(model.model_fields[name].title or name),
                    values=", ".join(f"“{s[:40]}”" for s in unknown[:5]),
                )
        engagement = str(data.get("engagement_type") or "").strip()
        if "engagement_type" not in errors and engagement and engagement not in vocabulary["engagement_type"]:
            errors["engagement_type"] = _(
                "%(field)s: %(values)s is not one of the choices.", field=_("Engagement type"), values=f"“{engagement[:40]}”"
            )
        if errors or form is None:
            raise FormInvalid(errors, _typed(data))
        return form

    @staticmethod
    def _columns(form: NeedInput) -> tuple[dict[str, Any], dict[str, list[str]]]:
        values = form.model_dump(include=set(EDITABLE_FIELDS) - {"sectors", "technologies"})
        return values, {"sector": form.sectors, "technology": form.technologies}

    async def _save(
        self, need_id: int | None, values: dict[str, Any], tags: dict[str, list[str]] | None
    ) -> int:
        """The one place every change of a need is written (inside the caller's transaction).

        It queues :data:`INDEX_NEED_JOB` in the same transaction, so the search index follows.
        """
        values = {**values, "updated_at": utcnow()}
        if need_id is None:
            need_id = await self.needs.insert({**values, "created_at": values["updated_at"]}, tags or {})
        else:
            await self.needs.update(need_id, values, tags)
        await enqueue_once(INDEX_NEED_JOB, {"need_id": need_id}, max_attempts=INDEX_JOB_ATTEMPTS)
        return need_id

    async def create(self, organisation_id: int, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> NeedView:
        """A new need of corporation ``organisation_id`` (members only: NotFoundError otherwise).

        ``data``: the fields of :class:`NeedCreateInput` (``status`` ``draft`` or ``open``).
        Raises FormInvalid naming each bad field. Audits ``need.created`` (and ``need.opened``
        when published at once).
        """
        await self.corporation_to_manage(organisation_id, viewer)
        form = await self._checked(NeedCreateInput, data)
        assert isinstance(form, NeedCreateInput)
        values, tags = self._columns(form)
        values.update(organisation=organisation_id, status=form.status, created_by=viewer.id, budget_currency="KRW")
        async with write_transaction():
            need_id = await self._save(None, values, tags)
            await audit.record(
                "need.created", actor_id=viewer.id, object_type="partner_need", object_id=need_id, after=_audited(values, tags), ip=ip
            )
            if form.status == "open":
                await audit.record(
                    "need.opened", actor_id=viewer.id, object_type="partner_need", object_id=need_id,
                    before={"status": "draft"}, after={"status": "open"}, ip=ip,
                )
        return await self.get(need_id, viewer)

    async def create_from_api(self, viewer: Viewer, data: Mapping[str, Any], *, ip: str = "") -> NeedView:
        """``POST /api/v1/partner-needs``: like :meth:`create`, the corporation named by
        ``organisation_id`` in ``data`` (which must be one the viewer belongs to: 404 otherwise)."""
        raw = data.get("organisation_id")
        if not isinstance(raw, int) or isinstance(raw, bool):
            validate(NeedApiCreateInput, data)  # reports the missing or malformed organisation_id
            raw = int(raw)  # type: ignore[arg-type]
        if not 1 <= raw <= MAX_ROW_ID:  # cannot name a row (and would overflow the column)
            raise NotFoundError(_("You are not a member of this corporation, or it does not exist."))
        return await self.create(raw, viewer, data, ip=ip)

    async def update(
        self, need_id: int, viewer: Viewer, data: Mapping[str, Any], *, partial: bool = False, ip: str = ""
    ) -> NeedView:
        """Change need ``need_id`` (any member of its corporation; NotFoundError for anyone else).

        partial: ``data`` holds only the fields to change (the API's PATCH); the whole need is
        checked after the change. ``status`` is refused (FormInvalid): use open/close/reopen.
        Raises FormInvalid (nothing is saved). Audits ``need.updated`` with what changed.
        """
        current = await self.editable(need_id, viewer)
        if partial and "status" in data:
            raise FormInvalid({"status": _("Status: open, close or reopen the need with its own actions.")}, _typed(data))
        merged = {**self._api_values(current), **dict(data)} if partial else dict(data)
        form = await self._checked(NeedInput, merged, kept=current)
        values, tags = self._columns(form)
        before = _audited(self._api_values(current), {"sector": current.sectors, "technology": current.technologies})
        after = _audited(values, tags)
        changed = {key: value for key, value in after.items() if before.get(key) != value}
        async with write_transaction():
            if await self.needs.owned(need_id, viewer.id) is None:
                raise _not_found_to_change()
            await self._save(need_id, values, tags)
            if changed:
                await audit.record(
                    "need.updated", actor_id=viewer.id, object_type="partner_need", object_id=need_id,
                    before={key: before.get(key) for key in changed}, after=changed, ip=ip,
                )
        return await self.get(need_id, viewer)

    async def change_status(self, need_id: int, viewer: Viewer, action: str, *, ip: str = "") -> NeedView:
        """``action``: ``open`` (publish a draft), ``close`` (a draft or open need) or ``reopen``
        (a closed need). Members of the corporation only (NotFoundError for anyone else);
        InvalidStateError when the need's status does not allow it. Audits ``need.opened``,
        ``need.closed`` or ``need.reopened``."""
        allowed, new_status, audit_action = TRANSITIONS[action]
        async with write_transaction():
            row = await self.needs.owned(need_id, viewer.id)
            if row is None:
                raise _not_found_to_change()
            if row["status"] not in allowed:
                raise InvalidStateError(_transition_refusal(action, row["status"]))
            await self._save(need_id, {"status": new_status}, None)
            await audit.record(
                audit_action, actor_id=viewer.id, object_type="partner_need", object_id=need_id,
                before={"status": row["status"]}, after={"status": new_status}, ip=ip,
            )
        return await self.get(need_id, viewer)

    @staticmethod
    def _api_values(need: NeedView) -> dict[str, Any]:
        return {name: getattr(need, name) for name in EDITABLE_FIELDS}


def _label(label_ko: str, label_en: str, locale: str) -> str:
    first, second = (label_ko, label_en) if locale == "ko" else (label_en, label_ko)
    return first or second


def _typed(data: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if not str(key).startswith("_")}


def _audited(values: Mapping[str, Any], tags: Mapping[str, list[str]]) -> dict[str, Any]:
    """What audit entries keep of a need: its editable fields (instants as ISO text)."""
    result = {
        key: value.isoformat() if isinstance(value, datetime) else value
        for key, value in values.items()
        if key in EDITABLE_FIELDS or key == "status"
    }
    result["sectors"] = list(tags.get("sector", []))
    result["technologies"] = list(tags.get("technology", []))
    return result


def _not_found() -> NotFoundError:
    return NotFoundError(_("There is no partner need at this address, or you may not see it."))


def _not_found_to_change() -> NotFoundError:
    return NotFoundError(_("There is no partner need at this address that you may change."))


def _transition_refusal(action: str, status: str) -> str:
    if action == "open":
        return _("Only a draft can be published; this need is no longer a draft.")
    if action == "close":
        return _("This need is already closed.")
    return _("Only a closed need can be reopened; this one is not closed.")
