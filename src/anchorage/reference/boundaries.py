"""Import ward / LSOA boundary polygons from GeoJSON (WGS84) and serve them back to maps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from anchorage.core.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.reference.staging import add_quarantine, reasons, transaction
from anchorage.workspace import file_sha256

# Property-name stem -> boundary kind (WD25CD, LSOA11CD, LSOA21CD, MSOA21CD, LAD24CD...).
KIND_BY_STEM = {"wd": "ward", "ward": "ward", "lsoa": "lsoa", "msoa": "msoa", "lad": "lad"}
# GSS entity prefix -> kind, for files that only say "id" or "code" (e.g. Lewisham's ward file).
KIND_BY_PREFIX = {
    "E05": "ward",
    "W05": "ward",
    "S13": "ward",
    "N08": "ward",
    "E01": "lsoa",
    "W01": "lsoa",
    "S01": "lsoa",
    "95": "lsoa",
    "E02": "msoa",
    "W02": "msoa",
    "E06": "lad",
    "E07": "lad",
    "E08": "lad",
    "E09": "lad",
    "W06": "lad",
    "S12": "lad",
    "N09": "lad",
}
CODE_KEY = re.compile(r"(wd|ward|lsoa|msoa|lad)(\d\d)?cd")
GENERIC_CODE_KEYS = ("id", "code", "gss_code", "areacode", "area_code", "ons_code")
GENERIC_NAME_KEYS = ("name", "areaname", "area_name")
WGS84_FIX = (
    "Export the boundaries as GeoJSON in WGS84 (EPSG:4326), e.g. QGIS 'Export > Save Features As' "
    "with CRS EPSG:4326, or install pyproj so Anchorage can convert British National Grid itself."
)


def _load(path: Path) -> dict[str, Any]:
    """Parse the file as a GeoJSON FeatureCollection, with the parse position in any error."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as exc:
        raise InputFileError(
            str(path),
            f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
            f"(character {exc.pos}).",
            fix="Export or download the GeoJSON again; it may be cut short.",
        ) from None
    except UnicodeDecodeError as exc:
        raise InputFileError(
            str(path),
            f"is not UTF-8 text (byte {exc.start}), so it is not GeoJSON.",
            fix="Export the boundaries as GeoJSON.",
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise InputFileError(
            str(path),
            "is JSON but not a GeoJSON FeatureCollection.",
            fix="Export the boundaries as GeoJSON.",
        )
    if not data["features"]:
        raise InputFileError(
            str(path), "has no features (boundaries).", fix="Check you exported the right layer."
        )
    return data


def _keys(path: Path, features: list[Any], kind: str | None) -> tuple[str, str | None, str]:
    """(code property, name property, kind) detected from the first feature's properties."""
    props = (
        next(
            (f.get("properties") for f in features if isinstance(f, dict) and f.get("properties")),
            None,
        )
        or {}
    )
    lower = {k.lower(): k for k in props}
    coded = [(m.group(1), k) for k in props if (m := CODE_KEY.fullmatch(k.lower()))]
    coded.sort(key=lambda sk: (KIND_BY_STEM[sk[0]] != kind, list(KIND_BY_STEM).index(sk[0])))
    if coded:
        stem, code_key = coded[0]
        name_key = lower.get(code_key.lower()[:-2] + "nm") or next(
            (lower[n] for n in GENERIC_NAME_KEYS if n in lower), None
        )
        return code_key, name_key, kind or KIND_BY_STEM[stem]
    for generic in GENERIC_CODE_KEYS:
        value = str(props.get(lower.get(generic, ""), "") or "")
        if re.fullmatch(r"[EWSNK]\d{8}|95\w+", value):
            guess = next((k for p, k in KIND_BY_PREFIX.items() if value.startswith(p)), None)
            if kind or guess:
                name_key = next((lower[n] for n in GENERIC_NAME_KEYS if n in lower), None)
                return lower[generic], name_key, kind or guess or ""
    raise InputFileError(
        str(path),
        f"has no ward or LSOA code property (looked for WDxxCD, LSOAxxCD, id, code); "
        f"its properties are {', '.join(list(props)[:12])}.",
        fix="Use the ONS boundary file, whose properties include WD24CD or LSOA21CD.",
    )


def _positions(geom: Any) -> Any:
    """The first coordinate pair of a geometry, or None."""
    coords = geom.get("coordinates") if isinstance(geom, dict) else None
    if coords is None and isinstance(geom, dict):
        return next((p for g in geom.get("geometries") or [] if (p := _positions(g))), None)
    while isinstance(coords, list) and coords and isinstance(coords[0], list):
        coords = coords[0]
    return coords if isinstance(coords, list) and len(coords) >= 2 else None


def _to_wgs84(path: Path, features: list[Any]) -> None:
    """Convert British National Grid features in place, or explain how to export WGS84."""
    try:
        from pyproj import Transformer  # optional: only needed for files not already in WGS84
    except ImportError:
        raise InputFileError(
            str(path),
            "uses British National Grid coordinates (metres), not WGS84 longitude/latitude.",
            fix=WGS84_FIX,
        ) from None
    to_wgs = Transformer.from_crs(27700, 4326, always_xy=True)

    def walk(c: Any) -> Any:
        if c and isinstance(c[0], (int, float)):
            x, y = to_wgs.transform(c[0], c[1])
            return [round(x, 7), round(y, 7)]
        return [walk(v) for v in c]

    def convert(g: Any) -> None:
        if isinstance(g, dict) and "coordinates" in g:
            g["coordinates"] = walk(g["coordinates"])
        for sub in (g or {}).get("geometries") or []:
            convert(sub)

    for f in features:
        convert(f.get("geometry") if isinstance(f, dict) else None)


def import_boundaries(
    con: duckdb.DuckDBPyConnection, path: Path, *, kind: str | None = None
) -> ImportSummary:
    """Import a GeoJSON FeatureCollection of wards or LSOAs, replacing boundaries by (kind, code)."""
    path = Path(path)
    features = _load(path)["features"]
    code_key, name_key, kind = _keys(path, features, kind)
    summary = ImportSummary(
        kind="boundaries",
        file=str(path),
        upload_id=file_sha256(path),
        mapping={"code": code_key, **({"name": name_key} if name_key else {}), "kind": kind},
    )
    first = next(
        (p for f in features if isinstance(f, dict) and (p := _positions(f.get("geometry")))), None
    )
    if first and (abs(first[0]) > 180 or abs(first[1]) > 90):
        _to_wgs84(path, features)
        summary.notes.append("converted from British National Grid to WGS84")
    rows: dict[str, list[Any]] = {"ord": [], "code": [], "name": [], "geometry": []}
    bad: dict[str, list[Any]] = {"row_no": [], "reason": [], "raw": []}
    for no, f in enumerate(features, start=1):
        props = (f.get("properties") if isinstance(f, dict) else None) or {}
        code, geom = (
            str(props.get(code_key) or "").strip(),
            f.get("geometry") if isinstance(f, dict) else None,
        )
        if not code or not isinstance(geom, dict):
            bad["row_no"].append(no)
            bad["reason"].append("feature has no code" if not code else "feature has no geometry")
            bad["raw"].append(json.dumps(props)[:500])
            continue
        rows["ord"].append(no)
        rows["code"].append(code)
        rows["name"].append((str(props.get(name_key) or "").strip() or None) if name_key else None)
        rows["geometry"].append(json.dumps(geom, separators=(",", ":")))
    text, whole = pa.string(), pa.int64()
    new = pa.table(
        rows, schema=pa.schema([("ord", whole), ("code", text), ("name", text), ("geometry", text)])
    )
    quarantined = pa.table(
        bad, schema=pa.schema([("row_no", whole), ("reason", text), ("raw", text)])
    )
    with transaction(con):
        con.register("_bnd_new", new)
        con.register("_bnd_bad", quarantined)
        try:
            con.execute(
                "DELETE FROM quarantine WHERE kind = 'boundaries' AND upload_id = ?",
                [summary.upload_id],
            )
            if quarantined.num_rows:
                add_quarantine(
                    con,
                    "boundaries",
                    f"SELECT $1 AS upload_id, $2 AS source_file, row_no, "
                    f"'{code_key}' AS column_name, reason, raw FROM _bnd_bad",
                    [summary.upload_id, str(path)],
                )
            # Last feature wins when a code repeats, matching the CSV importers.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _bnd_last AS SELECT code, arg_max(name, ord) AS name, "
                "arg_max(geometry, ord) AS geometry FROM _bnd_new GROUP BY code ORDER BY code"
            )
            con.execute(
                "DELETE FROM boundaries WHERE kind = ? AND code IN (SELECT code FROM _bnd_last)",
                [kind],
            )
            con.execute(
                "INSERT INTO boundaries SELECT ?, code, name, geometry FROM _bnd_last", [kind]
            )
            kept = con.execute("SELECT count(*) FROM _bnd_last").fetchone()
            if kept and kept[0] < new.num_rows:
                summary.notes.append(
                    f"{new.num_rows - kept[0]} features repeat a code; the last one was kept"
                )
            con.execute("DROP TABLE _bnd_last")
        finally:
            con.unregister("_bnd_new")
            con.unregister("_bnd_bad")
    summary.rows_read, summary.rows_loaded, summary.rows_quarantined = (
        len(features),
        new.num_rows,
        quarantined.num_rows,
    )
    summary.quarantine_reasons = reasons(con, "boundaries", [summary.upload_id or ""])
    return summary


def load_boundaries(
    con: duckdb.DuckDBPyConnection, kind: str, codes: list[str] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (properties code, name) of the stored boundaries of one kind."""
    sql = "SELECT code, name, geometry FROM boundaries WHERE kind = ?"
    params: list[Any] = [kind]
    if codes is not None:
        sql += " AND list_contains(?, code)"
        params.append(list(codes))
    rows = con.execute(sql + " ORDER BY code", params).fetchall()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": code, "name": name},
                "geometry": json.loads(geom),
            }
            for code, name, geom in rows
        ],
    }
