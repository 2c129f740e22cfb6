"""The self-contained HTML report: inline CSS and SVG, no scripts, no web fonts, no external links needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from anchorage.reports import charts
from anchorage.reports.blocks import (
    Cell,
    ReportSection,
    Section,
    Table,
    frame_table,
    inline_svg,
    per_org,
)
from anchorage.reports.maps import ward_map_svg, ward_names_from
from anchorage.reports.markdown import markdown_to_html
from anchorage.reports.tables import (
    COLLABORATIVE,
    TABLE_COLUMN_TITLES,
    TIER_NAMES,
    TIER_ORDER,
    column_kind,
    fmt_int,
    fmt_money,
    fmt_pct,
    fmt_value,
    org_name,
    org_order,
    org_rows,
)

TEMPLATES = Path(__file__).parent / "templates"


def headline_tiles(
    totals: pd.DataFrame, orgs: Sequence[str], anchors: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Per-org headline figures, already formatted for display."""
    tiles = []
    by_org = totals.assign(org=totals["org"].astype(str)).set_index("org")
    for org in orgs:
        if org not in by_org.index:
            continue
        r = by_org.loc[org]
        stats = [
            (
                "Total in-scope spend",
                fmt_money(r.get("spend"), short=True),
                fmt_money(r.get("spend")),
            ),
            (
                "Spent with local suppliers",
                fmt_pct(r.get("local_pct")),
                fmt_money(r.get("local_spend")),
            ),
            (
                "In the 20% most deprived LSOAs",
                fmt_pct(r.get("deprived20_pct")),
                fmt_money(r.get("deprived20_spend")),
            ),
            (
                "With SMEs (of spend where size is known)",
                fmt_pct(r.get("sme_pct_of_known")),
                f"size known for {fmt_pct(r.get('sme_known_pct'))} of spend",
            ),
            (
                "With VCSE organisations (of spend where known)",
                fmt_pct(r.get("vcse_pct_of_known")),
                f"status known for {fmt_pct(r.get('vcse_known_pct'))} of spend",
            ),
            (
                "Suppliers",
                fmt_int(r.get("suppliers")),
                f"{fmt_int(r.get('transactions'))} transactions",
            ),
            (
                "Supplier location unknown",
                fmt_pct(r.get("unknown_pct")),
                fmt_money(r.get("unknown_spend")),
            ),
            (
                "Matched to Companies House / Charity Commission",
                fmt_pct(r.get("matched_pct")),
                f"{fmt_money(r.get('unmatched_spend'))} not matched; "
                f"{fmt_pct(r.get('registered_office_pct'))} placed by registered office",
            ),
        ]
        tiles.append(
            {"name": org_name(org, anchors), "collab": org == COLLABORATIVE, "stats": stats}
        )
    return tiles


def tier_table(tiers: pd.DataFrame, orgs: Sequence[str], anchors: Mapping[str, str]) -> Table:
    """Anchors × tiers: share of spend (and £) in each tier, unknown always included."""
    rows = []
    for org in orgs:
        sub = org_rows(tiers, org).assign(tier=lambda d: d["tier"].astype(str)).set_index("tier")
        total = sub["spend"].sum()
        cells = [Cell(org_name(org, anchors))]
        for t in TIER_ORDER:
            s = float(sub["spend"].get(t, 0.0)) if t in sub.index else 0.0
            cells.append(
                Cell(f"{fmt_pct(s / total if total else None)} ({fmt_money(s, short=True)})", True)
            )
        cells.append(Cell(fmt_money(total, short=True), True))
        rows.append(cells)
    cols = ["Anchor", *(TIER_NAMES[t] for t in TIER_ORDER), "Total"]
    return Table(
        "Share of in-scope spend by supplier location (£ in brackets)",
        cols,
        rows,
        [False] + [True] * (len(cols) - 1),
    )


def deprivation_table(dep: pd.DataFrame, orgs: Sequence[str], anchors: Mapping[str, str]) -> Table:
    """IMD deciles × anchors: share of each anchor's spend, with an unknown row."""
    rows = []
    keys: list[Any] = [*range(1, 11), None]
    dec = pd.to_numeric(dep["imd_decile"].astype(object), errors="coerce")
    for d in keys:
        label = (
            "Unknown"
            if d is None
            else (
                f"{d} (most deprived)" if d == 1 else f"{d} (least deprived)" if d == 10 else str(d)
            )
        )
        cells = [Cell(label)]
        for org in orgs:
            mask = dep["org"].astype(str) == org
            total = dep.loc[mask, "spend"].sum()
            part = dep.loc[mask & (dec.isna() if d is None else dec == d), "spend"].sum()
            cells.append(Cell(fmt_pct(part / total if total else None), True))
        rows.append(cells)
    cols = ["IMD decile", *(org_name(o, anchors) for o in orgs)]
    return Table(
        "Share of in-scope spend by IMD decile of the supplier's LSOA",
        cols,
        rows,
        [False] + [True] * len(orgs),
    )


