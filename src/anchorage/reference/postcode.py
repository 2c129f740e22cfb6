"""UK postcode normalisation as DuckDB SQL, so bulk imports and Python callers share one definition."""

from __future__ import annotations

import re

import duckdb

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
    key = postcode_key_sql(expr)
    return (
        f"(CASE WHEN length({key}) > 3 THEN left({key}, length({key}) - 3) || ' ' || right({key}, 3)"
        f" ELSE {key} END)"
    )


def is_uk_postcode_sql(key_expr: str) -> str:
    """SQL that is true when a key (see postcode_key_sql) has the standard UK postcode shape."""
    return f"coalesce(regexp_full_match({key_expr}, '{UK_POSTCODE_PATTERN}'), false)"


def normalise_postcodes(values: list[str | None], *, as_key: bool = False) -> list[str | None]:
    """Display form ('SE6 4RU') or key ('SE64RU') of each value; None when empty or not a UK postcode."""
    if not values:
        return []
    key = postcode_key_sql("x")
    out = key if as_key else postcode_display_sql("x")
    sql = f"SELECT [CASE WHEN {is_uk_postcode_sql(key)} THEN {out} END FOR x IN $1::VARCHAR[]]"
    # A private in-memory connection keeps this thread-safe and independent of any warehouse.
    with duckdb.connect() as con:
        row = con.execute(sql, [[None if v is None else str(v) for v in values]]).fetchone()
    assert row is not None
    return list(row[0])
