"""Report charts drawn with matplotlib and returned as inline, accessible SVG strings."""

from __future__ import annotations

import html
import io
import re
import sys
import textwrap
from collections.abc import Mapping
from typing import Any

import matplotlib

if "matplotlib.pyplot" not in sys.modules:  # headless; leave a notebook's chosen backend alone
    matplotlib.use("Agg")

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from anchorage.reports.tables import (
    COLLABORATIVE,
    TIER_NAMES,
    TIER_ORDER,
    fmt_money,
    fmt_pct,
    org_name,
    org_order,
    org_rows,
)

# Okabe-Ito colour-blind-safe palette; unknown is always neutral grey.
TIER_COLOURS = {
    "local": "#009E73",
    "sub-region": "#56B4E9",
    "region": "#0072B2",
    "uk": "#E69F00",
    "abroad": "#D55E00",
    "unknown": "#BBBBBB",
}
LINE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
LINE_STYLES = (
    ("o", "-"),
    ("s", "--"),
    ("^", "-."),
    ("D", ":"),
    ("v", "-"),
    ("P", "--"),
    ("X", "-."),
)
UNKNOWN_GREY = "#BBBBBB"
BAR_BLUE = "#0072B2"

RC: dict[Any, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "anchorage",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "Liberation Sans", "DejaVu Sans"],
    "font.size": 12,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#505a5f",
    "text.color": "#0b0c0c",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
}


MIN_FONT_PT = (
    12  # no chart text smaller: with the SVG's min-width below, >= 12 CSS px at every screen width
)
MIN_TEXT_PX = 12
# The widest a chart is drawn (inches): at 72 viewBox units an inch and no text under MIN_FONT_PT, it fits the
# 351 px content box of a 375 px phone with its text >= 12 px, so it never needs to scroll (or be cut off).
CHART_WIDTH_IN = 4.75


def share_tick(v: float, _pos: Any = None) -> str:
    """A 0-1 share as a percentage tick: '2.5%', '10%' (never 2.5% rounded to '2%')."""
    text = f"{v * 100:.1f}".rstrip("0").rstrip(".")
    return f"{'0' if text in ('-0', '') else text}%"


PERCENT_TICKS = FuncFormatter(share_tick)


def safe_text(s: Any, limit: int | None = None) -> str:
    """Plain label text: clipped to limit characters and with '$' escaped so mathtext never fires."""
    t = str(s)
    if limit and len(t) > limit:
        t = t[: limit - 1].rstrip() + "…"
    return t.replace("$", r"\$")


def wrap_label(s: Any, width: int = 18, lines: int = 2) -> str:
    """A bar's label on up to `lines` lines of about `width` characters (clipped after), so long names leave
    room for the bars in a phone-width chart."""
    parts = textwrap.wrap(str(s), width) or [""]
    if len(parts) > lines:
        parts = [*parts[: lines - 1], safe_text(" ".join(parts[lines - 1 :]), width)]
    return "\n".join(safe_text(p) for p in parts)


def axis_money(v: float, _pos: Any = None) -> str:
    """Short £ tick label: £0, £500k, £1.2m, £2bn."""
    a = abs(v)
    if a >= 1e6:
        return fmt_money(v, short=True)
    if a >= 1e3:
        return f"{'−' if v < 0 else ''}£{a / 1e3:,.0f}k"
    return fmt_money(v)


