"""Underused asset review: threshold rules over the register and utilisation, with a decision record."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.assets.choices import DECISIONS
from anchorage.assets.choices import Decision as Decision
from anchorage.core.errors import AnchorageError
from anchorage.store.assets_records import AssetDecision
from anchorage.workspace import Workspace


@dataclass
class ReviewRules:
    """Thresholds; None switches a rule off. Figures are defined in docs/assets.md."""

    min_space_utilisation: float | None = 0.6  # occupied ÷ gross floor area
    min_hours_per_week: float | None = 25.0  # hours the asset is in use
    max_vacancy_pct: float | None = 20.0  # % of the asset vacant
    max_cost_per_m2: float | None = 250.0  # £ running cost a year per m² of floor area
    flag_surplus: bool = True  # declared surplus (or held vacant)


@dataclass
class ReviewItem:
    org: str
    asset_key: str
    name: str | None
    postcode: str | None
    floor_m2: float | None
    space_utilisation: float | None
    hours_per_week: float | None
    vacancy_pct: float | None
    cost_per_m2: float | None
    surplus: bool | None
    reasons: list[str] = field(default_factory=list)
    decision: str | None = None
    decision_note: str | None = None
    decided_at: dt.datetime | None = None


@dataclass
class ReviewResult:
    rules: ReviewRules
    assets_checked: int
    items: list[ReviewItem]

    def to_json(self) -> dict[str, Any]:
        return {
            "rules": asdict(self.rules),
            "assets_checked": self.assets_checked,
            "flagged": len(self.items),
            "items": [asdict(i) for i in self.items],
        }


METRICS_SQL = """
    WITH util AS (
        SELECT a.org, a.asset_key, u.occupied_floor_m2, u.hours_per_week, u.vacancy_pct, u.surplus
        FROM assets a JOIN asset_utilisation u
          ON u.org = a.org AND (u.asset_ref = a.asset_ref OR (u.asset_ref IS NULL AND u.uprn = a.uprn))
        QUALIFY row_number() OVER (PARTITION BY a.org, a.asset_key
                                   ORDER BY u.period DESC NULLS LAST, u.upload_id LIKE 'manual-%' DESC,
                                            u.row_no DESC) = 1
    )
    -- An asset on several rows is read from one of them, always the same: the last row of its file (and, were
    -- it in two current uploads, of the upload whose id sorts last), so every figure comes from one row.
    SELECT a.org, a.asset_key, a.name, a.postcode,
           coalesce(a.gross_floor_m2, a.building_m2) AS floor_m2,
           coalesce(u.occupied_floor_m2, a.occupied_floor_m2) AS occupied_m2,
           u.hours_per_week,
           coalesce(u.vacancy_pct, CASE WHEN upper(a.holding_type) LIKE '%VACANT%' THEN 100 END) AS vacancy_pct,
           CAST(a.running_cost AS DOUBLE) AS running_cost,
           coalesce(u.surplus, CASE WHEN upper(a.holding_type) LIKE '%VACANT%' THEN TRUE END) AS surplus
    FROM assets a LEFT JOIN util u USING (org, asset_key)
    QUALIFY row_number() OVER (PARTITION BY a.org, a.asset_key ORDER BY a.upload_id DESC, a.row_no DESC) = 1
    ORDER BY a.org, a.asset_key
