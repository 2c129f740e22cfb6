"""A greedy baseline for rotations: each apprentice in turn takes the best placement still free."""

from __future__ import annotations

from collections import defaultdict

from anchorage.workforce.rotations import Assignment, RotationProblem, preference_weight


def greedy_rotations(problem: RotationProblem) -> list[Assignment]:
    """Apprentices in order, blocks in order: the most preferred placement with room, the right programme,
    its prerequisites met and not yet used; the last block goes to a new anchor if that is still needed.
    Blocks with no such placement stay empty (the greedy plan may leave gaps that CP-SAT would not)."""
    used: dict[tuple[str, int], int] = defaultdict(int)
    out: list[Assignment] = []
    for a in problem.apprentices:
        blocks = problem.blocks(a)
        mine: list[Assignment] = []
        away = set(a.unavailable)
        for b, (s, e) in enumerate(blocks):
            anchors = {x.anchor for x in mine}
            need_new = len(anchors) < problem.min_anchors and len(blocks) - b <= problem.min_anchors - len(anchors)
            skills = {next(p.skill for p in problem.placements if p.id == x.placement) for x in mine}
            options = [
                p for p in problem.placements
                if (not p.programmes or a.programme in p.programmes)
                and p.id not in {x.placement for x in mine}
                and set(p.prerequisites) <= skills
                and not (need_new and p.anchor in anchors)
                and all(t in away or (p.open_at(t) and used[p.id, t] < p.capacity) for t in range(s, e))
            ]
            if not options:
                continue
            best = max(options, key=lambda p: (preference_weight(a, p.id), -problem.placements.index(p)))
            for t in range(s, e):
                if t not in away:
                    used[best.id, t] += 1
            mine.append(Assignment(a.id, b, best.id, best.anchor, s, e))
        out.extend(mine)
    return out
