"""Facet fields of the embedded backend held as numpy columns: filters, facet counts, sort keys.

Every filterable or sortable field is one :class:`FacetColumn`; values are numbered once per
store (:class:`FacetDictionary`, the ``facet_values`` table), so a document's facets are stored
as int32 (field, value id) pairs and a whole index loads with a few numpy operations. A document's value is a list of
elements (a scalar is one element, a list field one per distinct element, a missing field none),
so "any element" semantics for list fields come for free: ``Eq`` on a list field is true when
one element equals the value. Filters become boolean masks over the document slots
(:func:`filter_mask`), evaluated with a few vectorised numpy operations per condition.

Values compare like Meilisearch's: numbers by value (``3 == 3.0``), strings exactly
(case-sensitive here), booleans as the strings ``"true"``/``"false"``. ``Not`` also matches
documents that lack the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from matching.backends.base import And, Eq, Filter, In, InvalidQueryError, Not, Or, Range

Key = str | float
_SCALARS = (str, int, float, bool)


def value_key(value: Any) -> Key:
    """A facet value → its comparison key (str, or float for numbers). TypeError/ValueError when
    the value is not a string, a finite number or a boolean."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("numbers must be finite")
        return number
    if isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        return value_key(value.item())
    raise TypeError(f"expected a string, number or boolean, got {type(value).__name__}")


def value_label(key: Key) -> str:
    """The facet-count label of a key: strings as they are, 3.0 as "3", 2.5 as "2.5"."""
    if isinstance(key, float):
        return str(int(key)) if key.is_integer() and abs(key) < 2**53 else repr(key)
    return key


def document_values(value: Any) -> list[Key]:
    """A document's field value → its distinct element keys ([] for None or an empty list).
    TypeError/ValueError for nested lists, mappings and other types."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        keys: dict[Key, None] = {}
        for element in value:
            if isinstance(element, (list, tuple, dict)):
                raise TypeError("lists may hold strings, numbers or booleans only")
            if element is not None:
                keys[value_key(element)] = None
        return list(keys)
    return [value_key(value)]


class FacetDictionary:
    """Every facet value known to the store, numbered (ids from 1; shared by all fields and
    indexes of one backend). Values are keys: strings, or floats for numbers.

    ids: {key: id}; keys: list indexed by id (keys[0] unused); max_id: how far the committed
    rows have been read. Not thread-safe (the backend locks)."""

    def __init__(self) -> None:
        self.ids: dict[Key, int] = {}
        self.keys: list[Key | None] = [None]
        self.max_id = 0
        self._numbers = np.full(1, np.nan)
        self._ranks: np.ndarray | None = None

    @staticmethod
    def dump(key: Key) -> str:
        """A key as stored in the ``facet_values`` table (JSON: a string or a float)."""
        return json.dumps(key if isinstance(key, str) else float(key), ensure_ascii=False)

    def add(self, rows: Sequence[tuple[int, str]]) -> None:
        """Record committed (id, stored value) rows."""
        if not rows:
            return
        top = max(row[0] for row in rows)
        if top >= len(self.keys):
            self.keys.extend([None] * (top + 1 - len(self.keys)))
        values = json.loads("[" + ",".join(stored for _id, stored in rows) + "]")
        for (value_id, _stored), key in zip(rows, values):
            key = key if isinstance(key, str) else float(key)
            self.keys[value_id] = key
            self.ids.setdefault(key, value_id)
            self.max_id = max(self.max_id, value_id)
        self._numbers = np.array([k if isinstance(k, float) else np.nan for k in self.keys], dtype=np.float64)
        self._ranks = None

    def numbers(self) -> np.ndarray:
        """float64 (ids,): each value as a number, NaN for strings."""
        return self._numbers

    def ranks(self) -> np.ndarray:
        """int64 (ids,): each string value's position in sorted order (0 for numbers)."""
        if self._ranks is None or len(self._ranks) != len(self.keys):
            rank = np.zeros(len(self.keys), dtype=np.int64)
            strings = sorted((k, i) for i, k in enumerate(self.keys) if isinstance(k, str))
            for position, (_key, value_id) in enumerate(strings):
                rank[value_id] = position
            self._ranks = rank
        return self._ranks


