"""Bounded number types for route parameters and request bodies (validated by Litestar and msgspec).

Every integer a client sends has a range, checked before a handler runs, so no number reaches the database
that a column cannot hold: row ids are PostgreSQL ``serial`` columns (int4, at most ``MAX_ROW_ID``), and
SQLite integers end at 2⁶³−1. Out of range is 400 ``validation_error`` naming the parameter or field.
Route parameters use the ``Parameter`` types (their bounds also appear in the OpenAPI document as
``minimum``/``maximum``); msgspec Structs use the ``Meta`` types. ``tests/test_param_ranges.py`` walks every
route and fails on an integer parameter or body field without bounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import msgspec
from litestar.params import Parameter, QueryParameter

MAX_ROW_ID = 2_147_483_647
"""The largest row id: PostgreSQL ``serial`` columns are 32-bit."""
MIN_YEAR, MAX_YEAR = 1900, 2100
"""The years any date-like number may name (a credit year, a title's year, a history entry)."""

Id = Annotated[int, Parameter(ge=1, le=MAX_ROW_ID)]
"""A row id in the path (``/{person_id:int}``) or a required query parameter."""
OptionalId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ROW_ID)]
"""An optional row id in the query string, usually a filter."""
InstitutionFilter = Annotated[int | None, QueryParameter(ge=1, le=MAX_ROW_ID, description="单位")]
DepartmentFilter = Annotated[int | None, QueryParameter(ge=1, le=MAX_ROW_ID, description="科室")]
PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000, description="页码，从 1 开始")]
PageSize = Annotated[int, QueryParameter(ge=1, le=200, description="每页条数（1–200）")]
Keyword = Annotated[str | None, QueryParameter(max_length=100, description="名称或编码关键字")]
ActiveFilter = Annotated[bool | None, QueryParameter(description="true 只看启用，false 只看停用")]

RowId = Annotated[int, msgspec.Meta(ge=1, le=MAX_ROW_ID)]
"""A row id inside a JSON body (``institution_id``, ``ids`` items, …)."""
YearNumber = Annotated[int, msgspec.Meta(ge=MIN_YEAR, le=MAX_YEAR)]
"""A year inside a JSON body."""
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_ROW_ID)]
"""A non-negative number a row keeps (a version) inside a JSON body."""
Quantity = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
"""A small count a person types inside a JSON body: days, occurrences, an author's rank."""


def row_id_or_none(text: object) -> int | None:
    """A form value as a row id: ASCII digits within 1 – ``MAX_ROW_ID``, else ``None``.

    For values a page reads from a form or the query string by hand (checkbox lists, a select's value);
    ``str.isdigit`` alone also accepts ``²`` and ``١``, which ``int`` refuses or maps to other numbers.
    """
    if not (isinstance(text, str) and 0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def row_ids(values: Iterable[object]) -> list[int]:
    """The values that are row ids (see :func:`row_id_or_none`), in order; the others are dropped."""
    return [value for value in map(row_id_or_none, values) if value is not None]
