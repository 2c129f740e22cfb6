"""One benchmark stage per process: `python benchmarks/stages.py STAGE --data DIR --rows N --out FILE`.

Each stage does its set-up first, times only the work being measured, and writes a JSON report that
includes the process's own peak RSS (getrusage ru_maxrss) for measure.py to combine with its sampling.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate
import hand_sql

from anchorage.config import TIERS
from anchorage.workspace import Workspace


def pence(x: Any) -> int:
    return round(float(x) * 100)


def figures_from_tables(t: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """The headline figures checked across implementations: per org spend, local, tier and decile spend."""
    out: dict[str, dict] = {}
    for row in t["totals"].itertuples():
        org = row.org
        tiers = t["tiers"][t["tiers"]["org"] == org]
        dep = t["deprivation"][t["deprivation"]["org"] == org]
        out[org] = {
            "spend": pence(row.spend),
            "transactions": int(row.transactions),
            "local_spend": pence(row.local_spend),
            "tiers": {r.tier: pence(r.spend) for r in tiers.itertuples()},
            "deciles": {
                ("none" if pd.isna(r.imd_decile) else str(int(r.imd_decile))): pence(r.spend)
                for r in dep.itertuples()
            },
        }
    return out


def figures_from_floor(df: pd.DataFrame) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for org, g in df.groupby("org"):
        tiers = g.groupby("tier")["spend"].sum()
        dec = g.groupby(g["imd_decile"].fillna(0).astype(int))["spend"].sum()
        out[str(org)] = {
            "spend": pence(g["spend"].sum()),
            "transactions": int(g["transactions"].sum()),
            "local_spend": pence(tiers.get("local", 0)),
            "tiers": {k: pence(tiers.get(k, 0)) for k in TIERS},
            "deciles": {(str(k) if k else "none"): pence(v) for k, v in dec.items()},
        }
    return out


def dump_tables(path: Path, tables: dict[str, pd.DataFrame]) -> None:
    data = {
        k: df.astype(object).where(df.notna(), None).to_dict(orient="records")
        for k, df in tables.items()
    }
    path.write_text(json.dumps(data, default=str))


def stage_generate(a: argparse.Namespace) -> dict[str, Any]:
    t0 = time.perf_counter()
    tpl = generate.template_workspace(a.data / "template")
    t1 = time.perf_counter()
    csv = generate.spend_csv(a.data / f"spend_{a.rows}.csv", a.rows, tpl / "warehouse.duckdb")
    t2 = time.perf_counter()
    nspl = generate.nspl_csv(a.data / f"nspl_{a.nspl_rows}.csv", a.nspl_rows)
    t3 = time.perf_counter()
    return {
        "seconds": t3 - t0,
        "template_seconds": t1 - t0,
        "spend_seconds": t2 - t1,
        "nspl_seconds": t3 - t2,
        "spend_csv": str(csv),
        "spend_bytes": csv.stat().st_size,
        "nspl_csv": str(nspl),
        "nspl_bytes": nspl.stat().st_size,
    }


def stage_ingest(a: argparse.Namespace) -> dict[str, Any]:
    from anchorage.ingest.spend import ingest_spend

    ws = Workspace.open(generate.fresh_workspace(a.data / "template", a.data / "ws"))
    csv = a.data / f"spend_{a.rows}.csv"
    t0 = time.perf_counter()
    s = ingest_spend(ws, csv, generate.BODY)
    secs = time.perf_counter() - t0
    return {
        "seconds": secs,
        "rows_per_second": s.rows_read / secs,
        "rows_read": s.rows_read,
        "rows_loaded": s.rows_loaded,
        "rows_quarantined": s.rows_quarantined,
        "amount_loaded": float(s.amount_loaded or 0),
        "quarantine_reasons": s.quarantine_reasons,
        "csv_bytes": csv.stat().st_size,
        "warehouse_bytes": ws.warehouse_path.stat().st_size,
    }


def stage_explore(a: argparse.Namespace) -> dict[str, Any]:
    """The web's explore tables (explorer, payments), which `spend analyse` brings up to date before the
    analysis: built once after the ingest, timed apart from the analysis (bench_explore.py serves them)."""
    from anchorage.procurement import explore

    ws = Workspace.open(a.data / "ws")
    t0 = time.perf_counter()
    explore.refresh(ws)
    return {"seconds": time.perf_counter() - t0}


def stage_analyse(a: argparse.Namespace) -> dict[str, Any]:
    from anchorage.procurement.run import analyse_workspace

    ws = Workspace.open(a.data / "ws")
    t0 = time.perf_counter()
    r = analyse_workspace(ws)  # the explore tables are current (stage_explore): nothing to refresh
    secs = time.perf_counter() - t0
    dump_tables(a.data / "tables-anchorage.json", r.tables)
    return {"seconds": secs, "figures": figures_from_tables(r.tables)}


def stage_hand_full(a: argparse.Namespace) -> dict[str, Any]:
    ws = Workspace.open(a.data / "ws")
    t0 = time.perf_counter()
    with ws.warehouse() as con:
        tables = hand_sql.full(con, ws.config)
    secs = time.perf_counter() - t0
    dump_tables(a.data / "tables-hand_full.json", tables)
    return {"seconds": secs, "figures": figures_from_tables(tables)}


def stage_hand_floor(a: argparse.Namespace) -> dict[str, Any]:
    ws = Workspace.open(a.data / "ws")
    t0 = time.perf_counter()
    with ws.warehouse() as con:
        df = hand_sql.floor(con, ws.config)
    secs = time.perf_counter() - t0
    return {"seconds": secs, "result_rows": len(df), "figures": figures_from_floor(df)}


def stage_pandas(a: argparse.Namespace) -> dict[str, Any]:
    import duckdb
    import pandas_baseline as pb

    ws = Workspace.open(a.data / "ws")
    with duckdb.connect(
        str(ws.warehouse_path), read_only=True
    ) as con:  # reference frames: set-up, untimed
        postcodes = con.execute(
            "SELECT pcd_key, lad, rgn, ctry, lsoa11, lsoa21 FROM postcodes"
        ).df()
        imd = con.execute("SELECT lsoa, version, imd_decile FROM imd").df()
    slug_of = {a_.name: a_.slug for a_ in ws.config.anchors}
    t0 = time.perf_counter()
    df, dropped = pb.load(str(a.data / f"spend_{a.rows}.csv"), slug_of)
    t1 = time.perf_counter()
    figures = pb.analyse(df, postcodes, imd, ws.config)
    t2 = time.perf_counter()
    return {
        "seconds": t2 - t0,
        "load_seconds": t1 - t0,
        "analysis_seconds": t2 - t1,
        "rows_per_second": (len(df) + dropped) / (t1 - t0),
        "rows_kept": len(df),
        "rows_dropped": dropped,
        "figures": figures,
    }


def stage_nspl(a: argparse.Namespace) -> dict[str, Any]:
    from anchorage.reference.kinds import import_geography

    ws = Workspace.open(generate.fresh_workspace(a.data / "template", a.data / "nspl_ws"))
    path = a.data / f"nspl_{a.nspl_rows}.csv"
    t0 = time.perf_counter()
    s = import_geography(ws, path)  # what `anchorage geo import` runs: the upload, journal and load
    secs = time.perf_counter() - t0
    with ws.warehouse(read_only=True) as con:
        n = con.execute("SELECT count(*) FROM postcodes").fetchone()
    return {
        "seconds": secs,
        "rows_read": s.rows_read,
        "rows_loaded": s.rows_loaded,
        "rows_quarantined": s.rows_quarantined,
        "postcodes_table_rows": n[0] if n else 0,
        "rows_per_second": s.rows_read / secs,
        "csv_bytes": path.stat().st_size,
    }


def stage_load_floor(a: argparse.Namespace) -> dict[str, Any]:
    """Reference point, not an Anchorage measure: the least DuckDB work to parse, check and store the CSV,
    in one wide table with the columns of the `spend` view (the layout Anchorage used before 2026-11-25)."""
    from anchorage.store import warehouse

    db = a.data / "floor.duckdb"
    db.unlink(missing_ok=True)
    csv = a.data / f"spend_{a.rows}.csv"
    con = warehouse.connect(db)
    con.execute("CREATE TABLE spend_wide AS SELECT * FROM spend LIMIT 0")
    t0 = time.perf_counter()
    con.execute(f"""CREATE TEMP TABLE raw AS SELECT *, TRY_CAST("Amount" AS DECIMAL(18, 2)) AS amt,
                    try_strptime("Payment Date", '%d/%m/%Y')::DATE AS d
                    FROM read_csv('{csv}', header = true, all_varchar = true)""")
    con.execute("""INSERT INTO spend_wide SELECT 'u', 'lewisham-council', rowid + 1, d, amt, "Supplier Name",
                   upper("Supplier Name"), NULL, "Supplier Postcode", NULL, NULL, NULL, "Expenditure Category",
                   "Service Area", NULL, "Transaction Number", false FROM raw
                   WHERE amt IS NOT NULL AND d IS NOT NULL AND "Supplier Name" IS NOT NULL""")
    con.execute("""INSERT INTO quarantine SELECT 'u', 'lewisham-council', 'spend', 'f', NULL, rowid + 1, NULL,
                   NULL, 'bad', amt, NULL FROM raw WHERE amt IS NULL OR d IS NULL OR "Supplier Name" IS NULL""")
    con.execute("CHECKPOINT")
    secs = time.perf_counter() - t0
    n = con.execute("SELECT count(*) FROM spend_wide").fetchone()
    con.close()
    db.unlink(missing_ok=True)
    return {"seconds": secs, "rows_per_second": a.rows / secs, "rows_loaded": n[0] if n else 0}


def stage_scan(a: argparse.Namespace) -> dict[str, Any]:
    """Issue 18's ingest floor, not an Anchorage measure: DuckDB reading the same CSV once and summing its
    amounts (`SELECT count(*), sum(amount) FROM read_csv(file)`; every column as text so that the junk
    amounts the file holds on purpose do not stop the scan)."""
    import duckdb

    csv = a.data / f"spend_{a.rows}.csv"
    con = duckdb.connect()
    t0 = time.perf_counter()
    row = con.execute(
        'SELECT count(*), sum(TRY_CAST("Amount" AS DECIMAL(18, 2))) '
        "FROM read_csv(?, header = true, all_varchar = true)",
        [str(csv)],
    ).fetchone()
    secs = time.perf_counter() - t0
    con.close()
    return {"seconds": secs, "rows": int(row[0]) if row else 0, "amount": str(row[1] if row else 0)}


def stage_profile_ingest(a: argparse.Namespace) -> dict[str, Any]:
    import profile_stages

    return profile_stages.profile_ingest(a.data, a.rows)


def stage_profile_analyse(a: argparse.Namespace) -> dict[str, Any]:
    import profile_stages

    return profile_stages.profile_analyse(a.data)


STAGES = {
    name.removeprefix("stage_"): fn for name, fn in globals().items() if name.startswith("stage_")
}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=sorted(STAGES))
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--rows", type=int, required=True)
    p.add_argument("--nspl-rows", type=int, default=2_700_000)
    p.add_argument("--out", type=Path, required=True)
    a = p.parse_args()
    report = STAGES[a.stage](a)
    report["ru_maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    a.out.write_text(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
