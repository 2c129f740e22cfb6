"""Committed vs delivered social value, by anchor, supplier, theme, measure and financial year, and the
contracts that are behind: delivery below a threshold share of pro-rata delivery to date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from anchorage.core.periods import financial_year, fy_label
from anchorage.procurement.analysis import COLLABORATIVE, frame_records
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.workspace import Workspace

KEY = ["org", "contract_ref", "supplier_key"]
REPORT_GRACE_DAYS = 365
VALUE_COLS = ["committed_value", "expected_value", "delivered_value"]


@dataclass
class SocialValueStatus:
    """Result tables (pandas) plus the behind list; 'org' is an anchor slug or 'collaborative'."""

    as_of: dt.date
    threshold: float
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    behind: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.tables.get("anchors", pd.DataFrame()).empty

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "threshold": self.threshold,
            "notes": self.notes,
            "behind": self.behind,
            **{k: frame_records(v) for k, v in self.tables.items()},
        }


def _num(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def elapsed_share(start: dt.date, end: dt.date, as_of: dt.date) -> float:
    """How far through its term a contract is on `as_of`: 0 before it starts, 1 from its end."""
    days = (end - start).days
    if days <= 0:
        return 1.0
    return min(1.0, max(0.0, (as_of - start).days / days))


def fy_shares(start: dt.date, end: dt.date) -> dict[int, float]:
    """The share of a term [start, end) falling in each financial year (1 April to 31 March)."""
    days = (end - start).days
    if days <= 0:
        return {financial_year(start): 1.0}
    out: dict[int, float] = {}
    for y in range(financial_year(start), financial_year(end - dt.timedelta(days=1)) + 1):
        lo, hi = max(start, dt.date(y, 4, 1)), min(end, dt.date(y + 1, 4, 1))
        if hi > lo:
            out[y] = (hi - lo).days / days
    return out


def read_rows(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    with ws.warehouse(read_only=True) as con:
        com = con.execute(
            "SELECT org, contract_ref, supplier_name, supplier_key, measure_id, quantity, "
            "contract_start, contract_end FROM sv_commitments"
        ).df()
        dlv = con.execute(
            "SELECT org, contract_ref, supplier_name, supplier_key, measure_id, quantity, period_end "
            "FROM sv_deliveries"
        ).df()
    return com, dlv


def _with_collaborative(df: pd.DataFrame, keys: list[str], cols: list[str]) -> pd.DataFrame:
    per = df.groupby(["org", *keys], as_index=False, dropna=False)[cols].sum()
    whole = (
        df.groupby(keys, as_index=False, dropna=False)[cols].sum()
        if keys
        else df[cols].sum().to_frame().T
    )
    whole.insert(0, "org", COLLABORATIVE)
    out = pd.concat([per, whole], ignore_index=True)
    out["delivered_pct"] = (
        out["delivered_value"] / out["committed_value"].where(out["committed_value"] > 0)
    ).round(4)
    return out


def compute_status(
    com: pd.DataFrame,
    dlv: pd.DataFrame,
    fw: Framework,
    as_of: dt.date,
    threshold: float | None = None,
) -> SocialValueStatus:
    """Compare commitments with delivery reports (those with period end on or before `as_of`)."""
    threshold = fw.behind_threshold if threshold is None else threshold
    st = SocialValueStatus(as_of=as_of, threshold=threshold)
    if com.empty:
        return st
    com = com.copy()
    com["contract_start"] = pd.to_datetime(com["contract_start"]).dt.date
    com["contract_end"] = pd.to_datetime(com["contract_end"]).dt.date
    dlv = dlv.copy()
    if not dlv.empty:
        dlv["period_end"] = pd.to_datetime(dlv["period_end"]).dt.date
        later = dlv[dlv["period_end"] > as_of]
        if len(later):
            st.notes.append(
                f"{len(later):,} delivery rows report periods ending after {as_of:%d %B %Y}; not counted"
            )
        dlv = dlv[dlv["period_end"] <= as_of]
    terms = com.groupby(KEY, as_index=False).agg(
        supplier=("supplier_name", "first"),
        contract_start=("contract_start", "min"),
        contract_end=("contract_end", "max"),
    )
    # Delivery is compared with pro-rata delivery up to the contract's latest report, so that reports that
    # lag by a few months are not read as under-delivery; a report older than REPORT_GRACE_DAYS (or none)
    # means the comparison runs to `as_of`.
    last = (
        dlv.groupby(KEY)["period_end"].max() if not dlv.empty else pd.Series(dtype=object)
    ).rename("last_report")
    terms = terms.merge(last, how="left", left_on=KEY, right_index=True)
    terms["measured_to"] = [
        lr if isinstance(lr, dt.date) and (as_of - lr).days <= REPORT_GRACE_DAYS else as_of
        for lr in terms["last_report"]
    ]
    terms["elapsed"] = [
        elapsed_share(s, e, m)
        for s, e, m in zip(
            terms["contract_start"], terms["contract_end"], terms["measured_to"], strict=True
        )
    ]
    lines = (
        com.groupby([*KEY, "measure_id"], as_index=False)["quantity"]
        .sum()
        .rename(columns={"quantity": "committed"})
    )
    got = (
        dlv.groupby([*KEY, "measure_id"], as_index=False)["quantity"]
        .sum()
        .rename(columns={"quantity": "delivered"})
        if not dlv.empty
        else pd.DataFrame(columns=[*KEY, "measure_id", "delivered"])
    )
    lines = lines.merge(got, how="left", on=[*KEY, "measure_id"]).fillna({"delivered": 0.0})
    lines = lines.merge(terms, on=KEY)
    m = {mid: fw.measures[mid] for mid in lines["measure_id"].unique() if mid in fw.measures}
    lines["measure"] = lines["measure_id"].map(lambda i: m[i].name if i in m else i)
    lines["unit"] = lines["measure_id"].map(lambda i: m[i].unit if i in m else "")
    lines["theme"] = lines["measure_id"].map(
        lambda i: m[i].theme if i in m else "(not in the framework)"
    )
    proxy = lines["measure_id"].map(lambda i: m[i].proxy if i in m else 0.0).astype(float)
    lines["expected"] = lines["committed"].astype(float) * lines["elapsed"]
    lines["committed_value"] = lines["committed"].astype(float) * proxy
    lines["expected_value"] = lines["expected"] * proxy
    lines["delivered_value"] = lines["delivered"].astype(float) * proxy
    lines["pro_rata_pct"] = (
        lines["delivered"] / lines["expected"].where(lines["expected"] > 0)
    ).round(4)
    if not dlv.empty:
        keys = set(map(tuple, lines[[*KEY, "measure_id"]].to_numpy()))
        orphan = [k for k in map(tuple, dlv[[*KEY, "measure_id"]].to_numpy()) if k not in keys]
        if orphan:
            st.notes.append(
                f"{len(orphan):,} delivery rows match no commitment (contract, supplier and measure); "
                "they are not counted"
            )

    contracts = lines.groupby(KEY, as_index=False).agg(
        supplier=("supplier", "first"),
        contract_start=("contract_start", "first"),
        contract_end=("contract_end", "first"),
        measured_to=("measured_to", "first"),
        last_report=("last_report", "first"),
        elapsed=("elapsed", "first"),
        committed_value=("committed_value", "sum"),
        expected_value=("expected_value", "sum"),
        delivered_value=("delivered_value", "sum"),
    )
    contracts["pro_rata_pct"] = (
        contracts["delivered_value"]
        / contracts["expected_value"].where(contracts["expected_value"] > 0)
    ).round(4)
    contracts["behind"] = contracts["pro_rata_pct"].fillna(1.0) < threshold
    reported = set(map(tuple, dlv[KEY].to_numpy())) if not dlv.empty else set()
    for c in contracts[contracts["behind"]].itertuples():
        key = (c.org, c.contract_ref, c.supplier_key)
        mine = lines[
            (lines["org"] == c.org)
            & (lines["contract_ref"] == c.contract_ref)
            & (lines["supplier_key"] == c.supplier_key)
        ]
        if key not in reported:
            reasons = ["no delivery report yet"]
        elif c.measured_to == as_of:
            reasons = [
                f"no delivery report for over {REPORT_GRACE_DAYS} days (last period ended {c.last_report:%d %b %Y})"
            ]
        else:
            reasons = []
        for ln in mine.itertuples():
            if ln.expected > 0 and ln.delivered < threshold * ln.expected:
                money = ln.unit == "£"
                q = (lambda x: f"£{x:,.0f}") if money else _num
                unit = "" if money else f" {ln.unit}"
                reasons.append(
                    f"{ln.measure}: {q(ln.delivered)} of {q(ln.committed)}{unit} delivered; "
                    f"{q(ln.expected)} expected by {c.measured_to:%d %b %Y} ({ln.elapsed:.0%} through "
                    f"the contract), so {ln.delivered / ln.expected:.0%} of pro-rata"
                )
        st.behind.append(
            {
                "org": c.org,
                "contract_ref": c.contract_ref,
                "supplier": c.supplier,
                "measured_to": c.measured_to.isoformat(),
                "elapsed": round(c.elapsed, 4),
                "committed_value": c.committed_value,
                "expected_value": c.expected_value,
                "delivered_value": c.delivered_value,
                "pro_rata_pct": c.pro_rata_pct,
                "reasons": reasons,
            }
        )

    years = []
    for ln in lines.itertuples():
        for y, share in fy_shares(ln.contract_start, ln.contract_end).items():
            years.append(
                {
                    "org": ln.org,
                    "financial_year": y,
                    "committed_value": ln.committed_value * share,
                    "expected_value": 0.0,
                    "delivered_value": 0.0,
                }
            )
    if not dlv.empty:
        pv = dlv.merge(lines[[*KEY, "measure_id"]], on=[*KEY, "measure_id"])
        for r in pv.itertuples():
            p = m[r.measure_id].proxy if r.measure_id in m else 0.0
            years.append(
                {
                    "org": r.org,
                    "financial_year": financial_year(r.period_end),
                    "committed_value": 0.0,
                    "expected_value": 0.0,
                    "delivered_value": float(r.quantity) * p,
                }
            )
    by_year = _with_collaborative(pd.DataFrame(years), ["financial_year"], VALUE_COLS)
    by_year = by_year.sort_values(["org", "financial_year"]).drop(columns="expected_value")
    by_year["financial_year"] = by_year["financial_year"].map(lambda y: fy_label(int(y)))

    st.tables = {
        "anchors": _with_collaborative(lines, [], VALUE_COLS),
        "themes": _with_collaborative(lines, ["theme"], VALUE_COLS),
        "measures": _with_collaborative(
            lines,
            ["measure_id", "measure", "unit"],
            ["committed", "expected", "delivered", *VALUE_COLS],
        ),
        "suppliers": lines.groupby(["org", "supplier"], as_index=False)[VALUE_COLS]
        .sum()
        .assign(
            delivered_pct=lambda d: (
                d["delivered_value"] / d["committed_value"].where(d["committed_value"] > 0)
            ).round(4)
        ),
        "years": by_year.reset_index(drop=True),
        "contracts": contracts.drop(columns="supplier_key"),
        "lines": lines.drop(
            columns=["supplier_key", "contract_start", "contract_end", "last_report"]
        ),
    }
    return st


def social_value_status(
    ws: Workspace,
    as_of: dt.date | None = None,
    threshold: float | None = None,
    fw: Framework | None = None,
) -> SocialValueStatus:
    """The workspace's committed vs delivered social value on `as_of` (default today)."""
    fw = fw or load_framework(ws)
    com, dlv = read_rows(ws)
    return compute_status(com, dlv, fw, as_of or dt.date.today(), threshold)


DETAIL_TABLES = ("suppliers", "contracts", "lines")


def visible(
    st: SocialValueStatus, detail_orgs: set[str] | frozenset[str] | None
) -> SocialValueStatus:
    """The status as a viewer may see it: aggregates of every anchor; contract and supplier rows only of
    anchors in `detail_orgs` (None: everything, for a workspace owner at the command line)."""
    if detail_orgs is None:
        return st
    out = SocialValueStatus(st.as_of, st.threshold, dict(st.tables), [], list(st.notes))
    for name in DETAIL_TABLES:
        if name in out.tables:
            out.tables[name] = out.tables[name][
                out.tables[name]["org"].isin(detail_orgs)
            ].reset_index(drop=True)
    out.behind = [b for b in st.behind if b["org"] in detail_orgs]
    return out


def behind_counts(st: SocialValueStatus) -> dict[str, int]:
    """How many contracts each anchor has behind (an aggregate every signed-in user may see)."""
    counts: dict[str, int] = {}
    for b in st.behind:
        counts[b["org"]] = counts.get(b["org"], 0) + 1
    return counts
