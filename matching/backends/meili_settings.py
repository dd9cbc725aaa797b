"""Index settings of the Meilisearch backend: the body ``PATCH /indexes/{uid}/settings`` gets,
and how a ``GET /indexes/{uid}/settings`` answer is read and compared with it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from matching.backends.base import EmbedderSpec, IndexSettings

# "sort" first: the contract applies SearchQuery.sort before relevance; Meilisearch's default
# order (words, typo, proximity, attribute, sort, exactness) would sort only among equals of the
# rules before it (documentation learn/relevancy/ranking_rules).
RANKING_RULES = ("sort", "words", "typo", "proximity", "attribute", "exactness")
# One typo from 5 characters, two from 9 (stack-facts §1.7; also the server's defaults).
TYPO_TOLERANCE = {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}}


def settings_body(
    settings: IndexSettings,
    stale_embedders: set[str],
    max_values_per_facet: int,
    max_total_hits: int,
) -> dict[str, Any]:
    """Every setting the backend owns, embedders included in full (stack-facts §1.12 pitfall 1:
    a push without them was reported to lose them). ``stale_embedders`` are sent as null, which
    removes them."""
    embedders: dict[str, Any] = {
        e.name: {"source": "userProvided", "dimensions": e.dimensions} for e in settings.embedders
    }
    embedders.update({name: None for name in sorted(stale_embedders)})
    return {
        "searchableAttributes": list(settings.searchable),
        "filterableAttributes": list(settings.filterable),
        "sortableAttributes": list(settings.sortable),
        "rankingRules": list(RANKING_RULES),
        "typoTolerance": copy.deepcopy(TYPO_TOLERANCE),
        "faceting": {"maxValuesPerFacet": max_values_per_facet},
        "pagination": {"maxTotalHits": max_total_hits},
        "embedders": embedders,
    }


def settings_from_server(uid: str, raw: Mapping[str, Any]) -> IndexSettings:
    """The contract's view of a ``GET /indexes/{uid}/settings`` answer (used by a process that
    searches an index another process created)."""
    return IndexSettings(
        uid=uid,
        searchable=tuple(raw.get("searchableAttributes") or ()),
        filterable=tuple(attribute_names(raw.get("filterableAttributes"))),
        sortable=tuple(raw.get("sortableAttributes") or ()),
        embedders=tuple(EmbedderSpec(name, dims) for name, dims in embedders_of(raw).items()),
    )


def embedders_of(raw: Mapping[str, Any]) -> dict[str, int]:
    """{name: dimensions} of the embedders in a settings answer."""
    found: dict[str, int] = {}
    for name, spec in (raw.get("embedders") or {}).items():
        if isinstance(spec, Mapping):
            found[name] = int(spec.get("dimensions") or 0)
    return found


def attribute_names(value: Any) -> list[str]:
    """Filterable attributes as names. From v1.14 the server may answer with granular objects
    ``{"attributePatterns": [...], "features": {...}}`` instead of strings (unverified here)."""
    names: list[str] = []
    for item in value or ():
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, Mapping):
            names.extend(str(p) for p in item.get("attributePatterns") or ())
    return names


def settings_match(current: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    """Whether the server already has ``wanted`` (a :func:`settings_body`), so ensure_index
    need send no task: searchable order, filterable and sortable sets, ranking rules, typo
    sizes, facet and total caps, and each embedder's source and dimensions (or absence)."""
    if list(current.get("searchableAttributes") or ()) != wanted["searchableAttributes"]:
        return False
    if sorted(attribute_names(current.get("filterableAttributes"))) != sorted(wanted["filterableAttributes"]):
        return False
    if sorted(current.get("sortableAttributes") or ()) != sorted(wanted["sortableAttributes"]):
        return False
    if list(current.get("rankingRules") or ()) != wanted["rankingRules"]:
        return False
    typo = current.get("typoTolerance") or {}
    if typo.get("enabled") is not True or typo.get("minWordSizeForTypos") != TYPO_TOLERANCE["minWordSizeForTypos"]:
        return False
    if (current.get("faceting") or {}).get("maxValuesPerFacet") != wanted["faceting"]["maxValuesPerFacet"]:
        return False
    if (current.get("pagination") or {}).get("maxTotalHits") != wanted["pagination"]["maxTotalHits"]:
        return False
    have = current.get("embedders") or {}
    for name, spec in wanted["embedders"].items():
        got = have.get(name)
        if spec is None:
            if got is not None:
                return False
        elif not isinstance(got, Mapping) or got.get("source") != "userProvided" or got.get("dimensions") != spec["dimensions"]:
            return False
    return True
