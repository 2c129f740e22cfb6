"""A printable PDF of the headline figures, tiers and leakage, drawn with matplotlib (no browser needed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from anchorage.reports.charts import TIER_COLOURS, safe_text
from anchorage.reports.tables import TIER_NAMES, TIER_ORDER, fmt_money, fmt_pct, org_name, org_order

A4 = (8.27, 11.69)


def _table_page(title: str, header: list[str], rows: list[list[str]], subtitle: str = "") -> Figure:
    fig = Figure(figsize=A4)
    fig.text(0.06, 0.95, safe_text(title), fontsize=15, weight="bold")
    if subtitle:
        fig.text(0.06, 0.925, safe_text(subtitle), fontsize=9, color="#505a5f")
    ax = fig.add_axes((0.04, 0.05, 0.92, 0.85))
    ax.axis("off")
    if rows:
        t = ax.table(cellText=[[safe_text(c, 42) for c in r] for r in rows], colLabels=header, loc="upper center",
                     cellLoc="left", colLoc="left")
        t.auto_set_font_size(False)
        t.set_fontsize(7.5)
        t.scale(1, 1.35)
    else:
        ax.text(0, 0.95, "No data.", fontsize=10)
    return fig


def _tier_page(tiers: pd.DataFrame, orgs: list[str], anchors: Mapping[str, str]) -> Figure:
    fig = Figure(figsize=A4)
    fig.text(0.06, 0.95, "Share of spend by tier", fontsize=15, weight="bold")
    ax = fig.add_axes((0.35, 0.45, 0.6, 0.45))
    labels = [safe_text(org_name(o, anchors), 40) for o in orgs]
    left = [0.0] * len(orgs)
    for tier in TIER_ORDER:
        vals = [float(tiers[(tiers["org"] == o) & (tiers["tier"] == tier)]["share"].sum()) for o in orgs]
        ax.barh(labels, vals, left=left, color=TIER_COLOURS[tier], label=TIER_NAMES[tier])
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _p: f"{v:.0%}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.3, -0.08), ncol=3, fontsize=8, frameon=False)
    return fig


def write_pdf(path: Path | str, tables: Mapping[str, pd.DataFrame], *, collaborative: str,
              anchors: Mapping[str, str]) -> Path:
    """Headline totals, tiers (chart and table) and the top leakage categories, one A4 page each."""
    path = Path(path)
    orgs = org_order(tables, anchors)
    totals = tables["totals"].set_index("org")
    head = [[org_name(o, anchors), fmt_money(totals.at[o, "spend"], short=True), fmt_pct(totals.at[o, "local_pct"]),
             fmt_pct(totals.at[o, "deprived20_pct"]), fmt_pct(totals.at[o, "sme_pct_of_known"]),
             fmt_pct(totals.at[o, "vcse_pct_of_known"]), fmt_pct(totals.at[o, "unknown_pct"])]
            for o in orgs if o in totals.index]
    leak = tables["leakage"]
    leak_rows = [[org_name(r.org, anchors), str(r.category), fmt_money(r.non_local_spend, short=True),
                  fmt_pct(r.local_pct)] for r in leak.sort_values("non_local_spend", ascending=False).head(30).itertuples()]
    with PdfPages(path, metadata={"Title": f"{collaborative}: local spend report", "Creator": "Anchorage"}) as pdf:
        pdf.savefig(_table_page(f"{collaborative}: local spend", ["Anchor", "Spend", "Local", "20% most deprived",
                                                                  "SME (known)", "VCSE (known)", "Unknown"], head,
                                f"Generated {datetime.now():%d %B %Y %H:%M}. Definitions: docs/methodology.md."))
        pdf.savefig(_tier_page(tables["tiers"], orgs, anchors))
        pdf.savefig(_table_page("Leakage: categories with the most non-local spend",
                                ["Anchor", "Category", "Non-local spend", "% local"], leak_rows))
    return path
