"""A generated collaborative for linking tests and benchmarks: three anchors paying suppliers drawn (with typing
noise) from a generated Companies House register, loaded through the same code a user runs."""

from __future__ import annotations

from pathlib import Path

import duckdb

from anchorage import config as cfgmod
from anchorage.ingest.spend import ingest_spend
from anchorage.suppliers.generate import (
    LabelledSupplier,
    labelled_suppliers,
    write_companies_house,
    write_spend_files,
)
from anchorage.suppliers.registers import import_register
from anchorage.workspace import Workspace

ANCHORS = [("Council", "council"), ("Acute Trust", "nhs-trust"), ("College", "college")]


def linking_workspace(
    root: Path, *, register_rows: int, suppliers: int, seed: int = 3
) -> tuple[Workspace, list[LabelledSupplier]]:
    """The workspace (at root/ws) with spend loaded and the register imported, and the suppliers' truth."""
    cfg = cfgmod.Config(
        collaborative="Generated collaborative",
        place=cfgmod.Place(local=["E09000023"], sub_region=["E09000011"], region="E12000007"),
    )
    for name, kind in ANCHORS:
        cfg.add_anchor(name, kind)
    ws = Workspace.create(root / "ws", cfg)
    registered = int(suppliers * 0.8)
    with duckdb.connect() as con:
        sups = labelled_suppliers(
            con,
            registered=registered,
            unregistered=suppliers - registered,
            register_rows=register_rows,
            orgs=tuple(a for a, _ in ANCHORS),
            seed=seed,
        )
    for org, path in write_spend_files(
        root / "in", sups, [a for a, _ in ANCHORS], seed=seed
    ).items():
        ingest_spend(ws, path, org, accept_warnings=True)
    import_register(
        ws, "companies_house", write_companies_house(root / "ch", register_rows, parts=2)
    )
    return ws, sups
