"""The quarantine round trip: a workbook of an upload's quarantined rows that a person fixes in Excel and
uploads again, loaded as the fix of that upload.

The workbook ("Rows to fix") holds the rows as the file had them (original headers and text, in file order)
with their source row and a "What to fix" column, and a "How to use this" sheet that names the upload and
anchor it fixes. Uploaded again, it is read with the original upload's column mapping; the helper columns
are dropped, rows already fixed by an earlier fix are left out, rows still wrong go back to quarantine and
the others are loaded. Which source rows each fix upload loaded is kept in the warehouse
(`quarantine_fixes`), written in the load's own transaction and removed with the fix upload.

The marker is never trusted for access: the caller has already checked that the user may upload for the
anchor, and the marker's anchor must be that anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import openpyxl

from anchorage.core.errors import AnchorageError, InputFileError
from anchorage.exports import Workbook
from anchorage.ingest.history import decided_order
from anchorage.ingest.result import ImportSummary
from anchorage.ingest.workbook_guard import check_workbook
from anchorage.store import records
from anchorage.workspace import Workspace

FIX_SHEET = "Rows to fix"
HELP_SHEET = "How to use this"
ROW_COL = "Source row"
WHAT_COL = "What to fix"
MARKER = "Anchorage fix of upload"
LINE_COL = "Line as the file had it"

DELETE_FIXES = "DELETE FROM quarantine_fixes WHERE fix_upload_id = ?"
# A quarantined row's key: its row number, or minus its line number for a line the reader could not split.
KEY_SQL = "coalesce(q.row_no, -q.line_no, 0)"
LINE_RE = re.compile(r"\s*line\s+(\d+)\s*", re.IGNORECASE)


# ---------------------------------------------------------------- export


def _root_and_rows(
    con: duckdb.DuckDBPyConnection, upload_id: str
) -> tuple[str, list[tuple[Any, ...]]]:
    """The upload a workbook fixes (the original, for a fix upload) and the quarantined rows still open:
    (source row, line, column, reason, raw), in file order; rows fixed since are left out."""
    root = con.execute(
        "SELECT any_value(original_upload_id) FROM quarantine_fixes WHERE fix_upload_id = ?",
        [upload_id],
    ).fetchone()
    original = root[0] if root and root[0] else upload_id
    rows = con.execute(
        f"""
        SELECT coalesce(f.original_row_no, {KEY_SQL}) AS src, q.line_no, q.column_name, q.reason, q.raw
        FROM quarantine q
        LEFT JOIN quarantine_fixes f ON f.fix_upload_id = q.upload_id AND f.row_no = {KEY_SQL}
        WHERE q.upload_id = $u AND src NOT IN (
            SELECT original_row_no FROM quarantine_fixes WHERE original_upload_id = $o AND loaded)
        ORDER BY src < 0, abs(src)
    """,
        {"u": upload_id, "o": original},
    ).fetchall()
    return original, rows


def _cells(raw: str | None) -> dict[str, Any] | None:
    try:
        value = json.loads(raw) if raw else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def what_to_fix(column: str | None, reason: str) -> str:
    """The reason in plain words, naming the column to fix."""
    if column:
        return f'Fix the "{column}" column: {reason}.'
    return f"{reason[:1].upper()}{reason[1:]}: retype this row into the file's columns."


def write_fix_workbook(
    ws: Workspace, upload: records.Upload, target: Path | io.BytesIO, *, personal: bool
) -> int:
    """Write the fix workbook of an upload (already checked to be the user's); returns the rows in it.
    `personal`: the upload's kind is personal data (its workbook says which columns to type in again)."""
    columns_read = [str(v) for k, v in (upload.mapping or {}).items() if not k.startswith("_")]
    if not columns_read:  # a file read by its own reader (OCDS notices, reference data, registers)
        raise AnchorageError(
            "This kind of file has no fix workbook: its rows are not read from named columns.",
            fix="Download the quarantine as CSV or Excel, correct the original file and upload it "
            "again.",
        )
    with ws.warehouse(read_only=True) as con:
        original, rows = _root_and_rows(con, upload.id)
    headers: list[str] = []
    parsed = [_cells(r[4]) for r in rows]
    for cells in parsed:
        for h in cells or {}:
            if h not in headers:
                headers.append(h)
    # Personal data keeps only some columns in quarantine: the others it was read from are there, empty, to
    # be typed in again (a staff extract's home postcode), so the workbook reads back with the same mapping.
    headers += [c for c in columns_read if c not in headers]
    unsplit = any(c is None and r[4] for c, r in zip(parsed, rows, strict=True))
    columns = [ROW_COL, *headers, *([LINE_COL] if unsplit else []), WHAT_COL]
    with Workbook(target) as wb:
        sheet = wb.add_worksheet(FIX_SHEET)
        head = wb.add_format({"bold": True, "bottom": 1})
        helper = wb.add_format({"bold": True, "bottom": 1, "bg_color": "#FFF2CC"})
        for i, c in enumerate(columns):
            wb.cell(sheet, 0, i, c, helper if c in (ROW_COL, WHAT_COL, LINE_COL) else head)
        for n, (row, cells) in enumerate(zip(rows, parsed, strict=True), start=1):
            src, _line, column, reason, raw = row
            values = [src if src >= 0 else f"line {-src}", *[(cells or {}).get(h) for h in headers]]
            if unsplit:
                values.append(raw if cells is None else None)
            values.append(what_to_fix(column, reason))
            for i, v in enumerate(
                values
            ):  # the file's text stays text (a number typed in stays a number)
                wb.cell(sheet, n, i, v if i == 0 or v is None else str(v))
        sheet.set_column(0, 0, 10)
        sheet.set_column(1, max(1, len(columns) - 2), 18)
        sheet.set_column(len(columns) - 1, len(columns) - 1, 60)
        sheet.freeze_panes(1, 1)
        help_sheet = wb.add_worksheet(HELP_SHEET)
        lines = [
            f"These are the rows of {upload.filename} that were not loaded ({len(rows):,} still to fix).",
            f'1. On the "{FIX_SHEET}" sheet, correct each row as its "{WHAT_COL}" column says.',
            "   Change only the cells that are wrong; leave a row as it is if you cannot fix it yet.",
            f'2. Do not change the "{ROW_COL}" column, the headers or this sheet; do not add new rows.',
            "3. Save as Excel (.xlsx) and upload it again for the same anchor and kind of file.",
            "Rows now right are loaded; rows still wrong stay in quarantine with their reason.",
            "Rows already fixed are never loaded twice, and uploading the same workbook twice adds nothing.",
            *(
                [
                    "This is personal data: only the columns Anchorage keeps are filled in. Type any empty ones (such "
                    "as a home postcode) from your own system if you can, and delete this workbook when done."
                ]
                if personal
                else []
            ),
            "",
        ]
        for i, text in enumerate(lines):
            wb.cell(help_sheet, i, 0, text)
        marker = [
            (MARKER, original),
            ("Anchor", upload.org),
            ("Kind", upload.kind),
            ("Written", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ]
        for i, (label, value) in enumerate(marker, start=len(lines)):
            wb.row(help_sheet, i, 0, [label, value])
        help_sheet.set_column(0, 0, 90)
    return len(rows)


# ---------------------------------------------------------------- upload again


@dataclass
class Fix:
    """A fix workbook, turned into a plain workbook to load (`path`) with the original upload's mapping."""

    original: records.Upload
    path: Path
    mapping_file: Path
    workbook_sha: str
    source_rows: list[int]  # row n of `path` is source row source_rows[n - 1] of the original
    related: list[str] = field(default_factory=list)  # the original and its earlier fix uploads
    duplicate_of: str | None = None  # this very workbook was loaded already, as that upload
    skipped: int = 0  # rows left out: fixed already by an earlier fix upload

    @property
    def date_order(self) -> str | None:
        return decided_order(self.original.mapping)

    def after_load(
        self, then: Callable[[duckdb.DuckDBPyConnection, str], None]
    ) -> Callable[[duckdb.DuckDBPyConnection, str], None]:
        """The load's after-load step, which also records (in the load's transaction) which rows were fixed."""

        def run(con: duckdb.DuckDBPyConnection, org: str) -> None:
            then(con, org)
            staged = con.execute(
                "SELECT upload_id FROM upload_journal WHERE state = 'staged' AND org = ? AND kind = ?",
                [org, self.original.kind],
            ).fetchall()
            if len(staged) != 1:  # one load at a time holds the write lock
                raise RuntimeError(
                    "could not tell which upload is loading; please report this"
                )  # pragma: no cover
            fix_id = staged[0][0]
            bad = {
                r[0]
                for r in con.execute(
                    "SELECT row_no FROM quarantine WHERE upload_id = ?", [fix_id]
                ).fetchall()
            }
            con.executemany(
                "INSERT INTO quarantine_fixes VALUES (?, ?, ?, ?, ?, ?)",
                [
                    [fix_id, n, self.original.id, src, n not in bad, self.workbook_sha]
                    for n, src in enumerate(self.source_rows, start=1)
                ],
            )

        return run


def _marker(book: Any) -> dict[str, str] | None:
    if HELP_SHEET not in book.sheetnames or FIX_SHEET not in book.sheetnames:
        return None
    found: dict[str, str] = {}
    for row in book[HELP_SHEET].iter_rows(max_col=2, values_only=True):
        if row and isinstance(row[0], str) and len(row) > 1 and row[1] is not None:
            found[row[0].strip()] = str(row[1]).strip()
    return found if MARKER in found else None


def _text(value: Any, order: str | None) -> str | None:
    """A cell as the text a file would hold (what a person typed into Excel may have become a number or date).
    A date is written in the original's decided order; with none, year-first, which needs no order to read."""
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime({"mdy": "%m/%d/%Y", "dmy": "%d/%m/%Y"}.get(order or "", "%Y-%m-%d"))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _open(path: Path) -> Any:
    """The workbook, to look for the fix marker, or None when openpyxl cannot read it (the normal reader then
    says what is wrong). The spreadsheet guard runs first: nothing reads a hostile file."""
    if not zipfile.is_zipfile(path):  # not a workbook at all: the normal reader says what it is
        return None
    check_workbook(path, "xlsx")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return None


def fixed_upload(ws: Workspace, path: Path) -> records.Upload | None:
    """The upload a fix workbook fixes (None for any other file), before it is checked or loaded."""
    book = _open(Path(path)) if Path(path).suffix.lower() == ".xlsx" else None
    if book is None:
        return None
    try:
        marker = _marker(book)
    finally:
        book.close()
    if marker is None:
        return None
    with ws.session() as s:
        return s.get(records.Upload, marker[MARKER][:64])


def nothing_new(path: Path, org: str, kind: str, fix: Fix) -> ImportSummary:
    """A fix workbook with nothing new in it: loaded before, or every row in it fixed already."""
    out = ImportSummary(
        kind=kind, file=Path(path).name, org=org, duplicate=True, upload_id=fix.duplicate_of
    )
    out.notes.append(
        f"this fix workbook was loaded already as upload {fix.duplicate_of}; nothing added"
        if fix.duplicate_of
        else "every row in this fix workbook was fixed already; nothing added"
    )
    return out


@contextmanager
def fix_source(ws: Workspace, path: Path, org: str, kind: str) -> Iterator[Fix | None]:
    """The fix a file carries (None for any other file), ready to load for `org`; refused, in plain words,
    when it is the fix of another anchor's or another kind's upload."""
    if path.suffix.lower() != ".xlsx":
        yield None
        return
    book = _open(path)
    marker = _marker(book) if book is not None else None
    if book is None or marker is None:
        if book is not None:
            book.close()
        yield None
        return
    try:
        original_id = marker[MARKER]
        with ws.session() as s:
            original = s.get(records.Upload, original_id[:64])
            if (
                original is None
                or original.status != "loaded"
                or original.org != org
                or marker.get("Anchor") != org
            ):
                raise InputFileError(
                    path.name,
                    "is a fix workbook for an upload of another anchor (or one that is "
                    "no longer loaded), so it cannot be loaded for this anchor.",
                    fix="Upload it for the anchor it came from, as a user of that anchor.",
                )
            if original.kind != kind:
                raise InputFileError(
                    path.name,
                    f'is a fix workbook for a "{original.kind}" file, not "{kind}".',
                    fix=f'Upload it as a "{original.kind}" file.',
                )
            fixes = (
                s.query(records.Upload.id)
                .filter(
                    records.Upload.org == org,
                    records.Upload.kind == kind,
                    records.Upload.status == "loaded",
                )
                .all()
            )
        live = {u[0] for u in fixes}
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        rows = list(book[FIX_SHEET].iter_rows(values_only=True))
    finally:
        book.close()
    with ws.warehouse(read_only=True) as con:
        done = con.execute(
            "SELECT DISTINCT fix_upload_id, workbook_sha, loaded, original_row_no FROM quarantine_fixes "
            "WHERE original_upload_id = ?",
            [original.id],
        ).fetchall()
    done = [d for d in done if d[0] in live]
    fixed = {d[3] for d in done if d[2]}
    duplicate = next((d[0] for d in done if d[1] == sha), None)
    header = [str(h).strip() if h is not None else "" for h in (rows[0] if rows else ())]
    if ROW_COL not in header:
        raise InputFileError(
            path.name,
            f'has no "{ROW_COL}" column on its "{FIX_SHEET}" sheet.',
            fix="Download the fix workbook again and edit only the cells that are wrong.",
        )
    keep = [i for i, h in enumerate(header) if h and h not in (ROW_COL, WHAT_COL, LINE_COL)]
    src_at = header.index(ROW_COL)
    order = decided_order(original.mapping)
    out_rows: list[list[str | None]] = []
    sources: list[int] = []
    seen: set[int] = set()
    skipped = 0
    for n, row in enumerate(rows[1:], start=2):
        cells = [_text(row[i] if i < len(row) else None, order) for i in keep]
        src = row[src_at] if src_at < len(row) else None
        if src is None and not any(c and c.strip() for c in cells):
            continue
        if isinstance(src, str) and (line := LINE_RE.fullmatch(src)):
            src = -int(line.group(1))
        if not isinstance(src, int | float) or int(src) != src or int(src) in seen:
            raise InputFileError(
                path.name,
                f'row {n} of the "{FIX_SHEET}" sheet has '
                f'{"no" if src is None else "a changed or repeated"} "{ROW_COL}".',
                fix="Put new payments in a new file, not in the fix workbook; keep each row's "
                f'"{ROW_COL}" as it was written.',
            )
        seen.add(int(src))
        if int(src) in fixed:
            skipped += 1
            continue
        out_rows.append(cells)
        sources.append(int(src))
    with tempfile.TemporaryDirectory(dir=ws.tmp_dir) as tmp:
        clean = Path(tmp) / f"{Path(original.filename).stem} (fix {sha[:8]}).xlsx"
        with Workbook(clean) as wb:  # every cell as the text it had, so it reads back exactly
            sheet = wb.add_worksheet(FIX_SHEET)
            wb.row(sheet, 0, 0, [header[i] for i in keep])
            for r, cells in enumerate(out_rows, start=1):
                wb.row(sheet, r, 0, cells)
        mapping = Path(tmp) / "mapping.json"
        mapping.write_text(
            json.dumps(
                {k: v for k, v in (original.mapping or {}).items() if not k.startswith("_")}
            ),
            encoding="utf-8",
        )
        related = [original.id, *sorted({d[0] for d in done})]
        try:
            yield Fix(original, clean, mapping, sha, sources, related, duplicate, skipped)
        except (
            AnchorageError
        ) as exc:  # name the user's workbook, never where the server keeps its copy
            exc.message = exc.message.replace(str(clean), str(path)).replace(str(tmp), "")
            if isinstance(exc, InputFileError):
                exc.path = str(path)
            raise
