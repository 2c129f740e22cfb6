"""Measuring a sheet's XML before any reader opens it: the bounding box of its cells with a value, by a fast
regular-expression pass where cells are written as spreadsheet programs write them, else exactly by expat
(which refuses DTDs and XML that is not well-formed). workbook_guard.py checks the zip around them."""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import dataclass

from anchorage.core.errors import InputFileError

MAX_AREA = 30_000_000  # cells in one sheet's used rectangle: a 1M-row export of 28 columns fits
MAX_RUN = 1024**2  # bytes between two tags: a cell holds at most 32,767 characters
FIX_SAVE = "Open it in Excel or LibreOffice and save it again as XLSX, or export the sheet as CSV."
FIX_AREA = (
    "If the sheet really is that big, export it as CSV. Otherwise a stray value far below or to the "
    "right of the data is stretching it: delete the empty rows and columns after the data in Excel, "
    "save, and try again."
)

# The fast pass trusts only cells written `<c r="A1" ...>`: any other way of writing a cell tag (a prefix, other
# whitespace, no attributes) sends the part to the exact pass.
_ODD_CELL = (re.compile(rb":c[\s/>]"), re.compile(rb"<c[\t\r\n/>]"))
_CELL_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_DECL = re.compile(rb"\A<\?xml[^>]*\?>")
_UNUSUAL = re.compile(
    rb"<[!?]"
)  # comments, CDATA, DTDs, processing instructions: measured by expat
_LONG_RUN = re.compile(rb"<[^<]{%d}" % MAX_RUN)  # tried only where a tag starts: linear time
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


@dataclass
class Box:
    """A sheet's bounding box of cells with a value (0-based, inclusive) and how many there are."""

    top: int = 0
    left: int = 0
    bottom: int = -1
    right: int = -1
    cells: int = 0

    def add(self, top: int, left: int, bottom: int, right: int, cells: int) -> None:
        if self.cells == 0:
            self.top, self.left, self.bottom, self.right = top, left, bottom, right
        else:
            self.top, self.left = min(self.top, top), min(self.left, left)
            self.bottom, self.right = max(self.bottom, bottom), max(self.right, right)
        self.cells += cells

    @property
    def area(self) -> int:
        return 0 if self.cells == 0 else (self.bottom - self.top + 1) * (self.right - self.left + 1)

    def label(self) -> str:
        return f"{column_name(self.left)}{self.top + 1}:{column_name(self.right)}{self.bottom + 1}"


def column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index > 0 and len(name) < 8:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name if index == 0 else f"column {index:,}"


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def too_many_cells(name: str, where: str, box: Box) -> InputFileError:
    return InputFileError(
        name,
        f"this spreadsheet says it uses {box.area:,} cells: {where} spans {box.label()}, though only "
        f"{box.cells:,} cells hold anything. We read at most {MAX_AREA:,} cells in a sheet.",
        fix=FIX_AREA,
    )


def long_run(name: str, part: str) -> InputFileError:
    return InputFileError(
        name,
        f'part "{part}" holds over {MAX_RUN // 1024**2} MB of text or spaces with no '
        "cell boundary, which real spreadsheets never do.",
        fix=FIX_SAVE,
    )


class Unusual(Exception):
    """The fast pass cannot vouch for this part: measure it exactly."""


class Scan:
    def run(self, chunks: Iterator[bytes]) -> int:
        raise NotImplementedError


