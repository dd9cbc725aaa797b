"""Criteria a hit passes or lacks, for the explanation of a match.

A :class:`Criterion` is a label the caller shows ("Stage: seed or Series A") and a filter from
:mod:`matching.backends.base`. :func:`evaluate` decides a filter on one document's facet
fields in plain Python, with the semantics both backends give filters (Meilisearch's):

- ``Eq``/``In`` on a list field are true when any element matches; a missing or null field,
  or an empty list, never matches;
- ``Range`` is inclusive and numeric only (a non-number never matches);
- ``Not`` is the plain negation, so it also matches documents that lack the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matching.backends.base import And, Eq, Filter, In, Not, Or, Range


@dataclass(frozen=True)
class Criterion:
    """One requirement to explain: ``label`` (shown as is) and the ``filter`` a hit must pass."""

    label: str
    filter: Filter


def evaluate(filter: Filter, facets: Mapping[str, Any]) -> bool:
    """True when the document whose fields are ``facets`` passes ``filter``.

    TypeError for an object that is not one of Eq, In, Range, And, Or, Not.
    """
    if isinstance(filter, Eq):
        return _any_equal(facets.get(filter.field), (filter.value,))
    if isinstance(filter, In):
        return _any_equal(facets.get(filter.field), tuple(filter.values))
    if isinstance(filter, Range):
        return _in_range(facets.get(filter.field), filter.low, filter.high)
    if isinstance(filter, And):
        return all(evaluate(part, facets) for part in filter.parts)
    if isinstance(filter, Or):
        return any(evaluate(part, facets) for part in filter.parts)
    if isinstance(filter, Not):
        return not evaluate(filter.part, facets)
    raise TypeError(f"not a filter: {filter!r} (expected Eq, In, Range, And, Or or Not)")


def split_criteria(criteria: Sequence[Criterion], facets: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels passed, labels lacking) of ``criteria`` on one document, in the given order."""
    passed: list[str] = []
    lacking: list[str] = []
    for criterion in criteria:
        (passed if evaluate(criterion.filter, facets) else lacking).append(criterion.label)
    return tuple(passed), tuple(lacking)


def _values(value: Any) -> tuple[Any, ...]:
    if value is None:
        return ()
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(item for item in value if item is not None)
    return (value,)


def _same(a: Any, b: Any) -> bool:
    # bool is an int in Python; keep True distinct from 1 as the backends do.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _any_equal(value: Any, wanted: tuple[Any, ...]) -> bool:
    return any(_same(item, target) for item in _values(value) for target in wanted)


def _in_range(value: Any, low: int | float | None, high: int | float | None) -> bool:
    for item in _values(value):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            continue
        if (low is None or item >= low) and (high is None or item <= high):
            return True
    return False