class FacetColumn:
    """One field's values for every document slot, as element arrays (slot, value id).

    A slot's current elements are ``span_start[slot]:span_end[slot]``; older ones are dead and
    dropped when they outnumber the live ones. ``set_many`` and ``clear`` queue changes;
    :meth:`flush` applies them (call it before reading).
    """

    def __init__(self, dictionary: FacetDictionary, capacity: int = 0) -> None:
        self.dictionary = dictionary
        self.span_start = np.zeros(capacity, dtype=np.int64)
        self.span_end = np.zeros(capacity, dtype=np.int64)
        self.elem_slot = np.zeros(0, dtype=np.int32)
        self.elem_code = np.zeros(0, dtype=np.int32)
        self.elem_number = np.zeros(0, dtype=np.float64)
        self.elem_alive = np.zeros(0, dtype=bool)
        self._pending_slot: list[np.ndarray] = []
        self._pending_code: list[np.ndarray] = []
        self._pending_count = 0
        self._dirty = False

    def grow(self, capacity: int) -> None:
        """Make room for slots up to ``capacity``."""
        if capacity > len(self.span_start):
            extra = capacity - len(self.span_start)
            self.span_start = np.concatenate([self.span_start, np.zeros(extra, dtype=np.int64)])
            self.span_end = np.concatenate([self.span_end, np.zeros(extra, dtype=np.int64)])

    def set_many(self, slots: np.ndarray, counts: np.ndarray, codes: np.ndarray) -> None:
        """Give each of ``slots`` (int64 (k,), distinct) ``counts[i]`` elements; ``codes`` (int32
        (sum(counts),)) holds the value ids, grouped by slot in the order of ``slots``."""
        start = len(self.elem_slot) + self._pending_count
        ends = start + np.cumsum(counts)
        self.span_start[slots] = ends - counts
        self.span_end[slots] = ends
        self._pending_slot.append(np.repeat(slots.astype(np.int32), counts))
        self._pending_code.append(np.asarray(codes, dtype=np.int32))
        self._pending_count += int(counts.sum())
        self._dirty = True

    def clear(self, slot: int) -> None:
        """``slot`` has no value any more."""
        self.span_start[slot] = self.span_end[slot] = 0
        self._dirty = True

    def flush(self) -> None:
        """Apply queued changes; compact when dead elements outnumber live ones."""
        if not self._dirty:
            return
        if self._pending_slot:
            self.elem_slot = np.concatenate([self.elem_slot, *self._pending_slot])
            self.elem_code = np.concatenate([self.elem_code, *self._pending_code])
            self._pending_slot, self._pending_code, self._pending_count = [], [], 0
        self.elem_number = self.dictionary.numbers()[self.elem_code]
        index = np.arange(len(self.elem_slot))
        self.elem_alive = (index >= self.span_start[self.elem_slot]) & (index < self.span_end[self.elem_slot])
        if len(self.elem_alive) > 64 and self.elem_alive.sum() * 2 < len(self.elem_alive):
            self._compact()
        self._dirty = False

    def _compact(self) -> None:
        keep = self.elem_alive
        self.elem_slot, self.elem_code, self.elem_number = self.elem_slot[keep], self.elem_code[keep], self.elem_number[keep]
        self.span_start[:] = 0
        self.span_end[:] = 0
        if len(self.elem_slot):
            slots, first, counts = np.unique(self.elem_slot, return_index=True, return_counts=True)
            self.span_start[slots] = first
            self.span_end[slots] = first + counts
        self.elem_alive = np.ones(len(self.elem_slot), dtype=bool)

    # -- queries (after flush) --------------------------------------------------------------------

    def mask_of(self, elements: np.ndarray, slots: int) -> np.ndarray:
        """bool (slots,): the slots owning at least one live element selected by ``elements``."""
        mask = np.zeros(slots, dtype=bool)
        mask[self.elem_slot[elements & self.elem_alive]] = True
        return mask

    def equals(self, keys: Sequence[Key], slots: int) -> np.ndarray:
        """bool (slots,): slots with an element equal to one of ``keys``."""
        ids = self.dictionary.ids
        codes = [ids[k] for k in keys if k in ids]
        if not codes:
            return np.zeros(slots, dtype=bool)
        if len(codes) == 1:
            return self.mask_of(self.elem_code == codes[0], slots)
        return self.mask_of(np.isin(self.elem_code, codes), slots)

    def between(self, low: float | None, high: float | None, slots: int) -> np.ndarray:
        """bool (slots,): slots with a numeric element in [low, high]."""
        with np.errstate(invalid="ignore"):
            selected = ~np.isnan(self.elem_number)
            if low is not None:
                selected &= self.elem_number >= low
            if high is not None:
                selected &= self.elem_number <= high
        return self.mask_of(selected, slots)

    def counts(self, matched: np.ndarray) -> dict[str, int]:
        """{label: documents} over the slots where ``matched`` (bool (slots,)) is true, most first."""
        selected = self.elem_alive & matched[self.elem_slot]
        totals = np.bincount(self.elem_code[selected])
        keys = self.dictionary.keys
        pairs = [(value_label(keys[code]), int(totals[code])) for code in np.flatnonzero(totals)]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return dict(pairs)

    def sort_keys(self, slots: np.ndarray, descending: bool) -> list[np.ndarray]:
        """lexsort keys (least significant first) ordering ``slots`` by their first element:
        numbers before strings, missing values last in both directions."""
        start, end = self.span_start[slots], self.span_end[slots]
        present = end > start
        if len(self.elem_code) == 0:
            return [np.zeros(len(slots)), (~present).astype(np.int8)]
        first = np.where(present, start, 0)
        codes = self.elem_code[first]
        numbers = self.elem_number[first]
        is_string = np.isnan(numbers)
        rank = self.dictionary.ranks()[codes].astype(np.float64)
        value = np.where(is_string, rank, numbers)
        if descending:
            value = -value
        type_order = np.where(is_string, 1, 0)
        value = np.where(present, value, 0.0)
        return [value, type_order, (~present).astype(np.int8)]


