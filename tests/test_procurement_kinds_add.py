"""Contract registers and social value delivery reports ADD (issue 14 item 4): a second file adds its rows
to the anchor's, a row held again is updated (never doubled), and another anchor's rows never change."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.ocds_support import area_workspace, write_area_file
from tests.test_contracts_cli import cli

from anchorage.contracts.register import import_register
from anchorage.socialvalue.imports import import_deliveries
from anchorage.workspace import Workspace

Q1 = """Reference,Title,Supplier,Value,Start Date,End Date
R-1,Civic catering,Local Caterers Ltd,"900,000",01/04/2025,31/03/2028
R-2,Cleaning,Shine Ltd,"120,000",01/04/2025,31/03/2027
,Grounds,Green Ltd,"50,000",01/04/2025,31/03/2026
"""
Q2 = """Reference,Title,Supplier,Value,Start Date,End Date
R-2,Cleaning,Shine Ltd,"150,000",01/04/2025,31/03/2027
R-3,Security,Guard Ltd,"300,000",01/07/2025,30/06/2028
,Grounds,Green Ltd,"55,000",01/04/2025,31/03/2026
"""
DELIVERY_Q1 = """Contract ref,Supplier name,Measure id,Delivered,Period end,Evidence
C-1,Local Caterers Ltd,local-job-years,5,30/06/2025,payroll
C-1,Local Caterers Ltd,local-job-years,6,30/09/2025,payroll
"""
DELIVERY_Q2 = """Contract ref,Supplier name,Measure id,Delivered,Period end,Evidence
C-1,LOCAL CATERERS LIMITED,local-job-years,7,30/09/2025,corrected payroll
C-1,Local Caterers Ltd,local-job-years,8,31/12/2025,payroll
"""


def _q(ws: Workspace, sql: str) -> list[tuple[Any, ...]]:
    with ws.warehouse(read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_second_register_adds_and_updates_and_leaves_other_anchors_alone(
    workspace: Workspace, tmp_path: Path
):
    (tmp_path / "trust").mkdir()
    (tmp_path / "trust" / "register.csv").write_text(Q1)
    import_register(workspace, tmp_path / "trust" / "register.csv", "Acute Trust")
    trust = _q(workspace, "SELECT * FROM contracts WHERE org = 'acute-trust' ORDER BY ALL")
    (tmp_path / "q1").mkdir()
    (tmp_path / "q2").mkdir()
    (tmp_path / "q1" / "register.csv").write_text(Q1)
    (tmp_path / "q2" / "register.csv").write_text(Q2)  # the same file name, a later quarter
    import_register(workspace, tmp_path / "q1" / "register.csv", "Council")
    s = import_register(workspace, tmp_path / "q2" / "register.csv", "Council")
    assert s.replaced_upload is None and any(
        "2 contracts from earlier registers were updated" in n for n in s.notes
    )
    got = _q(
        workspace,
        "SELECT reference, title, value FROM contracts WHERE org = 'council' ORDER BY title",
    )
    assert [(r, t, float(v)) for r, t, v in got] == [
        ("R-1", "Civic catering", 900_000.0),
        ("R-2", "Cleaning", 150_000.0),
        (None, "Grounds", 55_000.0),
        ("R-3", "Security", 300_000.0),
    ]
    assert _q(workspace, "SELECT * FROM contracts WHERE org = 'acute-trust' ORDER BY ALL") == trust


def test_delivery_reports_add_up_and_a_period_reported_again_is_corrected(
    workspace: Workspace, tmp_path: Path
):
    (tmp_path / "q1.csv").write_text(DELIVERY_Q1)
    (tmp_path / "q2.csv").write_text(DELIVERY_Q2)
    import_deliveries(workspace, tmp_path / "q1.csv", "Acute Trust")
    trust = _q(workspace, "SELECT * FROM sv_deliveries WHERE org = 'acute-trust' ORDER BY ALL")
    import_deliveries(workspace, tmp_path / "q1.csv", "Council")
    s = import_deliveries(workspace, tmp_path / "q2.csv", "Council")
    assert any("1 rows of earlier delivery reports were corrected" in n for n in s.notes)
    got = _q(
        workspace,
        "SELECT period_end, quantity, evidence FROM sv_deliveries WHERE org = 'council' ORDER BY 1",
    )
    assert [(str(p), q, e) for p, q, e in got] == [
        ("2025-06-30", 5.0, "payroll"),
        ("2025-09-30", 7.0, "corrected payroll"),
        ("2025-12-31", 8.0, "payroll"),
    ]
    assert (
        _q(workspace, "SELECT * FROM sv_deliveries WHERE org = 'acute-trust' ORDER BY ALL") == trust
    )
    again = import_deliveries(workspace, tmp_path / "q2.csv", "Council")
    assert (
        again.duplicate
        and len(_q(workspace, "SELECT * FROM sv_deliveries WHERE org = 'council'")) == 3
    )


def test_the_cli_loads_an_area_file_by_buyer_and_previews_the_buyers(
    tmp_path: Path, shared_data: Path
):
    ws = area_workspace(tmp_path / "ws")
    path = write_area_file(shared_data, tmp_path / "area.json")
    r = cli(
        "pipeline",
        "buyers",
        str(path),
        "--buyer",
        "Goldsmiths, University of London=Goldsmiths",
        "--json",
        ws=ws,
    )
    assert r.returncode == 0, r.stderr
    assert {b["buyer"]: b["anchor"] for b in json.loads(r.stdout)}[
        "Goldsmiths, University of London"
    ] == "goldsmiths"
    r = cli(
        "pipeline",
        "import",
        str(path),
        "--buyer",
        "Goldsmiths, University of London=Goldsmiths",
        "--json",
        ws=ws,
    )
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["rows_read"], s["rows_loaded"], s["rows_quarantined"], s["balanced"]) == (
        25,
        24,
        1,
        True,
    )
    assert sorted(s["split"]["anchors"]) == [
        "goldsmiths",
        "lewisham-and-greenwich-nhs-trust",
        "lewisham-council",
    ]
    assert s["split"]["public_notices"]["releases"] == 6 and s["split"]["unmapped"]["releases"] == 1
    r = cli("pipeline", "import", str(path), ws=ws)  # the table output, and a duplicate
    assert r.returncode == 0 and "already loaded" in r.stdout
    register = tmp_path / "register.csv"
    register.write_text(Q1)
    r = cli("pipeline", "import", str(register), ws=ws)
    assert (
        r.returncode != 0
        and "say whose it is" in r.stderr + r.stdout
        and "Traceback" not in r.stderr
    )
