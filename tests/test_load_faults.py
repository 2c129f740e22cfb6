"""One unit of work per load (issue 14): a load that fails or is killed at any instant leaves both stores
exactly as before it or exactly as after it, and loading the file again never counts a payment twice.

The load under test replaces an anchor's earlier version of a file (the hardest case: the old version's rows
go in the same transaction). "Before" is read from the workspace before the faulted load, "after" from a
twin workspace where the same load ran cleanly. Records on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url
from tests.conftest import make_workspace

from anchorage.ingest import unit_of_work
from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace

ROWS = 20_000  # enough that a kill at a random instant lands in every step of the load


def _write_spend(path: Path, rows: int, bump: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["Supplier Name,Amount,Payment Date,Transaction Number"]
    for i in range(rows):
        amount = "n/a" if i % 97 == 0 else f"{(i * 37 + bump) % 5000 + 1}.{i % 100:02d}"
        lines.append(
            f"Supplier {i % 300} Ltd,{amount},{1 + i % 28:02d}/0{1 + i % 9}/2024,T{bump}-{i}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def snapshot(ws: Workspace) -> dict[str, Any]:
    """Everything a load changes, without ids or times: payments and quarantine (rows and £) per anchor,
    stored uploads, unfinished journal rows, and the uploads in records with their reconciliation."""
    with ws.warehouse(read_only=True) as con:
        wh = {
            "spend": con.execute(
                "SELECT org, count(*), sum(amount) FROM spend GROUP BY 1 ORDER BY 1"
            ).fetchall(),
            "quarantine": con.execute(
                "SELECT org, count(*), sum(amount) FROM quarantine GROUP BY 1 ORDER BY 1"
            ).fetchall(),
            "spend_uploads": con.execute("SELECT count(*) FROM spend_uploads").fetchone(),
            "unfinished": con.execute(
                "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
            ).fetchone(),
        }
    engine = sa.create_engine(ws.records_url)
    with engine.connect() as c:
        rec = sorted(
            tuple(str(v) for v in r)
            for r in c.execute(
                sa.text(
                    "SELECT org, filename, status, rows_read, rows_loaded, rows_quarantined, amount_read, amount_loaded, "
                    "amount_quarantined FROM uploads"
                )
            )
        )
    engine.dispose()
    return {**wh, "records": rec}


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], scope="module"
)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgres":
        request.getfixturevalue("pg_url")
    return str(request.param)


class Bench:
    """A template workspace holding version 1 of the file, copied for each faulted load."""

    def __init__(self, root: Path, backend: str, pg_url: str | None) -> None:
        self.root, self.backend, self.pg_url = root, backend, pg_url
        self.v1 = _write_spend(root / "in" / "v1" / "payments.csv", 300, 1)
        self.v2 = _write_spend(root / "in" / "v2" / "payments.csv", ROWS, 2)
        self.dbs: list[str] = []
        self.template = self._workspace("template")
        ingest_spend(self.template, self.v1, "Council")
        self.before = snapshot(self.template)
        self.template.session().get_bind().dispose()  # PostgreSQL copies a database nobody is connected to
        twin = self.copy("twin")
        ingest_spend(twin, self.v2, "Council")
        self.after = snapshot(twin)
        assert self.after != self.before

    def _url(self, name: str, template: str | None = None) -> str | None:
        if self.pg_url is None:
            return None
        db = f"anchorage_fault_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(
                sa.text(f'CREATE DATABASE "{db}"' + (f' TEMPLATE "{template}"' if template else ""))
            )
        admin.dispose()
        self.dbs.append(db)
        return make_url(self.pg_url).set(database=db).render_as_string(hide_password=False)

    def _workspace(self, name: str) -> Workspace:
        url = self._url(name)
        if url:
            os.environ["ANCHORAGE_RECORDS_URL"] = url
        return make_workspace(
            self.root / name, [("Council", "council"), ("Acute Trust", "nhs-trust")]
        )

    def copy(self, name: str) -> Workspace:
        """A copy of the template (files, and its PostgreSQL database), opened with its own records URL."""
        shutil.copytree(self.root / "template", self.root / name)
        if self.pg_url is not None:
            os.environ["ANCHORAGE_RECORDS_URL"] = str(self._url(name, template=self.dbs[0]))
        return Workspace.open(self.root / name)

    def drop(self) -> None:
        if self.pg_url is None:
            return
        admin = sa.create_engine(self.pg_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            for db in self.dbs:
                c.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def bench(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    saved = os.environ.get("ANCHORAGE_RECORDS_URL")
    pg = os.environ.get("ANCHORAGE_TEST_PG_URL") if backend == "postgres" else None
    b = Bench(tmp_path_factory.mktemp(f"faults-{backend}"), backend, pg)
    try:
        yield b
    finally:
        b.drop()
        if saved is None:
            os.environ.pop("ANCHORAGE_RECORDS_URL", None)
        else:
            os.environ["ANCHORAGE_RECORDS_URL"] = saved


class Injected(Exception):
    pass


@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_an_exception_at_any_step_leaves_before_or_after_and_a_retry_counts_once(
    bench: Bench, step: str, monkeypatch
) -> None:
    ws = bench.copy(f"exc-{step}")

    def fail(at: str) -> None:
        if at == step:
            raise Injected(at)

    monkeypatch.setattr(unit_of_work, "checkpoint", fail)
    with pytest.raises(Injected):
        ingest_spend(ws, bench.v2, "Council")
    monkeypatch.setattr(unit_of_work, "checkpoint", lambda at: None)
    got = snapshot(ws)  # opening the warehouse again sweeps what the failed load left
    # Before the warehouse commit the load never happened; from it on, it has (and is completed).
    expected = (
        bench.after
        if unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
        else bench.before
    )
    assert got == expected
    again = ingest_spend(ws, bench.v2, "Council")
    assert again.duplicate == (expected is bench.after)
    assert snapshot(ws) == bench.after


CHILD = """
import os, sys
from pathlib import Path
from anchorage.ingest import unit_of_work
from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace
ws = Workspace.open(Path(sys.argv[1]))
step = sys.argv[3]
if step != "-":
    unit_of_work.checkpoint = lambda at: os.kill(os.getpid(), 9) if at == step else None
print("ready", flush=True)
ingest_spend(ws, Path(sys.argv[2]), "Council")
print("done", flush=True)
"""


def _child(ws: Workspace, bench: Bench, step: str = "-") -> subprocess.Popen[str]:
    env = {**os.environ, "ANCHORAGE_RECORDS_URL": ws.records_url}
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ws.root), str(bench.v2), step],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _check_then_retry(ws: Workspace, bench: Bench) -> dict[str, Any]:
    got = snapshot(ws)
    assert got in (bench.before, bench.after), got
    ingest_spend(ws, bench.v2, "Council")
    assert snapshot(ws) == bench.after
    return got


@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_kill_9_at_each_step(bench: Bench, step: str) -> None:
    ws = bench.copy(f"kill-{step}")
    proc = _child(ws, bench, step)
    assert proc.wait(timeout=120) == -signal.SIGKILL
    got = _check_then_retry(ws, bench)
    assert (got == bench.after) == (
        unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
    )


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(delay=st.floats(min_value=0.0, max_value=6.0))
def test_kill_9_at_a_random_instant(bench: Bench, delay: float) -> None:
    ws = bench.copy(f"random-{uuid.uuid4().hex[:8]}")
    proc = _child(ws, bench)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=120)
    _check_then_retry(ws, bench)
