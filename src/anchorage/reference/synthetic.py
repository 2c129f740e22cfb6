"""Synthetic NSPL-format postcode files for benchmarks and tests, written by DuckDB COPY (no Python row loops)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from anchorage.core.errors import AnchorageError

# Exact NSPL Nov 2021 (2011-census-based) header, as in NSPL_NOV_2021_UK_*.csv.
NSPL_HEADER = (
    "pcd,pcd2,pcds,dointr,doterm,usertype,oseast1m,osnrth1m,osgrdind,oa11,cty,ced,laua,ward,hlthau,nhser,ctry,"
    "rgn,pcon,eer,teclec,ttwa,pct,itl,park,lsoa11,msoa11,wz11,ccg,bua11,buasd11,ru11ind,oac11,lat,long,lep1,lep2,"
    "pfa,imd,calncv,stp"
)
NSPL_COLUMNS = NSPL_HEADER.split(",")
# Real postcode areas (all valid first/second letters), so every generated postcode is a valid UK shape.
_AREA_TEXT = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY E EC EH EN EX "
    "FK FY G GL GU HA HD HG HP HR HS HU HX IG IP IV KA KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP "
    "NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW "
    "UB W WA WC WD WF WN WR WS WV YO ZE"
)
AREAS = _AREA_TEXT.split()
# Real LADs with their region and country codes (NSPL uses pseudo regions outside England).
LADS = (
    ("E09000023", "E12000007", "E92000001"),
    ("E09000007", "E12000007", "E92000001"),
    ("E08000003", "E12000002", "E92000001"),
    ("E06000001", "E12000001", "E92000001"),
    ("E07000178", "E12000008", "E92000001"),
    ("E08000035", "E12000003", "E92000001"),
    ("E06000051", "E12000005", "E92000001"),
    ("E07000120", "E12000002", "E92000001"),
    ("W06000015", "W99999999", "W92000004"),
    ("S12000036", "S99999999", "S92000003"),
    ("N09000003", "N99999999", "N92000002"),
    ("E06000023", "E12000009", "E92000001"),
)
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the 20 letters allowed in the inward code


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def write_nspl_like(path: Path | str, rows: int, seed: int = 0) -> Path:
    """Write `rows` unique, valid NSPL-layout postcode rows (quoted like the ONS files) to `path`."""
    path = Path(path)
    capacity = len(AREAS) * 20 * 10 * len(INWARD_LETTERS) ** 2
    if not 0 <= rows <= capacity:
        raise AnchorageError(
            f"A generated postcode file can have 0 to {capacity:,} rows (asked for {rows:,})."
        )
    header = NSPL_HEADER + "\n"
    if rows == 0:
        path.write_text(header)
        return path
    lads = f"[{', '.join(f'{{laua: {a!r}, rgn: {b!r}, ctry: {c!r}}}' for a, b, c in LADS)}]"
    n_in = len(INWARD_LETTERS)
    # Mixed-radix decode of a seed-shifted row number: area, district 1-20, sector 0-9, two unit letters.
    base = f"""
        SELECT *, outward || ' ' || inward AS pcds,
               (h >> 8) % 1000 < 200 AS term, (h >> 20) % 1000 = 0 AS nogrid
        FROM (
            SELECT j, h, {_sql_list(list(AREAS))}[1 + (j // {20 * 10 * n_in * n_in})::INTEGER]
                       || (1 + (j // {10 * n_in * n_in}) % 20)::VARCHAR AS outward,
                   ((j // {n_in * n_in}) % 10)::VARCHAR
                       || substr('{INWARD_LETTERS}', 1 + ((j // {n_in}) % {n_in})::INTEGER, 1)
                       || substr('{INWARD_LETTERS}', 1 + (j % {n_in})::INTEGER, 1) AS inward,
                   {lads}[1 + (h % {len(LADS)})::INTEGER] AS lad
            FROM (SELECT (i + {seed % capacity} * 7919) % {capacity} AS j, hash(i, {seed}, 'nspl') AS h
                  FROM range({rows}) t(i))
        )"""
    q = lambda e: f"'\"', {e}, '\"'"  # noqa: E731 - every NSPL text field is double-quoted
    code = lambda ent, mod, shift: (  # noqa: E731 - a GSS-like code in the LAD's country
        f"left(lad.laua, 1) || '{ent}' || lpad(((h >> {shift}) % {mod})::VARCHAR, 6, '0')"
    )
    year = "(1980 + (h >> 12) % 41)::VARCHAR || lpad((1 + (h >> 16) % 12)::VARCHAR, 2, '0')"
    fields = [
        q("rpad(outward, 4, ' ') || inward"),
        q("rpad(outward, 4, ' ') || ' ' || inward"),
        q("pcds"),
        q(year),
        q(
            "CASE WHEN term THEN '20' || lpad((10 + (h >> 24) % 11)::VARCHAR, 2, '0') || '06' ELSE '' END"
        ),
        q("((h >> 28) % 2)::VARCHAR"),
        q("lpad((100000 + (h >> 3) % 550000)::VARCHAR, 6, '0')"),
        q("lpad((10000 + (h >> 5) % 1200000)::VARCHAR, 7, '0')"),
        q("'1'"),
        q(code("00", 240000, 7)),
        q("'E99999999'"),
        q("'E99999999'"),
        q("lad.laua"),
        q(code("05", 14000, 9)),
        q("'E18000007'"),
        q("'E40000003'"),
        q("lad.ctry"),
        q("lad.rgn"),
        q(code("14", 650, 11)),
        q("'E15000007'"),
        q("'E24000014'"),
        q("'E30000234'"),
        q("'E16000047'"),
        q("lad.laua"),
        q("'E99999999'"),
        q(code("01", 35000, 13)),
        q(code("02", 7200, 15)),
        q(code("33", 60000, 17)),
        q("'E38000240'"),
        q(code("34", 5000, 19)),
        q(code("35", 900, 21)),
        q("'A1'"),
        q("'2D3'"),
        "CASE WHEN nogrid THEN '99.999999' ELSE (49.9 + ((h >> 6) % 8700000) / 1e6)::DECIMAL(9, 6)::VARCHAR END",
        "CASE WHEN nogrid THEN '0.000000' ELSE (-6.0 + ((h >> 9) % 7700000) / 1e6)::DECIMAL(9, 6)::VARCHAR END",
        q("'E37000051'"),
        q("''"),
        q("'E23000001'"),
        "(1 + (h >> 14) % 32844)::VARCHAR",
        q("'E56000027'"),
        q("'E54000028'"),
    ]
    # One concat() call per row: chained || would allocate an intermediate string per operator.
    line = "concat(" + ", ',', ".join(fields) + ")"
    target = str(path).replace("'", "''")
    with duckdb.connect() as con:
        # QUOTE '' writes each pre-built line verbatim; PREFIX puts the unquoted ONS header first.
        con.execute(
            f"COPY (SELECT {line} FROM ({base})) TO '{target}' "
            f"(FORMAT csv, HEADER false, DELIMITER '\t', QUOTE '', PREFIX $h${header}$h$, SUFFIX $s$\n$s$)"
        )
    return path
