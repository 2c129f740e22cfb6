"""Snapshots replace, additions add (issue 16): a newer asset register, supplier master or staff extract for
an anchor supersedes its last one (kept in history, restorable); another anchor's rows never move."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from tests.test_assets_cli import cli
from tests.test_assets_register import places
from tests.web_support import build_web, csrf_of, job_outcome, signed_in

from anchorage.assets.register import import_assets
from anchorage.assets.synthetic import write_transparency_register
from anchorage.core.errors import AnchorageError
from anchorage.ingest.effect import describe
from anchorage.ingest.restore import restore, revert
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.staff import ingest_staff
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.store import records
from anchorage.workspace import Workspace


def dump(ws: Workspace, table: str, org: str) -> list[tuple[Any, ...]]:
    """Every column of an anchor's rows, in a fixed order (row_no is unique within an upload)."""
    with ws.warehouse(read_only=True) as con:
        return con.execute(f"SELECT * FROM {table} WHERE org = ? ORDER BY ALL", [org]).fetchall()


def statuses(ws: Workspace, org: str) -> dict[str, str]:
    with ws.session() as s:
        return {u.filename: u.status for u in s.query(records.Upload).filter_by(org=org)}


def registers(tmp: Path, shared: Path) -> dict[str, Path]:
    pl = places(shared)
    return {
        # The 2023 register lists many of the same assets (same UPRNs) as the 2021 one, and more.
        "2021": write_transparency_register(
            tmp / "council-assets-2021.csv", 120, pl, org_name="Council", seed=1, broken=False
        ).path,
        "2023": write_transparency_register(
            tmp / "council-land-buildings-2023.csv",
            150,
            pl,
            org_name="Council",
            seed=2,
            broken=False,
        ).path,
        "trust": write_transparency_register(
            tmp / "trust-estate.csv", 300, pl, org_name="Acute Trust", seed=3, uprn_base=900_000
        ).path,
    }


def test_a_newer_register_supersedes_the_last_and_restore_brings_it_back(
    workspace: Workspace, tmp_path: Path, shared_data: Path
):
    files = registers(tmp_path, shared_data)
    trust = import_assets(workspace, files["trust"], "Acute Trust")
    trust_rows = dump(workspace, "assets", "acute-trust")
    trust_quarantine = dump(workspace, "quarantine", "acute-trust")
    assert len(trust_rows) == trust.rows_loaded and len(trust_quarantine) == trust.rows_quarantined

    assert describe(workspace, "council", "assets", files["2021"].name).startswith(
        "This is the first asset register"
    )
    old = import_assets(workspace, files["2021"], "Council")
    after_2021 = dump(workspace, "assets", "council")
    assert "This file replaces the asset register loaded on" in describe(
        workspace, "council", "assets", files["2023"].name
    )
    new = import_assets(workspace, files["2023"], "Council")
    assert new.replaced_upload == old.upload_id
    assert any("replaces the asset register" in n and files["2021"].name in n for n in new.notes)
    rows = dump(workspace, "assets", "council")
    # Each asset counted once: only the 2023 register's rows count, every UPRN once.
    assert len(rows) == new.rows_loaded == 150
    with workspace.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT count(*), count(DISTINCT uprn), count(DISTINCT upload_id) FROM assets "
            "WHERE org = 'council'"
        ).fetchone() == (150, 150, 1)
        assert con.execute(
            "SELECT count(*) FROM assets_history WHERE upload_id = ?", [old.upload_id]
        ).fetchone() == (old.rows_loaded,)
    assert statuses(workspace, "council") == {
        files["2021"].name: "replaced",
        files["2023"].name: "loaded",
    }
    assert dump(workspace, "assets", "acute-trust") == trust_rows

    done = restore(workspace, old.upload_id)
    assert done.superseded == [new.upload_id] and done.rows == old.rows_read
    assert dump(workspace, "assets", "council") == after_2021
    assert statuses(workspace, "council") == {
        files["2021"].name: "loaded",
        files["2023"].name: "replaced",
    }
    assert dump(workspace, "assets", "acute-trust") == trust_rows
    assert dump(workspace, "quarantine", "acute-trust") == trust_quarantine

    with pytest.raises(AnchorageError, match="already the asset register counted"):
        restore(workspace, old.upload_id)
    back = restore(workspace, new.upload_id)
    assert back.superseded == [old.upload_id]
    assert dump(workspace, "assets", "council") == rows
    # Loading the current register again adds nothing; the anchor B rows never moved.
    assert import_assets(workspace, files["2023"], "Council").duplicate
    assert dump(workspace, "assets", "acute-trust") == trust_rows


def test_revert_and_what_cannot_be_restored(
    workspace: Workspace, tmp_path: Path, shared_data: Path
):
    files = registers(tmp_path, shared_data)
    old = import_assets(workspace, files["2021"], "Council")
    with pytest.raises(AnchorageError, match="replaced no earlier asset register"):
        revert(workspace, old.upload_id)
    new = import_assets(workspace, files["2023"], "Council")
    assert revert(workspace, new.upload_id).upload_id == old.upload_id
    assert statuses(workspace, "council")[files["2023"].name] == "replaced"
    spend = tmp_path / "spend.csv"
    spend.write_text("Supplier Name,Amount,Payment Date\nAcme Ltd,100,25/05/2024\n")
    s = ingest_spend(workspace, spend, "Council")
    with pytest.raises(AnchorageError, match="adds to the others"):
        restore(workspace, s.upload_id)
    with pytest.raises(AnchorageError, match='no upload "nope"'):
        restore(workspace, "nope")
    with pytest.raises(
        AnchorageError, match="no upload"
    ):  # another anchor's id is not found for this anchor
        restore(workspace, old.upload_id, org="acute-trust")
    spend2 = tmp_path / "spend-june.csv"
    spend2.write_text("Supplier Name,Amount,Payment Date\nAcme Ltd,200,25/06/2024\n")
    assert describe(workspace, "council", "spend", spend2.name).startswith(
        "This file adds to the 1 spend"
    )
    assert any("adds to the 1 file" in n for n in ingest_spend(workspace, spend2, "Council").notes)


