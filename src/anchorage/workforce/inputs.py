"""Small operational input files (programmes, placements, apprentices, pledges, levy, HE engagements):
CSV or XLSX, read whole, every problem reported at once with its row and column, nothing saved on error."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from anchorage.errors import InputFileError
from anchorage.ingest import sniff
from anchorage.ingest.mapping import header_key
from anchorage.ingest.parsers import parse_amounts, parse_dates
from anchorage.ingest.workbook_reader import read_sheets


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | money | date | month | flag | list
    required: bool = True
    aliases: tuple[str, ...] = ()


def read_rows(path: Path) -> list[dict[str, str | None]]:
    """The first sheet (or the CSV) as dicts keyed by normalised header."""
    fmt = sniff.detect_format(path)
    if fmt == "csv":
        enc = sniff.detect_encoding(path)
        with path.open(encoding=enc, newline="") as fh:
            raw = [[c.strip() for c in r] for r in csv.reader(fh)]
    else:  # the first sheet, read in a memory-capped child process
        raw = [[c or "" for c in r] for r in read_sheets(path, first_only=True, skip_empty_area=True)[0][1]]
    raw = [r for r in raw if any(c for c in r)]
    if not raw:
        raise InputFileError(str(path), "has no rows.", fix="Check you chose the right file.")
    header = [header_key(h) for h in raw[0]]
    return [{h: (r[i] if i < len(r) and r[i] != "" else None) for i, h in enumerate(header) if h} for r in raw[1:]]


def parse_table(path: Path, columns: list[Column]) -> list[dict[str, Any]]:
    """Rows with each column parsed; raises one InputFileError listing every bad cell."""
    path = Path(path)
    rows = read_rows(path)
    present = set(rows[0]) if rows else set()
    keys = {c.name: next((k for k in (header_key(c.name), *map(header_key, c.aliases)) if k in present), None)
            for c in columns}
    missing = [c.name for c in columns if c.required and keys[c.name] is None]
    if missing:
        raise InputFileError(str(path), f"has no column for {', '.join(missing)}.",
                             fix=f"Add the column(s); expected headers: {', '.join(c.name for c in columns)}.")
    problems: list[str] = []
    out = []
    for i, row in enumerate(rows, start=2):
        parsed, bad = parse_record({c.name: row.get(k) if (k := keys[c.name]) else None for c in columns}, columns)
        problems += [f"row {i}, column {name}: {why}" for name, why in bad]
        out.append(parsed)
    if problems:
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        raise InputFileError(str(path), f"{len(problems)} problem(s): " + "; ".join(problems[:20]) + more + ".",
                             fix="Correct the cells named and load the file again; nothing was saved.")
    return out


def parse_record(values: dict[str, str | None], columns: list[Column]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """One record (a file's row or a web form) parsed column by column, with every (column, problem)."""
    parsed: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for c in columns:
        text = values.get(c.name)
        text = text.strip() if isinstance(text, str) and text.strip() else None
        if text is None:
            if c.required:
                problems.append((c.name, "empty"))
            parsed[c.name] = None
            continue
        try:
            parsed[c.name] = PARSERS[c.kind](text)
        except ValueError as exc:
            problems.append((c.name, str(exc)))
    return parsed, problems


def _int(text: str) -> int:
    try:
        return int(Decimal(text.replace(",", "")))
    except InvalidOperation:
        raise ValueError(f'"{text}" is not a whole number') from None


def _money(text: str) -> Decimal:
    value = parse_amounts([text])[0]
    if value is None:
        raise ValueError(f'"{text}" is not an amount')
    return Decimal(value)


def _date(text: str) -> dt.date:
    value = parse_dates([text])[0]
    if value is None:
        raise ValueError(f'"{text}" is not a date (use DD/MM/YYYY)')
    return value


def _month(text: str) -> dt.date:
    d = _date(text)
    return dt.date(d.year, d.month, 1)


def _flag(text: str) -> bool:
    t = text.strip().upper()
    if t in ("Y", "YES", "TRUE", "1"):
        return True
    if t in ("N", "NO", "FALSE", "0"):
        return False
    raise ValueError(f'"{text}" is not Y or N')


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").replace("|", ",").split(",") if p.strip()]


PARSERS: dict[str, Callable[[str], Any]] = {
    "text": str.strip, "int": _int, "money": _money, "date": _date, "month": _month, "flag": _flag, "list": _list,
}
