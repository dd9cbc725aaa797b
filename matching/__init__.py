"""Hubcity's matching library: embeddings, index documents, search backends, the matching service.

A library of its own (DESIGN.md §2, §5): it never imports ``hubcity``, ``litestar`` or ``piccolo``
(an import-linter contract in ``pyproject.toml`` checks this). The platform reaches it only
through ``hubcity.matches`` and the composition root.

The names the platform uses are re-exported here: the service and its results
(:mod:`matching.service`), the input texts and index settings (:mod:`matching.documents`), the
embedders (:mod:`matching.embeddings`), the per-language fusion (:mod:`matching.fusion`), the
glossary (:mod:`matching.glossary`) and the criteria of an explanation (:mod:`matching.criteria`).
Backends live in :mod:`matching.backends`.
"""

from matching.criteria import Criterion, evaluate
from matching.documents import (
    INDEX_TEXT_VERSION,
    NEEDS_INDEX,
    STARTUPS_INDEX,
    IndexedText,
    NeedText,
    StartupText,
    index_settings,
    need_document,
    startup_document,
)
from matching.embeddings import (
    Embedder,
    EmbeddingError,
    FakeEmbedder,
    SentenceTransformerEmbedder,
    UseEmbedder,
    load_embedder,
    load_embedders,
    set_thread_budget,
)
from matching.fusion import FusionConfig, LanguagePlan, default_fusion
from matching.glossary import Glossary
from matching.language import detect_language
from matching.service import Explanation, Match, MatchingService, MatchPage

__all__ = [
    "INDEX_TEXT_VERSION",
    "NEEDS_INDEX",
    "STARTUPS_INDEX",
    "Criterion",
    "Embedder",
    "EmbeddingError",
    "Explanation",
    "FakeEmbedder",
    "FusionConfig",
    "Glossary",
    "IndexedText",
    "LanguagePlan",
    "Match",
    "MatchPage",
    "MatchingService",
    "NeedText",
    "SentenceTransformerEmbedder",
    "StartupText",
    "UseEmbedder",
    "default_fusion",
    "detect_language",
    "evaluate",
    "index_settings",
    "load_embedder",
    "load_embedders",
    "need_document",
    "set_thread_budget",
    "startup_document",
]
