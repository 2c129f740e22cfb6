"""Postcode normalisation: one SQL definition, checked by example and by property."""

from __future__ import annotations

import contextlib
import re
import string

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anchorage.reference.postcode import (
    UK_POSTCODE_RE,
    is_uk_postcode_sql,
    normalise_postcodes,
    postcode_display_sql,
    postcode_key_sql,
)

DISPLAY_RE = re.compile(r"[A-Z0-9]{2,4} [0-9][A-Z]{2}")
valid_keys = st.from_regex(UK_POSTCODE_RE, fullmatch=True)
separators = st.text(alphabet=" \t-.", max_size=2)


def sql_values(
    expr: str, values: list[str | None], con: duckdb.DuckDBPyConnection | None = None
) -> list[object]:
    """Evaluate a SQL expression of x over a list in DuckDB (on con if given, else a new connection)."""
    with duckdb.connect() if con is None else contextlib.nullcontext(con) as c:
        row = c.execute(f"SELECT [{expr} FOR x IN $1::VARCHAR[]]", [values]).fetchone()
    assert row is not None
    return list(row[0])


@st.composite
def messy(draw: st.DrawFn, key: str) -> str:
    """The key with random case and random spaces, tabs, dots and hyphens around and between characters."""
    chars = [c.lower() if draw(st.booleans()) else c for c in key]
    return draw(separators) + "".join(c + draw(separators) for c in chars)


@pytest.mark.parametrize(
    "raw", ["se6 4ru", "SE64RU", "SE6  4RU", " se6-4ru ", "Se6\t4rU", "SE6 4RU\n"]
)
def test_spellings_of_one_postcode_normalise_alike(raw: str) -> None:
    assert normalise_postcodes([raw]) == ["SE6 4RU"]
    assert normalise_postcodes([raw], as_key=True) == ["SE64RU"]


def test_examples() -> None:
    got = normalise_postcodes(
        ["gir 0aa", "w1a1aa", "EC1A 1BB", "m1 1ad", "", "   ", None, "hello", "SE6 4R", "12345"]
    )
    assert got == ["GIR 0AA", "W1A 1AA", "EC1A 1BB", "M1 1AD", None, None, None, None, None, None]
    assert normalise_postcodes([]) == []


def test_sql_key_and_display_handle_empty_and_short_values() -> None:
    assert sql_values(postcode_key_sql("x"), [" se6-4ru ", "", " - ", None]) == [
        "SE64RU",
        None,
        None,
        None,
    ]
    assert sql_values(postcode_display_sql("x"), ["se64ru", "", None, "ab"]) == [
        "SE6 4RU",
        None,
        None,
        "AB",
    ]
    assert sql_values(is_uk_postcode_sql("x"), ["SE64RU", "SE6 4RU", None, "Q1 1AA"]) == [
        True,
        False,
        False,
        False,
    ]


def test_regex_follows_the_uk_format() -> None:
    for good in [
        "SE64RU",
        "WC1A1AA",
        "W1A1AA",
        "EC1A1BB",
        "B11AA",
        "M11AD",
        "GIR0AA",
        "SE1P5ZZ",
        "BF13AD",
    ]:
        assert UK_POSTCODE_RE.fullmatch(good), good
    for bad in ["SE64R", "Q11AA", "SE64CA", "ZZ993VZ", "1SE4RU", "SE6 4RU", ""]:
        assert not UK_POSTCODE_RE.fullmatch(bad), bad


@settings(max_examples=60, deadline=None)
@given(
    st.lists(valid_keys.flatmap(lambda k: st.tuples(st.just(k), messy(k))), min_size=1, max_size=20)
)
def test_valid_postcodes_with_any_spacing_and_case_normalise_to_the_display_form(
    memory_con: duckdb.DuckDBPyConnection, pairs: list[tuple[str, str]]
) -> None:
    keys, raws = zip(*pairs, strict=True)
    displays = normalise_postcodes(list(raws), con=memory_con)
    assert displays == [k[:-3] + " " + k[-3:] for k in keys]
    assert all(DISPLAY_RE.fullmatch(d or "") for d in displays)
    assert normalise_postcodes(list(raws), as_key=True, con=memory_con) == list(keys)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=20))
def test_normalising_is_idempotent_and_yields_none_or_a_uk_postcode(
    memory_con: duckdb.DuckDBPyConnection, values: list[str | None]
) -> None:
    once = normalise_postcodes(values, con=memory_con)
    assert normalise_postcodes(once, con=memory_con) == once
    for out in once:
        assert out is None or (
            DISPLAY_RE.fullmatch(out) and UK_POSTCODE_RE.fullmatch(out.replace(" ", ""))
        )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=string.ascii_letters + string.digits + " -", max_size=10), max_size=20
    )
)
def test_case_and_spaces_do_not_matter(
    memory_con: duckdb.DuckDBPyConnection, values: list[str]
) -> None:
    base = normalise_postcodes(values, con=memory_con)
    assert normalise_postcodes([v.upper() for v in values], con=memory_con) == base
    assert normalise_postcodes([v.lower().replace(" ", "") for v in values], con=memory_con) == base
    keys = sql_values(postcode_key_sql("x"), values, memory_con)
    assert sql_values(postcode_key_sql("x"), keys, memory_con) == keys  # type: ignore[arg-type]
    assert all(k is None or re.fullmatch(r"[A-Z0-9]+", k) for k in keys)  # type: ignore[arg-type]
