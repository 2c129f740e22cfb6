"""The assets map: every anchor's assets over LSOAs shaded by IMD decile and ward outlines, as inline SVG with
a few lines of inline script for the filters (anchor, type, tenure, availability) in the offline report, or
none on the web, which filters on the server. No network needed."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

# IMD decile 1 (most deprived) dark to 10 light; grey where unknown.
DECILE_COLOURS = [
    "#08306b",
    "#08519c",
    "#2171b5",
    "#4292c6",
    "#6baed6",
    "#9ecae1",
    "#c6dbef",
    "#deebf7",
    "#eef5fc",
    "#f7fbff",
]
ANCHOR_COLOURS = [
    "#d4351c",
    "#00703c",
    "#f47738",
    "#912b88",
    "#28a197",
    "#b58840",
    "#5694ca",
    "#0b0c0c",
]
WIDTH = 900


def _polygons(geom: Mapping[str, Any]) -> list[list[list[float]]]:
    if geom.get("type") == "Polygon":
        return [geom["coordinates"][0]]
    if geom.get("type") == "MultiPolygon":
        return [p[0] for p in geom["coordinates"]]
    return []


class _Projection:
    def __init__(
        self, features: Sequence[Mapping[str, Any]], points: Sequence[tuple[float, float]]
    ) -> None:
        lons = [pt[0] for f in features for ring in _polygons(f["geometry"]) for pt in ring] + [
            p[0] for p in points
        ]
        lats = [pt[1] for f in features for ring in _polygons(f["geometry"]) for pt in ring] + [
            p[1] for p in points
        ]
        self.lon0, self.lat1 = min(lons), max(lats)
        self.kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
        span = max((max(lons) - self.lon0) * self.kx, max(lats) - min(lats), 1e-9)
        self.scale = WIDTH / span
        self.height = (max(lats) - min(lats)) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx * self.scale, (self.lat1 - lat) * self.scale


def _path(rings: list[list[list[float]]], proj: _Projection) -> str:
    parts = []
    for ring in rings:
        pts = [proj(p[0], p[1]) for p in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def asset_map_html(
    lsoas: Mapping[str, Any],
    imd: Mapping[str, int],
    wards: Mapping[str, Any],
    assets: Sequence[Mapping[str, Any]],
    anchors: Mapping[str, str],
    *,
    controls: bool = True,
) -> str:
    """An HTML fragment: filter controls and the SVG map. `assets` rows need org, name, lat, lon, type,
    tenure and availability ('available', 'in use' or 'unknown'). With controls=False there are no
    checkboxes and no script (for pages under a CSP that forbids inline scripts: they filter on the server)."""
    feats = list(lsoas.get("features") or []) + list(wards.get("features") or [])
    located = [
        a
        for a in assets
        if a.get("lat") is not None
        and a.get("lon") is not None
        and not (isinstance(a["lat"], float) and math.isnan(a["lat"]))
    ]
    if not feats and not located:
        return "<p>No boundaries or located assets to map yet.</p>"
    proj = _Projection(feats, [(a["lon"], a["lat"]) for a in located])
    colour = {org: ANCHOR_COLOURS[i % len(ANCHOR_COLOURS)] for i, org in enumerate(sorted(anchors))}
    svg = [
        f'<svg viewBox="0 0 {WIDTH} {proj.height:.0f}" width="100%" role="img" '
        f'aria-label="Map of {len(located)} assets over LSOAs shaded by deprivation" class="asset-map">'
    ]
    for f in lsoas.get("features") or []:
        code = f["properties"].get("code")
        d = imd.get(code)
        fill = DECILE_COLOURS[d - 1] if d else "#dddddd"
        svg.append(
            f'<path d="{_path(_polygons(f["geometry"]), proj)}" fill="{fill}" stroke="#ffffff" '
            f'stroke-width="0.4"><title>{html.escape(str(code))}: IMD decile {d or "unknown"}</title></path>'
        )
    for f in wards.get("features") or []:
        svg.append(
            f'<path d="{_path(_polygons(f["geometry"]), proj)}" fill="none" stroke="#0b0c0c" '
            f'stroke-width="1.2"><title>{html.escape(str(f["properties"].get("name") or ""))}</title></path>'
        )
    for a in located:
        x, y = proj(a["lon"], a["lat"])
        attrs = " ".join(
            f'data-{k}="{html.escape(str(a.get(k) or "unknown"))}"'
            for k in ("org", "type", "tenure", "availability")
        )
        tip = html.escape(
            f"{a.get('name') or a.get('asset_key')} ({anchors.get(a['org'], a['org'])}; "
            f"{a.get('type') or 'type unknown'}; {a.get('tenure') or 'tenure unknown'}; "
            f"{a.get('availability')})"
        )
        svg.append(
            f'<circle class="asset" cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour.get(a["org"], "#000")}" '
            f'stroke="#fff" stroke-width="1" {attrs}><title>{tip}</title></circle>'
        )
    svg.append("</svg>")
    fieldsets = []
    for key, label in (
        ("org", "Anchor"),
        ("type", "Type"),
        ("tenure", "Tenure"),
        ("availability", "Availability"),
    ):
        values = sorted({str(a.get(key) or "unknown") for a in located})
        boxes = "".join(
            f'<label><input type="checkbox" data-filter="{key}" value="{html.escape(v)}" checked> '
            f"{html.escape(anchors.get(v, v) if key == 'org' else v)}</label> "
            for v in values
        )
        fieldsets.append(f"<fieldset><legend>{label}</legend>{boxes}</fieldset>")
    legend = "".join(
        f'<span style="background:{c};padding:0 8px" title="decile {i + 1}">{i + 1}</span>'
        for i, c in enumerate(DECILE_COLOURS)
    )
    script = """<script>
(function(){var boxes=document.querySelectorAll('input[data-filter]');function apply(){var on={};
boxes.forEach(function(b){on[b.dataset.filter]=on[b.dataset.filter]||{};on[b.dataset.filter][b.value]=b.checked;});
document.querySelectorAll('circle.asset').forEach(function(c){var show=['org','type','tenure','availability']
.every(function(k){return !on[k]||on[k][c.dataset[k]];});c.style.display=show?'':'none';});}
boxes.forEach(function(b){b.addEventListener('change',apply);});})();
</script>"""
    key = " ".join(
        f'<span style="color:{colour[o]}" aria-hidden="true">&#9679;</span> {html.escape(anchors.get(o, o))}'
        for o in sorted({a["org"] for a in located})
        if o in colour
    )
    if not controls:
        return (
            f'<div class="asset-map-wrap"><p>IMD 2019 decile of each LSOA (1 = most deprived): {legend}</p>'
            f"<p>Anchors: {key}</p>"
            f"{''.join(svg)}<p>{len(assets) - len(located):,} assets have no location and are not shown.</p></div>"
        )
    data = json.dumps({"assets": len(located), "not_mapped": len(assets) - len(located)})
    return (
        f'<div class="asset-map-wrap" data-summary=\'{html.escape(data)}\'><form class="filters">'
        f"{''.join(fieldsets)}</form><p>IMD 2019 decile of each LSOA (1 = most deprived): {legend}</p>"
        f"<p>Anchors: {key}</p>"
        f"{''.join(svg)}<p>{len(assets) - len(located):,} assets have no location and are not shown.</p>"
        f"</div>{script}"
    )
