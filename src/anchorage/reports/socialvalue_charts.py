"""Social value and LM3 charts: accessible inline SVG, each shown with its table."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter

from anchorage.reports.charts import (
    RC,
    axis_money,
    chart_title,
    figure_to_svg,
    new_figure,
    safe_text,
    wrap_label,
)
from anchorage.reports.tables import COLLABORATIVE, fmt_money, org_name

SERIES = (
    ("committed_value", "Committed", "#B3D3EA"),
    ("expected_value", "Expected by now (pro-rata)", "#56B4E9"),
    ("delivered_value", "Delivered", "#0072B2"),
)


def delivery_chart(
    themes: pd.DataFrame,
    org: str = COLLABORATIVE,
    *,
    org_label: str = "Whole collaborative",
    chart_id: str = "sv-theme-chart",
) -> str:
    """Committed, pro-rata expected and delivered £ proxy value by theme, as grouped horizontal bars."""
    rows = themes[themes["org"].astype(str) == org] if not themes.empty else themes
    if rows.empty:
        return ""
    rows = rows.sort_values("committed_value")
    labels = [wrap_label(t) for t in rows["theme"]]
    title = f"Social value committed and delivered by theme: {org_label}"
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.8 + 0.75 * len(rows))
        ax = fig.add_subplot()
        y = np.arange(len(rows))
        h = 0.26
        for i, (col, name, colour) in enumerate(SERIES):
            vals = rows[col].astype(float).to_numpy()
            bars = ax.barh(y + (1 - i) * h, vals, height=h, color=colour, label=name)
            ax.bar_label(
                bars, labels=[fmt_money(v, short=True) for v in vals], padding=3, fontsize=8
            )
        ax.set_yticks(y, labels=labels)
        ax.set_xlim(0, max(float(rows["committed_value"].max()), 1.0) * 1.2)
        ax.xaxis.set_major_formatter(FuncFormatter(axis_money))
        ax.set_xlabel("£ proxy value")
        chart_title(fig, safe_text(title))
        fig.legend(loc="outside lower center", ncol=1, frameon=False, fontsize=10)
        desc = (
            "Grouped bar chart. "
            + "; ".join(
                f"{t}: committed {fmt_money(c)}, expected {fmt_money(e)}, delivered {fmt_money(d)}"
                for t, c, e, d in zip(
                    rows["theme"],
                    rows["committed_value"],
                    rows["expected_value"],
                    rows["delivered_value"],
                    strict=True,
                )
            )
            + "."
        )
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc)


def lm3_chart(
    table: pd.DataFrame, anchors: Mapping[str, str], *, chart_id: str = "lm3-chart"
) -> str:
    """LM3 per anchor and for the collaborative, as horizontal bars from 1 (no local re-spend)."""
    rows = table.dropna(subset=["lm3"]) if not table.empty else table
    if rows.empty:
        return ""
    names = [safe_text(org_name(o, anchors), 40) for o in rows["org"]]
    vals = rows["lm3"].astype(float).to_numpy()
    title = "Local multiplier (LM3) by anchor"
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.6 + 0.4 * len(rows))
        ax = fig.add_subplot()
        ypos = list(range(len(rows)))[::-1]
        colours = ["#009E73" if o != COLLABORATIVE else "#0b0c0c" for o in rows["org"]]
        bars = ax.barh(ypos, vals - 1, left=1, color=colours, height=0.65)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], padding=3, fontsize=9)
        ax.set_yticks(ypos, labels=[wrap_label(n) for n in names])
        ax.set_xlim(1, max(vals.max(), 1.5) * 1.08)
        ax.set_xlabel("LM3 = (round 1 + round 2 + round 3) / round 1")
        chart_title(fig, title)
        desc = (
            "Bar chart. "
            + "; ".join(f"{n}: {v:.2f}" for n, v in zip(names, vals, strict=True))
            + "."
        )
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc)
