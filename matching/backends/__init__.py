"""Search backends (DESIGN.md §5): the contract in :mod:`.base`, the embedded backend (default)
in :mod:`.embedded`, and the Meilisearch backend in :mod:`.meili` (imported on demand, since it
needs the ``meilisearch`` client)."""

from matching.backends.base import (
    And,
    EmbedderSpec,
    Eq,
    Filter,
    Hit,
    In,
    IndexSettings,
    InvalidQueryError,
    Not,
    Or,
    Range,
    SearchBackend,
    SearchBackendError,
    SearchQuery,
    SearchResult,
)
from matching.backends.embedded import EmbeddedBackend

__all__ = [
    "And",
    "EmbeddedBackend",
    "EmbedderSpec",
    "Eq",
    "Filter",
    "Hit",
    "In",
    "IndexSettings",
    "InvalidQueryError",
    "Not",
    "Or",
    "Range",
    "SearchBackend",
    "SearchBackendError",
    "SearchQuery",
    "SearchResult",
]
