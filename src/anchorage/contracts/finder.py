"""The collaboration finder: contracts of two or more anchors, in one category, re-procured within a window.

`group_opportunities` is pure (plain rows in, opportunities out) so the window, anchor and CPV-level rules
are tested on hand-built rows; `find_opportunities` adds the warehouse facts (incumbents' locality and
local capacity). Definitions in docs/pipeline.md."""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from anchorage.contracts.categories import (
    CPV_LEVELS,
    CategoryMap,
    cpv_label,
    cpv_prefix,
    load_category_map,
)
from anchorage.contracts.choices import Grouping as Grouping
from anchorage.contracts.local import UNKNOWN, LocalCapacity, local_capacity, supplier_places
from anchorage.contracts.pipeline import pipeline_rows
from anchorage.core.errors import AnchorageError
from anchorage.core.periods import add_months
from anchorage.reference.names import normalise_names
from anchorage.workspace import Workspace


@dataclass
class FinderOptions:
    """The finder's settings; every default is documented in docs/pipeline.md."""

    window_months: int = 18
    grouping: str = "mapped"  # "mapped": the shared category (else the CPV prefix); "cpv": CPV only
    cpv_level: str = "group"  # division / group / class / category
    as_of: date | None = None  # contracts re-procured before this are past (default: today)
    lot_annual_cap: Decimal = Decimal(
        1_000_000
    )  # a lot's yearly value within reach of a small firm
    min_anchors: int = 2

    def check(self) -> None:
        problems = []
        if self.window_months < 0 or self.window_months > 120:
            problems.append("the window must be between 0 and 120 months")
        if self.grouping not in tuple(Grouping):
            problems.append('grouping must be "mapped" or "cpv"')
        if self.cpv_level not in CPV_LEVELS or self.cpv_level == "code":
            problems.append("the CPV level must be division, group, class or category")
        if self.lot_annual_cap <= 0:
            problems.append("the lot cap must be above zero")
        if problems:
            raise AnchorageError("The finder settings are not valid: " + "; ".join(problems) + ".")


@dataclass
class Lot:
    label: str
    annual_value: Decimal
    contracts: list[str]


@dataclass
class Opportunity:
    id: str
    category: str
    contracts: list[dict[str, Any]]
    anchors: list[str]
    combined_value: Decimal
    values_missing: int
    window_start: date
    window_end: date
    incumbents: list[dict[str, Any]] = field(default_factory=list)
    capacity: LocalCapacity = field(default_factory=LocalCapacity)
    lots: list[Lot] = field(default_factory=list)
    rank: int = 0
    explanation: str = ""

    def to_json(self) -> dict[str, Any]:
        keep = (
            "org",
            "title",
            "supplier_name",
            "value",
            "start_date",
            "end_date",
            "end_date_max",
            "reprocure_date",
            "cpv",
            "category",
            "stage",
            "contract_key",
            "source_url",
            "is_public",
        )
        return {
            "id": self.id,
            "rank": self.rank,
            "category": self.category,
            "anchors": self.anchors,
            "combined_value": float(self.combined_value),
            "values_missing": self.values_missing,
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "explanation": self.explanation,
            "incumbents": self.incumbents,
            "local_capacity": {
                "firms": self.capacity.firms,
                "sme_firms": self.capacity.sme_firms,
                "examples": self.capacity.examples,
                "sic_prefixes": self.capacity.sic_prefixes,
                "register_loaded": self.capacity.register_loaded,
            },
            "lots": [
                {
                    "label": lot.label,
                    "annual_value": float(lot.annual_value),
                    "contracts": lot.contracts,
                }
                for lot in self.lots
            ],
            "contracts": [
                {
                    k: (
                        v.isoformat()
                        if isinstance(v, date)
                        else float(v)
                        if isinstance(v, Decimal)
                        else v
                    )
                    for k, v in c.items()
                    if k in keep
                }
                for c in self.contracts
            ],
        }