def _luminance(hex_colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def text_colour_on(hex_colour: str) -> str:
    """Black or white, whichever contrasts more with the background colour."""
    lum = _luminance(hex_colour)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def xml_id(s: str) -> str:
    """A string reduced to characters safe in an XML id."""
    return re.sub(r"[^A-Za-z0-9_-]+", "_", s).strip("_") or "x"


def figure_to_svg(
    fig: Figure,
    *,
    chart_id: str,
    title: str,
    desc: str,
    gid_titles: Mapping[str, str] | None = None,
) -> str:
    """Serialise a figure to an inline <svg>: no prolog or metadata, ids prefixed, <title>/<desc> added."""
    for text in fig.findobj(Text):
        if float(text.get_fontsize()) < MIN_FONT_PT:
            text.set_fontsize(MIN_FONT_PT)
    # A long title or axis label breaks onto lines, never runs past the chart's edge.
    for text in (*fig.texts, *(a.xaxis.label for a in fig.axes), *(a.title for a in fig.axes)):
        text.set_wrap(True)
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    cid = xml_id(chart_id)
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{cid}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{cid}-{m.group(1)})", svg)
    svg = re.sub(
        r'((?:xlink:)?href)="#([^"]+)"', lambda m: f'{m.group(1)}="#{cid}-{m.group(2)}"', svg
    )
    for gid, tip in (gid_titles or {}).items():
        svg = svg.replace(
            f'<g id="{cid}-{gid}">', f'<g id="{cid}-{gid}"><title>{html.escape(tip)}</title>', 1
        )
    head = (
        f'<svg role="img" class="chart" id="{cid}" aria-labelledby="{cid}-title {cid}-desc" '
        f'style="min-width: {min_width_px(svg)}px" '
    )
    svg = svg.replace("<svg ", head, 1)
    close = svg.index(">") + 1
    svg = (
        svg[:close] + f'\n <title id="{cid}-title">{html.escape(title)}</title>'
        f'\n <desc id="{cid}-desc">{html.escape(desc)}</desc>' + svg[close:]
    )
    return svg.strip()


def min_width_px(svg: str) -> int:
    """The narrowest the chart may be drawn with its smallest text still MIN_TEXT_PX CSS pixels high
    (the page scrolls the chart inside its own box below that)."""
    view_width = float(re.search(r'viewBox="[\d.]+ [\d.]+ ([\d.]+)', svg).group(1))  # type: ignore[union-attr]
    sizes = [float(x) for x in re.findall(r"font-size: ?([\d.]+)px", svg)] or [MIN_FONT_PT]
    return int(-(-view_width * MIN_TEXT_PX // min(sizes)))


def chart_title(fig: Figure, text: str) -> None:
    """A bold chart title aligned with the figure's left edge, on as many lines as it needs."""
    fig.suptitle(textwrap.fill(text, 44), x=0.01, ha="left", fontsize=13, fontweight="bold")


def new_figure(width: float, height: float) -> Figure:
    """A white, constrained-layout figure sized in inches, never wider than CHART_WIDTH_IN."""
    return Figure(
        figsize=(min(width, CHART_WIDTH_IN), height), layout="constrained", facecolor="white"
    )


def tier_chart(
    tiers: pd.DataFrame, anchors: Mapping[str, str], *, chart_id: str = "tier-chart"
) -> str:
    """Stacked horizontal bars: each anchor's share of spend by tier, local first, unknown in grey."""
    if tiers.empty:
        return ""
    orgs = org_order({"tiers": tiers}, anchors)
    spend = (
        tiers.assign(org=tiers["org"].astype(str), tier=tiers["tier"].astype(str))
        .pivot_table(index="org", columns="tier", values="spend", aggfunc="sum")
        .reindex(index=orgs, columns=list(TIER_ORDER))
    )
    spend = spend.fillna(0.0).clip(lower=0)
    totals = spend.sum(axis=1).replace(0, float("nan"))
    shares = spend.div(totals, axis=0).fillna(0.0)
    names = [org_name(o, anchors) for o in orgs]
    title = "Where the spend goes: share of in-scope spend by supplier location"
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.9 + 0.5 * len(orgs))
        ax = fig.add_subplot()
        ypos = list(range(len(orgs)))[::-1]
        left = [0.0] * len(orgs)
        for tier in TIER_ORDER:
            vals = shares[tier].tolist()
            colour = TIER_COLOURS[tier]
            bars = ax.barh(
                ypos,
                vals,
                left=left,
                color=colour,
                edgecolor="white",
                linewidth=0.8,
                label=TIER_NAMES[tier],
                height=0.7,
            )
            labels = [fmt_pct(v, digits=0) if v >= 0.06 else "" for v in vals]
            ax.bar_label(
                bars, labels=labels, label_type="center", color=text_colour_on(colour), fontsize=10
            )
            left = [a + b for a, b in zip(left, vals, strict=True)]
        ax.set_yticks(ypos, labels=[wrap_label(n) for n in names])
        for lab, org in zip(ax.get_yticklabels(), orgs, strict=True):
            if org == COLLABORATIVE:
                lab.set_fontweight("bold")
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PERCENT_TICKS)
        ax.set_xlabel("% of in-scope spend")
        ax.set_ylabel("Anchor")
        chart_title(fig, title)
        fig.legend(ncol=3, loc="outside lower center", frameon=False, fontsize=10)
        parts = [
            f"{n}: " + ", ".join(f"{TIER_NAMES[t]} {fmt_pct(shares.loc[o, t])}" for t in TIER_ORDER)
            for o, n in zip(orgs, names, strict=True)
        ]
        return figure_to_svg(
            fig, chart_id=chart_id, title=title, desc="Stacked bar chart. " + "; ".join(parts) + "."
        )


