"""Reading an untrusted xlsx workbook without letting it take the server down.

A spreadsheet reader sizes its memory from what the file claims: python-calamine allocates a sheet's whole
used range up front, so a 1.5 KB file whose only cell is ``XFD1048576`` asks for hundreds of gigabytes and
the process aborts (a Rust allocation failure, not a Python exception). Two defences:

1. **Bounds**, checked by streaming the zip with the standard library before calamine sees the file (no
   part is ever held in memory whole): at most :data:`MAX_PARTS` parts, each part at most
   :data:`MAX_PART_BYTES` and all together at most :data:`MAX_TOTAL_BYTES` once decompressed (as the zip
   declares them: :mod:`zipfile` never yields more than that and a part that would fails its CRC), a
   compression ratio of at most :data:`MAX_RATIO` for parts over 1 MB, and in every worksheet the declared
   ``<dimension ref=…>`` and every cell actually present within :data:`MAX_ROWS` rows and
   :data:`MAX_COLUMNS` columns (A–BH). Cells without an ``r`` attribute count by their position, as the
   readers place them.
2. **Isolation**: the check and the read run in a child process (``python -m`` this module) with an
   address-space limit (:data:`CHILD_MEMORY_BYTES`) and a CPU-time limit (:data:`CHILD_CPU_SECONDS`). The
   rows come back through a pipe in chunks of :data:`CHUNK_ROWS`; if the child dies anyway, the caller gets
   :class:`WorkbookRejected` with the code ``crashed`` and the server carries on.

This module imports only the standard library (and python-calamine in the child), so the child starts
quickly and the bounds check can run anywhere.
"""

from __future__ import annotations

import datetime
import logging
import os
import pickle
import re
import resource
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

log = logging.getLogger("cme.personnel.import")

MB = 1024 * 1024
MAX_DATA_ROWS = 200_000
"""Data rows one file may hold (split larger imports into several files)."""
MAX_ROWS = MAX_DATA_ROWS + 1
"""Highest row number a worksheet may use: the data rows plus the header row."""
MAX_COLUMNS = 60
"""Highest column a worksheet may use (BH; also in ``_WIDE_CELL``): the template has 23 columns."""
MAX_PARTS = 1_000
"""Parts (zip members) of one workbook."""
MAX_PART_BYTES = 512 * MB
"""Decompressed size of one part."""
MAX_TOTAL_BYTES = 1024 * MB
"""Decompressed size of all parts together."""
MAX_RATIO = 200
"""Largest compression ratio of a part over 1 MB decompressed (zip bombs reach about 1,000)."""
CHILD_MEMORY_BYTES = 3 * 1024 * MB
"""Address space of the reading child process (a full 200,000-row file needs well under half of it)."""
CHILD_CPU_SECONDS = 300
"""CPU time of the reading child process."""
CHUNK_ROWS = 1_000
"""Rows per message from the child."""
MAX_READERS = 2
"""Reading child processes at once in this server process (more imports wait for a free one), so that
parallel uploads cannot claim more than ``MAX_READERS`` × :data:`CHILD_MEMORY_BYTES`."""

_readers = threading.BoundedSemaphore(MAX_READERS)

_READ_BYTES = MB
_LONGEST_TAG = 4096
_TAG = re.compile(
    rb"<(/?)(?:[A-Za-z_][\w.-]{0,63}:)?(sheetData|row|c|dimension)\b([^<>]{0,%d})(>?)" % _LONGEST_TAG
)
_ATTRIBUTE = re.compile(rb"""\b(r|ref)\s*=\s*["']([^"']{0,64})["']""")
# The quick test of the usual file (every writer puts ``r`` first); any other form takes the slow way.
_FULL_CELL = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_FULL_ROW = re.compile(rb'<row r="([0-9]{1,7})"')
_WIDE_CELL = re.compile(rb'<c r="(?:[A-Z]{3}|[C-Z][A-Z]|B[I-Z])[0-9]')  # beyond column BH
_PREFIXED_TAG = re.compile(rb"</?[A-Za-z_][\w.-]{0,63}:")  # ``<x:c …>``: readers match tags by local name
_MALFORMED = "工作表的内容格式异常，文件可能已损坏或不是 Excel 保存的"
_CELL = re.compile(rb"\$?([A-Za-z]{0,7})\$?([0-9]{0,10})")


class WorkbookRejected(Exception):
    """The workbook cannot be read: ``code`` says why, ``message`` (Chinese) or ``detail`` says more.

    Codes: ``bounds`` (a limit of this module; ``message`` names it), ``not_xlsx`` (not a zip of an
    xlsx, or encrypted), ``no_sheet`` (``detail``: the sheet names found), ``unreadable`` (calamine
    failed) and ``crashed`` (the child process died, e.g. at its memory or CPU limit).
    """

    def __init__(self, code: str, message: str = "", detail: str = "") -> None:
        super().__init__(code, message, detail)
        self.code, self.message, self.detail = code, message, detail


