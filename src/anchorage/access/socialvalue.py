"""Social value and LM3 through the data boundary: aggregates of every anchor for everyone signed in;
contract, supplier and survey rows only of anchors whose detail the viewer may see."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from anchorage.access.gate import Viewer
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.socialvalue.lm3 import Lm3Result, lm3_results
from anchorage.socialvalue.status import (
    SocialValueStatus,
    behind_counts,
    social_value_status,
    visible,
)
from anchorage.workspace import Workspace


def status(
    ws: Workspace, viewer: Viewer, as_of: dt.date | None = None, fw: Framework | None = None
) -> tuple[SocialValueStatus, dict[str, int]]:
    """The gated status, and how many contracts each anchor has behind (an aggregate)."""
    full = social_value_status(ws, as_of, fw=fw or load_framework(ws))
    return visible(full, set(viewer.detail_orgs)), behind_counts(full)


def lm3(
    ws: Workspace, viewer: Viewer, fw: Framework | None = None, *, year: int | None = None
) -> Lm3Result:
    """LM3 per anchor (aggregate), of the surveys of one year or of all; the per-supplier answers only of
    anchors the viewer sees in detail."""
    res = lm3_results(ws, fw, year=year)
    if not res.responses.empty:
        res.responses = res.responses[res.responses["org"].isin(viewer.detail_orgs)].reset_index(
            drop=True
        )
    return res


def all_responses(ws: Workspace, fw: Framework | None = None) -> pd.DataFrame:
    """Every answer, for the simulator's multiplier: it publishes only the aggregate LM3 they give."""
    return lm3_results(ws, fw).responses
