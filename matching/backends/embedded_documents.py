"""Checking index settings and documents for the embedded backend, and turning a document into
what is stored: JSON of its fields, its facet keys, its terms with field-weighted frequencies,
and its vectors as float32 bytes. Every error is an InvalidQueryError naming the field."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.backends.base import EmbedderSpec, IndexSettings, InvalidQueryError
from matching.backends.embedded_facets import Key, document_values
from matching.text.tokenize import Analyzer

_INDEX_UID = re.compile(r"^[a-z0-9_-]{1,64}$")
_EMBEDDER = re.compile(r"^[a-z0-9_]{1,40}$")
#: Document ids as Meilisearch accepts them.
DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")
MAX_DIMENSIONS = 8192


@dataclass(frozen=True)
class PreparedDocument:
    """A checked document ready to store. facets: (position of the field in
    :func:`facet_fields`, value key) pairs; term_weights: {term: sum over searchable fields of
    occurrences × field weight}; length: tokens in the searchable fields; forms: the (word form,
    term) pairs seen, for typo tolerance; vectors: {embedder: float32 bytes of a unit vector, or
    None}."""

    id: str
    fingerprint: str
    body: str
    facets: tuple[tuple[int, Key], ...]
    term_weights: dict[str, float]
    length: int
    forms: frozenset[tuple[str, str]]
    vectors: dict[str, bytes | None]


def check_settings(settings: IndexSettings) -> None:
    """Raise InvalidQueryError when the settings are malformed (uid, field or embedder names)."""
    if not isinstance(settings, IndexSettings):
        raise InvalidQueryError(f"settings must be IndexSettings, got {type(settings).__name__}")
    if not isinstance(settings.uid, str) or not _INDEX_UID.match(settings.uid):
        raise InvalidQueryError(f"index uid must be 1-64 characters of a-z, 0-9, _ and -, got {settings.uid!r}")
    for name in ("searchable", "filterable", "sortable"):
        fields = getattr(settings, name)
        if not isinstance(fields, tuple) or not all(isinstance(f, str) and f and f != "_vectors" for f in fields):
            raise InvalidQueryError(f"settings.{name} must be a tuple of field names (not _vectors), got {fields!r}")
        if len(set(fields)) != len(fields):
            raise InvalidQueryError(f"settings.{name} names a field twice: {fields!r}")
    names = []
    for spec in settings.embedders:
        if not isinstance(spec, EmbedderSpec) or not isinstance(spec.name, str) or not _EMBEDDER.match(spec.name):
            raise InvalidQueryError(f"settings.embedders: embedder names are 1-40 characters of a-z, 0-9 and _, got {spec!r}")
        if isinstance(spec.dimensions, bool) or not isinstance(spec.dimensions, int) or not 1 <= spec.dimensions <= MAX_DIMENSIONS:
            raise InvalidQueryError(f"settings.embedders: {spec.name!r} dimensions must be 1..{MAX_DIMENSIONS}, got {spec.dimensions!r}")
        names.append(spec.name)
    if len(set(names)) != len(names):
        raise InvalidQueryError(f"settings.embedders names an embedder twice: {names!r}")


def settings_to_json(settings: IndexSettings) -> str:
    """IndexSettings → canonical JSON (stored, and compared to detect changes)."""
    return json.dumps(
        {
            "uid": settings.uid,
            "searchable": list(settings.searchable),
            "filterable": list(settings.filterable),
            "sortable": list(settings.sortable),
            "embedders": [[e.name, e.dimensions] for e in settings.embedders],
        },
        sort_keys=True,
    )


def settings_from_json(text: str) -> IndexSettings:
    """The inverse of :func:`settings_to_json`."""
    data = json.loads(text)
    return IndexSettings(
        uid=data["uid"],
        searchable=tuple(data["searchable"]),
        filterable=tuple(data["filterable"]),
        sortable=tuple(data["sortable"]),
        embedders=tuple(EmbedderSpec(name, dims) for name, dims in data["embedders"]),
    )


def facet_fields(settings: IndexSettings) -> tuple[str, ...]:
    """Filterable and sortable fields, each once."""
    return tuple(dict.fromkeys(settings.filterable + settings.sortable))


def field_weight(position: int, fields: int) -> float:
    """BM25 weight of the searchable field at ``position`` (0 = most important): 3.0 for the
    first, falling evenly to 1.0 for the last."""
    if fields <= 1:
        return 1.0
    return 1.0 + 2.0 * (fields - 1 - position) / (fields - 1)


def prepare_document(document: Any, settings: IndexSettings, analyzer: Analyzer, position: int) -> PreparedDocument:
    """Check one document (``position`` in its batch, for messages) and prepare it for storage."""
    if not isinstance(document, Mapping):
        raise InvalidQueryError(f"document #{position} must be a mapping, got {type(document).__name__}")
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not DOCUMENT_ID.match(doc_id):
        raise InvalidQueryError(f"document #{position}: field 'id' must be a string of 1-511 characters a-z, A-Z, 0-9, _ and -, got {doc_id!r}")
    where = f"document {doc_id!r}"
    fingerprint = document.get("fingerprint", "")
    if not isinstance(fingerprint, str):
        raise InvalidQueryError(f"{where}: field 'fingerprint' must be a string, got {fingerprint!r}")
    fields = {k: v for k, v in document.items() if k != "_vectors"}
    try:
        body = json.dumps(fields, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"{where}: fields must be JSON values ({exc})") from None
    facets, weights, length, forms = index_fields(document, settings, analyzer, where)
    return PreparedDocument(
        id=doc_id,
        fingerprint=fingerprint,
        body=body,
        facets=facets,
        term_weights=weights,
        length=length,
        forms=forms,
        vectors=_vectors(document.get("_vectors"), settings, where),
    )


def index_fields(
    document: Mapping[str, Any], settings: IndexSettings, analyzer: Analyzer, where: str
) -> tuple[tuple[tuple[int, Key], ...], dict[str, float], int, frozenset[tuple[str, str]]]:
    """((field position, facet key) pairs, {term: weighted frequency}, token count,
    {(form, term)}) of a document's fields."""
    facets: list[tuple[int, Key]] = []
    for position, name in enumerate(facet_fields(settings)):
        try:
            facets.extend((position, key) for key in document_values(document.get(name)))
        except (TypeError, ValueError) as exc:
            raise InvalidQueryError(f"{where}: field {name!r} is filterable or sortable: {exc}") from None
    weights: dict[str, float] = {}
    forms: set[tuple[str, str]] = set()
    length = 0
    for index, name in enumerate(settings.searchable):
        pairs = analyzer.pairs(_searchable_text(document.get(name), where, name))
        weight = field_weight(index, len(settings.searchable))
        for _form, term in pairs:
            weights[term] = weights.get(term, 0.0) + weight
        forms.update(pairs)
        length += len(pairs)
    return tuple(facets), weights, length, frozenset(forms)


