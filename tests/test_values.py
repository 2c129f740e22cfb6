"""core.values: one value at a time and a whole column read every text alike (the same DuckDB macros)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchorage.core.values import (
    DATE_ORDERS,
    date_sql,
    money_sql,
    month_sql,
    parse_amounts,
    parse_date,
    parse_dates,
    parse_money,
)

# Texts near the shapes files hold: digits and separators, currency and credit marks, month names, serials.
near_values = st.one_of(
    st.text(alphabet="0123456789£$€,.()-+ CRDGBPEe/:T", max_size=14),
    st.text(alphabet="0123456789/-. JanMayDecSeptember", max_size=14),
    st.decimals(min_value=-(10**9), max_value=10**9, places=3, allow_nan=False).map(
        lambda d: f"£{d:,}"
    ),
    st.dates(dt.date(1950, 1, 1), dt.date(2070, 12, 31)).flatmap(
        lambda d: st.sampled_from(
            [
                d.strftime(f)
                for f in (
                    "%d/%m/%Y",
                    "%m/%d/%Y",
                    "%d-%b-%y",
                    "%Y-%m",
                    "%b %Y",
                    "%Y%m%d",
                    "%d.%m.%y",
                )
            ]
        )
    ),
    st.integers(10000, 69999).map(str),
    st.none(),
)


def column(con, sql_of, texts: list[str | None]) -> list:
    """What the column-at-a-time SQL gives for a table holding these texts, in order."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE vals AS SELECT * FROM unnest($t::VARCHAR[]) WITH ORDINALITY t(v, i)",
        {"t": texts},
    )
    return [r[0] for r in con.execute(f"SELECT {sql_of('v')} FROM vals ORDER BY i").fetchall()]


@settings(max_examples=150, deadline=None)
@given(st.lists(near_values, min_size=1, max_size=12))
def test_money_one_at_a_time_agrees_with_the_column(memory_con, texts):
    one = [parse_money(t) for t in texts]
    assert one == parse_amounts(texts) == column(memory_con, money_sql, texts)
    assert all(v is None or (isinstance(v, Decimal) and v.as_tuple().exponent == -2) for v in one)


@settings(max_examples=150, deadline=None)
@given(st.lists(near_values, min_size=1, max_size=12), st.sampled_from(DATE_ORDERS))
def test_dates_one_at_a_time_agree_with_the_column(memory_con, texts, order):
    one = [parse_date(t, order) for t in texts]
    assert (
        one == parse_dates(texts, order) == column(memory_con, lambda v: date_sql(v, order), texts)
    )
    months = column(memory_con, lambda v: month_sql(v, order), texts)
    assert months == [d.replace(day=1) if d else None for d in one]


@pytest.mark.parametrize(
    ("text", "order", "day"),
    [
        ("03/05/2020", "dmy", dt.date(2020, 5, 3)),
        ("03/05/2020", "mdy", dt.date(2020, 3, 5)),
        ("03-May-20", "dmy", dt.date(2020, 5, 3)),
        ("2020-05", "mdy", dt.date(2020, 5, 1)),
        ("43954", "dmy", dt.date(2020, 5, 3)),
        (" 2020-05-03 ", "mdy", dt.date(2020, 5, 3)),
        ("31/02/2020", "dmy", None),
        ("1/0", "dmy", None),
        ("01/01/0000", "mdy", None),
        ("soon", "dmy", None),
        ("", "dmy", None),
        (None, "dmy", None),
    ],
)
def test_one_date(text, order, day):
    assert parse_date(text, order) == day


def test_one_amount():
    assert [
        parse_money(t) for t in ("£1,234.56", "(123.45)", "-", "1.2E+05", "12.50CR", "n/a", None)
    ] == [
        Decimal("1234.56"),
        Decimal("-123.45"),
        Decimal("0.00"),
        Decimal("120000.00"),
        Decimal("-12.50"),
        None,
        None,
    ]


def test_threads_each_parse_on_their_own_connection():
    texts = [f"£{n:,}.{n % 100:02d}" for n in range(2000)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(parse_money, texts))
    assert got == parse_amounts(texts) and got[1999] == Decimal("1999.99")
