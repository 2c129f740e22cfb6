"""The query layer the web and API read through: every function takes the Viewer and applies the gate.

Aggregates (tiles, tiers, deprivation, categories, trend, wards) of every anchor are open to every signed-in
user; per-anchor supplier lists, transactions, uploads and quarantine rows pass `Viewer.require_detail`.
The analysis is the last committed one (access/committed.py): a request never works it out.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from anchorage.access.gate import Viewer, refuse
from anchorage.core.scope import COLLABORATIVE
from anchorage.store.records import Upload
from anchorage.store.suppliers_records import SupplierDecision
from anchorage.workspace import Workspace

# The analysis (pandas, Ibis) and the import kinds load in the functions that read them, so that a caller
# reading an upload's record does not pay for them (issue 18).
if TYPE_CHECKING:
    import duckdb
    import pandas as pd

    from anchorage.procurement.analysis import AnalysisResult

DETAIL_TABLES = (
    "top_suppliers",
)  # per-anchor rows of these tables name suppliers: detail, not aggregate


def _records(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def data_version(ws: Workspace) -> str:
    """Changes whenever an upload is loaded or replaced, a supplier review decision is made or withdrawn
    (decisions change matched spend and enrichment), or anything writes the warehouse (e.g. `anchorage
    suppliers resolve` on the command line): the analysis cache key. A read: it never builds anything."""
    with ws.session() as s:
        rows = s.execute(select(Upload.id, Upload.status).order_by(Upload.id)).all()
        decided = s.execute(
            select(SupplierDecision.id)
            .where(SupplierDecision.active.is_(True))
            .order_by(SupplierDecision.created_at, SupplierDecision.id)
        ).all()
    written = ws.warehouse_version()  # this process's writes, and another's by the files' times
    return hashlib.sha256(repr((rows, decided, written)).encode()).hexdigest()[:16]


def full_analysis(ws: Workspace) -> AnalysisResult:
    """The committed analysis of every year (FiguresPending before the first refresh has committed)."""
    from anchorage.access import committed

    result = committed.required(ws).of_year(None)
    assert result is not None, "a committed run always has every year's analysis"
    return result


def gated(result: AnalysisResult, viewer: Viewer, all_orgs: set[str]) -> AnalysisResult:
    """The analysis with other anchors' detail removed (unless shared with the viewer).

    Per-anchor supplier rows need detail access. In the collaborative's supplier list, a supplier used by
    one anchor only would reveal that anchor's supplier, so it is shown only to viewers who see every
    anchor's detail; suppliers shared by two or more anchors are the collaborative's common ground.
    """
    from anchorage.procurement.analysis import AnalysisResult

    sees_all = all_orgs <= viewer.detail_orgs
    tables = {}
    for name, df in result.tables.items():
        if name in DETAIL_TABLES:
            whole = df["org"].eq(COLLABORATIVE)
            keep = (whole & (df["anchors"].ge(2) | sees_all)) | df["org"].isin(viewer.detail_orgs)
            df = df[keep].reset_index(drop=True)
        tables[name] = df
    return AnalysisResult(tables=tables, options=result.options)


def analysis(ws: Workspace, viewer: Viewer) -> AnalysisResult:
    return gated(full_analysis(ws), viewer, {a.slug for a in ws.config.anchors})


@dataclass
class Dashboard:
    org: str  # an anchor slug or "collaborative"
    label: str
    tiles: dict[str, float | None]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    detail_visible: bool = False


TILES = {
    "spend": "Total spend",
    "local_pct": "Local",
    "deprived20_pct": "In the 20% most deprived areas",
    "sme_pct_of_known": "SME (of known)",
    "vcse_pct_of_known": "VCSE (of known)",
    "matched_pct": "Matched to a register",
    "unmatched_spend": "Not matched to a register",
}


def dashboard(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> Dashboard:
    import pandas as pd

    if org != COLLABORATIVE:
        ws.config.anchor(org)  # unknown anchors are a plain error, not an empty page
    result = analysis(ws, viewer)
    mine = {
        name: df[df["org"] == org].drop(columns="org").reset_index(drop=True)
        for name, df in result.tables.items()
    }
    row = mine["totals"].iloc[0] if len(mine["totals"]) else None
    tiles = {k: (None if row is None or pd.isna(row[k]) else float(row[k])) for k in TILES}
    label = "Whole collaborative" if org == COLLABORATIVE else ws.config.anchor(org).name
    return Dashboard(org, label, tiles, mine, org == COLLABORATIVE or viewer.sees_detail(org))


def benchmark(ws: Workspace, viewer: Viewer) -> pd.DataFrame:
    """Anchor against anchor on the headline shares (aggregates only)."""
    totals = analysis(ws, viewer).tables["totals"]
    cols = [
        "org",
        "spend",
        "suppliers",
        "local_pct",
        "deprived20_pct",
        "sme_pct_of_known",
        "vcse_pct_of_known",
        "unknown_pct",
    ]
    return totals[cols].reset_index(drop=True)


API_PAYMENT_KEYS = {  # the API's names for the payments page's columns (stable: /api/v1)
    "payment_date": "payment_date",
    "supplier_name": "supplier",
    "amount": "amount",
    "category": "category",
    "service": "service",
    "transaction_id": "transaction_id",
}


def transactions(
    ws: Workspace, viewer: Viewer, org: str, *, search: str = "", limit: int = 100, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """One anchor's payments, newest first (detail: gated), from the explore tables the refresh job built: the
    payments page's reads (a range of their numbering; a search matched as the page matches it), so a call
    costs the same at any size and finds what the page finds."""
    from anchorage.access import explore_queries
    from anchorage.access.explore_filtered import group_page, read_numbers
    from anchorage.access.explore_specs import PAYMENTS
    from anchorage.access.table import TableRequest

    anchor = ws.config.anchor(org)
    slug = anchor.slug
    viewer.require_detail(slug, anchor.name)
    with explore_queries.reader(ws) as con:
        if search:
            req = TableRequest(search=search, sort=PAYMENTS.default_sort, per_page=limit)
            page = group_page(con, slug, req, offset=offset)
            rows, total = (page.rows, page.total) if page else ([], 0)
        else:
            row = con.execute(
                "SELECT payments, first_pos FROM explore_payment_counts WHERE org = ? "
                "AND financial_year IS NULL",
                [slug],
            ).fetchone()
            total, first = (int(row[0]), int(row[1])) if row else (0, 0)
            numbers = range(first + offset, first + min(total, offset + limit))
            rows = read_numbers(con, list(numbers))
    return [{k: r[v] for k, v in API_PAYMENT_KEYS.items()} for r in rows], total


def suppliers(
    ws: Workspace, viewer: Viewer, *, search: str = "", limit: int = 50
) -> list[dict[str, Any]]:
    """Supplier explorer: suppliers of the anchors whose detail the viewer may see, with spend per anchor (the
    explore tables' every-year rows: the name shown is the one on most payments, procurement/explore.py)."""
    from anchorage.access import explore_queries

    orgs = sorted(viewer.detail_orgs)
    if not orgs:
        return []
    marks = ", ".join("?" for _ in orgs)
    with explore_queries.reader(ws) as con:
        cur = con.execute(
            f"SELECT supplier_name AS supplier, supplier_name_norm AS key, org, spend, payments, last_paid "
            f"FROM explore_suppliers WHERE org IN ({marks}) AND financial_year IS NULL AND supplier_name ILIKE ? "
            f"ORDER BY spend DESC, key, org LIMIT ?",
            [*orgs, f"%{search}%", limit],
        )
        return _records(cur)


def uploads(ws: Workspace, viewer: Viewer, org: str) -> Sequence[Upload]:
    anchor = ws.config.anchor(org)
    slug = anchor.slug
    viewer.require_detail(slug, anchor.name)
    with ws.session() as s:
        return s.scalars(
            select(Upload).where(Upload.org == slug).order_by(Upload.created_at.desc())
        ).all()


def upload(ws: Workspace, viewer: Viewer, upload_id: str) -> Upload:
    with ws.session() as s:
        row = s.get(Upload, upload_id[:64])
    if row is None or not viewer.sees_detail(row.org):
        refuse(ws, viewer, "upload", upload_id, "missing" if row is None else f"of {row.org}")
    return row


def personal(kind: str) -> bool:
    """A kind of file that is personal data (the import-kind registry's `personal` flag: a staff extract, the
    workforce files naming people): no raw copy is kept and its quarantined rows' content is never shown."""
    from anchorage.ingest import kinds
    from anchorage.workforce import imports as _workforce_kinds  # noqa: F401  (registers its personal kinds)

    found = kinds.REGISTRY.get(kind)
    return found is not None and found.personal


def quarantine_rows(ws: Workspace, viewer: Viewer, upload_id: str) -> list[dict[str, Any]]:
    """An upload's quarantined rows. For a staff extract (personal data) the row's content is never
    shown, and values quoted in a reason are replaced: row, line, column and reason are enough to fix it."""
    up = upload(ws, viewer, upload_id)
    with ws.warehouse(read_only=True) as con:  # a reader: never waits for a load
        # fixed_by: the later upload (a fix workbook) that loaded the row (ingest/quarantine_fix.py)
        cur = con.execute(
            "SELECT source_file, sheet, row_no, line_no, column_name, reason, amount, raw, "
            "(SELECT any_value(f.fix_upload_id) FROM quarantine_fixes f WHERE f.original_upload_id "
            "= q.upload_id AND f.original_row_no = coalesce(q.row_no, -q.line_no, 0) AND f.loaded) AS fixed_by "
            "FROM quarantine q WHERE upload_id = ? ORDER BY row_no",
            [up.id],
        )
        rows = _records(cur)
    if personal(up.kind):
        for r in rows:
            r["raw"] = None
            r["reason"] = re.sub(r'"[^"]*"', "(value not shown)", r["reason"] or "")
    return rows
