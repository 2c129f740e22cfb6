"""The one writer of CSV and XLSX files for people: no cell or header can run as a formula when the file is
opened in Excel, LibreOffice or Google Sheets.

Text that starts like a formula (= + - @, a tab or a line break, or their full-width forms) is neutralised
the OWASP way: in CSV it gets a leading single quote; in XLSX it is stored as text with Excel's quote prefix
(exactly what typing ' before it does), so it shows as written and never runs, even when the cell is edited.
Real numbers, dates and booleans stay what they are. Every CSV and XLSX a user can download or write goes
through here (tests/test_exports.py checks the source for any other writer).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_SAFE_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "nan_inf_to_errors": False,
}
_MAX_SHEET_NAME = 31


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would run as a formula (or a DDE command)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_cell(value: Any) -> Any:
    """A CSV cell that cannot run: formula-like text gets a leading single quote; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of `df` with every text cell and header made safe for CSV (numbers stay numbers)."""
    out = df.copy()
    out.columns = [csv_cell(str(c)) for c in df.columns]
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out.isetitem(i, col.map(csv_cell, na_action="ignore"))
    return out


def csv_bytes(df: pd.DataFrame, *, bom: bool = True, lineterminator: str = "\r\n") -> bytes:
    """The frame as CSV (UTF-8, with a byte-order mark by default so Excel reads the accents)."""
    text = safe_frame(df).to_csv(index=False, lineterminator=lineterminator)
    return text.encode("utf-8-sig" if bom else "utf-8")


def csv_rows_bytes(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool = True
) -> bytes:
    """Rows of plain values as CSV, without pandas (for streamed or hand-built tables)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([csv_cell(str(c)) for c in columns])
    for row in rows:
        w.writerow([csv_cell("" if v is None else v) for v in row])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def write_csv(path: Path | str, df: pd.DataFrame, *, bom: bool = False) -> Path:
    """Write the frame to a CSV file (machine-readable UTF-8 unless `bom`); returns the path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(csv_bytes(df, bom=bom, lineterminator="\r\n" if bom else "\n"))
    return out


def _blank(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float | np.floating) and (math.isnan(v) or math.isinf(v))


class Workbook:
    """An xlsxwriter workbook that writes every cell through `cell`: text as text, formula-like text quoted."""

    def __init__(self, target: Path | str | BinaryIO) -> None:
        self._wb = xlsxwriter.Workbook(
            target if not isinstance(target, Path) else str(target), _SAFE_OPTIONS
        )
        self._props: dict[int, dict[str, Any]] = {}
        self._quoted: dict[int | None, Format] = {}
        self._date = self.add_format({"num_format": "yyyy-mm-dd"})
        self._datetime = self.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._head = self.add_format({"bold": True, "bottom": 1})

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._wb.close()

    def add_format(self, props: Mapping[str, Any] | None = None) -> Format:
        fmt = self._wb.add_format(dict(props or {}))
        self._props[id(fmt)] = dict(props or {})
        return fmt

    def add_worksheet(self, name: str) -> Worksheet:
        return self._wb.add_worksheet(sheet_title(name))

    def _quote(self, fmt: Format | None) -> Format:
        key = None if fmt is None else id(fmt)
        if key not in self._quoted:
            base = {} if key is None else self._props.get(key, {})
            self._quoted[key] = self._wb.add_format({**base, "quote_prefix": True})
        return self._quoted[key]

    def cell(
        self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format | None = None
    ) -> None:
        """Write one value: blank, boolean, number, date or text (formula-like text with a quote prefix)."""
        if _blank(value):
            if fmt is not None:
                ws.write_blank(row, col, None, fmt)
            return
        if isinstance(value, bool | np.bool_):
            ws.write_boolean(row, col, bool(value), fmt)
        elif isinstance(value, int | float | Decimal | np.integer | np.floating):
            ws.write_number(row, col, float(value), fmt)
        elif isinstance(value, dt.datetime):  # pd.Timestamp is a datetime
            naive = value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
            ws.write_datetime(row, col, naive, fmt or self._datetime)
        elif isinstance(value, dt.date):
            ws.write_datetime(
                row, col, dt.datetime(value.year, value.month, value.day), fmt or self._date
            )
        else:
            text = str(value)
            ws.write_string(row, col, text, self._quote(fmt) if is_formula_like(text) else fmt)

    def row(
        self, ws: Worksheet, row: int, col: int, values: Iterable[Any], fmt: Format | None = None
    ) -> None:
        for i, v in enumerate(values):
            self.cell(ws, row, col + i, v, fmt)

    def frame(
        self,
        name: str,
        df: pd.DataFrame,
        *,
        width: float | None = 16,
        freeze: tuple[int, int] = (1, 0),
        header: Format | None = None,
    ) -> Worksheet:
        """A sheet holding the frame: a bold header row, then its rows (no index)."""
        ws = self.add_worksheet(name)
        self.row(ws, 0, 0, [str(c) for c in df.columns], header or self._head)
        for c in range(df.shape[1]):
            for r, v in enumerate(df.iloc[:, c].tolist(), start=1):
                self.cell(ws, r, c, v)
        if width is not None:
            ws.set_column(0, max(0, df.shape[1] - 1), width)
        if freeze != (0, 0):
            ws.freeze_panes(*freeze)
        return ws


def sheet_title(name: str) -> str:
    """A valid Excel sheet name: no []:*?/\\ and at most 31 characters."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip().strip("'") or "Sheet"
    return cleaned[:_MAX_SHEET_NAME]


def write_xlsx_frames(
    target: Path | str | BinaryIO,
    sheets: Mapping[str, pd.DataFrame],
    *,
    width: float | None = 16,
    freeze: tuple[int, int] = (1, 0),
) -> None:
    """One sheet per frame, in order."""
    with Workbook(target) as wb:
        for name, df in sheets.items():
            wb.frame(name, df, width=width, freeze=freeze)


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame], **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    write_xlsx_frames(buf, sheets, **kwargs)
    return buf.getvalue()


def write_table(path: Path | str, df: pd.DataFrame, *, sheet: str = "Sheet1") -> Path:
    """Write one table as XLSX or CSV, by the file's suffix (CSV for anything but .xlsx)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".xlsx":
        write_xlsx_frames(out, {sheet: df})
        return out
    return write_csv(out, df)