class FastXlsxScan(Scan):
    """Every cell tag is `<c r="A1"`: then the column letters and row numbers seen bound the box."""

    def __init__(self, name: str, part: str) -> None:
        self.name, self.part = name, part

    def run(self, chunks: Iterator[bytes]) -> int:
        tail, size, tags = b"", 0, 0
        cols: set[bytes] = set()
        rows: set[bytes] = set()
        for chunk in chunks:
            data = tail + chunk
            if size == 0:
                decl = _DECL.match(data)
                if decl is not None:
                    if b"encoding" in decl.group(0) and b"utf-8" not in decl.group(0).lower():
                        raise Unusual
                    data = data[decl.end() :]
                if not data.lstrip()[:1] == b"<":
                    raise Unusual  # a byte-order mark, or not UTF-8
            size += len(chunk)
            if _UNUSUAL.search(data) or any(p.search(data) for p in _ODD_CELL):
                raise Unusual
            cut = data.rfind(b"<")
            whole, tail = (data[:cut], data[cut:]) if cut >= 0 else (b"", data)
            if (
                len(tail) > MAX_RUN
                or _LONG_RUN.search(whole)
                or (whole and whole[0:1] != b"<" and whole.find(b"<") > MAX_RUN)
            ):
                raise long_run(self.name, self.part)
            found = whole.count(b"<c ")
            if found:
                col_refs = _CELL_COL.findall(whole)
                if len(col_refs) != found:
                    raise Unusual  # a cell whose first attribute is not its reference
                tags += found
                cols.update(col_refs)
                rows.update(_CELL_ROW.findall(whole))
        if b"<c " in tail:
            raise Unusual
        if tags:
            r = sorted(int(x) for x in rows)
            c = sorted(column_index(x.decode()) for x in cols)
            box = Box()
            box.add(r[0] - 1, c[0], r[-1] - 1, c[-1], tags)
            if box.area > MAX_AREA:
                raise Unusual  # empty styled cells count here but not to calamine: measure exactly
        return size


class _Expat(Scan):
    """An expat pass that refuses DTDs and bad XML and checks the longest stretch between two tags."""

    def __init__(self, name: str, part: str) -> None:
        self.name, self.part = name, part
        self.parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
        self.parser.ordered_attributes = False
        self.parser.StartDoctypeDeclHandler = self._dtd
        self.parser.EntityDeclHandler = self._dtd
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.last = 0

    def _dtd(self, *args: object) -> None:
        raise InputFileError(
            self.name,
            f'part "{self.part}" declares a document type (DTD), which spreadsheets '
            "never do and attacks on XML readers use.",
            fix=FIX_SAVE,
        )

    def _gap(self) -> None:
        at = self.parser.CurrentByteIndex
        if at - self.last > MAX_RUN:
            raise long_run(self.name, self.part)
        self.last = at

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        self._gap()
        self.start(tag.rpartition(" ")[2], attrs)

    def _end(self, tag: str) -> None:
        self._gap()
        self.end(tag.rpartition(" ")[2])

    def start(self, tag: str, attrs: dict[str, str]) -> None: ...

    def end(self, tag: str) -> None: ...

    def finish(self) -> None: ...

    def run(self, chunks: Iterator[bytes]) -> int:
        size = 0
        try:
            for chunk in chunks:
                size += len(chunk)
                self.parser.Parse(chunk, False)
            self.parser.Parse(b"", True)
        except xml.parsers.expat.ExpatError as exc:
            raise InputFileError(
                self.name,
                f'part "{self.part}" is not well-formed XML '
                f"({xml.parsers.expat.ErrorString(exc.code)}, line {exc.lineno}).",
                fix=FIX_SAVE,
            ) from None
        if size - self.last > MAX_RUN:
            raise long_run(self.name, self.part)
        self.finish()
        return size

    def damaged(self, what: str) -> InputFileError:
        return InputFileError(self.name, f'part "{self.part}" has {what}.', fix=FIX_SAVE)


