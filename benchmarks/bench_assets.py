"""Benchmark: 100k spaces (one per asset) × 10k needs matched, against a plain Python all-pairs loop.

    PYTHONPATH=src python benchmarks/bench_assets.py [--assets 100000] [--needs 10000] [--sample 40]

The naive baseline applies the same rules and score to every (need, space) pair in pure Python on a
sample of needs and is extrapolated linearly (it is linear in needs). Both answers are compared on the
sample: the same spaces, ranks and scores. Also timed: co-location candidates among the 100k assets."""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import time

import duckdb
import pandas as pd

from anchorage.assets.colocation import colocation_candidates
from anchorage.assets.matching import WEIGHTS, match_frames
from anchorage.assets.times import covers, parse_times
from anchorage.store.warehouse import SCHEMA

FACILITIES = ["kitchen", "av", "wifi", "parking", "sports hall", "garden", "stage"]
ACCESS = ["step-free", "accessible toilet", "hearing loop", "lift"]
TIMES = [
    "Mon-Fri 09:00-17:00",
    "Mon-Fri 09:00-22:00",
    "Sat 10:00-16:00",
    "weekends 09:00-18:00",
    "Tue 18:00-22:00",
    "daily 08:00-22:00",
]
NEED_TIMES = ["Tue 19:00-21:00", "Sat 10:00-12:00", "Wed 14:00-16:00", "Mon 18:00-20:00", ""]
SIDE_M = (
    40_000  # a Greater London-sized square (1,600 km²; London is 1,572 km²): ~60 spaces per km²
)


def generate(n_spaces: int, n_needs: int, seed: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = random.Random(seed)
    x0, y0 = 520_000, 165_000

    def pick(items: list[str], p: float) -> list[str]:
        return sorted({i for i in items if rng.random() < p})

    spaces = pd.DataFrame(
        [
            {
                "id": i,
                "org": f"anchor-{i % 7}",
                "name": f"Space {i}",
                "capacity": rng.choice([10, 20, 30, 50, 80, 150]),
                "times": [rng.choice(TIMES)],
                "facilities": pick(FACILITIES, 0.35),
                "accessibility": pick(ACCESS, 0.5),
                "hourly_cost": rng.choice([0.0, 0.0, 10.0, 15.0, 25.0, 40.0]),
                "easting": x0 + rng.random() * SIDE_M,
                "northing": y0 + rng.random() * SIDE_M,
            }
            for i in range(n_spaces)
        ]
    )
    needs = pd.DataFrame(
        [
            {
                "id": i,
                "people": rng.choice([5, 12, 20, 35, 60]),
                "times": [t] if (t := rng.choice(NEED_TIMES)) else [],
                "accessibility": pick(ACCESS[:2], 0.3),
                "facilities": pick(FACILITIES, 0.2),
                "easting": x0 + rng.random() * SIDE_M,
                "northing": y0 + rng.random() * SIDE_M,
                "max_distance_m": float(rng.choice([1000, 2000, 3000])),
                "budget_per_hour": rng.choice([None, 15.0, 30.0]),
            }
            for i in range(n_needs)
        ]
    )
    return needs, spaces


def naive(needs: pd.DataFrame, spaces: pd.DataFrame, top: int = 5) -> list[tuple[int, int, float]]:
    """All pairs in plain Python, same rules and score."""
    sp = [
        (
            r.id,
            r.capacity,
            parse_times(r.times) if len(r.times) else None,
            set(r.facilities),
            set(r.accessibility),
            r.hourly_cost,
            r.easting,
            r.northing,
        )
        for r in spaces.itertuples()
    ]
    out = []
    for n in needs.itertuples():
        nt = parse_times(n.times) if len(n.times) else None
        want_f, want_a = set(n.facilities), set(n.accessibility)
        scored = []
        for sid, cap, st, fac, acc, cost, e, no in sp:
            d = math.hypot(n.easting - e, n.northing - no)
            if d > n.max_distance_m or cap < n.people or not want_a <= acc:
                continue
            if (
                n.budget_per_hour is not None
                and not math.isnan(n.budget_per_hour)
                and cost > n.budget_per_hour
            ):
                continue
            if nt is not None and st is not None and not covers(st, nt):
                continue
            has_budget = n.budget_per_hour is not None and not math.isnan(n.budget_per_hour)
            s_cost = 1.0 if cost == 0 else (1 - cost / n.budget_per_hour if has_budget else 0.5)
            score = (
                WEIGHTS["distance"] * (1 - d / n.max_distance_m)
                + WEIGHTS["fit"] * n.people / cap
                + WEIGHTS["facilities"] * (len(want_f & fac) / len(want_f) if want_f else 1.0)
                + WEIGHTS["cost"] * s_cost
            )
            scored.append((-score, d, sid))
        scored.sort()
        out += [(n.id, sid, round(-s, 4)) for s, _, sid in scored[:top]]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--assets", type=int, default=100_000)
    ap.add_argument("--needs", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=40)
    a = ap.parse_args()
    needs, spaces = generate(a.assets, a.needs)
    t, cpu = time.perf_counter(), time.process_time()
    result = match_frames(needs, spaces)
    t_match, cpu_match = time.perf_counter() - t, time.process_time() - cpu
    sample = needs.sample(a.sample, random_state=1)
    t = time.perf_counter()
    base = naive(sample, spaces)
    t_naive = (time.perf_counter() - t) * len(needs) / len(sample)
    ours = result[result.need_id.isin(sample.id)]
    ours_list = sorted((int(r.need_id), int(r.space_id), float(r.score)) for r in ours.itertuples())
    same = sorted(base) == ours_list
    con = duckdb.connect()
    assets = spaces.assign(
        asset_key=spaces.id.astype(str),
        uprn=None,
        postcode=None,
        upload_id="b",
        row_no=spaces.id,
        tenure=None,
    )[
        [
            "upload_id",
            "org",
            "row_no",
            "asset_key",
            "uprn",
            "name",
            "postcode",
            "tenure",
            "easting",
            "northing",
        ]
    ]
    con.execute(SCHEMA)
    con.register("assets_df", assets)
    con.execute("INSERT INTO assets BY NAME SELECT * FROM assets_df")
    t = time.perf_counter()
    pairs = colocation_candidates(con, 50)
    t_coloc = time.perf_counter() - t
    print(
        f"machine: {platform.processor() or platform.machine()}, {platform.python_version()}, "
        f"duckdb {duckdb.__version__}"
    )
    print(
        f"{a.assets:,} spaces × {a.needs:,} needs: {len(result):,} matches for "
        f"{result.need_id.nunique():,} needs in {t_match:.2f} s wall, {cpu_match:.2f} s CPU (target < 10 s); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"naive Python all-pairs loop: {t_naive:,.0f} s extrapolated from {a.sample} needs "
        f"({t_naive / t_match:,.0f}× slower); same answers on the sample: {same}"
    )
    print(
        f"co-location, {a.assets:,} assets within 50 m of another anchor's: {len(pairs):,} pairs in "
        f"{t_coloc:.2f} s"
    )
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