def deprivation_chart(
    dep: pd.DataFrame,
    org: str = COLLABORATIVE,
    *,
    org_label: str = "Whole collaborative",
    chart_id: str = "deprivation-chart",
) -> str:
    """Bars of share of spend by IMD decile of the supplier's area (1 = most deprived), plus unknown."""
    rows = org_rows(dep, org)
    if rows.empty:
        return ""
    dec = pd.to_numeric(rows["imd_decile"].astype(object), errors="coerce")
    total = rows["spend"].sum()
    share = rows["spend"] / total if total else rows["spend"] * 0
    by = share.groupby(dec).sum()
    vals = [float(by.get(float(d), 0.0)) for d in range(1, 11)] + [float(share[dec.isna()].sum())]
    labels = [str(d) for d in range(1, 11)] + ["Unknown"]
    colours = [BAR_BLUE] * 2 + ["#56B4E9"] * 8 + [UNKNOWN_GREY]
    title = f"Spend by deprivation of supplier's area: {org_label}"
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 4.2)
        ax = fig.add_subplot()
        bars = ax.bar(labels, vals, color=colours, edgecolor="white")
        ax.bar_label(
            bars, labels=[fmt_pct(v, digits=0) if v else "" for v in vals], fontsize=9, padding=2
        )
        ax.yaxis.set_major_formatter(PERCENT_TICKS)
        ax.set_ylim(0, max(max(vals) * 1.15, 0.05))
        # Slanted, the eleven labels ("Unknown" the widest) do not run into each other on a phone-width chart.
        ax.tick_params(axis="x", labelrotation=45)
        for label in ax.get_xticklabels():
            label.set(ha="right", rotation_mode="anchor")
        ax.set_xlabel("IMD decile of supplier's LSOA (1 = most deprived 10%)")
        ax.set_ylabel("% of in-scope spend")
        chart_title(fig, safe_text(title))
        ax.legend(
            handles=[
                Patch(color=BAR_BLUE, label="20% most deprived"),
                Patch(color="#56B4E9", label="Other deciles"),
                Patch(color=UNKNOWN_GREY, label="Unknown"),
            ],
            frameon=False,
            fontsize=10,
        )
        desc = "Bar chart. " + "; ".join(
            f"decile {lab}: {fmt_pct(v)}" if lab != "Unknown" else f"unknown: {fmt_pct(v)}"
            for lab, v in zip(labels, vals, strict=True)
        )
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc + ".")


