"""Startup profile pages and API: viewing (members-only fields only for members and staff),
editing, the logo, and the "do not match me" switch."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hubcity.core.errors import FormInvalid, NotFoundError, NotPermittedError
from hubcity.core.i18n import current_locale
from hubcity.core.i18n import gettext as _
from hubcity.core.viewer import Viewer
from hubcity.startups import logos
from hubcity.startups.completeness import Completeness, completeness
from hubcity.startups.repositories import ProfileRepository
from hubcity.startups.schemas import PRIVATE_FIELDS, ProfileInput
from hubcity.startups.services.common import (
    all_labels,
    can_edit,
    choices,
    columns_and_tags,
    form_values,
    is_member,
    is_public,
    parse,
    save,
)

#: Text fields shown in the viewer's language with a fallback to the other.
BILINGUAL_FIELDS: tuple[str, ...] = ("name", "one_liner", "description", "needs", "offers")


@dataclass(frozen=True)
class ProfileView:
    """A profile as one viewer may see it.

    profile: the row, WITHOUT the members-only fields (:data:`PRIVATE_FIELDS`) unless
    ``show_private``; tags: ``{"sector": [...], "technology": [...]}``; labels: kind → {slug:
    label}; organisation: the owning organisation's row or None (kept by the agency);
    fallback_fields: bilingual fields shown in the other language for lack of the viewer's;
    can_edit: members and staff; completeness: only for those who can edit.
    """

    profile: dict[str, Any]
    tags: dict[str, list[str]]
    labels: dict[str, dict[str, str]]
    organisation: dict[str, Any] | None
    can_edit: bool
    show_private: bool
    is_member: bool
    completeness: Completeness | None
    fallback_fields: tuple[str, ...] = ()
    other_locale: str = ""
    onboarding_done: bool = True

    @property
    def id(self) -> int:
        return int(self.profile["id"])

    @property
    def verified(self) -> bool:
        return bool(self.organisation and self.organisation.get("verified_at"))

    @property
    def logo_url(self) -> str:
        return logos.url_of(self.profile.get("logo_path") or "")


@dataclass(frozen=True)
class EditForm:
    """The edit page: the profile id, the values shown and the taxonomy choices."""

    profile_id: int
    name: str
    values: dict[str, Any]
    choices: dict[str, list[tuple[str, str]]]
    logo_url: str


class ProfileService:
    """Profiles for pages and API. data_dir: where uploaded logos are stored."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.profiles = ProfileRepository()

    async def _visible(self, profile_id: int, viewer: Viewer | None) -> dict[str, Any]:
        """The profile if the viewer may see it; NotFoundError otherwise (no hint it exists)."""
        profile = await self.profiles.get(profile_id)
        if profile is None or not (is_public(profile) or can_edit(viewer, profile)):
            raise NotFoundError(_("There is no such startup profile, or you may not see it."))
        return profile

    async def _editable(self, profile_id: int, viewer: Viewer | None) -> dict[str, Any]:
        """The profile if the viewer may change it: 404 when they may not even see it, 403 when
        they may see it but are neither its members nor staff."""
        profile = await self._visible(profile_id, viewer)
        if not can_edit(viewer, profile):
            raise NotPermittedError(_("Only the startup's members and agency staff may change this profile."))
        return profile

    async def view(self, profile_id: int, viewer: Viewer | None) -> ProfileView:
        """Profile ``profile_id`` for ``viewer`` (None: anonymous). NotFoundError when it is not
        public and the viewer is neither a member nor staff."""
        profile = await self._visible(profile_id, viewer)
        tags = await self.profiles.tags_of(profile_id)
        editor = can_edit(viewer, profile)
        score = completeness(profile, tags) if editor else None
        if not editor:
            profile = {key: value for key, value in profile.items() if key not in PRIVATE_FIELDS}
        locale = current_locale()
        other = "en" if locale == "ko" else "ko"
        fallback = tuple(
            name
            for name in BILINGUAL_FIELDS
            if not (profile.get(f"{name}_{locale}") or "").strip() and (profile.get(f"{name}_{other}") or "").strip()
        )
        organisation = await self.profiles.organisation(profile["organisation"]) if profile.get("organisation") else None
        return ProfileView(
            profile=profile,
            tags=tags,
            labels=await all_labels(),
            organisation=organisation,
            can_edit=editor,
            show_private=editor,
            is_member=is_member(viewer, profile),
            completeness=score,
            fallback_fields=fallback,
            other_locale=other,
            onboarding_done=profile.get("onboarding_completed_at") is not None or profile.get("organisation") is None,
        )

    async def edit_form(self, profile_id: int, viewer: Viewer) -> EditForm:
        """The edit page's values (members and staff only: 404/403 otherwise)."""
        profile = await self._editable(profile_id, viewer)
        tags = await self.profiles.tags_of(profile_id)
        return EditForm(
            profile_id=profile_id,
            name=_name(profile),
            values=form_values(profile, tags),
            choices=await choices(),
            logo_url=logos.url_of(profile.get("logo_path") or ""),
        )

    async def form_context(self, profile_id: int, viewer: Viewer, typed: Mapping[str, Any]) -> EditForm:
        """The edit page again after a failed save: the typed values over the stored ones."""
        form = await self.edit_form(profile_id, viewer)
        return EditForm(form.profile_id, form.name, {**form.values, **typed}, form.choices, form.logo_url)

    async def update(self, profile_id: int, viewer: Viewer, data: Mapping[str, Any], *, partial: bool = False) -> int:
        """Save the whole profile from the edit page (``partial``: only the fields given, as
        ``PATCH`` does, merged into the stored ones). Same rules as onboarding; nothing is
        stored when a rule fails (:class:`FormInvalid` with every bad field). Returns the id."""
        profile = await self._editable(profile_id, viewer)
        tags = await self.profiles.tags_of(profile_id)
        stored = form_values(profile, tags)
        if partial:
            unknown = sorted(set(data) - set(ProfileInput.model_fields))
            if unknown:
                raise FormInvalid({name: _("%(field)s is not a field of the profile.", field=name) for name in unknown}, dict(data))
            merged = {name: stored.get(name, "") for name in ProfileInput.model_fields}
            merged.update({key: "" if value is None else value for key, value in data.items()})
            data = merged
        keep = {name: stored.get(name) for name in ProfileInput.taxonomy}
        parsed = await parse(ProfileInput, data, keep=keep)
        values, new_tags = columns_and_tags(parsed)
        return await save(values, new_tags, profile_id)

    async def set_logo(self, profile_id: int, viewer: Viewer, content: bytes) -> str:
        """Replace the logo (members and staff). Raises :class:`FormInvalid` on ``logo`` (see
        :func:`hubcity.startups.logos.prepare`, which re-encodes it). Returns the new logo URL."""
        await self._editable(profile_id, viewer)
        cleaned, ext = await asyncio.to_thread(logos.prepare, content)
        path = logos.store(self.data_dir, cleaned, ext)
        await save({"logo_path": path}, None, profile_id)
        return logos.url_of(path)

    async def set_do_not_match(self, profile_id: int, viewer: Viewer, value: bool) -> bool:
        """Switch matching off (``value`` True) or on for the profile (members and staff); returns the new value."""
        await self._editable(profile_id, viewer)
        await save({"do_not_match": bool(value)}, None, profile_id)
        return bool(value)

    async def logo_file(self, name: str) -> tuple[Path, str]:
        """(path, media type) of a stored logo; NotFoundError for any other name."""
        found = logos.stored_file(self.data_dir, name)
        if found is None:
            raise NotFoundError(_("There is no such logo."))
        return found

    async def api_view(self, profile_id: int, viewer: Viewer | None) -> dict[str, Any]:
        """The JSON of ``GET /api/v1/startups/{id}``: members-only fields are left out (not
        just emptied) unless the viewer is a member or staff."""
        view = await self.view(profile_id, viewer)
        return api_dict(view)


