"""Legacy .xls files built by hand (BIFF8 records in an OLE2 compound file), good and hostile, as Excel 97-2003
writes them: a workbook-globals substream naming each sheet and where it starts, then each sheet's substream
(BOF, DIMENSIONS, cells, EOF). No writer library for .xls is maintained any more, so the tests make their own."""

from __future__ import annotations

import struct

SECTOR = 512
FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def record(kind: int, data: bytes = b"") -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def bof(kind: int) -> bytes:  # 0x0005 workbook globals, 0x0010 worksheet
    return record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 6))


def dimensions(first_row: int, rows: int, first_col: int, cols: int) -> bytes:
    return record(
        0x0200, struct.pack("<IIHHH", first_row, first_row + rows, first_col, first_col + cols, 0)
    )


def number(row: int, col: int, value: float) -> bytes:
    return record(0x0203, struct.pack("<HHHd", row, col, 0, value))


def label(row: int, col: int, text: str) -> bytes:
    return record(0x0204, struct.pack("<HHHHB", row, col, 0, len(text), 0) + text.encode("latin-1"))


def workbook_stream(sheets: dict[str, bytes]) -> bytes:
    """sheets: name -> the records between the sheet's BOF and EOF (DIMENSIONS first)."""

    def boundsheets(offsets: list[int]) -> bytes:
        return b"".join(
            record(0x0085, struct.pack("<IBBBB", at, 0, 0, len(name), 0) + name.encode("latin-1"))
            for at, name in zip(offsets, sheets, strict=True)
        )

    head = bof(0x0005) + record(0x0042, struct.pack("<H", 1200))
    globals_size = len(head) + len(boundsheets([0] * len(sheets))) + 4
    offsets, at = [], globals_size
    bodies = [bof(0x0010) + body + record(0x000A) for body in sheets.values()]
    for body in bodies:
        offsets.append(at)
        at += len(body)
    return head + boundsheets(offsets) + record(0x000A) + b"".join(bodies)


def compound_file(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file (version 3, 512-byte sectors) holding one stream, padded to avoid the mini stream."""
    data = stream + bytes(-len(stream) % SECTOR)
    if len(data) < 4096:
        data += bytes(4096 - len(data))
    n = len(data) // SECTOR
    fat = [FATSECT, END] + [2 + i + 1 for i in range(n - 1)] + [END]
    if len(fat) > SECTOR // 4:
        raise ValueError("one FAT sector is enough for these tests")
    fat += [FREE] * (SECTOR // 4 - len(fat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, END, 0, END, 0)
        + struct.pack("<109I", 0, *([FREE] * 108))
    )
    directory = (
        _entry("Root Entry", 5, END, 0, child=1)
        + _entry(name, 2, 2, len(stream))
        + _entry("", 0, 0, 0)
        + _entry("", 0, 0, 0)
    )
    return header + struct.pack(f"<{SECTOR // 4}I", *fat) + directory + data


def small_compound_file(stream: bytes) -> bytes:
    """The same for a stream under 4,096 bytes, as Excel stores it: in 64-byte pieces of the mini stream."""
    if len(stream) >= 4096:
        raise ValueError("a small stream only")
    mini = stream + bytes(-len(stream) % 64)
    pieces = len(mini) // 64
    data = mini + bytes(-len(mini) % SECTOR)
    n = len(data) // SECTOR
    fat = [FATSECT, END, END] + [3 + i + 1 for i in range(n - 1)] + [END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    minifat = [i + 1 for i in range(pieces - 1)] + [END]
    minifat += [FREE] * (SECTOR // 4 - len(minifat))
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(16)
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 2, 1, END, 0)
        + struct.pack("<109I", 0, *([FREE] * 108))
    )
    directory = (
        _entry("Root Entry", 5, 3, len(mini), child=1)
        + _entry("Workbook", 2, 0, len(stream))
        + _entry("", 0, 0, 0)
        + _entry("", 0, 0, 0)
    )
    return (
        header
        + struct.pack(f"<{SECTOR // 4}I", *fat)
        + directory
        + struct.pack(f"<{SECTOR // 4}I", *minifat)
        + data
    )


def _entry(name: str, kind: int, start: int, size: int, child: int = NOSTREAM) -> bytes:
    raw = name.encode("utf-16-le") + b"\0\0" if name else b""
    return (
        raw.ljust(64, b"\0")
        + struct.pack("<HBBIII", len(raw), kind, 1, NOSTREAM, NOSTREAM, child if kind else NOSTREAM)
        + bytes(16 + 4 + 16)
        + struct.pack("<IQ", start, size)
    )


def payments(rows: int = 300) -> bytes:
    """A sheet's records: a header row and `rows` payments (enough to fill a regular, not mini, stream)."""
    cells = [label(0, 0, "Supplier"), label(0, 1, "Amount"), label(0, 2, "Date")]
    for r in range(1, rows + 1):
        cells += [
            label(r, 0, f"Supplier {r % 7} Ltd"),
            number(r, 1, 100.0 + r),
            label(r, 2, f"{r % 28 + 1:02d}/04/2023"),
        ]
    return dimensions(0, rows + 1, 0, 3) + b"".join(cells)


def good_xls() -> bytes:
    return compound_file(workbook_stream({"Payments": payments()}))


def xls_corpus() -> dict[str, tuple[bytes, str]]:
    """File name -> (content, a phrase its refusal contains)."""
    good = good_xls()
    huge = dimensions(0, 0xFFFFFFF0, 0, 0xFF00) + payments()[len(dimensions(0, 1, 0, 1)) :]
    wide = dimensions(0, 65536, 0, 0xFFFF) + payments()[len(dimensions(0, 1, 0, 1)) :]
    header_only = bytearray(good)
    header_only[0x1E] = 30  # a sector 2**30 bytes long
    return {
        "huge-dimensions.xls": (compound_file(workbook_stream({"Payments": huge})), "cells"),
        "wide-dimensions.xls": (
            compound_file(workbook_stream({"Payments": payments(), "Padding": wide})),
            'sheet "Padding"',
        ),
        "many-sheets.xls": (
            compound_file(workbook_stream({f"S{i}": dimensions(0, 1, 0, 1) for i in range(1001)})),
            "more than 1,000 sheets",
        ),
        "truncated.xls": (good[: len(good) // 2], "damaged or incomplete"),
        "garbled-header.xls": (bytes(header_only), "damaged"),
        "no-workbook.xls": (
            compound_file(workbook_stream({"Payments": payments()}), name="Pictures"),
            "no workbook",
        ),
        "program-renamed.xls": (
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(4000),
            "binary file",
        ),
    }
