"""Asset register import: a generated Transparency Code register, coordinates, ERIC fields, duplicates."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from anchorage.assets.colocation import colocation_candidates
from anchorage.assets.dedupe import collaborative_register, uprn_duplicates
from anchorage.assets.geo import bng_to_latlon, latlon_to_bng
from anchorage.assets.register import import_assets
from anchorage.assets.synthetic import (
    TRANSPARENCY_COLUMNS,
    Location,
    write_eric_sites,
    write_transparency_register,
)
from anchorage.core.errors import InputFileError
from anchorage.workspace import Workspace


def nspl_points(shared: Path, area: str = "SM", n: int = 50) -> list[dict[str, str]]:
    rows = []
    with (shared / "geography" / "nspl" / f"NSPL_NOV_2021_UK_{area}.csv").open() as fh:
        for r in csv.DictReader(fh):
            if not r["doterm"] and r["oseast1m"] and r["lat"]:
                rows.append(r)
            if len(rows) == n:
                break
    return rows


def places(shared: Path) -> list[Location]:
    return [
        Location(r["pcds"], float(r["oseast1m"]), float(r["osnrth1m"]), "Sutton")
        for r in nspl_points(shared)
    ]


def test_coordinates_match_real_nspl_points(shared_data: Path):
    pts = nspl_points(shared_data, "WC", 200) + nspl_points(shared_data, "HG", 200)
    e = np.array([float(r["oseast1m"]) for r in pts])
    n = np.array([float(r["osnrth1m"]) for r in pts])
    lat = np.array([float(r["lat"]) for r in pts])
    lon = np.array([float(r["long"]) for r in pts])
    got_lat, got_lon = bng_to_latlon(e, n)
    metres_lat = np.abs(got_lat - lat) * 111_320
    metres_lon = np.abs(got_lon - lon) * 111_320 * np.cos(np.radians(lat))
    # NSPL rounds to 6 decimal places; the published points agree with pyproj to within 2 m, mostly far less.
    assert max(metres_lat.max(), metres_lon.max()) < 2.0
    assert np.median(np.hypot(metres_lat, metres_lon)) < 0.3
    back_e, back_n = latlon_to_bng(lat, lon)
    assert np.hypot(back_e - e, back_n - n).max() < 2.0


def test_transparency_register_every_row_accounted_for(
    workspace: Workspace, shared_data: Path, tmp_path: Path
):
    reg = write_transparency_register(
        tmp_path / "council-assets.csv", 1500, places(shared_data), org_name="Council", seed=7
    )
    header = next(csv.reader((tmp_path / "council-assets.csv").open()))
    assert header == TRANSPARENCY_COLUMNS and len(header) == 21
    assert sum(reg.bad.values()) > 10  # the generator broke some rows on purpose
    s = import_assets(workspace, reg.path, "council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (
        1500,
        reg.good,
        sum(reg.bad.values()),
    )
    assert s.balanced
    with workspace.warehouse(read_only=True) as con:
        loaded = {r[0] for r in con.execute("SELECT uprn FROM assets").fetchall()}
        q = con.execute(
            "SELECT reason, column_name, raw FROM quarantine WHERE kind = 'assets'"
        ).fetchall()
        land = con.execute(
            "SELECT count(*) FILTER (land_ha IS NOT NULL AND building_m2 IS NULL), "
            "count(*) FILTER (lat IS NULL) FROM assets"
        ).fetchone()
    assert loaded == set(reg.uprns)
    assert len(q) == sum(reg.bad.values())
    by_reason = {}
    for reason, column, raw in q:
        by_reason.setdefault(reason.split('"')[0].strip(), set()).add(column)
        assert json.loads(raw)["Organisation Name"] == "Council"  # the whole row is kept
    assert by_reason == {
        "the asset has no UPRN, asset id or name": {"Name"},
        "UPRN": {"Unique Property Reference Number (UPRN)"},
        "easting/northing": {"X Co-ordinate"},
        "building size": {"Size of Asset"},
    }
    assert land[0] > 0 and land[1] == 0  # "2.50 ha" sizes become land areas; every asset is mapped
    again = import_assets(workspace, reg.path, "council")
    assert again.duplicate and again.rows_loaded == 0


def test_xlsx_register_and_hand_computed_values(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "list.csv"
    path.write_text(
        "Asset ID,Site Name,Post Code,Latitude,Longitude,Tenure,Size of Asset,Land Area,Energy Rating,"
        "Running Costs,UPRN\n"
        'A1,Town Hall,SE6 4RU,51.445,-0.0207,Freehold,"1,200 sq ft",N/A,DEC D (98),"£12,500",000123\n'
        "A2,Allotments,,51.43,-0.02,Leasehold,2.5 acres,,n/a,,\n"
        "A3,Bad place,,15.0,51.4,Freehold,,,,,\n",
        encoding="utf-8",
    )
    s = import_assets(workspace, path, "acute-trust")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (3, 2, 1)
    with workspace.warehouse(read_only=True) as con:
        rows = con.execute(
            "SELECT asset_ref, uprn, building_m2, land_ha, energy_rating, running_cost, easting, "
            "northing FROM assets ORDER BY asset_ref"
        ).fetchall()
        reason = con.execute("SELECT reason FROM quarantine").fetchone()[0]
    a1, a2 = rows
    assert a1[1] == "123" and a1[2] == pytest.approx(1200 * 0.09290304) and a1[3] is None
    assert a1[4] == "D" and float(a1[5]) == 12500.0
    e, n = latlon_to_bng(np.array([51.445]), np.array([-0.0207]))
    assert a1[6] == pytest.approx(e[0]) and a1[7] == pytest.approx(n[0])
    assert a2[2] is None and a2[3] == pytest.approx(2.5 * 0.40468564224)
    assert reason == 'latitude/longitude "15.0, 51.4" is outside the UK'


def test_eric_sites_sum_costs_and_backlog(workspace: Workspace, shared_data: Path, tmp_path: Path):
    reg = write_eric_sites(
        tmp_path / "eric.csv", 20, places(shared_data), trust_code="RJ2", trust_name="Acute"
    )
    s = import_assets(workspace, reg.path, "acute-trust")
    assert s.rows_loaded == 20
    with (tmp_path / "eric.csv").open(encoding="utf-8") as fh:
        first = next(csv.DictReader(fh))
    want_cost = sum(
        float(first[k])
        for k in (
            "Hard FM (Estates) costs (£)",
            "Soft FM (Facilities) costs (£)",
            "Energy costs (All energy supplies) (£)",
        )
    )
    want_backlog = sum(float(v) for k, v in first.items() if k.startswith("Cost to eradicate"))
    with workspace.warehouse(read_only=True) as con:
        got = con.execute(
            "SELECT gross_floor_m2, occupied_floor_m2, running_cost, backlog_maintenance, lat "
            "FROM assets WHERE asset_ref = ?",
            [first["Site Code"]],
        ).fetchone()
    assert got[0] == float(first["Gross internal floor area (m²)"])
    assert got[1] == float(first["Occupied floor area (m²)"])
    assert float(got[2]) == want_cost and float(got[3]) == want_backlog
    assert got[4] is None  # no coordinates and no postcodes table loaded: reported, not invented
    assert any("not mapped" in n for n in s.notes)


def test_uprn_duplicates_reported_not_dropped(
    workspace: Workspace, shared_data: Path, tmp_path: Path
):
    p = places(shared_data)
    a = write_transparency_register(
        tmp_path / "a.csv", 30, p, org_name="Council", seed=1, broken=False
    )
    b = write_transparency_register(
        tmp_path / "b.csv", 10, p, org_name="Trust", seed=2, broken=False, uprn_base=100_025
    )  # UPRNs 100025-100029 overlap the council's
    import_assets(workspace, a.path, "council")
    s = import_assets(workspace, b.path, "acute-trust")
    assert any("5 UPRNs" in n for n in s.notes)
    with workspace.warehouse(read_only=True) as con:
        dups = uprn_duplicates(con)
        reg = collaborative_register(con)
        total = con.execute("SELECT count(*) FROM assets").fetchone()[0]
        pairs = colocation_candidates(con, 400)
    assert sorted(dups["uprn"]) == [str(u) for u in range(100_025, 100_030)]
    assert set(dups["held_by"]) == {"acute-trust, council"}
    assert total == 40 and len(reg) == 35  # every record kept; the register merges the shared ones
    assert set(reg[reg["records"] == 2]["uprn"]) == set(dups["uprn"])
    assert (pairs["org_a"] != pairs["org_b"]).all() and (pairs["distance_m"] <= 400).all()


def test_file_without_identity_columns_is_a_plain_error(workspace: Workspace, tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("Tenure,Post Code\nFreehold,SE6 4RU\n", encoding="utf-8")
    with pytest.raises(InputFileError, match="UPRN, asset id or name"):
        import_assets(workspace, path, "council")
    with workspace.session() as s:
        from anchorage.store.records import Upload

        assert s.query(Upload).count() == 0  # all-or-nothing: no half-made upload left behind
