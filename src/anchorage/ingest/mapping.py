"""Column mapping: recognise the usual publications' headers, or take an explicit mapping file."""

from __future__ import annotations

import csv
import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from anchorage.core.errors import MappingError
from anchorage.ingest.aliases import (
    SPEND_FIELDS,
    STAFF_FIELDS,
    SUPPLIER_FIELDS,
    WORKFORCE_FILE_FIELDS,
    WORKFORCE_FILE_REQUIRED,
)

REQUIRED = {
    "spend": ("supplier_name", "amount", "payment_date"),
    "suppliers": ("supplier_name",),
    "workforce": ("staff_id", "home_postcode"),
}
FIELDS = {"spend": SPEND_FIELDS, "suppliers": SUPPLIER_FIELDS, "workforce": STAFF_FIELDS}
HEADER_HINTS = {
    "spend": "the supplier, amount and date",
    "suppliers": "the supplier name",
    "workforce": "the staff id and home postcode",
}
FUZZY_CUTOFF = 90  # catches publication typos ("Expenditure Catergory", "Service divison label")


def register_kind(
    kind: str, fields: dict[str, list[str]], required: tuple[str, ...], hint: str
) -> None:
    """Add an import kind's field aliases (a higher layer's kind, e.g. asset registers) to the mapper."""
    FIELDS[kind] = fields
    REQUIRED[kind] = required
    HEADER_HINTS[kind] = hint


def header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9£]", "", name.lower())


def _lookup(kind: str) -> dict[str, str]:
    return {
        header_key(alias): field for field, aliases in FIELDS[kind].items() for alias in aliases
    }


def match_header(cell: str, kind: str = "spend") -> str | None:
    """The canonical field a header cell names, exactly or by a close spelling."""
    key = header_key(cell)
    if not key:
        return None
    lookup = _lookup(kind)
    if key in lookup:
        return lookup[key]
    if len(key) < 6:
        return None
    best = process.extractOne(key, list(lookup), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    return lookup[best[0]] if best else None


@dataclass
class ColumnMapping:
    """Canonical field -> the file's column name, and how it was decided."""

    fields: dict[str, str]
    source: str  # "automatic" or the mapping file's path
    # How each field was chosen (infer.Choice: column, score, confidence, sample values), when inferred.
    choices: list[Any] = field(default_factory=list)
    glued_date: bool = False  # the date is the tail of a text cell ("... CCG31/01/2021")
    found: str = ""  # what the columns hold, for a refusal message

    def require(self, kind: str, path: str, columns: list[str]) -> None:
        missing = [f for f in REQUIRED[kind] if f not in self.fields]
        if missing:
            names = ", ".join(f.replace("_", " ") for f in missing)
            found = (
                f"columns found: {self.found}"
                if self.found
                else f"columns found: {', '.join(columns)}"
            )
            if kind == "spend" and missing == ["payment_date"]:
                raise MappingError(
                    path,
                    f"no column holds payment dates ({found}). A file of supplier totals without dates is "
                    "an aggregate, not a list of payments, and cannot be analysed by period.",
                    web_fix="Upload the payments file the totals were made from (one row per payment, with its date), or choose the date column on the preview page.",
                    fix="Load the payments file the totals were made from (one row per payment, with its date), "
                    'or pass --mapping FILE with a line like "payment_date = "Your column name"".',
                )
            raise MappingError(
                path,
                f"no column holds the {names} ({found}).",
                web_fix="Rename the column in the file, or choose the columns on the preview page.",
                fix="Rename the column, or pass --mapping FILE with lines like "
                f'"{missing[0]} = \\"Your column name\\"".',
            )


def automatic_mapping(columns: list[str], kind: str = "spend") -> ColumnMapping:
    """Map each field to the column whose name is its most specific alias; exact beats fuzzy."""
    candidates: list[tuple[int, int, str, str]] = []  # (fuzzy?, alias rank, field, column)
    for col in columns:
        key = header_key(col)
        for fld, aliases in FIELDS[kind].items():
            ranks = [i for i, a in enumerate(aliases) if header_key(a) == key]
            if ranks:
                candidates.append((0, ranks[0], fld, col))
        fuzzy = match_header(col, kind)
        if fuzzy and not any(c[3] == col for c in candidates):
            candidates.append((1, 0, fuzzy, col))
    fields: dict[str, str] = {}
    for _, _, fld, col in sorted(candidates, key=lambda c: (c[0], c[1])):
        if fld not in fields and col not in fields.values():
            fields[fld] = col
    return ColumnMapping(fields, "automatic")


def read_mapping_file(path: Path) -> dict[str, str]:
    """The raw field -> column pairs of a mapping file (TOML, JSON or two-column CSV: field,column)."""
    raw: dict[str, str]
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        elif path.suffix.lower() == ".json":
            raw = json.loads(path.read_text(encoding="utf-8"))
        else:
            with path.open(encoding="utf-8-sig", newline="") as fh:
                raw = {
                    r[0].strip(): r[1].strip()
                    for r in csv.reader(fh)
                    if len(r) >= 2 and r[0].strip()
                }
                raw.pop("field", None)
    except (OSError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(str(path), f"the mapping file cannot be read ({exc}).") from None
    return {str(k): str(v) for k, v in raw.items()}


def header_scorer(kind: str, mapping_file: Path | None = None) -> Callable[[list[str]], int]:
    """Score a candidate header row: how many fields it names (by alias, or by the mapping file)."""
    named = (
        {header_key(c) for c in read_mapping_file(mapping_file).values()} if mapping_file else set()
    )

    def score(row: list[str]) -> int:
        return len({match_header(c, kind) for c in row} - {None}) + sum(
            header_key(c) in named for c in row if c
        )

    return score


def load_mapping_file(path: Path, columns: list[str], kind: str = "spend") -> ColumnMapping:
    """Read an explicit mapping file; its pairs override the automatic mapping."""
    raw = read_mapping_file(path)
    known = FIELDS[kind]
    problems = [f'"{k}" is not a field (fields: {", ".join(known)})' for k in raw if k not in known]
    by_key = {header_key(c): c for c in columns}
    explicit: dict[str, str] = {}
    for fld, col in raw.items():
        if fld not in known:
            continue
        actual = col if col in columns else by_key.get(header_key(str(col)))
        if actual is None:
            problems.append(f'{fld} = "{col}" but the file has no such column')
        else:
            explicit[fld] = actual
    if problems:
        raise MappingError(
            str(path), "; ".join(problems) + f" (columns found: {', '.join(columns)})."
        )
    auto = automatic_mapping([c for c in columns if c not in explicit.values()], kind)
    merged = {**{k: v for k, v in auto.fields.items() if k not in explicit}, **explicit}
    return ColumnMapping(merged, str(path))


# The workforce import kinds (workforce/imports.py) map their files' columns here too.
for _kind, _fields in WORKFORCE_FILE_FIELDS.items():
    register_kind(
        _kind,
        _fields,
        WORKFORCE_FILE_REQUIRED[_kind],
        "the " + ", ".join(f.replace("_", " ") for f in WORKFORCE_FILE_REQUIRED[_kind][:2]),
    )
