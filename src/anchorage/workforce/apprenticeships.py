"""Shared apprenticeships in the workspace: load programmes, placements and apprentices, solve and save
rotation plans, re-plan after a change, and write each apprentice's and each host's calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.core.errors import AnchorageError
from anchorage.exports import Workbook
from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import (
    ApprenticeRecord,
    HostPlacement,
    Programme,
    RotationBlock,
    RotationPlan,
)
from anchorage.workforce.imports import import_apprentices, import_placements, import_programmes
from anchorage.workforce.levy import add_months
from anchorage.workforce.rotations import (
    Apprentice,
    Assignment,
    Pin,
    Placement,
    RotationProblem,
    RotationResult,
)
from anchorage.workforce.rotations import solve_rotations as _solve
from anchorage.workforce.rotations_greedy import solve_from_greedy
from anchorage.workspace import Workspace


def load_programmes(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Programmes (shared by the collaborative): adds or updates those the file names; each must last at
    least the minimum in force on its start date (shorter ones are quarantined)."""
    return import_programmes(ws, path, org, **options)


def load_placements(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Host placements of the anchors the file covers."""
    return import_placements(ws, path, org, **options)


def load_apprentices(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Apprentices of the employers the file covers; their programmes must be loaded."""
    return import_apprentices(ws, path, org, **options)


def _index(first: dt.date, month: dt.date) -> int:
    return (month.year - first.year) * 12 + month.month - first.month


@dataclass
class Schedule:
    problem: RotationProblem
    first_month: dt.date


def build_problem(
    ws: Workspace,
    *,
    months: int = 24,
    block_months: int = 6,
    first_month: dt.date | None = None,
    min_anchors: int = 2,
) -> Schedule:
    """The rotation problem from the records: active apprentices, placements as now offered."""
    with ws.session() as session:
        progs = {p.id: p for p in session.scalars(select(Programme))}
        apps = list(
            session.scalars(select(ApprenticeRecord).where(ApprenticeRecord.status == "active"))
        )
        places = list(session.scalars(select(HostPlacement)))
    if not apps or not places:
        raise AnchorageError(
            "There are no apprentices or no host placements to plan.",
            web_fix="Upload the apprentices and the host placements first.",
            fix="Load them with `anchorage apprenticeships load-placements FILE` and "
            "`anchorage apprenticeships load-apprentices FILE`.",
        )
    first = first_month or min(a.start_date for a in apps).replace(day=1)
    placements = [
        Placement(
            p.id,
            p.org,
            p.skill,
            p.capacity,
            p.location,
            tuple(p.prerequisites),
            max(0, _index(first, p.open_from)) if p.open_from else 0,
            max(0, _index(first, p.open_until)) if p.open_until else None,
            tuple(p.programmes),
        )
        for p in places
    ]
    apprentices, pins = [], []
    for a in apps:
        away = tuple(_index(first, dt.date.fromisoformat(u + "-01")) for u in a.unavailable)
        apprentices.append(
            Apprentice(
                a.id,
                a.programme_id,
                _index(first, a.start_date),
                progs[a.programme_id].duration_months,
                tuple(a.preferences),
                away,
            )
        )
        pins += [Pin(a.id, int(b) - 1, p) for b, p in a.pinned.items()]
    return Schedule(
        RotationProblem(placements, apprentices, months, block_months, min_anchors, pins), first
    )


def solve_and_save(
    ws: Workspace,
    *,
    months: int = 24,
    block_months: int = 6,
    time_limit: float = 60.0,
    replan: bool = False,
    changed_from: dt.date | None = None,
) -> tuple[RotationResult, int | None]:
    """Solve (or re-plan from the latest plan with the fewest changes) and save the plan when found."""
    sched = build_problem(ws, months=months, block_months=block_months)
    previous, replaces = None, None
    if replan:
        latest = _latest_plan(ws)
        if latest is None:
            raise AnchorageError(
                "There is no plan to re-plan from.",
                web_fix="Make a plan first on the apprenticeships page.",
                fix="Run `anchorage apprenticeships solve` first.",
            )
        sched = build_problem(
            ws,
            months=latest.months,
            block_months=latest.block_months,
            first_month=latest.first_month,
        )
        previous = [
            Assignment(b.apprentice_id, b.block, b.placement_id, b.org, 0, 0)
            for b in plan_blocks(ws, latest.id)
        ]
        replaces = latest.id
    frozen = _index(sched.first_month, changed_from) if changed_from else 0
    if (
        previous is None
    ):  # a fresh plan starts from the repaired greedy plan, so it is never worse than it
        result, _ = solve_from_greedy(sched.problem, time_limit=time_limit)
    else:
        result = _solve(
            sched.problem, time_limit=time_limit, previous=previous, frozen_before=max(0, frozen)
        )
    plan_id = None
    with ws.session() as session:
        plan = RotationPlan(
            first_month=sched.first_month,
            months=sched.problem.horizon,
            block_months=sched.problem.block_months,
            status=result.status,
            objective=result.objective,
            bound=result.bound,
            seconds=result.seconds,
            changes=result.changes,
            conflicts=result.conflicts,
            replaces=replaces,
        )
        session.add(plan)
        session.flush()
        plan_id = plan.id
        for x in result.assignments:
            session.add(
                RotationBlock(
                    plan_id=plan.id,
                    apprentice_id=x.apprentice,
                    block=x.block,
                    placement_id=x.placement,
                    org=x.anchor,
                    start_month=add_months(sched.first_month, x.start),
                    end_month=add_months(sched.first_month, x.end - 1),
                )
            )
        session.commit()
    return result, plan_id


def _latest_plan(ws: Workspace) -> RotationPlan | None:
    with ws.session() as session:
        return session.scalars(
            select(RotationPlan)
            .where(RotationPlan.status.in_(("optimal", "feasible")))
            .order_by(RotationPlan.id.desc())
        ).first()


def plan_blocks(ws: Workspace, plan_id: int | None = None) -> list[RotationBlock]:
    """The blocks of a plan (the latest good one by default)."""
    if plan_id is None:
        latest = _latest_plan(ws)
        if latest is None:
            return []
        plan_id = latest.id
    with ws.session() as session:
        return list(
            session.scalars(
                select(RotationBlock)
                .where(RotationBlock.plan_id == plan_id)
                .order_by(RotationBlock.apprentice_id, RotationBlock.block)
            )
        )


def calendars(
    ws: Workspace, plan_id: int | None = None, orgs: set[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Month-by-month grids: apprentice × month (where they are) and placement × month (who is there).

    With `orgs`, only the apprentices those anchors employ and the placements they host are included, and
    a hosted apprentice employed elsewhere is shown as "an apprentice of <anchor>", not by reference."""
    blocks = plan_blocks(ws, plan_id)
    if not blocks:
        return {"apprentices": pd.DataFrame(), "hosts": pd.DataFrame()}
    first = min(b.start_month for b in blocks)
    last = max(b.end_month for b in blocks)
    months = [add_months(first, i) for i in range(_index(first, last) + 1)]
    names = [f"{m:%b %Y}" for m in months]
    employer = employers(ws)
    per_app: dict[str, list[str]] = {}
    per_host: dict[str, list[list[str]]] = {}
    for b in blocks:
        show_app = orgs is None or employer.get(b.apprentice_id) in orgs
        show_host = orgs is None or b.org in orgs
        row = per_app.setdefault(b.apprentice_id, [""] * len(months)) if show_app else None
        host = (
            per_host.setdefault(f"{b.placement_id} ({b.org})", [[] for _ in months])
            if show_host
            else None
        )
        for i in range(_index(first, b.start_month), _index(first, b.end_month) + 1):
            if row is not None:
                row[i] = f"{b.placement_id} ({b.org})"
            if host is not None:  # another anchor's apprentice is not named to the host
                host[i].append(
                    b.apprentice_id
                    if show_app
                    else f"an apprentice of {employer.get(b.apprentice_id)}"
                )
    apps = (
        pd.DataFrame.from_dict(per_app, orient="index", columns=names)
        .rename_axis("apprentice")
        .reset_index()
    )
    hosts = (
        pd.DataFrame.from_dict(
            {k: [", ".join(v) for v in cells] for k, cells in per_host.items()},
            orient="index",
            columns=names,
        )
        .rename_axis("placement")
        .reset_index()
    )
    return {"apprentices": apps, "hosts": hosts.sort_values("placement")}


def employers(ws: Workspace, active_only: bool = False) -> dict[str, str]:
    """Apprentice id -> the anchor that employs them (withdrawn apprentices too, unless `active_only`)."""
    with ws.session() as session:
        return {
            a.id: a.employer
            for a in session.scalars(select(ApprenticeRecord).order_by(ApprenticeRecord.id))
            if a.status == "active" or not active_only
        }


def placement_hosts(ws: Workspace) -> dict[str, str]:
    """Host placement id -> the anchor that hosts it."""
    with ws.session() as session:
        return {
            p.id: p.org for p in session.scalars(select(HostPlacement).order_by(HostPlacement.id))
        }


def host_counts(ws: Workspace, plan_id: int | None = None) -> pd.DataFrame:
    """Apprentices hosted by each anchor in each month of the plan (counts, before suppression)."""
    blocks = plan_blocks(ws, plan_id)
    counts: dict[tuple[str, dt.date], int] = {}
    for b in blocks:
        for i in range(_index(b.start_month, b.end_month) + 1):
            key = (b.org, add_months(b.start_month, i))
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return pd.DataFrame()
    frame = pd.Series(counts).unstack(fill_value=0).sort_index(axis=1)
    frame.columns = [f"{m:%b %Y}" for m in frame.columns]
    return frame


def withdraw_apprentice(ws: Workspace, apprentice_id: str) -> str:
    """Mark an apprentice withdrawn (a dropout): the next plan leaves them out. Returns their employer."""
    with ws.session() as session:
        row = session.get(ApprenticeRecord, apprentice_id)
        if row is None:
            raise AnchorageError(
                f"There is no apprentice {apprentice_id}.", fix="Choose one from the list."
            )
        row.status = "withdrawn"
        session.commit()
        return row.employer


def withdraw_placement(ws: Workspace, placement_id: str, from_month: dt.date) -> str:
    """Close a host placement from a month on (a withdrawn placement). Returns its host anchor."""
    with ws.session() as session:
        row = session.get(HostPlacement, placement_id)
        if row is None:
            raise AnchorageError(
                f"There is no host placement {placement_id}.", fix="Choose one from the list."
            )
        row.open_until = from_month.replace(day=1)
        session.commit()
        return row.org


def latest_plan(ws: Workspace) -> RotationPlan | None:
    """The newest plan of any status (an infeasible re-plan included), for its summary."""
    with ws.session() as session:
        return session.scalars(select(RotationPlan).order_by(RotationPlan.id.desc())).first()


def write_calendars(
    ws: Workspace, out: Path, plan_id: int | None = None, orgs: set[str] | None = None
) -> Path:
    """The calendars as one XLSX: a sheet per view, months across, frozen headers (see `calendars`)."""
    frames = calendars(ws, plan_id, orgs)
    with Workbook(out) as wb:
        for sheet, frame in (
            ("By apprentice", frames["apprentices"]),
            ("By host placement", frames["hosts"]),
        ):
            ws_ = wb.frame(sheet, frame, freeze=(1, 1))
            ws_.set_column(0, 0, 28)
    return out