def _bounds(message: str) -> WorkbookRejected:
    return WorkbookRejected("bounds", message)


def _column_name(column: int) -> str:
    name = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - ord("A") + 1
    return number


def _check_cell(row: int, column: int, what: str) -> None:
    """Refuse a cell (or a declared corner) beyond :data:`MAX_ROWS` or :data:`MAX_COLUMNS`."""
    if row > MAX_ROWS:
        raise _bounds(
            f"{what}用到了第 {row:,} 行：每个文件最多 {MAX_DATA_ROWS:,} 行数据"
            f"（连表头到第 {MAX_ROWS:,} 行），请分成多个文件导入"
        )
    if column > MAX_COLUMNS:
        raise _bounds(
            f"{what}用到了第 {_column_name(column)} 列：最多 {MAX_COLUMNS} 列"
            f"（A–{_column_name(MAX_COLUMNS)}），请删除多余的列后重新上传"
        )


def _corner(ref: bytes | None) -> tuple[bytes, bytes]:
    """(column letters, row digits) of a cell reference such as ``XFD1048576`` (empty when absent)."""
    if ref is None:
        return b"", b""
    match = _CELL.fullmatch(ref.strip())
    if match is None:
        raise _bounds(_MALFORMED)
    return match[1], match[2]


class _SheetScan:
    """Follows the rows and cells of one part's XML, fed in chunks that never split a tag."""

    def __init__(self) -> None:
        self.in_data = False
        self.row = 0
        self.column = 0

    def feed(self, text: bytes) -> None:
        """Check every ``dimension`` tag and every cell (``c`` inside ``sheetData``) of ``text``."""
        if not (self.in_data and b"sheetData" not in text and self._within_bounds(text)):
            self._follow(text)
            return
        # only the last row's tags matter for cells without a reference in the next chunk
        self._follow(text[max(text.rfind(b"<row"), text.rfind(b"<c"), 0) :])

    @staticmethod
    def _within_bounds(text: bytes) -> bool:
        """Whether every cell and row of ``text`` (inside ``sheetData``) has a full reference within bounds.

        The quick test for the usual file, run by the regex engine; ``False`` sends the chunk through
        :meth:`_follow`, which places cells without a reference and names the offending cell.
        """
        if _PREFIXED_TAG.search(text) is not None:
            return False
        cells, rows = _FULL_CELL.findall(text), _FULL_ROW.findall(text)
        return (
            len(cells) == text.count(b"<c")
            and len(rows) == text.count(b"<row")
            and max(map(int, cells + rows), default=0) <= MAX_ROWS
            and _WIDE_CELL.search(text) is None
        )

    def _follow(self, text: bytes) -> None:
        """Check ``text`` tag by tag, placing cells without a reference after the previous one."""
        for closing, tag, attributes, end in _TAG.findall(text):
            if tag == b"sheetData":
                self.in_data = not closing and not attributes.rstrip().endswith(b"/")
            elif closing:
                continue
            elif tag == b"dimension" and end:
                self._dimension(_attribute(attributes, b"ref"))
            elif self.in_data:
                if not end:
                    raise _bounds(_MALFORMED)
                letters, digits = _corner(_attribute(attributes, b"r"))
                if tag == b"row":
                    self.row, self.column = int(digits) if digits else self.row + 1, 0
                    continue
                self.column = _column_number(letters) if letters else self.column + 1
                self.row = int(digits) if digits else self.row
                _check_cell(self.row, self.column, f"工作表的单元格 {_column_name(self.column)}{self.row} ")

    @staticmethod
    def _dimension(ref: bytes | None) -> None:
        shown = (ref or b"").decode(errors="replace")
        for corner in (ref or b"").split(b":"):
            letters, digits = _corner(corner)
            _check_cell(int(digits or 0), _column_number(letters), f"工作表声明的范围 {shown} ")


