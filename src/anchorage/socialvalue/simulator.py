"""What-if: move X% of a category's non-local spend to local suppliers; estimate the change in % local and
the local economic impact through LM3. An estimate, with its assumptions listed alongside it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz import process

from anchorage.core.errors import AnchorageError
from anchorage.procurement.analysis import COLLABORATIVE
from anchorage.procurement.run import analyse_workspace
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.socialvalue.lm3 import lm3_results, total_rounds, with_rounds
from anchorage.workspace import Workspace

LABEL = "Estimate"


@dataclass
class Simulation:
    org: str
    category: str
    shift_pct: float
    category_spend: float
    category_local: float
    category_not_local: float
    shifted: float
    total_spend: float
    local_before: float
    local_after: float
    pct_before: float | None
    pct_after: float | None
    change_pp: float | None
    lm3_local: float
    respend_non_local: float
    gross_impact: float
    lost_impact: float
    net_impact: float
    assumptions: list[str] = field(default_factory=list)
    label: str = LABEL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _find_category(cats: pd.DataFrame, category: str) -> pd.Series:
    names = [str(c) for c in cats["category"]]
    exact = {n.casefold(): i for i, n in enumerate(names)}
    if category.strip().casefold() in exact:
        return cats.iloc[exact[category.strip().casefold()]]
    near = [m[0] for m in process.extract(category, names, limit=5)] if names else []
    raise AnchorageError(
        f'There is no spend category "{category}" here.',
        web_fix="Choose a spend category from the list; upload a spend file first if there is none.",
        fix=("Categories with spend include: " + "; ".join(near) + ".")
        if near
        else "Load spend first (anchorage spend ingest).",
    )


def lm3_inputs(responses: pd.DataFrame, fw: Framework, org: str) -> tuple[float, float, list[str]]:
    """LM3 of local suppliers and the local re-spend per £ of non-local ones, from the survey, with notes
    saying which responses they rest on."""
    notes: list[str] = []
    df = with_rounds(responses, fw) if not responses.empty else responses
    scope = df if org == COLLABORATIVE or df.empty else df[df["org"] == org]
    if scope.empty and not df.empty:
        notes.append(
            "this anchor has no survey responses, so the whole collaborative's responses are used"
        )
        scope = df
    if scope.empty:
        raise AnchorageError(
            "There are no LM3 survey responses to estimate the local multiplier from.",
            web_fix="Collect survey answers on the LM3 survey page, or give a multiplier.",
            fix="Import survey answers (anchorage lm3 import FILE --org ANCHOR), collect them "
            "on the web, or give a multiplier with --lm3.",
        )
    local = scope[scope["supplier_local"].fillna(False).astype(bool)]
    if local.empty:
        notes.append(
            "no surveyed supplier is known to be local, so LM3 of all surveyed suppliers is used"
        )
        local = scope
    lm3 = total_rounds(local).lm3 or 1.0
    notes.append(f"LM3 of local suppliers = {lm3:.3f}, from {len(local)} survey response(s)")
    non_local = scope[scope["supplier_local"].eq(False)]
    if non_local.empty:
        notes.append(
            "no surveyed supplier is known to be non-local: their local re-spend is taken as £0 per £1, "
            "which may overstate the net gain"
        )
        return lm3, 0.0, notes
    r = total_rounds(non_local).local_respend_per_pound or 0.0
    notes.append(
        f"non-local suppliers re-spend £{r:.3f} locally per £1 (rounds 2 and 3), from "
        f"{len(non_local)} response(s)"
    )
    return lm3, r, notes


def simulate(
    tables: dict[str, pd.DataFrame],
    responses: pd.DataFrame,
    fw: Framework,
    *,
    category: str,
    shift_pct: float,
    org: str = COLLABORATIVE,
    lm3_override: float | None = None,
) -> Simulation:
    """Shift `shift_pct`% of `category`'s non-local spend (known non-local and unknown) to local suppliers."""
    if not 0 <= shift_pct <= 100:
        raise AnchorageError(
            f"A shift of {shift_pct:g}% is not possible.", fix="Give a percentage from 0 to 100."
        )
    cats = tables["categories"]
    cats = cats[cats["org"] == org]
    totals = tables["totals"]
    totals = totals[totals["org"] == org]
    if totals.empty or cats.empty:
        raise AnchorageError(
            f'There is no analysed spend for "{org}".', fix="Load spend for this anchor first."
        )
    row = _find_category(cats, category)
    spend, local = float(row["spend"]), float(row["local_spend"])
    not_local = spend - local
    shifted = not_local * shift_pct / 100
    total, local_before = float(totals["spend"].iloc[0]), float(totals["local_spend"].iloc[0])
    local_after = local_before + shifted
    pct_before = local_before / total if total else None
    pct_after = local_after / total if total else None
    if lm3_override is not None:
        if lm3_override < 1:
            raise AnchorageError(
                f"An LM3 of {lm3_override:g} is below 1.", fix="LM3 is 1 or more, e.g. 1.6."
            )
        lm3, respend, notes = (
            lm3_override,
            0.0,
            [
                f"LM3 of {lm3_override:g} was given; non-local suppliers' local "
                "re-spend is taken as £0 per £1"
            ],
        )
    else:
        lm3, respend, notes = lm3_inputs(responses, fw, org)
    gross, lost = shifted * lm3, shifted * respend
    assumptions = [
        f"{shift_pct:g}% of the category's spend that is not with local suppliers (known non-local and unknown, "
        f"£{not_local:,.0f}) moves to local suppliers at the same price",
        "total spend does not change, so % local rises by the amount moved over total in-scope spend",
        "local economic impact = spend moved x LM3 of local suppliers; the net figure subtracts what the same "
        "money already added locally through non-local suppliers (their rounds 2 and 3)",
        f"round 3 uses the framework's assumed re-spend rates: local staff {fw.staff_local_respend:.0%}, "
        f"local suppliers {fw.supplier_local_respend:.0%}",
        *notes,
        "local suppliers have the capacity to take the work; prices, quality and displacement are not modelled",
    ]
    return Simulation(
        org=org,
        category=str(row["category"]),
        shift_pct=shift_pct,
        category_spend=spend,
        category_local=local,
        category_not_local=not_local,
        shifted=shifted,
        total_spend=total,
        local_before=local_before,
        local_after=local_after,
        pct_before=pct_before,
        pct_after=pct_after,
        change_pp=(pct_after - pct_before) * 100
        if pct_before is not None and pct_after is not None
        else None,
        lm3_local=lm3,
        respend_non_local=respend,
        gross_impact=gross,
        lost_impact=lost,
        net_impact=gross - lost,
        assumptions=assumptions,
    )


def simulate_workspace(
    ws: Workspace,
    *,
    category: str,
    shift_pct: float,
    org: str | None = None,
    lm3_override: float | None = None,
) -> Simulation:
    """Run the what-if on the workspace's spend analysis and LM3 survey answers."""
    with ws.warehouse(read_only=True) as con:
        row = con.execute("SELECT count(*) FROM spend").fetchone()
    if not row or not row[0]:
        raise AnchorageError(
            "There is no spend to simulate with.",
            web_fix="Upload a spend file first.",
            fix="Load spend first: anchorage spend ingest FILE --org ANCHOR.",
        )
    slug = ws.config.anchor(org).slug if org else COLLABORATIVE
    fw = load_framework(ws)
    return simulate(
        analyse_workspace(ws).tables,
        lm3_results(ws, fw).responses,
        fw,
        category=category,
        shift_pct=shift_pct,
        org=slug,
        lm3_override=lm3_override,
    )
