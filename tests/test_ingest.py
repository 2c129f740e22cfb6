"""Spend ingest on real published files and on the messy shapes anchors really send."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import xlsxwriter
from tests.cli_support import cli

from anchorage.core.errors import MappingError, UnknownAnchorError
from anchorage.ingest.quarantine import quarantine_frame
from anchorage.ingest.spend import ingest_spend
from anchorage.store import records


def count(ws, sql="SELECT count(*), coalesce(sum(amount), 0) FROM spend"):
    with ws.warehouse(read_only=True) as con:
        return con.execute(sql).fetchone()


@pytest.mark.slow
def test_every_shared_spend_file_reconciles(workspace, shared_data):
    files = sorted((shared_data / "spend").rglob("*.csv"))
    assert len(files) >= 20
    for f in files:
        s = ingest_spend(workspace, f, "Council", accept_warnings=True)
        assert s.rows_read == s.rows_loaded + s.rows_quarantined, f
        assert s.amount_read == s.amount_loaded + s.amount_quarantined, f
        assert s.rows_loaded > 0 or s.rows_quarantined == s.rows_read, f
    # Every loaded or quarantined row is in the warehouse: nothing lost.
    with workspace.session() as session:
        ups = session.query(records.Upload).filter_by(status="loaded").all()
    rows, _ = count(workspace)
    q = len(quarantine_frame(workspace))
    assert rows == sum(u.rows_loaded for u in ups)
    assert q == sum(u.rows_quarantined for u in ups)


def test_leeds_raw_file_counts_and_blank_lines(workspace, shared_data):
    s = ingest_spend(
        workspace,
        shared_data / "spend/messy/leeds_raw_2010-12.csv",
        "Council",
        accept_warnings=True,
    )
    # 10,306 csv records, of which the last three are blank lines (not data).
    assert (s.rows_read, s.rows_quarantined) == (10303, 0)
    cp = ingest_spend(
        workspace,
        shared_data / "spend/messy/leeds_raw_2011-01.csv",
        "Council",
        accept_warnings=True,
    )
    assert cp.rows_loaded == 8837  # the cp1252 byte deep in the file is read, not fatal


def test_oxford_file_without_dates_is_quarantined_with_reasons(workspace, shared_data):
    s = ingest_spend(
        workspace,
        shared_data / "spend/oxford/expenditure-over-500-apr-jun-2014.csv",
        "Council",
        accept_warnings=True,
    )
    assert s.rows_loaded == 0 and s.rows_quarantined == 3836
    q = quarantine_frame(workspace)
    assert set(q["column"]) == {"Paid Date"}
    assert q["reason"].str.contains('payment date "00:00:00" is not a date').all()
    assert q["row"].min() == 1 and q["row"].max() == 3836
    assert json.loads(q.iloc[0]["raw"])["Supplier Name"] == "OXFORD ROUND TABLE CHARITABLE TRUST"


def test_duplicate_and_replacement(workspace, tmp_path):
    f = tmp_path / "spend.csv"
    f.write_text("Supplier,Amount,Date\nA Ltd,100,01/05/2023\nB Ltd,200,02/05/2023\n")
    first = ingest_spend(workspace, f, "Council", date_order="dmy")
    again = ingest_spend(workspace, f, "Council")
    assert again.duplicate and again.rows_loaded == 0
    assert count(workspace) == (2, Decimal("300.00"))
    f.write_text("Supplier,Amount,Date\nA Ltd,150,01/05/2023\n")
    newer = ingest_spend(workspace, f, "Council")
    assert newer.replaced_upload == first.upload_id
    assert count(workspace) == (1, Decimal("150.00"))
    # The same content for another anchor is that anchor's own load, not a duplicate.
    other = ingest_spend(workspace, f, "Acute Trust", date_order="dmy")
    assert not other.duplicate and other.rows_loaded == 1
    raw = list((workspace.root / "raw").iterdir())
    assert len(raw) == 2 and all(not (p.stat().st_mode & 0o222) for p in raw)


def test_failed_load_leaves_nothing(workspace, tmp_path):
    f = tmp_path / "spend.csv"
    f.write_text("Supplier,Amount,Date\nA Ltd,100,01/05/2023\n")
    bad_map = tmp_path / "map.toml"
    bad_map.write_text('amount = "Value"\n')
    with pytest.raises(MappingError, match='amount = "Value" but the file has no such column'):
        ingest_spend(workspace, f, "Council", mapping_file=bad_map)
    assert count(workspace) == (0, 0)
    with workspace.session() as session:
        assert session.query(records.Upload).count() == 0


def test_mapping_file_overrides_and_is_saved(workspace, tmp_path):
    f = tmp_path / "odd.csv"
    f.write_text("Who,How much,When,Gross\nA Ltd,100,01/05/2023,120\n")
    m = tmp_path / "map.csv"
    m.write_text("field,column\nsupplier_name,Who\namount,Gross\npayment_date,When\n")
    s = ingest_spend(workspace, f, "Council", mapping_file=m, date_order="dmy")
    assert s.mapping["amount"] == "Gross"
    assert count(workspace) == (1, Decimal("120.00"))
    with workspace.session() as session:
        up = session.get(records.Upload, s.upload_id)
        assert up.mapping["amount"] == "Gross" and up.mapping_source == str(m)


def test_xlsx_with_junk_title_rows_and_several_sheets(workspace, tmp_path):
    path = tmp_path / "trust.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    notes = wb.add_worksheet("Read me")
    notes.write(0, 0, "This workbook lists payments over £25,000.")
    data = wb.add_worksheet("Expenditure")
    data.write(0, 0, "Acute Trust")
    data.write(1, 0, "Expenditure over £25k")
    header = [
        "Department Family",
        "Entity",
        "Date",
        "Expense Type",
        "Expense Area",
        "Supplier",
        "Transaction Number",
        "Amount",
    ]
    data.write_row(4, 1, header)  # header at B5
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    import datetime as dt

    for i, (sup, amt) in enumerate([("Big Co Ltd", 30000.5), ("Small Co", 26000), ("", 27000)]):
        r = 5 + i
        data.write_row(r, 1, ["Health", "Trust"])
        data.write_datetime(r, 3, dt.datetime(2023, 5, 1 + i), date_fmt)
        data.write_row(r, 4, ["Drugs", "Pharmacy", sup, f"T{i}", amt])
    wb.close()
    s = ingest_spend(workspace, path, "Acute Trust", date_order="dmy")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (3, 2, 1)
    assert s.amount_loaded == Decimal("56000.50")
    assert any("Read me" in n for n in s.notes)
    q = quarantine_frame(workspace)
    assert (q.iloc[0]["sheet"], q.iloc[0]["line"], q.iloc[0]["column"]) == (
        "Expenditure",
        8,
        "Supplier",
    )


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16", "latin-1"])
def test_encodings(workspace, tmp_path, encoding):
    f = tmp_path / f"{encoding}.csv"
    text = 'Report of payments\n\nSupplier,Amount,Date\nCafé Nero Ltd,100,01/05/2023\nO’Brien – Builders,"£2,000.00",02/05/2023\n'
    if encoding == "latin-1":
        text = text.replace("’", "'").replace("–", "-")
    f.write_bytes(text.encode(encoding))
    s = ingest_spend(workspace, f, "Council", date_order="dmy")
    assert s.rows_loaded == 2
    with workspace.warehouse(read_only=True) as con:
        names = {r[0] for r in con.execute("SELECT supplier_name FROM spend").fetchall()}
    assert "Café Nero Ltd" in names


def test_unknown_anchor(workspace, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Supplier,Amount,Date\nA,1,01/01/2024\n")
    with pytest.raises(UnknownAnchorError, match="no anchor called"):
        ingest_spend(workspace, f, "Nobody")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\x00", "binary file"),
        ("Supplier,Amount,Date\nA,1,01/01/2024\n".encode("utf-16-le"), "UTF-16"),
        (b"Colour,Shape\nred,round\n", "cannot find a header row"),
        (b"Supplier,Amount,Colour\nA,1,red\n", "no column holds payment dates"),
    ],
    ids=["empty", "binary", "utf16-no-bom", "no-header", "missing-column"],
)
def test_cli_errors_are_sentences_not_tracebacks(workspace, tmp_path, content, expected):
    f = tmp_path / "bad.csv"
    f.write_bytes(content)
    r = cli("spend", "ingest", str(f), "--org", "Council", ws=workspace.root)
    assert r.returncode == 1
    assert expected in r.stderr and str(f.name) in r.stderr
    assert "Traceback" not in r.stderr + r.stdout


def test_cli_unknown_anchor_and_json(workspace, tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("Supplier,Amount,Date\nA Ltd,1.50,01/01/2024\nB Ltd,x,01/01/2024\n")
    r = cli("spend", "ingest", str(f), "--org", "Nobody", ws=workspace.root)
    assert r.returncode == 1 and 'no anchor called "Nobody"' in r.stderr and "org add" in r.stderr
    r = cli("spend", "ingest", str(f), "--org", "council", "--json", ws=workspace.root)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {
        k: out[k]
        for k in (
            "rows_read",
            "rows_loaded",
            "rows_quarantined",
            "amount_read",
            "amount_loaded",
            "amount_quarantined",
        )
    } == {
        "rows_read": 2,
        "rows_loaded": 1,
        "rows_quarantined": 1,
        "amount_read": 1.5,
        "amount_loaded": 1.5,
        "amount_quarantined": 0.0,
    }
    r = cli("spend", "ingest", str(f), "--org", "council", "--json", ws=workspace.root)
    assert json.loads(r.stdout)["duplicate"] is True


def test_ods_with_a_title_row(workspace, tmp_path):
    import pandas as pd

    path = tmp_path / "college.ods"
    rows = pd.DataFrame(
        {"Supplier": ["A Ltd", "B Ltd"], "Amount": [100.5, 200], "Date": ["01/05/2023", "x"]}
    )
    with pd.ExcelWriter(path, engine="odf") as w:
        pd.DataFrame([["Payments report"]]).to_excel(
            w, sheet_name="Spend", index=False, header=False
        )
        rows.to_excel(w, sheet_name="Spend", index=False, startrow=2)
    s = ingest_spend(workspace, path, "Council", date_order="dmy")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (2, 1, 1)
    assert s.amount_loaded == Decimal("100.50")
    q = quarantine_frame(workspace)
    # pandas leaves the header on row 4, so the bad row is spreadsheet row 6.
    assert (q.iloc[0]["sheet"], q.iloc[0]["line"], q.iloc[0]["column"]) == ("Spend", 6, "Date")


def test_a_total_line_is_quarantined_as_a_total(workspace, tmp_path):
    f = tmp_path / "spend.csv"
    f.write_text("Supplier,Amount,Date\nA Ltd,100,01/05/2023\nTotal,100,\nTotalcare Ltd,5,\n")
    s = ingest_spend(workspace, f, "Council", date_order="dmy")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (3, 1, 2)
    reasons = quarantine_frame(workspace)["reason"].tolist()
    assert (
        "this looks like a total line, not a payment" in reasons
    )  # "Total" alone, on a line without a date
    assert (
        sum("total line" in r for r in reasons) == 1
    )  # a supplier called Totalcare is not a total line
