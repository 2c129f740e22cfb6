"""Import ONS geography reference data (ONSPD/NSPL postcodes, IMD, area names) with set-based DuckDB SQL."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from anchorage.core.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.reference.boundaries import import_boundaries
from anchorage.reference.postcode import (
    POSTCODE_ALIASES,
    CsvSource,
    find_postcode_csvs,
    is_postcode_header,
    is_uk_postcode_sql,
    map_columns,
    postcode_key_sql,
    read_header,
)
from anchorage.reference.staging import (
    ROW_NO,
    add_quarantine,
    code_sql,
    reasons,
    run_staging,
    transaction,
)
from anchorage.workspace import file_sha256

AREA_ALIASES: dict[str, tuple[str, ...]] = {
    "wd_cd": ("wdcd", r"wd\d\dcd(_proposed)?", "ward_code"),
    "wd_nm": ("wdnm", r"wd\d\dnm(_proposed)?", "ward_name"),
    "lad_cd": ("ladcd", r"lad\d\dcd", "lad_code"),
    "lad_nm": ("ladnm", r"lad\d\dnm", "lad_name"),
    "rgn_cd": ("rgncd", r"rgn\d\dcd"),
    "rgn_nm": ("rgnnm", r"rgn\d\dnm"),
    "ctry_cd": ("ctrycd", r"ctry\d\dcd"),
    "ctry_nm": ("ctrynm", r"ctry\d\dnm"),
}
COUNTRY_BY_LETTER = {"E": "E92000001", "W": "W92000004", "S": "S92000003", "N": "N92000002"}
NOT_RECOGNISED = (
    "this does not look like ONSPD, NSPL, an IMD file, an area-names file or GeoJSON boundaries"
)


# ---------------------------------------------------------------- postcodes


def _terminated_sql(col: str) -> str:
    # yyyymm, also tolerating '200903.0' (spreadsheet round-trips) and yyyy-mm; else keep the raw text.
    v = f"trim({col})"
    return (
        f"CASE WHEN {v} = '' THEN NULL WHEN regexp_matches({v}, '^\\d{{6}}(\\.0*)?$') THEN left({v}, 6) "
        f"WHEN regexp_matches({v}, '^\\d{{4}}-\\d{{2}}') THEN left({v}, 4) || substr({v}, 6, 2) ELSE {v} END"
    )


def _upload_id(source: CsvSource) -> str:
    return source.upload_id or file_sha256(source.path)  # zip members were hashed while extracting


def import_postcodes(
    con: duckdb.DuckDBPyConnection,
    paths: list[Path],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Import ONSPD / NSPL / ONS postcode lookups (files, folders or zips); later files win per postcode."""
    paths = [Path(p) for p in paths]
    summary = ImportSummary(kind="postcodes", file="; ".join(map(str, paths)))
    with tempfile.TemporaryDirectory(prefix="anchorage-pc-") as tmp:
        sources = find_postcode_csvs(paths, Path(tmp), summary.notes)
        total = sum(s.path.stat().st_size for s in sources)
        with ThreadPoolExecutor(max_workers=1) as pool:
            # Hash in a thread while DuckDB parses: hashlib releases the GIL, so this overlaps for free.
            hashes = [pool.submit(_upload_id, s) for s in sources]
            with transaction(con):
                _stage_postcodes(con, sources, total, progress)
                for s, h in zip(sources, hashes, strict=True):
                    s.upload_id = h.result()
                _merge_postcodes(con, sources, summary)
    if progress:
        progress(total, total)
    return summary