def _attribute(attributes: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` in a tag's ``attributes`` (``None`` when absent)."""
    return next((m[2] for m in _ATTRIBUTE.finditer(attributes) if m[1] == name), None)


def _scan_part(stream: IO[bytes]) -> None:
    """Decompress one part in chunks, checking the cells of the chunks with a tag boundary between them."""
    scan = _SheetScan()
    carry = b""
    while chunk := stream.read(_READ_BYTES):
        text = carry + chunk
        cut = text.rfind(b"<", max(0, len(text) - 2 * _LONGEST_TAG))
        cut = len(text) if cut < 0 else cut
        scan.feed(text[:cut])
        carry = text[cut:]
    scan.feed(carry)


def check_bounds(path: Path) -> None:
    """Refuse (:class:`WorkbookRejected`) a workbook whose parts or sheets exceed this module's limits.

    Streams every part once with :mod:`zipfile`; memory stays at a few megabytes whatever the file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
            if len(parts) > MAX_PARTS:
                raise _bounds(
                    f"文件包含 {len(parts):,} 个部件，超过上限 {MAX_PARTS:,}，不是正常的 Excel 工作簿"
                )
            declared = 0
            for part in parts:
                declared += part.file_size
                ratio = part.file_size / max(part.compress_size, 1)
                if part.file_size > MAX_PART_BYTES or declared > MAX_TOTAL_BYTES:
                    raise _bounds(f"文件解压后超过 {MAX_TOTAL_BYTES // MB} MB，请分成多个文件导入")
                if part.file_size > MB and ratio > MAX_RATIO:
                    raise _bounds(
                        f"文件的压缩比异常（{ratio:,.0f} 倍，上限 {MAX_RATIO} 倍），不是正常的 Excel 工作簿"
                    )
            for part in parts:  # zipfile stops at the declared size and checks the part's CRC
                with archive.open(part) as stream:
                    _scan_part(stream)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        NotImplementedError,
        RuntimeError,
    ) as exc:
        raise WorkbookRejected("not_xlsx") from exc


def _calamine_rows(path: str, sheet_name: str) -> Iterator[list[Any]]:
    """The rows of sheet ``sheet_name`` from row 1 and column A, as python-calamine reads them."""
    from python_calamine import CalamineWorkbook  # only the child process loads the reader

    try:
        book = CalamineWorkbook.from_path(path)
    except Exception as exc:  # calamine raises several types (zip, xml, password) for unreadable files
        raise WorkbookRejected("not_xlsx") from exc
    try:
        if sheet_name not in book.sheet_names:
            raise WorkbookRejected("no_sheet", detail="、".join(book.sheet_names))
        sheet = book.get_sheet_by_name(sheet_name)
        # iter_rows starts at row 1 but at the first used column
        padding = [""] * (sheet.start[1] if sheet.start else 0)
        for row in sheet.iter_rows():
            yield padding + row
    except WorkbookRejected:
        raise
    except MemoryError as exc:
        raise WorkbookRejected("crashed") from exc
    except Exception as exc:
        raise WorkbookRejected("unreadable") from exc
    finally:
        book.close()


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)


def _child(path: str, sheet_name: str, out: BinaryIO) -> None:
    """Check and read the workbook, sending ``("rows", [...])`` messages, then ``("end",)`` or an error."""
    try:
        check_bounds(Path(path))
        chunk: list[list[Any]] = []
        for row in _calamine_rows(path, sheet_name):
            chunk.append(row)
            if len(chunk) == CHUNK_ROWS:
                _send(out, ("rows", chunk))
                chunk = []
        _send(out, ("rows", chunk))
        _send(out, ("end",))
    except WorkbookRejected as exc:
        _send(out, ("error", exc.code, exc.message, exc.detail))
    out.flush()


class _CellUnpickler(pickle.Unpickler):
    """Loads the child's messages: plain values and the date and time types of cells, nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "datetime" and name in {"date", "datetime", "time", "timedelta"}:
            return getattr(datetime, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a cell value")


def read_rows(path: Path, sheet_name: str) -> Generator[list[Any], None, None]:
    """The rows of sheet ``sheet_name`` (from row 1 and column A) of the untrusted workbook at ``path``.

    The bounds are checked and the sheet read in a child process with limited memory and CPU time; the
    rows stream back in chunks. Raises :class:`WorkbookRejected` when the file is refused or the child
    dies; the child is killed if the caller stops early. At most :data:`MAX_READERS` children run at once.
    """
    command = [sys.executable, "-P", "-m", __name__, str(path), sheet_name, str(CHILD_MEMORY_BYTES)]
    with _readers, subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE) as child:
        assert child.stdout is not None
        try:
            while True:
                try:
                    message = _CellUnpickler(child.stdout).load()
                except (EOFError, pickle.UnpicklingError) as exc:
                    child.kill()
                    log.warning("workbook reader process broke off (exit status %s)", child.wait())
                    raise WorkbookRejected("crashed") from exc
                if message[0] == "end":
                    return
                if message[0] == "error":
                    raise WorkbookRejected(*message[1:])
                yield from message[1]
        finally:
            child.kill()


def _main(argv: list[str]) -> None:
    """Child process: limit memory and CPU time, keep stdout for the messages, then check and read.

    ``argv``: the workbook's path, the sheet name and the address-space limit in bytes.
    """
    memory = int(argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (CHILD_CPU_SECONDS, CHILD_CPU_SECONDS))
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else printed goes to stderr, never into the message stream
    _child(argv[0], argv[1], out)


if __name__ == "__main__":
    _main(sys.argv[1:])
