"""`anchorage pipeline …`: JSON reconciliation for registers and OCDS, the finder, briefs, plain errors."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_support import cli

from anchorage.workspace import Workspace

COUNCIL = """Title,Supplier,Value,Start Date,End Date,CPV
Civic catering,Local Caterers Ltd,"900,000",01/04/2025,31/03/2028,55520000
Bad row,X Ltd,lots,01/04/2025,31/03/2028,55520000
"""
TRUST = """Title,Supplier,Value,Start Date,End Date,Category
Patient meals,Far Away Foods plc,"3,000,000",01/01/2025,31/12/2027,Patient catering
"""


def test_import_opportunities_and_briefs(workspace: Workspace, tmp_path: Path, shared_data: Path):
    (tmp_path / "council.csv").write_text(COUNCIL)
    (tmp_path / "trust.csv").write_text(TRUST)
    r = cli(
        "pipeline",
        "import",
        str(tmp_path / "council.csv"),
        "--org",
        "Council",
        "--json",
        ws=workspace,
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["rows_read"], s["rows_loaded"], s["rows_quarantined"], s["amount_loaded"]) == (
        2,
        1,
        1,
        900000.0,
    )
    assert (
        cli(
            "pipeline", "import", str(tmp_path / "trust.csv"), "--org", "acute-trust", ws=workspace
        ).returncode
        == 0
    )
    ocds = shared_data / "ocds" / "fictional" / "record" / "ocds-213czf-000-00001.json"
    r = cli("pipeline", "import", str(ocds), "--org", "Council", "--json", ws=workspace)
    assert (
        r.returncode == 0
        and json.loads(r.stdout)["kind"] == "ocds"
        and json.loads(r.stdout)["rows_loaded"] == 1
    )
    r = cli(
        "pipeline",
        "opportunities",
        "--window-months",
        "18",
        "--as-of",
        "2026-01-01",
        "--json",
        ws=workspace,
    )
    found = json.loads(r.stdout)["opportunities"]
    assert r.returncode == 0 and [(o["category"], o["anchors"]) for o in found] == [
        ("Catering", ["acute-trust", "council"])
    ]
    assert found[0]["combined_value"] == 3_900_000.0 and len(found[0]["lots"]) == 3
    r = cli(
        "pipeline",
        "opportunities",
        "--window-months",
        "2",
        "--as-of",
        "2026-01-01",
        "--json",
        ws=workspace,
    )
    assert json.loads(r.stdout)["opportunities"] == []
    for fmt, magic in (("html", b"<!DOCTYPE html>"), ("pdf", b"%PDF"), ("xlsx", b"PK")):
        out = tmp_path / f"brief.{fmt}"
        r = cli(
            "pipeline",
            "brief",
            found[0]["id"],
            "--out",
            str(out),
            "--as-of",
            "2026-01-01",
            ws=workspace,
        )
        assert r.returncode == 0, r.stderr
        assert out.read_bytes().startswith(magic)
    assert "Civic catering" in (tmp_path / "brief.html").read_text()
    r = cli("pipeline", "show", "--json", "--cpv", "555", ws=workspace)
    assert [c["title"] for c in json.loads(r.stdout)["contracts"]] == ["Civic catering"]


def test_plain_errors(workspace: Workspace, tmp_path: Path):
    (tmp_path / "broken.json").write_text('{\n "releases": [\n  {"ocid": "a",}\n ]\n}')
    r = cli("pipeline", "import", str(tmp_path / "broken.json"), "--org", "Council", ws=workspace)
    assert (
        r.returncode == 1
        and "the JSON is broken at line 3" in r.stderr
        and "Traceback" not in r.stderr
    )
    r = cli("pipeline", "opportunities", "--cpv-level", "code", ws=workspace)
    assert r.returncode == 1 and "CPV level" in r.stderr
    r = cli("pipeline", "brief", "1", "--out", str(tmp_path / "b.doc"), ws=workspace)
    assert r.returncode == 1 and ".html, .pdf or .xlsx" in r.stderr
    r = cli("pipeline", "import", str(tmp_path / "missing.csv"), "--org", "Council", ws=workspace)
    assert r.returncode == 1 and "does not exist" in r.stderr
