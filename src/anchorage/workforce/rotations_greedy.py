"""A greedy baseline for rotations, its repair into a plan that meets every rule, and CP-SAT started from it.

The greedy is fast but may leave blocks empty (or break a pin, or keep an apprentice at one anchor). The
repair re-plans only the apprentices it failed, with CP-SAT, around everyone else's greedy placements
(their places count against capacity); when that has no solution it frees more of the apprentices who
share their months, until it has one. CP-SAT then starts from the repaired plan, so it never returns a
plan that scores less than it.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import replace

from anchorage.workforce.rotations import (
    Assignment,
    RotationProblem,
    RotationResult,
    preference_weight,
    score,
    solve_rotations,
)


def greedy_rotations(problem: RotationProblem) -> list[Assignment]:
    """Apprentices in order, blocks in order: the most preferred placement with room, the right programme,
    its prerequisites met and not yet used; the last block goes to a new anchor if that is still needed.
    Blocks with no such placement stay empty (the greedy plan may leave gaps that CP-SAT would not)."""
    used: dict[tuple[str, int], int] = defaultdict(int, problem.taken)
    out: list[Assignment] = []
    for a in problem.apprentices:
        blocks = problem.blocks(a)
        mine: list[Assignment] = []
        away = set(a.unavailable)
        for b, (s, e) in enumerate(blocks):
            anchors = {x.anchor for x in mine}
            need_new = len(anchors) < problem.min_anchors and len(
                blocks
            ) - b <= problem.min_anchors - len(anchors)
            skills = {
                next(p.skill for p in problem.placements if p.id == x.placement) for x in mine
            }
            options = [
                p
                for p in problem.placements
                if (not p.programmes or a.programme in p.programmes)
                and p.id not in {x.placement for x in mine}
                and set(p.prerequisites) <= skills
                and not (need_new and p.anchor in anchors)
                and all(
                    t in away or (p.open_at(t) and used[p.id, t] < p.capacity) for t in range(s, e)
                )
            ]
            if not options:
                continue
            best = max(
                options, key=lambda p: (preference_weight(a, p.id), -problem.placements.index(p))
            )
            for t in range(s, e):
                if t not in away:
                    used[best.id, t] += 1
            mine.append(Assignment(a.id, b, best.id, best.anchor, s, e))
        out.extend(mine)
    return out


def _failed(problem: RotationProblem, plan: list[Assignment]) -> set[str]:
    """Apprentices whose greedy plan breaks a rule the model holds: an empty block, a pin not kept, or
    fewer anchors than the rotation needs."""
    mine: dict[str, list[Assignment]] = defaultdict(list)
    for x in plan:
        mine[x.apprentice].append(x)
    pins = {(p.apprentice, p.block): p.placement for p in problem.pins}
    out = set()
    for a in problem.apprentices:
        n = len(problem.blocks(a))
        got = mine[a.id]
        if (
            len(got) < n
            or len({x.anchor for x in got}) < min(problem.min_anchors, n)
            or any(pins.get((a.id, x.block), x.placement) != x.placement for x in got)
        ):
            out.add(a.id)
    return out


def _around(problem: RotationProblem, free: set[str], kept: list[Assignment]) -> RotationProblem:
    """The problem for the free apprentices only, with the kept placements' months taken."""
    away = {a.id: set(a.unavailable) for a in problem.apprentices}
    taken: dict[tuple[str, int], int] = defaultdict(int, problem.taken)
    for x in kept:
        for t in range(x.start, x.end):
            if t not in away[x.apprentice]:
                taken[x.placement, t] += 1
    return replace(
        problem,
        apprentices=[a for a in problem.apprentices if a.id in free],
        pins=[p for p in problem.pins if p.apprentice in free],
        taken=dict(taken),
    )


def repaired_greedy(
    problem: RotationProblem, time_limit: float = 10.0, workers: int = 2, seed: int = 0
) -> list[Assignment] | None:
    """The greedy plan with every broken apprentice re-planned (see the module's note), or None when no
    repair was found in the time (e.g. the problem itself is infeasible)."""
    plan = greedy_rotations(problem)
    free = _failed(problem, plan)
    if not free:
        return plan
    rng = random.Random(seed)
    spans = {a.id: (a.start, a.start + a.months) for a in problem.apprentices}
    deadline = time.perf_counter() + time_limit
    while (left := deadline - time.perf_counter()) > 0:
        kept = [x for x in plan if x.apprentice not in free]
        sub = _around(problem, free, kept)
        # A short search each time: any valid plan for the freed apprentices will do as a start.
        got = solve_rotations(
            sub,
            time_limit=min(left, max(2.0, time_limit / 4)),
            workers=workers,
            explain=False,
            hint=[x for x in plan if x.apprentice in free],
        )
        if got.status in ("optimal", "feasible"):
            return kept + got.assignments
        if len(free) == len(problem.apprentices):
            return None
        # Free as many more apprentices again, among those whose programme overlaps a free one's.
        overlap = sorted(
            a.id
            for a in problem.apprentices
            if a.id not in free
            and any(spans[a.id][0] < spans[f][1] and spans[f][0] < spans[a.id][1] for f in free)
        )
        others = overlap or sorted(a.id for a in problem.apprentices if a.id not in free)
        free |= set(rng.sample(others, min(len(others), max(10, len(free)))))
    return None


def solve_from_greedy(
    problem: RotationProblem,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    repair_share: float = 0.25,
) -> tuple[RotationResult, list[Assignment] | None]:
    """CP-SAT started from the repaired greedy plan (at most `repair_share` of the time goes to the
    repair). The result is never below the repaired plan: CP-SAT takes it as its first solution, and if
    the search ends with less (it should not), the repaired plan is returned instead."""
    started = time.perf_counter()
    start = repaired_greedy(problem, time_limit * repair_share, workers)
    left = max(1.0, time_limit - (time.perf_counter() - started))
    result = solve_rotations(problem, time_limit=left, workers=workers, hint=start)
    result.seconds = time.perf_counter() - started
    if start is not None and (result.objective is None or result.objective < score(problem, start)):
        # The search ran out of time before it loaded the start, or ended below it: the start stands.
        result = replace(
            result,
            status="feasible",
            assignments=sorted(start, key=lambda x: (x.apprentice, x.block)),
            objective=float(score(problem, start)),
            conflicts=[],
        )
    return result, start
