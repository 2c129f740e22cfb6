"""Assemble a workspace's report: run the analysis, gather boundaries, names and notes, write files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from anchorage.procurement.analysis import AnalysisResult
from anchorage.procurement.enrich import AnalysisOptions
from anchorage.procurement.run import analyse_workspace
from anchorage.reference.boundaries import load_boundaries
from anchorage.reports import write_report
from anchorage.reports.assets_tables import assets_section, assets_tables
from anchorage.reports.pipeline_out import write_pipeline_report
from anchorage.reports.pipeline_section import pipeline_section
from anchorage.reports.socialvalue_report import socialvalue_section, socialvalue_tables
from anchorage.reports.tables import org_order
from anchorage.store import records
from anchorage.workspace import Workspace

METHODOLOGY = Path(__file__).resolve().parents[3] / "docs" / "methodology.md"


def ward_geography(ws: Workspace) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The local wards' boundaries (GeoJSON, None when none are loaded) and their names."""
    with ws.warehouse() as con:
        ward_rows = con.execute(
            "SELECT code, name FROM areas WHERE kind = 'ward' AND list_contains(?, parent)",
            [ws.config.place.local],
        ).fetchall()
        features = load_boundaries(con, "ward", [c for c, _ in ward_rows] or None)
        # Suppliers' wards lie outside the place too: name every ward that is loaded, not only the local ones.
        names = dict(con.execute("SELECT code, name FROM areas WHERE kind = 'ward'").fetchall())
    return (features if features["features"] else None), names


def build_report(
    ws: Workspace,
    out_dir: Path,
    opts: AnalysisOptions | None = None,
    *,
    result: AnalysisResult | None = None,
    orgs: set[str] | None = None,
) -> dict[str, Path]:
    """Analyse the workspace (or take a result already made) and write report.html, the XLSX workbook and
    the CSVs into out_dir; `orgs` limits the upload notes, the social value detail and the underused-asset
    list to those anchors."""
    result = result if result is not None else analyse_workspace(ws, opts)
    features, ward_names = ward_geography(ws)
    notes = []
    with ws.session() as session:
        for up in (
            session.query(records.Upload).filter_by(status="loaded").order_by(records.Upload.org)
        ):
            if orgs is not None and up.org not in orgs:
                continue
            if up.rows_quarantined:
                notes.append(
                    f"{ws.config.anchor(up.org).name}: {up.filename}: {up.rows_quarantined:,} of "
                    f"{up.rows_read:,} rows quarantined (see `anchorage spend quarantine`)."
                )
    anchors = {a.slug: a.name for a in ws.config.anchors}
    sv_tables, sv_notes, _ = socialvalue_tables(ws, orgs)
    sv = socialvalue_section(sv_tables, sv_notes, anchors, org_order(result.tables, anchors))
    land = assets_tables(ws, orgs)
    estate = assets_section(land, anchors)
    paths = write_report(
        result,
        out_dir,
        collaborative=ws.config.collaborative,
        anchors=anchors,
        ward_features=features,
        ward_names=ward_names,
        definitions_md=METHODOLOGY.read_text(encoding="utf-8") if METHODOLOGY.exists() else None,
        notes=notes,
        sections=[s for s in (sv, pipeline_section(ws, anchors), estate) if s is not None],
        extra_tables={**sv_tables, **land},
    )
    pipeline = write_pipeline_report(ws, out_dir)  # aggregates only: safe for every reader
    if pipeline is not None:
        paths["pipeline"] = pipeline
    return paths
