"""The pipeline and the collaboration finder as a user may see them (the data boundary for contracts).

A contract of an anchor is row-level detail unless it was published openly (OCDS from public notices):
its title, supplier and value are shown only to users who see that anchor's detail. Every figure derived from
such detail is detail too: filters (anchor, CPV, value, category) never select rows the viewer may not see, so
stepping a filter reveals nothing, and totals by quarter and combined values add up only the contracts the
viewer sees, so nothing can be subtracted to a hidden contract's value. Other anchors' unpublished contracts
are counted once, unfiltered; in an opportunity they show their anchor and the quarter only."""

from __future__ import annotations

import copy
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anchorage.access.gate import Viewer
from anchorage.contracts.finder import FinderOptions, Opportunity, explain, find_opportunities
from anchorage.contracts.pipeline import PipelineFilter, pipeline_rows
from anchorage.contracts.timeline import QuarterRow, by_quarter
from anchorage.public_forms.protection import form_secret
from anchorage.workspace import Workspace

HIDDEN = "(not shared with you)"


def may_see(viewer: Viewer, row: dict[str, Any]) -> bool:
    return bool(row.get("is_public")) or viewer.sees_detail(row["org"])


@dataclass
class PipelineView:
    quarters: list[
        QuarterRow
    ]  # by quarter and anchor, over the matching contracts this user may see
    rows: list[dict[str, Any]]  # the matching contracts this user may see
    hidden: int  # all contracts of anchors whose detail this user may not see (never filtered)


def pipeline_for(
    ws: Workspace,
    viewer: Viewer,
    flt: PipelineFilter | None = None,
    keep: Callable[[dict[str, Any]], bool] | None = None,
) -> PipelineView:
    """The matching contracts (`keep` filters further, e.g. by shared category) as this user may see them."""
    visible = [
        r for r in pipeline_rows(ws, flt) if may_see(viewer, r) and (keep is None or keep(r))
    ]
    hidden = sum(1 for r in pipeline_rows(ws) if not may_see(viewer, r))
    return PipelineView(by_quarter(visible), visible, hidden)


def _quarter(day: Any) -> str | None:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}" if day else None


def masked(
    o: Opportunity, viewer: Viewer, names: dict[str, str] | None = None, window_months: int = 18
) -> Opportunity:
    """A copy of the opportunity as this user may see it: other anchors' unpublished contracts show their
    anchor and quarter only; incumbents only they name, and their lots, are left out; the combined value and
    the explanation count only the contracts this user sees."""
    out = copy.copy(o)
    out.contracts = []
    hidden_orgs, seen_keys = set(), set()
    for c in o.contracts:
        if may_see(viewer, c):
            out.contracts.append(c)
            seen_keys.add(c["contract_key"])
        else:
            hidden_orgs.add(c["org"])
            out.contracts.append(
                {
                    **{k: None for k in c},
                    "org": c["org"],
                    "title": HIDDEN,
                    "reprocure_date": _quarter(c["reprocure_date"]),
                    "is_public": False,
                }
            )
    if not hidden_orgs:
        return out
    shown = [c for c in o.contracts if may_see(viewer, c)]
    out.combined_value = sum((c["value"] or Decimal(0) for c in shown), Decimal(0))
    out.values_missing = sum(1 for c in shown if c["value"] is None)
    out.window_start, out.window_end = o.window_start.replace(day=1), o.window_end.replace(day=1)
    out.incumbents = [
        i
        if not set(i["anchors"]) <= hidden_orgs
        else {"name": HIDDEN, "anchors": i["anchors"], "place": i["place"]}
        for i in o.incumbents
    ]
    out.lots = [lot for lot in o.lots if set(lot.contracts) <= seen_keys]
    out.explanation = (
        explain(out, names or {}, window_months) + " Values of contracts not shared with you are "
        "left out of the combined value and the lots."
    )
    return out


def opaque_id(ws: Workspace, key: str) -> str:
    """An opportunity's id in URLs: keyed with the workspace's secret, because the finder's own id is a hash of
    the anchors' contract keys, which anyone could compute to test a guess about a hidden contract."""
    return hmac.new(
        form_secret(ws).encode(), f"opportunity|{key}".encode(), hashlib.sha256
    ).hexdigest()[:20]


def opportunities_for(
    ws: Workspace, viewer: Viewer, opts: FinderOptions | None = None
) -> list[Opportunity]:
    """Every opportunity, each with the contracts this user may not see masked (and left out of its values)."""
    opts = opts or FinderOptions()
    names = {a.slug: a.name for a in ws.config.anchors}
    out = []
    for o in find_opportunities(ws, opts):
        m = masked(o, viewer, names, opts.window_months)
        m.id = opaque_id(ws, o.id)
        out.append(m)
    return out
