"""Supplier linking benchmark: 100k suppliers against a generated Companies House register (5M rows).

    PYTHONPATH=src python benchmarks/bench_linking.py --register 5000000 --suppliers 100000 --data /tmp/bench-link

`--prepare-only` writes and imports the register and stops; `--reuse` then measures the linking on it again
without rewriting it (the register stage's figures are carried over from the run that wrote it).

Stages, timed one by one: write the register as zipped BasicCompanyData parts; import them through
`import_register` (the same code as `anchorage suppliers import-companies`); link the suppliers with the
Splink model (DuckDB); and, side by side, a plain rapidfuzz best match (extractOne, WRatio-free
`fuzz.ratio` on the same normalised names, cut-off 90) on a random sample, extrapolated to all suppliers.
Peak memory is the process's own high-water mark (DuckDB runs in-process).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import time
from pathlib import Path

import duckdb


def peak_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--register", type=int, default=5_000_000)
    ap.add_argument("--suppliers", type=int, default=100_000)
    ap.add_argument("--baseline-sample", type=int, default=300)
    ap.add_argument("--data", type=Path, default=Path("/tmp/bench-linking"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="reuse the register written and imported into --data by an earlier run of the same size",
    )
    ap.add_argument(
        "--prepare-only", action="store_true", help="write and import the register, then stop"
    )
    args = ap.parse_args()

    from rapidfuzz import fuzz, process

    from anchorage import config as cfgmod
    from anchorage.reference.names import name_norm_sql
    from anchorage.suppliers import model
    from anchorage.suppliers.accuracy import best_links, score
    from anchorage.suppliers.generate import labelled_suppliers, write_companies_house
    from anchorage.suppliers.link import link
    from anchorage.suppliers.registers import import_register
    from anchorage.workspace import Workspace

    report: dict[str, object] = {"register_rows": args.register, "suppliers": args.suppliers}
    prepared_file = args.data / "prepared.json"
    prepared = (
        json.loads(prepared_file.read_text()) if args.reuse and prepared_file.exists() else None
    )
    if prepared is not None and prepared["register_rows"] == args.register:
        # The register stage's figures come from the run that wrote it; the linking is measured now.
        ws = Workspace.open(args.data / "ws")
        report.update(
            {k: prepared[k] for k in ("generate_seconds", "import_seconds", "import_rows_loaded")}
        )
        report["register_reused_from_earlier_run"] = True
    else:
        shutil.rmtree(args.data, ignore_errors=True)
        args.data.mkdir(parents=True)
        t = time.perf_counter()
        parts = write_companies_house(args.data / "ch", args.register, parts=7)
        report["generate_seconds"] = round(time.perf_counter() - t, 1)

        ws = Workspace.create(
            args.data / "ws",
            cfgmod.Config(collaborative="bench", place=cfgmod.Place(local=["E09000023"])),
        )
        t = time.perf_counter()
        imp = import_register(ws, "companies_house", parts)
        report["import_seconds"] = round(time.perf_counter() - t, 1)
        report["import_rows_loaded"] = imp.rows_loaded
        prepared_file.write_text(json.dumps(report, indent=2))
    if args.prepare_only:
        print(json.dumps(report, indent=2))
        return

    con = duckdb.connect()
    registered = int(args.suppliers * 0.8)
    sups = labelled_suppliers(
        con,
        registered=registered,
        unregistered=args.suppliers - registered,
        register_rows=args.register,
        seed=2026,
    )
    names = [s.name for s in sups]
    con.execute(
        "CREATE TABLE sup AS SELECT unnest($n) AS name, unnest($p) AS postcode, unnest($i) AS i",
        {"n": names, "p": [s.postcode for s in sups], "i": list(range(len(sups)))},
    )
    truth = {f"s{i}": s.true_register_id for i, s in enumerate(sups)}
    con.close()

    # The linking stage: features from the imported register, then Splink (what `suppliers resolve` runs).
    t = time.perf_counter()
    with ws.warehouse() as wcon:
        right = wcon.execute(
            model.features_sql(
                "SELECT register_id AS uid, name_norm, postcode, town FROM register_entities"
            )
        ).to_arrow_table()
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE sup AS SELECT unnest($n) AS name, unnest($p) AS postcode, unnest($i) AS i",
        {"n": names, "p": [s.postcode for s in sups], "i": list(range(len(sups)))},
    )
    left = con.execute(
        model.features_sql(
            f"SELECT 's' || i AS uid, {name_norm_sql('name')} AS name_norm, postcode, NULL::VARCHAR AS town FROM sup"
        )
    ).to_arrow_table()
    found = link(left, right)
    chosen = best_links(found)
    report["splink_seconds"] = round(time.perf_counter() - t, 1)
    report["splink_candidate_pairs"] = len(found)
    acc = score(chosen, truth)
    report["splink"] = acc.to_json()
    report["peak_gb_after_splink"] = round(peak_gb(), 2)

    # Baseline: rapidfuzz best match of each normalised name against every register name.
    reg_names = right.column("name_norm").to_pylist()
    reg_ids = right.column("uid").to_pylist()
    del right, found
    left_names = dict(
        zip(left.column("uid").to_pylist(), left.column("name_norm").to_pylist(), strict=True)
    )
    sample = random.Random(1).sample(sorted(truth), min(args.baseline_sample, len(truth)))
    t = time.perf_counter()
    base: dict[str, str] = {}
    for uid in sample:
        hit = process.extractOne(left_names[uid], reg_names, scorer=fuzz.ratio, score_cutoff=90)
        if hit is not None:
            base[uid] = reg_ids[hit[2]]
    took = time.perf_counter() - t
    b = score(base, {u: truth[u] for u in sample})
    report["rapidfuzz_sample"] = len(sample)
    report["rapidfuzz_sample_seconds"] = round(took, 1)
    report["rapidfuzz_extrapolated_seconds"] = round(took * len(truth) / len(sample), 0)
    report["rapidfuzz"] = b.to_json()
    # Splink on the same sample, for a like-for-like comparison of accuracy.
    report["splink_on_sample"] = score(
        {u: chosen[u] for u in sample if u in chosen}, {u: truth[u] for u in sample}
    ).to_json()
    report["peak_gb"] = round(peak_gb(), 2)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
