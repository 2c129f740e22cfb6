"""The resolved suppliers as one table (access/table.py): each supplier record of the anchors whose detail the
viewer sees, with its register entry and spend, paged, sorted, filtered and exported from the URL."""

from __future__ import annotations

from typing import Any

from anchorage.access import explore_queries
from anchorage.access.gate import Viewer
from anchorage.access.table import (
    YES_NO_UNKNOWN,
    Column,
    TablePage,
    TableRequest,
    TableSpec,
    sql_page,
    sql_rows,
    yes_no_sql,
)
from anchorage.workspace import Workspace

ENTRY_SQL = (
    "CASE r.register_source WHEN 'companies_house' THEN 'Company number ' || r.register_id "
    "WHEN 'charity_commission' THEN 'Charity number ' || r.register_id ELSE r.register_id END"
)
RESOLVED = TableSpec(
    name="Resolved suppliers",
    columns=(
        Column("supplier", "Supplier as given", sql="r.supplier_name", filter="contains"),
        Column("anchor", "Anchor", "anchor", sql="r.org", filter="equals"),
        Column("register_name", "Register entity", sql="r.register_name", filter="contains"),
        Column("entry", "Register entry", sql=ENTRY_SQL, sortable=False),
        Column("sector", "Sector", sql="r.sector", filter="contains"),
        Column(
            "sme", "SME", sql=yes_no_sql("r.register_sme"), filter="equals", choices=YES_NO_UNKNOWN
        ),
        Column(
            "vcse",
            "VCSE",
            sql=yes_no_sql("r.register_vcse"),
            filter="equals",
            choices=YES_NO_UNKNOWN,
        ),
        Column("warning", "Warning", sql="r.warning"),
        Column("matched", "How matched", sql="coalesce(r.method, 'not matched')", filter="equals"),
        Column("spend", "Spend", "money", sql="coalesce(t.spend, 0)"),
    ),
    default_sort="-spend",
    tie=("r.org", "r.record_id"),
    search=("r.supplier_name", "r.register_name", "r.register_id"),
)
SOURCE = (
    "supplier_resolution r LEFT JOIN explore_suppliers t ON t.org = r.org "
    "AND t.supplier_name_norm = r.supplier_name_norm AND t.financial_year IS NULL"
)
EXTRA = "r.register_source AS register_source, r.register_id AS register_id, r.supplier_name_norm AS supplier_key"


def _scope(viewer: Viewer) -> tuple[str, list[Any]]:
    orgs = sorted(viewer.detail_orgs)
    return f"r.org IN ({', '.join('?' for _ in orgs)})", orgs


def page(ws: Workspace, viewer: Viewer, req: TableRequest) -> TablePage:
    """One page of the resolved supplier records the viewer may see (none for a viewer without detail)."""
    if not viewer.detail_orgs:
        return TablePage(RESOLVED, req, [], 0)
    with explore_queries.reader(
        ws
    ) as con:  # the tables the figures refresh built; pages never build them
        return sql_page(con, RESOLVED, req, SOURCE, _scope(viewer), extra=EXTRA)


def rows(ws: Workspace, viewer: Viewer, req: TableRequest) -> list[dict[str, Any]]:
    """Every row the request matches, for the CSV/XLSX export."""
    if not viewer.detail_orgs:
        return []
    with explore_queries.reader(ws) as con:
        return sql_rows(con, RESOLVED, req, SOURCE, _scope(viewer))
