"""Checks every draft passes before anything is written (a bad record is rejected whole).

The limits come from the :class:`~hubcity.db.tables.StartupProfile` table itself (the length of
each ``Varchar`` column), plus :data:`DESCRIPTION_MAX_LENGTH` for the descriptions (the limit of
the onboarding form) and :data:`TAG_MAX_LENGTH` for one tag. Each message names the field as the
source calls it and the rule.
"""

from __future__ import annotations

from piccolo.columns import Varchar

from hubcity.core.forms import bad_character
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
#: Columns whose text may hold line breaks and tabs.
MULTI_LINE_COLUMNS: frozenset[str] = frozenset({"description_en", "description_ko"})


def check_draft(draft: ProfileDraft, source: str) -> None:
    """Append to ``draft.problems`` what keeps it from being imported from ``source``: no name,
    an external id or a text longer than its column holds, too many or too long tags, a control
    character (NUL, which PostgreSQL cannot store, and the other invisible ones; line breaks
    only in descriptions) or a text-direction override in any text."""
    values = draft.values
    _check_characters(draft)
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


def _check_characters(draft: ProfileDraft) -> None:
    texts: list[tuple[str, str]] = [("external_id", draft.external_id)]
    for column, value in draft.values.items():
        items = value if isinstance(value, list) else [value]
        texts += [(column, item) for item in items if isinstance(item, str)]
    for column, text in texts:
        kind = bad_character(text, line_breaks=column in MULTI_LINE_COLUMNS)
        if kind == "control":
            draft.problems.append(
                _("%(field)s contains an invisible control character; remove it and try again.", field=draft.field_name(column))
            )
        elif kind == "bidi":
            draft.problems.append(
                _("%(field)s contains a character that reverses the direction of text; remove it and try again.", field=draft.field_name(column))
            )


def shown(text: str, limit: int = 200) -> str:
    """``text`` as a report may show it: control and text-direction characters dropped, at most
    ``limit`` characters (a rejected record's name or id may hold anything)."""
    return "".join(char for char in text if bad_character(char, line_breaks=False) is None)[:limit]


def source_key(source: str, external_id: str) -> str:
    """The key a re-import finds a profile by: ``"source:external_id"``."""
    return f"{source}:{external_id}"
