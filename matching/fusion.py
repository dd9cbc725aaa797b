"""How a query is ranked, per query language: which embedders, their weights, the semantic ratio.

The defaults (:func:`default_fusion`) are what ``benchmarks/quality.py`` measured on
``shared/data/match_queries.json`` (see benchmarks/README.md for the table), chosen from the
flat part of the curves rather than their peak:

- English queries: the keyword ranking fused with USE and MiniLM, equal weights, ratio 0.8
  (0.75 to 0.85 measured within 0.003 of each other);
- Korean queries: the keyword ranking (request words dropped, the glossary's English words
  added) fused with USE only, ratio 0.8 (0.7 to 0.85 within 0.006). MiniLM cannot read Korean
  (all Korean sentences land close together), so its weight is 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from matching.embeddings import MINILM, USE
from matching.language import ENGLISH, KOREAN, LANGUAGES


@dataclass(frozen=True)
class LanguagePlan:
    """The ranking of queries written in one language.

    weights: {embedder name: weight >= 0}; an embedder not named (or 0) is not used for these
    queries. semantic_ratio: 0..1 (0 keyword-only, 1 vectors-only). expand_keywords: add the
    glossary's other-language terms to the keyword query. expand_vectors: embed the query with
    those terms appended (the vectors then read them too). sentence_vectors: a query of several
    sentences is embedded whole and per sentence, and the mean (renormalised) is its vector.
    drop_request_words: leave words such as "looking for partners" / "협력사를 찾습니다" out of
    the keyword query (:mod:`matching.request_words`; the vectors still read them).
    """

    weights: Mapping[str, float]
    semantic_ratio: float
    expand_keywords: bool = True
    expand_vectors: bool = False
    sentence_vectors: bool = False
    drop_request_words: bool = True

    def __post_init__(self) -> None:
        ratio = self.semantic_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 <= ratio <= 1.0:
            raise ValueError(f"semantic_ratio must be a number from 0 to 1, got {ratio!r}")
        for name, weight in self.weights.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weights[{name!r}] must be a finite number >= 0, got {weight!r}")
        if ratio > 0 and not self.active:
            raise ValueError("a plan with semantic_ratio > 0 needs at least one embedder with a weight above 0")

    @property
    def active(self) -> dict[str, float]:
        """{embedder: weight} of the embedders this plan uses (weight > 0)."""
        return {name: float(weight) for name, weight in self.weights.items() if weight > 0}


@dataclass(frozen=True)
class FusionConfig:
    """One :class:`LanguagePlan` per query language ("ko" and "en" both required)."""

    plans: Mapping[str, LanguagePlan] = field(default_factory=dict)

    def __post_init__(self) -> None:
        missing = [lang for lang in LANGUAGES if lang not in self.plans]
        if missing:
            raise ValueError(f"fusion: a plan is required for every language; missing {', '.join(missing)}")
        unknown = [lang for lang in self.plans if lang not in LANGUAGES]
        if unknown:
            raise ValueError(f"fusion: unknown language {', '.join(unknown)} (known: {', '.join(LANGUAGES)})")

    def plan(self, language: str) -> LanguagePlan:
        """The plan of ``language`` ("ko" or "en"); KeyError otherwise."""
        return self.plans[language]

    def embedders(self) -> set[str]:
        """Names of every embedder some plan uses."""
        return {name for plan in self.plans.values() for name in plan.active}


#: Measured defaults (benchmarks/quality.py); see the module docstring.
DEFAULT_RATIO = {ENGLISH: 0.8, KOREAN: 0.8}
DEFAULT_WEIGHTS = {ENGLISH: {USE: 1.0, MINILM: 1.0}, KOREAN: {USE: 1.0, MINILM: 0.0}}


def default_fusion(embedder_names: Sequence[str]) -> FusionConfig:
    """The measured defaults for the embedders available (names as loaded).

    With only some of them, the plans use those; an embedder other than "use"/"minilm" (a
    multilingual model from the settings) gets weight 1 in both languages. With none that a
    language can use, that language is keyword-only (ratio 0).
    """
    plans: dict[str, LanguagePlan] = {}
    for lang in LANGUAGES:
        weights: dict[str, float] = {}
        for name in embedder_names:
            weights[name] = DEFAULT_WEIGHTS[lang].get(name, 1.0)
        usable = any(weight > 0 for weight in weights.values())
        plans[lang] = LanguagePlan(
            weights=weights,
            semantic_ratio=DEFAULT_RATIO[lang] if usable else 0.0,
            expand_keywords=True,
            expand_vectors=False,
            sentence_vectors=False,
            drop_request_words=True,
        )
    return FusionConfig(plans)
