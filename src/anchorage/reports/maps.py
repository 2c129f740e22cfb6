"""Ward choropleth maps from GeoJSON, drawn with plain matplotlib (no geopandas/shapely/cartopy)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import matplotlib
import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path
from matplotlib.ticker import FuncFormatter

from anchorage.reports.charts import (
    RC,
    axis_money,
    chart_title,
    figure_to_svg,
    new_figure,
    safe_text,
    xml_id,
)
from anchorage.reports.tables import fmt_money

NO_SPEND_GREY = "#dddddd"
CMAP = "viridis_r"
CODE_KEYS = ("code", "id", "WD22CD", "WD23CD", "WD24CD", "wd22cd", "ward_code")
NAME_KEYS = ("name", "WD22NM", "WD23NM", "WD24NM", "wd22nm", "ward_name")


def _first(props: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    """The first present, non-empty property among keys, as a string."""
    for k in keys:
        v = props.get(k)
        if v not in (None, ""):
            return str(v)
    return None


def iter_wards(
    features: Mapping[str, Any],
) -> Iterator[tuple[str, str, list[list[list[list[float]]]]]]:
    """(code, name, polygons) for each Polygon/MultiPolygon feature; other geometries are skipped."""
    for i, feat in enumerate(features.get("features") or []):
        geom = feat.get("geometry") or {}
        props = feat.get("properties") or {}
        if geom.get("type") == "Polygon":
            polys = [geom["coordinates"]]
        elif geom.get("type") == "MultiPolygon":
            polys = geom["coordinates"]
        else:
            continue
        code = _first(props, CODE_KEYS) or f"feature{i}"
        yield code, _first(props, NAME_KEYS) or code, polys


def ward_names_from(features: Mapping[str, Any]) -> dict[str, str]:
    """Ward code → name from a GeoJSON FeatureCollection's properties."""
    return {code: name for code, name, _ in iter_wards(features)}


def _signed_area(ring: np.ndarray) -> float:
    """Shoelace signed area (positive = anticlockwise)."""
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))


def _ward_path(polys: list[list[list[list[float]]]], kx: float) -> Path:
    """One compound path for a ward: outer rings anticlockwise, holes clockwise, so holes stay empty."""
    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for poly in polys:
        for j, ring in enumerate(poly):
            pts = np.asarray(ring, dtype=float)[:, :2]
            if len(pts) < 3:
                continue
            pts = np.column_stack([pts[:, 0] * kx, pts[:, 1]])
            if (_signed_area(pts) > 0) != (j == 0):
                pts = pts[::-1]
            pts = np.vstack([pts, pts[:1]])
            c = np.full(len(pts), Path.LINETO, dtype=Path.code_type)
            c[0], c[-1] = Path.MOVETO, Path.CLOSEPOLY
            verts.append(pts)
            codes.append(c)
    return Path(np.concatenate(verts), np.concatenate(codes))


def ward_map_svg(
    features: Mapping[str, Any],
    values: Mapping[str, float],
    title: str,
    *,
    chart_id: str = "ward-map",
    value_label: str = "£ local spend",
) -> str:
    """A choropleth of wards (GeoJSON lon/lat) shaded by value; zero or absent wards in light grey."""
    wards = [(c, n, p) for c, n, p in iter_wards(features) if p]
    if not wards:
        return ""
    lats = [pt[1] for _, _, polys in wards for poly in polys for ring in poly for pt in ring]
    kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
    vals = {c: float(v) for c, v in values.items() if v is not None and not math.isnan(float(v))}
    vmax = max([v for v in vals.values() if v > 0], default=1.0)
    norm = Normalize(vmin=0, vmax=vmax)
    cmap = matplotlib.colormaps[CMAP]
    tips: dict[str, str] = {}
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 7.5)
        ax = fig.add_subplot()
        for code, name, polys in wards:
            v = vals.get(code, 0.0)
            colour = cmap(norm(v)) if v > 0 else NO_SPEND_GREY
            gid = f"ward-{xml_id(code)}"
            ax.add_patch(
                PathPatch(
                    _ward_path(polys, kx),
                    facecolor=colour,
                    edgecolor="white",
                    linewidth=0.8,
                    gid=gid,
                )
            )
            tips[gid] = f"{name}: {fmt_money(v) if v > 0 else 'no local spend recorded'}"
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
        chart_title(fig, safe_text(title))
        sm = ScalarMappable(norm=norm, cmap=cmap)
        fig.colorbar(sm, ax=ax, shrink=0.6, label=value_label, format=FuncFormatter(axis_money))
        ax.legend(
            handles=[
                Patch(facecolor=NO_SPEND_GREY, edgecolor="#b1b4b6", label="No local spend recorded")
            ],
            loc="upper left",
            bbox_to_anchor=(0, 0),
            frameon=False,
            fontsize=10,
        )
        ranked = sorted(((vals.get(c, 0.0), n) for c, n, _ in wards), reverse=True)
        top = [f"{n} ({fmt_money(v)})" for v, n in ranked[:3] if v > 0]
        none = sum(1 for v, _ in ranked if v <= 0)
        desc = (
            f"Map of {len(wards)} wards shaded by {value_label}. "
            + (f"Highest: {', '.join(top)}. " if top else "")
            + f"{none} ward{'s' if none != 1 else ''} with no local spend recorded."
        )
        return figure_to_svg(fig, chart_id=chart_id, title=title, desc=desc, gid_titles=tips)
