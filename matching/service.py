"""The matching service: indexing with embeddings, searches fused per language, explained matches.

:class:`MatchingService` sits between the platform and a :class:`~matching.backends.base.SearchBackend`.
It embeds documents (:mod:`matching.documents`) and queries with the embedders it was given,
detects each query's language (:mod:`matching.language`) and ranks it by that language's
:class:`~matching.fusion.LanguagePlan` (which embedders, their weights, the semantic ratio, the
glossary), and explains every match: the query's words and tags the hit has, its semantic
similarity per embedder and fused, and the caller's criteria it passes and lacks.

Three flows (issue 4): a need → ranked startups (:meth:`MatchingService.match_need`), a startup
→ needs it may see (:meth:`~MatchingService.needs_for_startup`) and → similar startups
(:meth:`~MatchingService.similar_startups`). The service never decides who may see what: the
caller passes the filter (opted-out and inactive startups, needs the startup may not see) and
the backend applies it.
"""

from __future__ import annotations

import dataclasses

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from matching.backends.base import (
    EmbedderSpec,
    Filter,
    Hit,
    IndexSettings,
    InvalidQueryError,
    SearchBackend,
    SearchQuery,
    SearchResult,
)
from matching.chunking import split_sentences
from matching.criteria import Criterion, split_criteria
from matching.documents import (
    NEEDS_INDEX,
    STARTUPS_INDEX,
    IndexedText,
    NeedText,
    StartupText,
    index_settings,
    need_document,
    need_query_text,
    startup_document,
    startup_query_text,
)
from matching.embeddings import Embedder, check_name, identity_of, normalise_rows
from matching.fusion import FusionConfig, LanguagePlan, default_fusion
from matching.glossary import Glossary
from matching.language import KOREAN, LANGUAGES, detect_language
from matching.request_words import content_keywords

log = logging.getLogger(__name__)

INDEXES = (STARTUPS_INDEX, NEEDS_INDEX)
#: Documents embedded and sent to the backend per batch when indexing. Large batches matter:
#: sentence-transformers sorts a call's texts by length before padding them into model batches,
#: so more texts per call waste less on padding (64 documents per call measured ~40% slower).
INDEX_BATCH = 256
MAX_LIMIT = 1000


@dataclass(frozen=True)
class Explanation:
    """Why a hit matched, the same for the corporation and the startup.

    language: the query's language ("ko"/"en"); matched_terms: query words found in the hit
    (lower-cased; glossary words count); matched_tags: the caller's tags the hit also has (as
    the caller wrote them); similarity: the fused semantic similarity 0..1 (None when the
    search used no vectors); similarities: {embedder: 0..1} (cosine, negatives as 0);
    keyword_score: 0..1 or None when the hit did not match the words; passed / lacking: labels
    of the caller's criteria the hit passes / does not pass.
    """

    language: str
    matched_terms: tuple[str, ...]
    matched_tags: tuple[str, ...]
    similarity: float | None
    similarities: Mapping[str, float]
    keyword_score: float | None
    passed: tuple[str, ...]
    lacking: tuple[str, ...]


@dataclass(frozen=True)
class Match:
    """One ranked document with its explanation; ``id``/``score``/``document`` come from the hit."""

    hit: Hit
    explanation: Explanation

    @property
    def id(self) -> str:
        return self.hit.id

    @property
    def score(self) -> float:
        return self.hit.score

    @property
    def document(self) -> Mapping[str, Any]:
        return self.hit.document


@dataclass(frozen=True)
class MatchPage:
    """A page of matches: ``matches`` ranked, ``total`` documents matching, ``facets`` counts,
    ``language`` of the query, ``plan`` used (for display and debugging)."""

    matches: tuple[Match, ...]
    total: int
    facets: Mapping[str, Mapping[str, int]]
    language: str
    plan: LanguagePlan


