"""Check a spreadsheet before any reader opens it, so a hostile or broken file cannot exhaust memory.

calamine, our reader, allocates one slot for every cell of the rectangle between a sheet's first and last
cells with a value: one value at XFD1048576 asks for 17 billion cells (512 GB) and aborts the process. It
also buffers any run of text or whitespace whole. So, before reading: the zip must be sound (real unzipped
sizes and compression ratios within limits, counted while inflating, not taken from its directory), no XML
part may declare a DTD (XXE, billion laughs), no run of text may be huge, and each sheet's real bounding box
is measured from its XML and refused when its area is over the cap.

Sheets as spreadsheet programs write them (every cell `<c r="A1" ...>`, no comments or DTD) are measured by
a fast regular-expression pass; any other part is measured exactly by expat, which refuses DTDs and XML
that is not well-formed (where calamine might read something other than what we measured)."""

from __future__ import annotations

import re
import xml.parsers.expat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from anchorage.core.errors import InputFileError
from anchorage.ingest.xls_measure import XlsDamaged, measure_xls

MAX_AREA = 30_000_000  # cells in one sheet's used rectangle: a 1M-row export of 28 columns fits
MAX_MEMBERS = 10_000  # files inside the zip
MAX_UNZIPPED = 3 * 1024**3  # bytes, all parts together
MAX_RATIO = 100  # unzipped/zipped for a part over RATIO_FLOOR bytes: real sheet XML compresses 5-30x
RATIO_FLOOR = 1024**2
MAX_RUN = 1024**2  # bytes between two tags: a cell holds at most 32,767 characters
MAX_XLS = 250 * 1024**2  # a legacy .xls: larger ones are refused unread
CHUNK = 4 * 1024**2
FIX_SAVE = "Open it in Excel or LibreOffice and save it again as XLSX, or export the sheet as CSV."
FIX_AREA = ("If the sheet really is that big, export it as CSV. Otherwise a stray value far below or to the "
            "right of the data is stretching it: delete the empty rows and columns after the data in Excel, "
            "save, and try again.")

# The fast pass trusts only cells written `<c r="A1" ...>`: any other way of writing a cell tag (a prefix, other
# whitespace, no attributes) sends the part to the exact pass.
_ODD_CELL = (re.compile(rb":c[\s/>]"), re.compile(rb"<c[\t\r\n/>]"))
_CELL_COL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]{1,7}"')
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}([0-9]{1,7})"')
_DECL = re.compile(rb"\A<\?xml[^>]*\?>")
_UNUSUAL = re.compile(rb"<[!?]")  # comments, CDATA, DTDs, processing instructions: measured by expat
_LONG_RUN = re.compile(rb"<[^<]{%d}" % MAX_RUN)  # tried only where a tag starts: linear time
_REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
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


def check_workbook(path: Path, fmt: str) -> None:
    """Refuse (InputFileError) a spreadsheet that is broken, disguised, or would need too much memory.

    A legacy .xls (BIFF in an OLE2 compound file) is measured by the size each sheet declares
    (ingest.xls_measure), which is what its reader allocates. Reading any spreadsheet also runs in a child
    process with a memory cap (ingest.workbook_reader), for the attacks we do not know."""
    name = str(path)
    if fmt == "xls":
        _check_xls(path, name)
        return
    try:
        with zipfile.ZipFile(path) as zf:
            _check_package(zf, name, fmt)
    except zipfile.BadZipFile as exc:
        raise InputFileError(name, f"the spreadsheet is damaged or incomplete ({exc}).",
                             fix="Download or export it again; if that fails, " + FIX_SAVE[0].lower()
                             + FIX_SAVE[1:]) from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError) as exc:
        raise InputFileError(name, f"the spreadsheet cannot be read safely ({exc}).", fix=FIX_SAVE) from None


def _check_xls(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size > MAX_XLS:
        raise InputFileError(name, f"this .xls file is larger than {MAX_XLS // 1024**2} MB.", fix=FIX_SAVE)
    try:
        with path.open("rb") as fh:
            sheets = measure_xls(fh, size)
    except XlsDamaged as exc:
        raise InputFileError(name, f"this .xls file cannot be read safely: {exc}.",
                             fix="Download or export it again; if that fails, " + FIX_SAVE[0].lower()
                             + FIX_SAVE[1:]) from None
    for sheet in sheets:
        if sheet.area > MAX_AREA:
            box = Box(sheet.first_row, sheet.first_col, sheet.first_row + sheet.rows - 1,
                      sheet.first_col + sheet.cols - 1)
            raise InputFileError(
                name, f'this spreadsheet says sheet "{sheet.name[:60]}" uses {sheet.area:,} cells '
                f"({box.label()}). We read at most {MAX_AREA:,} cells in a sheet.", fix=FIX_AREA)


def _check_package(zf: zipfile.ZipFile, name: str, fmt: str) -> None:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise InputFileError(name, f"the file holds {len(infos):,} parts, where a spreadsheet has a few dozen.",
                             fix=FIX_SAVE)
    names = {i.filename for i in infos}
    if "content.xml" not in names and "[Content_Types].xml" not in names:
        what = "an OpenDocument spreadsheet" if fmt == "ods" else "an Excel workbook"
        raise InputFileError(name, f"this is a zip archive, not {what} (another kind of file renamed?).",
                             fix=FIX_SAVE)
    if any(n.lower().startswith("xl/worksheets/") and n.lower().endswith(".bin") for n in names):
        raise InputFileError(name, "this is an Excel binary workbook (.xlsb), which we do not read.",
                             fix="Save it in Excel as .xlsx (Excel Workbook), or export the sheet as CSV.")
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise _too_large(name)
    total = 0
    for info in infos:
        # The reader chooses its format by the file's name, not ours by its content: every part is checked
        # as what either reader would take it for (content.xml as an OpenDocument sheet, the rest as XLSX).
        if not info.filename.lower().endswith((".xml", ".rels")):
            total += sum(len(c) for c in _chunks(zf, info, name, total))  # inflated: sizes, ratio, CRC
            continue
        scan: _Scan
        if info.filename == "content.xml":
            scan = _OdsScan(name, info.filename)
        else:
            scan = _FastXlsxScan(name, info.filename)
        try:
            size = scan.run(_chunks(zf, info, name, total))
        except _Unusual:
            size = _ExactXlsxScan(name, info.filename).run(_chunks(zf, info, name, total))
        total += size


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, before: int) -> Iterator[bytes]:
    """A part's bytes as inflated, with the real (not declared) sizes and ratio checked on the way."""
    size = 0
    with zf.open(info) as fh:  # zipfile stops at the declared size and checks the CRC at the end
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            if before + size > MAX_UNZIPPED:
                raise _too_large(name)
            if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                raise InputFileError(name, f'part "{info.filename}" unzips to over {MAX_RATIO} times its '
                                     "size, which real spreadsheets never do (a zip bomb?).", fix=FIX_SAVE)
            yield chunk


