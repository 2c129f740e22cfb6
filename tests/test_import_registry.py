"""One import contract: the CLI and the web name a kind from the one registry (ingest/kinds.py), every load
command runs its file as a job through it, and every kind prints the same `--json` summary."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.conftest import make_workspace
from typer.testing import CliRunner

from anchorage.cli.main import app as cli
from anchorage.core.errors import AnchorageError
from anchorage.services import loads
from anchorage.store.jobs_records import Job

SRC = Path(__file__).resolve().parents[1] / "src" / "anchorage"
FILES = {  # kind -> (command, file text, anchor)
    "spend": (
        ["spend", "ingest"],
        "Supplier Name,Amount,Payment Date\nAcme Ltd,100.00,25/04/2024\nBad Ltd,x,26/04/2024\n",
    ),
    "levy-paybill": (["levy", "load-paybill"], "month,pay_bill\n04/2024,1000.00\nnot a month,5\n"),
    "programmes": (
        ["apprenticeships", "load-programmes"],
        "id,standard,level,duration_months,off_the_job_hours,start_date\nDA1,ST0001,3,18,400,01/09/2025\n",
    ),
    "utilisation": (["assets", "utilisation"], "UPRN,Period,Occupied floor m2\n,2024-25,10\n"),
}


def test_every_kind_is_named_once_and_looked_up_by_name():
    names = [k.name for k in loads.all_kinds()]
    assert len(names) == len(set(names))
    for expected in (
        "spend",
        "suppliers",
        "workforce",
        "levy-paybill",
        "levy-commitments",
        "programmes",
        "placements",
        "apprentices",
        "pledges",
        "starts",
        "he-engagements",
        "assets",
        "utilisation",
        "contracts",
        "ocds",
        "sv_commitments",
        "sv_delivery",
        "lm3",
        "geography",
        "register:companies_house",
    ):
        assert loads.kind(expected).name == expected
    assert set(loads.upload_kinds()) <= set(names) and "spend" in loads.upload_kinds()
    with pytest.raises(AnchorageError, match='no import kind "payroll"') as err:
        loads.kind("payroll")
    assert err.value.fix and "spend" in err.value.fix


def test_the_web_names_an_uploads_kind_in_the_registrys_words():
    from anchorage.web.nav import upload_kind

    for k in (
        loads.all_kinds()
    ):  # the uploads list and an upload's page say what the upload form offered
        assert upload_kind(k.name) == k.label
    assert upload_kind("no_longer_a_kind") == "No longer a kind" and upload_kind(None) == ""
    nav = (SRC / "web" / "nav.py").read_text(encoding="utf-8")
    assert all(f'"{k.label}"' not in nav for k in loads.all_kinds())  # no second list of the labels


def test_no_command_or_route_names_a_loader_function():
    """The CLI passes kind names to run_ingest; nothing outside the domains imports a loader to call it."""
    loaders = {k.load.__name__ for k in loads.all_kinds()} - {"load"}
    named: list[str] = []
    for path in [
        *(SRC / "cli").glob("*.py"),
        SRC / "web" / "routes" / "uploads.py",
        SRC / "services" / "loads.py",
    ]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            a.asname or a.name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom)
            for a in n.names
        }
        assert not imported & loaders, f"{path.name} imports {imported & loaders}"
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if getattr(call.func, "id", None) in ("run_ingest", "_load") and call.args:
                first = call.args[0]
                assert isinstance(first, ast.Constant | ast.Name), ast.dump(
                    first
                )  # a kind's name, never a function
                if isinstance(first, ast.Constant):
                    named.append(first.value)
    assert set(named) <= {k.name for k in loads.all_kinds()}
    assert len(set(named)) >= 15, sorted(set(named))  # every file a command loads


def test_every_load_command_runs_as_a_job_and_prints_the_same_summary(tmp_path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    shapes = {}
    for kind, (command, text) in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text)
        r = CliRunner().invoke(
            cli, [*command, str(path), "--org", "Council", "--workspace", str(ws.root), "--json"]
        )
        assert r.exit_code == 0, r.output
        out = json.loads(r.output)
        assert (
            out["kind"] == kind and out["rows_read"] == out["rows_loaded"] + out["rows_quarantined"]
        )
        money = {"amount_read", "amount_loaded", "amount_quarantined"}
        assert (money <= set(out)) == loads.kind(kind).money
        shapes[kind] = set(out) - money
    assert len({frozenset(s) for s in shapes.values()}) == 1, shapes
    with ws.session() as s:
        jobs = s.scalars(select(Job).where(Job.kind == "ingest")).all()
    assert sorted(j.params["kind"] for j in jobs if j.state == "done") == sorted(FILES)
