"""Accuracy of the linking on a labelled gold set: pairwise precision, recall and F1."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from anchorage.reference.names import name_norm_sql
from anchorage.suppliers import model
from anchorage.suppliers.generate import labelled_suppliers, register_sql
from anchorage.suppliers.link import link


@dataclass
class Accuracy:
    """Pairs are (supplier record, register entity): predicted = each record's chosen link."""

    true_positives: int
    false_positives: int
    false_negatives: int
    seconds: float = 0.0

    @property
    def precision(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_positives)

    @property
    def recall(self) -> float:
        return self.true_positives / max(1, self.true_positives + self.false_negatives)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def score(chosen: dict[str, str], truth: dict[str, str | None]) -> Accuracy:
    """Compare chosen links {record: entity} with the truth {record: entity or None}."""
    tp = sum(1 for r, e in chosen.items() if truth.get(r) == e)
    fp = len(chosen) - tp
    fn = sum(1 for r, e in truth.items() if e is not None and chosen.get(r) != e)
    return Accuracy(tp, fp, fn)


def best_links(
    candidates: pd.DataFrame, threshold: float = model.REVIEW_THRESHOLD
) -> dict[str, str]:
    """Each record's best candidate at or above the threshold, unless two tie for best (then none)."""
    c = candidates.sort_values(["uid_l", "match_probability"], ascending=[True, False])
    out: dict[str, str] = {}
    for uid, g in c.groupby("uid_l", sort=False):
        probs = g["match_probability"].tolist()
        if probs[0] >= threshold and not (len(probs) > 1 and probs[1] >= probs[0] - 1e-9):
            out[str(uid)] = str(g["uid_r"].iloc[0])
    return out


def gold_tables(
    con: duckdb.DuckDBPyConnection,
    *,
    register_rows: int,
    registered: int,
    unregistered: int,
    seed: int = 7,
    register_seed: int = 1,
) -> tuple[pa.Table, pa.Table, dict[str, str | None]]:
    """Feature tables for a generated register and noisy suppliers drawn from it, with the true links."""
    sups = labelled_suppliers(
        con,
        registered=registered,
        unregistered=unregistered,
        seed=seed,
        register_rows=register_rows,
        register_seed=register_seed,
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gold AS SELECT unnest($n) AS name, unnest($p) AS postcode, "
        "unnest($i) AS i",
        {"n": [s.name for s in sups], "p": [s.postcode for s in sups], "i": list(range(len(sups)))},
    )
    left = con.execute(
        model.features_sql(
            f"SELECT 's' || i AS uid, {name_norm_sql('name')} AS name_norm, postcode, NULL::VARCHAR AS town "
            "FROM gold"
        )
    ).to_arrow_table()
    right = con.execute(
        model.features_sql(
            f"SELECT number AS uid, {name_norm_sql('name')} AS name_norm, postcode, town "
            f"FROM ({register_sql(register_rows, register_seed)})"
        )
    ).to_arrow_table()
    truth: dict[str, str | None] = {f"s{i}": s.true_register_id for i, s in enumerate(sups)}
    return left, right, truth


def gold_accuracy(
    *,
    register_rows: int,
    registered: int,
    unregistered: int,
    seed: int = 7,
    backend: str = "duckdb",
) -> Accuracy:
    """Link a labelled gold set and score it."""
    con = duckdb.connect()
    left, right, truth = gold_tables(
        con,
        register_rows=register_rows,
        registered=registered,
        unregistered=unregistered,
        seed=seed,
    )
    start = time.perf_counter()
    found = link(left, right, backend=backend)
    acc = score(best_links(found), truth)
    acc.seconds = round(time.perf_counter() - start, 2)
    return acc