def _too_large(name: str) -> InputFileError:
    return InputFileError(name, f"unzipped, the file would take more than {MAX_UNZIPPED // 1024**3} GB.",
                          fix="Split it, or export the sheets as CSV.")


def _too_many_cells(name: str, where: str, box: Box) -> InputFileError:
    return InputFileError(
        name, f"this spreadsheet says it uses {box.area:,} cells: {where} spans {box.label()}, though only "
        f"{box.cells:,} cells hold anything. We read at most {MAX_AREA:,} cells in a sheet.", fix=FIX_AREA)


def _long_run(name: str, part: str) -> InputFileError:
    return InputFileError(name, f'part "{part}" holds over {MAX_RUN // 1024**2} MB of text or spaces with no '
                          "cell boundary, which real spreadsheets never do.", fix=FIX_SAVE)


class _Unusual(Exception):
    """The fast pass cannot vouch for this part: measure it exactly."""


class _Scan:
    def run(self, chunks: Iterator[bytes]) -> int:
        raise NotImplementedError


class _FastXlsxScan(_Scan):
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
                        raise _Unusual
                    data = data[decl.end():]
                if not data.lstrip()[:1] == b"<":
                    raise _Unusual  # a byte-order mark, or not UTF-8
            size += len(chunk)
            if _UNUSUAL.search(data) or any(p.search(data) for p in _ODD_CELL):
                raise _Unusual
            cut = data.rfind(b"<")
            whole, tail = (data[:cut], data[cut:]) if cut >= 0 else (b"", data)
            if len(tail) > MAX_RUN or _LONG_RUN.search(whole) or (whole and whole[0:1] != b"<"
                                                                 and whole.find(b"<") > MAX_RUN):
                raise _long_run(self.name, self.part)
            found = whole.count(b"<c ")
            if found:
                col_refs = _CELL_COL.findall(whole)
                if len(col_refs) != found:
                    raise _Unusual  # a cell whose first attribute is not its reference
                tags += found
                cols.update(col_refs)
                rows.update(_CELL_ROW.findall(whole))
        if b"<c " in tail:
            raise _Unusual
        if tags:
            r = sorted(int(x) for x in rows)
            c = sorted(column_index(x.decode()) for x in cols)
            box = Box()
            box.add(r[0] - 1, c[0], r[-1] - 1, c[-1], tags)
            if box.area > MAX_AREA:
                raise _Unusual  # empty styled cells count here but not to calamine: measure exactly
        return size


class _Expat(_Scan):
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
        raise InputFileError(self.name, f'part "{self.part}" declares a document type (DTD), which spreadsheets '
                             "never do and attacks on XML readers use.", fix=FIX_SAVE)

    def _gap(self) -> None:
        at = self.parser.CurrentByteIndex
        if at - self.last > MAX_RUN:
            raise _long_run(self.name, self.part)
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
            raise InputFileError(self.name, f'part "{self.part}" is not well-formed XML '
                                 f"({xml.parsers.expat.ErrorString(exc.code)}, line {exc.lineno}).",
                                 fix=FIX_SAVE) from None
        if size - self.last > MAX_RUN:
            raise _long_run(self.name, self.part)
        self.finish()
        return size

    def damaged(self, what: str) -> InputFileError:
        return InputFileError(self.name, f'part "{self.part}" has {what}.', fix=FIX_SAVE)


class _ExactXlsxScan(_Expat):
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
            raise _too_many_cells(self.name, f'part "{self.part}"', self.box)


class _OdsScan(_Expat):
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
                self._repeat(attrs, self.REPEAT_ROWS), 0, 0, None, -1)
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
                self.box.add(self.row, self.row_left, self.row + self.row_repeat - 1, self.row_right,
                             self.row_cells * self.row_repeat)
                if self.box.area > MAX_AREA:
                    raise _too_many_cells(self.name, f'sheet "{self.table}"', self.box)
            self.row += self.row_repeat