def test_supplier_master_and_staff_extract_are_snapshots(workspace: Workspace, tmp_path: Path):
    a = tmp_path / "suppliers-2022.csv"
    a.write_text(
        "Supplier Name,Postcode,Company Number\nAcme Ltd,SE6 4RU,01234567\nOld Firm,SE13 6LH,\n"
    )
    b = tmp_path / "supplier-list-march.csv"
    b.write_text(
        "Supplier Name,Postcode,Company Number\nAcme Ltd,SE10 0AA,01234567\nNew Firm,SE6 4RU,07654321\n"
    )
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier Name,Amount,Payment Date\nAcme Ltd,100,25/05/2024\nOld Firm,5,26/05/2024\n"
    )
    ingest_spend(workspace, spend, "Council")
    first = ingest_suppliers(workspace, a, "Council")
    profile_a = dump(workspace, "supplier_profile", "council")
    ingest_suppliers(workspace, b, "Council")
    assert {r[4] for r in dump(workspace, "supplier_master", "council")} == {"Acme Ltd", "New Firm"}
    assert dump(workspace, "supplier_profile", "council") != profile_a
    restore(workspace, first.upload_id)
    assert (
        dump(workspace, "supplier_profile", "council") == profile_a
    )  # what is derived is rebuilt too

    s1 = tmp_path / "staff-march.csv"
    s1.write_text("Staff ID,Home Postcode,Hourly Pay\nA1,SE6 4RU,12.00\nA2,SE13 6LH,15.50\n")
    s2 = tmp_path / "hr-extract-april.csv"
    s2.write_text("Staff ID,Home Postcode,Hourly Pay\nA1,SE6 4RU,12.50\n")
    one = ingest_staff(workspace, s1, "Council")
    ingest_staff(workspace, s2, "Council")
    assert len(dump(workspace, "staff", "council")) == 1
    restore(workspace, one.upload_id)
    assert len(dump(workspace, "staff", "council")) == 2


def test_cli_list_restore_and_revert(workspace: Workspace, tmp_path: Path, shared_data: Path):
    files = registers(tmp_path, shared_data)
    old = import_assets(workspace, files["2021"], "Council")
    r = cli("assets", "import", str(files["2023"]), "--org", "Council", ws=workspace)
    assert r.returncode == 0, r.stderr
    assert "replaces the asset register" in r.stdout.replace("\n", " ")
    listed = json.loads(cli("uploads", "list", "--org", "council", "--json", ws=workspace).stdout)
    assert [(u["file"], u["status"], u["restorable"]) for u in listed] == [
        (files["2023"].name, "loaded", False),
        (files["2021"].name, "replaced", True),
    ]
    r = cli("uploads", "restore", old.upload_id, "--json", ws=workspace)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["rows_restored"] == old.rows_read
    r = cli("uploads", "revert", old.upload_id, ws=workspace)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "nothing to go back to" in r.stderr
    r = cli("uploads", "restore", "0000", ws=workspace)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert (
        "There is no upload here that you can open or change." in r.stderr
    )  # and never echoes the id


def test_web_preview_says_replaces_and_a_restore_button_for_those_allowed(
    tmp_path: Path, shared_data: Path
):
    web = build_web(tmp_path)
    (tmp_path / "in2").mkdir()
    files = registers(tmp_path / "in2", shared_data)
    old = import_assets(web.ws, files["2021"], "Council")
    c = signed_in(web, "analyst@council.org")
    token = csrf_of(c.get("/upload").text)
    r = c.post(
        "/upload",
        data={"csrf_token": token, "org": "council", "kind": "assets"},
        files={"file": (files["2023"].name, files["2023"].read_bytes(), "text/csv")},
        follow_redirects=False,
    )
    preview = c.get(r.headers["location"])
    assert (
        "This file replaces the asset register loaded on" in preview.text
        and files["2021"].name in preview.text
    )
    load_url = re.search(r'action="(/upload/[^"]+/load)"', preview.text).group(1)
    done = job_outcome(
        web, c, c.post(load_url, data={"csrf_token": csrf_of(preview.text)}, follow_redirects=False)
    )
    assert done.status_code == 200 and "Finished" in done.text
    page = c.get("/uploads?org=council").text
    assert f'action="/uploads/{old.upload_id}/restore"' in page
    # The trust's analyst cannot restore the council's register, nor see the button.
    t = signed_in(web, "analyst@trust.org")
    assert "/restore" not in t.get("/uploads?org=acute-trust").text
    refused = t.post(
        f"/uploads/{old.upload_id}/restore", data={"csrf_token": csrf_of(t.get("/upload").text)}
    )
    assert refused.status_code in (403, 404)
    assert statuses(web.ws, "council")[files["2021"].name] == "replaced"
    r = c.post(
        f"/uploads/{old.upload_id}/restore",
        data={"csrf_token": csrf_of(page)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert statuses(web.ws, "council")[files["2021"].name] == "loaded"
    assert "restore-upload" in signed_in(web, "admin@council.org").get("/admin/audit").text
