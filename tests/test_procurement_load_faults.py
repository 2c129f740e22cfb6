"""One unit of work for the procurement kinds too (issue 14): an area's OCDS file, a contract register, a
social value delivery report and an LM3 survey, each failing at every step of the load, leave both stores
exactly as before the load or exactly as after it (from a twin that loaded cleanly), and a retry equals a
clean load. The same approach as test_load_faults.py; records on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import SHARED, make_workspace
from tests.ocds_support import BUYERS, write_area_file
from tests.test_load_faults import Bench, Injected

from anchorage.contracts.ocds_load import import_ocds
from anchorage.contracts.register import import_register
from anchorage.ingest import unit_of_work
from anchorage.socialvalue.imports import import_deliveries, import_lm3_survey
from anchorage.workspace import Workspace

CONFIRM = [
    "Lewisham Council=Council",
    "LGT=acute-trust",
]  # Goldsmiths and Barnet: the area's public notices
TABLES = ("contracts", "ocds_releases", "quarantine", "sv_deliveries", "lm3_responses")


def _register(rows: int, bump: int) -> str:
    lines = ["Reference,Title,Supplier,Value,Start Date,End Date"]
    for i in range(rows):  # v2 holds v1's contracts again (some with new values) and new ones
        value = "lots" if i % 13 == 0 else f"{(i * 1000 + (bump if i % 2 else 0)):,}"
        lines.append(f'R-{i},Contract {i},Supplier {i % 7} Ltd,"{value}",01/04/2025,31/03/2028')
    return "\n".join(lines) + "\n"


def _delivery(rows: int, bump: int) -> str:
    lines = ["Contract ref,Supplier name,Measure id,Delivered,Period end,Evidence"]
    for i in range(rows):
        qty = "-1" if i % 11 == 0 else str(i + bump)
        lines.append(
            f"C-{i % 5},Supplier {i % 5} Ltd,local-job-years,{qty},31/03/202{4 + i % 2},report {bump}"
        )
    return "\n".join(lines) + "\n"


def _survey(rows: int, bump: int) -> str:
    lines = [
        "Supplier,Income from anchor,Wages %,Local staff %,Purchases %,Local purchases %,Postcode,Year"
    ]
    for i in range(rows):
        income = "abc" if i % 9 == 0 else f"{1000 * (i + bump)}"
        lines.append(f"Supplier {i} Ltd,{income},40,{i % 100},30,20,SE6 4RU,2024")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# kind -> (write version 1 and 2 of the file under a folder, load one)
CASES: dict[str, tuple[Callable[[Path, int], Path], Callable[[Workspace, Path], Any]]] = {
    "ocds": (
        lambda d, v: write_area_file(
            SHARED, d / "area.json", buyers=BUYERS if v == 2 else BUYERS[:1], no_buyer=v == 2
        ),
        lambda ws, p: import_ocds(ws, p, None, buyers=CONFIRM),
    ),
    "contracts": (
        lambda d, v: _write(d / "register.csv", _register(40 * v, v)),
        lambda ws, p: import_register(ws, p, "Council"),
    ),
    "sv_delivery": (
        lambda d, v: _write(d / "delivery.csv", _delivery(30 * v, v)),
        lambda ws, p: import_deliveries(ws, p, "Council"),
    ),
    "lm3": (
        lambda d, v: _write(d / "survey.csv", _survey(30 * v, v)),
        lambda ws, p: import_lm3_survey(ws, p, "Council"),
    ),
}


def snapshot(ws: Workspace) -> dict[str, Any]:
    """Every row the procurement kinds write (without upload ids, which differ between workspaces),
    unfinished journal rows, and the uploads in records with their reconciliation."""
    with ws.warehouse(read_only=True) as con:
        wh: dict[str, Any] = {
            t: con.execute(f"SELECT * EXCLUDE (upload_id) FROM {t} ORDER BY ALL").fetchall()
            for t in TABLES
        }
        wh["unfinished"] = con.execute(
            "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
        ).fetchone()
    engine = sa.create_engine(ws.records_url)
    with engine.connect() as c:
        rec = sorted(
            tuple(str(v) for v in r)
            for r in c.execute(
                sa.text(
                    "SELECT org, kind, filename, status, rows_read, rows_loaded, rows_quarantined, amount_read, "
                    "amount_loaded, amount_quarantined FROM uploads"
                )
            )
        )
    engine.dispose()
    return {**wh, "records": rec}


class KindBench(Bench):
    """A template workspace holding version 1 of one kind's file; the twin loaded version 2 cleanly."""

    def __init__(self, root: Path, backend: str, pg_url: str | None, kind: str) -> None:
        self.root, self.backend, self.pg_url, self.dbs = root, backend, pg_url, []
        write, self.load = CASES[kind]
        self.v1, self.v2 = write(root / "in" / "v1", 1), write(root / "in" / "v2", 2)
        url = self._url("template")
        if url:
            os.environ["ANCHORAGE_RECORDS_URL"] = url
        self.template = make_workspace(
            root / "template", [("Council", "council"), ("Acute Trust", "nhs-trust")]
        )
        self.load(self.template, self.v1)
        self.before = snapshot(self.template)
        self.template.session().get_bind().dispose()
        twin = self.copy("twin")
        self.load(twin, self.v2)
        self.after = snapshot(twin)
        assert self.after != self.before


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="module"
)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.getfixturevalue("pg_url")
    return str(request.param)


