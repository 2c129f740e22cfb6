"""Measure a legacy .xls (BIFF records in an OLE2 compound file) without reading its cells.

calamine sizes each sheet from its DIMENSIONS record before it reads a cell: a small file that declares 65,536
rows by 65,535 columns asks for 171 GB and aborts the process. So, before any reader opens it, we check the
compound file's header and its allocation tables (every sector it names lies inside the file, no chain loops),
find the workbook stream, read the sheet list from its globals and, for each worksheet, the DIMENSIONS
record near its start. Only a few records are read, by seeking: never the cells."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END, FREE = 0xFFFFFFFE, 0xFFFFFFFF
BOF, EOF, BOUNDSHEET, DIMENSIONS = 0x0809, 0x000A, 0x0085, 0x0200
HEAD_RECORDS = (
    2_000  # records read at a sheet's start looking for DIMENSIONS (real files: under 50)
)
GLOBAL_RECORDS = 2_000_000  # records in the workbook globals (the shared strings can be many)
MAX_SHEETS = 1_000


class XlsDamaged(Exception):
    """The file is not a sound compound file or workbook stream; the message says what is wrong."""


@dataclass
class SheetSize:
    name: str
    first_row: int
    rows: int
    first_col: int
    cols: int

    @property
    def area(self) -> int:
        return self.rows * self.cols


def measure_xls(fh: BinaryIO, size: int) -> list[SheetSize]:
    """The declared size of every worksheet in the .xls open as `fh` (`size` bytes long)."""
    stream = _workbook_stream(fh, size)
    return _sheets(stream)


class _Stream:
    """Random access to one stream of the compound file, by sector: nothing is read until asked for."""

    def __init__(
        self, fh: BinaryIO, sectors: list[int], sector_size: int, length: int, base: int
    ) -> None:
        self.fh, self.sectors, self.sector_size, self.length, self.base = (
            fh,
            sectors,
            sector_size,
            length,
            base,
        )

    def read(self, at: int, n: int) -> bytes:
        if at < 0 or at + n > self.length:
            raise XlsDamaged("a record runs past the end of the workbook")
        out = b""
        while n > 0:
            index, offset = divmod(at, self.sector_size)
            take = min(n, self.sector_size - offset)
            self.fh.seek(self.base + self.sectors[index] * self.sector_size + offset)
            chunk = self.fh.read(take)
            if len(chunk) != take:
                raise XlsDamaged("the file ends before its workbook does (damaged or incomplete)")
            out += chunk
            at, n = at + take, n - take
        return out


class _Bytes(_Stream):
    def __init__(self, data: bytes) -> None:
        self.data, self.length = data, len(data)

    def read(self, at: int, n: int) -> bytes:
        if at < 0 or at + n > self.length:
            raise XlsDamaged("a record runs past the end of the workbook")
        return self.data[at : at + n]


def _u32s(data: bytes) -> list[int]:
    return list(struct.unpack(f"<{len(data) // 4}I", data[: len(data) // 4 * 4]))


def _workbook_stream(fh: BinaryIO, size: int) -> _Stream:
    fh.seek(0)
    head = fh.read(512)
    if len(head) < 512 or head[:8] != SIGNATURE:
        raise XlsDamaged("not an Excel 97-2003 workbook (it does not start as one)")
    major, order, shift, mini_shift = struct.unpack_from("<HHHH", head, 0x1A)
    n_fat, first_dir = struct.unpack_from("<II", head, 0x2C)
    cutoff, first_minifat, n_minifat, first_difat, n_difat = struct.unpack_from(
        "<IIIII", head, 0x38
    )
    if (
        order != 0xFFFE
        or (major, shift) not in ((3, 9), (4, 12))
        or mini_shift != 6
        or cutoff != 4096
    ):
        raise XlsDamaged("its compound-file header is damaged")
    sector = 1 << shift
    base = sector  # sector 0 starts after the header (which takes a whole sector in version 4)
    count = max(0, (size - base) // sector)
    if n_fat > count or n_difat > count or n_minifat > count:
        raise XlsDamaged("its compound-file header names more sectors than the file holds")

    def chain(start: int, table: list[int], limit: int) -> Iterator[int]:
        seen = 0
        while start != END:
            if start >= limit or seen >= limit:
                raise XlsDamaged(
                    "a chain of sectors leaves the file or loops (damaged or incomplete)"
                )
            yield start
            seen += 1
            start = table[start] if start < len(table) else FREE

    def sector_bytes(i: int) -> bytes:
        if i >= count:
            raise XlsDamaged("a sector lies past the end of the file (damaged or incomplete)")
        fh.seek(base + i * sector)
        return fh.read(sector)

    difat = _u32s(head[0x4C:512])
    at, ids_per = first_difat, sector // 4 - 1
    for _ in range(n_difat):
        block = _u32s(sector_bytes(at))
        difat += block[:ids_per]
        at = block[ids_per]
    fat: list[int] = []
    for i in difat[:n_fat]:
        fat += _u32s(sector_bytes(i))
    entries = b"".join(sector_bytes(i) for i in chain(first_dir, fat, count))
    root_start = root_size = None
    found = None
    for off in range(0, len(entries) - 127, 128):
        e = entries[off : off + 128]
        name_len, kind = struct.unpack_from("<HB", e, 0x40)
        start, length = struct.unpack_from("<IQ", e, 0x74)
        name = e[: max(0, min(name_len, 64) - 2)].decode("utf-16-le", "replace")
        if kind == 5 and root_start is None:
            root_start, root_size = start, length & 0xFFFFFFFF if major == 3 else length
        elif kind == 2 and name.lower() in ("workbook", "book") and found is None:
            found = (start, length & 0xFFFFFFFF if major == 3 else length)
    if found is None:
        raise XlsDamaged("there is no workbook in it (another kind of Office file?)")
    start, length = found
    if length > size * 2 + sector:
        raise XlsDamaged("its workbook says it is larger than the file")
    if length >= cutoff:
        sectors = list(chain(start, fat, count))
        if len(sectors) * sector < length:
            raise XlsDamaged("its workbook is cut short (damaged or incomplete)")
        return _Stream(fh, sectors, sector, length, base)
    # A small workbook lives in the mini stream (64-byte pieces of the root entry's stream).
    if root_start is None or root_size is None:
        raise XlsDamaged("its compound-file directory has no root")
    minifat = [v for i in chain(first_minifat, fat, count) for v in _u32s(sector_bytes(i))]
    root = _Stream(
        fh, list(chain(root_start, fat, count)), sector, min(root_size, count * sector), base
    )
    pieces = chain(start, minifat, max(len(minifat), 1))
    data = b"".join(root.read(p * 64, 64) for p in pieces)
    if len(data) < length:
        raise XlsDamaged("its workbook is cut short (damaged or incomplete)")
    return _Bytes(data[:length])


def _records(stream: _Stream, at: int, limit: int) -> Iterator[tuple[int, int, int]]:
    """(kind, offset of its data, its length) from `at`, up to `limit` records or the stream's end."""
    for _ in range(limit):
        if at + 4 > stream.length:
            return
        kind, n = struct.unpack("<HH", stream.read(at, 4))
        yield kind, at + 4, n
        at += 4 + n


