"""Reports: one self-contained HTML file, an Excel workbook and CSVs from an AnalysisResult."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from anchorage.reports.csv_out import write_csvs
from anchorage.reports.html import write_html
from anchorage.reports.maps import ward_map_svg, ward_names_from
from anchorage.reports.tables import display_frames
from anchorage.reports.xlsx import write_xlsx

__all__ = [
    "display_frames",
    "option_notes",
    "ward_map_svg",
    "write_csvs",
    "write_html",
    "write_report",
    "write_xlsx",
]

HTML_NAME = "report.html"
XLSX_NAME = "anchorage-report.xlsx"
CSV_DIR = "csv"


def option_notes(options: Any) -> list[str]:
    """Plain-English notes for any non-default analysis options (filters change what the figures mean)."""
    notes: list[str] = []
    if options is None:
        return notes
    if getattr(options, "apply_exclusions", True) is False:
        notes.append(
            "Exclusion rules were switched off: every payment is counted as spend with suppliers."
        )
    if getattr(options, "orgs", None):
        notes.append(f"Only these anchors were analysed: {', '.join(map(str, options.orgs))}.")
    if getattr(options, "min_amount", None) is not None:
        notes.append(f"Only payments of at least £{float(options.min_amount):,.2f} were included.")
    if getattr(options, "top_n", None):
        notes.append(
            f"Only each anchor's top {options.top_n} suppliers by spend were included (CLES top-N)."
        )
    return notes


def write_report(
    result: Any,
    out_dir: Path,
    *,
    collaborative: str,
    anchors: Mapping[str, str],
    ward_features: dict[str, Any] | None = None,
    ward_names: dict[str, str] | None = None,
    definitions_md: str | None = None,
    notes: Sequence[str] | None = None,
    sections: Sequence[Any] = (),
    extra_tables: Mapping[str, Any] | None = None,
) -> dict[str, Path]:
    """Write report.html, anchorage-report.xlsx and csv/*.csv; return paths keyed html, xlsx and csv.
    `sections` (html.ReportSection) and `extra_tables` are what other workstreams add to the report."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = dict(result.tables)
    all_tables = {**tables, **(extra_tables or {})}
    names = {**(ward_names_from(ward_features) if ward_features else {}), **(ward_names or {})}
    all_notes = [*(notes or []), *option_notes(getattr(result, "options", None))]
    now = datetime.now()
    generated = f"{now.day} {now:%B %Y}, {now:%H:%M}"
    title = "Local spend report"

    csv_paths = write_csvs(out / CSV_DIR, all_tables)
    xlsx = write_xlsx(
        out / XLSX_NAME,
        display_frames(all_tables, anchors, names),
        title=f"{collaborative}: {title}",
        generated=generated,
        notes=all_notes,
    )
    downloads = [("Excel workbook (all tables, formatted)", XLSX_NAME)]
    downloads += [(f"CSV: {p.name}", f"{CSV_DIR}/{p.name}") for p in csv_paths.values()]
    html = write_html(
        out / HTML_NAME,
        title=title,
        collaborative=collaborative,
        anchors=anchors,
        tables=tables,
        ward_features=ward_features,
        ward_names=names,
        definitions_md=definitions_md,
        generated=generated,
        notes=all_notes,
        downloads=downloads,
        sections=sections,
    )
    return {"html": html, "xlsx": xlsx, "csv": out / CSV_DIR}