@pytest.fixture(params=list(CASES), scope="module")
def bench(
    request: pytest.FixtureRequest, backend: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KindBench]:
    saved = os.environ.get("ANCHORAGE_RECORDS_URL")
    pg = os.environ.get("ANCHORAGE_TEST_PG_URL") if backend == "postgres" else None
    b = KindBench(
        tmp_path_factory.mktemp(f"faults-{request.param}-{backend}"), backend, pg, request.param
    )
    try:
        yield b
    finally:
        b.drop()
        shutil.rmtree(b.root, ignore_errors=True)
        if saved is None:
            os.environ.pop("ANCHORAGE_RECORDS_URL", None)
        else:
            os.environ["ANCHORAGE_RECORDS_URL"] = saved


@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_an_exception_at_any_step_leaves_before_or_after_and_a_retry_equals_a_clean_load(
    bench: KindBench, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = bench.copy(f"exc-{step}")

    def fail(at: str) -> None:
        if at == step:
            raise Injected(at)

    monkeypatch.setattr(unit_of_work, "checkpoint", fail)
    with pytest.raises(Injected):
        bench.load(ws, bench.v2)
    monkeypatch.setattr(unit_of_work, "checkpoint", lambda at: None)
    got = snapshot(ws)  # opening the warehouse again sweeps what the failed load left
    committed = unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
    assert got == (bench.after if committed else bench.before)
    again = bench.load(ws, bench.v2)
    assert again.duplicate == committed
    assert snapshot(ws) == bench.after


CHILD = """
import os, sys
from pathlib import Path
from anchorage.contracts.ocds_load import import_ocds
from anchorage.ingest import unit_of_work
from anchorage.workspace import Workspace
ws = Workspace.open(Path(sys.argv[1]))
step = sys.argv[3]
unit_of_work.checkpoint = lambda at: os.kill(os.getpid(), 9) if at == step else None
print("ready", flush=True)
import_ocds(ws, Path(sys.argv[2]), None, buyers=sys.argv[4:])
print("done", flush=True)
"""


@pytest.mark.parametrize(
    "bench", ["ocds"], indirect=True
)  # the other kinds share its pipeline steps
@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_an_area_file_killed_at_each_step_is_before_or_after_and_a_retry_equals_a_clean_load(
    bench: KindBench, step: str
) -> None:
    ws = bench.copy(f"kill-{step}")
    env = {
        **os.environ,
        "ANCHORAGE_RECORDS_URL": ws.records_url,
        "PYTHONPATH": os.pathsep.join(
            [str(Path(__file__).resolve().parents[1] / "src"), os.environ.get("PYTHONPATH", "")]
        ),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.root), str(bench.v2), step, *CONFIRM],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    assert proc.wait(timeout=300) == -signal.SIGKILL
    got = snapshot(ws)
    committed = unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
    assert got == (bench.after if committed else bench.before)
    bench.load(ws, bench.v2)
    assert snapshot(ws) == bench.after
