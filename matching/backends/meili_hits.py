"""Read Meilisearch search responses into :class:`~matching.backends.base.Hit` objects.

What each number means, and where it is approximate:

- A keyword or placeholder search (``POST /indexes/{uid}/search``): ``Hit.score`` and
  ``keyword_score`` are ``_rankingScore`` (0..1; 1.0 for every hit of a placeholder search,
  whose ``keyword_score`` is None since no words were asked for).
- A search with vectors is federated (``meili.py``, ``_hybrid_queries``): ``Hit.score`` is
  ``_federation.weightedRankingScore`` = the query's weight x its ``_rankingScore``, the number
  the federation ordered the hits by. ``_federation.queriesPosition`` says which query found the
  hit: the keyword query gives ``keyword_score`` = ``_rankingScore``; an embedder's query gives
  ``semantic_scores[embedder]``. A document found by several queries is returned once, from its
  best query, so only that query's score is known: ``keyword_score`` is None for a hit found by
  a vector even when it also contains the words, and ``semantic_scores`` holds one embedder at
  most. The embedded backend knows every part; this one knows the winning part.
- A vector hit's details are ``vectorSort: {order, similarity}`` (``crates/milli/src/
  score_details.rs``, ``to_json_map``); ``similarity`` is ``(1 + cosine) / 2`` for a
  user-provided embedder without a ``distribution`` setting: the server's own test
  ``crates/meilisearch/tests/search/hybrid.rs`` (``simple_search``) gives 0.990290343761444 for
  the vectors [2, 3] and [1, 1], whose cosine is 0.980580... :func:`cosine_from_similarity`
  inverts it.
- ``_matchesPosition`` gives ``start`` in bytes (documented) and ``length`` in bytes per the
  documentation but in characters in the server (meilisearch issues #3938 and #5429). The
  fragment is therefore read from the byte ``start`` up to ``length`` characters and cut at the
  end of the word, which is right under both readings; the query words it stands for are found
  by :func:`matched_terms` (equal, prefix either way, or within the typo budget). Hits found
  only by a semantic query carry no positions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from matching.backends.base import Hit, SearchBackendError

_WORD = re.compile(r"\w+", re.UNICODE)


def query_words(text: str) -> tuple[str, ...]:
    """The words of a query as the user typed them, lower-cased, first occurrence first."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        seen.setdefault(word, None)
    return tuple(seen)


def cosine_from_similarity(similarity: float) -> float:
    """Cosine (-1..1) from Meilisearch's similarity (0..1) of a user-provided embedder."""
    return max(-1.0, min(1.0, 2.0 * float(similarity) - 1.0))


def read_hit(raw: Mapping[str, Any], *, words: Sequence[str]) -> Hit:
    """One hit of a keyword or placeholder search (``words`` empty for a placeholder search)."""
    score = _number(raw, "_rankingScore")
    return _build(raw, score, score if words else None, {}, words)


def read_federated_hit(
    raw: Mapping[str, Any],
    *,
    words: Sequence[str],
    query_embedders: Sequence[str | None],
) -> Hit:
    """One hit of a federated search. ``query_embedders[i]`` is the embedder of query ``i``,
    None for the keyword query; ``_federation.queriesPosition`` says which query found the hit."""
    federation = raw.get("_federation")
    if not isinstance(federation, Mapping):
        raise SearchBackendError("Meilisearch federated hit without _federation")
    position = federation.get("queriesPosition")
    if not isinstance(position, int) or not 0 <= position < len(query_embedders):
        raise SearchBackendError(f"Meilisearch federated hit with queriesPosition {position!r}")
    ordering = _number(federation, "weightedRankingScore")
    embedder = query_embedders[position]
    keyword_score: float | None = None
    semantic: dict[str, float] = {}
    if embedder is None:
        keyword_score = _number(raw, "_rankingScore") if words else None
    else:
        similarity = _similarity(raw.get("_rankingScoreDetails") or {})
        if similarity is None:
            similarity = _number(raw, "_rankingScore")
        semantic[embedder] = cosine_from_similarity(similarity)
    return _build(raw, ordering, keyword_score, semantic, words)


def read_facets(distribution: Any, requested: Iterable[str]) -> dict[str, dict[str, int]]:
    """``facetDistribution`` as {field: {value: count}}, with an empty dict for each requested
    field the server left out."""
    facets: dict[str, dict[str, int]] = {name: {} for name in requested}
    if distribution is None:
        return facets
    if not isinstance(distribution, Mapping):
        raise SearchBackendError("Meilisearch facetDistribution is not an object")
    for name, values in distribution.items():
        if not isinstance(values, Mapping):
            raise SearchBackendError(f"Meilisearch facetDistribution[{name!r}] is not an object")
        facets[str(name)] = {str(value): int(count) for value, count in values.items()}
    return facets


