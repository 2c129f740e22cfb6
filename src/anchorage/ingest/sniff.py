"""Look at a file before loading it: its format, its encoding, its delimiter and where its header is."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anchorage.core.errors import InputFileError
from anchorage.ingest import workbook_guard

HEADER_SCAN_ROWS = 60
CHUNK = 16 * 1024 * 1024


def detect_format(path: Path) -> str:
    """'csv', 'xlsx', 'xls' or 'ods', judged by content (magic bytes), not by the file name; a spreadsheet
    is also checked to be safe to read (ingest.workbook_guard), once for each version of the file."""
    fmt = _content_format(path)
    if fmt != "csv":
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        if key not in _checked:
            workbook_guard.check_workbook(path, fmt)
            with _checked_lock:
                _checked[key] = None
                while len(_checked) > 64:
                    _checked.pop(next(iter(_checked)))
    return fmt


_checked: dict[tuple[str, int, int], None] = {}  # spreadsheets already found safe (oldest first)
_checked_lock = threading.Lock()


def _content_format(path: Path) -> str:
    if not path.exists():
        raise InputFileError(
            str(path), "the file does not exist.", fix="Check the path and try again."
        )
    if path.is_dir():
        raise InputFileError(str(path), "is a folder, not a file.")
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not head.strip():
        raise InputFileError(
            str(path), "the file is empty.", fix="Export the data again and check it has rows."
        )
    if head.startswith(b"PK\x03\x04"):
        if b"opendocument.spreadsheet" in head:
            return "ods"
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputFileError(
            str(path),
            "this is a binary file, not a CSV or spreadsheet (or text in an encoding such as UTF-16 "
            "without a byte-order mark).",
            fix="Save it as CSV (UTF-8) or XLSX and try again.",
        )
    return "csv"


def detect_encoding(path: Path) -> str:
    """utf-8-sig, utf-8, utf-16, cp1252 or latin-1: checked over the whole file, not a sample."""
    return fingerprint(path)[1]


def fingerprint(path: Path, *, text: bool = True) -> tuple[str, str]:
    """The file's SHA-256 and (for a text file) its encoding, from one read of the file: the digest
    identifies a load, and the encoding is checked over every byte, not a sample."""
    digest = hashlib.sha256()
    utf8 = False
    with path.open("rb") as fh:
        start = fh.read(4)
        fh.seek(0)
        utf16 = start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        decoder = codecs.getincrementaldecoder("utf-8")() if text and not utf16 else None
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            # Plain ASCII (nearly every chunk of most files) is valid UTF-8: checked far faster than decoded.
            if decoder is None or (chunk.isascii() and not decoder.getstate()[0]):
                continue
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                decoder = None
        if decoder is not None:
            try:
                decoder.decode(b"", final=True)
                utf8 = True
            except UnicodeDecodeError:
                pass
    if utf16:
        return digest.hexdigest(), "utf-16"
    if not text or utf8:
        return digest.hexdigest(), "utf-8-sig" if start.startswith(codecs.BOM_UTF8) else "utf-8"
    with path.open("rb") as fh:
        cp = codecs.getincrementaldecoder("cp1252")()
        try:
            while chunk := fh.read(CHUNK):
                cp.decode(chunk)
            return digest.hexdigest(), "cp1252"
        except UnicodeDecodeError:
            return digest.hexdigest(), "latin-1"


def transcode_to_utf8(path: Path, encoding: str, out: Path) -> Path:
    """Stream a non-UTF-8 text file into a UTF-8 copy that DuckDB can read."""
    with (
        path.open("r", encoding=encoding, newline="") as src,
        out.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(CHUNK):
            dst.write(chunk)
    return out


@dataclass
class HeaderGuess:
    row_index: int  # 0-based index among the first rows
    lines_before: int  # physical lines above the header, for read_csv(skip=)
    cells: list[str]
    score: int


def find_header(
    rows: list[list[str]], score: Callable[[list[str]], int], line_ends: list[int]
) -> HeaderGuess | None:
    """The first row that names at least two known fields, preferring the best-scoring one near the top."""
    best: HeaderGuess | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        s = score(row)
        if s >= 2 and (best is None or s > best.score):
            before = line_ends[i - 1] if i > 0 else 0
            best = HeaderGuess(i, before, [c.strip() for c in row], s)
            if s >= 3:
                break
    return best


def read_head(path: Path, encoding: str) -> tuple[list[list[str]], list[int], str]:
    """The first rows of a CSV, the physical line each ends on, and the delimiter."""
    with path.open("r", encoding=encoding, errors="replace", newline="") as fh:
        sample = fh.read(256 * 1024)
    try:
        delimiter = csv.Sniffer().sniff(sample[: 64 * 1024], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    # Drop a possibly cut last line so the sample parses cleanly.
    if len(sample) == 256 * 1024:
        sample = sample[: sample.rfind("\n") + 1]
    reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
    rows: list[list[str]] = []
    line_ends: list[int] = []
    try:
        for row in reader:
            rows.append(row)
            line_ends.append(reader.line_num)
            if len(rows) >= HEADER_SCAN_ROWS:
                break
    except csv.Error:
        pass
    return rows, line_ends, delimiter