def _name(profile: dict[str, Any]) -> str:
    first, second = ("ko", "en") if current_locale() == "ko" else ("en", "ko")
    return profile.get(f"name_{first}") or profile.get(f"name_{second}") or ""


PUBLIC_API_FIELDS: tuple[str, ...] = (
    "id", "name_ko", "name_en", "one_liner_ko", "one_liner_en", "description_ko", "description_en", "stage",
    "team_size", "location", "country", "website", "target_markets", "needs_ko", "needs_en", "offers_ko",
    "offers_en", "do_not_match", "status",
)


def api_dict(view: ProfileView) -> dict[str, Any]:
    """A :class:`ProfileView` as the API returns it."""
    profile = view.profile
    data: dict[str, Any] = {key: profile.get(key) for key in PUBLIC_API_FIELDS}
    data["organisation_id"] = profile.get("organisation")
    data["verified"] = view.verified
    data["founded_on"] = profile["founded_on"].isoformat() if profile.get("founded_on") else None
    data["sectors"] = view.tags.get("sector", [])
    data["technologies"] = view.tags.get("technology", [])
    data["logo_url"] = view.logo_url or None
    if view.show_private:
        for key in PRIVATE_FIELDS:
            data[key] = profile.get(key)
        data["funding_currency"] = profile.get("funding_currency") or "KRW"
    if view.completeness is not None:
        nxt = view.completeness.next
        data["completeness"] = {"score": view.completeness.score, "next": nxt.key if nxt else None}
    return data
