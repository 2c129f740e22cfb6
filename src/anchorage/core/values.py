"""Values as people write them: money ('£1,234.56', '(123.45)', '-', '1.2E+05') and dates (UK day-first or
month-first, ISO, Excel serials, '03-May-20', months alone).

One implementation, as DuckDB macros: `money_sql`/`date_sql`/`month_sql` parse a whole column inside a query,
`parse_money`/`parse_date` one value, `parse_amounts`/`parse_dates` a list; all run the same macros."""

from __future__ import annotations

import datetime as dt
import enum
import re
import threading
from decimal import Decimal
from typing import TYPE_CHECKING

# DuckDB loads with the first parse (about 0.1 s): a module that only names a DateOrder does not pay for it.
if TYPE_CHECKING:
    import duckdb


class DateOrder(enum.StrEnum):
    """How numeric dates read: day first (UK, the default) or month first (US)."""

    dmy = "dmy"
    mdy = "mdy"


DATE_ORDERS = tuple(o.value for o in DateOrder)

# Day-first (UK) formats; two-digit years are tried before four so that "14/05/23" is 2023, not 0023.
DATE_FORMATS = [
    "%d/%m/%y",
    "%d/%m/%Y",
    "%d-%m-%y",
    "%d-%m-%Y",
    "%d.%m.%y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d-%b-%y",
    "%d-%b-%Y",
    "%d %b %y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%B-%Y",
    "%d %B %y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y%m%d",
    "%Y-%m",
    "%b-%y",
    "%b-%Y",
    "%b %Y",
    "%B %Y",
    "%m/%Y",
]
# Month-first (US) formats: the numeric day-first ones with day and month swapped; the rest are the same.
DATE_FORMATS_MDY = [
    f.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
    if re.match(r"%d[/.-]%m", f)
    else f
    for f in DATE_FORMATS
]

