"""Checks the Meilisearch backend runs before it sends anything: index settings, documents and
queries. Each failure is an InvalidQueryError naming the field and the rule; nothing here does I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.backends import meili_filters
from matching.backends.base import IndexSettings, InvalidQueryError, SearchQuery

INDEX_UID = re.compile(r"^[a-z0-9_-]+$")
_FIELD = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
# Meilisearch document ids: a-z A-Z 0-9 - _ and at most 511 bytes (documentation
# reference/api/documents and error code invalid_document_id).
_DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")


@dataclass(frozen=True)
class QueryPlan:
    """The checked parts of a query: ``filter`` as a Meilisearch string or
    meili_filters.EVERYTHING / NOTHING; ``vectors`` {embedder: list of floats} of the embedders
    that take part (weight > 0 and ratio > 0); ``weights`` {embedder: weight > 0}."""

    filter: meili_filters.Translated
    vectors: dict[str, list[float]]
    weights: dict[str, float]


def check_settings(settings: IndexSettings) -> None:
    """Raise InvalidQueryError for a uid outside [a-z0-9_-]+, no searchable field, a field name
    that is not plain (or starts with ``_``, reserved by Meilisearch), repeated embedder names or
    dimensions below 1."""
    if not isinstance(settings.uid, str) or not INDEX_UID.match(settings.uid):
        raise InvalidQueryError(f"index: expected a name of a-z, 0-9, _ and -, got {settings.uid!r}")
    if not settings.searchable:
        raise InvalidQueryError(f"index {settings.uid!r}: searchable must name at least one field")
    for kind in ("searchable", "filterable", "sortable"):
        for field in getattr(settings, kind):
            if not isinstance(field, str) or not _FIELD.match(field) or field.startswith("_"):
                raise InvalidQueryError(f"index {settings.uid!r}: {kind} field {field!r} is not a plain field name")
    names = [e.name for e in settings.embedders]
    if len(set(names)) != len(names):
        raise InvalidQueryError(f"index {settings.uid!r}: embedder names repeat: {names}")
    for embedder in settings.embedders:
        if not isinstance(embedder.name, str) or not _FIELD.match(embedder.name):
            raise InvalidQueryError(f"index {settings.uid!r}: embedder name {embedder.name!r} is not a plain name")
        if isinstance(embedder.dimensions, bool) or not isinstance(embedder.dimensions, int) or embedder.dimensions < 1:
            raise InvalidQueryError(f"index {settings.uid!r}: embedder {embedder.name!r} dimensions must be an int >= 1")


def prepare_document(document: Any, settings: IndexSettings, position: int) -> dict[str, Any]:
    """The document as it is sent: its fields, and ``_vectors`` with one entry per embedder of
    the index (a list of floats, or None where the document has no vector: a user-provided
    embedder needs an explicit null, stack-facts §1.3).

    Raises InvalidQueryError naming ``documents[position]`` or the document id and the field:
    id not a str of a-z A-Z 0-9 - _ (<= 511 bytes), a field name starting with ``_``, NaN or
    infinity anywhere (JSON has neither), an embedder the index does not have, a vector whose
    length is not the embedder's dimensions.
    """
    where = f"documents[{position}]"
    if not isinstance(document, Mapping):
        raise InvalidQueryError(f"{where}: expected a mapping, got {type(document).__name__}")
    doc_id = document.get("id")
    if not isinstance(doc_id, str) or not _DOCUMENT_ID.match(doc_id) or len(doc_id.encode()) > 511:
        raise InvalidQueryError(f"{where}.id: expected a str of a-z A-Z 0-9 - _ (<= 511 bytes), got {doc_id!r}")
    where = f"document {doc_id!r}"
    prepared: dict[str, Any] = {}
    for key, value in document.items():
        if key == "_vectors":
            continue
        if not isinstance(key, str) or not key or key.startswith("_"):
            raise InvalidQueryError(f"{where}: field name {key!r} is reserved or invalid")
        _check_finite(value, f"{where}.{key}")
        prepared[key] = value
    vectors = document.get("_vectors") or {}
    if not isinstance(vectors, Mapping):
        raise InvalidQueryError(f"{where}._vectors: expected a mapping of embedder name to vector")
    dimensions = {e.name: e.dimensions for e in settings.embedders}
    unknown = sorted(set(vectors) - set(dimensions))
    if unknown:
        raise InvalidQueryError(
            f"{where}._vectors: unknown embedder {unknown[0]!r} (index {settings.uid!r} has {sorted(dimensions) or 'none'})"
        )
    if dimensions:
        prepared["_vectors"] = {
            name: vector_list(vectors.get(name), size, f"{where}._vectors[{name!r}]") for name, size in dimensions.items()
        }
    return prepared


def plan_query(query: Any, settings: IndexSettings) -> QueryPlan:
    """Check ``query`` against the index settings and keep what the request needs.

    Raises InvalidQueryError for: a ratio or ranking_score_threshold outside 0..1; limit outside
    1..1000; offset < 0; a facet or filter field not filterable; a sort field not sortable or a
    direction other than asc/desc; an unknown embedder; a vector of the wrong length or with
    NaN; a weight < 0.
    """
    if not isinstance(query, SearchQuery):
        raise InvalidQueryError(f"query: expected a SearchQuery, got {type(query).__name__}")
    if not isinstance(query.text, str):
        raise InvalidQueryError("text: expected a str")
    ratio = query.semantic_ratio
    if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not 0.0 <= float(ratio) <= 1.0:
        raise InvalidQueryError(f"semantic_ratio: expected a number in 0..1, got {ratio!r}")
    if isinstance(query.limit, bool) or not isinstance(query.limit, int) or not 1 <= query.limit <= 1000:
        raise InvalidQueryError(f"limit: expected an int in 1..1000, got {query.limit!r}")
    if isinstance(query.offset, bool) or not isinstance(query.offset, int) or query.offset < 0:
        raise InvalidQueryError(f"offset: expected an int >= 0, got {query.offset!r}")
    threshold = query.ranking_score_threshold
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 <= float(threshold) <= 1.0
    ):
        raise InvalidQueryError(f"ranking_score_threshold: expected None or a number in 0..1, got {threshold!r}")
    floor = query.semantic_floor
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0.0 <= float(floor) <= 1.0):
        raise InvalidQueryError(f"semantic_floor: expected None or a number in 0..1, got {floor!r}")
    filterable = set(settings.filterable)
    for name in query.facets:
        if name not in filterable:
            known = ", ".join(sorted(filterable)) or "none"
            raise InvalidQueryError(f"facets: {name!r} is not a filterable field (filterable: {known})")
    for item in query.sort:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise InvalidQueryError(f"sort: expected (field, 'asc'|'desc') pairs, got {item!r}")
        field, direction = item
        if field not in settings.sortable:
            known = ", ".join(settings.sortable) or "none"
            raise InvalidQueryError(f"sort: {field!r} is not a sortable field (sortable: {known})")
        if direction not in ("asc", "desc"):
            raise InvalidQueryError(f"sort: direction of {field!r} must be 'asc' or 'desc', got {direction!r}")
    translated: meili_filters.Translated = meili_filters.EVERYTHING
    if query.filter is not None:
        translated = meili_filters.translate(query.filter, filterable)
    for name, weight in query.embedder_weights.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
            raise InvalidQueryError(f"embedder_weights[{name!r}]: expected a finite number >= 0, got {weight!r}")
    dimensions = {e.name: e.dimensions for e in settings.embedders}
    vectors: dict[str, list[float]] = {}
    weights: dict[str, float] = {}
    for name, vector in query.vectors.items():
        if name not in dimensions:
            known = sorted(dimensions) or "none"
            raise InvalidQueryError(f"vectors: unknown embedder {name!r} (index {settings.uid!r} has {known})")
        values = vector_list(vector, dimensions[name], f"vectors[{name!r}]")
        if values is None:
            raise InvalidQueryError(f"vectors[{name!r}]: expected a vector, got None")
        weight = float(query.embedder_weights.get(name, 1.0))
        if weight > 0 and float(ratio) > 0:
            vectors[name] = values
            weights[name] = weight
    return QueryPlan(translated, vectors, weights)


def vector_list(vector: Any, size: int, where: str) -> list[float] | None:
    """A vector (numpy array or sequence, any float dtype) as ``size`` Python floats; None stays
    None. Raises InvalidQueryError naming ``where`` for another length or NaN/infinity."""
    if vector is None:
        return None
    try:
        array = np.asarray(vector, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidQueryError(f"{where}: expected a vector of numbers ({error})") from error
    if array.ndim != 1 or array.shape[0] != size:
        raise InvalidQueryError(f"{where}: expected {size} numbers, got shape {tuple(array.shape)}")
    if not np.all(np.isfinite(array)):
        raise InvalidQueryError(f"{where}: NaN or infinity in the vector")
    return [float(x) for x in array]


def _check_finite(value: Any, where: str) -> None:
    if isinstance(value, (float, np.floating)) and not math.isfinite(float(value)):
        raise InvalidQueryError(f"{where}: {value!r} is not a finite number (JSON has no NaN)")
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_finite(item, where)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_finite(item, f"{where}.{key}")
