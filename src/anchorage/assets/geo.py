"""Coordinates: British National Grid ⇄ WGS84 with pyproj, and which boundary a point falls in."""

from __future__ import annotations

import json
from functools import cache

import duckdb
import numpy as np
import numpy.typing as npt
from pyproj import Transformer

# Great Britain's extent in the National Grid (metres) and the UK's in latitude/longitude.
BNG_MAX_E, BNG_MAX_N = 700_000, 1_300_000
UK_LAT, UK_LON = (49.0, 61.5), (-9.0, 2.5)


@cache
def _to_wgs84() -> Transformer:
    return Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


@cache
def _to_bng() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def bng_to_latlon(easting: np.ndarray, northing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OS National Grid easting/northing (EPSG:27700) → latitude, longitude (WGS84)."""
    lon, lat = _to_wgs84().transform(np.asarray(easting, float), np.asarray(northing, float))
    return np.asarray(lat), np.asarray(lon)


def latlon_to_bng(lat: npt.ArrayLike, lon: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Latitude, longitude (WGS84) → OS National Grid easting/northing in metres."""
    e, n = _to_bng().transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(e), np.asarray(n)


def fill_coordinates(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Complete each row's pair of coordinates: lat/lon from easting/northing and the reverse.

    `table` has row_no, easting, northing, lat, lon; pyproj converts in one vectorised call each way."""
    for have, want, convert in (
        ("easting", ("lat", "lon"), bng_to_latlon),
        ("lat", ("easting", "northing"), latlon_to_bng),
    ):
        a, b = ("easting", "northing") if have == "easting" else ("lat", "lon")
        rows = con.execute(
            f"SELECT row_no, {a}, {b} FROM {table} WHERE {a} IS NOT NULL AND {want[0]} IS NULL"
        ).fetchnumpy()
        if not len(rows["row_no"]):
            continue
        x, y = convert(rows[a], rows[b])
        conv = {"row_no": rows["row_no"], "x": x, "y": y}
        con.register("_conv", conv)
        try:
            con.execute(
                f"UPDATE {table} t SET {want[0]} = c.x, {want[1]} = c.y FROM _conv c "
                "WHERE t.row_no = c.row_no"
            )
        finally:
            con.unregister("_conv")


def _rings(geometry: dict) -> list[np.ndarray]:
    polys = (
        [geometry["coordinates"]]
        if geometry.get("type") == "Polygon"
        else geometry.get("coordinates", [])
    )
    return [np.asarray(ring, float)[:, :2] for poly in polys for ring in poly[:1] if len(ring) >= 3]


def locate(
    con: duckdb.DuckDBPyConnection, kind: str, lon: np.ndarray, lat: np.ndarray
) -> list[str | None]:
    """The code of the stored boundary (ward, lsoa) each point falls in; None outside them all."""
    from matplotlib.path import Path

    out: list[str | None] = [None] * len(lon)
    if not len(lon):
        return out
    pts = np.column_stack([lon, lat])
    todo = np.ones(len(lon), bool)
    for code, geom in con.execute(
        "SELECT code, geometry FROM boundaries WHERE kind = ?", [kind]
    ).fetchall():
        for ring in _rings(json.loads(geom)):
            lo, hi = ring.min(axis=0), ring.max(axis=0)
            cand = (
                todo
                & (pts[:, 0] >= lo[0])
                & (pts[:, 0] <= hi[0])
                & (pts[:, 1] >= lo[1])
                & (pts[:, 1] <= hi[1])
            )
            if not cand.any():
                continue
            idx = np.flatnonzero(cand)
            inside = idx[Path(ring).contains_points(pts[idx])]
            for i in inside:
                out[i] = code
            todo[inside] = False
    return out


def near_pairs_sql(
    left: str, right: str, left_cols: list[str], right_cols: list[str], radius: str, cell_m: float
) -> str:
    """SQL for every (left, right) pair of rows within `radius` metres (an SQL expression over the left
    table's columns), found by joining nearby grid cells rather than comparing all pairs. Both tables have
    easting and northing; output columns are l_<col>, r_<col> and distance_m."""
    lsel = ", ".join(f"{c} AS l_{c}" for c in left_cols)
    rsel = ", ".join(f"{c} AS r_{c}" for c in right_cols)
    return f"""
        WITH l AS (
            SELECT {lsel}, easting AS l_e, northing AS l_n, ({radius}) AS l_radius,
                   floor(easting / {cell_m})::BIGINT AS cx, floor(northing / {cell_m})::BIGINT AS cy,
                   ceil(({radius}) / {cell_m})::BIGINT AS reach
            FROM {left} WHERE easting IS NOT NULL AND northing IS NOT NULL
        ), lx AS (
            SELECT l.*, unnest(range(cx - reach, cx + reach + 1)) AS kx FROM l
        ), lc AS (
            -- Only cells whose nearest point is within reach of the point (the circle, not its square).
            SELECT * FROM (SELECT lx.*, unnest(range(cy - reach, cy + reach + 1)) AS ky FROM lx)
            WHERE greatest(kx * {cell_m} - l_e, 0, l_e - (kx + 1) * {cell_m}) ** 2
                + greatest(ky * {cell_m} - l_n, 0, l_n - (ky + 1) * {cell_m}) ** 2 <= l_radius ** 2
        ), r AS (
            SELECT {rsel}, easting AS r_e, northing AS r_n,
                   floor(easting / {cell_m})::BIGINT AS kx, floor(northing / {cell_m})::BIGINT AS ky
            FROM {right} WHERE easting IS NOT NULL AND northing IS NOT NULL
        )
        SELECT lc.* EXCLUDE (cx, cy, reach, kx, ky, l_e, l_n), r.* EXCLUDE (kx, ky, r_e, r_n),
               sqrt((l_e - r_e) ** 2 + (l_n - r_n) ** 2) AS distance_m
        FROM lc JOIN r USING (kx, ky)
        WHERE (l_e - r_e) ** 2 + (l_n - r_n) ** 2 <= l_radius ** 2
    """