class ExactXlsxScan(_Expat):
    """Cells as calamine places them: `r` if given, else after the previous one; only cells with a value."""

    def __init__(self, name: str, part: str) -> None:
        super().__init__(name, part)
        self.box = Box()
        self.row = -1
        self.col = -1
        self.cell: tuple[int, int] | None = None
        self.filled = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.cell is not None:
            if tag in ("c", "row"):  # calamine might place these where we would not: refuse
                raise self.damaged("a cell inside a cell")
            self.filled = True  # <v>, <is> or <f> inside a cell
        elif tag == "row":
            r = attrs.get("r")
            if r is not None and not (r.isdigit() and len(r) <= 7):
                raise self.damaged(f'a row numbered "{r[:20]}"')
            self.row = int(r) - 1 if r is not None else self.row + 1
            self.col = -1
        elif tag == "c":
            r = attrs.get("r")
            if r is None:
                self.col += 1
                self.cell = (max(self.row, 0), self.col)
                return
            m = _REF.fullmatch(r)
            if m is None:
                raise self.damaged(f'a cell reference "{r[:20]}" that is not like A1')
            self.row, self.col = int(m.group(2)) - 1, column_index(m.group(1))
            self.cell = (self.row, self.col)

    def end(self, tag: str) -> None:
        if tag == "c" and self.cell is not None:
            if self.filled:
                self.box.add(*self.cell, *self.cell, 1)
            self.cell, self.filled = None, False

    def finish(self) -> None:
        if self.box.area > MAX_AREA:
            raise too_many_cells(self.name, f'part "{self.part}"', self.box)


class OdsScan(_Expat):
    """OpenDocument tables: rows and cells repeat (`number-rows-repeated`, `number-columns-repeated`);
    repeated empty cells (LibreOffice pads every sheet with them) do not count, repeated values do."""

    REPEAT_ROWS = f"{TABLE_NS} number-rows-repeated"
    REPEAT_COLS = f"{TABLE_NS} number-columns-repeated"
    VALUE_TYPE = f"{OFFICE_NS} value-type"

    def __init__(self, name: str, part: str) -> None:
        super().__init__(name, part)
        self.box = Box()
        self.table = ""
        self.row = 0
        self.row_repeat = 1
        self.col = 0
        self.row_cells = 0
        self.row_left: int | None = None
        self.row_right = -1
        self.cell: tuple[int, int] | None = None  # (first column, repeat) of the open cell
        self.filled = False

    def _repeat(self, attrs: dict[str, str], key: str) -> int:
        text = attrs.get(key, "1")
        if not (text.isdigit() and len(text) <= 12) or int(text) < 1:
            raise self.damaged(f'a repeat count "{text[:20]}" that is not a whole number')
        return int(text)

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if self.cell is not None:
            if tag in ("table", "table-row", "table-cell", "covered-table-cell"):
                raise self.damaged("a table inside a cell")
            self.filled = True
        elif tag == "table":
            self.table, self.box, self.row = attrs.get(f"{TABLE_NS} name", "a sheet"), Box(), 0
        elif tag == "table-row":
            self.row_repeat, self.col, self.row_cells, self.row_left, self.row_right = (
                self._repeat(attrs, self.REPEAT_ROWS),
                0,
                0,
                None,
                -1,
            )
        elif tag in ("table-cell", "covered-table-cell"):
            self.cell = (self.col, self._repeat(attrs, self.REPEAT_COLS))
            self.filled = self.VALUE_TYPE in attrs

    def end(self, tag: str) -> None:
        if tag in ("table-cell", "covered-table-cell") and self.cell is not None:
            first, repeat = self.cell
            if self.filled:
                self.row_left = first if self.row_left is None else self.row_left
                self.row_right, self.row_cells = first + repeat - 1, self.row_cells + repeat
            self.col += repeat
            self.cell, self.filled = None, False
        elif tag == "table-row":
            if self.row_left is not None:
                self.box.add(
                    self.row,
                    self.row_left,
                    self.row + self.row_repeat - 1,
                    self.row_right,
                    self.row_cells * self.row_repeat,
                )
                if self.box.area > MAX_AREA:
                    raise too_many_cells(self.name, f'sheet "{self.table}"', self.box)
            self.row += self.row_repeat