def trend_chart(
    trend: pd.DataFrame, anchors: Mapping[str, str], *, chart_id: str = "trend-chart"
) -> str:
    """Lines of % local spend by financial year, one per anchor and a heavier one for the collaborative."""
    if trend.empty:
        return ""
    years = sorted(trend["financial_year"].dropna().astype(str).unique())
    orgs = org_order({"trend": trend}, anchors)
    title = "Trend: % of in-scope spend with local suppliers, by financial year"
    descs: list[str] = []
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 4.4)
        ax = fig.add_subplot()
        peak = 0.0
        for i, org in enumerate(orgs):
            rows = org_rows(trend, org).assign(
                financial_year=lambda d: d["financial_year"].astype(str)
            )
            s = rows.set_index("financial_year")["local_pct"].astype(float).reindex(years)
            x = [years.index(y) for y in s.index]
            name = org_name(org, anchors)
            if org == COLLABORATIVE:
                kw: dict[str, Any] = {
                    "color": "#0b0c0c",
                    "linewidth": 3,
                    "marker": "o",
                    "linestyle": "-",
                    "zorder": 5,
                }
            else:
                marker, style = LINE_STYLES[i % len(LINE_STYLES)]
                kw = {
                    "color": LINE_COLOURS[i % len(LINE_COLOURS)],
                    "linewidth": 1.8,
                    "marker": marker,
                    "linestyle": style,
                }
            ax.plot(x, s.tolist(), label=safe_text(name, 32), markersize=5, **kw)
            peak = max(peak, float(s.max()) if s.notna().any() else 0.0)
            descs.append(
                f"{name}: " + ", ".join(f"{y} {fmt_pct(v)}" for y, v in s.items() if pd.notna(v))
            )
        step = max(1, len(years) // 12)
        ax.set_xticks(
            range(0, len(years), step), labels=years[::step], rotation=45 if len(years) > 4 else 0
        )
        ax.set_ylim(0, max(peak * 1.15, 0.05))
        ax.yaxis.set_major_formatter(PERCENT_TICKS)
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_xlabel("Financial year")
        ax.set_ylabel("% of spend that is local")
        chart_title(fig, title)
        fig.legend(frameon=False, fontsize=10, loc="outside lower center", ncol=1)
        return figure_to_svg(
            fig, chart_id=chart_id, title=title, desc="Line chart. " + "; ".join(descs) + "."
        )


def _hbar(
    items: list[tuple[str, float]],
    colours: list[str],
    *,
    title: str,
    xlabel: str,
    ylabel: str,
    chart_id: str,
    desc_prefix: str,
    handles: list[Patch] | None = None,
) -> str:
    """A ranked horizontal bar chart of £ values, largest at the top."""
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 1.6 + 0.38 * len(items))
        ax = fig.add_subplot()
        ypos = list(range(len(items)))[::-1]
        vals = [v for _, v in items]
        bars = ax.barh(ypos, vals, color=colours, height=0.7)
        ax.bar_label(bars, labels=[fmt_money(v, short=True) for v in vals], padding=3, fontsize=9)
        ax.set_yticks(ypos, labels=[wrap_label(lab) for lab, _ in items])
        ax.set_xlim(0, max(max(vals), 1) * 1.18)
        ax.xaxis.set_major_formatter(FuncFormatter(axis_money))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        chart_title(fig, safe_text(title))
        if handles:
            fig.legend(
                handles=handles,
                ncol=min(len(handles), 3),
                loc="outside lower center",
                frameon=False,
                fontsize=10,
            )
        desc = desc_prefix + "; ".join(f"{lab}: {fmt_money(v)}" for lab, v in items) + "."
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc)


def leakage_chart(
    leakage: pd.DataFrame,
    org: str = COLLABORATIVE,
    *,
    org_label: str = "Whole collaborative",
    n: int = 10,
    chart_id: str = "leakage-chart",
) -> str:
    """Horizontal bars of the categories with the most spend with known non-local suppliers."""
    rows = org_rows(leakage, org)
    rows = (
        rows[rows["non_local_spend"] > 0].nlargest(n, "non_local_spend") if not rows.empty else rows
    )
    if rows.empty:
        return ""
    items = [
        (str(c), float(v)) for c, v in zip(rows["category"], rows["non_local_spend"], strict=True)
    ]
    return _hbar(
        items,
        [TIER_COLOURS["abroad"]] * len(items),
        title=f"Leakage: top categories by non-local spend: {org_label}",
        xlabel="Spend with known non-local suppliers (£)",
        ylabel="Category",
        chart_id=chart_id,
        desc_prefix="Bar chart of non-local spend by category. ",
    )


def suppliers_chart(
    top: pd.DataFrame,
    org: str = COLLABORATIVE,
    *,
    org_label: str = "Whole collaborative",
    n: int = 10,
    chart_id: str = "suppliers-chart",
) -> str:
    """Horizontal bars of the largest suppliers by spend, coloured by their tier."""
    rows = org_rows(top, org)
    if rows.empty:
        return ""
    rows = rows.sort_values("rank").head(n) if "rank" in rows.columns else rows.nlargest(n, "spend")
    tiers = [str(t) if pd.notna(t) else "unknown" for t in rows["tier"]]
    items = [(str(s), float(v)) for s, v in zip(rows["supplier"], rows["spend"], strict=True)]
    present = [t for t in TIER_ORDER if t in tiers]
    handles = [Patch(color=TIER_COLOURS[t], label=TIER_NAMES[t]) for t in present]
    return _hbar(
        items,
        [TIER_COLOURS.get(t, UNKNOWN_GREY) for t in tiers],
        title=f"Top {len(items)} suppliers by spend: {org_label}",
        xlabel="Spend (£)",
        ylabel="Supplier",
        chart_id=chart_id,
        handles=handles,
        desc_prefix="Bar chart of the largest suppliers, coloured by tier. ",
    )
