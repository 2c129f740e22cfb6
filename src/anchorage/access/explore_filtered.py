"""An anchor's payments filtered on what their groups hold (supplier text, tier, year, category, place,
exclusion rule), read without scanning every payment (issue 17).

The filter is matched and counted on the payments' groups (procurement/explore_payments.py); a supplier text
is first matched on each supplier's spellings together (`explore_payment_names`, one row per supplier: a
spelling that matches is in them, so no matching group is missed), then exactly on the groups of those
suppliers. Only the matching groups' payments are read: newest first, a window of the stored numbering at a
time, as wide as the matches' density says a page needs (widened when it held too few); in another order,
the numbers of the matching payments alone are sorted. The page's rows are then read by their numbers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from anchorage.access.explore_specs import GROUP_FILTERS, PAYMENTS
from anchorage.access.table import (
    TablePage,
    TableRequest,
    like_pattern,
    order_sql,
    records,
    select_sql,
    where_sql,
)
from anchorage.procurement.explore_payments import SPELLINGS_SEPARATOR

MIN_WINDOW = 8192  # numbers read at least (a few vectors: less saves nothing)


def _groups(con: Any, slug: str, req: TableRequest) -> tuple[list[int], int, int, int]:
    """The matching groups' numbers, their payments and the lowest and highest payment numbers."""
    where, params = where_sql(PAYMENTS, req)
    text = req.value("supplier")
    scope, first = "org = ?", [slug]
    if text:  # the suppliers one of whose spellings holds it, before any group's spelling is read
        scope = (
            "org = ? AND supplier_no IN (SELECT supplier_no FROM explore_payment_names "
            "WHERE org = ? AND spellings ILIKE ? ESCAPE '\\')"
        )
        first = [slug, slug, like_pattern(text)]
    found = con.execute(
        f"WITH g AS MATERIALIZED (SELECT * FROM explore_payment_groups WHERE {scope}) "
        f"SELECT group_no, payments, first_pos, last_pos FROM g WHERE {where}",
        [*first, *params],
    ).fetchall()
    if not found:
        return [], 0, 0, -1
    return (
        [int(r[0]) for r in found],
        sum(int(r[1]) for r in found),
        min(int(r[2]) for r in found),
        max(int(r[3]) for r in found),
    )


def _newest(con: Any, groups: list[int], low: int, high: int, total: int, needed: int) -> list[int]:
    """The first `needed` matching payments' numbers, newest first: windows of the numbering from `low`."""
    width = max(MIN_WINDOW, 2 * needed * (high - low + 1) // max(total, 1))
    while True:
        end = min(high, low + width - 1)
        found = [
            int(r[0])
            for r in con.execute(
                "SELECT pos FROM explore_payments WHERE pos BETWEEN ? AND ? "
                "AND group_no IN (SELECT unnest(?)) ORDER BY pos LIMIT ?",
                [low, end, groups, needed],
            ).fetchall()
        ]
        if len(found) >= needed or end >= high:
            return found
        width *= 4


def group_page(con: Any, slug: str, req: TableRequest) -> TablePage | None:
    """A page of the payments under filters their groups answer (None: the request needs a scan)."""
    keys = {k for k, _ in req.filters}
    if (
        req.search
        or not keys
        or keys - GROUP_FILTERS
        or SPELLINGS_SEPARATOR in req.value("supplier")
    ):
        return None
    groups, total, low, high = _groups(con, slug, req)
    req = replace(req, page=min(req.page, max(1, -(-total // req.per_page))))
    offset = (req.page - 1) * req.per_page
    if not groups:
        return TablePage(PAYMENTS, req, [], 0)
    if req.sort == PAYMENTS.default_sort:  # the numbering's order
        positions = _newest(con, groups, low, high, total, offset + req.per_page)[offset:]
    else:
        positions = [
            int(r[0])
            for r in con.execute(
                "SELECT pos FROM explore_payments WHERE pos BETWEEN ? AND ? "
                f"AND group_no IN (SELECT unnest(?)) ORDER BY {order_sql(PAYMENTS, req)} "
                "LIMIT ? OFFSET ?",
                [low, high, groups, req.per_page, offset],
            ).fetchall()
        ]
    if not positions:
        return TablePage(PAYMENTS, req, [], total)
    rows = records(
        con.execute(
            f"SELECT pos AS pos_, {select_sql(PAYMENTS)}, supplier_name_norm AS supplier_key "
            "FROM explore_payments WHERE pos BETWEEN ? AND ? AND pos IN (SELECT unnest(?))",
            [min(positions), max(positions), positions],
        )
    )
    at = {r.pop("pos_"): r for r in rows}
    return TablePage(PAYMENTS, req, [at[p] for p in positions], total)
