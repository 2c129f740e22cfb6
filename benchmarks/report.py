"""Check the implementations agree, and render the results as a console table, JSON and BENCHMARKS.md."""

from __future__ import annotations

import json
import math
import os
import platform
from pathlib import Path
from typing import Any

import pandas as pd

GB = 1024**3
# Key columns of each analysis table, for matching rows between Anchorage and the hand-written SQL.
TABLE_KEYS = {
    "totals": ["org"],
    "tiers": ["org", "tier"],
    "deprivation": ["org", "imd_decile"],
    "categories": ["org", "category"],
    "leakage": ["org", "category"],
    "top_suppliers": ["org", "rank"],
    "trend": ["org", "financial_year"],
    "exclusions": ["org", "rule"],
    "wards": ["org", "ward"],
}


def machine() -> dict[str, Any]:
    import duckdb
    import ibis
    import psutil

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / GB, 1),
        "cpu": model,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "pandas": pd.__version__,
        "os": platform.platform(),
        "memory_limit": os.environ.get("ANCHORAGE_MEMORY_LIMIT", "2GB (library default)"),
        "threads": os.environ.get("ANCHORAGE_THREADS", "DuckDB default (one per core)"),
    }


def compare_figures(ref: dict[str, dict], other: dict[str, dict], name: str) -> list[str]:
    """Differences between two sets of headline figures (pence and counts), as readable lines."""
    problems = []
    for org in sorted(set(ref) | set(other)):
        a, b = ref.get(org), other.get(org)
        if a is None or b is None:
            problems.append(f"{name}: org {org} missing on one side")
            continue
        for key in ("spend", "local_spend", "transactions"):
            if a[key] != b[key]:
                problems.append(f"{name}: {org} {key}: anchorage {a[key]:,} vs {b[key]:,}")
        for key in ("tiers", "deciles"):
            x = {k: v for k, v in a[key].items() if v}
            y = {k: v for k, v in b[key].items() if v}
            if x != y:
                diff = {k: (x.get(k), y.get(k)) for k in set(x) | set(y) if x.get(k) != y.get(k)}
                problems.append(f"{name}: {org} {key} differ (pence, anchorage vs {name}): {diff}")
    return problems


def compare_tables(a_path: Path, b_path: Path) -> list[str]:
    """Every table analyse() returns against the hand-written SQL's: money to the penny, shares to 1e-4."""
    a, b = json.loads(a_path.read_text()), json.loads(b_path.read_text())
    problems = []
    for table, keys in TABLE_KEYS.items():
        x, y = pd.DataFrame(a.get(table, [])), pd.DataFrame(b.get(table, []))
        if len(x) != len(y) or set(x.columns) != set(y.columns):
            problems.append(
                f"table {table}: shape {x.shape} vs {y.shape}, columns differ: "
                f"{sorted(set(x.columns) ^ set(y.columns))}"
            )
            continue
        if x.empty:
            continue
        for df in (x, y):
            for k in keys:
                df[k] = df[k].astype(str)
        m = x.merge(y, on=keys, how="outer", suffixes=("_a", "_h"), indicator=True)
        if (m["_merge"] != "both").any():
            problems.append(
                f"table {table}: {int((m['_merge'] != 'both').sum())} rows match on one side only"
            )
            continue
        for col in (c for c in x.columns if c not in keys):
            va, vh = m[f"{col}_a"], m[f"{col}_h"]
            num = pd.to_numeric(va, errors="coerce"), pd.to_numeric(vh, errors="coerce")
            if (
                num[0].notna().sum() == va.notna().sum()
                and num[1].notna().sum() == vh.notna().sum()
            ):
                tol = 1e-4 + 1e-9 if ("pct" in col or col == "share") else 0.005
                bad = ~(((num[0] - num[1]).abs() <= tol) | (num[0].isna() & num[1].isna()))
            else:
                bad = va.astype(str) != vh.astype(str)
            if bad.any():
                problems.append(
                    f"table {table}.{col}: {int(bad.sum())} values differ, e.g. "
                    f"{m.loc[bad, [*keys, f'{col}_a', f'{col}_h']].head(2).to_dict('records')}"
                )
    return problems


def fmt_gb(b: float) -> str:
    return f"{b / GB:.2f} GB"


def verdict(ok: bool | None) -> str:
    return "info" if ok is None else ("PASS" if ok else "FAIL")


