"""Geography and registers on the one import contract (issue 14): the real reference files load with
read = loaded + quarantined, each as an upload of the collaborative with its journal; the same content again
adds nothing; an anchor's rows are never touched; and an exception at any step of a load leaves both stores
as before or as after, a retry equal to a clean load (records on SQLite and PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.conftest import SHARED
from tests.test_load_faults import Bench, Injected, backend  # noqa: F401 (backend is a fixture)

from anchorage.core.errors import InputFileError
from anchorage.ingest import kinds, unit_of_work
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.reference.kinds import import_geography
from anchorage.reference.load import import_reference
from anchorage.store import records
from anchorage.suppliers import generate
from anchorage.suppliers.registers import import_register
from anchorage.workspace import Workspace, file_sha256

GEO = SHARED / "geography"
# Every geography file of the shared data that is reference data (lsoa_latlong.csv is not: it is refused).
REAL = [
    GEO / "drkane" / "la_all_codes.csv",
    GEO / "drkane" / "ward_all_codes.csv",
    GEO / "nspl",
    GEO / "onspd_fixture.csv",
    GEO / "imd2019_england_lsoa11.csv",
    GEO / "lewisham" / "lbl_postcode_oa11_lsoa11_msoa11_wd22.csv",
    GEO / "lewisham" / "lbl_wd22_proposed.csv",
    GEO / "lewisham" / "lbl_imd_2019_lsoa11.csv",
    GEO / "lewisham" / "lbl_wd22_proposed.geojson",
    *sorted((GEO / "drkane" / "boundaries").rglob("*.geojson")),
]


def uploads(ws: Workspace) -> list[tuple[Any, ...]]:
    with ws.session() as s:
        return sorted(
            (u.org, u.kind, u.filename, u.status, u.rows_read, u.rows_loaded, u.rows_quarantined)
            for u in s.query(records.Upload)
        )


def test_the_real_geography_files_load_as_uploads_of_the_collaborative(
    workspace: Workspace, tmp_path: Path
):
    supplier_file = tmp_path / "suppliers.csv"
    supplier_file.write_text("Supplier Name,Postcode\nAcme Ltd,SE6 4RU\n")
    ingest_suppliers(workspace, supplier_file, "Council")
    with workspace.warehouse(read_only=True) as con:
        council = con.execute("SELECT * FROM supplier_master ORDER BY ALL").fetchall()
    summaries = import_reference(workspace, REAL)
    for path, s in zip(REAL, summaries, strict=True):
        assert s.rows_read == s.rows_loaded + s.rows_quarantined and s.rows_read > 0, path
        assert not s.duplicate and any("whole collaborative" in n for n in s.notes)
    nspl = summaries[REAL.index(GEO / "nspl")]
    with workspace.warehouse(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM postcodes").fetchone()[0] >= nspl.rows_loaded // 2
        assert con.execute(
            "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
        ).fetchone() == (0,)
        assert con.execute("SELECT * FROM supplier_master ORDER BY ALL").fetchall() == council
    geo = [u for u in uploads(workspace) if u[1] == "geography"]
    assert (
        len(geo) == len(REAL) and {u[0] for u in geo} == {""} and {u[3] for u in geo} == {"loaded"}
    )
    assert sorted(u[4:] for u in geo) == sorted(
        (s.rows_read, s.rows_loaded, s.rows_quarantined) for s in summaries
    )
    # The same content again adds nothing, under another name too.
    again = import_reference(workspace, [GEO / "onspd_fixture.csv"])[0]
    copy = tmp_path / "renamed.csv"
    copy.write_bytes((GEO / "imd2019_england_lsoa11.csv").read_bytes())
    assert again.duplicate and import_geography(workspace, copy).duplicate
    assert len([u for u in uploads(workspace) if u[1] == "geography"]) == len(REAL)
    # Not reference data, or loaded for one anchor: refused in words, nothing left behind.
    with pytest.raises(InputFileError, match="does not look like ONSPD"):
        import_geography(workspace, GEO / "drkane" / "lsoa_latlong.csv")
    with pytest.raises(InputFileError, match="whole collaborative shares"):
        import_geography(workspace, GEO / "onspd_fixture.csv", "council")
    assert len(uploads(workspace)) == len(REAL) + 1
    assert kinds.get("geography").scope == "collaborative"


def test_a_register_snapshot_replaces_the_last_and_keeps_its_raw_files(
    workspace: Workspace, tmp_path: Path
):
    one = generate.write_companies_house(tmp_path / "ch1", 200, parts=2)
    two = generate.write_companies_house(tmp_path / "ch2", 250, parts=1, seed=5)
    first = import_register(workspace, "companies_house", one)
    assert first.rows_read == first.rows_loaded + first.rows_quarantined == 200
    second = import_register(workspace, "companies_house", two)
    assert second.replaced_upload == first.upload_id
    with workspace.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT count(*), count(DISTINCT upload_id) FROM register_entities"
        ).fetchone() == (250, 1)
    assert [u[3] for u in sorted(uploads(workspace), key=lambda u: u[4])] == ["replaced", "loaded"]
    assert import_register(workspace, "companies_house", two).duplicate
    assert all((workspace.raw_dir / f"{file_sha256(p)}.zip").exists() for p in [*one, *two])
    assert "register:companies_house" in kinds.REGISTRY


# ------------------------------------------------------------------ faults


def state(ws: Workspace) -> dict[str, Any]:
    with ws.warehouse(read_only=True) as con:
        wh = {
            "postcodes": con.execute(
                "SELECT count(*), sum(hash(pcd_key, lad, lsoa11, lat)) FROM postcodes"
            ).fetchall(),
            "areas": con.execute(
                "SELECT count(*), sum(hash(code, name, kind)) FROM areas"
            ).fetchall(),
            "registers": con.execute(
                "SELECT source, count(*), sum(hash(register_id, name)) FROM register_entities "
                "GROUP BY 1 ORDER BY 1"
            ).fetchall(),
            "quarantine": con.execute(
                "SELECT kind, count(*) FROM quarantine GROUP BY 1 ORDER BY 1"
            ).fetchall(),
            "unfinished": con.execute(
                "SELECT count(*) FROM upload_journal WHERE state <> 'committed'"
            ).fetchall(),
        }
    engine = sa.create_engine(ws.records_url)
    with engine.connect() as c:
        rec = sorted(
            tuple(str(v) for v in r)
            for r in c.execute(
                sa.text(
                    "SELECT org, kind, filename, status, rows_read, rows_loaded, rows_quarantined FROM uploads"
                )
            )
        )
    engine.dispose()
    return {**wh, "records": rec}


class ReferenceBench(Bench):
    """A template with the area names and one Companies House snapshot; the faulted load is `load`."""

    def __init__(self, root: Path, engine: str, pg_url: str | None) -> None:
        self.root, self.backend, self.pg_url = root, engine, pg_url
        self.dbs: list[str] = []
        self.ch1 = generate.write_companies_house(root / "in" / "ch1", 150, parts=2)
        self.ch2 = generate.write_companies_house(root / "in" / "ch2", 220, parts=2, seed=9)
        self.template = self._workspace("template")
        import_geography(self.template, GEO / "drkane" / "la_all_codes.csv")
        import_register(self.template, "companies_house", self.ch1)
        self.before = state(self.template)
        self.template.session().get_bind().dispose()
        self.after: dict[str, dict[str, Any]] = {}
        for name, load in self.loads().items():
            twin = self.copy(f"twin-{name}")
            load(twin)
            self.after[name] = state(twin)
            assert self.after[name] != self.before

    def loads(self) -> dict[str, Callable[[Workspace], Any]]:
        return {
            "nspl": lambda ws: import_geography(ws, GEO / "onspd_fixture.csv"),
            "register": lambda ws: import_register(ws, "companies_house", self.ch2),
        }


@pytest.fixture(scope="module")
def bench(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReferenceBench]:  # noqa: F811
    saved = os.environ.get("ANCHORAGE_RECORDS_URL")
    pg = os.environ.get("ANCHORAGE_TEST_PG_URL") if backend == "postgres" else None
    b = ReferenceBench(tmp_path_factory.mktemp(f"reference-faults-{backend}"), backend, pg)
    try:
        yield b
    finally:
        b.drop()
        if saved is None:
            os.environ.pop("ANCHORAGE_RECORDS_URL", None)
        else:
            os.environ["ANCHORAGE_RECORDS_URL"] = saved


@pytest.mark.parametrize("what", ["nspl", "register"])
@pytest.mark.parametrize("step", unit_of_work.STEPS)
def test_an_exception_at_any_step_leaves_before_or_after(
    bench: ReferenceBench, what: str, step: str, monkeypatch
) -> None:
    ws = bench.copy(f"exc-{what}-{step}")
    load = bench.loads()[what]

    def fail(at: str) -> None:
        if at == step:
            raise Injected(at)

    monkeypatch.setattr(unit_of_work, "checkpoint", fail)
    with pytest.raises(Injected):
        load(ws)
    monkeypatch.setattr(unit_of_work, "checkpoint", lambda at: None)
    done = unit_of_work.STEPS.index(step) >= unit_of_work.STEPS.index("warehouse-committed")
    assert state(ws) == (bench.after[what] if done else bench.before)
    assert load(ws).duplicate == done
    assert state(ws) == bench.after[what]
