"""What a report's HTML is made of: tables with typed cells, sections and inline SVG (html.py renders them)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from markupsafe import Markup

from anchorage.reports.tables import (
    COLLABORATIVE,
    TIER_NAMES,
    column_kind,
    decile_label,
    fmt_value,
    human_title,
    org_name,
    org_rows,
)


@dataclass
class Cell:
    """One table cell: display text, right-aligned when numeric."""

    text: str
    num: bool = False


@dataclass
class Table:
    """A captioned table; column header_col holds the row headers."""

    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    numeric_cols: list[bool] = field(default_factory=list)
    header_col: int = 0


@dataclass
class Section:
    """A titled group of per-anchor tables, shown collapsed under a chart."""

    summary: str
    tables: list[Table]


@dataclass
class ReportSection:
    """A section another workstream adds to the report: charts each with its table, more tables, notes."""

    anchor: str
    title: str
    intro: str
    pairs: list[tuple[Any, Table | None]]
    more: Section | None = None
    notes: list[str] = field(default_factory=list)


def inline_svg(svg: str) -> Markup:
    """A matplotlib SVG made ready for an HTML page (namespace declarations dropped; HTML parsers add them)."""
    if not svg:
        return Markup("")
    return Markup(re.sub(r'\s+(?:xmlns(?::\w+)?|version)="[^"]*"', "", svg))


def _text(v: Any, col: str, anchors: Mapping[str, str], ward_names: Mapping[str, str]) -> str:
    """Display text for one value of a machine-named column."""
    if col == "org":
        return org_name(v, anchors)
    if col == "tier":
        return TIER_NAMES.get(str(v), "Unknown") if pd.notna(v) else "Unknown"
    if col == "imd_decile":
        return str(decile_label(v))
    if col == "ward_name":
        return ward_names.get(str(v), str(v))
    return fmt_value(v, column_kind(col))


def frame_table(
    df: pd.DataFrame,
    cols: Sequence[str],
    caption: str,
    *,
    anchors: Mapping[str, str],
    ward_names: Mapping[str, str] | None = None,
    titles: Mapping[str, str] | None = None,
) -> Table:
    """A display table from selected machine-named columns of a result frame."""
    names = ward_names or {}
    src = df.assign(ward_name=df["ward"]) if "ward_name" in cols and "ward" in df.columns else df
    cols = [c for c in cols if c in src.columns]
    nums = [column_kind(c) != "text" or c == "imd_decile" for c in cols]
    rows = [
        [Cell(_text(v, c, anchors, names), n) for v, c, n in zip(rec, cols, nums, strict=True)]
        for rec in src[cols].itertuples(index=False, name=None)
    ]
    heads = [(titles or {}).get(c, "Ward" if c == "ward_name" else human_title(c)) for c in cols]
    header = next(
        (i for i, c in enumerate(cols) if column_kind(c) == "text" and c != "imd_decile"), 0
    )
    return Table(caption, heads, rows, nums, header)


def per_org(
    df: pd.DataFrame,
    cols: Sequence[str],
    caption: str,
    orgs: Sequence[str],
    *,
    anchors: Mapping[str, str],
    ward_names: Mapping[str, str] | None = None,
    limit: int | None = None,
    sort: str | None = None,
    titles: Mapping[str, str] | None = None,
) -> list[Table]:
    """One table per anchor (not the collaborative), each optionally sorted and limited."""
    out = []
    for org in orgs:
        if org == COLLABORATIVE:
            continue
        rows = org_rows(df, org)
        if sort:
            rows = rows.sort_values(sort, ascending=False)
        if limit:
            rows = rows.head(limit)
        if not rows.empty:
            out.append(
                frame_table(
                    rows,
                    cols,
                    f"{caption}: {org_name(org, anchors)}",
                    anchors=anchors,
                    ward_names=ward_names,
                    titles=titles,
                )
            )
    return out