def group_key(row: dict[str, Any], opts: FinderOptions, cmap: CategoryMap) -> str | None:
    """The category a contract is grouped by, or None when it has none at the chosen level."""
    cpv = row.get("cpv")
    if opts.grouping == "mapped":
        mapped = cmap.category_of(cpv, row.get("proclass"), row.get("category"))
        if mapped:
            return mapped
    if cpv:
        prefix = cpv_prefix(cpv, opts.cpv_level)
        return f"CPV {prefix} {cpv_label(prefix.ljust(8, '0')) or ''}".strip()
    return None


def annual_value(row: dict[str, Any]) -> Decimal | None:
    """The contract's value per year of its term (start to end); the whole value when the term is unknown
    or shorter than a year."""
    if row.get("value") is None:
        return None
    start, end = row.get("start_date"), row.get("end_date")
    years = (end - start).days / 365.25 if start and end and end > start else 1.0
    return Decimal(row["value"]) / Decimal(str(round(max(years, 1.0), 4)))


def suggest_lots(contracts: list[dict[str, Any]], cap: Decimal, names: dict[str, str]) -> list[Lot]:
    """One lot per anchor (its sites stay together), split into equal lots when a year of it exceeds the cap."""
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in contracts:
        by_org[c["org"]].append(c)
    lots = []
    for org, rows in sorted(by_org.items()):
        yearly = sum((annual_value(r) or Decimal(0) for r in rows), Decimal(0))
        parts = max(1, math.ceil(yearly / cap)) if yearly else 1
        keys = [r["contract_key"] for r in rows]
        for i in range(parts):
            label = names.get(org, org) + (
                f" — lot {i + 1} of {parts} (by site or service)" if parts > 1 else ""
            )
            lots.append(Lot(label, (yearly / parts).quantize(Decimal("1")), keys))
    return lots


def _best_window(rows: list[dict[str, Any]], months: int) -> list[dict[str, Any]]:
    """The window [d, d + months] (d a contract's date) holding the most anchors, then the most value."""
    best: tuple[int, Decimal, int] | None = None
    chosen: list[dict[str, Any]] = []
    for i, first in enumerate(rows):
        end = add_months(first["reprocure_date"], months)
        inside = [r for r in rows[i:] if r["reprocure_date"] <= end]
        score = (
            len({r["org"] for r in inside}),
            sum((r["value"] or Decimal(0) for r in inside), Decimal(0)),
            -i,
        )
        if best is None or score > best:
            best, chosen = score, inside
    return chosen


def group_opportunities(
    rows: list[dict[str, Any]], opts: FinderOptions | None = None, cmap: CategoryMap | None = None
) -> list[Opportunity]:
    """Group pipeline rows (see pipeline_rows) into opportunities: ≥ min_anchors anchors, one category,
    re-procurement dates within `window_months` of the group's first; best windows first, no contract twice."""
    opts = opts or FinderOptions()
    opts.check()
    cmap = cmap or load_category_map()
    as_of = opts.as_of or date.today()
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        key = group_key(r, opts, cmap)
        if key and r.get("reprocure_date") and r["reprocure_date"] >= as_of:
            by_key[key].append(r)
    found = []
    for key, members in by_key.items():
        members.sort(key=lambda r: (r["reprocure_date"], r["org"], r["contract_key"]))
        while len({r["org"] for r in members}) >= opts.min_anchors:
            chosen = _best_window(members, opts.window_months)
            if len({r["org"] for r in chosen}) < opts.min_anchors:
                break
            ids = {id(r) for r in chosen}
            members = [r for r in members if id(r) not in ids]
            digest = hashlib.sha1(
                "|".join([key, *sorted(f"{r['org']}/{r['contract_key']}" for r in chosen)]).encode()
            ).hexdigest()[:10]
            found.append(
                Opportunity(
                    id=digest,
                    category=key,
                    contracts=chosen,
                    anchors=sorted({r["org"] for r in chosen}),
                    combined_value=sum((r["value"] or Decimal(0) for r in chosen), Decimal(0)),
                    values_missing=sum(1 for r in chosen if r["value"] is None),
                    window_start=chosen[0]["reprocure_date"],
                    window_end=chosen[-1]["reprocure_date"],
                )
            )
    found.sort(key=lambda o: (-len(o.anchors), -o.combined_value, o.window_start, o.category))
    for i, o in enumerate(found, start=1):
        o.rank = i
    return found


