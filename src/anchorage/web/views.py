"""What a dashboard page shows, built once per data version, anchor and detail visibility (charts are slow)."""

from __future__ import annotations

import threading
from typing import Any

import pandas as pd

from anchorage.access import queries
from anchorage.access.gate import Viewer
from anchorage.procurement.analysis import COLLABORATIVE
from anchorage.reports import charts, maps
from anchorage.reports.build import ward_geography
from anchorage.workspace import Workspace

_charts: dict[tuple[str, str, str, bool], dict[str, str]] = {}
_lock = threading.Lock()


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    return df.astype(object).where(df.notna(), None).to_dict(orient="records")


def dashboard_view(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> dict[str, Any]:
    dash = queries.dashboard(ws, viewer, org)
    result = queries.analysis(ws, viewer)
    t = result.tables
    anchors = {a.slug: a.name for a in ws.config.anchors}
    key = (str(ws.root), queries.data_version(ws), org, dash.detail_visible)
    with _lock:
        if key not in _charts:
            for old in [k for k in _charts if k[0] == key[0] and k[1] != key[1]]:
                del _charts[old]
            tiers = t["tiers"] if org == COLLABORATIVE else t["tiers"][t["tiers"]["org"] == org]
            trend = t["trend"] if org == COLLABORATIVE else t["trend"][t["trend"]["org"] == org]
            built = {
                "tiers": charts.tier_chart(tiers, anchors),
                "trend": charts.trend_chart(trend, anchors),
                "leakage": charts.leakage_chart(t["leakage"], org, org_label=dash.label),
                "deprivation": charts.deprivation_chart(t["deprivation"], org, org_label=dash.label),
                "suppliers": charts.suppliers_chart(t["top_suppliers"], org, org_label=dash.label)
                if dash.detail_visible else "",
            }
            features, ward_names = ward_geography(ws)
            wards = t["wards"][t["wards"]["org"] == org]
            built["map"] = maps.ward_map_svg(features, dict(zip(wards["ward"], wards["spend"], strict=True)),
                                             f"Local spend by ward: {dash.label}") if features else ""
            built["ward_names"] = ward_names  # type: ignore[assignment]
            _charts[key] = built
        built = _charts[key]
    ward_names: dict[str, str] = built["ward_names"]  # type: ignore[assignment]
    wards = dash.tables["wards"].assign(name=lambda d: d["ward"].map(ward_names).fillna(d["ward"]))
    return {
        "dash": dash,
        "charts": built,
        "tiers": _rows(dash.tables["tiers"]),
        "trend": _rows(dash.tables["trend"]),
        "leakage": _rows(dash.tables["leakage"].head(10)),
        "deprivation": _rows(dash.tables["deprivation"]),
        "top_suppliers": _rows(dash.tables["top_suppliers"].head(20)) if dash.detail_visible else [],
        "wards": _rows(wards.sort_values("spend", ascending=False)),
    }


def api_dashboard(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> dict[str, Any]:
    """The same data as the dashboard page, as JSON-ready rows."""
    dash = queries.dashboard(ws, viewer, org)
    tables = {name: _rows(df) for name, df in dash.tables.items()
              if dash.detail_visible or name not in queries.DETAIL_TABLES}
    return {"ok": True, "org": org, "label": dash.label, "tiles": dash.tiles,
            "detail_visible": dash.detail_visible, "tables": tables}
