"""Query helpers shared by repositories: text matching with LIKE, wildcards taken literally.

A search box's ``%`` or ``_`` is a character to find, not a LIKE wildcard: ``contains(User.email,
"a_b")`` matches ``a_b@x`` but not ``axb@x``. The SQL is ``col LIKE ? ESCAPE '\\'``, the same on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw


def escape_like(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character (``\\``) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(column: Column, pattern: str) -> WhereRaw:
    meta = column._meta
    name = f'"{meta.table._meta.tablename}"."{meta.db_column_name}"'
    return WhereRaw(name + " LIKE {} ESCAPE '\\'", pattern)


def contains(column: Column, text: str) -> WhereRaw:
    """Rows whose ``column`` contains ``text`` (case as stored; wildcards literal)."""
    return _like(column, f"%{escape_like(text)}%")


def starts_with(column: Column, text: str) -> WhereRaw:
    """Rows whose ``column`` starts with ``text`` (wildcards literal)."""
    return _like(column, f"{escape_like(text)}%")


def is_unique_violation(error: BaseException) -> bool:
    """True when ``error`` is a unique-constraint failure: ``sqlite3.IntegrityError`` "UNIQUE
    constraint failed" or asyncpg's ``UniqueViolationError`` (SQLSTATE 23505). Two requests that
    both checked a row was missing and both insert it meet here: the second one loses."""
    if type(error).__name__ == "UniqueViolationError" or getattr(error, "sqlstate", None) == "23505":
        return True
    return type(error).__name__ == "IntegrityError" and "unique" in str(error).lower()
