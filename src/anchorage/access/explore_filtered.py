"""An anchor's payments filtered or searched, read without scanning every payment (issue 17).

The filters on what their groups hold (supplier text, tier, year, category, place, exclusion rule) are matched
and counted on the payments' groups (procurement/explore_payments.py); a supplier text is first matched on
each supplier's spellings together (`explore_payment_names`, one row per supplier: a spelling that matches is
in them, so no matching group is missed), then exactly on the groups of those suppliers. A search (`q`: the
supplier's spelling, category, service or description) and a service filter are matched on the anchor's
distinct texts (`explore_payment_texts`), then the payments on the numbers of the matching texts they store
(integers alone), and counted so.

Only matching payments are read: newest first, a window of the stored numbering at a time, as wide as the
matches' density says a page needs (widened when it held too few); by amount, windows of the amount
numbering the same way (unless sorting the few matches reads fewer numbers); in another order, the
numbers of the matching payments are sorted. The page's rows are then read by their numbers (by amount,
from the amount numbering's table, which holds the cells a page shows).
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
# Matching groups read by number at most (more: matched by a query of the groups).
LIST_LIMIT = 20_000
# Matching payments sorted by amount at most (more: windows of the amount numbering).
SORT_LIMIT = 50_000
# Matched on the distinct texts, then on the payments' numbers of them.
TEXT_FILTERS = frozenset({"service"})
_NUMBERING = {"-amount": "by_amount_desc", "amount": "by_amount_asc"}

Match = tuple[str, list[Any]]


def _scope(slug: str, text: str, key: str = "") -> Match:
    """The anchor's groups, of the suppliers one of whose spellings holds `text` and of the supplier `key`
    (if given), before any group's own cells are read: a supplier's groups are numbered together, so zone
    maps narrow the read to theirs."""
    parts, params = ["org = ?"], [slug]
    if text:
        parts.append(
            "supplier_no IN (SELECT supplier_no FROM explore_payment_names "
            "WHERE org = ? AND spellings ILIKE ? ESCAPE '\\')"
        )
        params += [slug, like_pattern(text)]
    if key:
        parts.append(
            "supplier_no IN (SELECT supplier_no FROM explore_payment_names "
            "WHERE org = ? AND supplier_name_norm = ?)"
        )
        params += [slug, key]
    return " AND ".join(parts), params


def _groups(
    con: Any, slug: str, req: TableRequest, where: str, params: list[Any]
) -> tuple[Match, int, int, int]:
    """The matching groups (by their numbers, or by a query of the groups when more than LIST_LIMIT), their
    payments and the lowest and highest payment numbers."""
    scope, first = _scope(slug, req.value("supplier"), req.value("supplier_key"))
    narrowed = (
        "MATERIALIZED " if len(first) > 1 else ""
    )  # the suppliers first, then their groups' cells
    row = con.execute(
        f"WITH g AS {narrowed}(SELECT * FROM explore_payment_groups WHERE {scope}) "
        "SELECT sum(payments), min(first_pos), max(last_pos), "
        "CASE WHEN count(*) <= ? THEN list(group_no) END "
        f"FROM g WHERE {where}",
        [*first, LIST_LIMIT, *params],
    ).fetchone()
    if not row or not row[0]:
        return ("FALSE", []), 0, 0, -1
    if row[3] is not None:
        match: Match = ("group_no IN (SELECT unnest(?))", [row[3]])
    else:
        match = (
            f"group_no IN (SELECT group_no FROM explore_payment_groups WHERE {scope} AND {where})",
            [*first, *params],
        )
    return match, int(row[0]), int(row[1]), int(row[2])


def _texts(slug: str, kind: str, text: str) -> Match:
    """The numbers of the anchor's distinct texts of a kind that hold `text` (any case)."""
    return (
        "(SELECT text_no FROM explore_payment_texts WHERE org = ? AND kind = ? "
        "AND text ILIKE ? ESCAPE '\\')",
        [slug, kind, like_pattern(text)],
    )


def _search(con: Any, slug: str, text: str) -> Match:
    """The payments a search matches (PAYMENTS.search: the spelling paid, category, service or description
    holds it): matched on the anchor's distinct texts once, then on the payments' numbers of them."""
    found = con.execute(
        "SELECT kind, list(text_no) FROM explore_payment_texts WHERE org = ? "
        "AND text ILIKE ? ESCAPE '\\' GROUP BY kind",
        [slug, like_pattern(text)],
    ).fetchall()
    parts = [(f"{k}_no IN (SELECT unnest(?))", [v]) for k, v in sorted(found)]
    if not parts:
        return "FALSE", []
    return "(" + " OR ".join(p[0] for p in parts) + ")", [v for p in parts for v in p[1]]


