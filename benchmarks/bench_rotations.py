"""Rotations benchmark: 300 apprentices × 60 placements × 24 monthly periods, CP-SAT against greedy.

    PYTHONPATH=src python benchmarks/bench_rotations.py [--time-limit 60] [--append BENCHMARKS.md]

Deterministic instance (seed 7): 5 anchors with 12 placements each (capacity 3–8 a month, 8 with a
prerequisite skill), apprentices on 12-, 18- or 24-month programmes starting in months 1–12 (clipped to
the 24-month horizon), 6-month blocks, five ranked preferences each (popular placements more often),
one in ten away for a month. CP-SAT starts from the repaired greedy plan (the greedy with the apprentices
it failed re-planned around everyone else; up to a quarter of the time limit), as `anchorage apprenticeships
solve` does; --cold runs it with no start instead.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from pathlib import Path

from anchorage.workforce.rotations import (
    Apprentice,
    Placement,
    RotationProblem,
    score,
    solve_rotations,
)
from anchorage.workforce.rotations_greedy import greedy_rotations, solve_from_greedy

ANCHORS = ["council", "acute-trust", "mental-health-trust", "college", "housing"]
SKILLS = ["admin", "finance", "estates", "it", "hr", "care", "catering", "facilities"]


def instance(
    n_apprentices: int = 300, n_placements: int = 60, horizon: int = 24, seed: int = 7
) -> RotationProblem:
    rng = random.Random(seed)
    placements = []
    for i in range(n_placements):
        anchor = ANCHORS[i % len(ANCHORS)]
        prereq = (SKILLS[i % 3],) if i % 8 == 7 else ()
        placements.append(
            Placement(
                f"P{i:02}",
                anchor,
                SKILLS[i % len(SKILLS)],
                rng.randint(3, 8),
                location=anchor,
                prerequisites=prereq,
            )
        )
    weights = [1 + (i % 10) for i in range(n_placements)]  # some placements are popular
    apprentices = []
    for i in range(n_apprentices):
        months = rng.choice([12, 18, 24])
        start = rng.randint(0, 12)
        prefs = []
        while len(prefs) < 5:
            pick = rng.choices(placements, weights)[0].id
            if pick not in prefs:
                prefs.append(pick)
        away = (rng.randint(start, horizon - 1),) if rng.random() < 0.1 else ()
        apprentices.append(
            Apprentice(f"A{i:03}", "business-admin", start, months, tuple(prefs), away)
        )
    return RotationProblem(placements, apprentices, horizon=horizon, block_months=6)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--time-limit", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cold", action="store_true", help="CP-SAT with no start from the greedy plan")
    ap.add_argument("--append", type=Path, help="append the results to this markdown file")
    args = ap.parse_args()
    problem = instance()
    blocks = sum(len(problem.blocks(a)) for a in problem.apprentices)
    t0 = time.perf_counter()
    greedy = greedy_rotations(problem)
    greedy_s = time.perf_counter() - t0
    greedy_score = score(problem, greedy)
    greedy_unplaced = blocks - len(greedy)
    start = None
    if args.cold:
        result = solve_rotations(problem, time_limit=args.time_limit, workers=args.workers)
    else:
        result, start = solve_from_greedy(problem, time_limit=args.time_limit, workers=args.workers)
    how = "no start" if args.cold else "started from the repaired greedy plan"
    lines = [
        f"- instance: {len(problem.apprentices)} apprentices × {len(problem.placements)} placements × "
        f"{problem.horizon} months, {blocks} blocks of {problem.block_months} months",
        f"- CP-SAT ({args.workers} workers, limit {args.time_limit:.0f} s in all, {how}): "
        f"status {result.status}, objective {result.objective:.0f}, bound {result.bound:.0f}, "
        f"gap {100 * (result.gap or 0):.2f}%, {result.seconds:.1f} s (model build included)"
        if result.objective is not None
        else f"- CP-SAT: status {result.status} in {result.seconds:.1f} s",
        f"- greedy baseline: objective {greedy_score}, {greedy_unplaced} of {blocks} blocks left unplaced "
        f"(CP-SAT places every block), {greedy_s:.2f} s",
    ]
    if start is not None:
        lines.append(
            f"- repaired greedy (CP-SAT's start): objective {score(problem, start)}, "
            f"{blocks - len(start)} of {blocks} blocks unplaced"
        )
    if result.objective is not None:
        lines.append(
            f"- CP-SAT objective / greedy objective: {result.objective / max(1, greedy_score):.2f}×"
        )
    print("\n".join(lines))
    if args.append:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        flags = " ".join(sys.argv[1:])
        text = (
            f"\n## Apprenticeship rotations (issue 7)\n\nCommand: `PYTHONPATH=src python "
            f"benchmarks/bench_rotations.py {flags}` on {machine}.\n\n" + "\n".join(lines) + "\n"
        )
        with args.append.open("a", encoding="utf-8") as fh:
            fh.write(text)
    return 0 if result.status in ("optimal", "feasible") else 1


if __name__ == "__main__":
    sys.exit(main())
