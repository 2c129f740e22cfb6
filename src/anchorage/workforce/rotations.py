"""Shared apprenticeship rotations on OR-Tools CP-SAT: who is placed where, block by block.

Time is in periods (months) numbered from the plan's first month. Each apprentice's programme is cut
into blocks of `block_months` from their own start; each block is spent at one host placement.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class Placement:
    id: str
    anchor: str
    skill: str
    capacity: int  # apprentices at once, in every period it is open
    location: str = ""
    prerequisites: tuple[str, ...] = ()  # skills the apprentice must have had in an earlier block
    open_from: int = 0  # first period open
    open_until: int | None = None  # first period closed (None: open to the end)
    programmes: tuple[str, ...] = ()  # programmes it takes (empty: any)

    def open_at(self, t: int) -> bool:
        return self.open_from <= t and (self.open_until is None or t < self.open_until)


@dataclass(frozen=True)
class Apprentice:
    id: str
    programme: str
    start: int  # first period
    months: int  # programme duration
    preferences: tuple[str, ...] = ()  # placement ids, best first
    unavailable: tuple[int, ...] = ()  # periods away (leave, college blocks): no capacity used


@dataclass(frozen=True)
class Pin:
    apprentice: str
    block: int
    placement: str


@dataclass
class RotationProblem:
    placements: list[Placement]
    apprentices: list[Apprentice]
    horizon: int
    block_months: int = 6
    min_anchors: int = 2
    pins: list[Pin] = field(default_factory=list)
    fairness_weight: int | None = (
        None  # bonus for an apprentice given any choice (default: a first choice)
    )
    taken: dict[tuple[str, int], int] = field(
        default_factory=dict
    )  # (placement, month) -> places already used

    def blocks(self, a: Apprentice) -> list[tuple[int, int]]:
        """(first period, first period after) of each whole block inside the horizon."""
        end = min(a.start + a.months, self.horizon)
        return [
            (s, s + self.block_months)
            for s in range(a.start, end - self.block_months + 1, self.block_months)
        ]


@dataclass
class Assignment:
    apprentice: str
    block: int
    placement: str
    anchor: str
    start: int
    end: int  # first period after the block


@dataclass
class RotationResult:
    status: str  # optimal | feasible | infeasible | unknown
    assignments: list[Assignment]
    objective: float | None = None
    bound: float | None = None
    seconds: float = 0.0
    conflicts: list[str] = field(default_factory=list)  # infeasibility explained
    changes: int | None = None  # re-plans: block assignments that differ from the previous plan

    @property
    def gap(self) -> float | None:
        if self.objective is None or self.bound is None:
            return None
        return abs(self.bound - self.objective) / max(1.0, abs(self.objective))

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 3),
            "conflicts": self.conflicts,
            "changes": self.changes,
            "assignments": [a.__dict__ for a in self.assignments],
        }


def preference_weight(a: Apprentice, placement_id: str) -> int:
    """First choice scores most; a placement not chosen scores nothing."""
    if placement_id not in a.preferences:
        return 0
    return len(a.preferences) - a.preferences.index(placement_id)


def fairness_bonus(problem: RotationProblem, a: Apprentice) -> int:
    """What it is worth that an apprentice gets at least one of their choices: as much as a first choice,
    so that the plan spreads choices across apprentices before it stacks them on a few."""
    return problem.fairness_weight if problem.fairness_weight is not None else len(a.preferences)


def score(problem: RotationProblem, assignments: list[Assignment]) -> int:
    """The objective of any plan: preference points, plus each fairness bonus earned."""
    by_id = {a.id: a for a in problem.apprentices}
    per: dict[str, int] = dict.fromkeys(by_id, 0)
    for x in assignments:
        per[x.apprentice] += preference_weight(by_id[x.apprentice], x.placement)
    return sum(per.values()) + sum(
        fairness_bonus(problem, by_id[k]) for k, v in per.items() if v > 0
    )


class _Model:
    """The CP-SAT model; each constraint group can be switched on by a named literal (for explanations)."""

    def __init__(self, problem: RotationProblem, named: bool) -> None:
        self.p = problem
        self.m = cp_model.CpModel()
        self.named = named
        self.names: dict[int, str] = {}
        self.lits: dict[int, cp_model.IntVar] = {}
        self.x: dict[tuple[str, int, str], cp_model.IntVar] = {}
        self._build()

    def _guard(self, ct: cp_model.Constraint, why: str) -> None:
        if self.named:
            lit = self.m.new_bool_var(why)
            ct.only_enforce_if(lit)
            self.names[lit.index] = why
            self.lits[lit.index] = lit

    def _build(self) -> None:
        p, m = self.p, self.m
        self.per_block: dict[tuple[str, int], list[tuple[Placement, cp_model.IntVar]]] = (
            defaultdict(list)
        )
        for a in p.apprentices:
            for b, _ in enumerate(p.blocks(a)):
                for pl in p.placements:
                    if pl.programmes and a.programme not in pl.programmes:
                        continue
                    v = m.new_bool_var(f"x[{a.id},{b},{pl.id}]")
                    self.x[a.id, b, pl.id] = v
                    self.per_block[a.id, b].append((pl, v))
        anchors = sorted({pl.anchor for pl in p.placements})
        for a in p.apprentices:
            blocks = p.blocks(a)
            for b, (s, e) in enumerate(blocks):
                self._guard(
                    m.add(sum(v for _, v in self.per_block[a.id, b]) == 1),
                    f"apprentice {a.id} needs a placement for block {b + 1} (months {s + 1}–{e})",
                )
            for pl in p.placements:  # no repeat placement
                vs = [
                    self.x[a.id, b, pl.id] for b in range(len(blocks)) if (a.id, b, pl.id) in self.x
                ]
                if len(vs) > 1:
                    m.add_at_most_one(vs)
            if len(blocks) >= p.min_anchors > 1:
                used = []
                for anchor in anchors:
                    u = m.new_bool_var(f"u[{a.id},{anchor}]")
                    vs = [
                        v
                        for b in range(len(blocks))
                        for pl, v in self.per_block[a.id, b]
                        if pl.anchor == anchor
                    ]
                    m.add(sum(vs) >= 1).only_enforce_if(u)
                    used.append(u)
                self._guard(
                    m.add(sum(used) >= p.min_anchors),
                    f"apprentice {a.id} must rotate through at least {p.min_anchors} anchors",
                )
            elif p.min_anchors > 1:
                self._guard(
                    m.add_bool_or([]),
                    f"apprentice {a.id} has only {len(blocks)} block(s) of "
                    f"{p.block_months} months, too few to rotate through {p.min_anchors} anchors",
                )
            for b in range(len(blocks)):  # prerequisites: a skill met in an earlier block
                for pl, v in self.per_block[a.id, b]:
                    for skill in pl.prerequisites:
                        earlier = [
                            w
                            for bi in range(b)
                            for q, w in self.per_block[a.id, bi]
                            if q.skill == skill
                        ]
                        self._guard(
                            m.add(v <= sum(earlier)),
                            f"placement {pl.id} needs {skill} experience in an earlier block",
                        )
        for pin in p.pins:
            pinned = self.x.get((pin.apprentice, pin.block, pin.placement))
            why = f"pinned: apprentice {pin.apprentice} at {pin.placement} in block {pin.block + 1}"
            # A pin to a placement that cannot take the apprentice's programme is a conflict in itself.
            self._guard(m.add_bool_or([]) if pinned is None else m.add(pinned == 1), why)
        self._capacity()
        self._objective()

    def _capacity(self) -> None:
        p = self.p
        occupying: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        for a in p.apprentices:
            away = set(a.unavailable)
            for b, (s, e) in enumerate(p.blocks(a)):
                for t in range(s, e):
                    if t in away:
                        continue
                    for pl in p.placements:
                        if (a.id, b, pl.id) in self.x:
                            occupying[pl.id, t].append(self.x[a.id, b, pl.id])
        for pl in p.placements:
            for t in range(p.horizon):
                vs = occupying.get((pl.id, t), [])
                cap = max(0, pl.capacity - p.taken.get((pl.id, t), 0)) if pl.open_at(t) else 0
                if len(vs) > cap:
                    self._guard(
                        self.m.add(sum(vs) <= cap),
                        f"placement {pl.id} ({pl.anchor}) takes at most {cap} apprentice(s) in month {t + 1}",
                    )

    def _objective(self) -> None:
        p = self.p
        terms = []
        for a in p.apprentices:
            chosen = [
                (preference_weight(a, pl.id), v)
                for b in range(len(p.blocks(a)))
                for pl, v in self.per_block[a.id, b]
                if preference_weight(a, pl.id)
            ]
            if not chosen:
                continue
            got = self.m.new_bool_var(f"got[{a.id}]")
            self.m.add(got <= sum(v for _, v in chosen))
            terms += [w * v for w, v in chosen] + [fairness_bonus(p, a) * got]
        self.objective = sum(terms)

    def assignments(self, solver: cp_model.CpSolver) -> list[Assignment]:
        by_id = {pl.id: pl for pl in self.p.placements}
        app = {a.id: a for a in self.p.apprentices}
        out = []
        for (aid, b, pid), v in self.x.items():
            if solver.boolean_value(v):
                s, e = self.p.blocks(app[aid])[b]
                out.append(Assignment(aid, b, pid, by_id[pid].anchor, s, e))
        return sorted(out, key=lambda x: (x.apprentice, x.block))


def _hint(model: _Model, assignments: list[Assignment]) -> None:
    chosen = {(x.apprentice, x.block, x.placement) for x in assignments}
    for key, v in model.x.items():
        model.m.add_hint(v, key in chosen)


def solve_rotations(
    problem: RotationProblem,
    *,
    time_limit: float = 60.0,
    workers: int = 2,
    previous: list[Assignment] | None = None,
    frozen_before: int = 0,
    hint: list[Assignment] | None = None,
    explain: bool = True,
) -> RotationResult:
    """Best rotation plan within the time limit; when infeasible, the constraints in conflict.

    With `previous` (a re-plan after a dropout or a withdrawn placement), blocks that ended by
    `frozen_before` (the past) keep their placement, and the plan first changes as few
    block assignments as it can, then maximises preferences and fairness among those plans.
    """
    started = time.perf_counter()
    model = _Model(problem, named=False)
    changed = None
    if previous is not None:
        keep = {(x.apprentice, x.block): x.placement for x in previous}
        apps = {a.id: a for a in problem.apprentices}
        same = []
        for (aid, b, pid), v in model.x.items():
            if keep.get((aid, b)) == pid:
                same.append(v)
                if problem.blocks(apps[aid])[b][1] <= frozen_before:
                    model.m.add(v == 1)
        total = sum(1 for a in problem.apprentices for _ in problem.blocks(a))
        changed = total - sum(same)
        big = _upper_bound(problem) + 1
        model.m.maximize(model.objective - big * changed)
        _hint(model, previous)
    else:
        model.m.maximize(model.objective)
        if hint:
            _hint(model, hint)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model.m)
    seconds = time.perf_counter() - started
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignments = model.assignments(solver)
        objective = float(solver.value(model.objective))
        n_changed = int(solver.value(changed)) if changed is not None else None
        bound = float(solver.best_objective_bound)
        if (
            changed is not None
        ):  # the bound is on the combined objective; report it on the plan's own
            bound = bound + (_upper_bound(problem) + 1) * (n_changed or 0)
        return RotationResult(
            "optimal" if status == cp_model.OPTIMAL else "feasible",
            assignments,
            objective,
            bound,
            seconds,
            changes=n_changed,
        )
    if status == cp_model.INFEASIBLE:
        return RotationResult(
            "infeasible",
            [],
            seconds=seconds,
            conflicts=explain_infeasibility(problem, max(5.0, time_limit / 4)) if explain else [],
        )
    return RotationResult(
        "unknown",
        [],
        seconds=seconds,
        conflicts=[f"no plan was found within {time_limit:.0f} s; allow more time"],
    )


def _upper_bound(problem: RotationProblem) -> int:
    return sum(
        len(a.preferences) * len(problem.blocks(a)) + fairness_bonus(problem, a)
        for a in problem.apprentices
    )


def explain_infeasibility(problem: RotationProblem, time_limit: float = 10.0) -> list[str]:
    """The constraint groups in conflict: CP-SAT's sufficient assumptions, then shrunk by deletion so
    that every group named is needed for the conflict (when the core is small enough to check)."""
    model = _Model(problem, named=True)
    model.m.add_assumptions(list(model.lits.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # assumption cores need a single worker
    if solver.solve(model.m) != cp_model.INFEASIBLE:
        return [
            "the plan is infeasible, but the conflict could not be isolated in the time allowed"
        ]
    core = list(solver.sufficient_assumptions_for_infeasibility())
    if len(core) <= 40:
        core = _shrink(model, core, time_limit / max(1, len(core)))
    return sorted(model.names[i] for i in core)


def _shrink(model: _Model, core: list[int], each: float) -> list[int]:
    """Deletion filter: drop each assumption whose removal keeps the rest infeasible."""
    needed = list(core)
    for lit in list(core):
        trial = [x for x in needed if x != lit]
        model.m.clear_assumptions()
        model.m.add_assumptions([model.lits[i] for i in trial])
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = each
        solver.parameters.num_workers = 1
        if solver.solve(model.m) == cp_model.INFEASIBLE:
            needed = trial
    return needed
