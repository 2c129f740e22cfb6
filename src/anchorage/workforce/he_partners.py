"""The HE partners register: engagements between anchors and universities or colleges, summarised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import HEEngagement
from anchorage.workforce.imports import HE_KINDS, import_engagements
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, suppress
from anchorage.workspace import Workspace

KINDS = HE_KINDS


def load_engagements(ws: Workspace, path: Path, org: str | None = None, **options: Any) -> ImportSummary:
    """Engagements of the anchors the file covers (an anchor's own file, or a collaborative one)."""
    return import_engagements(ws, path, org, **options)


def engagements(ws: Workspace) -> pd.DataFrame:
    with ws.session() as session:
        rows = session.scalars(select(HEEngagement).order_by(HEEngagement.org, HEEngagement.partner)).all()
    return pd.DataFrame([{"anchor": r.org, "partner": r.partner, "partner_type": r.partner_type, "kind": r.kind,
                          "title": r.title, "start_date": r.start_date, "outcome": r.outcome, "people": r.people}
                         for r in rows], columns=["anchor", "partner", "partner_type", "kind", "title", "start_date",
                                                  "outcome", "people"])


def engagement_summary(ws: Workspace, by: str = "anchor") -> pd.DataFrame:
    """Engagements by anchor, partner or outcome (rows) and kind (columns), with totals; the people
    involved are counts of individuals, so they go through the suppression function."""
    if by not in ("anchor", "partner", "outcome"):
        raise InputFileError("he summary", f'cannot summarise by "{by}"; use anchor, partner or outcome.')
    df = engagements(ws)
    table = df.pivot_table(index=by, columns="kind", values="title", aggfunc="count", fill_value=0)
    table = table.reindex(columns=[k for k in KINDS if k in table.columns])
    table["total"] = table.sum(axis=1)
    people = df.groupby(by)["people"].sum() if len(df) else pd.Series(dtype=int)
    s = workforce_settings(ws.config)
    hidden = suppress([[int(v)] for v in people.values], SuppressionRule(s.suppression_threshold, s.round_to))
    table["people"] = [hidden.cell(i, 0) for i in range(len(people))]
    return table.reset_index()
