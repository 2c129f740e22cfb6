"""Property and example tests for the amount, date and name parsers (run on the real DuckDB macros)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchorage.core.values import parse_amounts, parse_dates
from anchorage.reference.names import normalise_names

money = st.decimals(
    min_value=Decimal("-9999999"), max_value=Decimal("9999999"), places=2, allow_nan=False
)


def uk_format(d: Decimal) -> list[str]:
    a = abs(d)
    plain, commas = f"{a:.2f}", f"{a:,.2f}"
    if d < 0:
        return [
            f"-{plain}",
            f"({commas})",
            f"£({commas})",
            f"{plain}-",
            f"{plain}CR",
            f"-£{commas}",
        ]
    return [plain, commas, f"£{commas}", f" £ {commas} ", f"{plain}GBP"]


@settings(max_examples=60, deadline=None)
@given(st.lists(money, min_size=1, max_size=20))
def test_amounts_in_every_usual_format_parse_to_the_same_value(memory_con, values):
    texts = [t for v in values for t in uk_format(v)]
    expected = [v for v in values for _ in uk_format(v)]
    assert parse_amounts(texts, con=memory_con) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcxyz!?#", min_size=1, max_size=6), min_size=1, max_size=10))
def test_text_is_never_an_amount(memory_con, values):
    assert all(v is None for v in parse_amounts(values, con=memory_con))


def test_amount_examples():
    assert parse_amounts(
        ["£1,234.56", "(123.45)", "-", "1.2E+05", "nan", "inf", "", None, "1e30"]
    ) == [
        Decimal("1234.56"),
        Decimal("-123.45"),
        Decimal("0.00"),
        Decimal("120000.00"),
        None,
        None,
        None,
        None,
        None,
    ]


dates = st.dates(
    min_value=dt.date(1990, 1, 1), max_value=dt.date(2068, 12, 31)
)  # two-digit years pivot at 69


@settings(max_examples=60, deadline=None)
@given(st.lists(dates, min_size=1, max_size=10))
def test_uk_dates_in_every_usual_format(memory_con, values):
    fmts = [
        "%d/%m/%Y",
        "%d/%m/%y",
        "%d-%b-%Y",
        "%d %B %Y",
        "%Y-%m-%d",
        "%d.%m.%Y",
        "%Y-%m-%d %H:%M:%S",
        "%d/%m/%Y %H:%M",
    ]
    texts = [d.strftime(f) for d in values for f in fmts]
    expected = [d for d in values for _ in fmts]
    assert parse_dates(texts, con=memory_con) == expected


def test_date_examples():
    assert parse_dates(["31/02/2023", "00:00:00", "2010-12", "45000", "x", None]) == [
        None,
        None,
        dt.date(2010, 12, 1),
        dt.date(2023, 3, 15),
        None,
        None,
    ]


names = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(names, min_size=1, max_size=20))
def test_name_normalisation_is_idempotent_and_never_empties(memory_con, values):
    once = normalise_names(values, con=memory_con)
    assert all(n for n in once)
    assert normalise_names(once, con=memory_con) == once


def test_name_variants_group_together():
    variants = [
        "ABC Catering Ltd",
        "A.B.C. CATERING LIMITED",
        "Abc Catering (t/a Tasty Food)",
        "ABC CATERING LTD.",
        "abc catering trading as Tasty",
        "The ABC Catering Company",
    ]
    assert set(normalise_names(variants)) == {"ABC CATERING"}
    assert normalise_names(["COOP", "AMBA", "S.C.S & COMPANY", "Smith & Sons Ltd"]) == [
        "COOP",
        "AMBA",
        "SCS",
        "SMITH AND SONS",
    ]
