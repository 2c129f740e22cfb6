"""Supplier-name normalisation for grouping: one SQL implementation, used in bulk and from Python."""

from __future__ import annotations

import duckdb

# Each step is a (pattern, replacement, flags) applied in order to the upper-cased name.
_STEPS: list[tuple[str, str, str]] = [
    # Keep the legal entity, not the trading name: "ABC Ltd (t/a Tasty Food)" -> "ABC Ltd".
    (r"\s*\(?\s*\b(T\s*/\s*A|TRADING\s+AS)\b.*$", "", ""),
    (r"&", " AND ", "g"),
    # Dots join initials ("A.B.C." -> "ABC") rather than splitting them.
    (r"[.'’-]", "", "g"),
    (r"[^\pL\pN ]+", " ", "g"),
    (r"\s+", " ", "g"),
    (r"^\s*(THE\s+)+", "", ""),
    (r"(\s+(LIMITED|LTD|PLC|LLP|CIC|CIO|INC|LLC|CO|COMPANY|AND CO|AND COMPANY|UK LTD))+\s*$", "", ""),
]


def name_norm_sql(expr: str) -> str:
    """DuckDB expression normalising a supplier name; never empties a non-empty name."""
    s = f"upper({expr})"
    for pattern, repl, flags in _STEPS:
        pattern = pattern.replace("'", "''")
        s = f"regexp_replace({s}, '{pattern}', '{repl}', '{flags}')" if flags else (
            f"regexp_replace({s}, '{pattern}', '{repl}')"
        )
    fallback = f"trim(regexp_replace(upper({expr}), '\\s+', ' ', 'g'))"
    return f"CASE WHEN trim({s}) = '' THEN {fallback} ELSE trim({s}) END"


def normalise_names(values: list[str | None]) -> list[str | None]:
    """Normalise a list of names with the same SQL the warehouse uses."""
    if not values:
        return []
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT i, {name_norm_sql('v')} FROM (SELECT unnest($v) AS v, "
        "generate_subscripts($v, 1) AS i) ORDER BY i",
        {"v": values},
    ).fetchall()
    return [r[1] for r in rows]
