"""The social value and LM3 section of the main report (HTML) and its tables (XLSX/CSV)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from anchorage.reports.blocks import ReportSection, Section, Table, frame_table, inline_svg, per_org
from anchorage.reports.socialvalue_charts import delivery_chart, lm3_chart
from anchorage.reports.tables import COLLABORATIVE, org_name
from anchorage.socialvalue.framework import load_framework
from anchorage.socialvalue.lm3 import lm3_results
from anchorage.socialvalue.status import social_value_status, visible
from anchorage.workspace import Workspace

VALUE_COLS = ["committed_value", "expected_value", "delivered_value", "delivered_pct"]


def socialvalue_tables(
    ws: Workspace, detail_orgs: set[str] | None = None, as_of: dt.date | None = None
) -> tuple[dict[str, pd.DataFrame], list[str], float]:
    """The report's social value tables (detail only for `detail_orgs`; None: all), notes and threshold."""
    fw = load_framework(ws)
    st = visible(social_value_status(ws, as_of, fw=fw), detail_orgs)
    lm3 = lm3_results(ws, fw)
    tables: dict[str, pd.DataFrame] = {}
    if not st.empty or st.tables:
        for name in ("anchors", "themes", "measures", "years", "suppliers"):
            if name in st.tables:
                tables[f"sv_{name}"] = st.tables[name]
        tables["sv_behind"] = pd.DataFrame(
            [{**b, "reasons": "; ".join(b["reasons"])} for b in st.behind],
            columns=[
                "org",
                "contract_ref",
                "supplier",
                "measured_to",
                "elapsed",
                "committed_value",
                "expected_value",
                "delivered_value",
                "pro_rata_pct",
                "reasons",
            ],
        )
    if not lm3.table.empty:
        tables["lm3"] = lm3.table
    notes = [
        *st.notes,
        f"Social value is measured on {st.as_of:%d %B %Y}; a contract is behind when its "
        f"delivery is below {st.threshold:.0%} of pro-rata delivery to its latest report.",
        f"LM3 round 3 assumes local staff re-spend {fw.staff_local_respend:.0%} and local suppliers "
        f"{fw.supplier_local_respend:.0%} of what they receive locally (see docs/socialvalue.md).",
    ]
    return tables, notes, st.threshold


def socialvalue_section(
    tables: Mapping[str, pd.DataFrame],
    notes: list[str],
    anchors: Mapping[str, str],
    orgs: list[str],
) -> ReportSection | None:
    """The HTML section, or None when there is no social value or LM3 data."""
    if "sv_anchors" not in tables and "lm3" not in tables:
        return None
    kw: dict[str, Any] = {"anchors": anchors}
    whole = org_name(COLLABORATIVE, anchors)
    pairs: list[tuple[Any, Table | None]] = []
    more: list[Table] = []
    if "sv_themes" in tables:
        th = tables["sv_themes"]
        pairs.append(
            (
                inline_svg(delivery_chart(th, org_label=whole)),
                frame_table(
                    th[th["org"] == COLLABORATIVE],
                    ["theme", *VALUE_COLS],
                    f"Social value by theme (£ proxy): {whole}",
                    **kw,
                ),
            )
        )
        pairs.append(
            (
                "",
                frame_table(
                    tables["sv_anchors"],
                    ["org", *VALUE_COLS],
                    "Social value by anchor (£ proxy)",
                    **kw,
                ),
            )
        )
        more += per_org(th, ["theme", *VALUE_COLS], "Social value by theme (£ proxy)", orgs, **kw)
        ms = tables["sv_measures"].round({"committed": 2, "expected": 2, "delivered": 2})
        more.append(
            frame_table(
                ms[ms["org"] == COLLABORATIVE],
                [
                    "measure",
                    "unit",
                    "committed",
                    "expected",
                    "delivered",
                    "committed_value",
                    "delivered_value",
                ],
                f"Social value by measure (units and £): {whole}",
                **kw,
            )
        )
        more.append(
            frame_table(
                tables["sv_years"],
                ["org", "financial_year", "committed_value", "delivered_value", "delivered_pct"],
                "Social value by financial year",
                **kw,
            )
        )
        if not tables["sv_suppliers"].empty:
            more += per_org(
                tables["sv_suppliers"],
                ["supplier", *VALUE_COLS],
                "Social value by supplier",
                orgs,
                sort="committed_value",
                **kw,
            )
        behind = tables["sv_behind"]
        pairs.append(
            (
                "",
                frame_table(
                    behind,
                    ["org", "contract_ref", "supplier", "pro_rata_pct", "reasons"],
                    f"Contracts behind ({len(behind)})",
                    **kw,
                ),
            )
        )
    if "lm3" in tables:
        pairs.append(
            (
                inline_svg(lm3_chart(tables["lm3"], anchors)),
                frame_table(
                    tables["lm3"],
                    ["org", "responses", "round1", "round2", "round3", "lm3"],
                    "Local multiplier (LM3) from supplier re-spend surveys",
                    **kw,
                ),
            )
        )
    return ReportSection(
        anchor="socialvalue",
        title="Social value and local multiplier",
        intro="What suppliers committed to deliver for the area, what they have delivered (valued with the "
        "framework's £ proxies), the contracts that are behind, and how much of each £ the anchors spend "
        "is re-spent locally (NEF's LM3).",
        pairs=pairs,
        more=Section("More social value tables", more) if more else None,
        notes=notes,
    )
