"""Which contracts become public opportunity notices (docs/opportunities.md), from the contracts pipeline.

- A published notice (OCDS, `is_public`) at the planning or tender stage counts while one of its dates
  (expected procurement start, bid deadline, contract start) is today or later.
- A published contract already awarded counts as an upcoming re-procurement when its end (with every
  extension) falls within the horizon (24 months by default): the new contract would start the day after,
  and its tender is expected `LEAD_MONTHS` before that (an estimate, and labelled so).
- An anchor's own contract register is row-level detail: its rows count, by the same rules, only while the
  anchor's admin has marked its pipeline public (`set_pipeline_public`).
A register row that repeats a published process (its ocid, or its reference being that ocid) is shown once,
from the published notice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from anchorage.contracts.categories import load_category_map
from anchorage.contracts.finder import add_months, annual_value
from anchorage.contracts.pipeline import pipeline_rows
from anchorage.opportunities.notices import OTHER, Notice
from anchorage.store.opportunities_records import PipelinePublication
from anchorage.workspace import Workspace

HORIZON_MONTHS = 24
LEAD_MONTHS = 6


def public_pipelines(ws: Workspace) -> set[str]:
    """The anchors (slugs) that have marked their own pipeline public."""
    with ws.session() as s:
        return set(s.scalars(select(PipelinePublication.org).where(PipelinePublication.public)))


def set_pipeline_public(ws: Workspace, org: str, public: bool, by: str) -> None:
    """Record an anchor's choice to publish (or stop publishing) its register's upcoming contracts."""
    slug = ws.config.anchor(org).slug
    with ws.session() as s:
        row = s.get(PipelinePublication, slug) or PipelinePublication(org=slug)
        row.public, row.changed_by, row.changed_at = public, by, dt.datetime.now(dt.UTC)
        s.add(row)
        s.commit()


def _notice(
    row: dict[str, Any], buyer: str, category: str, today: dt.date, horizon: dt.date
) -> Notice | None:
    base = {
        "key": row["contract_key"],
        "title": row["title"],
        "buyer": buyer,
        "org": row["org"],
        "category": category,
        "value": row["value"],
        "description": row["description"] or "",
        "link": row["source_url"],
        "annual_value": annual_value(row),
    }
    if row["stage"] in ("planning", "tender"):
        dates = {
            "expected_tender": row["procurement_start"],
            "deadline": row["tender_deadline"],
            "contract_start": row["start_date"],
        }
        if not any(d is not None and d >= today for d in dates.values()):
            return None
        if (
            row["stage"] == "tender"
            and row["tender_deadline"] is not None
            and row["tender_deadline"] < today
        ):
            return None  # bids have closed
        return Notice(stage=row["stage"], **dates, **base)
    end = row["end_date_max"] or row["end_date"]
    if end is None or not today <= end <= horizon:
        return None
    start = end + dt.timedelta(days=1)
    return Notice(
        stage="reprocurement",
        expected_tender=max(add_months(start, -LEAD_MONTHS), today),
        contract_start=start,
        **base,
    )


def public_notices(
    ws: Workspace, *, today: dt.date | None = None, horizon_months: int = HORIZON_MONTHS
) -> list[Notice]:
    """Every contract that counts as a public opportunity today, as a notice."""
    today = today or dt.date.today()
    horizon = add_months(today, horizon_months)
    published = public_pipelines(ws)
    names = {a.slug: a.name for a in ws.config.anchors}
    cmap = load_category_map(ws.root)
    rows = [r for r in pipeline_rows(ws) if r["is_public"] or r["org"] in published]
    public_ocids = {r["ocid"] for r in rows if r["is_public"] and r["ocid"]}
    out: list[Notice] = []
    for r in rows:
        if not r["is_public"] and {r["ocid"], r["reference"]} & public_ocids:
            continue
        category = cmap.category_of(r["cpv"], r["proclass"], r["category"]) or OTHER
        notice = _notice(r, names.get(r["org"], r["org"]), category, today, horizon)
        if notice is not None:
            out.append(notice)
    return out
