"""Small-number suppression: the ONE function every workforce output, export and API goes through.

A table of counts is seen with its margins (row totals, column totals, grand total). Counts from 1 to
threshold - 1 are hidden (primary suppression). A hidden cell must not be derivable from what is shown:
in a two-way table with margins, the cells are the edges of a bipartite graph (row nodes, column nodes,
margins as the "total" nodes) and each node says "its cells sum to its total". A hidden cell can be
worked out by subtraction exactly when it is a bridge of the graph of hidden cells; it is safe when it
lies on a cycle of hidden cells. So secondary suppression hides, for every bridge, the cheapest path of
other cells that closes a cycle through it (Dijkstra; cost = the count hidden). Secondary cells are
never zero, so every cycle can move by ±1 while all cells stay at least 0: nothing is pinned by the
fact that counts cannot be negative either.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Cell = tuple[
    int, int
]  # (row, column); row == n_rows is the column-total row, column == n_cols the row totals
FORBIDDEN = 10**12


@dataclass(frozen=True)
class SuppressionRule:
    threshold: int = 5
    round_to: int = 0  # 0: exact; 5: every shown count rounded to the nearest 5

    def shown(self, value: int) -> int:
        if self.round_to <= 1:
            return value
        return int((value + self.round_to / 2) // self.round_to * self.round_to)


@dataclass
class SuppressedTable:
    """A table with its margins; `values[r][c]` is the count to show, or None when hidden."""

    values: list[list[int | None]]
    primary: set[Cell] = field(default_factory=set)
    secondary: set[Cell] = field(default_factory=set)

    @property
    def hidden(self) -> set[Cell]:
        return self.primary | self.secondary

    def cell(self, row: int, col: int) -> int | None:
        return self.values[row][col]

    def total_row(self) -> list[int | None]:
        return self.values[-1]


def with_margins(counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """The table plus a row-total column and a column-total row (grand total bottom right)."""
    rows = [[*list(map(int, r)), sum(map(int, r))] for r in counts]
    width = len(rows[0]) if rows else 1
    totals = [sum(r[c] for r in rows) for c in range(width)]
    return [*rows, totals]


def _bridges(n_nodes: int, edges: dict[Cell, tuple[int, int]]) -> set[Cell]:
    """Edges of a multigraph whose removal disconnects it (Tarjan, iterative)."""
    adj: list[list[tuple[int, Cell]]] = [[] for _ in range(n_nodes)]
    for key, (a, b) in edges.items():
        adj[a].append((b, key))
        adj[b].append((a, key))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    found: set[Cell] = set()
    counter = itertools.count()
    for root in range(n_nodes):
        if disc[root] != -1:
            continue
        disc[root] = low[root] = next(counter)
        stack: list[tuple[int, Cell | None, Iterable[tuple[int, Cell]]]] = [
            (root, None, iter(adj[root]))
        ]
        while stack:
            node, via, it = stack[-1]
            advanced = False
            for nxt, key in it:
                if key == via:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = next(counter)
                    stack.append((nxt, key, iter(adj[nxt])))
                    advanced = True
                    break
                low[node] = min(low[node], disc[nxt])
            if advanced:
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > disc[parent]:
                    assert via is not None
                    found.add(via)
    return found


def suppress(
    counts: Sequence[Sequence[int]],
    rule: SuppressionRule | None = None,
    *,
    hide: Iterable[Cell] = (),
    avoid: Iterable[Cell] = (),
) -> SuppressedTable:
    """Suppress a table of counts and its margins.

    `hide` forces cells hidden (e.g. a headcount hidden in a sibling table); `avoid` names cells to
    use for secondary suppression only when nothing else will do (e.g. headcounts shown elsewhere).
    """
    rule = rule or SuppressionRule()
    full = with_margins(counts) if counts else [[0]]
    n_rows, n_cols = len(full) - 1, len(full[0]) - 1
    # Nodes: rows 0..n_rows (n_rows = the column-total row), then columns 0..n_cols.
    node = lambda r, c: (r, n_rows + 1 + c)  # noqa: E731
    all_cells = [(r, c) for r in range(n_rows + 1) for c in range(n_cols + 1)]
    primary = {(r, c) for r, c in all_cells if 0 < full[r][c] < rule.threshold}
    hidden = set(primary) | set(hide)
    avoid_set = set(avoid)

    def cost(cell: Cell) -> int:
        r, c = cell
        if cell in hidden:
            return 0
        if full[r][c] == 0:
            return FORBIDDEN  # a zero cell could pin its cycle (counts are never negative)
        return (
            full[r][c]
            + (FORBIDDEN // 1000 if cell in avoid_set else 0)
            + (1 if r == n_rows or c == n_cols else 0)
        )

    n_nodes = n_rows + n_cols + 2
    lines = [[(r, c) for c in range(n_cols + 1)] for r in range(n_rows + 1)]
    lines += [[(r, c) for r in range(n_rows + 1)] for c in range(n_cols + 1)]
    while True:
        bridges = _bridges(n_nodes, {cell: node(*cell) for cell in hidden})
        if bridges:
            target = min(bridges, key=lambda cell: (full[cell[0]][cell[1]], cell))
            path = _cheapest_path(node(*target), target, all_cells, node, cost, n_nodes)
            if path is None:  # nothing can close a cycle: hide the whole table
                hidden = set(all_cells)
                break
            hidden.update(path)
            continue
        # The hidden cells of one row (or column) sum to its total less what is shown: that sum is a
        # derivable count too, so it must not be small either; otherwise hide one more cell of the line.
        small = next(
            (line for line in lines if 0 < _hidden_sum(full, line, hidden) < rule.threshold), None
        )
        if small is None:
            break
        extra = [cell for cell in small if cell not in hidden and cost(cell) < FORBIDDEN]
        if not extra:
            hidden = set(all_cells)
            break
        hidden.add(min(extra, key=lambda cell: (cost(cell), cell)))
    values: list[list[int | None]] = [
        [None if (r, c) in hidden else rule.shown(full[r][c]) for c in range(n_cols + 1)]
        for r in range(n_rows + 1)
    ]
    return SuppressedTable(values, primary, hidden - primary)


def _hidden_sum(full: list[list[int]], line: list[Cell], hidden: set[Cell]) -> int:
    """What the hidden cells of a line add up to, as anyone can work it out from its shown total (0 when
    none is hidden, or when the total itself is hidden)."""
    if line[-1] in hidden:
        return 0
    return sum(full[r][c] for r, c in line if (r, c) in hidden)


def _cheapest_path(
    ends: tuple[int, int], exclude: Cell, cells: list[Cell], node, cost, n_nodes: int
) -> list[Cell] | None:
    """Cheapest path of cells between the two ends of `exclude` that does not use it."""
    adj: list[list[tuple[int, Cell, int]]] = [[] for _ in range(n_nodes)]
    for cell in cells:
        if cell == exclude:
            continue
        w = cost(cell)
        if w >= 10**12:
            continue
        a, b = node(*cell)
        adj[a].append((b, cell, w))
        adj[b].append((a, cell, w))
    start, goal = ends
    best = {start: 0}
    back: dict[int, tuple[int, Cell]] = {}
    heap = [(0, start)]
    while heap:
        d, here = heapq.heappop(heap)
        if here == goal:
            break
        if d > best.get(here, 10**18):
            continue
        for nxt, cell, w in adj[here]:
            if d + w < best.get(nxt, 10**18):
                best[nxt] = d + w
                back[nxt] = (here, cell)
                heapq.heappush(heap, (d + w, nxt))
    if goal not in best:
        return None
    path, here = [], goal
    while here != start:
        here, cell = back[here]
        path.append(cell)
    return path


def suppress_column(counts: Sequence[int], rule: SuppressionRule | None = None) -> SuppressedTable:
    """A one-column list of counts with its total (e.g. engagements per partner)."""
    return suppress([[int(v)] for v in counts], rule)


# A family of tables: every table, grouping, page and list published from the same counts ------------------
# Suppressing each table on its own is not enough when several tables (or a table and a list) come from the
# same people: a cell hidden in one can follow by subtraction from the others. So the family is audited as a
# whole: the finest counts ("atoms") are the unknowns, every published figure is a sum of atoms, and CP-SAT looks
# for a second value of every hidden figure that agrees with everything shown (and with what the reader knows
# already, e.g. their own anchor's rows). A figure it can pin gets a neighbour hidden too, until none can be.


@dataclass
class FamilyResult:
    """Which figures to hide (indices into the figures given), and why."""

    hidden: set[int]
    primary: set[int]
    pinned_rounds: int = 0


def _pinned(
    values: Sequence[int],
    figures: Sequence[frozenset[int]],
    hidden: set[int],
    known: set[int],
    rule: SuppressionRule,
    checks: set[int],
) -> int | None:
    """The first hidden figure (of `checks`) that the shown figures and the known atoms fix to one value."""
    from ortools.sat.python import cp_model  # the solver is needed only where a family is audited

    bound = max(1, sum(values)) * 2 + rule.round_to
    # An atom is at most the smallest shown figure it is part of: tight domains keep each solve fast.
    cap = [bound] * len(values)
    for f, atoms in enumerate(figures):
        if f not in hidden:
            top = sum(values[a] for a in atoms) + rule.round_to
            for a in atoms:
                cap[a] = min(cap[a], top)
    open_checks = sorted(checks)
    while open_checks:
        target = open_checks.pop(0)
        true = sum(values[a] for a in figures[target])
        model = cp_model.CpModel()
        x = [
            model.new_constant(values[a]) if a in known else model.new_int_var(0, cap[a], f"a{a}")
            for a in range(len(values))
        ]
        for f, atoms in enumerate(figures):
            if f in hidden:
                continue
            shown, expr = (
                sum(values[a] for a in atoms),
                cp_model.LinearExpr.sum([x[a] for a in atoms]),
            )
            if rule.round_to > 1:
                centre = rule.shown(shown)
                model.add(expr >= centre - rule.round_to // 2)
                model.add(expr <= centre + (rule.round_to - 1) // 2)
            else:
                model.add(expr == shown)
        model.add_linear_expression_in_domain(
            cp_model.LinearExpr.sum([x[a] for a in figures[target]]),
            cp_model.Domain.from_intervals([[0, true - 1], [true + 1, bound * len(values)]])
            if true > 0
            else cp_model.Domain(1, bound * len(values)),
        )
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 10.0
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return target
        moved = {
            f
            for f in open_checks
            if sum(solver.value(x[a]) for a in figures[f]) != sum(values[a] for a in figures[f])
        }
        open_checks = [
            f for f in open_checks if f not in moved
        ]  # a second value found for these too
    return None


def protect_family(
    values: Sequence[int],
    figures: Sequence[frozenset[int]],
    rule: SuppressionRule | None = None,
    *,
    known: Iterable[int] = (),
    hide: Iterable[int] = (),
    max_rounds: int = 200,
) -> FamilyResult:
    """Figures to hide so that no hidden one can be worked out from all the others.

    `values[a]` is atom a's count; `figures[f]` the atoms figure f adds up (a cell, a total, a list's count);
    `known` atoms the reader knows exactly (their own rows); `hide` figures hidden already (e.g. by `suppress`).
    Primary: figures from 1 to threshold - 1 that the reader does not know. Then, while CP-SAT can pin a hidden
    figure, the smallest shown figure that shares atoms with it (and that the reader does not know) is hidden."""
    rule = rule or SuppressionRule()
    known_set = set(known)
    total = [sum(values[a] for a in f) for f in figures]
    knowable = {f for f, atoms in enumerate(figures) if atoms <= known_set}
    primary = {
        f for f in range(len(figures)) if 0 < total[f] < rule.threshold and f not in knowable
    }
    hidden = (primary | set(hide)) - knowable
    rounds = 0
    while hidden and rounds < max_rounds:
        target = _pinned(values, figures, hidden, known_set, rule, hidden)
        if target is None:
            break
        rounds += 1
        near = [
            f
            for f in range(len(figures))
            if f not in hidden
            and f not in knowable
            and figures[f] & figures[target]
            and total[f] > 0
        ]
        if not near:  # nothing shown can protect it: hide everything the reader does not know
            hidden = set(range(len(figures))) - knowable
            break
        hidden.add(min(near, key=lambda f: (total[f], len(figures[f]), f)))
    return FamilyResult(hidden, primary, rounds)
