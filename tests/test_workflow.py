"""End to end through the CLI: init → org add → geo import → ingest → analyse → report, and the demo."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from tests.cli_support import run_cli

from anchorage.demo.run import REFERENCE, run_demo
from anchorage.workspace import Workspace


def cli(
    *args: str, env_ws: Path | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli(
        args, env={"ANCHORAGE_WORKSPACE": str(env_ws)} if env_ws is not None else None, cwd=cwd
    )


def ok(r: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert r.returncode == 0, r.stderr + r.stdout
    assert "Traceback" not in r.stderr
    return r


def test_cli_workflow(tmp_path, shared_data):
    ws = tmp_path / "ws"
    ok(
        cli(
            "init",
            "--workspace",
            str(ws),
            "--name",
            "Lewisham test",
            "--local",
            "E09000023",
            "--sub-region",
            "E09000011,E09000029",
        )
    )
    ok(cli("org", "add", "Lewisham Council", "--type", "council", env_ws=ws))
    r = cli("org", "add", "Bad", "--type", "bank", env_ws=ws)
    assert (
        r.returncode == 2 and "housing-association" in r.stderr
    )  # not a choice: refused before any work
    empty = json.loads(
        ok(cli("spend", "analyse", "--json", env_ws=ws)).stdout
    )  # nothing loaded yet: no crash
    assert [t["spend"] for t in empty["totals"]] in ([], [0], [0.0])
    ok(cli("report", env_ws=ws))  # by default into the workspace, wherever the command is run from
    assert (ws / "report" / "report.html").exists()
    geo = ok(
        cli(
            "geo",
            "import",
            str(REFERENCE / "la_all_codes.csv"),
            str(REFERENCE / "lewisham_wards.csv"),
            str(REFERENCE / "lewisham_postcodes.csv"),
            str(REFERENCE / "imd2019_lsoa11.csv"),
            str(REFERENCE / "lewisham_wards.geojson"),
            "--json",
            env_ws=ws,
        )
    )
    summaries = json.loads(geo.stdout)
    assert [s["rows_read"] == s["rows_loaded"] + s["rows_quarantined"] for s in summaries] == [
        True
    ] * 5
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier Name,Supplier Postcode,Amount,Payment Date,Expense Type\n"
        "Brockley Bakers Ltd,se4 1aa,1000,01/05/2023,Catering\n"
        "Far Away Ltd,,3000,02/05/2023,Consultancy\n"
    )
    with Workspace.open(ws).warehouse(read_only=True) as con:
        pcd = con.execute(
            "SELECT pcds FROM postcodes WHERE lad = 'E09000023' AND terminated IS NULL LIMIT 1"
        ).fetchone()[0]
    spend.write_text(spend.read_text().replace("se4 1aa", pcd.lower().replace(" ", "")))
    ok(
        cli(
            "spend",
            "ingest",
            str(spend),
            "--org",
            "lewisham-council",
            "--date-order",
            "dmy",
            env_ws=ws,
        )
    )
    res = json.loads(ok(cli("spend", "analyse", "--json", env_ws=ws)).stdout)
    council = next(r for r in res["totals"] if r["org"] == "lewisham-council")
    assert (
        council["spend"] == 4000 and council["local_pct"] == 0.25 and council["unknown_pct"] == 0.75
    )
    out = tmp_path / "report"
    ok(cli("report", "--out", str(out), env_ws=ws))
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Lewisham Council" in html and "<svg" in html
    assert (out / "anchorage-report.xlsx").exists() and (out / "csv" / "totals.csv").exists()
    q = tmp_path / "q.csv"
    ok(cli("spend", "quarantine", "--out", str(q), env_ws=ws))
    assert q.read_text().startswith("org,kind,file")


@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    messages: list[str] = []
    report = run_demo(tmp_path / "demo", transactions=12_000, say=messages.append)
    html = report.read_text(encoding="utf-8")
    assert "Lewisham Council" in html and "Riverside Homes" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    ws = Workspace.open(tmp_path / "demo")
    assert len(ws.config.anchors) == 5
    with ws.warehouse(read_only=True) as con:
        n, local = con.execute("SELECT count(*), count(DISTINCT org) FROM spend").fetchone()
        tiers = {t for (t,) in con.execute("SELECT DISTINCT lad FROM postcodes").fetchall()}
    assert n > 9_000 and local == 5 and "E09000023" in tiers
    # Every generated file was reconciled, and bad rows were planted and caught.
    assert sum("quarantined" in m and not m.endswith(" 0 quarantined") for m in messages) >= 5
    # The demo's suppliers are linked to its generated registers: most spend is matched, some is not.
    with ws.warehouse(read_only=True) as con:
        matched, total = con.execute(
            "SELECT sum(s.amount) FILTER (r.register_id IS NOT NULL), sum(s.amount) FROM spend s "
            "LEFT JOIN supplier_resolution r USING (org, supplier_name_norm)"
        ).fetchone()
    assert 0.5 < matched / total < 1
    assert any("of spend matched to a register" in m for m in messages)
    # Social value: commitments and delivery for every anchor, some contracts behind; LM3 from survey answers.
    from anchorage.socialvalue.lm3 import lm3_results
    from anchorage.socialvalue.status import social_value_status

    st = social_value_status(ws)
    assert set(st.tables["anchors"]["org"]) == {
        *(a.slug for a in ws.config.anchors),
        "collaborative",
    }
    assert 0 < len(st.behind) < len(st.tables["contracts"])
    lm3 = lm3_results(ws).table.set_index("org")
    assert len(lm3) == 6 and (lm3["lm3"] > 1).all()
    assert 'id="socialvalue"' in html and 'id="lm3-chart"' in html
    # The contract registers and OCDS notices are loaded and the finder surfaces catering with local capacity.
    from anchorage.contracts.finder import find_opportunities

    found = {o.category: o for o in find_opportunities(ws)}
    assert len(found["Catering"].anchors) == 4 and found["Catering"].capacity.firms > 0
    assert "local" in [i["place"] for i in found["Catering"].incumbents]
    assert (tmp_path / "demo" / "report" / "pipeline.html").exists()
    # The local supplier directory holds confirmed local and sub-regional small firms and VCSEs, each in one of
    # the shared categories, with a postcode the area's geography places.
    from anchorage.opportunities.directory import search

    directory = search(ws)
    assert len(directory) == 40 and {e.tier for e in directory} == {"local", "sub-region"}
    assert any(e.vcse for e in directory) and any(not e.vcse for e in directory)
    assert len(search(ws, category="Catering")) > 0
    assert any("public supplier directory" in m for m in messages)