def trend_table(
    trend: pd.DataFrame, orgs: Sequence[str], anchors: Mapping[str, str], col: str, caption: str
) -> Table:
    """Financial years × anchors for one trend measure."""
    years = sorted(trend["financial_year"].dropna().astype(str).unique())
    rows = []
    for y in years:
        cells = [Cell(y)]
        for org in orgs:
            sub = trend[
                (trend["org"].astype(str) == org) & (trend["financial_year"].astype(str) == y)
            ]
            cells.append(
                Cell(fmt_value(sub[col].iloc[0] if len(sub) else None, column_kind(col)), True)
            )
        rows.append(cells)
    return Table(
        caption,
        ["Financial year", *(org_name(o, anchors) for o in orgs)],
        rows,
        [False] + [True] * len(orgs),
    )


def build_context(
    *,
    title: str,
    collaborative: str,
    anchors: Mapping[str, str],
    tables: Mapping[str, pd.DataFrame],
    ward_features: Mapping[str, Any] | None,
    ward_names: Mapping[str, str],
    definitions_md: str | None,
    generated: str,
    notes: Sequence[str],
    downloads: Sequence[tuple[str, str]] = (),
    sections: Sequence[ReportSection] = (),
) -> dict[str, Any]:
    """Everything the template needs: formatted tiles, inline SVG charts and display tables."""
    empty = pd.DataFrame(columns=["org"])
    t = {
        name: tables.get(name, empty)
        for name in (
            "totals",
            "tiers",
            "deprivation",
            "categories",
            "leakage",
            "top_suppliers",
            "trend",
            "exclusions",
            "wards",
        )
    }
    orgs = org_order(tables, anchors)
    names = {**(ward_names_from(ward_features) if ward_features else {}), **ward_names}
    kw: dict[str, Any] = {"anchors": anchors, "ward_names": names}
    collab = COLLABORATIVE
    whole = org_name(collab, anchors)
    ctx: dict[str, Any] = {
        "title": title,
        "collaborative": collaborative,
        "generated": generated,
        "notes": list(notes),
        "downloads": list(downloads),
        "anchor_names": [org_name(o, anchors) for o in orgs if o != collab],
        "tiles": headline_tiles(t["totals"], orgs, anchors) if not t["totals"].empty else [],
    }

    ctx["tier_chart"] = (
        inline_svg(charts.tier_chart(t["tiers"], anchors)) if not t["tiers"].empty else ""
    )
    ctx["tier_table"] = tier_table(t["tiers"], orgs, anchors) if not t["tiers"].empty else None

    dep = t["deprivation"]
    ctx["dep_chart"] = (
        inline_svg(charts.deprivation_chart(dep, org_label=whole)) if not dep.empty else ""
    )
    ctx["dep_table"] = deprivation_table(dep, orgs, anchors) if not dep.empty else None

    leak, cats = t["leakage"], t["categories"]
    leak_cols = [
        "category",
        "non_local_spend",
        "spend",
        "local_spend",
        "unknown_spend",
        "local_pct",
    ]
    ctx["leak_chart"] = (
        inline_svg(charts.leakage_chart(leak, org_label=whole)) if not leak.empty else ""
    )
    ctx["leak_table"] = (
        frame_table(
            org_rows(leak, collab).head(15),
            leak_cols,
            f"Top categories by non-local spend: {whole}",
            **kw,
        )
        if not leak.empty
        else None
    )
    ctx["leak_more"] = (
        Section(
            "Leakage tables for each anchor",
            per_org(leak, leak_cols, "Top categories by non-local spend", orgs, limit=15, **kw),
        )
        if not leak.empty
        else None
    )
    cat_cols = ["category", "spend", "local_spend", "local_pct", "non_local_spend", "unknown_spend"]
    ctx["cat_table"] = (
        frame_table(
            org_rows(cats, collab).sort_values("spend", ascending=False).head(15),
            cat_cols,
            f"Largest 15 categories by spend: {whole}",
            **kw,
        )
        if not cats.empty
        else None
    )
    ctx["cat_more"] = (
        Section(
            "Largest categories for each anchor",
            per_org(
                cats, cat_cols, "Largest 15 categories by spend", orgs, limit=15, sort="spend", **kw
            ),
        )
        if not cats.empty
        else None
    )
    ctx["cat_count"] = int(org_rows(cats, collab).shape[0]) if not cats.empty else 0

    top = t["top_suppliers"]
    sup_cols = ["rank", "supplier", "spend", "share", "tier", "imd_decile", "transactions"]
    ctx["sup_chart"] = (
        inline_svg(charts.suppliers_chart(top, org_label=whole)) if not top.empty else ""
    )
    ctx["sup_table"] = (
        frame_table(
            org_rows(top, collab), [*sup_cols, "anchors"], f"Largest suppliers: {whole}", **kw
        )
        if not top.empty
        else None
    )
    ctx["sup_more"] = (
        Section(
            "Largest suppliers for each anchor",
            per_org(top, sup_cols, "Largest suppliers", orgs, **kw),
        )
        if not top.empty
        else None
    )

    trend = t["trend"]
    ctx["trend_chart"] = inline_svg(charts.trend_chart(trend, anchors)) if not trend.empty else ""
    ctx["trend_table"] = (
        trend_table(trend, orgs, anchors, "local_pct", "% of in-scope spend that is local")
        if not trend.empty
        else None
    )
    ctx["trend_more"] = (
        Section(
            "More trend tables",
            [
                trend_table(trend, orgs, anchors, "spend", "In-scope spend (£) by financial year"),
                trend_table(
                    trend,
                    orgs,
                    anchors,
                    "deprived20_pct",
                    "% of spend in the 20% most deprived LSOAs",
                ),
            ],
        )
        if not trend.empty
        else None
    )

    ex = t["exclusions"]
    if not ex.empty:
        rank = {o: i for i, o in enumerate(orgs)}
        ex = ex.assign(_o=ex["org"].astype(str).map(rank)).sort_values(
            ["_o", "spend"], ascending=[True, False]
        )
    ctx["ex_table"] = (
        frame_table(
            ex,
            ["org", "rule", "spend", "transactions"],
            "Spend excluded from the analysis, by rule",
            **kw,
            titles=TABLE_COLUMN_TITLES["exclusions"],
        )
        if not ex.empty
        else None
    )

    wards = t["wards"]
    cw = org_rows(wards, collab) if not wards.empty else wards
    ctx["ward_map"] = ""
    if ward_features and not cw.empty:
        values = {str(w): float(v) for w, v in zip(cw["ward"], cw["spend"], strict=True)}
        ctx["ward_map"] = inline_svg(
            ward_map_svg(ward_features, values, f"Local spend by ward: {whole}")
        )
    elif ward_features:
        ctx["ward_map"] = inline_svg(
            ward_map_svg(ward_features, {}, f"Local spend by ward: {whole}")
        )
    ctx["has_ward_features"] = bool(ward_features)
    ward_cols, local_title = ["ward_name", "spend", "suppliers"], TABLE_COLUMN_TITLES["wards"]
    ctx["ward_table"] = (
        frame_table(cw, ward_cols, f"Local spend by ward: {whole}", **kw, titles=local_title)
        if not cw.empty
        else None
    )
    ctx["ward_more"] = (
        Section(
            "Local spend by ward for each anchor",
            per_org(wards, ward_cols, "Local spend by ward", orgs, **kw, titles=local_title),
        )
        if not wards.empty
        else None
    )

    ctx["definitions"] = markdown_to_html(definitions_md) if definitions_md else ""
    ctx["sections"] = list(sections)
    return ctx


def render_html(**context_args: Any) -> str:
    """Render the report template (autoescaped) to an HTML string."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("report.html.j2").render(**build_context(**context_args))


def write_html(
    path: Path | str,
    *,
    title: str,
    collaborative: str,
    anchors: Mapping[str, str],
    tables: Mapping[str, pd.DataFrame],
    ward_features: Mapping[str, Any] | None,
    ward_names: Mapping[str, str],
    definitions_md: str | None,
    generated: str,
    notes: Sequence[str],
    downloads: Sequence[tuple[str, str]] = (),
    sections: Sequence[ReportSection] = (),
) -> Path:
    """Write the one-file HTML report and return its path."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    text = render_html(
        title=title,
        collaborative=collaborative,
        anchors=anchors,
        tables=tables,
        ward_features=ward_features,
        ward_names=ward_names,
        definitions_md=definitions_md,
        generated=generated,
        notes=notes,
        downloads=downloads,
        sections=sections,
    )
    out.write_text(text, encoding="utf-8")
    return out
