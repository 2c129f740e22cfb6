"""Assemble a workspace's report: run the analysis, gather boundaries, names and notes, write files."""

from __future__ import annotations

from pathlib import Path

from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.run import analyse_workspace
from anchorage.reference.boundaries import load_boundaries
from anchorage.reports import write_report
from anchorage.store import records
from anchorage.workspace import Workspace

METHODOLOGY = Path(__file__).resolve().parents[3] / "docs" / "methodology.md"


def build_report(ws: Workspace, out_dir: Path, opts: AnalysisOptions | None = None) -> dict[str, Path]:
    """Analyse the workspace and write report.html, the XLSX workbook and the CSVs into out_dir."""
    result = analyse_workspace(ws, opts)
    local = ws.config.place.local
    with ws.warehouse(read_only=True) as con:
        ward_rows = con.execute(
            "SELECT code, name FROM areas WHERE kind = 'ward' AND list_contains(?, parent)", [local]
        ).fetchall()
        codes = [c for c, _ in ward_rows] or None
        features = load_boundaries(con, "ward", codes)
    notes = []
    with ws.session() as session:
        for up in session.query(records.Upload).filter_by(status="loaded").order_by(records.Upload.org):
            if up.rows_quarantined:
                notes.append(f"{ws.config.anchor(up.org).name}: {up.filename}: {up.rows_quarantined:,} of "
                             f"{up.rows_read:,} rows quarantined (see `anchorage spend quarantine`).")
    return write_report(
        result, out_dir,
        collaborative=ws.config.collaborative,
        anchors={a.slug: a.name for a in ws.config.anchors},
        ward_features=features if features["features"] else None,
        ward_names=dict(ward_rows),
        definitions_md=METHODOLOGY.read_text(encoding="utf-8") if METHODOLOGY.exists() else None,
        notes=notes,
    )
