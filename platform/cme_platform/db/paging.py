"""Query helpers shared by list queries: keyword patterns and clause combination."""

from __future__ import annotations

from typing import Any


def like_pattern(keyword: str) -> str:
    """A ``%keyword%`` pattern with the user's own wildcards removed."""
    cleaned = keyword.replace("%", "").replace("_", "").strip()
    return f"%{cleaned}%"


def starts_with(column: Any, keyword: str) -> Any:
    """A "begins with" condition (``LIKE 'keyword%'``) that a btree index with pattern ops can serve."""
    cleaned = keyword.replace("%", "").replace("_", "").strip()
    return column.like(f"{cleaned}%")


def and_all(*clauses: Any) -> Any:
    """Combine Piccolo where-clauses with AND, skipping ``None``."""
    result = None
    for clause in clauses:
        if clause is None:
            continue
        result = clause if result is None else result & clause
    return result


def contains(column: Any, keyword: str) -> Any:
    """A case-insensitive "contains" condition on ``column`` for either engine.

    SQLite's LIKE already ignores ASCII case (and Piccolo warns on ILIKE there); PostgreSQL needs ILIKE.
    """
    pattern = like_pattern(keyword)
    if column._meta.table._meta.db.engine_type == "sqlite":
        return column.like(pattern)
    return column.ilike(pattern)
