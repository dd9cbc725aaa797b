"""Ranking one query over an :class:`IndexState`: keyword scores, cosine scores, the hybrid mix.

Keyword score (0..1) of a document that matches at least one query word::

    kw = coverage * (0.5 + 0.5 * bm25 / best_bm25)

``coverage`` is the idf-weighted share of the query's words the document matches (a word
matched only through a typo counts 0.5 per edit), so a document matching every word scores
near 1 and one matching a single common word of a long need scores near 0, much as
Meilisearch's ranking score is led by its "words" rule. ``bm25`` sums the words' BM25
contributions (typo matches weighted the same way) and ``best_bm25`` is the highest among the
documents passing the filter: it orders documents of equal coverage. Both parts are fixed per
query, so the hybrid score below is linear in the ratio and rankings move monotonically.

Semantic score (0..1): per embedder ``(1 + cosine) / 2`` (0 for a document without a vector
for it), averaged with ``query.embedder_weights`` over the embedders in ``query.vectors``.

Hybrid: ratio 0 → hits are the keyword matches, score = kw; ratio 1 → every document passing
the filter, score = semantic; between → every document passing the filter, score
``(1 - ratio) * kw + ratio * semantic`` (kw = 0 without a keyword match); with a
``semantic_floor`` only keyword matches and documents whose score in at least one embedder
(``(1 + cosine) / 2``) reaches it. An empty query (no
words after analysis) is a placeholder search: score 1.0, or the semantic score when vectors
are given with a ratio above 0. With a ratio above 0 but no vectors the search is keyword-only
(as Meilisearch falls back when it cannot embed). ``ranking_score_threshold`` drops the hits
scoring below it before the total, the facet counts and the page are taken.

Typos (as Meilisearch): a word of 5+ characters tolerates one edit, 9+ two; the first letter
must match; exact matches always rank above the same word's typo matches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from matching.backends.base import SearchQuery
from matching.backends.embedded_facets import filter_mask
from matching.backends.embedded_keywords import Vocabulary
from matching.backends.embedded_state import IndexState
from matching.text.tokenize import QueryWord

#: A typo match's BM25 is multiplied by this per edit.
TYPO_FACTOR = 0.5
#: Typo variants tried per word at most (closest first).
MAX_TYPO_VARIANTS = 8


def typo_budget(word: str) -> int:
    """Edits tolerated for a query word of this length: 0 below 5 characters, 1 below 9, else 2."""
    return 0 if len(word) < 5 else 1 if len(word) < 9 else 2


@dataclass
class _WordMatch:
    word: str
    slots: np.ndarray  # int64 (m,), unique
    scores: np.ndarray  # float64 (m,)
    credit: np.ndarray  # float64 (m,): 1 exact, TYPO_FACTOR ** edits for typo matches
    idf: float


@dataclass
class Ranking:
    """The outcome of ranking: ``slots`` (page, int64), their ``scores``, ``keyword``
    (kw score or NaN per page slot), ``total``, ``facets``, the matched words per page slot."""

    slots: np.ndarray
    scores: np.ndarray
    keyword: np.ndarray
    matched: list[tuple[str, ...]]
    total: int
    facets: dict[str, dict[str, int]]


def rank(state: IndexState, query: SearchQuery, words: list[QueryWord], vocabulary: Vocabulary, query_vectors: dict[str, tuple[np.ndarray, float]]) -> Ranking:
    """Rank ``state``'s documents for ``query`` (already checked). ``query_vectors``: {embedder:
    (unit float32 (d,), weight)} with weights summing above 0, or {} for no vectors."""
    n = state.slots
    mask = state.alive[:n].copy()
    if query.filter is not None:
        mask &= filter_mask(query.filter, state.columns, n)[:n]
    matches = [_match_word(state, word, vocabulary) for word in words]
    has_words = bool(words)
    keyword = _keyword_scores(matches, mask, n) if has_words else None
    ratio = float(query.semantic_ratio)
    semantic_mode = bool(query_vectors) and ratio > 0.0

    if not has_words:
        candidates = np.flatnonzero(mask)
        scores = _semantic(state, query_vectors, candidates) if semantic_mode else np.ones(len(candidates))
    elif not semantic_mode:
        candidates = np.flatnonzero(mask & ~np.isnan(keyword))
        scores = keyword[candidates]
    else:
        candidates = np.flatnonzero(mask)
        floor = query.semantic_floor if ratio < 1.0 else None
        closest = np.zeros(len(candidates)) if floor is not None else None
        semantic = _semantic(state, query_vectors, candidates, closest)
        kw = np.nan_to_num(keyword[candidates], nan=0.0)
        scores = semantic if ratio >= 1.0 else (1.0 - ratio) * kw + ratio * semantic
        if floor is not None:
            # semantic_floor: without the words, only documents that some embedder finds this
            # close in meaning are hits (as Meilisearch's per-embedder semantic queries do)
            kept = ~np.isnan(keyword[candidates]) | (closest >= floor)
            candidates, scores = candidates[kept], scores[kept]

    threshold = query.ranking_score_threshold
    if threshold is not None:
        kept = scores >= threshold
        candidates, scores = candidates[kept], scores[kept]

    facets = {}
    if query.facets:
        matched_mask = np.zeros(n, dtype=bool)
        matched_mask[candidates] = True
        facets = {name: state.columns[name].counts(matched_mask) for name in query.facets}

    page = _page(state, query, candidates, scores)
    page_slots = candidates[page]
    page_keyword = keyword[page_slots] if keyword is not None else np.full(len(page_slots), np.nan)
    matched = _matched_words(matches, page_slots, n)
    return Ranking(page_slots, scores[page], page_keyword, matched, len(candidates), facets)


def _match_word(state: IndexState, word: QueryWord, vocabulary: Vocabulary) -> _WordMatch:
    """The documents matching one query word (all parts of a compound; typo variants of a
    single term), with their BM25 contributions and coverage credits."""
    keywords = state.keywords
    n = state.slots
    term_ids = [vocabulary.ids.get(t) for t in word.terms]
    idf = 0.0
    if len(word.terms) > 1:  # a compound: every part must be present
        count = np.zeros(n, dtype=np.int16)
        total = np.zeros(n, dtype=np.float64)
        for term_id in term_ids:
            if term_id is None:
                idf += keywords.idf(0)
                continue
            slots, scores, term_idf = keywords.bm25(term_id)
            idf += term_idf
            count[slots] += 1
            total[slots] += scores
        if any(t is None for t in term_ids):
            return _WordMatch(word.word, np.zeros(0, np.int64), np.zeros(0), np.zeros(0), idf)
        slots = np.flatnonzero(count == len(term_ids))
        return _WordMatch(word.word, slots, total[slots], np.ones(len(slots)), idf)

    term = word.terms[0]
    term_id = term_ids[0]
    if term_id is not None:
        slots, scores, idf = keywords.bm25(term_id)
    else:
        slots, scores, idf = np.zeros(0, np.int32), np.zeros(0, np.float32), keywords.idf(0)
    variants = []
    for near_id, edits in vocabulary.near(word.forms[0] if word.forms else term, typo_budget(word.word)):
        if near_id != term_id and keywords.has_term(near_id):
            variants.append((near_id, edits))
            if len(variants) >= MAX_TYPO_VARIANTS:
                break
    if not variants:
        slots = slots.astype(np.int64)
        return _WordMatch(word.word, slots, scores.astype(np.float64), np.ones(len(slots)), idf)
    best = np.zeros(n, dtype=np.float64)
    credit = np.zeros(n, dtype=np.float64)
    for near_id, edits in variants:
        near_slots, near_scores, _ = keywords.bm25(near_id)
        factor = TYPO_FACTOR**edits
        best[near_slots] = np.maximum(best[near_slots], near_scores * factor)
        credit[near_slots] = np.maximum(credit[near_slots], factor)
    # exact matches outrank the same word's typo matches
    best[slots] = scores
    credit[slots] = 1.0
    hit = np.flatnonzero(credit)
    return _WordMatch(word.word, hit, best[hit], credit[hit], idf)


def _keyword_scores(matches: list[_WordMatch], mask: np.ndarray, n: int) -> np.ndarray:
    """float64 (n,): kw score of each slot, NaN where no word matches."""
    keyword = np.full(n, np.nan)
    if not matches:
        return keyword
    slots = np.concatenate([m.slots for m in matches])
    if not len(slots):
        return keyword
    bm25 = np.bincount(slots, weights=np.concatenate([m.scores for m in matches]), minlength=n)
    idf_total = sum(m.idf for m in matches) or 1.0
    coverage = np.bincount(slots, weights=np.concatenate([m.credit * m.idf for m in matches]), minlength=n) / idf_total
    hit = np.zeros(n, dtype=bool)
    hit[slots] = True
    passing = hit & mask
    best = bm25[passing].max() if passing.any() else bm25[hit].max()
    keyword[hit] = coverage[hit] * (0.5 + 0.5 * bm25[hit] / (best or 1.0))
    return np.clip(keyword, 0.0, 1.0)


def _semantic(
    state: IndexState, query_vectors: dict[str, tuple[np.ndarray, float]], candidates: np.ndarray, best: np.ndarray | None = None
) -> np.ndarray:
    """float64 (len(candidates),): weighted mean over embedders of (1 + cosine) / 2. ``best``:
    if given (float64, same length, zeros), it receives the highest single embedder's score."""
    total = np.zeros(len(candidates), dtype=np.float64)
    weight_sum = 0.0
    n = state.slots
    dense = len(candidates) * 3 > n
    for name, (vector, weight) in query_vectors.items():
        weight_sum += weight
        if weight == 0.0:
            continue
        matrix = state.vectors[name]
        # einsum, not BLAS: one thread, and measured here faster than OpenBLAS's two threads
        # (100k rows × (512 + 384) on a busy machine: 20 vs 42 ms p50); no BLAS worker threads
        # are left spinning beside the next query's embedding either
        if dense:
            cosine = np.einsum("ij,j->i", matrix[:n], vector)[candidates]
        else:
            cosine = np.einsum("ij,j->i", matrix[candidates], vector)
        score = (1.0 + cosine.astype(np.float64)) / 2.0
        score[~state.has_vector[name][candidates]] = 0.0
        total += weight * score
        if best is not None:
            np.maximum(best, score, out=best)
    return total / weight_sum


