"""The pipeline: every anchor's contracts, with the dates that say when each is re-procured.

`pipeline_rows` is the one documented read function other packages use (e.g. the public opportunities
page); its row keys are stable. Definitions in docs/pipeline.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from anchorage.workspace import Workspace

# The keys of every row `pipeline_rows` returns, in order (stable: other packages read them by name).
PIPELINE_COLUMNS = (
    "org",
    "contract_key",
    "ocid",
    "reference",
    "title",
    "description",
    "buyer_name",
    "supplier_name",
    "supplier_name_norm",
    "supplier_id",
    "supplier_postcode",
    "value",
    "currency",
    "start_date",
    "end_date",
    "end_date_max",
    "extension_options",
    "category",
    "cpv",
    "proclass",
    "stage",
    "status",
    "tender_deadline",
    "procurement_start",
    "award_date",
    "source_url",
    "is_public",
    "source",
    "upload_id",
)


@dataclass
class PipelineFilter:
    """Which contracts to show; every field is optional (None = no filter)."""

    orgs: list[str] | None = None
    cpv_prefix: str | None = None  # e.g. "5552" = CPV group 555 2… (catering services)
    category: str | None = None  # the anchor's own category text, case-insensitive substring
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    ending_from: date | None = None  # re-procurement date (see `reprocurement_date`) on or after
    ending_to: date | None = None  # … and on or before
    public_only: bool = False  # only rows published openly (OCDS from public notices)


def reprocurement_date(row: dict[str, Any]) -> date | None:
    """When the contract is next procured: a planned procurement start, else a tender deadline still to come
    for a process not yet awarded, else the end date including extensions, else the end date."""
    if row["stage"] in ("planning", "tender") and (
        row["procurement_start"] or row["tender_deadline"]
    ):
        return row["procurement_start"] or row["tender_deadline"]
    return row["end_date_max"] or row["end_date"]


def quarter_of(day: date) -> str:
    """Calendar quarter label, e.g. 2026-Q3."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def _where(f: PipelineFilter) -> tuple[str, list[Any]]:
    sql: list[str] = ["1 = 1"]
    args: list[Any] = []
    if f.orgs:
        sql.append(f"org IN ({', '.join('?' for _ in f.orgs)})")
        args += f.orgs
    if f.cpv_prefix:
        sql.append("starts_with(cpv, ?)")
        args.append(f.cpv_prefix)
    if f.category:
        sql.append("contains(lower(coalesce(category, '')), lower(?))")
        args.append(f.category)
    if f.min_value is not None:
        sql.append("value >= ?")
        args.append(f.min_value)
    if f.max_value is not None:
        sql.append("value <= ?")
        args.append(f.max_value)
    if f.public_only:
        sql.append("is_public")
    return " AND ".join(sql), args


def pipeline_rows(ws: Workspace, flt: PipelineFilter | None = None) -> list[dict[str, Any]]:
    """Every loaded contract as a plain dict (keys: PIPELINE_COLUMNS plus `reprocure_date` and `quarter`),
    soonest re-procurement first. Rows are anchor-level detail: callers gate them (`viewer.sees_detail`)
    unless `is_public`."""
    flt = flt or PipelineFilter()
    where, args = _where(flt)
    with ws.warehouse(read_only=True) as con:
        cur = con.execute(
            f"SELECT {', '.join(PIPELINE_COLUMNS)} FROM contracts WHERE {where}", args
        )
        rows = [dict(zip(PIPELINE_COLUMNS, r, strict=True)) for r in cur.fetchall()]
    out = []
    for row in rows:
        when = reprocurement_date(row)
        if flt.ending_from and (when is None or when < flt.ending_from):
            continue
        if flt.ending_to and (when is None or when > flt.ending_to):
            continue
        row["reprocure_date"] = when
        row["quarter"] = quarter_of(when) if when else None
        out.append(row)
    out.sort(
        key=lambda r: (
            r["reprocure_date"] is None,
            r["reprocure_date"] or date.max,
            r["org"],
            r["title"],
        )
    )
    return out
