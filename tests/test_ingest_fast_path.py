"""The bulk fast path (clean rows checked with two casts) loads exactly what the full parsers would."""

from __future__ import annotations

import csv
import datetime as dt

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from anchorage.core.values import install, parse_amounts, parse_dates
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.spend_stage import fast_date_sql

# Amounts and dates in the plain shapes (fast path) and every other shape (full parsers), with the cell
# padding (spaces, tabs, no-break spaces) that decides which path a row takes.
AMOUNTS = [
    "12.50",
    " 12.50 ",
    "£1,234.56",
    "(12.00)",
    "-",
    "1.2E+05",
    "1e3",
    "+5",
    "10 ",
    "TBC",
    "",
    "0.005",
    "99999999999999999999",
    "12.5CR",
    "NaN",
    "\u00a07.25",
    "3.\u00a0",
]
DATES = [
    "01/04/2021",
    " 01/04/2021",
    "01/04/2021 ",
    "2021-04-01",
    "1/4/2021",
    "31/02/2021",
    "01/04/1980",
    "01/04/2099",
    "",
    "29/02/2024",
    "00/04/2021",
    "01-04-2021",
    "\t02/04/2021",
]
SUPPLIERS = [
    "ABC Ltd",
    " ABC Ltd ",
    "\tABC Ltd",
    "Émile Services Ltd",
    "",
    "   ",
    "\u00a0NBSP Trading Ltd\u00a0",
    "REDACTED personal data",
    "A & B (t/a Zed)",
]


def _trim(values: list[str]) -> list[str | None]:
    """DuckDB trim() (spaces and other Unicode space separators), blank as None: what the parsers receive."""
    with duckdb.connect() as con:
        return [con.execute("SELECT NULLIF(trim(?), '')", [v]).fetchone()[0] for v in values]


def test_fast_path_rows_load_as_the_full_parsers_read_them(workspace, tmp_path):
    pairs = [(s, a) for s in SUPPLIERS for a in AMOUNTS]
    rows = [
        (s, a, DATES[i % len(DATES)]) for i, (s, a) in enumerate(pairs)
    ]  # 17 and 13: every pairing varies
    f = tmp_path / "spend.csv"
    with f.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Supplier Name", "Amount", "Payment Date"])
        w.writerows(rows)
    out = ingest_spend(workspace, f, "Council")
    sups, amts, dats = (_trim([r[i] for r in rows]) for i in range(3))
    amounts, dates = parse_amounts(amts), parse_dates(dats)
    latest = dt.date.today() + dt.timedelta(days=366)
    expected = {
        i + 1: (sups[i], amounts[i], dates[i])
        for i in range(len(rows))
        if sups[i] is not None
        and amounts[i] is not None
        and dates[i] is not None
        and dt.date(1990, 1, 1) <= dates[i] <= latest
    }
    with workspace.warehouse(read_only=True) as con:
        got = {
            n: (s, a, d)
            for n, s, a, d in con.execute(
                "SELECT row_no, supplier_name, amount, payment_date FROM spend"
            ).fetchall()
        }
        quarantined = {n for (n,) in con.execute("SELECT row_no FROM quarantine").fetchall()}
    assert got == expected
    assert quarantined == set(range(1, len(rows) + 1)) - set(expected)
    assert out.rows_read == len(rows) and out.rows_loaded == len(expected) and out.balanced
    assert out.amount_loaded == sum(a for _, a, _ in expected.values())
    # Both paths were exercised: plain rows and rows only the full parsers accept were loaded.
    assert any(rows[n - 1][1] == "12.50" and rows[n - 1][0] == "ABC Ltd" for n in got)
    assert any(rows[n - 1][1] in ("£1,234.56", "(12.00)", " 12.50 ") for n in got)


SHAPES = st.text(alphabet="0123456789/ +-.é\u00a0\t", min_size=8, max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(SHAPES, st.dates().map(lambda d: d.strftime("%d/%m/%Y"))), max_size=30))
def test_the_fast_date_is_the_macros_date(cells):
    """fast_date_sql gives the date anchorage_date_dmy (mdy) gives for every value, once years before 1 (which
    the fast path's range leaves out anyway) are set aside as the macro sets them aside."""
    with duckdb.connect() as con:
        install(con)
        for order, macro in (("dmy", "anchorage_date_dmy"), ("mdy", "anchorage_date_mdy")):
            rows = con.execute(
                f"SELECT v, anchorage_ad({fast_date_sql('v', order)}), {macro}(v) FROM unnest(CAST(? AS VARCHAR[])) t(v)",
                [cells],
            ).fetchall()
            assert [(v, a) for v, a, _ in rows] == [(v, b) for v, _, b in rows]
