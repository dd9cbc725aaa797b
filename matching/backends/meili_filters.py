"""Translate the filter AST of ``base.py`` into Meilisearch's filter-expression string.

Grammar (https://meilisearch.com/docs/capabilities/filtering_sorting_faceting/advanced/filter_expression_syntax,
stack-facts §1.4): ``attr = value``, ``attr IN [v, ...]``, ``attr >= n``, ``attr <= n``, ``NOT``,
``AND``, ``OR`` and parentheses. String values are always double-quoted; inside the quotes a
backslash and a double quote are escaped with a backslash. That is how the server's own parser
reads them: ``quoted_by`` unescapes ``\\"`` and then the value goes through ``unescaper``, so
``\\\\`` becomes one backslash (meilisearch/meilisearch ``crates/filter-parser/src/value.rs``,
tests ``test_escape_inside_double_quote`` and ``test_value``). Numbers are written in plain
positional notation (never ``1e+20``: ``+`` is not a value character of the unquoted grammar);
booleans as ``true``/``false`` (Meilisearch filters booleans as those words).

A filter may be decided before any request is sent: ``In(field, ())`` matches nothing, so it
becomes :data:`NOTHING`, and ``And``/``Or``/``Not`` simplify around it; an empty ``And`` matches
everything (:data:`EVERYTHING`). The backend skips the request when the whole filter is
:data:`NOTHING` and sends no ``filter`` when it is :data:`EVERYTHING`.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Union

import numpy as np

from matching.backends.base import And, Eq, Filter, In, InvalidQueryError, Not, Or, Range


class _Constant:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


EVERYTHING = _Constant("EVERYTHING")
NOTHING = _Constant("NOTHING")

Translated = Union[str, _Constant]


def quote_string(value: str) -> str:
    """``value`` as a double-quoted filter value: backslash and ``"`` escaped, nothing else
    changed (spaces, quotes of the other kind and Hangul pass through)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_number(value: int | float, where: str) -> str:
    """An int or a finite float in positional notation (``0.00001``, ``-3``, ``2.5``).

    Raises InvalidQueryError naming ``where`` for NaN or infinity (Meilisearch supports neither).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise InvalidQueryError(f"{where}: expected a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if not math.isfinite(float(value)):
        raise InvalidQueryError(f"{where}: {value!r} is not a finite number")
    return np.format_float_positional(float(value), trim="-")


def format_value(value: object, where: str) -> str:
    """A filter value: quoted string, ``true``/``false`` or a number. Raises InvalidQueryError
    naming ``where`` for any other type."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return quote_string(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return format_number(value, where)
    raise InvalidQueryError(f"{where}: values must be str, int, float or bool, got {type(value).__name__}")


def translate(node: Filter, filterable: Collection[str]) -> Translated:
    """The Meilisearch filter string for ``node``, or :data:`EVERYTHING` / :data:`NOTHING`.

    Every field must be in ``filterable``; otherwise InvalidQueryError names the field.
    Compound parts are parenthesised, so the result can be combined without re-reading it.
    """
    if isinstance(node, Eq):
        _check_field(node.field, filterable)
        return f"{node.field} = {format_value(node.value, f'filter on {node.field!r}')}"
    if isinstance(node, In):
        _check_field(node.field, filterable)
        if isinstance(node.values, (str, bytes)):
            raise InvalidQueryError(f"filter on {node.field!r}: In.values must be a tuple of values, not a string")
        if not node.values:
            return NOTHING
        values = ", ".join(format_value(v, f"filter on {node.field!r}") for v in node.values)
        return f"{node.field} IN [{values}]"
    if isinstance(node, Range):
        _check_field(node.field, filterable)
        where = f"range filter on {node.field!r}"
        bounds = []
        if node.low is not None:
            bounds.append(f"{node.field} >= {format_number(node.low, where)}")
        if node.high is not None:
            bounds.append(f"{node.field} <= {format_number(node.high, where)}")
        if not bounds:
            raise InvalidQueryError(f"{where}: give low, high or both")
        return bounds[0] if len(bounds) == 1 else f"({bounds[0]} AND {bounds[1]})"
    if isinstance(node, And):
        parts = [translate(p, filterable) for p in _parts(node)]
        if any(p is NOTHING for p in parts):
            return NOTHING
        strings = [p for p in parts if isinstance(p, str)]
        return _join(strings, "AND", empty=EVERYTHING)
    if isinstance(node, Or):
        parts = [translate(p, filterable) for p in _parts(node)]
        if any(p is EVERYTHING for p in parts):
            return EVERYTHING
        strings = [p for p in parts if isinstance(p, str)]
        return _join(strings, "OR", empty=NOTHING)
    if isinstance(node, Not):
        inner = translate(node.part, filterable)
        if inner is EVERYTHING:
            return NOTHING
        if inner is NOTHING:
            return EVERYTHING
        return f"NOT ({inner})"
    raise InvalidQueryError(f"filter: unknown node {type(node).__name__} (use Eq, In, Range, And, Or, Not)")


def fields_of(node: Filter) -> set[str]:
    """Every field the filter names (for error messages and cache checks)."""
    if isinstance(node, (Eq, In, Range)):
        return {node.field}
    if isinstance(node, (And, Or)):
        return set().union(*(fields_of(p) for p in node.parts)) if node.parts else set()
    if isinstance(node, Not):
        return fields_of(node.part)
    return set()


def _parts(node: And | Or) -> tuple[Filter, ...]:
    if not isinstance(node.parts, (tuple, list)):
        raise InvalidQueryError(f"filter: {type(node).__name__}.parts must be a tuple of filters")
    return tuple(node.parts)


def _join(strings: list[str], operator: str, empty: _Constant) -> Translated:
    if not strings:
        return empty
    if len(strings) == 1:
        return strings[0]
    return "(" + f" {operator} ".join(strings) + ")"


def _check_field(name: object, filterable: Collection[str]) -> None:
    if not isinstance(name, str) or name not in filterable:
        known = ", ".join(sorted(filterable)) or "none"
        raise InvalidQueryError(f"filter on {name!r}: not a filterable field (filterable: {known})")
