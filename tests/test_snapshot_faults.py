"""Superseding and restoring a snapshot are units of work (issues 14 and 16): an exception at any step of a
newer register's load, or of a restore, leaves both stores exactly as before or exactly as after, and a retry
equals a clean run. Records on SQLite and on PostgreSQL (the approach of test_load_faults.py)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import SHARED
from tests.test_assets_register import places
from tests.test_load_faults import Bench, Injected, backend  # noqa: F401 (backend is a fixture)

from anchorage.assets.register import import_assets
from anchorage.assets.synthetic import write_transparency_register
from anchorage.core.errors import AnchorageError
from anchorage.ingest import restore as restoring
from anchorage.ingest import unit_of_work
from anchorage.workspace import Workspace


def state(ws: Workspace) -> dict[str, Any]:
    """What a supersede or restore changes: each anchor's counted and kept rows (every column but the upload
    id, which a fresh load draws anew), unfinished journal rows, and the uploads in records."""
    with ws.warehouse(read_only=True) as con:
        wh = {
            t: con.execute(f"SELECT * EXCLUDE (upload_id) FROM {t} ORDER BY ALL").fetchall()
            for t in ("assets", "assets_history", "quarantine", "quarantine_history")
        }
        wh["unfinished"] = con.execute(
            "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
        ).fetchall()
    engine = sa.create_engine(ws.records_url)
    with engine.connect() as c:
        rec = sorted(
            tuple(str(v) for v in r)
            for r in c.execute(
                sa.text(
                    "SELECT org, filename, status, rows_read, rows_loaded, rows_quarantined FROM uploads"
                )
            )
        )
    engine.dispose()
    return {**wh, "records": rec}


class AssetBench(Bench):
    """A template workspace with the trust's register and the council's 2021 one, copied for each fault."""

    def __init__(self, root: Path, engine: str, pg_url: str | None) -> None:
        self.root, self.backend, self.pg_url = root, engine, pg_url
        self.dbs: list[str] = []
        pl = places(SHARED)
        trust = write_transparency_register(
            root / "in" / "trust.csv", 200, pl, org_name="Acute Trust", seed=3, uprn_base=900_000
        ).path
        self.v1 = write_transparency_register(
            root / "in" / "council-2021.csv", 300, pl, org_name="Council", seed=1
        ).path
        self.v2 = write_transparency_register(
            root / "in" / "council-2023.csv", 400, pl, org_name="Council", seed=2
        ).path
        self.template = self._workspace("template")
        import_assets(self.template, trust, "Acute Trust")
        self.old_id = import_assets(self.template, self.v1, "Council").upload_id
        self.before = state(self.template)
        self.template.session().get_bind().dispose()
        twin = self.copy("twin")
        import_assets(twin, self.v2, "Council")
        self.after = state(twin)
        restoring.restore(twin, str(self.old_id))
        self.restored = state(twin)
        assert len({repr(self.before), repr(self.after), repr(self.restored)}) == 3


@pytest.fixture(scope="module")
def bench(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssetBench]:  # noqa: F811
    saved = os.environ.get("ANCHORAGE_RECORDS_URL")
    pg = os.environ.get("ANCHORAGE_TEST_PG_URL") if backend == "postgres" else None
    b = AssetBench(tmp_path_factory.mktemp(f"snapshot-faults-{backend}"), backend, pg)
    try:
        yield b
    finally:
        b.drop()
        if saved is None:
            os.environ.pop("ANCHORAGE_RECORDS_URL", None)
        else:
            os.environ["ANCHORAGE_RECORDS_URL"] = saved


def _fail_at(step: str) -> Callable[[str], None]:
    def fail(at: str) -> None:
        if at == step:
            raise Injected(at)

    return fail


@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_a_fault_while_a_newer_register_supersedes_leaves_before_or_after(
    bench: AssetBench, step: str, monkeypatch
) -> None:
    ws = bench.copy(f"load-{step}")
    monkeypatch.setattr(unit_of_work, "checkpoint", _fail_at(step))
    with pytest.raises(Injected):
        import_assets(ws, bench.v2, "Council")
    monkeypatch.setattr(unit_of_work, "checkpoint", lambda at: None)
    got = state(ws)  # opening the warehouse again sweeps what the failed load left
    done = unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
    assert got == (bench.after if done else bench.before)
    assert import_assets(ws, bench.v2, "Council").duplicate == done
    assert state(ws) == bench.after


@pytest.mark.parametrize("step", restoring.STEPS)
def test_a_fault_while_restoring_leaves_before_or_after(
    bench: AssetBench, step: str, monkeypatch
) -> None:
    ws = bench.copy(f"restore-{step}")
    import_assets(ws, bench.v2, "Council")
    assert state(ws) == bench.after
    monkeypatch.setattr(unit_of_work, "checkpoint", _fail_at(step))
    with pytest.raises(Injected):
        restoring.restore(ws, str(bench.old_id))
    monkeypatch.setattr(unit_of_work, "checkpoint", lambda at: None)
    got = state(ws)
    done = restoring.STEPS.index(step) >= restoring.STEPS.index("restore-warehouse-committed")
    assert got == (bench.restored if done else bench.after)
    if done:
        with pytest.raises(AnchorageError, match="already the asset register counted"):
            restoring.restore(ws, str(bench.old_id))
    else:
        restoring.restore(ws, str(bench.old_id))
    assert state(ws) == bench.restored