def rows_table(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measure, target, measured, ratio, result) rows for the console and BENCHMARKS.md."""
    s, n = r["stages"], r["rows"]
    ing, an, hf, fl, pd_, ns = (
        s.get(k, {}) for k in ("ingest", "analyse", "hand_full", "hand_floor", "pandas", "nspl")
    )
    out = []
    if ing:
        rps = ing["rows_per_second"]
        out.append(
            (
                "Anchorage ingest throughput",
                "≥ 1,000,000 rows/s",
                f"{rps:,.0f} rows/s ({n:,} rows in {ing['seconds']:.1f} s)",
                f"{rps / 1e6:.2f}× target",
                verdict(rps >= 1e6),
            )
        )
        out.append(
            (
                "Anchorage ingest peak memory",
                "≤ 2.5 GB",
                fmt_gb(ing["peak_rss"]),
                f"{ing['peak_rss'] / (2.5 * GB):.2f}× target",
                verdict(ing["peak_rss"] <= 2.5 * GB),
            )
        )
    if an:
        out.append(
            (
                "Anchorage full analysis time",
                "—",
                f"{an['best']:.2f} s (runs: {an['runs']})",
                "",
                "info",
            )
        )
        out.append(("Anchorage analysis peak memory", "—", fmt_gb(an["peak_rss"]), "", "info"))
    ex = s.get("explore")
    if ex:
        out.append(
            (
                "Explore tables (the web's explorer and payments), built once after the ingest",
                "—",
                f"{ex['seconds']:.1f} s, peak {fmt_gb(ex['peak_rss'])}",
                "",
                "info",
            )
        )
    if an and hf:
        ratio = an["best"] / hf["best"]
        out.append(
            (
                "Anchorage analysis ÷ hand-written full SQL (issue 18)",
                "≤ 1.1×",
                f"{an['best']:.2f} s ÷ {hf['best']:.2f} s (hand runs: {hf['runs']})",
                f"{ratio:.2f}×",
                verdict(ratio <= 1.1),
            )
        )
    if an and fl:
        ratio = an["best"] / fl["best"]
        out.append(
            (
                "Anchorage analysis ÷ hand-written single-query floor (tier × IMD; issue 18)",
                "≤ 1.5×",
                f"{an['best']:.2f} s ÷ {fl['best']:.2f} s (floor runs: {fl['runs']})",
                f"{ratio:.2f}×",
                verdict(ratio <= 1.5),
            )
        )
    sc = s.get("scan")
    if ing and sc:
        ratio = ing["best"] / sc["best"]
        out.append(
            (
                "Anchorage ingest ÷ bare scan `SELECT count(*), sum(amount) FROM read_csv(file)` (issue 18)",
                "≤ 6×",
                f"{ing['best']:.2f} s ÷ {sc['best']:.2f} s (ingest runs: {ing['runs']}; scan runs: {sc['runs']})",
                f"{ratio:.2f}×",
                verdict(ratio <= 6),
            )
        )
    if pd_:
        out.append(
            (
                "pandas load (read_csv + parse + clean)",
                "—",
                f"{pd_['load_seconds']:.1f} s ({pd_['rows_per_second']:,.0f} rows/s)",
                f"Anchorage ingest ÷ pandas load = {ing['seconds'] / pd_['load_seconds']:.2f}×"
                if ing
                else "",
                "info",
            )
        )
        out.append(
            (
                "pandas analysis (tier + IMD + totals)",
                "—",
                f"{pd_['analysis_seconds']:.1f} s",
                f"Anchorage analysis ÷ pandas = {an['best'] / pd_['analysis_seconds']:.2f}×"
                if an
                else "",
                "info",
            )
        )
        out.append(("pandas peak memory", "—", fmt_gb(pd_["peak_rss"]), "", "info"))
    if ns:
        out.append(
            (
                f"NSPL import ({ns['rows_read']:,} rows, {ns['csv_bytes'] / 1e6:,.0f} MB)",
                "≤ 30 s",
                f"{ns['seconds']:.1f} s ({ns['rows_per_second']:,.0f} rows/s), peak {fmt_gb(ns['peak_rss'])}",
                f"{ns['seconds'] / 30:.2f}× target",
                verdict(ns["seconds"] <= 30),
            )
        )
    lf = s.get("load_floor")
    if lf and ing:
        out.append(
            (
                "DuckDB wide-table load (read_csv → typed INSERT into one wide table, no checks)",
                "—",
                f"{lf['seconds']:.1f} s ({lf['rows_per_second']:,.0f} rows/s), peak {fmt_gb(lf['peak_rss'])}",
                f"Anchorage ingest ÷ wide load = {ing['seconds'] / lf['seconds']:.2f}×",
                "info",
            )
        )
    out.append(
        (
            "Figures agree (Anchorage = hand SQL = floor = pandas)",
            "to the penny",
            "all equal" if not r["mismatches"] else f"{len(r['mismatches'])} mismatches",
            "",
            verdict(not r["mismatches"]),
        )
    )
    return out


def console(rows: list[tuple[str, str, str, str, str]]) -> str:
    head = ("Measure", "Target", "Measured", "Ratio", "Result")
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
    line = lambda x: "  ".join(str(v).ljust(w) for v, w in zip(x, widths, strict=True))  # noqa: E731
    return "\n".join([line(head), line(tuple("-" * w for w in widths)), *map(line, rows)])


def markdown(r: dict[str, Any], rows: list[tuple[str, str, str, str, str]], notes: str) -> str:
    m, g = r["machine"], r["stages"].get("generate", {})
    table = ["| Measure | Target | Measured | Ratio | Result |", "|---|---|---|---|---|"]
    table += ["| " + " | ".join(str(v).replace("|", "\\|") for v in x) + " |" for x in rows]
    mism = "\n".join(f"- {p}" for p in r["mismatches"]) or "None: every checked figure is equal."
    spend_mb = g.get("spend_bytes", 0) / 1e6
    return f"""# Benchmarks

