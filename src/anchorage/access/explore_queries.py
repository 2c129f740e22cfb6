"""The supplier explorer, an anchor's payments and one supplier's page, read from the explore tables
(procurement/explore.py) through the gate: only anchors whose detail the viewer may see, every value bound.

The tables are the last ones the figures refresh job built: a page reads them and never builds them (before
the first build it says the figures are being worked out, as a dashboard does)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from anchorage.access.committed import FiguresPending
from anchorage.access.explore_filtered import group_page
from anchorage.access.explore_specs import (
    CATEGORY_FILTERS,
    FLAT_FILTERS,
    PAYMENTS,
    SUPPLIERS,
    SUPPLIERS_BY_CATEGORY,
    SUPPLIERS_FLAT,
)
from anchorage.access.gate import Viewer, refuse
from anchorage.access.read_cache import READS
from anchorage.access.table import (
    TablePage,
    TableRequest,
    TableSpec,
    records,
    select_sql,
    sql_page,
    sql_rows,
)
from anchorage.procurement import explore
from anchorage.workspace import Workspace


@contextmanager
def reader(ws: Workspace) -> Iterator[Any]:
    """A read-only cursor on the last explore tables built; FiguresPending before the first build."""
    with ws.warehouse(read_only=True) as con:
        # Asked of the catalogue once a warehouse write, not on every page: the look cost a page several ms.
        if not READS.get(ws, "explore built", lambda: explore.ready(con)):
            raise FiguresPending(
                "The figures are being worked out for the first time.",
                fix="Try again in a minute or two.",
            )
        yield con


def _marks(orgs: list[Any]) -> str:
    return ", ".join("?" for _ in orgs)


def payments(ws: Workspace, viewer: Viewer, org: str, req: TableRequest) -> TablePage:
    """One page of an anchor's payments (detail: gated)."""
    anchor = ws.config.anchor(org)
    slug = anchor.slug
    viewer.require_detail(slug, anchor.name)
    with reader(ws) as con:
        page = (
            _default_order_page(con, slug, req)
            or group_page(con, slug, req)
            or sql_page(
                con,
                PAYMENTS,
                req,
                "explore_payments",
                ("org = ?", [slug]),
                extra="supplier_name_norm AS supplier_key",
            )
        )
        page.extra["categories"] = categories(ws, con, [slug])
        _ward_label(con, page)
    return page


_NUMBERED = {  # sorts whose order is stored as a numbering (procurement/explore.py): column to read pos from
    "-payment_date": None,
    "-amount": "by_amount_desc",
    "amount": "by_amount_asc",
}


