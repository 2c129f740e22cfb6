"""The pipeline and the collaboration finder as a user may see them (the data boundary for contracts).

A contract of an anchor is row-level detail unless it was published openly (OCDS from public notices):
its title, supplier and value are shown only to users who see that anchor's detail. Aggregates (by quarter,
per opportunity) are shown to every signed-in user."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from anchorage.access.gate import Viewer
from anchorage.contracts.finder import FinderOptions, Opportunity, find_opportunities
from anchorage.contracts.pipeline import PipelineFilter, pipeline_rows
from anchorage.contracts.timeline import QuarterRow, by_quarter
from anchorage.workspace import Workspace

HIDDEN = "(not shared with you)"


def may_see(viewer: Viewer, row: dict[str, Any]) -> bool:
    return bool(row.get("is_public")) or viewer.sees_detail(row["org"])


@dataclass
class PipelineView:
    quarters: list[QuarterRow]   # aggregates of every matching contract
    rows: list[dict[str, Any]]   # the contracts this user may see
    hidden: int                  # matching contracts of anchors whose detail this user may not see


def pipeline_for(ws: Workspace, viewer: Viewer, flt: PipelineFilter | None = None,
                 keep: Callable[[dict[str, Any]], bool] | None = None) -> PipelineView:
    """The matching contracts (`keep` filters further, e.g. by shared category) as this user may see them."""
    rows = [r for r in pipeline_rows(ws, flt) if keep is None or keep(r)]
    visible = [r for r in rows if may_see(viewer, r)]
    return PipelineView(by_quarter(rows), visible, len(rows) - len(visible))


def masked(o: Opportunity, viewer: Viewer) -> Opportunity:
    """A copy of the opportunity with other anchors' unpublished contracts and incumbents masked."""
    out = copy.copy(o)
    out.contracts = []
    hidden_orgs = set()
    for c in o.contracts:
        if may_see(viewer, c):
            out.contracts.append(c)
        else:
            hidden_orgs.add(c["org"])
            out.contracts.append({**{k: None for k in c}, "org": c["org"], "title": HIDDEN,
                                  "contract_key": c["contract_key"], "reprocure_date": c["reprocure_date"],
                                  "is_public": False})
    out.incumbents = [i if not set(i["anchors"]) <= hidden_orgs else
                      {"name": HIDDEN, "anchors": i["anchors"], "place": i["place"]} for i in o.incumbents]
    return out


def opportunities_for(ws: Workspace, viewer: Viewer, opts: FinderOptions | None = None) -> list[Opportunity]:
    """Every opportunity (aggregates in full), each with the contracts this user may not see masked."""
    return [masked(o, viewer) for o in find_opportunities(ws, opts)]
