"""Workforce data through the gate, for the web pages and the JSON API.

Staff-derived figures are aggregates that have been through the one suppression function: every signed-in
user sees them. An anchor's apprentices (their references and rotations) and its levy ledger lines and
commitments are that anchor's detail: only users who see its detail (`Viewer.sees_detail`) get them.
Collaborative admins, who belong to no anchor, see the collaborative view: the plan's summary, hosted
counts (suppressed), the pool's tax-year totals, caps and warnings.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from anchorage.access.accounts import Forbidden
from anchorage.access.gate import Viewer, refuse
from anchorage.core.errors import AnchorageError
from anchorage.workforce import apprenticeships as appr
from anchorage.workforce import levy_io
from anchorage.workforce.he_partners import engagement_summary
from anchorage.workforce.levy import Commitment, LevyLedger, tax_year
from anchorage.workforce.profile import WorkforceProfile, workforce_profile
from anchorage.workforce.rotations import RotationResult
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, protect_family, suppress
from anchorage.workspace import Workspace


def profile(ws: Workspace, viewer: Viewer, *, to: dt.date | None = None) -> WorkforceProfile:
    """The suppressed indicators of every anchor and the collaborative (aggregates: open to all), from each
    anchor's latest staff extract (up to `to`, when given)."""
    return workforce_profile(ws, to=to)


def he_summary(ws: Workspace, viewer: Viewer, by: str = "anchor") -> pd.DataFrame:
    """HE engagements by anchor, partner or outcome; the people involved suppressed across all three groupings."""
    return engagement_summary(ws, by)


def suppressed_frame(ws: Workspace, counts: pd.DataFrame, total_label: str = "all") -> pd.DataFrame:
    """A table of counts of people with its margins, through the suppression function (None = hidden)."""
    if counts.empty:
        return pd.DataFrame()
    s = workforce_settings(ws.config)
    out = suppress(counts.values.tolist(), SuppressionRule(s.suppression_threshold, s.round_to))
    frame = pd.DataFrame(
        out.values,
        columns=[*map(str, counts.columns), "total"],
        index=[*map(str, counts.index), total_label],
        dtype=object,
    )
    return frame.rename_axis(counts.index.name or "").reset_index()


@dataclass
class RotationView:
    plan: dict[str, Any] | None  # the latest plan's summary (any status)
    apprentices: pd.DataFrame  # calendars of the apprentices this viewer's anchors employ
    hosts: pd.DataFrame  # calendars of the placements this viewer's anchors host
    hosted: pd.DataFrame  # apprentices hosted per anchor and month: suppressed counts, for everyone
    can_replan: list[str] = field(
        default_factory=list
    )  # anchors whose apprentices/placements they may change
    apprentice_ids: list[str] = field(default_factory=list)
    placement_ids: list[str] = field(default_factory=list)


def _redact(text: str, viewer: Viewer, employer: dict[str, str], names: dict[str, str]) -> str:
    """Apprentice references of anchors this viewer may not see become 'an apprentice of <anchor>'."""

    def one(m: re.Match[str]) -> str:
        org = employer.get(m.group(1))
        if org is not None and viewer.sees_detail(org):
            return m.group(0)
        return f"an apprentice of {names.get(org or '', 'another anchor')}"

    return re.sub(r"apprentice ([A-Za-z0-9_.\-]+)", one, text)


def plan_summary(
    ws: Workspace, viewer: Viewer, result: RotationResult | None = None
) -> dict[str, Any] | None:
    """Status, objective, bound, gap, time, changes and conflicts (apprentice refs redacted by the gate)."""
    employer = appr.employers(ws)
    names = {a.slug: a.name for a in ws.config.anchors}
    if result is None:
        plan = appr.latest_plan(ws)
        if plan is None:
            return None
        result = RotationResult(
            plan.status,
            [],
            plan.objective,
            plan.bound,
            plan.seconds,
            list(plan.conflicts),
            plan.changes,
        )
    return {
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "seconds": round(result.seconds, 2),
        "changes": result.changes,
        "conflicts": [_redact(c, viewer, employer, names) for c in result.conflicts],
    }