def _sheets(stream: _Stream) -> list[SheetSize]:
    first = next(_records(stream, 0, 1), None)
    if first is None or first[0] != BOF or first[2] < 4:
        raise XlsDamaged("its workbook does not begin as one (damaged, or not BIFF5-8)")
    biff8 = struct.unpack("<H", stream.read(first[1], 2))[0] == 0x0600
    listed: list[tuple[str, int]] = []
    for kind, data, n in _records(stream, 0, GLOBAL_RECORDS):
        if kind == EOF:
            break
        if kind == BOUNDSHEET and n >= 7:
            raw = stream.read(data, n)
            offset, _state, sheet_type, cch = struct.unpack_from("<IBBB", raw)
            if biff8 and n >= 8:
                wide = raw[7] & 1
                name = raw[8 : 8 + cch * (2 if wide else 1)].decode(
                    "utf-16-le" if wide else "latin-1", "replace"
                )
            else:
                name = raw[7 : 7 + cch].decode("latin-1", "replace")
            if sheet_type == 0:  # a worksheet (not a chart, macro sheet or module)
                listed.append((name, offset))
            if len(listed) > MAX_SHEETS:
                raise XlsDamaged(f"it lists more than {MAX_SHEETS:,} sheets")
    return [_sheet_size(stream, name, offset, biff8) for name, offset in listed]


def _sheet_size(stream: _Stream, name: str, offset: int, biff8: bool) -> SheetSize:
    records = _records(stream, offset, HEAD_RECORDS)
    start = next(records, None)
    if start is None or start[0] != BOF:
        raise XlsDamaged(f'sheet "{name[:40]}" is not where the workbook says it starts')
    for kind, data, n in records:
        if kind == DIMENSIONS:
            if biff8 and n >= 12:
                r0, r1, c0, c1 = struct.unpack("<IIHH", stream.read(data, 12))
            elif n >= 8:
                r0, r1, c0, c1 = struct.unpack("<HHHH", stream.read(data, 8))
            else:
                raise XlsDamaged(f'sheet "{name[:40]}" has a damaged size record')
            if r1 < r0 or c1 < c0:
                raise XlsDamaged(f'sheet "{name[:40]}" has a damaged size record')
            return SheetSize(name, r0, r1 - r0, c0, c1 - c0)
        if kind in (EOF, BOF):
            break
    return SheetSize(name, 0, 0, 0, 0)  # no size record: the reader finds the cells itself
