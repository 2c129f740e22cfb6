"""The rotation scheduler on small instances checked by hand: feasible, infeasible (explained), re-plan."""

from __future__ import annotations

import dataclasses

from anchorage.workforce.rotations import (
    Apprentice,
    Pin,
    Placement,
    RotationProblem,
    score,
    solve_rotations,
)
from anchorage.workforce.rotations_greedy import (
    greedy_rotations,
    repaired_greedy,
    solve_from_greedy,
)


def two_anchor_problem(**kw) -> RotationProblem:
    placements = [
        Placement("A1", "council", "admin", 1),
        Placement("A2", "council", "finance", 1),
        Placement("B1", "trust", "estates", 1),
    ]
    apprentices = [
        Apprentice("x", "business", 0, 12, ("A1", "B1")),
        Apprentice("y", "business", 0, 12, ("A1", "B1")),
    ]
    return RotationProblem(placements, apprentices, horizon=12, block_months=6, **kw)


def test_feasible_plan_is_the_hand_optimum():
    r = solve_rotations(two_anchor_problem(), time_limit=10)
    assert r.status == "optimal"
    # Each gets A1 once and B1 once (2 + 1 = 3 points each), plus a fairness bonus of 2 each: 10.
    assert r.objective == 10 and r.gap == 0
    got = {(x.apprentice, x.block): x.placement for x in r.assignments}
    assert {got["x", 0], got["y", 0]} == {"A1", "B1"} and {got["x", 1], got["y", 1]} == {"A1", "B1"}
    assert got["x", 0] != got["x", 1]
    assert score(two_anchor_problem(), r.assignments) == 10


def test_prerequisite_orders_the_blocks():
    p = two_anchor_problem()
    p.placements[2] = dataclasses.replace(p.placements[2], prerequisites=("admin",))
    r = solve_rotations(p, time_limit=10)
    # B1 needs admin first, so nobody can start there; both need the trust, so both need B1 in block 2,
    # and it holds one apprentice at a time.
    assert r.status == "infeasible"
    assert "placement B1 needs admin experience in an earlier block" in r.conflicts
    assert any(c.startswith("placement B1 (trust) takes at most 1") for c in r.conflicts)
    # With room for both at A1 (admin) and then at B1, both do exactly that.
    p.placements[0] = dataclasses.replace(p.placements[0], capacity=2)
    p.placements[2] = dataclasses.replace(p.placements[2], capacity=2)
    ok = solve_rotations(p, time_limit=10)
    assert ok.status == "optimal" and ok.objective == 10
    assert [(x.block, x.placement) for x in ok.assignments] == [(0, "A1"), (1, "B1")] * 2


def test_infeasible_pins_are_named():
    p = two_anchor_problem(pins=[Pin("x", 0, "A1"), Pin("y", 0, "A1")])
    r = solve_rotations(p, time_limit=10)
    assert r.status == "infeasible" and r.assignments == []
    assert len(r.conflicts) == 3, r.conflicts
    assert "pinned: apprentice x at A1 in block 1" in r.conflicts
    assert "pinned: apprentice y at A1 in block 1" in r.conflicts
    assert any(
        c.startswith("placement A1 (council) takes at most 1 apprentice(s) in month")
        for c in r.conflicts
    )


def test_too_few_anchor_places_is_explained():
    p = two_anchor_problem()
    p.apprentices.append(Apprentice("z", "business", 0, 12, ("B1",)))
    r = solve_rotations(p, time_limit=10)
    # Three apprentices each need a block at the trust, whose one placement has two block-slots.
    assert r.status == "infeasible"
    assert sum("must rotate through at least 2 anchors" in c for c in r.conflicts) == 3
    assert any(c.startswith("placement B1 (trust) takes at most 1") for c in r.conflicts)


