"""The socialvalue and lm3 commands: JSON reconciliations and results, plain-English errors, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.cli_support import cli
from tests.fixtures import load_reference, write_fixture_files

from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace


def test_commands_end_to_end(workspace: Workspace, tmp_path: Path):
    load_reference(workspace)
    ingest_spend(workspace, write_fixture_files(tmp_path / "in")["council_spend"], "Council")
    (tmp_path / "c.csv").write_text(
        "Contract,Contractor,Metric,Target,Start date,End date\n"
        "K-1,Local Caterers Ltd,community-hours,1000,01/04/2024,01/04/2026\n"
        "K-2,Other Ltd,,5,01/04/2024,01/04/2026\n"
    )
    (tmp_path / "d.csv").write_text(
        "Contract,Supplier,Measure,Delivered,Period end\n"
        "K-1,Local Caterers Ltd,community-hours,100,31/03/2025\n"
    )
    (tmp_path / "s.csv").write_text(
        "Supplier,Income,Wages %,Local staff %,Purchases %,Local purchases %,Postcode\n"
        "Local Caterers Ltd,100000,40,50,30,20,SE6 4RU\n"
    )
    r = cli(
        "socialvalue",
        "import-commitments",
        str(tmp_path / "c.csv"),
        "--org",
        "Council",
        "--json",
        ws=workspace,
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["rows_read"], s["rows_loaded"], s["rows_quarantined"]) == (2, 1, 1)
    assert (
        cli(
            "socialvalue",
            "import-delivery",
            str(tmp_path / "d.csv"),
            "--org",
            "council",
            ws=workspace,
        ).returncode
        == 0
    )
    r = cli("socialvalue", "status", "--as-of", "2025-04-01", "--json", ws=workspace)
    st = json.loads(r.stdout)
    # 364 of 730 days elapsed at the report: 498.6 hours expected, 100 delivered (20% of pro-rata): behind.
    assert [b["contract_ref"] for b in st["behind"]] == ["K-1"]
    assert st["behind"][0]["pro_rata_pct"] == pytest.approx(100 / (1000 * 364 / 730), abs=1e-4)
    assert (
        "Contracts behind" not in r.stdout
        and cli("socialvalue", "status", ws=workspace).returncode == 0
    )
    assert (
        cli("lm3", "import", str(tmp_path / "s.csv"), "--org", "council", ws=workspace).returncode
        == 0
    )
    res = json.loads(cli("lm3", "results", "--json", ws=workspace).stdout)
    assert {r["org"]: r["lm3"] for r in res["lm3"]} == {
        "council": pytest.approx(1.332),
        "collaborative": pytest.approx(1.332),
    }
    sim = json.loads(
        cli(
            "lm3", "simulate", "--category", "catering", "--shift", "50", "--json", ws=workspace
        ).stdout
    )
    assert sim["label"] == "Estimate" and sim["lm3_local"] == pytest.approx(1.332)
    assert sim["shifted"] == pytest.approx((sim["category_spend"] - sim["category_local"]) / 2)
    fw = json.loads(cli("socialvalue", "framework", "--json", ws=workspace).stdout)
    assert len(fw["measures"]) >= 10 and all(m["source"] and m["year"] for m in fw["measures"])
    link = cli("lm3", "link", "A Supplier", "--org", "council", ws=workspace)
    assert link.returncode == 0 and "/survey/" in link.stdout
    report = cli("report", "--out", str(tmp_path / "rep"), ws=workspace)
    assert report.returncode == 0, report.stderr
    html = (tmp_path / "rep" / "report.html").read_text()
    assert 'id="socialvalue"' in html and "K-1" in html and 'id="lm3-chart"' in html
    assert (tmp_path / "rep" / "csv" / "sv_behind.csv").read_text().count("K-1") == 1


def test_errors_are_sentences(workspace: Workspace, tmp_path: Path):
    r = cli("lm3", "simulate", "--category", "Catering", "--shift", "20", ws=workspace)
    assert r.returncode == 1 and "Error:" in r.stderr and "Traceback" not in r.stderr
    (workspace.root / "socialvalue.toml").write_text("[[theme]]\nid = 1\n")
    r = cli("socialvalue", "framework", ws=workspace)
    assert r.returncode == 1 and "problem(s)" in r.stderr and 'no "name"' in r.stderr
    r = cli("socialvalue", "status", "--as-of", "tomorrow", ws=workspace)
    assert r.returncode == 1 and "is not a date" in r.stderr
