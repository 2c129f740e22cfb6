"""The assets and spaces commands: JSON summaries, plain-English errors (never a traceback), the report."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_support import cli

from anchorage.assets.synthetic import Location, write_transparency_register
from anchorage.workspace import Workspace


def test_import_review_match_and_report(workspace: Workspace, tmp_path: Path):
    places = [Location("SE6 4RU", 537_700, 172_800), Location("SE13 6LH", 538_000, 175_400)]
    reg = write_transparency_register(tmp_path / "reg.csv", 200, places, org_name="Council", seed=3)
    r = cli("assets", "import", str(reg.path), "--org", "Council", "--json", ws=workspace)
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    assert (s["rows_read"], s["rows_loaded"], s["rows_quarantined"]) == (
        200,
        reg.good,
        sum(reg.bad.values()),
    )
    (tmp_path / "spaces.csv").write_text(
        "Space name,Capacity,Available times,Accessibility,Cost per hour,Postcode\n"
        "Hall,40,Mon-Fri 09:00-21:00,step free,10,\n,5,,,,\n",
        encoding="utf-8",
    )
    r = cli(
        "spaces", "load", str(tmp_path / "spaces.csv"), "--org", "council", "--json", ws=workspace
    )
    assert r.returncode == 0, r.stderr
    assert {
        k: json.loads(r.stdout)[k] for k in ("rows_read", "rows_loaded", "rows_quarantined")
    } == {"rows_read": 2, "rows_loaded": 1, "rows_quarantined": 1}
    r = cli("assets", "review", "--json", "--max-cost-per-m2", "100", ws=workspace)
    review = json.loads(r.stdout)
    assert r.returncode == 0 and review["assets_checked"] == reg.good and review["flagged"] > 0
    key = review["items"][0]["asset_key"]
    assert (
        cli(
            "assets", "decide", key, "--org", "council", "--decision", "share", ws=workspace
        ).returncode
        == 0
    )
    again = json.loads(
        cli("assets", "review", "--json", "--max-cost-per-m2", "100", ws=workspace).stdout
    )
    assert next(i for i in again["items"] if i["asset_key"] == key)["decision"] == "share"
    r = cli("spaces", "match", "--json", ws=workspace)
    assert r.returncode == 0 and json.loads(r.stdout) == []  # no needs posted yet
    r = cli("assets", "report", "--out", str(tmp_path / "out"), ws=workspace)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "out" / "assets.html").read_text(encoding="utf-8")
    assert page.count('<circle class="asset"') == reg.good
    assert "http://" not in page and "https://" not in page  # works offline
    assert 'data-filter="tenure"' in page


def test_cli_errors_are_sentences(workspace: Workspace, tmp_path: Path):
    r = cli("assets", "import", str(tmp_path / "missing.csv"), "--org", "council", ws=workspace)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "missing.csv" in r.stderr
    (tmp_path / "x.csv").write_text("Colour,Shape\nred,round\n", encoding="utf-8")
    r = cli("assets", "import", str(tmp_path / "x.csv"), "--org", "council", ws=workspace)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "header row" in r.stderr
    r = cli("assets", "import", str(tmp_path / "x.csv"), "--org", "Nobody", ws=workspace)
    assert r.returncode == 1 and 'no anchor called "Nobody"' in r.stderr
    r = cli("assets", "decide", "ID:X", "--org", "council", "--decision", "burn", ws=workspace)
    assert (
        r.returncode == 2 and "retain" in r.stderr and "Traceback" not in r.stderr
    )  # not a choice
    r = cli(
        "assets", "acv-nominate", "The Crown", "--by", "Friends", "--on", "1/3/2024", ws=workspace
    )
    assert r.returncode == 1 and "YYYY-MM-DD" in r.stderr
    r = cli("spaces", "respond", "99", "offer", "--by", "council", ws=workspace)
    assert r.returncode == 1 and "no space request 99" in r.stderr
