"""An anchor's payments filtered on what their groups hold (supplier text, tier, year, category, place,
exclusion rule), read without scanning every payment (issue 17).

The filter is matched and counted on the payments' groups (procurement/explore_payments.py); a supplier text
is first matched on each supplier's spellings together (`explore_payment_names`, one row per supplier: a
spelling that matches is in them, so no matching group is missed), then exactly on the groups of those
suppliers. Only the matching groups' payments are read (by group number, or by the filter on the payments'
own columns when the groups are too many to list): newest first, a window of the stored numbering at a time,
as wide as the matches' density says a page needs (widened when it held too few); in another order, the
numbers of the matching payments alone are sorted, unless most payments match (then the scan does it, as
cheaply). The page's rows are then read by their numbers.
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
SLACK = 2  # a window holds this many times the payments a page needs, if matches were spread evenly
LIST_LIMIT = 20_000  # matching groups read by number at most (more: matched by the filter itself)


def _groups(
    con: Any, slug: str, req: TableRequest, where: str, params: list[Any]
) -> tuple[list[int] | None, int, int, int]:
    """The matching groups' numbers (None: more than LIST_LIMIT), their payments and the lowest and highest
    payment numbers."""
    text = req.value("supplier")
    scope, first = "org = ?", [slug]
    if text:  # the suppliers one of whose spellings holds it, before any group's spelling is read
        scope = (
            "org = ? AND supplier_no IN (SELECT supplier_no FROM explore_payment_names "
            "WHERE org = ? AND spellings ILIKE ? ESCAPE '\\')"
        )
        first = [slug, slug, like_pattern(text)]
    row = con.execute(
        f"WITH g AS MATERIALIZED (SELECT * FROM explore_payment_groups WHERE {scope}) "
        "SELECT sum(payments), min(first_pos), max(last_pos), "
        "CASE WHEN count(*) <= ? THEN list(group_no) END "
        f"FROM g WHERE {where}",
        [*first, LIST_LIMIT, *params],
    ).fetchone()
    if not row or not row[0]:
        return [], 0, 0, -1
    return row[3], int(row[0]), int(row[1]), int(row[2])


def _newest(
    con: Any, match: tuple[str, list[Any]], low: int, high: int, total: int, needed: int
) -> list[int]:
    """The first `needed` matching payments' numbers, newest first: windows of the numbering from `low`."""
    width = max(MIN_WINDOW, SLACK * needed * (high - low + 1) // max(total, 1))
    while True:
        end = min(high, low + width - 1)
        found = [
            int(r[0])
            for r in con.execute(
                f"SELECT pos FROM explore_payments WHERE pos BETWEEN ? AND ? AND {match[0]} "
                "ORDER BY pos LIMIT ?",
                [low, end, *match[1], needed],
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
    where, params = where_sql(PAYMENTS, req)
    groups, total, low, high = _groups(con, slug, req, where, params)
    if groups is None and req.sort != PAYMENTS.default_sort:
        return None  # most payments match: sorting them all is the scan's work anyway
    req = replace(req, page=min(req.page, max(1, -(-total // req.per_page))))
    offset = (req.page - 1) * req.per_page
    if not total:
        return TablePage(PAYMENTS, req, [], 0)
    # The payments of the matching groups: by number when few, else by the filter itself (the same rows).
    match = ("group_no IN (SELECT unnest(?))", [groups]) if groups is not None else (where, params)
    if req.sort == PAYMENTS.default_sort:  # the numbering's order
        positions = _newest(con, match, low, high, total, offset + req.per_page)[offset:]
    else:
        positions = [
            int(r[0])
            for r in con.execute(
                f"SELECT pos FROM explore_payments WHERE pos BETWEEN ? AND ? AND {match[0]} "
                f"ORDER BY {order_sql(PAYMENTS, req)} LIMIT ? OFFSET ?",
                [low, high, *match[1], req.per_page, offset],
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
