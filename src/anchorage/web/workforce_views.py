"""What the workforce pages and API show, from the gated workforce queries (no figures computed here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from anchorage.access import bid_queries as bq
from anchorage.access import workforce_queries as wq
from anchorage.access.gate import Viewer
from anchorage.access.page_periods import workforce_period
from anchorage.reports.workforce_charts import count_chart, share_chart
from anchorage.services.runtime import Workspace
from anchorage.services.workforce import (
    COLLABORATIVE,
    INDICATORS,
    KINDS,
    OUTCOMES,
    can_transfer_levy,
)
from anchorage.services.workforce import programme_status as status
from anchorage.services.workforce import programmes as load_programmes

CHARTED = ("living_locally", "deprived20", "below_living_wage", "apprentices")


def names(ws: Workspace) -> dict[str, str]:
    return {a.slug: a.name for a in ws.config.anchors} | {COLLABORATIVE: "Collaborative"}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows for a template or JSON: suppressed (None/NaN) cells stay None."""
    return [
        {
            str(k): (None if v is None or (isinstance(v, float) and pd.isna(v)) else v)
            for k, v in r.items()
        }
        for r in frame.astype(object).to_dict("records")
    ]


def profile_view(ws: Workspace, viewer: Viewer, year: str | None = None) -> dict[str, Any]:
    period, to = workforce_period(ws, year)
    p = wq.profile(ws, viewer, to=to)
    label = names(ws)
    sections = []
    for ind in CHARTED:
        rows = [r for r in p.rows if r.indicator == ind]
        if not rows:
            continue
        title = f"Staff {INDICATORS[ind][2]}"
        chart = share_chart(
            [(label.get(r.org, r.org), r.share) for r in rows],
            title=title,
            chart_id=f"wf-{ind}",
            xlabel="Share of staff",
        )
        sections.append(
            {
                "id": ind,
                "title": title,
                "chart": chart,
                "rows": [
                    {
                        "org": label.get(r.org, r.org),
                        "count": r.count,
                        "headcount": r.headcount,
                        "share": r.share,
                    }
                    for r in rows
                ],
            }
        )
    grid = p.grid(label)
    return {
        "sections": sections,
        "grid_columns": list(grid.columns),
        "grid": grid.values.tolist(),
        "threshold": p.threshold,
        "round_to": p.round_to,
        "as_at": {label.get(k, k): v for k, v in p.as_at.items()},
        "living_wage": {label.get(k, k): v for k, v in p.living_wage.items()},
        "period": period,
    }


def rotations_view(ws: Workspace, viewer: Viewer) -> dict[str, Any]:
    v = wq.rotations(ws, viewer)
    return {
        "plan": v.plan,
        "apprentices": v.apprentices,
        "hosts": v.hosts,
        "hosted": v.hosted,
        "can_replan": v.can_replan,
        "apprentice_ids": v.apprentice_ids,
        "placement_ids": v.placement_ids,
        "this_month": dt.date.today().strftime("%Y-%m"),
    }


def rotations_json(ws: Workspace, viewer: Viewer) -> dict[str, Any]:
    v = wq.rotations(ws, viewer)
    return {
        "ok": True,
        "plan": v.plan,
        "apprentices": records(v.apprentices),
        "hosts": records(v.hosts),
        "hosted": records(v.hosted),
    }


def levy_view(ws: Workspace, viewer: Viewer, as_at: dt.date | None = None) -> dict[str, Any]:
    v = wq.levy(ws, viewer, as_at)
    label = names(ws)
    return {
        "years": records(v.years),
        "rows": v.ledger.rows,
        "caps": v.ledger.caps,
        "warnings": v.ledger.warnings,
        "commitments": v.commitments,
        "names": label,
        "can_transfer": can_transfer_levy(viewer),
    }


def levy_json(ws: Workspace, viewer: Viewer, as_at: dt.date | None = None) -> dict[str, Any]:
    v = wq.levy(ws, viewer, as_at)
    return {
        "ok": True,
        "tax_years": records(v.years),
        **v.ledger.to_json(),
        "commitments": [{**c.__dict__, "total_price": float(c.total_price)} for c in v.commitments],
    }


def programme_choices(ws: Workspace) -> dict[str, str]:
    """Each programme's id and its name with whether it is open today, open ones first."""
    today = dt.date.today()
    progs = sorted(
        load_programmes(ws).values(),
        key=lambda p: (status(p, today) != "open", -p.last_start.toordinal()),
    )
    return {
        p.id: p.name + ("" if status(p, today) == "open" else f" ({status(p, today)})")
        for p in progs
    }


def bid_view(
    ws: Workspace, viewer: Viewer, programme: str | None, bid_date: dt.date | None
) -> dict[str, Any]:
    v = bq.bid(ws, viewer, programme, bid_date)
    chart = count_chart(
        v.pledged,
        title="Placements pledged by employer",
        chart_id="bid-pledged",
        xlabel="Placements pledged",
    )
    starts = bq.starts_table(ws, viewer)
    return {
        "summary": v.summary,
        "checks": v.checks,
        "chart": chart,
        "pledged": v.pledged,
        "starts_columns": list(starts.columns),
        "starts": starts.values.tolist(),
        "programme": v.summary.programme.id,
        "programmes": programme_choices(ws),
        "status": status(v.summary.programme, dt.date.today()),
        "bid_date": v.summary.bid_date.isoformat(),
        "can_pledge": bq.can_pledge(viewer),
    }


def pledges_view(ws: Workspace, viewer: Viewer, programme: str | None = None) -> dict[str, Any]:
    v = bq.bid(ws, viewer, programme)
    checks = {c.pledge_id: c for c in v.summary.checks}
    label = names(ws)
    started: dict[str, int] = {}
    for s in v.starts:
        started[s.pledge_id] = started.get(s.pledge_id, 0) + 1
    rows = [
        {
            "p": p,
            "check": checks.get(p.id),
            "anchor": label.get(p.org, "Collaborative list") if p.org else "Collaborative list",
            "started": started.get(p.id, 0) if bq.lists_starts(viewer, p.org) else "",
            "editable": p.id in v.editable,
        }
        for p in v.pledges
    ]
    return {
        "summary": v.summary,
        "rows": rows,
        "starts": v.starts,
        "can_pledge": bq.can_pledge(viewer),
        "pledge_names": {p.id: f"{p.employer}: {p.role}" for p in v.pledges},
        "editable": v.editable,
        "outcomes": OUTCOMES,
        "today": dt.date.today().isoformat(),
        "org_name": label.get(viewer.org or "", ""),
        "programmes": programme_choices(ws),
        "default_programme": v.summary.programme.id,
    }


def he_view(ws: Workspace, viewer: Viewer, by: str) -> dict[str, Any]:
    table = wq.he_summary(ws, viewer, by)
    kinds = [k for k in KINDS if k in table.columns]
    totals = [(k, int(table[k].sum())) for k in kinds]
    chart = count_chart(
        totals, title="Engagements by kind", chart_id="he-kinds", xlabel="Engagements"
    )
    return {
        "by": by,
        "columns": list(table.columns),
        "rows": records(table),
        "chart": chart,
        "totals": totals,
    }
