"""Issue 16 item 5: a whole area's OCDS notices in one file. Each release goes to its buyer's anchor (by the
uploader's confirmation, the anchor's identifiers or its name), buyers that are not anchors become the area's
public notices, releases that name no buyer are quarantined; the summary reports the split. Issue 14 item 4:
OCDS is one import kind like every other (journaled, idempotent, scoped to the anchor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import make_workspace
from tests.ocds_support import BUYERS, area_workspace, write_area_file

import anchorage.contracts.kinds  # noqa: F401  (registers the procurement kinds)
from anchorage.contracts.ocds_load import import_ocds, preview_buyers
from anchorage.core.errors import AnchorageError
from anchorage.ingest import kinds
from anchorage.workspace import Workspace

GOLD = "Goldsmiths, University of London=goldsmiths"
LBL, LGT, GOLDS = "lewisham-council", "lewisham-and-greenwich-nhs-trust", "goldsmiths"


def _rows(ws: Workspace, table: str, org: str) -> list[tuple[Any, ...]]:
    with ws.warehouse(read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} WHERE org = ? ORDER BY ALL", [org]).fetchall()


def _orgs(ws: Workspace, table: str) -> dict[str, int]:
    with ws.warehouse(read_only=True) as con:
        return dict(con.execute(f"SELECT org, count(*) FROM {table} GROUP BY 1").fetchall())


@pytest.fixture
def area(tmp_path: Path) -> Workspace:
    return area_workspace(tmp_path / "ws")


def test_an_area_file_is_split_by_buyer_and_the_summary_reports_it(
    area: Workspace, shared_data: Path, tmp_path: Path
):
    path = write_area_file(shared_data, tmp_path / "area.json")
    s = import_ocds(area, path, None, buyers=[GOLD])
    # 6 real releases per buyer (Barnet, Lewisham, the trust, Goldsmiths) and one release with no buyer.
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (25, 24, 1) and s.balanced
    split = s.split
    assert {o: (p["releases"], p["contracts"]) for o, p in split["anchors"].items()} == {
        LBL: (6, 1),
        LGT: (6, 1),
        GOLDS: (6, 1),
    }
    assert (split["public_notices"]["releases"], split["public_notices"]["buyers"]) == (6, 1)
    assert split["unmapped"]["releases"] == 1
    # Each copy states the same values as the real process, so each anchor's £ equals the public notices'.
    per = {p["amount"] for p in split["anchors"].values()}
    assert per == {split["public_notices"]["amount"]}
    assert sum(p["amount"] for p in split["anchors"].values()) + split["public_notices"][
        "amount"
    ] == float(s.amount_loaded)
    how = {b["buyer"]: (b["anchor"], b["how"]) for b in split["buyers"]}
    assert how["Lewisham Council"] == (LBL, "name")
    assert how["LGT"] == (LGT, "identifier")
    assert how["Goldsmiths, University of London"] == (GOLDS, "confirmed")
    assert how["London Borough of Barnet"] == ("public notice", "not an anchor")
    # One contract per anchor (the real process compiled: £11m, at its implementation stage); none for Barnet.
    with area.warehouse(read_only=True) as con:
        contracts = con.execute(
            "SELECT org, ocid, value, stage FROM contracts ORDER BY org"
        ).fetchall()
        assert [(o, float(v), st) for o, _, v, st in contracts] == [
            (GOLDS, 11_000_000.0, "implementation"),
            (LGT, 11_000_000.0, "implementation"),
            (LBL, 11_000_000.0, "implementation"),
        ]
        assert {o: ocid.rsplit("-", 1)[1] for o, ocid, _, _ in contracts} == {
            GOLDS: "gold",
            LBL: "lbl",
            LGT: "lgt",
        }
        q = con.execute("SELECT org, reason FROM quarantine").fetchall()
    assert len(q) == 1 and q[0][0] == "" and q[0][1].startswith("the release names no buyer")
    assert _orgs(area, "ocds_releases") == {
        "": 6,
        LBL: 6,
        LGT: 6,
        GOLDS: 6,
    }  # "" is the area's public notices


def test_a_buyer_not_confirmed_is_a_public_notice_and_the_preview_says_so(
    area: Workspace, shared_data: Path, tmp_path: Path
):
    path = write_area_file(shared_data, tmp_path / "area.json")
    before = preview_buyers(area, path, None)
    goes = {r["buyer"]: r["goes_to"] for r in before}
    assert goes["Goldsmiths, University of London"] == "the area's public notices"
    assert goes["Lewisham Council"] == "Lewisham Council" and goes["(no buyer given)"].startswith(
        "cannot be placed"
    )
    assert _orgs(area, "ocds_releases") == {}  # the preview writes nothing
    confirmed = {r["buyer"]: r["goes_to"] for r in preview_buyers(area, path, None, [GOLD])}
    assert confirmed["Goldsmiths, University of London"] == "Goldsmiths"
    s = import_ocds(area, path, None)
    assert GOLDS not in s.split["anchors"] and s.split["public_notices"]["buyers"] == 2
    assert _orgs(area, "contracts") == {LBL: 1, LGT: 1}


def test_a_confirmation_naming_no_anchor_is_a_plain_error(
    area: Workspace, shared_data: Path, tmp_path: Path
):
    path = write_area_file(shared_data, tmp_path / "area.json")
    with pytest.raises(AnchorageError, match="no anchor called"):
        import_ocds(area, path, None, buyers=["Goldsmiths=Nowhere College"])
    with pytest.raises(AnchorageError, match="does not say which anchor"):
        import_ocds(area, path, None, buyers=["Goldsmiths"])
    assert _orgs(area, "ocds_releases") == {}


def test_loading_one_anchors_file_leaves_every_other_anchors_rows_byte_identical(
    area: Workspace, shared_data: Path, tmp_path: Path
):
    import_ocds(area, write_area_file(shared_data, tmp_path / "area.json"), None, buyers=[GOLD])
    others = {
        org: {t: _rows(area, t, org) for t in ("contracts", "ocds_releases", "quarantine")}
        for org in (LGT, GOLDS, "")
    }
    # Lewisham's own file, which also holds a trust release and a new Lewisham process.
    mine = write_area_file(
        shared_data,
        tmp_path / "lbl.json",
        barnet=False,
        no_buyer=True,
        buyers=[("lbl2", *BUYERS[0][1:]), BUYERS[1]],
    )
    s = import_ocds(area, mine, "Lewisham Council")
    assert (
        s.split["anchors"][LBL]["contracts"] == 2
    )  # the new process, and the no-buyer one (it is their file)
    assert s.split["other_anchors_quarantined"]["releases"] == 6
    assert any(r.startswith("another anchor's notice: the buyer") for r in s.quarantine_reasons)
    after = {
        org: {t: _rows(area, t, org) for t in ("contracts", "ocds_releases", "quarantine")}
        for org in (LGT, GOLDS, "")
    }
    assert after == others
    assert (
        _orgs(area, "contracts")[LBL] == 3
    )  # the area file's process, the new one and the no-buyer one


def test_the_same_file_twice_and_the_same_releases_again_add_nothing(
    area: Workspace, shared_data: Path, tmp_path: Path
):
    path = write_area_file(shared_data, tmp_path / "area.json")
    first = import_ocds(area, path, None, buyers=[GOLD])

    def state() -> dict[str, Any]:
        return {
            t: {o: _rows(area, t, o) for o in ("", LBL, LGT, GOLDS)}
            for t in ("contracts", "ocds_releases")
        }

    held = state()
    again = import_ocds(area, path, None, buyers=[GOLD])
    assert again.duplicate and again.upload_id == first.upload_id and state() == held
    # The same releases in another file (a later download of the same notices) are not added twice.
    copy = tmp_path / "later" / "area-2.json"
    copy.parent.mkdir()
    copy.write_text(json.dumps(json.loads(path.read_text())), encoding="utf-8")
    later = import_ocds(area, copy, None, buyers=[GOLD])
    assert not later.duplicate and later.rows_loaded == 24
    assert any("already held" in n for n in later.notes)
    assert {t: {o: len(r) for o, r in v.items()} for t, v in state().items()} == {
        t: {o: len(r) for o, r in v.items()} for t, v in held.items()
    }


@pytest.mark.parametrize(
    "name",
    [
        "ocds-213czf-000-00001.json",
        "record/ocds-213czf-000-00001.json",
        "ocds-213czf-000-00001-02-tender.json",
    ],
)
def test_the_real_samples_load_for_an_anchor_and_as_an_area_file(
    tmp_path: Path, shared_data: Path, name: str
):
    real = shared_data / "ocds" / "fictional" / name
    ws = make_workspace(tmp_path / "a", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    s = kinds.get("ocds").load(
        ws, real, "Council"
    )  # one buyer (Barnet), loaded for the Council: theirs
    assert (
        s.rows_loaded >= 1 and s.rows_quarantined == 0 and list(s.split["anchors"]) == ["council"]
    )
    area = make_workspace(tmp_path / "b", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    s = kinds.get("ocds").load(area, real, None)  # a file of the area: Barnet is no anchor of it
    assert s.split["anchors"] == {} and s.split["public_notices"]["releases"] == s.rows_loaded >= 1
    assert _orgs(area, "contracts") == {}
    # Loaded for the Council after all (its own file: a single buyer), Barnet's notices move to the Council.
    s = import_ocds(area, real, "Council")
    assert _orgs(area, "ocds_releases") == {"council": s.rows_loaded} and _orgs(
        area, "contracts"
    ) == {"council": 1}
    assert any("public notices are now filed under their anchor" in n for n in s.notes)
    confirmed = make_workspace(
        tmp_path / "c", [("Council", "council"), ("Acute Trust", "nhs-trust")]
    )
    s = import_ocds(
        confirmed, real, None, buyers=["GB-LAC-E09000003=Council"]
    )  # confirmed by its identifier
    assert list(s.split["anchors"]) == ["council"] and _orgs(confirmed, "contracts") == {
        "council": 1
    }


def test_every_procurement_file_is_a_registered_import_kind():
    assert {"contracts", "ocds", "sv_commitments", "sv_delivery", "lm3"} <= set(kinds.REGISTRY)
    assert kinds.get("ocds").scope == "anchor-or-collaborative" and kinds.get("lm3").money
