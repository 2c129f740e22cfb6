"""Stage a CSV or spreadsheet into DuckDB as VARCHAR columns c0..cN, with rows that cannot be split kept."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from anchorage.core.errors import HeaderNotFound, InputFileError
from anchorage.ingest import sniff
from anchorage.ingest.workbook_reader import cell_text, read_sheets

__all__ = ["Reject", "StagedPart", "cell_text", "name_blanks", "stage_file", "unnamed"]

_ids = itertools.count()


@dataclass
class Reject:
    # The line of the file it is on, as a text editor numbers lines (see physical_lines).
    line_no: int
    reason: str
    raw: str


@dataclass
class StagedPart:
    """One table of a file (a CSV, or one sheet) staged as c0..cN; _line_no is set for spreadsheets."""

    table: str
    columns: list[str]
    sheet: str | None
    header_line: int
    rejects: list[Reject] = field(default_factory=list)
    sample: list[list[str | None]] = field(
        default_factory=list
    )  # the first data rows, for column inference


# Given a part's header and its first data rows, the select list that stages its cells c0..cN (default "*"):
# a kind may add columns worked out in the same pass, and leave out cells it will not need.
Computed = Callable[[list[str], list[list[str | None]]], str]
SAMPLE_ROWS = 2000
MAX_LINE = 10_000_000  # bytes: the longest line a CSV may have


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    score: Callable[[list[str]], int],
    workdir: Path,
    *,
    kind: str = "spend",
    what: str = "the supplier, amount and date",
    encoding: str | None = None,
    computed: Computed | None = None,
    head: int | None = None,
) -> tuple[list[StagedPart], list[str]]:
    """Stage every table in the file that has a recognisable header; return the parts and notes.

    `computed` gives the select list that stages a part (columns worked out in the same pass over the rows,
    a kind's checks say, and cells left out), and `encoding` saves reading a CSV through once more when the
    caller has already checked it. `head` stages only that many data rows of each part (a preview's look at
    the top of a file, which must not read a million rows)."""
    fmt = sniff.detect_format(path)
    extra = computed or (lambda header, sample: "*")
    if fmt == "csv":
        return [_stage_csv(con, path, score, workdir, kind, what, encoding, extra, head)], []
    return _stage_workbook(con, path, score, kind, what, extra, head)


UNNAMED = re.compile(r"\(column \d+, no name\)")


def name_blanks(header: list[str]) -> list[str]:
    """A header cell left blank gets a name of its place ("(column 3, no name)"), so that columns are told apart
    by name (two blank cells would otherwise be one name) and a person can see which one is meant."""
    return [c if c and c.strip() else f"(column {i + 1}, no name)" for i, c in enumerate(header)]


def unnamed(column: str) -> bool:
    return not column.strip() or bool(UNNAMED.fullmatch(column))


def _no_header(path: Path, rows: list[list[str]], kind: str, what: str) -> HeaderNotFound:
    seen = " | ".join(", ".join(c for c in r if c)[:80] for r in rows[:3] if any(r)) or "nothing"
    if kind == "workforce":  # staff files are personal data: never echo their content
        seen = "not shown, as staff files hold personal data"
    return HeaderNotFound(
        str(path),
        f"cannot find a header row naming {what} columns (the top of the file shows: {seen}).",
        web_fix=f"Check this is a {kind} file, or choose the columns on the preview page.",
        fix=f"Check this is a {kind} file, or pass --mapping FILE naming the columns.",
    )


def _stage_csv(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    score: Callable[[list[str]], int],
    workdir: Path,
    kind: str,
    what: str,
    encoding: str | None,
    extra: Computed,
    head: int | None = None,
) -> StagedPart:
    encoding = encoding or sniff.detect_encoding(path)
    source = path
    if encoding not in ("utf-8", "utf-8-sig"):
        source = sniff.transcode_to_utf8(path, encoding, workdir / f"transcoded-{next(_ids)}.csv")
    rows, line_ends, delimiter = sniff.read_head(source, "utf-8-sig")
    guess = sniff.find_header(rows, score, line_ends)
    if guess is None:
        raise _no_header(path, rows, kind, what)
    header = guess.cells
    while header and not header[-1]:
        header = header[:-1]  # trailing empty header cells from spreadsheet exports
    header = name_blanks(header)
    table = f"staged_{next(_ids)}"
    try:
        return _read_csv(con, table, source, delimiter, header, guess, extra, head)
    except duckdb.InvalidInputException as exc:  # DuckDB's text names server paths: never shown
        con.execute(
            f"DROP TABLE IF EXISTS rejects_{table}; DROP TABLE IF EXISTS rejects_{table}_scan"
        )
        raise _unsplittable(path, source) from exc


def _read_csv(
    con: duckdb.DuckDBPyConnection,
    table: str,
    source: Path,
    delimiter: str,
    header: list[str],
    guess: sniff.HeaderGuess,
    extra: Computed,
    head: int | None,
) -> StagedPart:
    cols = {f"c{i}": "VARCHAR" for i in range(len(header))}
    rej = f"rejects_{table}"
    skip = guess.lines_before + 1
    con.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {rej}_scan")
    # Single-threaded on purpose: the parallel reader refuses null_padding once a quoted cell holds a line
    # break, and without null_padding short rows would drop out of the sample. What this read costs is
    # mostly DuckDB's first-read warm-up, paid by the staging read below otherwise (tests/test_ingest_sample.py).
    # Its buffer is the smallest allowed: the default one grows with max_line_size, and filling it cost a
    # fifth of a second more than these rows need (the staging read keeps it: its threads read faster so).
    sample = [
        list(r)
        for r in con.execute(
            f"SELECT * FROM read_csv(?, delim=?, quote='\"', escape='\"', header=false, skip={skip}, columns={cols!r}, "
            f"auto_detect=false, null_padding=true, parallel=false, ignore_errors=true, max_line_size={MAX_LINE}, "
            f"buffer_size={MAX_LINE + 1}) LIMIT {SAMPLE_ROWS}",
            [str(source), delimiter],
        ).fetchall()
    ]
    con.execute(
        f"CREATE TEMP TABLE {table} AS SELECT {extra(header, sample)} FROM read_csv(?, delim=?, quote='\"', escape='\"', "
        f"header=false, skip={skip}, columns={cols!r}, auto_detect=false, null_padding=false, "
        f"store_rejects=true, rejects_table='{rej}', rejects_scan='{rej}_scan', max_line_size={MAX_LINE})"
        + ("" if head is None else f" LIMIT {int(head)}"),
        [str(source), delimiter],
    )
    found = [
        (int(at), _reject_reason(kinds, len(header)), raw or "")
        for at, kinds, raw in con.execute(
            f"SELECT min(line_byte_position), string_agg(DISTINCT error_type, ','), any_value(csv_line) "
            f"FROM {rej} GROUP BY line ORDER BY line"
        ).fetchall()
        # A line of only delimiters is a blank row, not data.
        if (raw or "").strip(delimiter + ' "\r\n\t')
    ]
    lines = physical_lines(source, [at for at, _, _ in found])
    rejects = [Reject(lines[at], reason, raw) for at, reason, raw in found]
    con.execute(f"DROP TABLE IF EXISTS {rej}; DROP TABLE IF EXISTS {rej}_scan")
    return StagedPart(table, header, None, guess.lines_before + 1, rejects, sample)


def physical_lines(path: Path, positions: list[int]) -> dict[int, int]:
    """The line of the file (numbered as a text editor numbers them, from 1) that each byte position is on.

    DuckDB numbers a line it sets aside by records, so after a quoted cell holding a line break its number is
    short of the line a person finds it on; the byte position it gives is on that line, before its end."""
    out: dict[int, int] = {}
    line, done = 1, 0
    with path.open("rb") as fh:
        for at in sorted(set(positions)):
            while done < at and (chunk := fh.read(min(sniff.CHUNK, at - done))):
                line += chunk.count(b"\n")
                done += len(chunk)
            out[at] = line
    return out


def _reject_reason(kinds: str, ncols: int) -> str:
    if "TOO MANY" in kinds:
        return (
            f"the line has more cells than the header's {ncols} columns (a stray comma or quote?)"
        )
    if "MISSING" in kinds:
        return f"the line has fewer cells than the header's {ncols} columns"
    if "UNQUOTED" in kinds or "QUOTE" in kinds:
        return "the line has an unclosed or stray quote"
    return f"the line cannot be split into columns ({kinds.lower()})"


def _unsplittable(path: Path, source: Path) -> InputFileError:
    """The error for a CSV DuckDB cannot split into rows at all (rather than a few lines it sets aside)."""
    crlf = lf = 0
    last = b""
    with source.open("rb") as fh:
        while chunk := fh.read(sniff.CHUNK):
            crlf += (last + chunk[:1]).count(b"\r\n") + chunk.count(b"\r\n")
            lf += chunk.count(b"\n")
            last = chunk[-1:]
    mixed = 0 < crlf < lf
    return InputFileError(
        str(path),
        "the file cannot be split into rows: "
        + (
            "its lines end in two ways (some Windows-style, CR LF, the others LF)."
            if mixed
            else "a quote or line ending in it does not follow the CSV rules."
        ),
        fix="Open it in a spreadsheet, save it again as CSV (UTF-8), and load that file.",
    )


def _stage_workbook(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    score: Callable[[list[str]], int],
    kind: str,
    what: str,
    extra: Computed,
    head: int | None = None,
) -> tuple[list[StagedPart], list[str]]:
    parts: list[StagedPart] = []
    notes: list[str] = []
    first_rows: list[list[str]] = []
    for name, rows in read_sheets(path):  # in a memory-capped child process
        text_rows = [[c or "" for c in r] for r in rows[: sniff.HEADER_SCAN_ROWS]]
        first_rows = first_rows or text_rows
        guess = sniff.find_header(text_rows, score, list(range(1, len(text_rows) + 1)))
        if guess is None:
            notes.append(f'sheet "{name}" skipped: no {kind} header found in it')
            continue
        start = next((i for i, c in enumerate(guess.cells) if c), 0)  # header may begin at column B
        header = guess.cells[start:]
        while header and not header[-1]:
            header = header[:-1]
        header = name_blanks(header)
        width = len(header)
        data = rows[guess.row_index + 1 :][:head]
        arrays = {
            f"c{j}": pa.array(
                [r[start + j] if start + j < len(r) else None for r in data], pa.string()
            )
            for j in range(width)
        }
        arrays["_line_no"] = pa.array(
            range(guess.row_index + 2, guess.row_index + 2 + len(data)), pa.int64()
        )
        table = f"staged_{next(_ids)}"
        con.register(f"{table}_arrow", pa.table(arrays))
        sample = [
            [arrays[f"c{j}"][i].as_py() for j in range(width)]
            for i in range(min(len(data), SAMPLE_ROWS))
        ]
        select = extra(header, sample)
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT {select}{'' if select == '*' else ', _line_no'} "
            f"FROM {table}_arrow"
        )
        con.unregister(f"{table}_arrow")
        parts.append(StagedPart(table, header, name, guess.row_index + 1, sample=sample))
    if not parts:
        raise _no_header(path, first_rows, kind, what)
    return parts, notes
