"""The pipeline timeline chart and the opportunity brief (HTML, PDF, XLSX) of the collaboration finder."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from matplotlib.ticker import FuncFormatter

from anchorage.contracts.finder import Opportunity
from anchorage.contracts.timeline import QuarterRow, quarters_of
from anchorage.core.errors import AnchorageError
from anchorage.reports.charts import (
    LINE_COLOURS,
    RC,
    axis_money,
    chart_title,
    figure_to_svg,
    new_figure,
    safe_text,
)
from anchorage.reports.pdf import write_tables_pdf
from anchorage.reports.tables import fmt_money
from anchorage.reports.xlsx import write_xlsx

TEMPLATES = Path(__file__).parent / "templates"
BRIEF_FORMATS = ("html", "pdf", "xlsx")


def timeline_chart(
    table: list[QuarterRow], anchors: Mapping[str, str], *, chart_id: str = "pipeline-chart"
) -> str:
    """Stacked bars: value of contracts re-procured per quarter, one colour per anchor ('' when empty)."""
    if not table:
        return ""
    quarters = quarters_of(table)
    orgs = sorted({r.org for r in table}, key=lambda o: anchors.get(o, o))
    title = "Pipeline: value of contracts ending or re-procured, by quarter"
    descs = []
    with matplotlib.rc_context(RC):
        fig = new_figure(9, 4.4)
        ax = fig.add_subplot()
        bottom = [0.0] * len(quarters)
        for i, org in enumerate(orgs):
            vals = [0.0] * len(quarters)
            for r in table:
                if r.org == org:
                    vals[quarters.index(r.quarter)] += float(r.value)
            ax.bar(
                range(len(quarters)),
                vals,
                bottom=bottom,
                color=LINE_COLOURS[i % len(LINE_COLOURS)],
                label=safe_text(anchors.get(org, org), 32),
            )
            bottom = [a + b for a, b in zip(bottom, vals, strict=True)]
            descs.append(
                f"{anchors.get(org, org)}: "
                + ", ".join(
                    f"{q} {fmt_money(v, short=True)}"
                    for q, v in zip(quarters, vals, strict=True)
                    if v
                )
            )
        step = max(1, len(quarters) // 12)
        ax.set_xticks(
            range(0, len(quarters), step),
            labels=quarters[::step],
            rotation=45 if len(quarters) > 4 else 0,
        )
        ax.yaxis.set_major_formatter(FuncFormatter(axis_money))
        ax.grid(axis="y", color="#dddddd", linewidth=0.8)
        ax.set_xlabel("Quarter of re-procurement")
        ax.set_ylabel("Contract value")
        chart_title(fig, title)
        fig.legend(frameon=False, fontsize=10, loc="outside lower center", ncol=1)
        return figure_to_svg(
            fig, chart_id=chart_id, title=title, desc="Stacked bar chart. " + "; ".join(descs) + "."
        )


def brief_tables(o: Opportunity, anchors: Mapping[str, str]) -> dict[str, pd.DataFrame]:
    """The brief's tables, with readable headings (also the XLSX sheets)."""
    name = lambda org: anchors.get(org, org)  # noqa: E731
    summary = pd.DataFrame(
        [
            ("Category", o.category),
            ("Rank", str(o.rank)),
            ("Anchors", ", ".join(name(a) for a in o.anchors)),
            ("Combined value (£)", fmt_money(o.combined_value)),
            ("Re-procurement window", f"{o.window_start:%d %b %Y} to {o.window_end:%d %b %Y}"),
            (
                "Local firms in this category",
                f"{o.capacity.firms} ({o.capacity.sme_firms} SMEs)"
                if o.capacity.register_loaded
                else "not known: import the Companies House register",
            ),
            ("Why", o.explanation),
        ],
        columns=["Item", "Value"],
    )
    contracts = pd.DataFrame(
        [
            {
                "Anchor": name(c["org"]),
                "Title": c["title"],
                "Supplier": c.get("supplier_name") or "",
                "Value (£)": float(c["value"]) if c.get("value") is not None else None,
                "Start": c.get("start_date"),
                "End": c.get("end_date"),
                "End incl. extensions": c.get("end_date_max"),
                "Re-procure by": c["reprocure_date"],
                "CPV": c.get("cpv") or "",
                "Stage": c.get("stage") or "",
            }
            for c in o.contracts
        ]
    )
    incumbents = pd.DataFrame(
        [
            {
                "Supplier": i["name"],
                "Anchors": ", ".join(name(a) for a in i["anchors"]),
                "Local?": i["place"],
            }
            for i in o.incumbents
        ],
        columns=["Supplier", "Anchors", "Local?"],
    )
    lots = pd.DataFrame(
        [{"Lot": lot.label, "Value a year (£)": float(lot.annual_value)} for lot in o.lots],
        columns=["Lot", "Value a year (£)"],
    )
    firms = pd.DataFrame({"Local firm (examples)": o.capacity.examples})
    return {
        "summary": summary,
        "contracts": contracts,
        "incumbents": incumbents,
        "lots": lots,
        "local_firms": firms,
    }


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return ""
    if isinstance(v, float):
        return fmt_money(v)
    return v.strftime("%d %b %Y") if hasattr(v, "strftime") else str(v)


