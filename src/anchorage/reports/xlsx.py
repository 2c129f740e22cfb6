"""The Excel workbook: an About sheet plus one formatted, filterable sheet per result table."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path

import pandas as pd

from anchorage.exports import Workbook
from anchorage.reports.tables import TABLE_TITLES, column_kind, fmt_value, sheet_name

NUMBER_FORMATS = {"money": "£#,##0;-£#,##0", "pct": "0.0%", "int": "#,##0"}
SHEET_NOTES = {
    "totals": "Headline figures per anchor and for the whole collaborative (in-scope spend).",
    "tiers": "In-scope spend by supplier location tier; unknown is always included.",
    "deprivation": "In-scope spend by IMD decile of the supplier's LSOA (1 = most deprived).",
    "categories": "In-scope spend by category, with local, non-local and unknown parts.",
    "leakage": "Categories with the most spend with known non-local suppliers (top 15 per anchor).",
    "top_suppliers": "Largest suppliers by in-scope spend.",
    "trend": "Spend, % local and % in the 20% most deprived LSOAs by financial year.",
    "exclusions": "Payments taken out of the analysis, by exclusion rule.",
    "wards": "Local spend by ward of the supplier's postcode.",
    "assets_by_anchor": "The anchors' land and buildings, a UPRN held by several anchors counted once (docs/assets.md).",
    "assets_by_type": "Assets by type (asset type, else services offered).",
    "assets_by_tenure": "Assets by tenure as each register gives it.",
    "assets_review_summary": "Assets checked and flagged by the underused asset review rules, by anchor.",
    "assets_review": "Each flagged asset with its reasons and latest decision (only anchors whose detail this "
    "report may show).",
    "space_matching": "Spaces anchors offer, needs community groups posted, and needs with at least one matching "
    "space.",
}


def _unique_sheet_names(names: Sequence[str]) -> dict[str, str]:
    """Table name → distinct Excel sheet name."""
    used: set[str] = {"about"}
    out: dict[str, str] = {}
    for name in names:
        base = sheet_name(name)
        cand, i = base, 2
        while cand.lower() in used:
            suffix = f" ({i})"
            cand, i = base[: 31 - len(suffix)] + suffix, i + 1
        used.add(cand.lower())
        out[name] = cand
    return out


def _width(title: str, values: list[str]) -> float:
    """A column width that fits the header and most values, within sensible bounds."""
    longest = max([len(v) for v in values[:500]] or [0])
    return float(min(60, max(8, len(title) * 0.9 + 2, longest + 2)))


def write_xlsx(
    path: Path | str,
    tables: Mapping[str, pd.DataFrame],
    *,
    title: str,
    generated: str | None = None,
    notes: Sequence[str] = (),
) -> Path:
    """Write display frames to an .xlsx: bold frozen headers, £/% formats, autofilters, fitted widths."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    generated = generated or datetime.now().strftime("%Y-%m-%d %H:%M")
    sheets = _unique_sheet_names(list(tables))
    # Every cell goes through exports.Workbook.cell: text that looks like a formula is stored quoted.
    with Workbook(out) as wb:
        head = wb.add_format(
            {
                "bold": True,
                "text_wrap": True,
                "valign": "bottom",
                "bottom": 1,
                "bg_color": "#F3F2F1",
            }
        )
        fmts = {k: wb.add_format({"num_format": f}) for k, f in NUMBER_FORMATS.items()}
        bold = wb.add_format({"bold": True, "font_size": 14})
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})

        about = wb.add_worksheet("About")
        about.set_column(0, 0, 28)
        about.set_column(1, 1, 90, wrap)
        wb.cell(about, 0, 0, title, bold)
        wb.row(about, 2, 0, ["Generated", generated])
        wb.row(
            about, 3, 0, ["Produced by", "Anchorage (open-source anchor collaborative workbench)"]
        )
        wb.row(about, 5, 0, ["Sheet", "What it shows"], head)
        row = 6
        for name in tables:
            wb.row(
                about, row, 0, [sheets[name], SHEET_NOTES.get(name, TABLE_TITLES.get(name, name))]
            )
            row += 1
        for i, note in enumerate(notes):
            wb.row(about, row + 1 + i, 0, ["Note" if i == 0 else "", str(note)])

        for name, df in tables.items():
            ws = wb.add_worksheet(sheets[name])
            cols = [str(c) for c in df.columns]
            kinds = [column_kind(c) for c in cols]
            wb.row(ws, 0, 0, cols, head)
            ws.set_row(0, 32)
            for c, (col, kind) in enumerate(zip(cols, kinds, strict=True)):
                series = df.iloc[:, c]
                fmt = fmts.get(kind)
                for r, v in enumerate(series.tolist(), start=1):
                    numeric = isinstance(v, numbers.Real) and not isinstance(v, bool)
                    wb.cell(ws, r, c, v, fmt if numeric and kind != "text" else None)
                shown = [fmt_value(v, kind) for v in series.tolist()[:500]]
                ws.set_column(c, c, _width(col, shown))
            ws.freeze_panes(1, 0)
            if cols:
                ws.autofilter(0, 0, len(df), len(cols) - 1)
    return out
