"""Case-insensitive substring search in SQL that behaves the same on SQLite and PostgreSQL.

``LIKE`` with ``ESCAPE '\\'`` on ``lower(CAST(column AS TEXT))``: the typed text is lower-cased
and its ``\\``, ``%`` and ``_`` are escaped, so they match themselves. Korean has no case;
SQLite's ``lower`` folds ASCII only, which is enough for English.
"""

from __future__ import annotations

import json
from typing import Any

from piccolo.columns.combination import WhereRaw


def like_pattern(text: str) -> str:
    """``%text%`` lower-cased, with ``\\``, ``%`` and ``_`` escaped (for ``LIKE … ESCAPE '\\'``)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column_sql: str, text: str) -> WhereRaw:
    """Case-insensitive substring test of a column given as quoted SQL (``"table"."column"``).

    JSON columns are compared as their text. Portable across SQLite and PostgreSQL.
    """
    return WhereRaw(f"lower(CAST({column_sql} AS TEXT)) LIKE {{}} ESCAPE '\\'", like_pattern(text))


def json_list_has(column_sql: str, slug: str) -> WhereRaw:
    """The JSON array of strings in ``column_sql`` contains ``slug`` (compared as ``"slug"``)."""
    return contains(column_sql, json.dumps(slug))


def any_of(conditions: list[Any]) -> Any:
    """OR of ``conditions`` (None when empty)."""
    combined = None
    for condition in conditions:
        combined = condition if combined is None else combined | condition
    return combined
