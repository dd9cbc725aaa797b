"""The search backend contract (DESIGN.md §5): one protocol, two backends.

A backend holds named indexes ("startups", "needs", ...). Each document is a plain mapping:

- ``id``: str, unique in its index;
- text fields named in ``IndexSettings.searchable`` (str, may be empty);
- facet fields named in ``IndexSettings.filterable``: str, int, float, bool or list[str];
- ``fingerprint``: str, a hash of what was indexed (``index-status`` compares it with the database);
- ``_vectors``: {embedder name: float32 array (d,) unit length, or None for "no vector"}.
  Every embedder named in the index settings has an entry on every document.

A query carries the text, one vector per named embedder, a filter, the facets to count and a
semantic ratio. The ratio means what Meilisearch's ``hybrid.semanticRatio`` means at its ends:
0 is keyword-only (only documents matching the words are hits), 1 is vectors-only (every document
passing the filter is a hit, ranked by similarity), and between them a hit's score is
``(1 - ratio) * keyword_score + ratio * semantic_score`` so results move monotonically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, Union, runtime_checkable

import numpy as np


class SearchBackendError(RuntimeError):
    """The backend is unreachable, refused a request or a task failed. Callers retry later."""


class InvalidQueryError(ValueError):
    """The query names an unknown field, a wrong type or a ratio outside [0, 1]."""


@dataclass(frozen=True)
class EmbedderSpec:
    """One named embedding space of an index: ``name`` (e.g. "use", "minilm"), ``dimensions``."""

    name: str
    dimensions: int


@dataclass(frozen=True)
class IndexSettings:
    """What an index stores and how it can be queried.

    uid: index name ([a-z0-9_-]+); searchable: text fields, most important first;
    filterable: facet fields usable in filters and facet counts; sortable: fields usable in
    ``SearchQuery.sort``; embedders: one per vector space carried by the documents.
    """

    uid: str
    searchable: tuple[str, ...]
    filterable: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()
    embedders: tuple[EmbedderSpec, ...] = ()


# -- filters: a small AST that both backends translate ----------------------------------------


@dataclass(frozen=True)
class Eq:
    """``field = value``; on a list field, true when any element equals value."""

    field: str
    value: str | int | float | bool


@dataclass(frozen=True)
class In:
    """``field IN [values]``; on a list field, true when any element is in values."""

    field: str
    values: tuple[str | int | float | bool, ...]


@dataclass(frozen=True)
class Range:
    """``low <= field <= high`` (inclusive; either end may be None). Numeric fields only."""

    field: str
    low: int | float | None = None
    high: int | float | None = None


@dataclass(frozen=True)
class And:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Or:
    parts: tuple["Filter", ...]


@dataclass(frozen=True)
class Not:
    """Negation; like Meilisearch's NOT, it also matches documents that lack the field."""

    part: "Filter"


Filter = Union[Eq, In, Range, And, Or, Not]


@dataclass(frozen=True)
class SearchQuery:
    """One search.

    text: the user's words ("" = placeholder search: every document passing the filter);
    vectors: {embedder name: float32 (d,) unit length}; only embedders named here are used;
    embedder_weights: {embedder name: weight >= 0} for fusing several embedders' similarities
      (missing names weigh 1.0); semantic_ratio: 0..1 as in the module docstring;
    filter: Filter or None; facets: fields whose value counts to return (over every document
      matching text-or-vectors and filter, before limit/offset); sort: (("field", "asc"|"desc"), ...)
      applied before relevance when given; limit, offset: paging (limit 1..1000);
    ranking_score_threshold: None, or 0..1: hits whose ``score`` is below it are dropped and not
      counted in ``total`` (Meilisearch's ``rankingScoreThreshold``, v1.9+);
    semantic_floor: None, or 0..1: with a ratio strictly between 0 and 1, a document that does not
      match the words is a hit only when its semantic score in at least one of the query's
      embedders (0..1, ``(1 + cos) / 2``) reaches it; keyword matches are always hits. Keyword boxes use it so that "N found" means
      "has the words, or is close in meaning". Ignored at ratio 0 and 1.
    """

    text: str = ""
    vectors: Mapping[str, np.ndarray] = field(default_factory=dict)
    embedder_weights: Mapping[str, float] = field(default_factory=dict)
    semantic_ratio: float = 0.0
    filter: Filter | None = None
    facets: tuple[str, ...] = ()
    sort: tuple[tuple[str, str], ...] = ()
    limit: int = 20
    offset: int = 0
    ranking_score_threshold: float | None = None
    semantic_floor: float | None = None


@dataclass(frozen=True)
class Hit:
    """One ranked document.

    score: 0..1, the hybrid score that ordered the hits; keyword_score: 0..1 or None when the
    document did not match the words; semantic_scores: {embedder name: cosine similarity -1..1};
    matched_terms: query words (as the user typed them, lower-cased) found in the document;
    document: the stored fields, without ``_vectors``.
    """

    id: str
    score: float
    keyword_score: float | None
    semantic_scores: Mapping[str, float]
    matched_terms: tuple[str, ...]
    document: Mapping[str, Any]


@dataclass(frozen=True)
class SearchResult:
    """hits: ranked page; total: documents matching (text or vectors) and filter;
    facets: {field: {value as str: count}}."""

    hits: tuple[Hit, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@runtime_checkable
class SearchBackend(Protocol):
    """The contract both backends pass (tests/matching/contract/)."""

    name: str

    def ensure_index(self, settings: IndexSettings) -> None:
        """Create the index or bring its settings up to date; idempotent. Changing an
        embedder's dimensions drops that embedder's stored vectors."""

    def upsert(self, index: str, documents: Iterable[Mapping[str, Any]]) -> None:
        """Add or replace documents by id. Raises InvalidQueryError on a document without id,
        with an unknown embedder or a vector of the wrong length; SearchBackendError when the
        backend fails (nothing of the batch may be half-applied in the embedded backend)."""

    def delete(self, index: str, ids: Sequence[str]) -> None:
        """Remove documents by id; unknown ids are ignored."""

    def count(self, index: str) -> int:
        """Number of documents in the index."""

    def fingerprints(self, index: str) -> dict[str, str]:
        """{id: fingerprint} of every document, for comparing the index with the database."""

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        """Run one query. Raises InvalidQueryError for a filter or facet on a field that is
        not filterable, a sort on one not sortable, a ratio outside 0..1, a vector of the
        wrong length or an unknown embedder; SearchBackendError when the backend fails."""

    def drop_index(self, index: str) -> None:
        """Delete the index and its documents (reindex from scratch); unknown index is ignored."""

    def health(self) -> bool:
        """True when the backend answers."""