def _default_order_page(con: Any, slug: str, req: TableRequest) -> TablePage | None:
    """The newest payments first (all or of one year), or every payment by amount: a range of a stored
    numbering (no sort, no count, nothing that grows with the payments)."""
    filters = {k for k, _ in req.filters}
    if req.search or req.sort not in _NUMBERED or filters - {"year"}:
        return None
    by = _NUMBERED[req.sort]
    year = req.value("year")
    if year and by is not None:  # the amount numbering is of every year
        return None
    row = con.execute(
        "SELECT payments, first_pos FROM explore_payment_counts WHERE org = ? AND "
        + ("financial_year = ?" if year else "financial_year IS NULL"),
        [slug, *([int(year[:4])] if year else [])],
    ).fetchone()
    total, first = (int(row[0]), int(row[1])) if row else (0, 0)
    req = replace(req, page=min(req.page, max(1, -(-total // req.per_page))))
    start = first + (req.page - 1) * req.per_page
    end = min(start + req.per_page, first + total) - 1
    cols = f"{select_sql(PAYMENTS)}, supplier_name_norm AS supplier_key"
    if by is None:
        cur = con.execute(
            f"SELECT {cols} FROM explore_payments WHERE pos BETWEEN ? AND ? ORDER BY pos",
            [start, end],
        )
        return TablePage(PAYMENTS, req, records(cur), total)
    cur = con.execute(  # the amount numbering holds the cells a page shows: one range read
        f"SELECT {cols} FROM explore_payment_amounts WHERE {by} BETWEEN ? AND ? ORDER BY {by}",
        [start, end],
    )
    return TablePage(PAYMENTS, req, records(cur), total)


def years(ws: Workspace) -> list[tuple[str, str]]:
    """The financial years with payments, newest first, as (2024-25, 2024-25) choices (from the explore
    tables: a page's year picker never scans the payments)."""
    with reader(ws) as con:
        found = [
            int(r[0])
            for r in con.execute(
                "SELECT DISTINCT financial_year FROM explore_payment_counts "
                "WHERE financial_year IS NOT NULL ORDER BY 1 DESC"
            ).fetchall()
        ]
    return [(f"{y}-{(y + 1) % 100:02d}",) * 2 for y in found]


def categories(ws: Workspace, con: Any, orgs: list[str]) -> list[str]:
    """The categories these anchors' payments name (the category filter's choices), read once a warehouse write
    (every page of the explorer and payments shows them)."""
    return READS.get(
        ws,
        ("explore categories", tuple(orgs)),
        lambda: [
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT category FROM explore_categories WHERE org IN ({_marks(orgs)}) "
                "ORDER BY 1",
                orgs,
            ).fetchall()
        ],
    )


def _ward_label(con: Any, page: TablePage) -> None:
    """The name of a ward filtered on (from a dashboard link), for the page to show instead of its code."""
    code = page.request.value("ward")
    if code:
        row = con.execute(
            "SELECT name FROM areas WHERE kind = 'ward' AND code = ? LIMIT 1", [code]
        ).fetchone()
        page.extra["ward_names"] = {code: str(row[0]) if row else "a ward without a loaded name"}


def payment_rows(
    ws: Workspace, viewer: Viewer, org: str, req: TableRequest
) -> list[dict[str, Any]]:
    anchor = ws.config.anchor(org)
    slug = anchor.slug
    viewer.require_detail(slug, anchor.name)
    with reader(ws) as con:
        return sql_rows(con, PAYMENTS, req, "explore_payments", ("org = ?", [slug]))


def _supplier_scope(viewer: Viewer) -> tuple[str, list[Any]]:
    orgs = sorted(viewer.detail_orgs)
    return f"s.org IN ({_marks(orgs)}) AND NOT s.is_redacted", list(orgs)


SUPPLIER_SOURCE = "explore_spend s JOIN explore_names n USING (org, supplier_name_norm)"


def _explorer(viewer: Viewer, req: TableRequest) -> tuple[TableSpec, str, tuple[str, list[Any]]]:
    """A table of one row per supplier and anchor when the filters allow it: explore_suppliers, or
    explore_category_suppliers for a category or exclusion filter; else spend grouped per supplier."""
    orgs = sorted(viewer.detail_orgs)
    keys = {k for k, _ in req.filters}
    unset = [c for c, k in _EVERY if not req.value(k)]
    if keys <= FLAT_FILTERS:
        year = "" if req.value("year") else " AND financial_year IS NULL"
        return SUPPLIERS_FLAT, "explore_suppliers", (f"org IN ({_marks(orgs)}){year}", list(orgs))
    if keys <= CATEGORY_FILTERS:
        every = "".join(f" AND {c} IS NULL" for c in unset)
        return (
            SUPPLIERS_BY_CATEGORY,
            "explore_category_suppliers",
            (f"org IN ({_marks(orgs)}){every}", list(orgs)),
        )
    return SUPPLIERS, SUPPLIER_SOURCE, _supplier_scope(viewer)


_EVERY = (
    ("financial_year", "year"),
    ("category", "category"),
    ("counted", "counted"),
)  # NULL: every one


_RANKS = {
    "-spend": "spend_rank",
    "-payments": "payments_rank",
}  # stored numberings of explore_suppliers and explore_category_suppliers
_RANKED = frozenset({"year", "category", "counted"})


def _ranked_page(con: Any, viewer: Viewer, req: TableRequest) -> TablePage | None:
    """One anchor's suppliers by spend or payments, biggest first (of every year or one, of a category and
    those counted or left out or not): a range of a stored numbering (procurement/explore.py), read without
    sorting."""
    keys = {k for k, _ in req.filters}
    if len(viewer.detail_orgs) != 1 or req.search or req.sort not in _RANKS or keys - _RANKED:
        return None
    (org,) = viewer.detail_orgs
    year, category, counted = req.value("year"), req.value("category"), req.value("counted")
    if counted not in ("", "yes", "no"):
        return None  # matches nothing: the general path says so
    scope = "org = ? AND " + ("financial_year = ?" if year else "financial_year IS NULL")
    params: list[Any] = [org, *([int(year[:4])] if year else [])]
    table = "explore_suppliers"
    if keys & {"category", "counted"}:
        table = "explore_category_suppliers"
        scope += " AND " + ("category = ?" if category else "category IS NULL")
        scope += " AND " + ("counted = ?" if counted else "counted IS NULL")
        params += [*([category] if category else []), *([counted == "yes"] if counted else [])]
    row = con.execute(f"SELECT count(*) FROM {table} WHERE {scope}", params).fetchone()
    total = int(row[0]) if row else 0
    req = replace(req, page=min(req.page, max(1, -(-total // req.per_page))))
    start = (req.page - 1) * req.per_page + 1
    cur = con.execute(
        f"SELECT {select_sql(SUPPLIERS_FLAT)}, supplier_name_norm AS supplier_key FROM {table} "
        f"WHERE {scope} AND {_RANKS[req.sort]} BETWEEN ? AND ? ORDER BY {_RANKS[req.sort]}",
        [*params, start, start + req.per_page - 1],
    )
    return TablePage(SUPPLIERS_FLAT, req, records(cur), total)


def suppliers(ws: Workspace, viewer: Viewer, req: TableRequest) -> TablePage:
    """Supplier explorer: suppliers of the anchors whose detail the viewer may see, one row per anchor."""
    if not viewer.detail_orgs:
        return TablePage(SUPPLIERS, req, [], 0)
    spec, source, scope = _explorer(viewer, req)
    key = "s.supplier_name_norm" if spec is SUPPLIERS else "supplier_name_norm"
    with reader(ws) as con:
        page = _ranked_page(con, viewer, req) or sql_page(
            con, spec, req, source, scope, extra=f"{key} AS supplier_key"
        )
        page.extra["categories"] = categories(ws, con, sorted(viewer.detail_orgs))
        _ward_label(con, page)
    page.spec = SUPPLIERS  # the page offers every filter, whichever table answered
    return page


def supplier_rows(ws: Workspace, viewer: Viewer, req: TableRequest) -> list[dict[str, Any]]:
    if not viewer.detail_orgs:
        return []
    spec, source, scope = _explorer(viewer, req)
    with reader(ws) as con:
        return sql_rows(con, spec, req, source, scope)


@dataclass
class SupplierPage:
    key: str
    name: str
    by_anchor: list[dict[str, Any]]
    by_year: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    registers: list[dict[str, Any]] = field(default_factory=list)
    places: list[dict[str, Any]] = field(default_factory=list)


def _rows(con: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def supplier(ws: Workspace, viewer: Viewer, key: str) -> SupplierPage:
    """One supplier across the anchors whose detail the viewer may see. A supplier none of them pays is
    refused exactly as one that does not exist."""
    key = key.strip()[:200]
    orgs = sorted(viewer.detail_orgs)
    if not orgs or not key:
        refuse(ws, viewer, "supplier", key, "no detail" if key else "empty")
    marks, both = _marks(orgs), [*orgs, key]
    where = f"org IN ({marks}) AND supplier_name_norm = ?"
    with reader(ws) as con:
        by_anchor = _rows(
            con,
            f"SELECT org, sum(spend) AS spend, sum(payments) AS payments, "
            f"sum(spend) FILTER (WHERE counted) AS counted_spend, max(last_paid) AS last_paid "
            f"FROM explore_spend WHERE {where} GROUP BY org ORDER BY spend DESC, org",
            both,
        )
        if not by_anchor:
            refuse(ws, viewer, "supplier", key, "not paid by a visible anchor")
        name_row = con.execute(
            f"SELECT supplier_name FROM explore_names WHERE {where} ORDER BY org LIMIT 1", both
        ).fetchone()
        by_year = _rows(
            con,
            f"SELECT financial_year, sum(spend) AS spend, sum(payments) AS payments "
            f"FROM explore_spend WHERE {where} GROUP BY 1 ORDER BY 1 DESC",
            both,
        )
        by_category = _rows(
            con,
            f"SELECT category, sum(spend) AS spend, sum(payments) AS payments "
            f"FROM explore_spend WHERE {where} GROUP BY 1 ORDER BY spend DESC, category NULLS LAST",
            both,
        )
        registers = _rows(
            con,
            f"""
            SELECT DISTINCT source, ref FROM (
                SELECT register_source AS source, register_id AS ref FROM supplier_resolution
                WHERE {where} AND register_id IS NOT NULL
                UNION ALL
                SELECT 'companies_house', company_number FROM spend_suppliers JOIN spend_uploads USING (upload_no)
                WHERE {where} AND company_number IS NOT NULL
                UNION ALL
                SELECT 'charity_commission', charity_number FROM spend_suppliers JOIN spend_uploads USING (upload_no)
                WHERE {where} AND charity_number IS NOT NULL
                UNION ALL
                SELECT 'companies_house', company_number FROM supplier_profile WHERE {where}
                    AND company_number IS NOT NULL
                UNION ALL
                SELECT 'charity_commission', charity_number FROM supplier_profile WHERE {where}
                    AND charity_number IS NOT NULL)
            ORDER BY source, ref""",
            both * 5,
        )
        places = _rows(
            con,
            f"""
            SELECT p.org, p.place_tier AS tier, p.ward, w.name AS ward_name, b.name AS borough_name,
                   coalesce(sp.postcode, r.registered_postcode) AS postcode
            FROM explore_places p
            LEFT JOIN supplier_profile sp ON sp.org = p.org AND sp.supplier_name_norm = p.supplier_name_norm
            LEFT JOIN supplier_resolution r ON r.org = p.org AND r.supplier_name_norm = p.supplier_name_norm
            LEFT JOIN areas w ON w.kind = 'ward' AND w.code = p.ward
            LEFT JOIN areas b ON b.code = w.parent
            WHERE p.org IN ({marks}) AND p.supplier_name_norm = ?
            ORDER BY p.org""",
            both,
        )
    return SupplierPage(
        key,
        str(name_row[0]) if name_row else key,
        by_anchor,
        by_year,
        by_category,
        registers,
        places,
    )