MACROS = f"""
CREATE OR REPLACE TEMP MACRO anchorage_num(s) AS
    CASE WHEN isfinite(TRY_CAST(s AS DOUBLE)) THEN TRY_CAST(TRY_CAST(s AS DOUBLE) AS DECIMAL(18, 2)) END;
CREATE OR REPLACE TEMP MACRO anchorage_amount_clean(v) AS
    regexp_replace(upper(v), '[£$€,\\s]|GBP', '', 'g');
CREATE OR REPLACE TEMP MACRO anchorage_amount_slow(c) AS
    CASE
        WHEN c IN ('-', '–', '—') THEN 0::DECIMAL(18, 2)
        WHEN c LIKE '(%)' THEN -anchorage_num(c[2:-2])
        WHEN c LIKE '-(%)' THEN -anchorage_num(c[3:-2])
        WHEN c LIKE '%CR' THEN -anchorage_num(c[:-3])
        WHEN c LIKE '%DR' THEN anchorage_num(c[:-3])
        WHEN length(c) > 1 AND c LIKE '%-' AND c NOT LIKE '-%' THEN -anchorage_num(c[:-2])
        ELSE anchorage_num(c)
    END;
CREATE OR REPLACE TEMP MACRO anchorage_amount(v) AS
    COALESCE(TRY_CAST(v AS DECIMAL(18, 2)), anchorage_amount_slow(anchorage_amount_clean(v)));
CREATE OR REPLACE TEMP MACRO anchorage_date_any(v) AS
    CASE
        WHEN regexp_full_match(v, '[1-6][0-9]{{4}}(\\.[0-9]+)?')
            THEN DATE '1899-12-30' + CAST(floor(CAST(v AS DOUBLE)) AS INTEGER)
        ELSE CAST(try_strptime(v, {DATE_FORMATS!r}) AS DATE)
    END;
-- Year 0 and before ("1/0" read as %m/%Y) are no date anyone meant, and Python cannot hold them.
CREATE OR REPLACE TEMP MACRO anchorage_ad(d) AS CASE WHEN d >= DATE '0001-01-01' THEN d END;
-- Fast paths for the two shapes nearly every file uses (DD/MM/YYYY and ISO); the rest try every format.
-- Where anchorage_date_dmy gives a date, anchorage_date gives the same one (bulk loads rely on this).
CREATE OR REPLACE TEMP MACRO anchorage_date_dmy(v) AS
    CASE WHEN length(v) = 10 AND v[3] = '/' AND v[6] = '/' THEN anchorage_ad(CAST(try_strptime(v, '%d/%m/%Y') AS DATE)) END;
CREATE OR REPLACE TEMP MACRO anchorage_date(v) AS
    anchorage_ad(COALESCE(
        anchorage_date_dmy(v),
        CASE WHEN length(v) = 10 AND v[5] = '-' AND v[8] = '-' THEN TRY_CAST(v AS DATE) END,
        anchorage_date_any(v)
    ));
-- The same for a file whose numeric dates are month-first (MM/DD/YYYY), once its values have shown it.
CREATE OR REPLACE TEMP MACRO anchorage_date_any_mdy(v) AS
    CASE
        WHEN regexp_full_match(v, '[1-6][0-9]{{4}}(\\.[0-9]+)?')
            THEN DATE '1899-12-30' + CAST(floor(CAST(v AS DOUBLE)) AS INTEGER)
        ELSE CAST(try_strptime(v, {DATE_FORMATS_MDY!r}) AS DATE)
    END;
CREATE OR REPLACE TEMP MACRO anchorage_date_mdy(v) AS
    CASE WHEN length(v) = 10 AND v[3] = '/' AND v[6] = '/' THEN anchorage_ad(CAST(try_strptime(v, '%m/%d/%Y') AS DATE)) END;
CREATE OR REPLACE TEMP MACRO anchorage_date_m(v) AS
    anchorage_ad(COALESCE(
        CASE WHEN length(v) = 10 AND v[5] = '-' AND v[8] = '-' THEN TRY_CAST(v AS DATE) END,
        anchorage_date_any_mdy(v)
    ));
"""


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Define the parsing macros on a connection (they are temporary, per connection)."""
    con.execute(MACROS)


_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    """This thread's private in-memory connection with the macros: independent of any warehouse, and a
    connection is never shared between threads."""
    con = getattr(_local, "con", None)
    if con is None:
        import duckdb

        con = _local.con = duckdb.connect()
        install(con)
    return con


def money_sql(expr: str) -> str:
    """SQL parsing a text column or expression as an amount (DECIMAL(18, 2); NULL where not one)."""
    return f"anchorage_amount(trim({expr}))"


def date_sql(expr: str, order: str = "dmy") -> str:
    """SQL parsing a text column or expression as a date (numeric ones day first, or month first with "mdy")."""
    return f"{'anchorage_date_m' if order == 'mdy' else 'anchorage_date'}(trim({expr}))"


def month_sql(expr: str, order: str = "dmy") -> str:
    """SQL for the first day of the month of a date column or expression (NULL where not a date)."""
    return f"CAST(date_trunc('month', {date_sql(expr, order)}) AS DATE)"


def _run(expr: str, values: list[str | None], con: duckdb.DuckDBPyConnection | None) -> list:
    rows = (
        (con or _connection())
        .execute(
            f"SELECT i, {expr} FROM (SELECT unnest($v) AS v, generate_subscripts($v, 1) AS i) ORDER BY i",
            {"v": values},
        )
        .fetchall()
    )
    return [r[1] for r in rows]


def parse_amounts(
    values: list[str | None], *, con: duckdb.DuckDBPyConnection | None = None
) -> list[Decimal | None]:
    """Parse amounts like '£1,234.56', '(123.45)', '-', '1.2E+05'; None where not a number.

    `con`: a connection to reuse, with the macros installed (`install`); by default this thread's own."""
    return _run(money_sql("v"), values, con) if values else []


def parse_dates(
    values: list[str | None], order: str = "dmy", *, con: duckdb.DuckDBPyConnection | None = None
) -> list[dt.date | None]:
    """Parse dates in the usual formats (numeric ones day first, or month first with order="mdy"), and
    Excel serial numbers. `con` as for `parse_amounts`."""
    return _run(date_sql("v", order), values, con) if values else []


def parse_money(text: str | None) -> Decimal | None:
    """One amount, as `parse_amounts` reads it; None where it is not one."""
    return parse_amounts([text])[0]


def parse_date(text: str | None, order: str = "dmy") -> dt.date | None:
    """One date, as `parse_dates` reads it; None where it is not one."""
    return parse_dates([text], order)[0]
