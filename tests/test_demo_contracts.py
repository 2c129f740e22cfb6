"""The demo's contract registers and OCDS notices load, and the finder surfaces catering and concessions."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from anchorage.contracts.finder import find_opportunities
from anchorage.contracts.pipeline import pipeline_rows
from anchorage.demo.contracts_gen import NAMES, load_demo_contracts, write_demo_contracts
from anchorage.demo.run import demo_config
from anchorage.workspace import Workspace


def test_demo_contracts_surface_catering_and_concessions(tmp_path: Path):
    cfg = demo_config()
    for name, kind in zip(
        NAMES.values(),
        ("council", "nhs-trust", "nhs-trust", "college", "housing-association"),
        strict=True,
    ):
        cfg.add_anchor(name, kind)
    ws = Workspace.create(tmp_path / "ws", cfg)
    lines: list[str] = []
    load_demo_contracts(ws, tmp_path / "in", seed=2026, say=lines.append)
    assert len(lines) == 6 and "1 quarantined" in lines[0]  # the council's "TBC" value
    rows = pipeline_rows(ws)
    assert len(rows) == 20 and sum(r["is_public"] for r in rows) == 2
    pipeline_notice = next(r for r in rows if r["ocid"] == "ocds-demo-lbl-0001")
    assert (
        pipeline_notice["stage"] == "planning"
        and pipeline_notice["procurement_start"] > date.today()
    )
    found = {o.category: o for o in find_opportunities(ws)}
    assert len(found["Catering"].anchors) == 4 and len(found["Concessions"].anchors) == 3
    assert list(found)[:2] == ["Catering", "Concessions"]


def test_demo_contract_files_are_deterministic(tmp_path: Path):
    day = date(2026, 11, 25)
    a = write_demo_contracts(tmp_path / "a", 2026, day)
    b = write_demo_contracts(tmp_path / "b", 2026, day)
    for (_, pa), (_, pb) in zip(a, b, strict=True):
        if pa.suffix != ".xlsx":
            assert pa.read_bytes() == pb.read_bytes()
