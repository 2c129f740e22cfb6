"""The pipeline and collaboration opportunities as a section of the main report (aggregates only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from anchorage.contracts.finder import FinderOptions, find_opportunities
from anchorage.contracts.pipeline import pipeline_rows
from anchorage.contracts.timeline import by_quarter
from anchorage.reports.blocks import ReportSection, frame_table, inline_svg
from anchorage.reports.pipeline_out import timeline_chart


def pipeline_section(
    ws: Any, anchors: Mapping[str, str], opts: FinderOptions | None = None
) -> ReportSection | None:
    """Contracts by quarter (chart and table) and the ranked opportunities; None when no contracts are loaded.
    No contract titles or suppliers appear, so the section is safe for every reader of the report."""
    rows = pipeline_rows(ws)
    if not rows:
        return None
    quarters = by_quarter(rows)
    # "transactions" and "*_spend" columns get the report's integer and £ formats; titles name them.
    qdf = pd.DataFrame(
        [
            {
                "quarter": q.quarter,
                "org": q.org,
                "transactions": q.contracts,
                "value_spend": float(q.value),
            }
            for q in quarters
        ]
    )
    found = find_opportunities(ws, opts)
    odf = pd.DataFrame(
        [
            {
                "rank": o.rank,
                "category": o.category,
                "anchors": len(o.anchors),
                "value_spend": float(o.combined_value),
                "why": o.explanation,
            }
            for o in found
        ],
        columns=["rank", "category", "anchors", "value_spend", "why"],
    )
    titles = {
        "transactions": "Contracts",
        "value_spend": "Value (£)",
        "quarter": "Quarter",
        "why": "Why",
        "category": "Category",
    }
    kw: dict[str, Any] = {"anchors": anchors, "titles": titles}
    pairs: list[tuple[Any, Any]] = [
        (
            inline_svg(timeline_chart(quarters, anchors, chart_id="report-pipeline-chart")),
            frame_table(
                qdf,
                ["quarter", "org", "transactions", "value_spend"],
                "Contracts ending or re-procured, by quarter and anchor",
                **kw,
            ),
        ),
        (
            "",
            frame_table(
                odf,
                ["rank", "category", "anchors", "value_spend", "why"],
                f"Contracts to buy together ({len(found)} opportunities)",
                **kw,
            ),
        ),
    ]
    undated = sum(1 for r in rows if r["quarter"] is None)
    notes = (
        [f"{undated} contracts have no end date and are not in the timeline."] if undated else []
    )
    return ReportSection(
        anchor="pipeline",
        title="Contracts pipeline and collaboration opportunities",
        intro=f"{len(rows)} contracts of the anchors, by the quarter they end or are re-procured, and the "
        "categories where two or more anchors re-procure within 18 months of each other (docs/pipeline.md).",
        pairs=pairs,
        notes=notes,
    )