def _money(v: Decimal) -> str:
    return f"£{v / 1_000_000:,.1f}m" if v >= 1_000_000 else f"£{v:,.0f}"


def explain(o: Opportunity, names: dict[str, str], window_months: int) -> str:
    """Why the opportunity is there and where it ranks, in a sentence or three."""
    who = ", ".join(names.get(a, a) for a in o.anchors)
    span = (
        (o.window_end.year - o.window_start.year) * 12 + o.window_end.month - o.window_start.month
    )
    text = (
        f"{len(o.anchors)} anchors ({who}) re-procure {o.category.lower() if not o.category.startswith('CPV') else o.category} "
        f"between {o.window_start:%b %Y} and {o.window_end:%b %Y} ({span} months apart, within the "
        f"{window_months}-month window): {len(o.contracts)} contracts worth {_money(o.combined_value)} combined"
    )
    text += f" ({o.values_missing} without a value)." if o.values_missing else "."
    places = [i["place"] for i in o.incumbents]
    if places:
        text += (
            f" Incumbents: {places.count('local')} of {len(places)} local, "
            f"{places.count(UNKNOWN)} unknown."
        )
    if o.capacity.register_loaded:
        text += (
            f" {o.capacity.firms} local firms ({o.capacity.sme_firms} SMEs) are registered with SIC codes "
            "of this category."
        )
    text += f" Ranked {o.rank}: more anchors first, then more combined value."
    return text


def find_opportunities(ws: Workspace, opts: FinderOptions | None = None) -> list[Opportunity]:
    """Every opportunity across the workspace's anchors, ranked and explained, with incumbents' locality,
    local capacity and a lotting suggestion."""
    opts = opts or FinderOptions()
    cmap = load_category_map(ws.root)
    found = group_opportunities(pipeline_rows(ws), opts, cmap)
    names = {a.slug: a.name for a in ws.config.anchors}
    seen = sorted(
        {
            (c["org"], n.strip(), c.get("supplier_postcode"))
            for o in found
            for c in o.contracts
            for n in (c.get("supplier_name") or "").split(";")
            if n.strip()
        }
    )
    norms = dict(zip([s[1] for s in seen], normalise_names([s[1] for s in seen]), strict=True))
    places = supplier_places(ws, [(org, norms[name] or name, pc) for org, name, pc in seen])
    with ws.warehouse(read_only=True) as con:
        for o in found:
            incumbents: dict[str, dict[str, Any]] = {}
            for c in o.contracts:
                for name in [
                    s.strip() for s in (c.get("supplier_name") or "").split(";") if s.strip()
                ]:
                    entry = incumbents.setdefault(
                        name, {"name": name, "anchors": [], "place": UNKNOWN}
                    )
                    entry["anchors"] = sorted({*entry["anchors"], c["org"]})
                    place = places.get((c["org"], norms[name] or name), UNKNOWN)
                    entry["place"] = place if entry["place"] == UNKNOWN else entry["place"]
            o.incumbents = list(incumbents.values())
            sic = cmap.sic_prefixes(o.category) if not o.category.startswith("CPV") else []
            o.capacity = local_capacity(con, ws.config.place.local, sic)
            o.lots = suggest_lots(o.contracts, opts.lot_annual_cap, names)
            o.explanation = explain(o, names, opts.window_months)
    return found