def _searchable_text(value: Any, where: str, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return " \n ".join(value)
    raise InvalidQueryError(f"{where}: searchable field {name!r} must be a string or a list of strings, got {type(value).__name__}")


def _vectors(value: Any, settings: IndexSettings, where: str) -> dict[str, bytes | None]:
    specs = {e.name: e.dimensions for e in settings.embedders}
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise InvalidQueryError(f"{where}: field '_vectors' must map embedder names to vectors")
    for name in value:
        if name not in specs:
            known = ", ".join(specs) or "none"
            raise InvalidQueryError(f"{where}: _vectors names unknown embedder {name!r} (index embedders: {known})")
    out: dict[str, bytes | None] = {}
    for name, dimensions in specs.items():
        if name not in value:
            raise InvalidQueryError(f"{where}: _vectors has no entry for embedder {name!r} (give None for no vector)")
        vector = value[name]
        out[name] = None if vector is None else unit_vector(vector, dimensions, f"{where}: _vectors[{name!r}]").tobytes()
    return out


def unit_vector(value: Any, dimensions: int, what: str) -> np.ndarray:
    """A vector → float32 (dimensions,) scaled to unit length. InvalidQueryError for a wrong
    length, non-finite or non-numeric values, or a zero vector."""
    try:
        array = np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError):
        raise InvalidQueryError(f"{what} must be a list of {dimensions} numbers") from None
    if array.ndim != 1 or array.shape[0] != dimensions:
        raise InvalidQueryError(f"{what} must have {dimensions} dimensions, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise InvalidQueryError(f"{what} holds NaN or infinite values")
    norm = float(np.linalg.norm(array))
    if norm == 0.0 or not math.isfinite(norm):
        raise InvalidQueryError(f"{what} is a zero vector (give None for no vector)")
    return (array / norm).astype(np.float32)
