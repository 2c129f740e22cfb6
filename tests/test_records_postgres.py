"""The records store on a real PostgreSQL: migrations, uploads and idempotent reloads."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import make_workspace

from anchorage.ingest.spend import ingest_spend
from anchorage.store import records

pytestmark = pytest.mark.postgres


def test_workspace_records_on_postgresql(tmp_path, fresh_pg_database, monkeypatch):
    monkeypatch.setenv("ANCHORAGE_RECORDS_URL", fresh_pg_database)
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    assert ws.records_url.startswith("postgresql")
    f = tmp_path / "s.csv"
    f.write_text("Supplier,Amount,Date\nA Ltd,100,01/05/2023\nB Ltd,oops,01/05/2023\n")
    first = ingest_spend(ws, f, "Council", date_order="dmy")
    again = ingest_spend(ws, f, "Council", date_order="dmy")
    assert (first.rows_loaded, first.rows_quarantined, again.duplicate) == (1, 1, True)
    engine = sa.create_engine(fresh_pg_database)
    with engine.connect() as c:
        assert (
            c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )
        row = c.execute(sa.text("SELECT org, status, rows_read, amount_loaded FROM uploads")).one()
    engine.dispose()
    assert tuple(row) == ("council", "loaded", 2, 100)
    with ws.session() as s:
        assert records.loaded_upload(s, "council", "spend", first_sha(ws)) is not None


def head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(records.__file__).parent / "migrations"))
    return str(ScriptDirectory.from_config(cfg).get_current_head())


def first_sha(ws) -> str:
    with ws.session() as s:
        return s.scalars(sa.select(records.Upload.sha256)).one()