def test_replan_after_withdrawn_placement_changes_only_what_it_must():
    placements = [
        Placement(f"{a}{i}", anchor, "general", 4)
        for a, anchor in (("A", "council"), ("B", "trust"))
        for i in (1, 2)
    ]
    apprentices = [
        Apprentice(n, "business", 0, 12, prefs)
        for n, prefs in (
            ("p", ("A1", "B1")),
            ("q", ("B1", "A1")),
            ("r", ("A2", "B2")),
            ("s", ("B1", "A2")),
        )
    ]
    problem = RotationProblem(placements, apprentices, horizon=12, block_months=6)
    first = solve_rotations(problem, time_limit=10)
    assert first.status == "optimal" and first.objective == 4 * (
        3 + 2
    )  # everyone gets both choices
    plan = {(x.apprentice, x.block): x.placement for x in first.assignments}
    # The trust withdraws a placement used in second blocks from month 7: only those blocks need to move.
    gone = next(v for k, v in sorted(plan.items()) if k[1] == 1 and v.startswith("B"))
    other = "B2" if gone == "B1" else "B1"
    moved = {k for k, v in plan.items() if v == gone and k[1] == 1}
    i = [p.id for p in placements].index(gone)
    problem.placements[i] = dataclasses.replace(placements[i], open_until=6)
    again = solve_rotations(problem, time_limit=10, previous=first.assignments, frozen_before=6)
    new = {(x.apprentice, x.block): x.placement for x in again.assignments}
    assert again.changes == len(moved)
    assert all(
        new[k] == other for k in moved
    )  # the other trust placement, keeping the two-anchor rule
    assert {k: v for k, v in new.items() if k not in moved} == {
        k: v for k, v in plan.items() if k not in moved
    }


def test_replan_after_dropout_keeps_everyone_else():
    p = two_anchor_problem()
    first = solve_rotations(p, time_limit=10)
    p.apprentices = [a for a in p.apprentices if a.id != "y"]
    again = solve_rotations(p, time_limit=10, previous=first.assignments, frozen_before=0)
    assert again.changes == 0
    assert [(x.block, x.placement) for x in again.assignments] == [
        (x.block, x.placement) for x in first.assignments if x.apprentice == "x"
    ]


def test_greedy_respects_capacity_and_scores_no_better():
    p = two_anchor_problem()
    g = greedy_rotations(p)
    # x takes A1 then B1; y finds A1 and B1 taken in block 1, takes A2, then needs the trust: B1 is x's.
    assert [(x.apprentice, x.placement) for x in g] == [
        ("x", "A1"),
        ("x", "B1"),
        ("y", "B1"),
        ("y", "A1"),
    ]
    assert score(p, g) <= solve_rotations(p, time_limit=10).objective


def gappy_problem() -> RotationProblem:
    """Five apprentices where taking each one's best free placement in turn leaves one block empty."""
    placements = [
        Placement("P0", "council", "s0", 1),
        Placement("P1", "trust", "s1", 2),
        Placement("P2", "council", "s2", 2),
        Placement("P3", "trust", "s3", 1),
    ]
    apprentices = [
        Apprentice("a0", "p", 0, 12, ("P1", "P2")),
        Apprentice("a1", "p", 6, 12, ("P2", "P1")),
        Apprentice("a2", "p", 0, 12, ("P2", "P1")),
        Apprentice("a3", "p", 0, 12, ("P3", "P2")),
        Apprentice("a4", "p", 0, 12, ("P1", "P2")),
    ]
    return RotationProblem(placements, apprentices, horizon=18, block_months=6)


def valid(p: RotationProblem, plan) -> bool:
    """Every block placed once, two anchors each, capacity held in every month."""
    blocks = {(a.id, b) for a in p.apprentices for b in range(len(p.blocks(a)))}
    if sorted((x.apprentice, x.block) for x in plan) != sorted(blocks):
        return False
    cap = {pl.id: pl.capacity for pl in p.placements}
    use: dict = {}
    for x in plan:
        for t in range(x.start, x.end):
            use[x.placement, t] = use.get((x.placement, t), 0) + 1
    anchors: dict = {}
    for x in plan:
        anchors.setdefault(x.apprentice, set()).add(x.anchor)
    return all(n <= cap[pl] for (pl, _), n in use.items()) and all(
        len(v) >= 2 for v in anchors.values()
    )


def test_warm_start_from_repaired_greedy_is_valid_and_never_worse():
    p = gappy_problem()
    g = greedy_rotations(p)
    assert len(g) == 9 and not valid(p, g)  # the greedy leaves one of the ten blocks empty
    fixed = repaired_greedy(p, time_limit=5)
    assert fixed is not None and valid(p, fixed)
    result, start = solve_from_greedy(p, time_limit=10)
    assert start is not None and valid(p, start) and valid(p, result.assignments)
    assert result.objective >= score(p, start) and result.objective >= score(p, g)
    assert (
        result.objective == solve_rotations(p, time_limit=10).objective
    )  # small: both prove the optimum


def test_repair_gives_up_on_an_infeasible_problem():
    p = two_anchor_problem()
    p.apprentices.append(
        Apprentice("z", "business", 0, 12, ("A1",))
    )  # three people, two places at once
    p.placements.pop(1)
    assert repaired_greedy(p, time_limit=3) is None
    result, start = solve_from_greedy(p, time_limit=5)
    assert start is None and result.status == "infeasible" and result.conflicts
