"""UK postcodes: normalisation as DuckDB SQL (one definition for bulk and Python) and finding ONS postcode CSVs."""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import IO

import duckdb

from anchorage.core.errors import InputFileError

# BS 7666 shape on the key (no space): outward code, then digit + two letters (never C, I, K, M, O, V).
UK_POSTCODE_PATTERN = (
    r"(?:GIR0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]"
    r"|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2})"
)
UK_POSTCODE_RE = re.compile(UK_POSTCODE_PATTERN)


def postcode_key_sql(expr: str) -> str:
    """SQL for the join key: ASCII letters and digits only, upper-case; NULL when nothing is left."""
    return f"nullif(upper(regexp_replace(CAST({expr} AS VARCHAR), '[^A-Za-z0-9]+', '', 'g')), '')"


def postcode_display_sql(expr: str) -> str:
    """SQL for the display form: the key with one space before the last three characters."""
    # One regexp on the key (rather than left/right slices) so the key expression is evaluated once.
    return f"regexp_replace({postcode_key_sql(expr)}, '^(.+)(...)$', '\\1 \\2')"


def is_uk_postcode_sql(key_expr: str) -> str:
    """SQL that is true when a key (see postcode_key_sql) has the standard UK postcode shape."""
    return f"coalesce(regexp_full_match({key_expr}, '{UK_POSTCODE_PATTERN}'), false)"


def normalise_postcodes(
    values: list[str | None], *, as_key: bool = False, con: duckdb.DuckDBPyConnection | None = None
) -> list[str | None]:
    """Display form ('SE6 4RU') or key ('SE64RU') of each value; None when empty or not a UK postcode.
    On `con` when given (a caller evaluating many lists), else a new in-memory connection."""
    if not values:
        return []
    key = postcode_key_sql("x")
    out = key if as_key else postcode_display_sql("x")
    sql = f"SELECT [CASE WHEN {is_uk_postcode_sql(key)} THEN {out} END FOR x IN $1::VARCHAR[]]"
    # A private in-memory connection keeps this thread-safe and independent of any warehouse.
    with duckdb.connect() if con is None else contextlib.nullcontext(con) as c:
        row = c.execute(sql, [[None if v is None else str(v) for v in values]]).fetchone()
    assert row is not None
    return list(row[0])


# ---------------------------------------------------------------- postcode files

# Field -> header patterns (lower-cased, full match), best first: ONSPD, NSPL (old and new), ONS lookups.
POSTCODE_ALIASES: dict[str, tuple[str, ...]] = {
    "postcode": (
        "pcds",
        "pcd",
        "pcd7",
        "pcd2",
        "pcd8",
        "postcodenatural",
        "postcode7",
        "postcode8",
        "postcode",
        "post_code",
        "pcd_key",
    ),
    "lad": ("laua", "oslaua", "lad", r"lad\d\dcd", "ladcd", "lad_code"),
    "ward": ("ward", "osward", r"wd\d\dcd(_proposed)?", "wdcd", "ward_code"),
    "lsoa11": ("lsoa11", "lsoa11cd", "lsoa11_code"),
    "lsoa21": ("lsoa21", "lsoa21cd", "lsoa21_code"),
    "rgn": ("rgn", r"rgn\d\dcd", "rgncd", "region_code"),
    "ctry": ("ctry", r"ctry\d\dcd", "ctrycd", "country_code"),
    "lat": ("lat", "latitude"),
    "long": ("long", "lon", "lng", "longitude"),
    "terminated": ("doterm", "terminationdate", "termination_date", "date_of_termination"),
}


@dataclass
class CsvSource:
    """One CSV to stage: where DuckDB reads it, how users know it, and its header."""

    path: Path
    label: str
    header: list[str]
    name: str
    upload_id: str | None = None
    encoding: str = "utf-8"

    def __post_init__(self) -> None:
        # Decided before any SQL runs: a DuckDB decoding error would abort the whole transaction.
        self.encoding = file_encoding(self.path)