# -- filters -----------------------------------------------------------------------------------


def check_filter(node: Filter, filterable: Sequence[str], where: str = "filter") -> None:
    """Raise InvalidQueryError when ``node`` is malformed or names a field that is not filterable."""
    if isinstance(node, (And, Or)):
        if not isinstance(node.parts, (tuple, list)):
            raise InvalidQueryError(f"{where}: {type(node).__name__}.parts must be a tuple of filters")
        for index, part in enumerate(node.parts):
            check_filter(part, filterable, f"{where}.{type(node).__name__}[{index}]")
        return
    if isinstance(node, Not):
        check_filter(node.part, filterable, f"{where}.Not")
        return
    if not isinstance(node, (Eq, In, Range)):
        raise InvalidQueryError(f"{where}: {node!r} is not a filter (Eq, In, Range, And, Or or Not)")
    if node.field not in filterable:
        allowed = ", ".join(filterable) or "none"
        raise InvalidQueryError(f"{where}: field {node.field!r} is not filterable (filterable: {allowed})")
    if isinstance(node, Eq):
        _check_value(node.value, f"{where}: Eq value for {node.field!r}")
    elif isinstance(node, In):
        if not isinstance(node.values, (tuple, list)):
            raise InvalidQueryError(f"{where}: In values for {node.field!r} must be a tuple")
        for value in node.values:
            _check_value(value, f"{where}: In value for {node.field!r}")
    else:
        if node.low is None and node.high is None:
            raise InvalidQueryError(f"{where}: Range on {node.field!r} needs low or high")
        for bound in (node.low, node.high):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float)) or not math.isfinite(bound)):
                raise InvalidQueryError(f"{where}: Range bounds on {node.field!r} must be finite numbers, got {bound!r}")


def _check_value(value: Any, what: str) -> None:
    if not isinstance(value, _SCALARS):
        raise InvalidQueryError(f"{what} must be a string, number or boolean, got {value!r}")
    try:
        value_key(value)
    except (TypeError, ValueError) as exc:
        raise InvalidQueryError(f"{what}: {exc}") from None


def filter_mask(node: Filter, columns: dict[str, FacetColumn], slots: int) -> np.ndarray:
    """bool (slots,): the slots passing ``node`` (checked with :func:`check_filter` first).
    Dead slots may be true (under Not); the caller ANDs with its live mask."""
    if isinstance(node, And):
        mask = np.ones(slots, dtype=bool)
        for part in node.parts:
            mask &= filter_mask(part, columns, slots)
        return mask
    if isinstance(node, Or):
        mask = np.zeros(slots, dtype=bool)
        for part in node.parts:
            mask |= filter_mask(part, columns, slots)
        return mask
    if isinstance(node, Not):
        return ~filter_mask(node.part, columns, slots)
    column = columns[node.field]
    if isinstance(node, Eq):
        return column.equals([value_key(node.value)], slots)
    if isinstance(node, In):
        return column.equals([value_key(v) for v in node.values], slots)
    return column.between(node.low, node.high, slots)