def _windows(
    con: Any, table: str, by: str, match: Match, bounds: tuple[int, int], total: int, needed: int
) -> list[int]:
    """The first `needed` matching payments' numbers of the numbering `by` of `table`, in its order: windows
    of it from its lowest number, as wide as the matches' density says (widened when too narrow)."""
    low, high = bounds
    width = max(MIN_WINDOW, SLACK * needed * (high - low + 1) // max(total, 1))
    while True:
        end = min(high, low + width - 1)
        found = [
            int(r[0])
            for r in con.execute(
                f"SELECT {by} FROM {table} WHERE {by} BETWEEN ? AND ? AND {match[0]} "
                f"ORDER BY {by} LIMIT ?",
                [low, end, *match[1], needed],
            ).fetchall()
        ]
        if len(found) >= needed or end >= high:
            return found
        width *= 4


def _anchor_range(con: Any, slug: str) -> tuple[int, int]:
    row = con.execute(
        "SELECT first_pos, payments FROM explore_payment_counts "
        "WHERE org = ? AND financial_year IS NULL",
        [slug],
    ).fetchone()
    return (int(row[0]), int(row[0]) + int(row[1]) - 1) if row else (0, -1)


def read_numbers(
    con: Any, numbers: list[int], table: str = "explore_payments", by: str = "pos"
) -> list[dict[str, Any]]:
    """The payments of these numbers of the numbering `by` of `table` (explore_payments, or the amount
    numbering, which holds the cells a page shows), in this order: a read of their range of numbers (zone maps
    narrow it to their blocks)."""
    if not numbers:
        return []
    cur = con.execute(
        f"SELECT {by} AS no_, {select_sql(PAYMENTS)}, supplier_name_norm AS supplier_key FROM {table} "
        f"WHERE {by} BETWEEN ? AND ? AND {by} IN (SELECT unnest(?))",
        [min(numbers), max(numbers), numbers],
    )
    at = {r.pop("no_"): r for r in records(cur)}
    return [at[n] for n in numbers]


def group_page(
    con: Any, slug: str, req: TableRequest, offset: int | None = None
) -> TablePage | None:
    """A page of the payments under filters their groups or distinct texts answer, or a search (None: the
    request needs a scan). `offset` (the API's) reads `req.per_page` payments from there instead of a page."""
    keys = {k for k, _ in req.filters}
    if (
        not (keys or req.search)
        or keys - GROUP_FILTERS - TEXT_FILTERS
        or SPELLINGS_SEPARATOR in req.value("supplier") + req.search
    ):
        return None
    grouped = replace(
        req, search="", filters=tuple(f for f in req.filters if f[0] in GROUP_FILTERS)
    )
    if grouped.filters:
        where, params = where_sql(PAYMENTS, grouped)
        match, total, low, high = _groups(con, slug, grouped, where, params)
    else:  # every payment of the anchor: its run of numbers
        match, (low, high) = ("TRUE", []), _anchor_range(con, slug)
        total = high - low + 1
    parts = [match] if grouped.filters else []
    if req.search:
        parts.append(_search(con, slug, req.search))
    if req.value("service"):
        sql, sparams = _texts(slug, "service", req.value("service"))
        parts.append((f"service_no IN {sql}", sparams))
    match = (" AND ".join(p[0] for p in parts), [v for p in parts for v in p[1]])
    # Counted on the payments' numbers (the groups count only their own part).
    if total and (req.search or req.value("service")):
        row = con.execute(
            f"SELECT count(*) FROM explore_payments WHERE pos BETWEEN ? AND ? AND {match[0]}",
            [low, high, *match[1]],
        ).fetchone()
        total = int(row[0]) if row else 0
    if offset is None:
        req = replace(req, page=min(req.page, max(1, -(-total // req.per_page))))
        offset = (req.page - 1) * req.per_page
    if offset >= total:
        return TablePage(PAYMENTS, req, [], total)
    needed = offset + req.per_page
    bounds = _anchor_range(con, slug)  # the amount numbering reuses the anchor's run of numbers
    # By amount: windows of the amount numbering (read from it) when many match, or when they would read
    # fewer numbers than sorting the matches reads payments.
    if req.sort in _NUMBERING and (
        total > SORT_LIMIT or SLACK * needed * (bounds[1] - bounds[0] + 1) // total < high - low + 1
    ):
        table, by = "explore_payment_amounts", _NUMBERING[req.sort]
        found = _windows(con, table, by, match, bounds, total, needed)
        return TablePage(PAYMENTS, req, read_numbers(con, found[offset:], table, by), total)
    if req.sort == PAYMENTS.default_sort:  # the numbering's order
        found = _windows(con, "explore_payments", "pos", match, (low, high), total, needed)
    else:
        found = [
            int(r[0])
            for r in con.execute(
                f"SELECT pos FROM explore_payments WHERE pos BETWEEN ? AND ? AND {match[0]} "
                f"ORDER BY {order_sql(PAYMENTS, req)} LIMIT ?",
                [low, high, *match[1], needed],
            ).fetchall()
        ]
    return TablePage(PAYMENTS, req, read_numbers(con, found[offset:]), total)
