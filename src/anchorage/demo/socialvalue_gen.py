"""The demo's social value: commitments on each anchor's largest suppliers, yearly delivery reports (some
contracts fall behind) and LM3 re-spend survey answers, written as CSV files and loaded like anyone's."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Callable
from pathlib import Path

from anchorage.reference.postcode import postcode_key_sql
from anchorage.socialvalue.framework import load_framework
from anchorage.socialvalue.imports import import_commitments, import_deliveries, import_lm3_survey
from anchorage.socialvalue.status import financial_year
from anchorage.store.ties import modal_sql
from anchorage.workspace import Workspace

# Measures a supplier of each size commits to, with units per £1m of annual contract value.
OFFERS = [
    ("local-job-years", 2.0),
    ("apprentice-years", 0.8),
    ("training-weeks", 20.0),
    ("community-hours", 300.0),
    ("carbon-saved", 40.0),
    ("landfill-diverted", 25.0),
    ("local-sme-spend", 60_000.0),
    ("local-vcse-spend", 15_000.0),
    ("living-wage-years", 3.0),
    ("wellbys", 1.5),
]
SUPPLIERS_PER_ANCHOR = 8
SURVEYS_PER_ANCHOR = 6


def _largest_suppliers(ws: Workspace, n: int) -> list[tuple[str, str, float, str | None, bool]]:
    """(org, supplier name, spend in the latest year, postcode, local?) of each anchor's n largest suppliers."""
    with ws.warehouse(read_only=True) as con:
        return con.execute(
            f"""
            WITH latest AS (SELECT org, max(payment_date) AS last FROM spend GROUP BY org),
            d AS (
                SELECT s.org, s.supplier_name_norm, s.supplier_name, s.supplier_postcode, s.amount
                FROM spend s JOIN latest l USING (org)
                WHERE s.payment_date > l.last - INTERVAL 365 DAY AND NOT s.is_redacted
                  AND NOT regexp_matches(upper(s.supplier_name), 'COUNCIL|NHS|REVENUE|PENSION|BOROUGH|POLICE')
            ), s AS (
                SELECT t.org, t.supplier_name_norm, n.name, t.spend, p.postcode
                FROM (SELECT org, supplier_name_norm, sum(amount) AS spend FROM d GROUP BY ALL) t
                JOIN ({
                modal_sql(
                    "d", ["org", "supplier_name_norm"], "supplier_name", "amount", alias="name"
                )
            }) n
                    USING (org, supplier_name_norm)
                LEFT JOIN ({
                modal_sql(
                    "d",
                    ["org", "supplier_name_norm"],
                    "supplier_postcode",
                    "amount",
                    alias="postcode",
                )
            }) p USING (org, supplier_name_norm)
            ), r AS (
                SELECT s.org, s.name, CAST(s.spend AS DOUBLE) AS spend, coalesce(s.postcode, p.postcode) AS postcode,
                       row_number() OVER (PARTITION BY s.org ORDER BY s.spend DESC, s.name, s.supplier_name_norm) AS rank
                FROM s LEFT JOIN supplier_profile p USING (org, supplier_name_norm)
            )
            SELECT r.org, r.name, r.spend, r.postcode, coalesce(list_contains(?, pc.lad), false)
            FROM r LEFT JOIN postcodes pc ON pc.pcd_key = {postcode_key_sql("r.postcode")}
            WHERE r.rank <= ? ORDER BY r.org, r.rank
        """,
            [ws.config.place.local, n],
        ).fetchall()


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_demo_socialvalue(
    ws: Workspace, folder: Path, *, seed: int = 2026, today: dt.date | None = None
) -> dict[str, dict[str, Path]]:
    """Write each anchor's commitments, delivery report and survey answers; return their paths by anchor."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    measures = load_framework(ws).measures
    by_org: dict[str, list[tuple[str, float, str | None, bool]]] = {}
    for org, name, spend, postcode, local in _largest_suppliers(ws, 40):
        by_org.setdefault(org, []).append((name, spend, postcode, local))
    files: dict[str, dict[str, Path]] = {}
    for org, suppliers in by_org.items():
        commitments: list[list[object]] = []
        deliveries: list[list[object]] = []
        for i, (name, spend, _, _) in enumerate(suppliers[:SUPPLIERS_PER_ANCHOR], 1):
            ref = f"{org[:3].upper()}-{today.year - 2}-{i:03d}"
            start = dt.date(financial_year(today) - rng.choice((1, 2, 3)), 4, 1)
            end = dt.date(start.year + rng.choice((3, 4, 5)), 4, 1)
            # About a third of contracts under-deliver: they are what the 'behind' list is for.
            performance = rng.uniform(0.25, 0.6) if rng.random() < 0.35 else rng.uniform(0.85, 1.25)
            years = (end - start).days / 365.25
            for measure_id, per_million in rng.sample(OFFERS, 3):
                unit = measures[measure_id].unit if measure_id in measures else ""
                committed = max(
                    1.0, round(per_million * spend / 1e6 * years, 0 if unit != "£" else -2)
                )
                commitments.append(
                    [ref, name, measure_id, committed, f"{start:%d/%m/%Y}", f"{end:%d/%m/%Y}"]
                )
                y = start.year
                while dt.date(y + 1, 3, 31) < today and dt.date(y + 1, 4, 1) <= end:
                    done = round(committed / years * performance * rng.uniform(0.8, 1.2), 1)
                    deliveries.append(
                        [ref, name, measure_id, done, f"31/03/{y + 1}", "supplier's annual return"]
                    )
                    y += 1
        survey = []
        # Survey half local and half other suppliers, largest first, so both LM3 groups have answers.
        half = SURVEYS_PER_ANCHOR // 2
        locals_ = [x for x in suppliers if x[3]][:half]
        chosen = locals_ + [x for x in suppliers if not x[3]][: SURVEYS_PER_ANCHOR - len(locals_)]
        for name, spend, postcode, is_local in chosen:
            wages = rng.randint(25, 55)
            staff, bought = (
                (rng.randint(40, 85), rng.randint(15, 50))
                if is_local
                else (rng.randint(0, 20), rng.randint(2, 15))
            )
            survey.append(
                [
                    name,
                    round(spend, 2),
                    wages,
                    staff,
                    rng.randint(20, 100 - wages),
                    bought,
                    postcode or "",
                    financial_year(today) - 1,
                ]
            )
        folder_org = folder / org
        files[org] = {
            "commitments": _write(
                folder_org / "social-value-commitments.csv",
                [
                    "Contract reference",
                    "Supplier",
                    "Measure",
                    "Committed",
                    "Contract start",
                    "Contract end",
                ],
                commitments,
            ),
            "delivery": _write(
                folder_org / "social-value-delivery.csv",
                [
                    "Contract reference",
                    "Supplier",
                    "Measure",
                    "Delivered",
                    "Period end",
                    "Evidence",
                ],
                deliveries,
            ),
            "survey": _write(
                folder_org / "lm3-survey.csv",
                [
                    "Supplier",
                    "Income from anchor",
                    "Wages %",
                    "Local staff %",
                    "Purchases %",
                    "Local purchases %",
                    "Postcode",
                    "Year",
                ],
                survey,
            ),
        }
    return files


def load_demo_socialvalue(
    ws: Workspace, folder: Path, *, seed: int = 2026, say: Callable[[str], None] = print
) -> None:
    """Write and load the demo's social value files for every anchor."""
    for org, paths in write_demo_socialvalue(ws, folder, seed=seed).items():
        c = import_commitments(ws, paths["commitments"], org)
        d = (
            import_deliveries(ws, paths["delivery"], org)
            if paths["delivery"].stat().st_size > 80
            else None
        )
        s = import_lm3_survey(ws, paths["survey"], org)
        say(
            f"  {ws.config.anchor(org).name}: {c.rows_loaded} commitments, "
            f"{d.rows_loaded if d else 0} delivery lines, {s.rows_loaded} LM3 survey answers"
        )