def _stage_postcodes(
    con: duckdb.DuckDBPyConnection,
    sources: list[CsvSource],
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Load every source into one temp table (insertion order = file order, so rowid gives row numbers)."""
    con.execute("DROP TABLE IF EXISTS _pc_stage; DROP TABLE IF EXISTS _pc_files")
    con.execute(
        "CREATE TEMP TABLE _pc_stage (file_no INTEGER, raw VARCHAR, pcd_key VARCHAR, valid BOOLEAN, "
        "lad VARCHAR, ward VARCHAR, lsoa11 VARCHAR, lsoa21 VARCHAR, rgn VARCHAR, ctry VARCHAR, "
        "lat DOUBLE, long DOUBLE, terminated VARCHAR)"
    )
    con.execute(
        "CREATE TEMP TABLE _pc_files (file_no INTEGER, first_rowid BIGINT, upload_id VARCHAR, "
        "source_file VARCHAR, source VARCHAR, column_name VARCHAR)"
    )
    done = 0
    for no, s in enumerate(sources):
        if progress:
            progress(done, total)
        m = map_columns(s.header, POSTCODE_ALIASES)
        col = {f: f"c{i}" for f, i in m.items()}

        def get(f: str, how: Callable[[str], str] = code_sql, col: dict[str, str] = col) -> str:
            return how(col[f]) if f in col else "NULL"

        lat = f"nullif(TRY_CAST({col['lat']} AS DOUBLE), 99.999999)" if "lat" in col else "NULL"
        lon = f"TRY_CAST({col['long']} AS DOUBLE)" if "long" in col else "NULL"
        key = postcode_key_sql(col["postcode"])
        used = ", ".join(
            sorted(set(col.values()))
        )  # project early: the scan then skips other columns
        # raw is kept only for rejected rows (it is what the quarantine shows), to keep the stage small.
        run_staging(
            con,
            f"INSERT INTO _pc_stage SELECT {no}, CASE WHEN NOT ok THEN raw END, k, ok, "
            f"{get('lad')}, {get('ward')}, {get('lsoa11')}, {get('lsoa21')}, {get('rgn')}, "
            f"{get('ctry')}, {lat} AS lat, CASE WHEN {lat} IS NULL THEN NULL ELSE {lon} END, "
            f"{get('terminated', _terminated_sql)} FROM (SELECT *, {is_uk_postcode_sql('k')} AS ok "
            f"FROM (SELECT {used}, {col['postcode']} AS raw, {key} AS k FROM {{scan}}))",
            s,
        )
        # Row ids are in file order but, inside a transaction, start at an internal offset: keep the first.
        con.execute(
            "INSERT INTO _pc_files SELECT ?, min(rowid), NULL, ?, ?, ? FROM _pc_stage "
            "WHERE file_no = ?",
            [no, s.label, s.name, s.header[m["postcode"]], no],
        )
        done += s.path.stat().st_size


def _merge_postcodes(
    con: duckdb.DuckDBPyConnection, sources: list[CsvSource], summary: ImportSummary
) -> None:
    """Quarantine bad rows, keep the last row per postcode, fill region/country, replace by key."""
    for no, s in enumerate(sources):
        con.execute("UPDATE _pc_files SET upload_id = ? WHERE file_no = ?", [s.upload_id, no])
    ids = [s.upload_id or "" for s in sources]
    con.execute(
        "DELETE FROM quarantine WHERE kind = 'postcodes' AND list_contains(?, upload_id)", [ids]
    )
    add_quarantine(
        con,
        "postcodes",
        "SELECT f.upload_id, f.source_file, s.rowid - f.first_rowid + 1 AS row_no, f.column_name, "
        "CASE WHEN s.pcd_key IS NULL THEN 'empty postcode' ELSE 'not a valid UK postcode' END AS reason, "
        "s.raw FROM _pc_stage s JOIN _pc_files f USING (file_no) WHERE NOT s.valid",
    )
    stats = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE valid), "
        "count(DISTINCT pcd_key) FILTER (WHERE valid) FROM _pc_stage"
    ).fetchone()
    assert stats is not None
    summary.rows_read, valid, distinct = (int(v) for v in stats)
    summary.rows_loaded, summary.rows_quarantined = valid, summary.rows_read - valid
    # The window is only paid for when postcodes repeat (overlapping files); later rowid = later file/row.
    new = (
        "(SELECT * FROM _pc_stage WHERE valid QUALIFY row_number() OVER "
        "(PARTITION BY pcd_key ORDER BY rowid DESC) = 1)"
        if distinct < valid
        else "(SELECT * FROM _pc_stage WHERE valid)"
    )
    con.execute(
        "DELETE FROM postcodes WHERE pcd_key IN (SELECT pcd_key FROM _pc_stage WHERE valid)"
    )
    letters = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in COUNTRY_BY_LETTER.items())
    con.execute(f"""
        INSERT INTO postcodes
        WITH lad AS (SELECT code, min(parent) AS parent FROM areas WHERE kind = 'lad' GROUP BY code),
             reg AS (SELECT code, min(parent) AS parent FROM areas WHERE kind = 'region' GROUP BY code),
             cty AS (SELECT DISTINCT code FROM areas WHERE kind = 'country')
        SELECT n.pcd_key, left(n.pcd_key, length(n.pcd_key) - 3) || ' ' || right(n.pcd_key, 3),
               n.lad, n.ward, n.lsoa11, n.lsoa21, coalesce(n.rgn, reg.code),
               coalesce(n.ctry, reg.parent, cty.code, CASE left(n.lad, 1) {letters} END),
               n.lat, n.long, n.terminated, f.source
        FROM {new} n JOIN _pc_files f USING (file_no) LEFT JOIN lad ON lad.code = n.lad
        LEFT JOIN reg ON reg.code = coalesce(n.rgn, lad.parent)
        LEFT JOIN cty ON cty.code = lad.parent""")
    summary.upload_id = (
        ids[0] if len(ids) == 1 else hashlib.sha256("".join(ids).encode()).hexdigest()
    )
    summary.quarantine_reasons = reasons(con, "postcodes", ids)
    for s in sources:  # field -> every distinct header used for it, in file order
        for field, i in map_columns(s.header, POSTCODE_ALIASES).items():
            used = summary.mapping.get(field, "").split(" | ") if field in summary.mapping else []
            summary.mapping[field] = " | ".join(
                used if s.header[i] in used else [*used, s.header[i]]
            )
    if distinct < valid:
        summary.notes.append(
            f"{valid - distinct:,} rows repeat an earlier postcode; the later file's row was kept"
        )
    summary.notes.append(f"{len(sources)} file(s) read; {distinct:,} distinct postcodes written")
    con.execute("DROP TABLE _pc_stage; DROP TABLE _pc_files")


# ---------------------------------------------------------------- IMD and area names


def _imd_columns(header: list[str]) -> dict[str, int]:
    """LSOA / rank / decile columns of humaniverse, Lewisham and MHCLG File 1 layouts (long names too)."""
    normed = [re.sub(r"[^a-z0-9]", "", h.lower()) for h in header]
    tests = {
        "lsoa": lambda n: n.startswith("lsoa") and ("code" in n or n.endswith("cd")),
        "rank": lambda n: n == "imdrank" or n.startswith("indexofmultipledeprivationimdrank"),
        "decile": lambda n: n == "imddecile" or n.startswith("indexofmultipledeprivationimddecile"),
    }
    found: dict[str, int] = {}
    for field, test in tests.items():
        hit = next((i for i, n in enumerate(normed) if test(n)), None)
        if hit is not None:
            found[field] = hit
    return found


def import_imd(
    con: duckdb.DuckDBPyConnection, path: Path, *, version: str | None = None
) -> ImportSummary:
    """Import IMD rank and decile by LSOA (IoD2025 when the LSOA codes are 2021-based, else 2019)."""
    path = Path(path)
    header = read_header(path)
    m = _imd_columns(header)
    if version is None and "lsoa" in m:
        version = "2025" if "2021" in header[m["lsoa"]] else "2019"
    version = version or "2019"
    if not {"lsoa", "decile"} <= m.keys():
        raise InputFileError(
            str(path),
            f"is not an IMD file: it needs an LSOA code column and an IMD decile column; its header is {', '.join(header[:12])}.",
            fix="Use MHCLG's File 1 (saved as CSV) or a CSV with lsoa_code, IMD_rank and IMD_decile.",
        )
    src = CsvSource(path, str(path), header, path.name, file_sha256(path))
    summary = ImportSummary(
        kind="imd",
        file=str(path),
        upload_id=src.upload_id,
        mapping={f: header[i] for f, i in m.items()},
    )
    lsoa, dec = f"c{m['lsoa']}", f"c{m['decile']}"
    rank = (
        f"TRY_CAST(round(TRY_CAST(replace(trim(c{m['rank']}), ',', '') AS DOUBLE)) AS INTEGER)"
        if "rank" in m
        else "NULL"
    )
    with transaction(con):
        con.execute("DROP TABLE IF EXISTS _imd_stage")
        run_staging(
            con,
            "CREATE TEMP TABLE _imd_stage AS SELECT *, lsoa IS NOT NULL AND "
            "coalesce(decile BETWEEN 1 AND 10, false) AS ok FROM ("
            f"SELECT {lsoa} AS lsoa_raw, {code_sql(lsoa)} AS lsoa, {dec} AS decile_raw, "
            f"TRY_CAST(round(TRY_CAST(trim({dec}) AS DOUBLE)) AS INTEGER) AS decile, "
            f"{rank} AS imd_rank FROM {{scan}})",
            src,
        )
        con.execute("DELETE FROM quarantine WHERE kind = 'imd' AND upload_id = ?", [src.upload_id])
        add_quarantine(
            con,
            "imd",
            f"""SELECT $1 AS upload_id, $2 AS source_file,
            {ROW_NO.format(table="_imd_stage")} AS row_no, CASE WHEN lsoa IS NULL THEN $3 ELSE $4 END AS column_name,
            CASE WHEN lsoa IS NULL THEN 'empty LSOA code' ELSE 'IMD decile missing or not 1-10' END AS reason,
            CASE WHEN lsoa IS NULL THEN lsoa_raw ELSE decile_raw END AS raw FROM _imd_stage WHERE NOT ok""",
            [src.upload_id, str(path), header[m["lsoa"]], header[m["decile"]]],
        )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _imd_new AS SELECT lsoa, imd_rank, decile FROM _imd_stage "
            "WHERE ok QUALIFY row_number() OVER (PARTITION BY lsoa ORDER BY rowid DESC) = 1"
        )
        con.execute(
            "DELETE FROM imd WHERE version = ? AND lsoa IN (SELECT lsoa FROM _imd_new)", [version]
        )
        con.execute("INSERT INTO imd SELECT lsoa, ?, imd_rank, decile FROM _imd_new", [version])
        row = con.execute("SELECT count(*), count(*) FILTER (WHERE ok) FROM _imd_stage").fetchone()
        assert row is not None
        summary.rows_read, summary.rows_loaded = int(row[0]), int(row[1])
        summary.rows_quarantined = summary.rows_read - summary.rows_loaded
        summary.quarantine_reasons = reasons(con, "imd", [src.upload_id or ""])
        con.execute("DROP TABLE _imd_stage; DROP TABLE _imd_new")
    if "2021" in header[m["lsoa"]] and version == "2019":
        summary.notes.append(
            "LSOA codes are 2021-based but version is '2019'; pass version='2025' for IoD2025"
        )
    summary.notes.append(f"stored as IMD {version}")
    return summary


def import_areas(con: duckdb.DuckDBPyConnection, path: Path) -> ImportSummary:
    """Import LAD/region/country names (ONS LAD lookups) or ward names (WDxxCD/WDxxNM), replacing by (code, kind)."""
    path = Path(path)
    header = read_header(path)
    m = map_columns(header, AREA_ALIASES)
    c = {f: f"c{i}" for f, i in m.items()}
    if {"wd_cd", "wd_nm"} <= m.keys():
        key, name = "wd_cd", "wd_nm"
        parts = [
            f"SELECT {code_sql(c['wd_cd'])}, trim({c['wd_nm']}), 'ward', "
            f"{code_sql(c['lad_cd']) if 'lad_cd' in c else 'NULL'}, rowid FROM _ar_stage"
        ]
    elif {"lad_cd", "lad_nm"} <= m.keys():
        key, name = "lad_cd", "lad_nm"
        rgn, cty = (code_sql(c[f]) if f in c else "NULL" for f in ("rgn_cd", "ctry_cd"))
        parts = [
            f"SELECT {code_sql(c['lad_cd'])}, trim({c['lad_nm']}), 'lad', coalesce({rgn}, {cty}), rowid FROM _ar_stage"
        ]
        if {"rgn_cd", "rgn_nm"} <= m.keys():
            parts.append(
                f"SELECT {rgn}, trim({c['rgn_nm']}), 'region', {cty}, rowid FROM _ar_stage"
            )
        if {"ctry_cd", "ctry_nm"} <= m.keys():
            parts.append(
                f"SELECT {cty}, trim({c['ctry_nm']}), 'country', NULL, rowid FROM _ar_stage"
            )
    else:
        raise InputFileError(
            str(path),
            f"is not an area-names file: it needs LADCD and LADNM (or WDxxCD and WDxxNM) columns; its header is {', '.join(header[:12])}.",
            fix="Use the ONS LAD or ward names-and-codes lookup CSV.",
        )
    src = CsvSource(path, str(path), header, path.name, file_sha256(path))
    summary = ImportSummary(
        kind="areas",
        file=str(path),
        upload_id=src.upload_id,
        mapping={f: header[i] for f, i in m.items()},
    )
    ok = f"{code_sql(c[key])} IS NOT NULL AND nullif(trim({c[name]}), '') IS NOT NULL"
    with transaction(con):
        con.execute("DROP TABLE IF EXISTS _ar_stage")
        run_staging(con, "CREATE TEMP TABLE _ar_stage AS SELECT * FROM {scan}", src)
        con.execute(
            "DELETE FROM quarantine WHERE kind = 'areas' AND upload_id = ?", [src.upload_id]
        )
        add_quarantine(
            con,
            "areas",
            f"SELECT $1 AS upload_id, $2 AS source_file, "
            f"{ROW_NO.format(table='_ar_stage')} AS row_no, "
            f"$3 AS column_name, 'missing code or name' AS reason, "
            f"{c[key]} AS raw FROM _ar_stage WHERE NOT ({ok})",
            [src.upload_id, str(path), header[m[key]]],
        )
        union = " UNION ALL ".join(parts)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _ar_new AS SELECT code, name, kind, parent FROM ({union}) "
            f"t(code, name, kind, parent, ord) WHERE code IS NOT NULL AND nullif(name, '') IS NOT NULL "
            f"QUALIFY row_number() OVER (PARTITION BY code, kind ORDER BY ord DESC) = 1"
        )
        con.execute(
            "DELETE FROM areas USING _ar_new n WHERE areas.code = n.code AND areas.kind = n.kind"
        )
        con.execute("INSERT INTO areas SELECT code, name, kind, parent FROM _ar_new")
        row = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {ok}) FROM _ar_stage"
        ).fetchone()
        kinds = con.execute(
            "SELECT kind, count(*) FROM _ar_new GROUP BY kind ORDER BY kind"
        ).fetchall()
        assert row is not None
        summary.rows_read, summary.rows_loaded = int(row[0]), int(row[1])
        summary.rows_quarantined = summary.rows_read - summary.rows_loaded
        summary.quarantine_reasons = reasons(con, "areas", [src.upload_id or ""])
        summary.notes.append("areas written: " + ", ".join(f"{n:,} {k}" for k, n in kinds))
        con.execute("DROP TABLE _ar_stage; DROP TABLE _ar_new")
    return summary


def import_any(con: duckdb.DuckDBPyConnection, path: Path) -> ImportSummary:
    """Sniff a reference file (postcodes, IMD, area names or GeoJSON boundaries) and import it."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(str(path), "does not exist.", fix="Check the path and try again.")
    if path.is_dir() or path.suffix.lower() == ".zip":
        return import_postcodes(con, [path])
    with path.open("rb") as fh:
        start = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if path.suffix.lower() in (".geojson", ".json") or start.startswith(b"{"):
        return import_boundaries(con, path)
    header = read_header(path)
    if is_postcode_header(header):
        return import_postcodes(con, [path])
    if {"lsoa", "decile"} <= _imd_columns(header).keys():
        return import_imd(con, path)
    m = map_columns(header, AREA_ALIASES)
    if {"wd_cd", "wd_nm"} <= m.keys() or {"lad_cd", "lad_nm"} <= m.keys():
        return import_areas(con, path)
    raise InputFileError(
        str(path),
        f"{NOT_RECOGNISED}; its header is {', '.join(header[:15])}.",
        fix="Check you picked the right file, or import it with the command for its kind.",
    )