def read_total(response: Mapping[str, Any], hits_seen: int) -> int:
    """``totalHits`` (exhaustive) or ``estimatedTotalHits``; the hits seen when neither is given."""
    for key in ("totalHits", "estimatedTotalHits"):
        value = response.get(key)
        if isinstance(value, int):
            return value
    return hits_seen


def matched_terms(raw: Mapping[str, Any], words: Sequence[str]) -> tuple[str, ...]:
    """The query words found in the hit, in query order, from ``_matchesPosition``.

    Approximate: Meilisearch reports where it matched, not which query word matched there, so a
    word counts as found when a matched fragment equals it, one is a prefix of the other
    (prefix search; a Korean particle after a matched stem) or it is within the typo budget
    (1 edit from 5 characters, 2 from 9). Words of the hits found only by a vector search have no
    positions and are not listed.
    """
    if not words:
        return ()
    fragments = {_normalise(f) for f in _fragments(raw)}
    fragments.discard("")
    found = [w for w in words if any(_same_term(_normalise(w), f) for f in fragments)]
    return tuple(found)


# -- internals ---------------------------------------------------------------------------------


def _build(
    raw: Mapping[str, Any],
    ordering: float,
    keyword_score: float | None,
    semantic: dict[str, float],
    words: Sequence[str],
) -> Hit:
    if "id" not in raw:
        raise SearchBackendError("Meilisearch hit without id")
    document = {k: v for k, v in raw.items() if not str(k).startswith("_")}
    return Hit(
        id=str(raw["id"]),
        score=max(0.0, min(1.0, ordering)),
        keyword_score=None if keyword_score is None else max(0.0, min(1.0, keyword_score)),
        semantic_scores=semantic,
        matched_terms=matched_terms(raw, words),
        document=document,
    )


def _number(container: Mapping[str, Any], key: str) -> float:
    value = container.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SearchBackendError(f"Meilisearch response without a numeric {key}")
    return float(value)


def _similarity(details: Mapping[str, Any]) -> float | None:
    vector = details.get("vectorSort") if isinstance(details, Mapping) else None
    if isinstance(vector, Mapping):
        value = vector.get("similarity")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


def _fragments(raw: Mapping[str, Any]) -> Iterable[str]:
    positions = raw.get("_matchesPosition")
    if not isinstance(positions, Mapping):
        return
    for path, matches in positions.items():
        value = _lookup(raw, str(path))
        if not isinstance(matches, list):
            continue
        for match in matches:
            if not isinstance(match, Mapping):
                continue
            text = value
            indices = match.get("indices")
            if isinstance(value, list):
                if not (isinstance(indices, list) and indices and isinstance(indices[0], int)):
                    continue
                if not 0 <= indices[0] < len(value):
                    continue
                text = value[indices[0]]
            if not isinstance(text, str):
                continue
            fragment = _fragment(text, match.get("start"), match.get("length"))
            if fragment:
                yield fragment


def _lookup(document: Mapping[str, Any], path: str) -> Any:
    value: Any = document
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def _fragment(text: str, start: Any, length: Any) -> str:
    if not isinstance(start, int) or not isinstance(length, int) or start < 0 or length <= 0:
        return ""
    encoded = text.encode("utf-8")
    if start >= len(encoded):
        return ""
    tail = encoded[start:].decode("utf-8", errors="ignore")
    word = _WORD.match(tail)
    if not word:
        return ""
    return word.group(0)[:length]


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if unicodedata.category(c) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def _typo_budget(word: str) -> int:
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


def _same_term(word: str, fragment: str) -> bool:
    if word == fragment or fragment.startswith(word):
        return True
    if word.startswith(fragment) and len(fragment) >= 2:
        return True
    budget = _typo_budget(word)
    if budget == 0:
        return False
    return _edit_distance(word, fragment, budget) <= budget or _edit_distance(
        word, fragment[: len(word)], budget
    ) <= budget


def _edit_distance(a: str, b: str, cap: int) -> int:
    """Damerau (optimal string alignment) distance, stopping early above ``cap``."""
    if abs(len(a) - len(b)) > cap:
        return cap + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > cap:
            return cap + 1
        previous2, previous = previous, current
    return previous[-1]