"""


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _flag(v: Any) -> bool | None:
    return None if v is None or pd.isna(v) else bool(v)


def reasons_for(m: dict[str, Any], rules: ReviewRules) -> list[str]:
    """Why an asset (its metrics) is flagged under the rules; empty when it is not."""
    out = []
    floor, occ = _num(m.get("floor_m2")), _num(m.get("occupied_m2"))
    util = occ / floor if floor and occ is not None else None
    m["space_utilisation"] = util
    if (
        rules.min_space_utilisation is not None
        and util is not None
        and util < rules.min_space_utilisation
    ):
        out.append(
            f"uses {util:.0%} of its floor area (rule: under {rules.min_space_utilisation:.0%})"
        )
    hours = _num(m.get("hours_per_week"))
    if (
        rules.min_hours_per_week is not None
        and hours is not None
        and hours < rules.min_hours_per_week
    ):
        out.append(f"in use {hours:g} hours a week (rule: under {rules.min_hours_per_week:g})")
    vac = _num(m.get("vacancy_pct"))
    if rules.max_vacancy_pct is not None and vac is not None and vac > rules.max_vacancy_pct:
        out.append(f"{vac:g}% vacant (rule: over {rules.max_vacancy_pct:g}%)")
    cost = _num(m.get("running_cost"))
    per_m2 = cost / floor if floor and cost is not None else None
    m["cost_per_m2"] = per_m2
    if rules.max_cost_per_m2 is not None and per_m2 is not None and per_m2 > rules.max_cost_per_m2:
        out.append(
            f"costs £{per_m2:,.0f} per m² a year to run (rule: over £{rules.max_cost_per_m2:,.0f})"
        )
    if rules.flag_surplus and _flag(m.get("surplus")):
        out.append("declared surplus or held vacant")
    return out


def latest_decisions(ws: Workspace) -> dict[tuple[str, str], AssetDecision]:
    with ws.session() as s:
        rows = s.scalars(
            select(AssetDecision).order_by(AssetDecision.decided_at, AssetDecision.id)
        ).all()
    return {(d.org, d.asset_key): d for d in rows}


def review_assets(
    ws: Workspace, rules: ReviewRules | None = None, *, org: str | None = None
) -> ReviewResult:
    """Every asset that breaks at least one rule, with its reasons and the latest decision on it."""
    rules = rules or ReviewRules()
    with ws.warehouse(read_only=True) as con:
        metrics = con.execute(METRICS_SQL).df().to_dict("records")
    slug = ws.config.anchor(org).slug if org else None
    decisions = latest_decisions(ws)
    items = []
    checked = 0
    for m in metrics:
        if slug and m["org"] != slug:
            continue
        checked += 1
        reasons = reasons_for(m, rules)
        if not reasons:
            continue
        d = decisions.get((m["org"], m["asset_key"]))
        items.append(
            ReviewItem(
                m["org"],
                m["asset_key"],
                m["name"],
                m["postcode"],
                _num(m["floor_m2"]),
                m["space_utilisation"],
                _num(m["hours_per_week"]),
                _num(m["vacancy_pct"]),
                m["cost_per_m2"],
                _flag(m["surplus"]),
                reasons,
                d.decision if d else None,
                d.note if d else None,
                d.decided_at if d else None,
            )
        )
    return ReviewResult(rules, checked, items)


def record_decision(
    ws: Workspace, org: str, asset_key: str, decision: str, *, note: str = "", decided_by: str = ""
) -> AssetDecision:
    """Record a decision on an asset; it is kept across reviews, and a later decision supersedes it."""
    if decision not in DECISIONS:
        raise AnchorageError(
            f'"{decision}" is not a review decision.', fix=f"Use one of: {', '.join(DECISIONS)}."
        )
    slug = ws.config.anchor(org).slug
    with ws.warehouse(read_only=True) as con:
        known = con.execute(
            "SELECT 1 FROM assets WHERE org = ? AND asset_key = ? LIMIT 1", [slug, asset_key]
        ).fetchone()
    if known is None:
        raise AnchorageError(
            f'{slug} has no asset "{asset_key}" in its register.',
            web_fix="Choose the asset from the register or the review page.",
            fix="Use the asset key shown by `anchorage assets review`.",
        )
    row = AssetDecision(
        org=slug, asset_key=asset_key, decision=decision, note=note, decided_by=decided_by
    )
    with ws.session() as s:
        s.add(row)
        s.commit()
    return row
