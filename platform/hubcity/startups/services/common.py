"""Pieces shared by the startups services: parsing input with the profile's extra rules, the
form values of a stored profile, the taxonomy choices offered, access rules, and the one place
a profile is saved."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

from hubcity.core.errors import FormInvalid, NotPermittedError
from hubcity.core.forms import validate
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import OrgMembership, Viewer
from hubcity.startups import taxonomy
from hubcity.startups.repositories import ProfileRepository
from hubcity.startups.schemas import LINE_FIELDS, MULTI_FIELDS, TAG_FIELDS, _Input

M = TypeVar("M", bound=_Input)

#: Taxonomy kinds the profile forms offer, and the form field each one fills.
CHOICE_KINDS: tuple[str, ...] = ("sector", "technology", "stage", "country")


def typed_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """What a re-rendered form shows again: the input without CSRF and other ``_`` fields."""
    return {key: value for key, value in data.items() if not key.startswith("_")}


async def parse(model: type[M], data: Mapping[str, Any], *, keep: Mapping[str, Any] | None = None) -> M:
    """Validate ``data`` with ``model`` plus its ``one_of`` and ``taxonomy`` rules.

    keep: the stored values (field → slug or list of slugs) that stay acceptable even when
    their taxonomy term was deactivated since. Raises :class:`FormInvalid` with one message
    per field (all rules checked together) and the typed values.
    """
    errors: dict[str, str] = {}
    parsed: M | None = None
    try:
        parsed = validate(model, data)
    except FormInvalid as error:
        errors.update(error.errors)
    for first, second, message in model.one_of:
        if first in errors or second in errors:
            continue
        if not str(data.get(first) or "").strip() and not str(data.get(second) or "").strip():
            errors[first] = _(message)
    for field, kind in model.taxonomy.items():
        if field in errors:
            continue
        given = data.get(field)
        values = [given] if isinstance(given, str) else list(given or [])
        stored = (keep or {}).get(field)
        allowed = await taxonomy.valid_slugs(kind) | set([stored] if isinstance(stored, str) else (stored or []))
        unknown = [value for value in values if value and value not in allowed]
        if unknown:
            label = _(model.model_fields[field].title or field)
            errors[field] = _("%(field)s: %(value)s is not one of the choices.", field=label, value=", ".join(unknown))
    if errors or parsed is None:
        raise FormInvalid(errors, typed_values(data))
    return parsed


def columns_and_tags(parsed: _Input) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """(StartupProfile column values, StartupTag slugs by kind) of a parsed model."""
    values = parsed.model_dump()
    tags = {kind: values.pop(field) for field, kind in TAG_FIELDS.items() if field in values}
    return values, tags


def form_values(profile: dict[str, Any] | None, tags: dict[str, list[str]] | None) -> dict[str, Any]:
    """A stored profile as the forms show it: text as text, dates ISO, lists of names one per
    line, checkbox groups as lists of slugs."""
    if not profile:
        return {}
    values: dict[str, Any] = {}
    for key, value in profile.items():
        if key in LINE_FIELDS:
            values[key] = "\n".join(value or [])
        elif key in MULTI_FIELDS:
            values[key] = list(value or [])
        elif isinstance(value, date):
            values[key] = value.isoformat()
        elif value is None:
            values[key] = ""
        else:
            values[key] = value
    for field, kind in TAG_FIELDS.items():
        values[field] = list((tags or {}).get(kind, []))
    if profile.get("funding_raised") is not None:
        values["funding_raised"] = str(profile["funding_raised"])
    if profile.get("team_size") is not None:
        values["team_size"] = str(profile["team_size"])
    return values


async def choices() -> dict[str, list[tuple[str, str]]]:
    """kind → [(slug, label in the viewer's language)] of the active terms offered in forms."""
    locale = current_locale()
    return {
        kind: [(term["slug"], taxonomy.label_of(term, locale)) for term in await taxonomy.terms(kind)]
        for kind in CHOICE_KINDS
    }


async def all_labels() -> dict[str, dict[str, str]]:
    """kind → {slug: label in the viewer's language} of every term (retired ones too)."""
    locale = current_locale()
    return {kind: await taxonomy.labels(kind, locale) for kind in CHOICE_KINDS}


def is_member(viewer: Viewer | None, profile: dict[str, Any]) -> bool:
    """The viewer belongs to the organisation keeping ``profile``."""
    return bool(viewer and profile.get("organisation") and viewer.membership_in(profile["organisation"]))


def can_edit(viewer: Viewer | None, profile: dict[str, Any]) -> bool:
    """Members of the owning organisation and agency staff may edit and see members-only fields."""
    return bool(viewer and (viewer.is_staff or is_member(viewer, profile)))


def is_public(profile: dict[str, Any]) -> bool:
    """Anyone may see an active profile that is not a startup's unfinished onboarding draft."""
    draft = profile.get("organisation") is not None and profile.get("onboarding_completed_at") is None
    return profile.get("status") == "active" and not draft


async def save(values: dict[str, Any], tags: dict[str, list[str]] | None, profile_id: int | None) -> int:
    """Save a profile from the startups pages and API (see
    :meth:`~hubcity.startups.repositories.ProfileRepository.save_profile`); returns its id.

    The one place where a page or API change of a profile is written. Issue 4 adds here, in the
    same transaction: ``enqueue("matches.sync_startup", {"profile_id": profile_id})``.
    """
    return await ProfileRepository().save_profile(values, tags, profile_id)


def startup_membership(viewer: Viewer) -> OrgMembership:
    """The viewer's (first) startup organisation; NotPermittedError when they have none."""
    for membership in viewer.memberships:
        if membership.kind == "startup":
            return membership
    raise NotPermittedError(_("Onboarding is for members of a startup organisation."))
