"""Workforce commands end to end: loading inputs, solving, the ledger and the bid, and their errors."""

from __future__ import annotations

import csv
import json

from tests.cli_support import bid_pack
from tests.test_workflow import cli, ok


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def quarantine(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def setup(tmp_path):
    ws = tmp_path / "ws"
    ok(cli("init", "--workspace", str(ws), "--local", "E09000023"))
    ok(cli("org", "add", "Council", "--type", "council", env_ws=ws))
    ok(cli("org", "add", "Trust", "--type", "nhs-trust", env_ws=ws))
    return ws


def test_rotations_from_files_and_errors(tmp_path):
    ws = setup(tmp_path)
    r = cli("apprenticeships", "solve", env_ws=ws)
    assert (
        r.returncode == 1 and "There are no apprentices or no host placements to plan." in r.stderr
    )
    assert "Traceback" not in r.stderr
    short = write(
        tmp_path / "p.csv",
        "id,standard,level,duration_months,off_the_job_hours,start_date\n"
        "BA3,Business administrator,3,6,400,01/09/2025\n",
    )
    got = json.loads(
        ok(cli("apprenticeships", "load-programmes", short, "--json", env_ws=ws)).stdout
    )
    assert (got["rows_read"], got["rows_loaded"], got["rows_quarantined"]) == (1, 0, 1)
    ok(cli("spend", "quarantine", "--out", str(tmp_path / "q.csv"), env_ws=ws))
    assert [r["reason"] for r in quarantine(tmp_path / "q.csv")] == [
        "BA3 lasts 6 months, under the 8-month minimum for starts on 01/09/2025"
    ]
    progs = write(
        tmp_path / "p2.csv",
        "id,standard,level,duration_months,off_the_job_hours,start_date\n"
        "BA3,Business administrator,3,12,400,01/09/2025\n",
    )
    ok(cli("apprenticeships", "load-programmes", progs, env_ws=ws))
    bad = write(
        tmp_path / "pl-bad.csv",
        "id,anchor,department,skill,capacity\nA1,Council,Finance,finance,two\n",
    )
    got = json.loads(ok(cli("apprenticeships", "load-placements", bad, "--json", env_ws=ws)).stdout)
    assert got["rows_quarantined"] == 1 and got["quarantine_reasons"] == {"capacity …": 1}
    ok(cli("spend", "quarantine", "--out", str(tmp_path / "q.csv"), env_ws=ws))
    assert [
        (r["kind"], r["org"], r["row"], r["column"], r["reason"])
        for r in quarantine(tmp_path / "q.csv")
        if r["kind"] == "placements"
    ] == [("placements", "council", "1", "capacity", 'capacity "two" is not a whole number')]
    places = write(
        tmp_path / "pl.csv",
        "id,anchor,department,skill,capacity\nA1,Council,Finance,finance,1\n"
        "B1,Trust,Admin,admin,1\n",
    )
    ok(cli("apprenticeships", "load-placements", places, env_ws=ws))
    apps = write(
        tmp_path / "a.csv",
        "id,programme,employer,start_date,preferences,pinned\n"
        "X,BA3,Council,01/09/2025,A1;B1,1:A1\nY,BA3,Trust,01/09/2025,A1;B1,1:A1\n",
    )
    ok(cli("apprenticeships", "load-apprentices", apps, env_ws=ws))
    r = cli("apprenticeships", "solve", "--months", "12", env_ws=ws)
    assert r.returncode == 1 and "These constraints conflict" in r.stdout
    assert (
        "pinned: apprentice X at A1 in block 1" in r.stdout
        and "pinned: apprentice Y at A1 in block 1" in r.stdout
    )
    apps = write(
        tmp_path / "a.csv",
        "id,programme,employer,start_date,preferences\n"
        "X,BA3,Council,01/09/2025,A1;B1\nY,BA3,Trust,01/09/2025,A1;B1\n",
    )
    ok(cli("apprenticeships", "load-apprentices", apps, env_ws=ws))
    out = json.loads(
        ok(
            cli(
                "apprenticeships",
                "solve",
                "--months",
                "12",
                "--json",
                "--calendar",
                str(tmp_path / "cal.xlsx"),
                env_ws=ws,
            )
        ).stdout
    )
    assert (
        out["status"] == "optimal"
        and out["objective"] == 10
        and out["gap"] == 0
        and out["seconds"] >= 0
    )
    assert len(out["assignments"]) == 4 and (tmp_path / "cal.xlsx").exists()


def test_levy_and_bid(tmp_path):
    ws = setup(tmp_path)
    bills = "anchor,month,pay_bill\n" + "".join(
        f"Council,{m:02}/2024,400000\n" for m in range(4, 13)
    )
    ok(cli("levy", "load-paybill", write(tmp_path / "b.csv", bills), env_ws=ws))
    led = json.loads(
        ok(cli("levy", "ledger", "--json", "--out", str(tmp_path / "l.xlsx"), env_ws=ws)).stdout
    )
    assert [r["funds_in"] for r in led["rows"]] == [825.0] * 9
    r = cli(
        "levy",
        "load-commitments",
        write(tmp_path / "c.csv", "anchor,apprentice,start_month\nCouncil,A,01/2025\n"),
        env_ws=ws,
    )
    assert r.returncode == 1 and "no column holds the duration months, total price" in r.stderr
    pledges = (
        "programme,employer,company_number,charity_number,role,placements,hours_per_week,hourly_wage,"
        "duration_months,additionality,pledged_on\n"
        "Kickstart,Cafe Ltd,12345678,,Barista,20,25,8.72,6,Y,01/12/2020\n"
        "kickstart,Shop Ltd,,,Assistant,5,20,8.72,6,Y,01/12/2020\n"
    )
    ok(cli("bid", "load-pledges", write(tmp_path / "pl.csv", pledges), env_ws=ws))
    got = bid_pack(ws, tmp_path / "pack")
    assert got["threshold"] == 30 and got["eligible_placements"] == 20 and got["shortfall"] == 10
    reasons = got["pledges"][1]["reasons"]
    assert reasons == [
        "no Companies House or charity number",
        "offers 20 hours a week; Kickstart Scheme (DWP) needs at least 25",
    ]
    # £8.20 (21–24, 2020-21) × 25 h × 52/12 weeks × 6 months × 20 placements = £106,600.
    assert got["grants"]["wage funding (estimate, excludes employer NI and pension)"] == 106600.0
    later = bid_pack(ws, tmp_path / "p2", "--bid-date", "2021-02-03")
    assert later["threshold"] == 0 and later["shortfall"] == 0
    assert (tmp_path / "pack" / "bid-pack.xlsx").exists() and (
        tmp_path / "pack" / "bid-pack.html"
    ).exists()