def write_brief(
    o: Opportunity, path: Path, fmt: str, *, collaborative: str, anchors: Mapping[str, str]
) -> Path:
    """Write one opportunity brief as html, pdf or xlsx; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = brief_tables(o, anchors)
    title = f"Collaboration opportunity: {o.category}"
    if fmt == "xlsx":
        return write_xlsx(path, tables, title=title, notes=[o.explanation])
    if fmt == "pdf":
        shown = {key.replace("_", " ").capitalize(): df.map(_text) for key, df in tables.items()}
        return write_tables_pdf(
            path,
            shown,
            title=title,
            subtitle=f"{collaborative}, {datetime.now():%d %B %Y}",
            note=o.explanation,
            footer=f"{collaborative} · {title}",
        )
    if fmt == "html":
        env = Environment(
            loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
        )
        html = env.get_template("opportunity_brief.html.j2").render(
            title=title,
            collaborative=collaborative,
            o=o,
            generated=f"{datetime.now():%d %B %Y}",
            tables={
                k: {
                    "columns": list(df.columns),
                    "rows": [[_text(v) for v in r] for r in df.itertuples(index=False)],
                }
                for k, df in tables.items()
            },
        )
        path.write_text(html, encoding="utf-8")
        return path
    raise AnchorageError(
        f'A brief cannot be written as "{fmt}".', fix=f"Use one of: {', '.join(BRIEF_FORMATS)}."
    )


__all__ = [
    "BRIEF_FORMATS",
    "brief_tables",
    "timeline_chart",
    "write_brief",
    "write_pipeline_report",
]


def write_pipeline_report(ws: Any, out_dir: Path, opts: Any = None) -> Path | None:
    """pipeline.html beside the main report: the timeline by quarter and the ranked opportunities, as
    aggregates only (no contract titles or suppliers), so every reader of the report may see it.
    None when no contracts are loaded."""
    from anchorage.contracts.finder import find_opportunities
    from anchorage.contracts.pipeline import pipeline_rows
    from anchorage.contracts.timeline import by_quarter

    rows = pipeline_rows(ws)
    if not rows:
        return None
    anchors = {a.slug: a.name for a in ws.config.anchors}
    quarters = by_quarter(rows)
    found = find_opportunities(ws, opts)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"])
    )
    html = env.get_template("pipeline_report.html.j2").render(
        collaborative=ws.config.collaborative,
        generated=f"{datetime.now():%d %B %Y}",
        anchors=anchors,
        chart=Markup(timeline_chart(quarters, anchors)),
        quarters=quarters,
        found=found,
        money=fmt_money,
        contracts=len(rows),
    )
    path = Path(out_dir) / "pipeline.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