@dataclass(frozen=True)
class PreparedQuery:
    """What the service sends for one text: the backend query, its language and plan."""

    query: SearchQuery
    language: str
    plan: LanguagePlan
    expansions: tuple[str, ...] = field(default=())


class MatchingService:
    """Indexes startups and needs and ranks them for a query, with explanations.

    backend: a SearchBackend; embedders: the loaded embedders (at least one; names unique);
    fusion: per-language plans (default :func:`~matching.fusion.default_fusion` of the
    embedders' names); glossary: Korean/English term pairs that bridge the keyword side
    (optional). ValueError for no embedders, repeated names, or a plan naming an embedder the
    service was not given.
    """

    def __init__(
        self,
        backend: SearchBackend,
        embedders: Sequence[Embedder] | Mapping[str, Embedder],
        fusion: FusionConfig | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        listed = list(embedders.values()) if isinstance(embedders, Mapping) else list(embedders)
        if not listed:
            raise ValueError("embedders: give at least one embedder (e.g. 'use')")
        names = [check_name(embedder.name) for embedder in listed]
        if len(set(names)) != len(names):
            raise ValueError(f"embedders: names repeat in {names!r}")
        self.backend = backend
        self.embedders: dict[str, Embedder] = {embedder.name: embedder for embedder in listed}
        self.fusion = fusion if fusion is not None else default_fusion(names)
        unknown = sorted(self.fusion.embedders() - set(names))
        if unknown:
            raise ValueError(f"fusion: plans use embedder(s) {', '.join(unknown)} the service was not given ({', '.join(names)})")
        self.glossary = glossary
        self.specs = tuple(EmbedderSpec(embedder.name, int(embedder.dimensions)) for embedder in listed)

    # -- indexes ---------------------------------------------------------------------------------

    def settings(self, index: str) -> IndexSettings:
        """The IndexSettings of ``index`` ("startups" or "needs") for this service's embedders."""
        return index_settings(_check_index(index), self.specs)

    def ensure_indexes(self) -> None:
        """Create both indexes or bring their settings up to date (idempotent)."""
        for index in INDEXES:
            self.backend.ensure_index(self.settings(index))

    def document_for(self, item: StartupText | NeedText) -> IndexedText:
        """The index document of a startup or need (fields, passages, fingerprint) for these embedders."""
        identities = [identity_of(embedder) for embedder in self.embedders.values()]
        if isinstance(item, StartupText):
            return startup_document(item, identities)
        if isinstance(item, NeedText):
            return need_document(item, identities)
        raise TypeError(f"expected StartupText or NeedText, got {type(item).__name__}")

    def index_startups(self, startups: Iterable[StartupText], batch_size: int = INDEX_BATCH) -> int:
        """Embed and upsert startups in batches; returns how many. ValueError for a bad profile
        (nothing of its batch is sent); SearchBackendError when the backend fails."""
        return self._index(STARTUPS_INDEX, startups, batch_size)

    def index_needs(self, needs: Iterable[NeedText], batch_size: int = INDEX_BATCH) -> int:
        """Embed and upsert needs in batches; returns how many (errors as :meth:`index_startups`)."""
        return self._index(NEEDS_INDEX, needs, batch_size)

    def remove(self, index: str, ids: Sequence[str]) -> None:
        """Delete documents by id from ``index`` (unknown ids are ignored)."""
        self.backend.delete(_check_index(index), [str(doc_id) for doc_id in ids])

    def fingerprints(self, index: str) -> dict[str, str]:
        """{id: fingerprint} stored in ``index``, to compare with :meth:`document_for` of each row."""
        return self.backend.fingerprints(_check_index(index))

    def embed_documents(self, documents: Sequence[IndexedText]) -> list[dict[str, Any]]:
        """Backend documents for ``documents``: their fields plus ``_vectors`` {embedder: float32
        (d,) unit}. Each embedder encodes all passages of the batch in one call; a document's
        vector is the mean of its passage vectors in the languages the embedder reads,
        renormalised. A document with no passage such an embedder reads (a Korean-only profile
        for MiniLM) is embedded from all its passages anyway: its similarity to a query then
        says "unrelated" (cosine near 0) where no vector would score as the worst possible."""
        out = [dict(doc.fields, _vectors={}) for doc in documents]
        for name, embedder in self.embedders.items():
            groups = [doc.passages_for(embedder.languages) or doc.passages_for(LANGUAGES) for doc in documents]
            flat = [text for group in groups for text in group]
            vectors = embedder.embed(flat) if flat else np.zeros((0, embedder.dimensions), np.float32)
            start = 0
            for row, group in enumerate(groups):
                if not group:
                    out[row]["_vectors"][name] = None
                    continue
                mean = vectors[start : start + len(group)].mean(axis=0, keepdims=True)
                out[row]["_vectors"][name] = normalise_rows(mean)[0]
                start += len(group)
        return out

    def _index(self, index: str, items: Iterable[StartupText | NeedText], batch_size: int) -> int:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        kind = StartupText if index == STARTUPS_INDEX else NeedText
        count = 0
        batch: list[IndexedText] = []
        for position, item in enumerate(items):
            if not isinstance(item, kind):
                raise TypeError(f"{index}[{position}]: expected {kind.__name__}, got {type(item).__name__}")
            batch.append(self.document_for(item))
            if len(batch) >= batch_size:
                self.backend.upsert(index, self.embed_documents(batch))
                count += len(batch)
                batch = []
        if batch:
            self.backend.upsert(index, self.embed_documents(batch))
            count += len(batch)
        return count

    # -- queries ---------------------------------------------------------------------------------

    def prepare(
        self,
        text: str,
        filter: Filter | None = None,
        facets: Sequence[str] = (),
        sort: Sequence[tuple[str, str]] = (),
        limit: int = 20,
        offset: int = 0,
        semantic_ratio: float | None = None,
    ) -> PreparedQuery:
        """The backend query for ``text``: its language, the plan's embedders and weights, the
        glossary's words, and ``semantic_ratio`` (None = the plan's). An empty text is a
        placeholder search (every document passing the filter; no vectors, ratio 0).
        InvalidQueryError for a ratio outside 0..1, a limit outside 1..1000 or a negative offset.
        """
        if not isinstance(text, str):
            raise InvalidQueryError(f"text: expected str, got {type(text).__name__}")
        if semantic_ratio is not None and (
            isinstance(semantic_ratio, bool) or not isinstance(semantic_ratio, (int, float)) or not 0.0 <= semantic_ratio <= 1.0
        ):
            raise InvalidQueryError(f"semantic_ratio: expected a number from 0 to 1 (or None for the default), got {semantic_ratio!r}")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise InvalidQueryError(f"limit: expected a whole number from 1 to {MAX_LIMIT}, got {limit!r}")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidQueryError(f"offset: expected a whole number >= 0, got {offset!r}")
        text = text.strip()
        language = detect_language(text)
        plan = self.fusion.plan(language)
        common = dict(filter=filter, facets=tuple(facets), sort=tuple(tuple(item) for item in sort), limit=limit, offset=offset)
        if not text:
            return PreparedQuery(SearchQuery(text="", semantic_ratio=0.0, **common), language, plan)
        expansions = tuple(self.glossary.expand(text, language)) if self.glossary is not None else ()
        keyword_text = content_keywords(text) if plan.drop_request_words else text
        if expansions and plan.expand_keywords:
            keyword_text = f"{' '.join(expansions)}\n{keyword_text}"  # first: a query keeps its first 64 words
        ratio = plan.semantic_ratio if semantic_ratio is None else float(semantic_ratio)
        weights = plan.active
        vectors: dict[str, np.ndarray] = {}
        if ratio > 0 and weights:
            vector_text = f"{text}\n{', '.join(expansions)}" if expansions and plan.expand_vectors else text
            for name in weights:
                vectors[name] = self._query_vector(name, vector_text, plan.sentence_vectors)
        elif ratio > 0:
            ratio = 0.0  # nothing can read this language: keyword-only
        query = SearchQuery(
            text=keyword_text,
            vectors=vectors,
            embedder_weights=weights if vectors else {},
            semantic_ratio=ratio if vectors else 0.0,
            **common,
        )
        return PreparedQuery(query, language, plan, expansions)

    def _query_vector(self, name: str, text: str, per_sentence: bool) -> np.ndarray:
        embedder = self.embedders[name]
        sentences = split_sentences(text) if per_sentence else []
        if len(sentences) < 2:
            return embedder.embed([text])[0]
        vectors = embedder.embed([text, *sentences])
        whole, parts = vectors[0], vectors[1:].mean(axis=0)
        return normalise_rows((whole + normalise_rows(parts[None, :])[0])[None, :])[0]

    def search(
        self,
        index: str,
        text: str,
        filter: Filter | None = None,
        facets: Sequence[str] = (),
        sort: Sequence[tuple[str, str]] = (),
        limit: int = 20,
        offset: int = 0,
        semantic_ratio: float | None = None,
        ranking_score_threshold: float | None = None,
        semantic_floor: float | None = None,
    ) -> SearchResult:
        """Search ``index`` ("startups" or "needs") for ``text`` ranked by the plan of its
        language (see :meth:`prepare`). ranking_score_threshold: None, or 0..1: hits scoring
        below it are dropped and not counted; semantic_floor: None, or 0..1: a document without
        the words is a hit only when this close in meaning (keyword boxes; see SearchQuery). InvalidQueryError
        for an unknown index or a bad query (also from the backend: a filter on a field that is
        not filterable, a threshold outside 0..1, ...); SearchBackendError when the backend fails."""
        index = _check_index(index)
        prepared = self.prepare(text, filter, facets, sort, limit, offset, semantic_ratio)
        query = dataclasses.replace(
            prepared.query, ranking_score_threshold=ranking_score_threshold, semantic_floor=semantic_floor
        )
        return self.backend.search(index, query)

    def match(
        self,
        index: str,
        text: str,
        tags: Sequence[str] = (),
        filter: Filter | None = None,
        criteria: Sequence[Criterion] = (),
        limit: int = 20,
        offset: int = 0,
        facets: Sequence[str] = (),
        semantic_ratio: float | None = None,
    ) -> MatchPage:
        """Like :meth:`search`, each hit with its :class:`Explanation`.

        tags: the query's tags (a need's taxonomy labels) compared case-insensitively with the
        hit's; criteria: requirements to report as passed or lacking (they do not filter: put
        hard requirements in ``filter``).
        """
        index = _check_index(index)
        for position, criterion in enumerate(criteria):
            if not isinstance(criterion, Criterion):
                raise InvalidQueryError(f"criteria[{position}]: expected a Criterion, got {type(criterion).__name__}")
        prepared = self.prepare(text, filter, facets, (), limit, offset, semantic_ratio)
        result = self.backend.search(index, prepared.query)
        matches = tuple(
            Match(hit, self.explain(hit, prepared, tags, criteria)) for hit in result.hits
        )
        return MatchPage(matches, result.total, result.facets, prepared.language, prepared.plan)

    def explain(self, hit: Hit, prepared: PreparedQuery, tags: Sequence[str] = (), criteria: Sequence[Criterion] = ()) -> Explanation:
        """The :class:`Explanation` of one hit of ``prepared``'s query."""
        weights = prepared.query.embedder_weights if prepared.query.vectors else {}
        similarities = {name: _unit(hit.semantic_scores[name]) for name in weights if name in hit.semantic_scores}
        fused: float | None = None
        if similarities:
            total = sum(weights[name] for name in similarities)
            fused = sum(weights[name] * similarities[name] for name in similarities) / total if total else None
        passed, lacking = split_criteria(criteria, hit.document)
        return Explanation(
            language=prepared.language,
            matched_terms=tuple(hit.matched_terms),
            matched_tags=matched_tags(tags, hit.document.get("tags", "")),
            similarity=fused,
            similarities=similarities,
            keyword_score=hit.keyword_score,
            passed=passed,
            lacking=lacking,
        )

    # -- the three flows -------------------------------------------------------------------------

    def match_need(self, need: NeedText, filter: Filter | None = None, criteria: Sequence[Criterion] = (), limit: int = 20, offset: int = 0, facets: Sequence[str] = ()) -> MatchPage:
        """Startups for a partner need: its titles and descriptions as the query, its tags
        compared with the startups'. ``filter`` must exclude what may not be proposed (opted-out,
        inactive: e.g. ``And((Eq("matchable", True), Eq("status", "active")))``)."""
        return self.match(STARTUPS_INDEX, need_query_text(need), need.tags, filter, criteria, limit, offset, facets)

    def needs_for_startup(self, startup: StartupText, filter: Filter | None = None, criteria: Sequence[Criterion] = (), limit: int = 20, offset: int = 0, facets: Sequence[str] = ()) -> MatchPage:
        """Needs for a startup: its name, one-liners and descriptions as the query; ``filter``
        must keep only the needs it may see (open, visible to it)."""
        return self.match(NEEDS_INDEX, startup_query_text(startup), startup.tags, filter, criteria, limit, offset, facets)

    def similar_startups(self, startup: StartupText, filter: Filter | None = None, limit: int = 10) -> MatchPage:
        """Startups like this one (itself left out), ranked as a query of its own texts."""
        page = self.match(STARTUPS_INDEX, startup_query_text(startup), startup.tags, filter, (), min(limit + 1, MAX_LIMIT))
        kept = tuple(match for match in page.matches if match.id != str(startup.id))
        total = page.total - 1 if len(kept) < len(page.matches) else page.total
        return MatchPage(kept[:limit], total, page.facets, page.language, page.plan)

    def similarity(self, text_a: str, text_b: str) -> float:
        """Semantic similarity 0..1 of two texts (e.g. a reviewer's expertise and an application):
        the cosine (negatives as 0) fused with the weights of the plan of the texts' language
        (Korean if either is Korean). ValueError when either text is blank."""
        if not text_a or not text_a.strip() or not text_b or not text_b.strip():
            raise ValueError("similarity: both texts must be non-empty")
        languages = {detect_language(text_a), detect_language(text_b)}
        plan = self.fusion.plan(KOREAN if KOREAN in languages else next(iter(languages)))
        weights = plan.active or {name: 1.0 for name, embedder in self.embedders.items() if KOREAN in embedder.languages}
        if not weights:
            raise ValueError("similarity: no embedder of this service reads both texts' languages")
        total = 0.0
        for name, weight in weights.items():
            a, b = self.embedders[name].embed([text_a, text_b])
            total += weight * _unit(float(a @ b))
        return total / sum(weights.values())


def matched_tags(tags: Sequence[str], document_tags: str | Sequence[str]) -> tuple[str, ...]:
    """The ``tags`` (as given, no repeats) that the document's tags also have, case-insensitively.
    ``document_tags``: the stored "tags" field (labels joined by " · ") or a list."""
    if isinstance(document_tags, str):
        have = {part.strip().casefold() for part in document_tags.split(" · ") if part.strip()}
    else:
        have = {str(part).strip().casefold() for part in document_tags}
    out: dict[str, str] = {}
    for tag in tags:
        key = tag.strip().casefold()
        if key in have and key not in out:
            out[key] = tag.strip()
    return tuple(out.values())


def _check_index(index: str) -> str:
    if index not in INDEXES:
        raise InvalidQueryError(f"index: unknown index {index!r} (known: {', '.join(INDEXES)})")
    return index


def _unit(cosine: float) -> float:
    return float(min(1.0, max(0.0, cosine)))
