"""Workforce charts as inline SVG: shares by anchor (a suppressed share is drawn as a labelled gap, never a
bar) and counts by category. Each chart goes on the page with its table."""

from __future__ import annotations

import matplotlib

from anchorage.reports.charts import (
    BAR_BLUE,
    PERCENT_TICKS,
    RC,
    UNKNOWN_GREY,
    chart_title,
    figure_to_svg,
    new_figure,
    safe_text,
    wrap_label,
)

SUPPRESSED = "suppressed"


def share_chart(
    items: list[tuple[str, float | None]], *, title: str, chart_id: str, xlabel: str
) -> str:
    """Horizontal bars of a share per anchor; None (suppressed) is written as a word, with no bar."""
    if not items:
        return ""
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.4 + 0.42 * len(items))
        ax = fig.add_subplot()
        ypos = list(range(len(items)))[::-1]
        vals = [v or 0.0 for _, v in items]
        colours = [UNKNOWN_GREY if lab == "Collaborative" else BAR_BLUE for lab, _ in items]
        bars = ax.barh(ypos, vals, color=colours, height=0.65)
        ax.bar_label(
            bars,
            labels=[SUPPRESSED if v is None else f"{v:.1%}" for _, v in items],
            padding=3,
            fontsize=9,
        )
        ax.set_yticks(ypos, labels=[wrap_label(lab) for lab, _ in items])
        ax.set_xlim(0, max(max(vals), 0.05) * 1.25)
        ax.xaxis.set_major_formatter(PERCENT_TICKS)
        ax.set_xlabel(xlabel)
        chart_title(fig, safe_text(title))
        desc = (
            "Bar chart. "
            + "; ".join(f"{lab}: {SUPPRESSED if v is None else f'{v:.1%}'}" for lab, v in items)
            + "."
        )
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc)


def count_chart(items: list[tuple[str, int]], *, title: str, chart_id: str, xlabel: str) -> str:
    """Horizontal bars of counts (e.g. engagements by kind), largest first as given."""
    if not items:
        return ""
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.4 + 0.42 * len(items))
        ax = fig.add_subplot()
        ypos = list(range(len(items)))[::-1]
        bars = ax.barh(ypos, [v for _, v in items], color=BAR_BLUE, height=0.65)
        ax.bar_label(bars, labels=[f"{v:,}" for _, v in items], padding=3, fontsize=9)
        ax.set_yticks(ypos, labels=[wrap_label(lab) for lab, _ in items])
        ax.set_xlim(0, max(max(v for _, v in items), 1) * 1.2)
        ax.set_xlabel(xlabel)
        chart_title(fig, safe_text(title))
        desc = "Bar chart. " + "; ".join(f"{lab}: {v:,}" for lab, v in items) + "."
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc)
