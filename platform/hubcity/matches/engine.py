"""Builds the one :class:`matching.service.MatchingService` of a process from the settings.

The embedding models load once per process (the ``matching`` library caches them) and only when
first needed, so pages that never search do not pay for them. Calls into the library are
synchronous (numpy, SQLite, the Meilisearch client); :meth:`MatchingEngine.call` runs them in a
worker thread so the event loop never blocks.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import anyio

from hubcity.config.settings import Settings

T = TypeVar("T")
#: The name under which the model of ``HUBCITY_EMBEDDING_MODEL`` is indexed and queried.
EXTRA_EMBEDDER = "extra"


class MatchingEngine:
    """Lazy holder of the search backend and the MatchingService for ``settings``.

    backend: ``HUBCITY_SEARCH_BACKEND`` (``embedded``: a folder ``search/`` in the data dir;
    ``meilisearch``: ``HUBCITY_MEILI_URL`` with ``HUBCITY_MEILI_KEY``); embedders: the bundled
    MiniLM and USE, plus ``HUBCITY_EMBEDDING_MODEL`` when set; ``HUBCITY_CPU_THREADS`` is the one
    thread budget of torch and USE.
    """

    def __init__(self, settings: Settings, *, service_factory: Callable[[], Any] | None = None) -> None:
        self.settings = settings
        self._factory = service_factory or self._build
        self._service: Any = None
        self._lock = threading.Lock()
        self._limiter = anyio.CapacityLimiter(4)

    @property
    def service(self) -> Any:
        """The MatchingService, built on first use (loads the models; a few seconds)."""
        if self._service is None:
            with self._lock:
                if self._service is None:
                    service = self._factory()
                    service.ensure_indexes()
                    self._service = service
        return self._service

    async def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``service.<method>(*args, **kwargs)`` in a worker thread and return its result;
        a name the service lacks is looked up on its backend (``fingerprints``, ``drop_index``)."""

        def run() -> Any:
            service = self.service
            target = getattr(self, method, None) if method == "documents_for" else None
            target = target or getattr(service, method, None) or getattr(service.backend, method)
            return target(*args, **kwargs)

        return await anyio.to_thread.run_sync(run, limiter=self._limiter)

    def similarity(self, text_a: str, text_b: str) -> float:
        """Semantic similarity 0..1 of two texts (``MatchingService.similarity``), run in the
        caller's thread (a short embedding of two texts); 0.0 when either text is blank. For the
        reviews domain's reviewer fit, which the composition root hands this function."""
        try:
            return float(self.service.similarity(text_a, text_b))
        except ValueError:
            return 0.0

    def documents_for(self, texts: list[Any]) -> list[Any]:
        """The index documents (with fingerprints) of StartupText/NeedText items, without embedding."""
        return [self.service.document_for(text) for text in texts]

    def _build(self) -> Any:
        # The bundled models load from site-packages: never ask a hub, never draw progress bars.
        for name, value in (("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_VERBOSITY", "error"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1")):
            os.environ.setdefault(name, value)
        from matching.embeddings import MINILM, USE, load_embedders
        from matching.service import MatchingService

        names = [MINILM, USE] + ([EXTRA_EMBEDDER] if self.settings.embedding_model else [])
        embedders = load_embedders(names, threads=self.settings.cpu_threads, extra_model=self.settings.embedding_model)
        return MatchingService(build_backend(self.settings), embedders, glossary=taxonomy_glossary())


def build_backend(settings: Settings) -> Any:
    """The search backend named by ``HUBCITY_SEARCH_BACKEND``."""
    if settings.search_backend == "meilisearch":
        from matching.backends.meili import MeiliBackend

        key = settings.meili_key.get_secret_value() if settings.meili_key else None
        return MeiliBackend(settings.meili_url or "", key, index_prefix="hubcity_")
    from matching.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(settings.data_dir / "search")


def taxonomy_glossary() -> Any:
    """Korean ↔ English pairs of the sector and technology labels (as seeded), which bridge a
    Korean query's keywords to English profiles (+0.03 nDCG@10 on the Korean needs of
    ``benchmarks/quality.py``)."""
    from matching.glossary import Glossary

    from hubcity.startups.taxonomy_data import TAXONOMIES

    return Glossary.from_labels((ko, en) for kind in ("sector", "technology") for _slug, ko, en in TAXONOMIES[kind])