Command: `python3 run.py bench` (or `.venv/bin/python benchmarks/run_all.py [--rows N] [--quick] [--profile]`).
Results below are from one run of `{r.get("command", "python3 run.py bench")}` on {r["date"]}; the raw
figures are in `benchmarks/results.json`.

**Machine:** {m["nproc"]} cores, {m["ram_gb"]} GB RAM, {m["cpu"]}; {m["os"]}; Python {m["python"]},
DuckDB {m["duckdb"]}, Ibis {m["ibis"]}, pandas {m["pandas"]}. DuckDB memory limit: {m["memory_limit"]};
threads: {m["threads"]}.

**Data:** {r["rows"]:,}-row Transparency Code spend CSV ({spend_mb:,.0f} MB, {spend_mb * 1e6 / r["rows"]:.0f} bytes a row),
{r["nspl_rows"]:,}-row NSPL file ({g.get("nspl_bytes", 0) / 1e6:,.0f} MB).

{chr(10).join(table)}

Ratios compare figures measured side by side in the same run (the machine is shared and noisy): ingest and
the bare scan, then the analysis, the hand-written SQL and the floor were each run {r["repeats"]} times,
interleaved, and the best run of each is used. {load_text(r)}

{profile_md(r.get("profile") or dict())}## Figure checks

{mism}

## Methodology

{notes}
"""


def load_text(r: dict[str, Any]) -> str:
    """The 1-minute load average at the start and the end of the run (other work on the same cores)."""
    start, end = r.get("load_start"), r.get("load_end")
    return (
        f"1-minute load average {start:.1f} at the start and {end:.1f} at the end." if start else ""
    )


def profile_text(p: dict[str, Any]) -> str:
    lines = []
    for name in ("ingest", "analyse"):
        if name in p:
            lines.append(
                f"Where the time goes — {name} ({p[name]['seconds']:.1f} s in a separate profiled run):"
            )
            lines += [f"  {sec:7.2f} s  {what}" for sec, what in p[name]["steps"]]
    return "\n".join(lines)


def profile_md(p: dict[str, Any]) -> str:
    if not p:
        return ""
    out = [
        "## Where the time goes",
        "",
        "From `--profile`: a separate, instrumented run of each (so totals differ a little from the table).",
        "",
    ]
    for name in ("ingest", "analyse"):
        if name in p:
            out += [
                f"**{name.capitalize()}** ({p[name]['seconds']:.1f} s), largest steps:",
                "",
                "| Seconds | Step |",
                "|---:|---|",
            ]
            out += [f"| {sec:.2f} | `{what.replace('|', '/')}` |" for sec, what in p[name]["steps"]]
            out.append("")
    return "\n".join(out) + "\n"


def finite(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [finite(v) for v in x]
    return x
