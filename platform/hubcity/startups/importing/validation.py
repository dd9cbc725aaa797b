"""Checks every draft passes before anything is written (a bad record is rejected whole).

The limits come from the :class:`~hubcity.db.tables.StartupProfile` table itself (the length of
each ``Varchar`` column), plus :data:`DESCRIPTION_MAX_LENGTH` for the descriptions (the limit of
the onboarding form) and :data:`TAG_MAX_LENGTH` for one tag. Each message names the field as the
source calls it and the rule.
"""

from __future__ import annotations

from piccolo.columns import Varchar

from hubcity.core.i18n import gettext as _
from hubcity.db.tables import StartupProfile
from hubcity.startups.importing.mapping import ProfileDraft

DESCRIPTION_MAX_LENGTH = 5000
TAG_MAX_LENGTH = 100
MAX_TAGS = 50

#: Column → the most characters it holds.
LENGTH_LIMITS: dict[str, int] = {
    column._meta.name: column.length for column in StartupProfile._meta.columns if isinstance(column, Varchar)
}
LENGTH_LIMITS.update({"description_en": DESCRIPTION_MAX_LENGTH, "description_ko": DESCRIPTION_MAX_LENGTH})
SOURCE_MAX_LENGTH = LENGTH_LIMITS["source"]


def check_draft(draft: ProfileDraft, source: str) -> None:
    """Append to ``draft.problems`` what keeps it from being imported from ``source``: no name,
    an external id or a text longer than its column holds, too many or too long tags."""
    values = draft.values
    if draft.external_id:
        if len(draft.external_id) > LENGTH_LIMITS["external_id"]:
            draft.problems.append(
                _("The external id is too long: %(length)s characters, at most %(max)s.", length=len(draft.external_id), max=LENGTH_LIMITS["external_id"])
            )
        elif len(source_key(source, draft.external_id)) > LENGTH_LIMITS["source_key"]:
            draft.problems.append(
                _("The source name and external id together are too long: at most %(max)s characters.", max=LENGTH_LIMITS["source_key"])
            )
    if ("name_en" in values or "name_ko" in values) and not (values.get("name_en") or values.get("name_ko")):
        draft.problems.append(_("The record has no name (%(fields)s).", fields=" / ".join(
            dict.fromkeys(draft.field_name(column) for column in ("name_en", "name_ko") if column in values)
        )))
    for column, value in values.items():
        limit = LENGTH_LIMITS.get(column)
        if limit and isinstance(value, str) and len(value) > limit:
            draft.problems.append(
                _("%(field)s is too long: %(length)s characters, at most %(max)s.", field=draft.field_name(column), length=len(value), max=limit)
            )
    tags = values.get("tags") or []
    if len(tags) > MAX_TAGS:
        draft.problems.append(_("%(field)s: %(count)s tags, at most %(max)s.", field=draft.field_name("tags"), count=len(tags), max=MAX_TAGS))
    for tag in tags:
        if len(tag) > TAG_MAX_LENGTH:
            draft.problems.append(
                _("%(field)s: the tag “%(tag)s…” is too long (at most %(max)s characters).", field=draft.field_name("tags"), tag=tag[:30], max=TAG_MAX_LENGTH)
            )
            break


def source_key(source: str, external_id: str) -> str:
    """The key a re-import finds a profile by: ``"source:external_id"``."""
    return f"{source}:{external_id}"
