"""The HE partners register: engagements between anchors and universities or colleges, summarised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.core.errors import InputFileError
from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import HEEngagement
from anchorage.workforce.choices import GROUPINGS
from anchorage.workforce.choices import HeBy as HeBy
from anchorage.workforce.imports import HE_KINDS, import_engagements
from anchorage.workforce.settings import workforce_settings
from anchorage.workforce.suppression import SuppressionRule, protect_family, suppress_column
from anchorage.workspace import Workspace

KINDS = HE_KINDS


def load_engagements(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Engagements of the anchors the file covers (an anchor's own file, or a collaborative one)."""
    return import_engagements(ws, path, org, **options)


def engagements(ws: Workspace) -> pd.DataFrame:
    with ws.session() as session:
        rows = session.scalars(
            select(HEEngagement).order_by(HEEngagement.org, HEEngagement.partner)
        ).all()
    return pd.DataFrame(
        [
            {
                "anchor": r.org,
                "partner": r.partner,
                "partner_type": r.partner_type,
                "kind": r.kind,
                "title": r.title,
                "start_date": r.start_date,
                "outcome": r.outcome,
                "people": r.people,
            }
            for r in rows
        ],
        columns=[
            "anchor",
            "partner",
            "partner_type",
            "kind",
            "title",
            "start_date",
            "outcome",
            "people",
        ],
    )


def people_hidden(
    ws: Workspace, df: pd.DataFrame | None = None
) -> dict[tuple[str, str], int | None]:
    """People involved per (grouping, group), suppressed as one family: the groupings are sums of the same
    people, so a count hidden in one must not follow from the others (e.g. by anchor minus by partner)."""
    df = engagements(ws) if df is None else df
    if df.empty:
        return {}
    atoms = df.groupby(list(GROUPINGS))["people"].sum()
    keys = list(atoms.index)
    values = [int(v) for v in atoms.values]
    figures: list[frozenset[int]] = []
    labels: list[tuple[str, str]] = []
    seed: set[int] = set()
    s = workforce_settings(ws.config)
    rule = SuppressionRule(s.suppression_threshold, s.round_to)
    for g, by in enumerate(GROUPINGS):
        groups = sorted({k[g] for k in keys})
        first = len(figures)
        for group in groups:
            labels.append((by, group))
            figures.append(frozenset(i for i, k in enumerate(keys) if k[g] == group))
        # Each grouping suppressed as a table first (its complementary cells in the same list); then the family.
        one = suppress_column(
            [sum(values[a] for a in figures[first + i]) for i in range(len(groups))], rule
        )
        seed |= {first + r for r, c in one.hidden if r < len(groups) and c == 0}
    hidden = protect_family(values, figures, rule, hide=seed).hidden
    return {
        label: None if f in hidden else rule.shown(sum(values[a] for a in figures[f]))
        for f, label in enumerate(labels)
    }


def engagement_summary(ws: Workspace, by: str = "anchor") -> pd.DataFrame:
    """Engagements by anchor, partner or outcome (rows) and kind (columns), with totals; the people
    involved are counts of individuals, so they go through the suppression function (as one family)."""
    if by not in GROUPINGS:
        raise InputFileError(
            "he summary", f'cannot summarise by "{by}"; use anchor, partner or outcome.'
        )
    df = engagements(ws)
    table = df.pivot_table(index=by, columns="kind", values="title", aggfunc="count", fill_value=0)
    table = table.reindex(columns=[k for k in KINDS if k in table.columns])
    table["total"] = table.sum(axis=1)
    people = people_hidden(ws, df)
    table["people"] = [people.get((by, str(g))) for g in table.index]
    return table.reset_index()