def cosines(state: IndexState, query_vectors: dict[str, tuple[np.ndarray, float]], slot: int) -> dict[str, float]:
    """{embedder: cosine} of one slot, for the embedders it has a vector for."""
    return {
        name: float(state.vectors[name][slot] @ vector)
        for name, (vector, _weight) in query_vectors.items()
        if state.has_vector[name][slot]
    }


def _page(state: IndexState, query: SearchQuery, candidates: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Indices into ``candidates`` of the requested page, in order."""
    start, stop = query.offset, query.offset + query.limit
    if start >= len(candidates):
        return np.zeros(0, dtype=np.int64)
    if query.sort:
        keys: list[np.ndarray] = [candidates, -scores]
        for field, direction in reversed(query.sort):
            keys.extend(state.columns[field].sort_keys(candidates, direction == "desc"))
        return np.lexsort(keys)[start:stop]
    chosen = np.arange(len(candidates))
    if stop < len(candidates):
        threshold = np.partition(scores, len(scores) - stop)[len(scores) - stop]
        above = np.flatnonzero(scores > threshold)
        ties = np.flatnonzero(scores == threshold)[: stop - len(above)]
        chosen = np.concatenate([above, ties])
    order = np.lexsort((candidates[chosen], -scores[chosen]))
    return chosen[order][start:stop]


def _matched_words(matches: list[_WordMatch], page_slots: np.ndarray, n: int) -> list[tuple[str, ...]]:
    """For each page slot, the query words it matched (in query order)."""
    if not len(page_slots) or not matches:
        return [() for _ in page_slots]
    row_of = np.full(n, -1, dtype=np.int64)
    row_of[page_slots] = np.arange(len(page_slots))
    found = np.zeros((len(page_slots), len(matches)), dtype=bool)
    for column, match in enumerate(matches):
        rows = row_of[match.slots]
        found[rows[rows >= 0], column] = True
    return [tuple(matches[c].word for c in np.flatnonzero(row)) for row in found]
