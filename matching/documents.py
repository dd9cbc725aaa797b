"""What gets indexed for a startup and for a partner need: one versioned function per kind.

The platform maps its rows to :class:`StartupText` / :class:`NeedText`; :func:`startup_document`
and :func:`need_document` turn them into an :class:`IndexedText`: the stored fields (keyword
text and facets), the passages to embed per language, and a fingerprint. The fingerprint hashes
:data:`INDEX_TEXT_VERSION`, the embedders' identities (name, model, version) and everything indexed, so changing this module's
output (bump the version), the embedders, or the data makes ``index-status`` see the document as
stale and triggers its reindex.

Passages (chosen by ``benchmarks/quality.py``): per language that has text, a *profile* passage
(name, one-liner, description, tags) and a *summary* passage (name, one-liner, tags). A
document's vector in one embedding space is the mean of its passage vectors, renormalised: the
summary keeps a long description from drowning what the company does, and the tags text carries
the taxonomy labels into the vector. Tags are split by script: Hangul tags go with the Korean
passages, the others with the English ones; a profile with no English text still gets an English
summary of its name and English tags, so the English-only MiniLM can place it.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from matching.backends.base import EmbedderSpec, IndexSettings
from matching.language import ENGLISH, KOREAN, LANGUAGES, hangul_share

#: Bump when the output of startup_document or need_document changes: every document is reindexed.
INDEX_TEXT_VERSION = 1

STARTUPS_INDEX = "startups"
NEEDS_INDEX = "needs"

STARTUP_SEARCHABLE = ("name", "one_liner_ko", "one_liner_en", "tags", "description_ko", "description_en")
STARTUP_FILTERABLE = (
    "sectors",
    "technologies",
    "stage",
    "country",
    "team_size",
    "founded_year",
    "verified",
    "status",
    "matchable",
    "source",
    "language",
    # asked for by the platform (platform/hubcity/matches/documents.py):
    "source_ref",
    "location_terms",
    "listed",
    "organisation",
    "founded_ts",
    "updated_ts",
)
STARTUP_SORTABLE = ("name", "team_size", "founded_year", "updated_ts")

NEED_SEARCHABLE = ("title_ko", "title_en", "tags", "description_ko", "description_en")
NEED_FILTERABLE = (
    "sectors",
    "technologies",
    "stages",
    "countries",
    "engagement",
    "visibility",
    "status",
    "org_id",
    "org_verified",
    "location_terms",
    "team_size_min",
    "team_size_max",
    "opens_at",
    "closes_at",
    "language",
)
NEED_SORTABLE = ("opens_at", "closes_at", "created_at")


@dataclass(frozen=True)
class StartupText:
    """A startup profile as the index sees it.

    id: unique id (str); name: one name, or {"ko"|"en": name} when it has two; one_liner,
    description: {"ko"|"en": text} (missing or "" = not written in that language); tags: taxonomy term labels in Korean and English plus the source's
    own tags; facets: {field of :data:`STARTUP_FILTERABLE`: str | int | float | bool | list[str] |
    None} (None = unknown, left out of the document). ``language`` is computed, not given.
    """

    id: str
    name: str | Mapping[str, str]
    one_liner: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    facets: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NeedText:
    """A partner need as the index sees it.

    id: unique id (str); title, description: {"ko"|"en": text}; tags: labels (Korean and
    English) of the sectors and technologies it asks for; facets: {field of
    :data:`NEED_FILTERABLE` or :data:`NEED_SORTABLE`: value or None}.
    """

    id: str
    title: Mapping[str, str] = field(default_factory=dict)
    description: Mapping[str, str] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    facets: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IndexedText:
    """One document ready for the backend, less its vectors.

    fields: {id, text fields, facets, "fingerprint"} (the backend document without ``_vectors``);
    passages: {"ko"|"en": (text, ...)} the texts to embed, by language; fingerprint: hex sha256.
    """

    fields: Mapping[str, Any]
    passages: Mapping[str, tuple[str, ...]]
    fingerprint: str

    @property
    def id(self) -> str:
        return str(self.fields["id"])

    def passages_for(self, languages: Sequence[str]) -> list[str]:
        """The passages written in any of ``languages`` (an embedder's), in a stable order."""
        return [text for language in LANGUAGES if language in languages for text in self.passages.get(language, ())]


def index_settings(uid: str, embedders: Sequence[EmbedderSpec]) -> IndexSettings:
    """The settings of the "startups" or "needs" index for these embedding spaces.

    ValueError for another uid or repeated embedder names.
    """
    names = [spec.name for spec in embedders]
    if len(set(names)) != len(names):
        raise ValueError(f"embedders: names repeat in {names!r}")
    if uid == STARTUPS_INDEX:
        return IndexSettings(uid, STARTUP_SEARCHABLE, STARTUP_FILTERABLE, STARTUP_SORTABLE, tuple(embedders))
    if uid == NEEDS_INDEX:
        filterable = tuple(dict.fromkeys(NEED_FILTERABLE + NEED_SORTABLE))
        return IndexSettings(uid, NEED_SEARCHABLE, filterable, NEED_SORTABLE, tuple(embedders))
    raise ValueError(f"index: unknown index {uid!r} (known: {STARTUPS_INDEX}, {NEEDS_INDEX})")


# -- the versioned functions -------------------------------------------------------------------------


def startup_document(startup: StartupText, embedders: Sequence[str]) -> IndexedText:
    """Version :data:`INDEX_TEXT_VERSION` of a startup's index document; ``embedders``: the
    identities of the embedders that will embed it (``matching.embeddings.identity_of``; plain
    names will do), part of the fingerprint.

    ValueError naming the field for an empty id or name, a language other than ko/en, or a facet
    that is not in :data:`STARTUP_FILTERABLE` or has a value of the wrong type.
    """
    doc_id = _check_id(startup.id)
    names = _names(startup.name, doc_id)
    name = " / ".join(dict.fromkeys(names.values()))
    one_liner = _by_language(startup.one_liner, "one_liner")
    description = _by_language(startup.description, "description")
    tags = _clean_tags(startup.tags)
    facets = _check_facets(startup.facets, STARTUP_FILTERABLE, "startup")
    languages = [lang for lang in LANGUAGES if one_liner.get(lang) or description.get(lang)]
    fields: dict[str, Any] = {
        "id": doc_id,
        "name": name,
        **{f"one_liner_{lang}": one_liner.get(lang, "") for lang in LANGUAGES},
        **{f"description_{lang}": description.get(lang, "") for lang in LANGUAGES},
        "tags": " · ".join(tags),
        **facets,
        "language": languages,
    }
    tags_by_language = _tags_by_language(tags)
    passages: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        lang_tags = tags_by_language[lang]
        own_name = names.get(lang) or name
        if lang in languages:
            profile = _join_lines(
                [_sentence(own_name), _sentence(one_liner.get(lang, "")), description.get(lang, ""), _tag_line(lang_tags, lang)]
            )
            summary = _summary(own_name, one_liner.get(lang, ""), lang_tags)
            passages[lang] = (profile, summary) if summary != profile else (profile,)
        elif lang == ENGLISH and lang_tags:
            passages[lang] = (_summary(own_name, "", lang_tags),)
    if not passages:  # a bare name: still a vector for every embedder
        passages[ENGLISH if hangul_share(name) < 0.3 else KOREAN] = (name,)
    return _finish("startup", fields, passages, embedders)


def need_document(need: NeedText, embedders: Sequence[str]) -> IndexedText:
    """Version :data:`INDEX_TEXT_VERSION` of a partner need's index document (``embedders`` as
    for :func:`startup_document`).

    ValueError naming the field for an empty id, a need without a title in any language, a
    language other than ko/en, or a facet outside :data:`NEED_FILTERABLE`/:data:`NEED_SORTABLE`.
    """
    doc_id = _check_id(need.id)
    title = _by_language(need.title, "title")
    description = _by_language(need.description, "description")
    if not any(title.values()):
        raise ValueError(f"need {doc_id}: title must be given in Korean, English or both")
    tags = _clean_tags(need.tags)
    facets = _check_facets(need.facets, NEED_FILTERABLE + NEED_SORTABLE, "need")
    languages = [lang for lang in LANGUAGES if title.get(lang) or description.get(lang)]
    fields: dict[str, Any] = {
        "id": doc_id,
        **{f"title_{lang}": title.get(lang, "") for lang in LANGUAGES},
        **{f"description_{lang}": description.get(lang, "") for lang in LANGUAGES},
        "tags": " · ".join(tags),
        **facets,
        "language": languages,
    }
    tags_by_language = _tags_by_language(tags)
    passages: dict[str, tuple[str, ...]] = {}
    for lang in LANGUAGES:
        lang_tags = tags_by_language[lang]
        if lang in languages:
            heading = title.get(lang) or next((title[other] for other in LANGUAGES if title.get(other)), "")
            passages[lang] = (
                _join_lines([_sentence(heading), description.get(lang, ""), _tag_line(lang_tags, lang)]),
            )
        elif lang == ENGLISH and lang_tags:
            passages[lang] = (_tag_line(lang_tags, lang),)
    return _finish("need", fields, passages, embedders)


def need_query_text(need: NeedText) -> str:
    """The text a need searches startups with: its titles and descriptions (Korean first)."""
    parts = [_clean(need.title.get(lang, "")) for lang in LANGUAGES] + [
        _clean(need.description.get(lang, "")) for lang in LANGUAGES
    ]
    return _join_lines([_sentence(part) for part in parts if part])


def startup_query_text(startup: StartupText) -> str:
    """The text a startup searches needs (or similar startups) with: one-liners and descriptions
    (its name is left out: a name says nothing about what a need asks for)."""
    parts: list[str] = []
    parts += [_sentence(_clean(startup.one_liner.get(lang, ""))) for lang in LANGUAGES]
    parts += [_clean(startup.description.get(lang, "")) for lang in LANGUAGES]
    return _join_lines(parts)


# -- helpers ------------------------------------------------------------------------------------------


def _finish(kind: str, fields: dict[str, Any], passages: dict[str, tuple[str, ...]], embedders: Sequence[str]) -> IndexedText:
    names = sorted(embedders)
    payload = json.dumps(
        {"version": INDEX_TEXT_VERSION, "kind": kind, "embedders": names, "fields": fields, "passages": passages},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    fingerprint = hashlib.sha256(payload.encode()).hexdigest()
    fields["fingerprint"] = fingerprint
    return IndexedText(fields=fields, passages=passages, fingerprint=fingerprint)


def _names(value: str | Mapping[str, str], doc_id: str) -> dict[str, str]:
    """A startup's name(s) → {"ko"|"en": name}; a single name is filed under its script."""
    if isinstance(value, Mapping):
        names = _by_language(value, "name")
    else:
        cleaned = _clean(value)
        names = {KOREAN if hangul_share(cleaned) >= 0.3 else ENGLISH: cleaned} if cleaned else {}
    if not names:
        raise ValueError(f"startup {doc_id}: name must not be empty")
    return names


def _check_id(value: Any) -> str:
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValueError("id must not be empty")
    return text


def _clean(text: Any) -> str:
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _by_language(texts: Mapping[str, str], name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang, text in (texts or {}).items():
        if lang not in LANGUAGES:
            raise ValueError(f"{name}: language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
        try:
            cleaned = _clean(text)
        except ValueError as exc:
            raise ValueError(f"{name}[{lang}]: {exc}") from None
        if cleaned:
            out[lang] = cleaned
    return out


def _clean_tags(tags: Sequence[str]) -> list[str]:
    if isinstance(tags, str):
        raise ValueError("tags must be a sequence of texts, not one str")
    seen: dict[str, str] = {}
    for tag in tags or ():
        if not isinstance(tag, str):
            raise ValueError(f"tags: expected text, got {type(tag).__name__}")
        cleaned = " ".join(tag.split())
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())


def _tags_by_language(tags: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {lang: [] for lang in LANGUAGES}
    for tag in tags:
        out[KOREAN if hangul_share(tag) >= 0.3 else ENGLISH].append(tag)
    return out


def _check_facets(facets: Mapping[str, Any], allowed: tuple[str, ...], kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (facets or {}).items():
        if key not in allowed:
            raise ValueError(f"{kind} facet {key!r} is not one of: {', '.join(dict.fromkeys(allowed))}")
        if key == "language":
            raise ValueError(f"{kind} facet 'language' is computed from the texts; do not give it")
        if value is None:
            continue
        if isinstance(value, (list, tuple, set, frozenset)):
            items = list(value)
            if not all(isinstance(item, str) for item in items):
                raise ValueError(f"{kind} facet {key!r}: a list must hold only texts")
            out[key] = sorted(set(items)) if isinstance(value, (set, frozenset)) else items
        elif isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{kind} facet {key!r}: {value} is not a finite number")
        elif isinstance(value, (str, int, float, bool)):
            out[key] = value
        else:
            raise ValueError(f"{kind} facet {key!r}: {type(value).__name__} is not str, int, float, bool or a list of texts")
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    if text and text[-1] not in ".!?。":
        return text + "."
    return text


def _tag_line(tags: list[str], lang: str) -> str:
    if not tags:
        return ""
    return ("태그: " if lang == KOREAN else "Tags: ") + ", ".join(tags) + "."


def _summary(name: str, one_liner: str, tags: list[str]) -> str:
    head = f"{name}: {one_liner}" if one_liner else name
    return _sentence(head) + (" " + ", ".join(tags) + "." if tags else "")


def _join_lines(parts: list[str]) -> str:
    return "\n".join(part for part in parts if part)
