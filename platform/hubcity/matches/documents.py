"""How a profile row or a need row becomes the matching library's input (StartupText, NeedText).

The index text itself (which fields, in which order, the version) is decided in
``matching.documents``; this module only gathers the platform's facts: both languages of every
text, the Korean and English labels of the taxonomy terms (so a Korean word finds an English
profile's sector and the other way round), and the facet fields the pages filter on.

Facets of a startup document (None = unknown, left out of the document): sectors, technologies
(slugs), stage, country, location_terms (lower-cased parts of the free-text location), team_size,
founded_year and founded_ts (Unix seconds of the founding date), verified, status, matchable
(active, not opted out, onboarding finished), listed (shown in the directory at all),
organisation (id or 0), source ("yc") and source_ref ("yc:123") for imports.
Facets of a need document: sectors, technologies, stages and countries (``any`` when the need
names none), team_size_min and team_size_max (0 and 1,000,000 when open), engagement,
visibility, status, org_id, org_verified (the corporation is verified), location_terms (as a
startup's, from the need's free-text locations), created_at (Unix microseconds, for the newest-first
order), opens_at, closes_at (Unix seconds; 0 = no bound).
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any

from matching.documents import NeedText, StartupText

Labels = dict[tuple[str, str], tuple[str, str]]
ANY = "any"
NO_UPPER_BOUND = 1_000_000

_LOCATION_SPLIT = re.compile(r"[;,/|]+")


SUBSTRING_PART_MAX = 60


def location_terms(location: str) -> list[str]:
    """What a location filter can match: every piece (at least 2 characters) of each part of
    the free-text location, lower-cased, so ``"Gwang"`` finds ``"Gwangju, Korea"`` as the
    database's substring search does. Parts are split at ``; , / |``; a part longer than
    :data:`SUBSTRING_PART_MAX` characters contributes its words only."""
    terms: dict[str, None] = {}
    for part in _LOCATION_SPLIT.split((location or "").lower()):
        part = " ".join(part.split())
        if not part:
            continue
        if len(part) > SUBSTRING_PART_MAX:
            terms.update(dict.fromkeys(word for word in part.split() if len(word) >= 2))
            continue
        for start in range(len(part)):
            for end in range(start + 2, len(part) + 1):
                terms[part[start:end]] = None
    return list(terms)


def epoch_seconds(value: date | datetime | None) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        moment = datetime.combine(value, time(), tzinfo=timezone.utc)
    return int(moment.timestamp())


def _texts(row: dict[str, Any], stem: str) -> dict[str, str]:
    return {lang: (row.get(f"{stem}_{lang}") or "").strip() for lang in ("ko", "en") if (row.get(f"{stem}_{lang}") or "").strip()}


def _labels(labels: Labels, kind: str, slugs: list[str]) -> list[str]:
    result: list[str] = []
    for slug in slugs:
        pair = labels.get((kind, slug))
        result.extend(label for label in (pair or (slug, slug)) if label)
    return result


def is_listed(row: dict[str, Any]) -> bool:
    """The directory lists a profile at all: named, and not a startup's unfinished onboarding."""
    named = bool(row.get("name_ko") or row.get("name_en"))
    draft = row.get("organisation") is not None and row.get("onboarding_completed_at") is None
    return named and not draft


def is_matchable(row: dict[str, Any]) -> bool:
    """Proposed as a match: listed, active and not opted out."""
    return is_listed(row) and row.get("status") == "active" and not row.get("do_not_match")


def startup_text(row: dict[str, Any], labels: Labels) -> StartupText:
    """A profile row (see IndexSourceRepository.profiles) → StartupText."""
    description = _texts(row, "description")
    for stem in ("offers",):  # what it offers is what a corporation's need asks for
        for lang, text in _texts(row, stem).items():
            description[lang] = f"{description.get(lang, '')}\n\n{text}".strip()
    tags = _labels(labels, "sector", row["sectors"]) + _labels(labels, "technology", row["technologies"])
    tags += [str(tag) for tag in row.get("tags") or [] if str(tag).strip()]
    source_ref = f"{row['source']}:{row['external_id']}" if row.get("source") and row.get("external_id") else ""
    return StartupText(
        id=str(row["id"]),
        name=" / ".join(dict.fromkeys(text for text in (row.get("name_en"), row.get("name_ko")) if text)) or "?",
        one_liner=_texts(row, "one_liner"),
        description=description,
        tags=tuple(dict.fromkeys(tags)),
        facets={
            "sectors": list(row["sectors"]),
            "technologies": list(row["technologies"]),
            "stage": row.get("stage") or None,
            "country": row.get("country") or None,
            "location_terms": location_terms(row.get("location") or ""),
            "team_size": row.get("team_size"),
            "founded_year": row["founded_on"].year if row.get("founded_on") else None,
            "founded_ts": epoch_seconds(row["founded_on"]) if row.get("founded_on") else None,
            "verified": bool(row.get("verified")),
            "status": row.get("status") or "active",
            "matchable": is_matchable(row),
            "listed": is_listed(row),
            "organisation": int(row.get("organisation") or 0),
            "source": row.get("source") or None,
            "source_ref": source_ref or None,
            "updated_ts": int(row["updated_at"].timestamp() * 1_000_000) if row.get("updated_at") else 0,
        },
    )


def need_text(row: dict[str, Any], labels: Labels) -> NeedText:
    """A need row (see IndexSourceRepository.needs) → NeedText. Its tags: the taxonomy labels
    in both languages, the free-text locations, and who posted it as everyone sees it: the
    corporation's names, or for an anonymised need only its label ("a global automaker"), so an
    anonymised need is never found by its corporation's name (as the database search does)."""
    tags = _labels(labels, "sector", row["sectors"]) + _labels(labels, "technology", row["technologies"])
    tags += _labels(labels, "stage", row["stages"])
    if row.get("engagement_type"):
        tags += _labels(labels, "engagement_type", [row["engagement_type"]])
    poster = ("anonymised_label_ko", "anonymised_label_en") if row.get("visibility") == "anonymised" else ("org_name_ko", "org_name_en")
    tags += [str(row[key]).strip() for key in (*poster, "locations") if str(row.get(key) or "").strip()]
    return NeedText(
        id=str(row["id"]),
        title=_texts(row, "title"),
        description=_texts(row, "description"),
        tags=tuple(dict.fromkeys(tags)),
        facets={
            "sectors": list(row["sectors"]),
            "technologies": list(row["technologies"]),
            "stages": list(row["stages"]) or [ANY],
            "countries": list(row["countries"]) or [ANY],
            "team_size_min": row["team_size_min"] if row.get("team_size_min") is not None else 0,
            "team_size_max": row["team_size_max"] if row.get("team_size_max") is not None else NO_UPPER_BOUND,
            "engagement": row.get("engagement_type") or None,
            "visibility": row.get("visibility") or "public",
            "status": row.get("status") or "draft",
            "org_id": int(row.get("organisation") or 0),
            "org_verified": row.get("org_verified_at") is not None,
            "location_terms": location_terms(row.get("locations") or ""),
            "created_at": int(row["created_at"].timestamp() * 1_000_000) if row.get("created_at") else 0,
            "opens_at": epoch_seconds(row.get("opens_at")),
            "closes_at": epoch_seconds(row.get("closes_at")),
        },
    )
