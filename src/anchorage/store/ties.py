"""Stable rules for choosing among ties, so the same data gives the same figures and bytes every time.

DuckDB's any_value(), mode() and arg_max() pick arbitrarily among tied values (it varies with threads and
row order). Every choice among ties uses one of these instead (docs/methodology.md, "Choosing among ties").
"""

from __future__ import annotations


def modal_sql(
    source: str,
    keys: list[str],
    col: str,
    weight: str | None = None,
    *,
    count: str = "count(*)",
    alias: str | None = None,
) -> str:
    """SELECT keys, the modal non-null `col` per keys from `source` (a table name or parenthesised query).

    The rule: the value on most rows (or the largest `count` expression), then the largest sum of `weight`
    (rounded to the penny, so float summation order cannot decide), then the first in code-point order.
    """
    k = ", ".join(keys)
    w = f"round(sum({weight}), 2)" if weight else "0"
    return (
        f"SELECT {k}, first({col} ORDER BY _n DESC, _w DESC, {col}) AS {alias or col} "
        f"FROM (SELECT {k}, {col}, {count} AS _n, {w} AS _w FROM {source} WHERE {col} IS NOT NULL "
        f"GROUP BY ALL) GROUP BY ALL"
    )


def heaviest_sql(col: str, *weights: str) -> str:
    """An aggregate: the `col` with the largest weights (compared in turn), then the first in code-point order."""
    return f"first({col} ORDER BY {', '.join(f'{w} DESC' for w in weights)}, {col})"
