"""The one Excel writer of every export: each cell written by its type, text always as text.

No cell a user controls is ever evaluated: text is written with XlsxWriter's ``write_string`` (never
``write``, which would turn ``=…`` into a live formula), and text starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return also gets the quote-prefix format, so Excel keeps it text when the cell is
edited. Control characters stored before the boundary check existed
(:mod:`cme_platform.api.text_guard`) are replaced by U+FFFD, so any stored data exports. Numbers are
written as numbers, dates and times as dates (``yyyy-mm-dd`` / ``yyyy-mm-dd hh:mm:ss``, time zone
dropped: convert to local time first), ``None`` as an empty cell.

Use :func:`workbook_bytes` for a small workbook built in memory, or :class:`Workbook` on a file path with
``constant_memory=True`` for a large one written row by row.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from cme_platform.api.text_guard import replace_control_characters

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""Text starting with one of these would be read as a formula by a spreadsheet: it is quote-prefixed."""

MAX_TEXT = 32_767
"""Excel's limit on the characters of one cell; longer text is cut."""

EXACT_INTEGER = 2**53
"""Integers beyond this lose digits as an Excel number: they are written as text."""

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def safe_text(value: str) -> str:
    """``value`` as it may stand in a cell: control characters replaced, cut at :data:`MAX_TEXT`."""
    return replace_control_characters(value)[:MAX_TEXT]


class Sheet:
    """One worksheet; write rows with :meth:`row` (in order when the workbook uses ``constant_memory``)."""

    def __init__(self, book: Workbook, worksheet: Worksheet) -> None:
        self._book, self._sheet = book, worksheet

    def row(self, index: int, values: Iterable[Any], *, bold: bool = False, first_column: int = 0) -> None:
        """Write ``values`` into row ``index`` (0-based) from ``first_column`` on, each by its type."""
        for column, value in enumerate(values, start=first_column):
            self.cell(index, column, value, bold=bold)

    def cell(self, row: int, column: int, value: Any, *, bold: bool = False) -> None:
        """Write one value by its type: text as text (see the module), numbers, dates, booleans."""
        sheet, book = self._sheet, self._book
        if value is None:
            if bold:
                sheet.write_blank(row, column, None, book.format(bold=bold))
        elif isinstance(value, bool):
            sheet.write_boolean(row, column, value, book.format(bold=bold))
        elif isinstance(value, int | float | Decimal) and _exact_number(value):
            sheet.write_number(row, column, float(value), book.format(bold=bold))
        elif isinstance(value, datetime):
            sheet.write_datetime(row, column, value, book.format(bold=bold, number=DATETIME_FORMAT))
        elif isinstance(value, date):
            sheet.write_datetime(row, column, value, book.format(bold=bold, number=DATE_FORMAT))
        else:
            text = safe_text(str(value))
            quote = text.startswith(FORMULA_PREFIXES)
            sheet.write_string(row, column, text, book.format(bold=bold, quote=quote))

    def widths(self, first: int, last: int, width: float) -> None:
        """Set the width of columns ``first`` to ``last`` (0-based, inclusive)."""
        self._sheet.set_column(first, last, width)

    def freeze_header(self, rows: int = 1) -> None:
        """Keep the first ``rows`` rows in view while scrolling."""
        self._sheet.freeze_panes(rows, 0)


def _exact_number(value: int | float | Decimal) -> bool:
    if isinstance(value, int):
        return -EXACT_INTEGER <= value <= EXACT_INTEGER
    return math.isfinite(value)


class Workbook:
    """An XlsxWriter workbook that writes to ``target`` (a path or a binary buffer); close it when done."""

    def __init__(self, target: str | Path | io.BytesIO, *, constant_memory: bool = False) -> None:
        options = {
            "constant_memory": constant_memory,
            "in_memory": not constant_memory,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        }
        self._book = xlsxwriter.Workbook(str(target) if isinstance(target, Path) else target, options)
        self._formats: dict[tuple[bool, bool, str], Format] = {}

    def sheet(self, name: str) -> Sheet:
        """Add a worksheet named ``name`` (at most 31 characters, no ``[]:*?/\\``)."""
        return Sheet(self, self._book.add_worksheet(name))

    def format(self, *, bold: bool = False, quote: bool = False, number: str = "") -> Format | None:
        """The (cached) cell format for these properties; ``None`` when the cell needs none."""
        if not (bold or quote or number):
            return None
        key = (bold, quote, number)
        if key not in self._formats:
            properties: dict[str, Any] = {"bold": bold, "quote_prefix": quote}
            if number:
                properties["num_format"] = number
            self._formats[key] = self._book.add_format(properties)
        return self._formats[key]

    def close(self) -> None:
        """Write the file (for a path target) or fill the buffer."""
        self._book.close()


def workbook_bytes(fill: Callable[[Workbook], None]) -> bytes:
    """An in-memory workbook that ``fill`` writes, as xlsx bytes (for exports of moderate size)."""
    buffer = io.BytesIO()
    book = Workbook(buffer)
    fill(book)
    book.close()
    return buffer.getvalue()
