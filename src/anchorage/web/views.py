"""What a dashboard page shows, built once per data version, anchor and detail visibility (charts are slow)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

from anchorage.access import queries
from anchorage.access.gate import Viewer
from anchorage.procurement.analysis import COLLABORATIVE, frame_records
from anchorage.reports import charts, maps
from anchorage.reports.build import ward_geography
from anchorage.workspace import Workspace

_views: dict[tuple[str, str, str, str, frozenset[str]], dict[str, Any]] = {}
_lock = threading.Lock()


def cached(kind: str, ws: Workspace, viewer: Viewer, org: str, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A view depends only on the data version, the anchor and what the viewer may see: build it once.
    Views of an older data version are dropped, so an upload shows at once."""
    version = queries.data_version(ws)
    key = (str(ws.root), version, kind, org, viewer.detail_orgs)
    with _lock:
        if key not in _views:
            for old in [k for k in _views if k[0] == key[0] and k[1] != version]:
                del _views[old]
            _views[key] = build()
        return _views[key]


def dashboard_view(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> dict[str, Any]:
    return cached("page", ws, viewer, org, lambda: _dashboard_view(ws, viewer, org))


def _dashboard_view(ws: Workspace, viewer: Viewer, org: str) -> dict[str, Any]:
    dash = queries.dashboard(ws, viewer, org)
    t = queries.analysis(ws, viewer).tables
    anchors = {a.slug: a.name for a in ws.config.anchors}
    tiers = t["tiers"] if org == COLLABORATIVE else t["tiers"][t["tiers"]["org"] == org]
    trend = t["trend"] if org == COLLABORATIVE else t["trend"][t["trend"]["org"] == org]
    features, ward_names = ward_geography(ws)
    wards = t["wards"][t["wards"]["org"] == org]
    built = {
        "tiers": charts.tier_chart(tiers, anchors),
        "trend": charts.trend_chart(trend, anchors),
        "leakage": charts.leakage_chart(t["leakage"], org, org_label=dash.label),
        "deprivation": charts.deprivation_chart(t["deprivation"], org, org_label=dash.label),
        "suppliers": charts.suppliers_chart(t["top_suppliers"], org, org_label=dash.label)
        if dash.detail_visible else "",
        "map": maps.ward_map_svg(features, dict(zip(wards["ward"], wards["spend"], strict=True)),
                                 f"Local spend by ward: {dash.label}") if features else "",
    }
    named = dash.tables["wards"].assign(name=lambda d: d["ward"].map(ward_names).fillna(d["ward"]))
    return {
        "dash": dash,
        "charts": built,
        "tiers": frame_records(dash.tables["tiers"]),
        "trend": frame_records(dash.tables["trend"]),
        "leakage": frame_records(dash.tables["leakage"].head(10)),
        "deprivation": frame_records(dash.tables["deprivation"]),
        "top_suppliers": frame_records(dash.tables["top_suppliers"].head(20)) if dash.detail_visible else [],
        "wards": frame_records(named.sort_values("spend", ascending=False)),
    }


def api_dashboard(ws: Workspace, viewer: Viewer, org: str = COLLABORATIVE) -> bytes:
    """The same data as the dashboard page, as a JSON document (serialised once per data version)."""
    return cached("api", ws, viewer, org, lambda: {"json": _api_dashboard(ws, viewer, org)})["json"]


def _api_dashboard(ws: Workspace, viewer: Viewer, org: str) -> bytes:
    dash = queries.dashboard(ws, viewer, org)
    tables = {name: frame_records(df) for name, df in dash.tables.items()
              if dash.detail_visible or name not in queries.DETAIL_TABLES}
    body = {"ok": True, "org": org, "label": dash.label, "tiles": dash.tiles,
            "detail_visible": dash.detail_visible, "tables": tables}
    return json.dumps(body, default=str).encode()


def benchmark_rows(ws: Workspace, viewer: Viewer) -> list[dict[str, Any]]:
    return cached("benchmark", ws, viewer, COLLABORATIVE,
                  lambda: {"rows": frame_records(queries.benchmark(ws, viewer))})["rows"]