def file_encoding(path: Path) -> str:
    """'utf-8' when the file is valid UTF-8 (ONS files are plain ASCII), else 'latin-1' (Excel exports)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(8 << 20):
                if (
                    not chunk.isascii()
                ):  # ASCII chunks are checked at memchr speed and need no decoding
                    decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9_]", "", name.strip().lower())


def map_columns(header: list[str], aliases: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """Field -> column index, choosing for each field the best-ranked alias present in the header."""
    normed = [_norm(h) for h in header]
    found: dict[str, int] = {}
    for field, patterns in aliases.items():
        for pattern in patterns:
            hit = next((i for i, n in enumerate(normed) if re.fullmatch(pattern, n)), None)
            if hit is not None:
                found[field] = hit
                break
    return found


def read_header(path: Path, stream: IO[bytes] | None = None) -> list[str]:
    """The first CSV record of a file, with plain-English errors for empty or binary files."""
    if stream is None:
        with path.open("rb") as fh:
            raw = fh.readline(1 << 20)
    else:
        raw = stream.readline(1 << 20)
    if b"\x00" in raw:
        raise InputFileError(
            str(path),
            "looks like a binary file, not CSV.",
            fix="Export it as CSV (comma-separated) and try again.",
        )
    text = raw.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise InputFileError(
            str(path), "is empty (no header row).", fix="Check you chose the right file."
        )
    return next(csv.reader([text]))


def is_postcode_header(header: list[str]) -> bool:
    """True when the header has a postcode column and at least one geography code column."""
    found = map_columns(header, POSTCODE_ALIASES)
    return "postcode" in found and bool({"lad", "ward", "lsoa11", "lsoa21"} & found.keys())


def _safe_is_postcode_file(path: Path, stream: IO[bytes] | None = None) -> bool:
    try:
        return is_postcode_header(read_header(path, stream))
    except InputFileError:
        return False  # an empty or binary CSV next to the real ones is simply not a postcode file


def _in_dir_is_postcode_file(base: Path, name: str) -> bool:
    return _safe_is_postcode_file(base / name)


def _pick(names: list[str], is_postcodes: Callable[[str], bool]) -> list[str]:
    """CSV paths to import from a listing: the ONS layout's Data/*.csv, else Data/multi_csv, else all."""
    in_data = [n for n in names if "data" in [p.lower() for p in PurePosixPath(n).parts[:-1]]]
    top = [n for n in in_data if PurePosixPath(n).parent.name.lower() == "data"]
    # The ONS zip carries the same rows twice (one UK file and per-area files): take one copy only.
    for group in (top, [n for n in in_data if n not in top], names):
        chosen = [n for n in sorted(group) if is_postcodes(n)]
        if chosen:
            return chosen
    return []


def find_postcode_csvs(paths: list[Path], tmp: Path, notes: list[str]) -> list[CsvSource]:
    """Files, directories and ONS zips -> the postcode CSVs to import, in order."""
    sources: list[CsvSource] = []
    for no, path in enumerate(paths):
        if not path.exists():
            raise InputFileError(str(path), "does not exist.", fix="Check the path and try again.")
        if path.is_dir():
            # Names start with the folder's own name so that pointing at the Data folder itself works too.
            base = path.parent
            names = sorted(
                p.relative_to(base).as_posix()
                for p in path.rglob("*")
                if p.suffix.lower() == ".csv"
            )
            chosen = _pick(names, partial(_in_dir_is_postcode_file, base))
            sources += [
                CsvSource(base / n, str(base / n), read_header(base / n), PurePosixPath(n).name)
                for n in chosen
            ]
            if len(chosen) < len(names):
                notes.append(
                    f"{path}: skipped {len(names) - len(chosen)} CSV(s) (not postcode files, or copies)"
                )
        elif path.suffix.lower() == ".zip":
            sources += _extract_zip(path, tmp / f"zip{no}")
        else:
            header = read_header(path)
            if not is_postcode_header(header):
                raise InputFileError(
                    str(path),
                    f"is not a postcode directory file (ONSPD, NSPL or an ONS postcode lookup); its header is {', '.join(header[:12])}.",
                    fix="Give the ONSPD or NSPL CSV (or its zip), which has pcds and laua/oslaua columns.",
                )
            sources.append(CsvSource(path, str(path), header, path.name))
    if not sources:
        raise InputFileError(
            ", ".join(map(str, paths)),
            "contains no postcode CSV (ONSPD, NSPL or an ONS postcode lookup).",
            fix="Point at the ONS zip, its Data folder, or the CSV itself.",
        )
    return sources


def _extract_zip(path: Path, dest: Path) -> list[CsvSource]:
    """Stream the postcode CSVs under Data/ out of an ONS zip, hashing them on the way."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [
                i.filename
                for i in zf.infolist()
                if not i.is_dir() and i.filename.lower().endswith(".csv")
            ]

            def peek(name: str) -> bool:
                with zf.open(name) as fh:
                    return _safe_is_postcode_file(path, fh)

            out: list[CsvSource] = []
            for k, name in enumerate(_pick(names, peek)):
                target = dest / f"{k:04d}_{PurePosixPath(name).name}"
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with zf.open(name) as src, target.open("wb") as dst:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        dst.write(chunk)
                out.append(
                    CsvSource(
                        target,
                        f"{path}!{name}",
                        read_header(target),
                        PurePosixPath(name).name,
                        digest.hexdigest(),
                    )
                )
            return out
    except zipfile.BadZipFile:
        raise InputFileError(
            str(path), "is not a readable zip file.", fix="Download it again; it may be incomplete."
        ) from None