def hosted_table(ws: Workspace, viewer: Viewer) -> pd.DataFrame:
    """Apprentices hosted per anchor and month, suppressed as one family with what this viewer knows from its
    own calendars (where its own apprentices are, and who its placements host), so that no hidden count
    follows by taking those from the totals."""
    employer = appr.employers(ws)
    atoms: dict[tuple[str, str, dt.date], int] = {}
    for b in appr.plan_blocks(ws):
        for i in range(
            (b.end_month.year - b.start_month.year) * 12
            + b.end_month.month
            - b.start_month.month
            + 1
        ):
            m = b.start_month.month - 1 + i
            key = (
                employer.get(b.apprentice_id, ""),
                b.org,
                dt.date(b.start_month.year + m // 12, m % 12 + 1, 1),
            )
            atoms[key] = atoms.get(key, 0) + 1
    if not atoms:
        return pd.DataFrame()
    keys = sorted(atoms)
    hosts, months = sorted({k[1] for k in keys}), sorted({k[2] for k in keys})
    figures = [
        frozenset(
            i for i, k in enumerate(keys) if (h is None or k[1] == h) and (m is None or k[2] == m)
        )
        for h in [*hosts, None]
        for m in [*months, None]
    ]
    s = workforce_settings(ws.config)
    rule = SuppressionRule(s.suppression_threshold, s.round_to)
    values = [atoms[k] for k in keys]
    known = {i for i, k in enumerate(keys) if viewer.sees_detail(k[0]) or viewer.sees_detail(k[1])}
    width = len(months) + 1
    table = suppress(
        [
            [sum(values[a] for a in figures[r * width + c]) for c in range(len(months))]
            for r in range(len(hosts))
        ],
        rule,
    )
    hidden = protect_family(
        values, figures, rule, known=known, hide={r * width + c for r, c in table.hidden}
    ).hidden
    cells = [
        [
            None
            if r * width + c in hidden
            else rule.shown(sum(values[a] for a in figures[r * width + c]))
            for c in range(width)
        ]
        for r in range(len(hosts) + 1)
    ]
    frame = pd.DataFrame(
        cells,
        columns=[*(f"{m:%b %Y}" for m in months), "total"],
        index=[*(ws.config.anchor(h).name for h in hosts), "all anchors"],
        dtype=object,
    )
    return frame.rename_axis("host anchor").reset_index()


def rotations(ws: Workspace, viewer: Viewer) -> RotationView:
    orgs = set(viewer.detail_orgs)
    cal = appr.calendars(ws, orgs=orgs)
    hosted = hosted_table(ws, viewer)
    admin_of = (
        [viewer.org]
        if viewer.org
        and (
            viewer.may("withdraw-apprentice", viewer.org)
            or viewer.may("withdraw-placement", viewer.org)
        )
        else []
    )
    apps = [
        a
        for a, org in appr.employers(ws, active_only=True).items()
        if viewer.may("withdraw-apprentice", org)
    ]
    places = [
        p for p, org in appr.placement_hosts(ws).items() if viewer.may("withdraw-placement", org)
    ]
    return RotationView(
        plan_summary(ws, viewer), cal["apprentices"], cal["hosts"], hosted, admin_of, apps, places
    )


def replan(
    ws: Workspace,
    viewer: Viewer,
    *,
    dropout: str = "",
    placement: str = "",
    from_month: dt.date,
    time_limit: float = 10.0,
    ip: str | None = None,
) -> dict[str, Any]:
    """Record a dropout (the employer's admin) or a withdrawn placement (the host's admin), then re-plan
    from `from_month` with the fewest changes; returns the plan summary as this viewer may see it."""
    if bool(dropout) == bool(placement):
        raise AnchorageError(
            "Choose either an apprentice who has left or a placement that is withdrawn.",
            fix="Pick one of the two, and the month the change takes effect.",
        )
    # Only the anchor's own admin (the permission table); anything else, including a reference that does not
    # exist, gets the one refusal, so that other anchors' references cannot be probed.
    if dropout:
        org = appr.employers(ws).get(dropout)
        if org is None or not viewer.may("withdraw-apprentice", org):
            refuse(
                ws, viewer, "apprentice", dropout, "missing" if org is None else f"of {org}", ip=ip
            )
        appr.withdraw_apprentice(ws, dropout)
    else:
        host = appr.placement_hosts(ws).get(placement)
        if host is None or not viewer.may("withdraw-placement", host):
            refuse(
                ws,
                viewer,
                "placement",
                placement,
                "missing" if host is None else f"of {host}",
                ip=ip,
            )
        appr.withdraw_placement(ws, placement, from_month)
    result, plan_id = appr.solve_and_save(
        ws, time_limit=time_limit, replan=True, changed_from=from_month
    )
    return {**(plan_summary(ws, viewer, result) or {}), "plan_id": plan_id}


@dataclass
class LevyView:
    ledger: (
        LevyLedger  # month-by-month rows of the anchors this viewer sees; caps and warnings of all
    )
    years: pd.DataFrame  # the pool by anchor and tax year (totals: open to all)
    commitments: list[Commitment]  # of the anchors this viewer sees


def levy(ws: Workspace, viewer: Viewer, as_at: dt.date | None = None) -> LevyView:
    full = levy_io.workspace_ledger(ws, as_at)
    years: dict[tuple[str, str], dict[str, float]] = {}
    for r in full.rows:
        y = tax_year(r.month)
        agg = years.setdefault(
            (r.org, f"{y}-{(y + 1) % 100:02}"),
            dict.fromkeys(
                (
                    "funds in £",
                    "spent £",
                    "transferred £",
                    "expired £",
                    "not covered £",
                    "closing £",
                ),
                0.0,
            ),
        )
        for key, value in (
            ("funds in £", r.funds_in),
            ("spent £", r.own_payments),
            ("transferred £", r.transfers_out),
            ("expired £", r.expired),
            ("not covered £", r.not_covered),
        ):
            agg[key] += float(value)
        agg["closing £"] = float(r.closing)
    frame = pd.DataFrame(
        [{"anchor": ws.config.anchor(o).name, "tax year": y, **v} for (o, y), v in years.items()]
    )
    mine = LevyLedger([r for r in full.rows if viewer.sees_detail(r.org)], full.warnings, full.caps)
    return LevyView(mine, frame, [c for c in levy_io.commitments(ws) if viewer.sees_detail(c.org)])


def add_transfer(ws: Workspace, viewer: Viewer, transfer: Commitment) -> None:
    """A transfer out of an anchor's levy funds: its own admin only, within the year's cap."""
    if not viewer.may(
        "transfer-levy", transfer.org
    ):  # a collaborative admin does not spend an anchor's funds
        raise Forbidden(
            "Only the anchor's own admin can transfer its levy funds.",
            fix="Ask that anchor's admin.",
        )
    levy_io.add_transfer(ws, transfer)
