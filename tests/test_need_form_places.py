"""The need form finds any postcode or ward name of the area in the loaded geography (the demo's Lewisham
extract, whose postcodes carry no coordinates, so wards are placed by their boundaries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchorage.assets.spaces import locate_area
from anchorage.reference.load import import_reference
from anchorage.workspace import Workspace

REFERENCE = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "demo" / "reference"


@pytest.fixture(scope="module")
def lewisham(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    from tests.conftest import make_workspace

    ws = make_workspace(tmp_path_factory.mktemp("need") / "ws", [("Council", "council")])
    import_reference(
        ws,
        [
            REFERENCE / n
            for n in (
                "la_all_codes.csv",
                "lewisham_wards.csv",
                "lewisham_postcodes.csv",
                "lewisham_wards.geojson",
                "nspl_SM.csv",
            )
        ],
    )
    return ws


def place(ws: Workspace, text: str):
    with ws.warehouse(read_only=True) as con:
        return locate_area(con, text)


def test_wards_by_name_as_people_write_them(lewisham: Workspace):
    with lewisham.warehouse(read_only=True) as con:
        code, name = con.execute(
            "SELECT code, name FROM areas WHERE kind = 'ward' ORDER BY name LIMIT 1"
        ).fetchone()
    exact = place(lewisham, name)
    assert exact is not None
    for variant in (name.upper(), f"{name.lower()} ward", f"  {name}  ", code):
        assert place(lewisham, variant) == exact
    # a ward lies inside the borough: within 10 km of the borough's middle
    borough = place(lewisham, "Lewisham")
    assert borough is not None and abs(borough.easting - exact.easting) < 10_000
    assert place(lewisham, "Atlantis") is None


def test_any_postcode_of_the_area_is_placed(lewisham: Workspace):
    with lewisham.warehouse(read_only=True) as con:
        pcds = con.execute(
            "SELECT pcds FROM postcodes WHERE lad = 'E09000023' AND terminated IS NULL "
            "ORDER BY pcds LIMIT 1"
        ).fetchone()[0]
    outward, inward = pcds.split(" ")
    known = place(lewisham, pcds)
    assert known is not None
    unknown_in_sector = (
        f"{outward} {inward[0]}ZZ"  # a real-looking postcode missing from the extract
    )
    assert place(lewisham, unknown_in_sector) is not None
    assert place(lewisham, outward.lower()) is not None  # a district alone
    assert place(lewisham, "SM1 1AA") is not None  # a postcode with coordinates
    assert place(lewisham, "ZZ9 9ZZ") is None
