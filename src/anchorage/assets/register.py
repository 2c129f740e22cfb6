"""Asset register import: Transparency Code land and building assets, NHS ERIC sites, free-form registers.

One import kind ("assets") on the shared pipeline: every row is loaded or quarantined with its reason;
coordinates are completed with pyproj (BNG ⇄ WGS84) or, failing both, taken from the postcode."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from anchorage.assets import fields as f
from anchorage.assets.dedupe import uprn_duplicates
from anchorage.assets.geo import BNG_MAX_E, BNG_MAX_N, UK_LAT, UK_LON, fill_coordinates, locate
from anchorage.core.errors import MappingError
from anchorage.ingest import progress as prog
from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.pipeline import Batch, Transform, run_import, tally_reasons
from anchorage.ingest.result import ImportSummary
from anchorage.reference.postcode import postcode_display_sql, postcode_key_sql
from anchorage.store.snapshots import Snapshot
from anchorage.workspace import Workspace

# An anchor's land and buildings register is a snapshot: a new one supersedes the last (kept, restorable).
ASSET_SNAPSHOT = Snapshot("asset register", ("assets",))
NUMERIC = {  # field -> (label in reasons, SQL parser)
    "building_m2": ("building size", f.area_m2_sql),
    "land_ha": ("land area", f.land_ha_sql),
    "gross_floor_m2": ("gross floor area", f.area_m2_sql),
    "occupied_floor_m2": ("occupied floor area", f.area_m2_sql),
    "running_cost": ("running cost", f.number_sql),
    "hard_fm_cost": ("hard FM cost", f.number_sql),
    "soft_fm_cost": ("soft FM cost", f.number_sql),
    "energy_cost": ("energy cost", f.number_sql),
    "backlog_maintenance": ("backlog maintenance", f.number_sql),
    "backlog_high": ("high risk backlog", f.number_sql),
    "backlog_significant": ("significant risk backlog", f.number_sql),
    "backlog_moderate": ("moderate risk backlog", f.number_sql),
    "backlog_low": ("low risk backlog", f.number_sql),
}


def _q(s: str) -> str:
    return s.replace("'", "''")


def _sum_parts(parts: list[str]) -> str:
    """The sum of the present parts; NULL when none is present."""
    return (
        f"CASE WHEN coalesce({', '.join(parts)}) IS NOT NULL THEN "
        + " + ".join(f"coalesce({p}, 0)" for p in parts)
        + " END"
    )


def _checks(head: dict[str, str]) -> list[tuple[str, str, str]]:
    """(SQL condition, SQL reason, column header) for each way a row can fail, in the order reported."""
    uprn_bad = f"uprn_raw IS NOT NULL AND NOT {f.uprn_ok_sql('uprn_raw')}"
    gb = f"e_num BETWEEN 0 AND {BNG_MAX_E} AND n_num BETWEEN 0 AND {BNG_MAX_N}"
    uk = f"lat_num BETWEEN {UK_LAT[0]} AND {UK_LAT[1]} AND lon_num BETWEEN {UK_LON[0]} AND {UK_LON[1]}"
    checks = [
        (
            "uprn_raw IS NULL AND asset_ref IS NULL AND name IS NULL",
            "'the asset has no UPRN, asset id or name'",
            head["name"],
        ),
        (
            uprn_bad,
            """'UPRN "' || uprn_raw || '" is not a number of up to 12 digits'""",
            head["uprn"],
        ),
        (
            "(e_raw IS NULL) <> (n_raw IS NULL)",
            "'only one of easting and northing is given'",
            head["easting"],
        ),
        (
            "e_raw IS NOT NULL AND n_raw IS NOT NULL AND (e_num IS NULL OR n_num IS NULL)",
            """'easting/northing "' || e_raw || ', ' || n_raw || '" are not numbers'""",
            head["easting"],
        ),
        (
            f"NOT xy_is_latlon AND e_num IS NOT NULL AND n_num IS NOT NULL AND NOT ({gb})",
            """'easting/northing "' || e_raw || ', ' || n_raw || '" is outside Great Britain'""",
            head["easting"],
        ),
        (
            "(lat_raw IS NULL) <> (lon_raw IS NULL)",
            "'only one of latitude and longitude is given'",
            head["latitude"],
        ),
        (
            "lat_raw IS NOT NULL AND lon_raw IS NOT NULL AND (lat_num IS NULL OR lon_num IS NULL)",
            """'latitude/longitude "' || lat_raw || ', ' || lon_raw || '" are not numbers'""",
            head["latitude"],
        ),
        (
            f"lat_num IS NOT NULL AND lon_num IS NOT NULL AND NOT ({uk})",
            """'latitude/longitude "' || lat_raw || ', ' || lon_raw || '" is outside the UK'""",
            head["latitude"],
        ),
    ]
    checks += [
        (
            f"{k}_raw IS NOT NULL AND {k}_n IS NULL",
            f"""'{label} "' || {k}_raw || '" is not a number'""",
            head[k],
        )
        for k, (label, _) in NUMERIC.items()
    ]
    return checks


def _prepare(b: Batch) -> ImportSummary:
    if not any(k in b.mapping.fields for k in f.IDENTITY):
        raise MappingError(
            b.source_file,
            "no column for the UPRN, asset id or name (columns found: "
            f"{', '.join(b.part.columns)}).",
            web_fix="Rename the column in the file, or choose the columns on the preview page.",
            fix='Rename a column, or pass --mapping FILE with a line like asset_ref = "Your id column".',
        )
    t = b.parsed
    val = {k: f.present_sql(b.col(k)) for k in f.ASSET_FIELDS}
    head = {k: _q(b.column_header(k)) for k in f.ASSET_FIELDS}
    size_is_land = f.is_land_size_sql(val["building_m2"])
    num_cols = ",\n".join(
        f"{val[k]} AS {k}_raw, {parse(k + '_raw')} AS {k}_n" for k, (_, parse) in NUMERIC.items()
    )
    checks = _checks(head)
    address = (
        f"nullif(concat_ws(', ', nullif(concat_ws(' ', {val['street_number']}, {val['street']}), ''), "
        f"{val['address']}, {val['town']}), '')"
    )
    prog.run(
        b.con,
        f"""
        CREATE TEMP TABLE {t} AS
        WITH s AS (
            SELECT rowid + 1 AS row_no, {b.line_sql()} AS line_no, *
            FROM {b.part.table} WHERE NOT ({b.all_blank_sql()})
        ), v AS (
            SELECT row_no, line_no,
                   {val["uprn"]} AS uprn_raw, {val["asset_ref"]} AS asset_ref, {val["name"]} AS name,
                   {address} AS address, {val["postcode"]} AS postcode_raw,
                   {val["easting"]} AS e_raw, {val["northing"]} AS n_raw,
                   {val["latitude"]} AS lat_raw, {val["longitude"]} AS lon_raw,
                   {f.number_sql("e_raw")} AS e_num, {f.number_sql("n_raw")} AS n_num,
                   {f.number_sql("lat_raw")} AS lat_num, {f.number_sql("lon_raw")} AS lon_num,
                   -- Some lists put latitude/longitude in the X/Y columns: small numbers in the UK's range.
                   coalesce(e_num BETWEEN {UK_LON[0]} AND {UK_LON[1]} AND n_num BETWEEN {UK_LAT[0]} AND {UK_LAT[1]}
                            AND lat_raw IS NULL, false) AS xy_is_latlon,
                   {val["tenure"]} AS tenure,
                   coalesce({val["holding_type"]}, {val["other_holding"]}) AS holding_type,
                   {val["asset_type"]} AS asset_type, {f.energy_rating_sql(val["energy_rating"])} AS energy_rating,
                   {val["services"]} AS services, {f.flag_sql(val["acv_flag"])} AS acv_flag,
                   {size_is_land} AS size_is_land,
                   {num_cols},
                   {b.raw_json_sql("s")} AS source_row
            FROM s
        )
        SELECT *,
            CASE WHEN uprn_raw IS NOT NULL AND {f.uprn_ok_sql("uprn_raw")} THEN {f.uprn_sql("uprn_raw")} END AS uprn,
            CASE WHEN xy_is_latlon THEN n_num ELSE lat_num END AS lat,
            CASE WHEN xy_is_latlon THEN e_num ELSE lon_num END AS lon,
            CASE WHEN NOT xy_is_latlon THEN e_num END AS easting,
            CASE WHEN NOT xy_is_latlon THEN n_num END AS northing,
            concat_ws('; ', {", ".join(f"CASE WHEN {c} THEN {m} END" for c, m, _ in checks)}) AS reason,
            CASE {" ".join(f"WHEN {c} THEN '{col}'" for c, _, col in checks)} END AS bad_column,
            CAST(NULL AS VARCHAR) AS location_source, CAST(NULL AS VARCHAR) AS lsoa, CAST(NULL AS VARCHAR) AS ward
        FROM v
    """,
        stage=f"Checking {b.source_file}",
        progress=b.progress,
    )
    b.con.execute(
        f"UPDATE {t} SET location_source = 'file' WHERE easting IS NOT NULL OR lat IS NOT NULL"
    )
    _locate(b)
    out = ImportSummary(kind="assets", file=b.source_file)
    out.rows_read, out.rows_loaded, out.rows_quarantined = b.con.execute(  # type: ignore[misc]
        f"SELECT count(*), count(*) FILTER (reason = ''), count(*) FILTER (reason <> '') FROM {t}"
    ).fetchone()
    tally_reasons(out, b.con, t)
    converted = b.con.execute(
        f"SELECT count(*) FILTER (location_source = 'postcode'), "
        f"count(*) FILTER (location_source IS NULL), count(*) FILTER (xy_is_latlon) "
        f"FROM {t} WHERE reason = ''"
    ).fetchone()
    assert converted is not None
    if converted[0]:
        out.notes.append(
            f"{converted[0]:,} assets without coordinates were placed at their postcode's centre"
        )
    if converted[1]:
        out.notes.append(
            f"{converted[1]:,} assets have no coordinates and no known postcode, so are not mapped"
        )
    if converted[2]:
        out.notes.append(
            f"{converted[2]:,} rows gave latitude/longitude in the X/Y columns; read as such"
        )
    return out


def _locate(b: Batch) -> None:
    """Fill coordinates from the postcode where the file gave none; convert; find LSOA and ward."""
    t = b.parsed
    b.con.execute(f"""
        UPDATE {t} SET lat = p.lat, lon = p.long, location_source = 'postcode'
        FROM postcodes p
        WHERE {t}.lat IS NULL AND {t}.easting IS NULL AND {t}.reason = ''
          AND p.pcd_key = {postcode_key_sql(f"{t}.postcode_raw")} AND p.lat IS NOT NULL
    """)
    fill_coordinates(b.con, t)
    b.con.execute(f"""
        UPDATE {t} SET lsoa = coalesce(p.lsoa11, p.lsoa21), ward = p.ward
        FROM postcodes p WHERE p.pcd_key = {postcode_key_sql(f"{t}.postcode_raw")} AND {t}.reason = ''
    """)
    for kind, col in (("lsoa", "lsoa"), ("ward", "ward")):
        rows = b.con.execute(
            f"SELECT row_no, lon, lat FROM {t} WHERE reason = '' AND {col} IS NULL "
            "AND lat IS NOT NULL"
        ).fetchnumpy()
        if not len(rows["row_no"]):
            continue
        codes = locate(b.con, kind, rows["lon"], rows["lat"])
        found = {"row_no": rows["row_no"], "code": np.array(codes, dtype=object)}
        b.con.register("_found", found)
        try:
            b.con.execute(
                f"UPDATE {t} SET {col} = x.code FROM _found x WHERE {t}.row_no = x.row_no "
                "AND x.code IS NOT NULL"
            )
        finally:
            b.con.unregister("_found")


def _load(b: Batch) -> None:
    t = b.parsed
    size_m2 = "CASE WHEN size_is_land THEN NULL ELSE building_m2_n END"
    land = (
        "coalesce(land_ha_n, CASE WHEN size_is_land THEN "
        + f.land_ha_sql("building_m2_raw")
        + " END)"
    )
    running = f"coalesce(running_cost_n, {_sum_parts(['hard_fm_cost_n', 'soft_fm_cost_n', 'energy_cost_n'])})"
    backlog = (
        "coalesce(backlog_maintenance_n, "
        + _sum_parts(
            ["backlog_high_n", "backlog_significant_n", "backlog_moderate_n", "backlog_low_n"]
        )
        + ")"
    )
    key = (
        "coalesce('ID:' || asset_ref, 'UPRN:' || uprn, 'NAME:' || upper(name) || "
        "coalesce(' @ ' || postcode, ''))"
    )
    prog.run(
        b.con,
        f"""
        INSERT INTO assets
        SELECT ?, ?, row_no, {key}, uprn, asset_ref, name, address, postcode, asset_type, tenure, holding_type,
               {size_m2}, {land}, energy_rating, gross_floor_m2_n, occupied_floor_m2_n,
               CAST({running} AS DECIMAL(18, 2)), CAST({backlog} AS DECIMAL(18, 2)), services, acv_flag,
               easting, northing, lat, lon, location_source, lsoa, ward, source_row
        FROM (SELECT *, {postcode_display_sql("postcode_raw")} AS postcode FROM {t} WHERE reason = '')
    """,
        [b.upload_id, b.org],
        stage=f"Loading {b.source_file}",
        progress=b.progress,
    )
    b.con.execute(
        f"""
        INSERT INTO quarantine
        SELECT ?, ?, 'assets', ?, ?, row_no, line_no, bad_column, reason, NULL, source_row
        FROM {t} WHERE reason <> ''
    """,
        [b.upload_id, b.org, b.source_file, b.part.sheet],
    )


def import_assets(
    ws: Workspace,
    path: Path,
    org: str,
    *,
    mapping_file: Path | None = None,
    progress: prog.Progress | None = None,
) -> ImportSummary:
    """Load an anchor's land and buildings register; returns the reconciliation (rows in = loaded + quarantined)."""
    summary = run_import(
        ws,
        path,
        org,
        "assets",
        Transform(_prepare, _load, snapshot=ASSET_SNAPSHOT),
        delete_sql=[
            "DELETE FROM assets WHERE upload_id = ?",
            "DELETE FROM quarantine WHERE upload_id = ?",
        ],
        mapping_file=mapping_file,
        progress=progress,
        money=False,
    )
    if not summary.duplicate:
        with ws.warehouse(read_only=True) as con:
            dups = uprn_duplicates(con, org=summary.org)
        if len(dups):
            summary.notes.append(
                f"{len(dups):,} UPRNs in this register are also held by another anchor or "
                "repeat within it; see `anchorage assets duplicates`"
            )
    return summary


register(
    ImportKind(
        "assets",
        "Land and buildings register (Transparency Code, ERIC or your own)",
        import_assets,
        snapshot=ASSET_SNAPSHOT,
        web=True,
    )
)
