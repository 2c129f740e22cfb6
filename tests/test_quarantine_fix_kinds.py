"""Fix workbooks for every kind with a quarantine, not only spend: a staff extract (personal data, kept
minimised) and a workforce file (pay bills) round trip through Excel and the same load command, adding the
fixed rows once, superseding nothing, and leaving other anchors' rows alone."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from tests.conftest import make_workspace
from tests.test_quarantine_fix import _load
from tests.web_support import csrf_of, signed_in
from typer.testing import CliRunner

from anchorage.cli.main import app as cli
from anchorage.core.errors import AnchorageError
from anchorage.ingest import kinds
from anchorage.ingest.quarantine_fix import (
    FIX_SHEET,
    HELP_SHEET,
    ROW_COL,
    WHAT_COL,
    write_fix_workbook,
)
from anchorage.ingest.staff import ingest_staff
from anchorage.store.records import Upload
from anchorage.workforce import imports as _workforce_kinds  # noqa: F401 (registers the workforce kinds)
from anchorage.workforce.levy_io import pay_bills
from anchorage.workspace import Workspace

AS_AT = dt.date(2025, 3, 31)
STAFF = """Employee Number,Full Name,Home Postcode,Hourly Rate,Weekly Hours,Start Date
S1,Alice Example,SE6 4RU,15.00,37.5,01/04/2020
S2,Bob Example,SE6 4RU,fifteen,37.5,01/04/2021
S3,Carol Example,NOT A PC,16.00,37.5,01/04/2021
S4,Dan Example,SE6 4RU,17.00,200,01/04/2022
"""
PERSONAL = ["Alice", "Bob", "Carol", "Dan", "SE6 4RU", "NOT A PC", "Full Name"]


def _cli(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _rows(path: Path) -> list[tuple]:
    return list(openpyxl.load_workbook(path)[FIX_SHEET].iter_rows(values_only=True))


def _edit(src: Path, dst: Path, changes: dict[object, dict[str, object]]) -> None:
    """Change cells of the rows named by their source row, as a person would in Excel."""
    book = openpyxl.load_workbook(src)
    sheet = book[FIX_SHEET]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(head, row, strict=True))
        for column, value in changes.get(cells[ROW_COL].value, {}).items():
            cells[column].value = value
    book.save(dst)


def _status(ws: Workspace, upload_id: str) -> str:
    with ws.session() as s:
        up = s.get(Upload, upload_id)
        assert up is not None
        return up.status


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])


def _staff(ws: Workspace) -> list[tuple]:
    with ws.warehouse(read_only=True) as con:
        return con.execute(
            "SELECT staff_id, as_at, hourly_pay FROM staff WHERE org = 'council' ORDER BY staff_id"
        ).fetchall()


def test_a_staff_extract_fix_holds_only_what_is_kept_and_adds_the_fixed_staff_once(ws, tmp_path):
    src = tmp_path / "council-staff.csv"
    src.write_text(STAFF)
    first = ingest_staff(ws, src, "Council", as_at=AS_AT)
    assert (first.rows_loaded, first.rows_quarantined) == (1, 3)

    book = tmp_path / "fix.xlsx"
    out = _cli(
        "quarantine",
        "export",
        "--upload",
        first.upload_id,
        "--out",
        str(book),
        "--workspace",
        str(ws.root),
    )
    assert "3 rows to fix" in out
    rows = _rows(book)
    head = list(rows[0])
    assert (
        head[0] == ROW_COL
        and head[-1] == WHAT_COL
        and "Home Postcode" in head
        and "Full Name" not in head
    )
    assert [r[0] for r in rows[1:]] == [2, 3, 4]  # the data rows, as the quarantine numbers them
    assert all(
        r[head.index("Home Postcode")] is None for r in rows[1:]
    )  # there to type in, never copied
    text = " ".join(
        str(c)
        for r in openpyxl.load_workbook(book)[HELP_SHEET].iter_rows(values_only=True)
        for c in r
        if c
    ) + " ".join(str(c) for r in rows for c in r if c)
    assert not [p for p in PERSONAL if p in text]
    assert "personal data" in text

    # Fix S2's pay; S3 (its postcode was not kept) loads with no home area; S4 is given an id already loaded.
    fixed = tmp_path / "fix-edited.xlsx"
    _edit(
        book,
        fixed,
        {2: {"Hourly Rate": 15.5}, 4: {"Weekly Hours": "37.5", "Employee Number": "S1"}},
    )
    got = json.loads(
        _cli(
            "workforce",
            "import",
            str(fixed),
            "--org",
            "Council",
            "--workspace",
            str(ws.root),
            "--json",
        )
    )
    assert (got["rows_read"], got["rows_loaded"], got["rows_quarantined"]) == (3, 2, 1)
    with ws.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT reason FROM quarantine WHERE upload_id = ?", [got["upload_id"]]
        ).fetchall() == [('staff id "S1" is already loaded for this anchor',)]
    assert [(s[0], s[1]) for s in _staff(ws)] == [("S1", AS_AT), ("S2", AS_AT), ("S3", AS_AT)]
    assert Decimal(str(_staff(ws)[1][2])) == Decimal("15.50")
    assert (
        _status(ws, first.upload_id) == "loaded"
    )  # the fix adds to the extract, never supersedes it
    with ws.session() as s:
        assert s.get(Upload, got["upload_id"]).raw_path == ""  # no copy of personal data is kept

    again = json.loads(
        _cli(
            "workforce",
            "import",
            str(fixed),
            "--org",
            "Council",
            "--workspace",
            str(ws.root),
            "--json",
        )
    )
    assert again["duplicate"] and again["rows_loaded"] == 0
    assert len(_staff(ws)) == 3
    left = tmp_path / "left.xlsx"
    _cli(
        "quarantine",
        "export",
        "--upload",
        first.upload_id,
        "--out",
        str(left),
        "--workspace",
        str(ws.root),
    )
    assert [r[0] for r in _rows(left)[1:]] == [4]

    # A new extract supersedes the first one and its fix together.
    src.write_text(
        STAFF.replace("fifteen", "15.00") + "S5,Eve Example,SE6 4RU,18.00,37.5,01/04/2023\n"
    )
    ingest_staff(ws, src, "Council", as_at=AS_AT)
    assert (
        _status(ws, first.upload_id) == "replaced" and _status(ws, got["upload_id"]) == "replaced"
    )
    assert [s[0] for s in _staff(ws)] == ["S1", "S2", "S5"]  # its S3 and S4 are quarantined again


def test_a_pay_bill_fix_adds_the_fixed_months_to_that_anchor_only(ws, tmp_path):
    load = kinds.get("levy-paybill").load
    theirs = tmp_path / "trust.csv"
    theirs.write_text("month,pay_bill\n04/2024,50000.00\n")
    load(ws, theirs, "Acute Trust")
    src = tmp_path / "council-paybill.csv"
    src.write_text(
        "month,pay_bill\n04/2024,100000.00\n05/2024,lots\n06/2024,-5\n07/2024,120000.00\n"
    )
    first = load(ws, src, "Council")
    assert (first.rows_loaded, first.rows_quarantined) == (2, 2)

    def bills(org: str) -> list[tuple]:
        return sorted((b.month, Decimal(str(b.pay_bill))) for b in pay_bills(ws) if b.org == org)

    trust = bills("nhs-trust")
    book = tmp_path / "fix.xlsx"
    with ws.session() as s:
        assert write_fix_workbook(ws, s.get(Upload, first.upload_id), book, personal=False) == 2
    rows = _rows(book)
    assert rows[0] == (ROW_COL, "month", "pay_bill", WHAT_COL)
    assert [r[:3] for r in rows[1:]] == [
        (2, "05/2024", "lots"),
        (3, "06/2024", "-5"),
    ]  # as the file had them

    fixed = tmp_path / "fix-edited.xlsx"
    _edit(book, fixed, {2: {"pay_bill": 110000}})
    out = json.loads(
        _cli(
            "levy",
            "load-paybill",
            str(fixed),
            "--org",
            "Council",
            "--workspace",
            str(ws.root),
            "--json",
        )
    )
    assert (out["rows_read"], out["rows_loaded"], out["rows_quarantined"]) == (2, 1, 1)
    assert Decimal(out["amount_loaded"]) == Decimal("110000")
    assert [b[1] for b in bills("council")] == [
        Decimal("100000.00"),
        Decimal("110000.00"),
        Decimal("120000.00"),
    ]
    assert bills("nhs-trust") == trust
    assert _status(ws, first.upload_id) == "loaded"

    again = json.loads(
        _cli(
            "levy",
            "load-paybill",
            str(fixed),
            "--org",
            "Council",
            "--workspace",
            str(ws.root),
            "--json",
        )
    )
    assert again["duplicate"]
    assert len(bills("council")) == 3

    # A month typed in that the anchor already has would count twice: it goes back to quarantine.
    twice = tmp_path / "fix-twice.xlsx"
    _edit(book, twice, {2: {"pay_bill": 110000}, 3: {"month": "04/2024", "pay_bill": 90000}})
    out = json.loads(
        _cli(
            "levy",
            "load-paybill",
            str(twice),
            "--org",
            "Council",
            "--workspace",
            str(ws.root),
            "--json",
        )
    )
    assert (out["rows_loaded"], out["rows_quarantined"]) == (0, 1), out
    with ws.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT reason FROM quarantine WHERE upload_id = ?", [out["upload_id"]]
        ).fetchall() == [('month "2024-04-01" is already loaded for this anchor',)]
    assert [b[1] for b in bills("council")] == [
        Decimal("100000.00"),
        Decimal("110000.00"),
        Decimal("120000.00"),
    ]
    with pytest.raises(AnchorageError, match="another anchor"):
        load(ws, fixed, "Acute Trust")
    assert bills("nhs-trust") == trust


def test_web_staff_fix_round_trip_keeps_the_extract_date_and_nothing_personal(web):
    council = signed_in(web, "analyst@council.org")

    def send(name: str, body: bytes, as_at: str):
        form = council.get("/upload").text
        r = council.post(
            "/upload",
            data={
                "csrf_token": csrf_of(form),
                "org": "council",
                "kind": "workforce",
                "as_at": as_at,
            },
            files={"file": (name, body, "application/octet-stream")},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:500]
        done = _load(web, council, r.headers["location"])
        assert done.status_code == 200 and "Finished" in done.text, done.text.split("<main")[-1][
            :1500
        ]
        return re.search(r'href="(/uploads/[0-9a-f]+)"', done.text).group(1)

    detail = send("web-staff.csv", STAFF.encode(), AS_AT.isoformat())
    page = council.get(detail).text
    assert "Download a workbook to fix these rows" in page
    book = Path(web.root) / "web-staff-fix.xlsx"
    book.write_bytes(council.get(detail + "/fix.xlsx").content)
    assert not [p for p in PERSONAL if p in " ".join(str(c) for r in _rows(book) for c in r if c)]
    viewer = signed_in(web, "viewer@college.org")
    assert viewer.get(detail + "/fix.xlsx").status_code in (403, 404)
    fixed = Path(web.root) / "web-staff-fixed.xlsx"
    _edit(book, fixed, {2: {"Hourly Rate": "15.50"}})
    before = len(_staff(web.ws))
    fix_page = send(
        "web-staff-fixed.xlsx", fixed.read_bytes(), ""
    )  # the form's date defaults to today
    assert (
        len(_staff(web.ws)) == before + 2
    )  # S2 (pay fixed) and S3 (postcode left empty); S4 still wrong
    assert {s[1] for s in _staff(web.ws)} == {
        AS_AT
    }  # the fixed rows are as at the extract they came from
    fix_id = fix_page.rsplit("/", 1)[1]
    assert f"upload {fix_id}" in council.get(detail).text
    assert not any(
        (web.ws.tmp_dir / "web-uploads").iterdir()
    )  # nothing of the staff files stays on the server
