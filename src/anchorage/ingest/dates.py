"""A file's date convention (day-first or month-first), inferred from all of a column's values in one SQL pass."""

from __future__ import annotations

import re
from dataclasses import dataclass

import duckdb

from anchorage.core.errors import InputFileError
from anchorage.core.values import DATE_ORDERS

ORDER_WORDS = {"dmy": "day-first (DD/MM/YYYY)", "mdy": "month-first (MM/DD/YYYY)"}

# A numeric date with two small fields that could swap: 7/31/2020, 31.07.20, 07-31-2020 10:00.
NUMERIC_RE = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:[ T].*)?$"
# Values that name a month but no day: 2024-03, Mar-24, March 2024, 03/2024.
MONTH_ONLY_RE = r"^\s*(\d{4}-\d{1,2}|[A-Za-z]{3,9}[- ]\d{2}(\d{2})?|\d{1,2}/\d{4})\s*$"


class DateOrderError(InputFileError):
    """A file's day-first/month-first convention cannot be told from its values."""


@dataclass
class DateEvidence:
    """How many values prove each reading, could be either, or give only a month."""

    day_first: int = 0
    month_first: int = 0
    either: int = 0
    month_only: int = 0
    example_dmy: str | None = None
    example_mdy: str | None = None
    example_either: str | None = None
    example_month: str | None = None


def evidence_sql(raw: str, where: str = "true") -> str:
    """Aggregate SQL (one row) counting the values of `raw` (text) that prove day-first or month-first."""
    p = f"regexp_extract({raw}, '{NUMERIC_RE}', ['a', 'b'])"
    a, b = f"TRY_CAST(({p}).a AS INTEGER)", f"TRY_CAST(({p}).b AS INTEGER)"
    dmy = f"{a} BETWEEN 13 AND 31 AND {b} BETWEEN 1 AND 12"
    mdy = f"{b} BETWEEN 13 AND 31 AND {a} BETWEEN 1 AND 12"
    either = f"{a} BETWEEN 1 AND 12 AND {b} BETWEEN 1 AND 12 AND {a} <> {b}"
    month = f"regexp_full_match({raw}, '{MONTH_ONLY_RE}')"
    return (
        f"count(*) FILTER (({where}) AND {dmy}), count(*) FILTER (({where}) AND {mdy}), "
        f"count(*) FILTER (({where}) AND {either}), count(*) FILTER (({where}) AND {month}), "
        f"any_value({raw}) FILTER (({where}) AND {dmy}), any_value({raw}) FILTER (({where}) AND {mdy}), "
        f"any_value({raw}) FILTER (({where}) AND {either}), any_value({raw}) FILTER (({where}) AND {month})"
    )


def gather(con: duckdb.DuckDBPyConnection, sql: str) -> DateEvidence:
    row = con.execute(sql).fetchone()
    assert row is not None
    n = [int(v or 0) for v in row[:4]]
    return DateEvidence(n[0], n[1], n[2], n[3], *row[4:])


def combine(*parts: DateEvidence) -> DateEvidence:
    out = DateEvidence()
    for p in parts:
        out.day_first += p.day_first
        out.month_first += p.month_first
        out.either += p.either
        out.month_only += p.month_only
        out.example_dmy = out.example_dmy or p.example_dmy
        out.example_mdy = out.example_mdy or p.example_mdy
        out.example_either = out.example_either or p.example_either
        out.example_month = out.example_month or p.example_month
    return out


@dataclass
class DateDecision:
    order: str  # "dmy" or "mdy" (the order numeric dates are read in)
    how: str  # "proven by the values", "given", "the anchor's earlier files", "no numeric dates"
    note: str | None = None


def decide(
    ev: DateEvidence,
    *,
    path: str,
    column: str,
    given: str | None = None,
    earlier: str | None = None,
) -> DateDecision:
    """Choose the order all of a column's numeric dates are read in; never a guess.

    A given order wins (values that contradict it are quarantined); otherwise the values must prove one
    order, or, when every value fits both, the anchor's earlier files' order is used; else the user is asked."""
    if given:
        return DateDecision(given, "given")
    if ev.day_first and ev.month_first:
        raise DateOrderError(
            path,
            f'column "{column}" mixes day-first dates ({ev.day_first:,} rows, e.g. "{ev.example_dmy}") and '
            f'month-first dates ({ev.month_first:,} rows, e.g. "{ev.example_mdy}"), so no single reading fits it.',
            web_fix="Choose the date order on the preview page; the rows that do not fit it are quarantined.",
            fix="Pass --date-order dmy or --date-order mdy (on the web, choose the date order); the rows that "
            "do not fit it are quarantined.",
        )
    if ev.day_first or ev.month_first:
        order = "dmy" if ev.day_first else "mdy"
        example = ev.example_dmy if ev.day_first else ev.example_mdy
        return DateDecision(
            order,
            "proven by the values",
            f'dates read {ORDER_WORDS[order]}: "{example}" can only be read that way'
            if order == "mdy"
            else None,
        )
    if ev.either:
        if earlier in DATE_ORDERS:
            return DateDecision(
                earlier,
                "the anchor's earlier files",
                f"every date fits both day-first and month-first; read {ORDER_WORDS[earlier]} "
                "as in this anchor's earlier files",
            )
        raise DateOrderError(
            path,
            f'every date in column "{column}" fits both day-first and month-first (e.g. "{ev.example_either}" '
            f"is {_both(ev.example_either)}), and no earlier file of this anchor settled the order.",
            web_fix="Choose the date order (day first, as in the UK, or month first) on the preview page.",
            fix="Pass --date-order dmy (day first, as in the UK) or --date-order mdy (month first); on the web, "
            "choose the date order in the preview.",
        )
    return DateDecision(earlier if earlier in DATE_ORDERS else "dmy", "no numeric dates")


def _both(example: str | None) -> str:
    m = re.match(NUMERIC_RE, example or "")
    if not m:
        return "ambiguous"
    a, b = int(m.group(1)), int(m.group(2))
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    return f"{a} {months[b - 1]} or {b} {months[a - 1]}"


def month_level_note(ev: DateEvidence) -> str | None:
    if not ev.month_only:
        return None
    return (
        f'{ev.month_only:,} dates give only a month (e.g. "{ev.example_month}"): they are stored as the '
        "month's first day and the upload is flagged as month-level, so no day is claimed for them"
    )
