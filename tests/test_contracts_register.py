"""Contract register upload: every row loaded or quarantined with its reason; extension options; CPV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter

from anchorage.contracts.categories import cpv_code, cpv_label, cpv_prefix, load_category_map
from anchorage.contracts.pipeline import PipelineFilter, pipeline_rows
from anchorage.contracts.register import extension_months, import_register
from anchorage.core.errors import AnchorageError

REGISTER = """Contract Reference,Contract Title,Supplier Name,Contract Value (£),Start Date,End Date,Extension Options,CPV Code,Category,Anchor
C-001,Staff restaurant catering,Tasty Food Ltd,"£1,200,000.00",01/04/2024,31/03/2027,1+1,55520000-1,Catering,Council
C-002,Cleaning of civic offices,Shine Co,450000,01/07/2023,30/06/2026,none,90910000,Cleaning,Council
C-003,,No Title Ltd,100,01/01/2024,01/01/2025,,,,
C-004,Vending machines,Snack Ltd,abc,01/01/2024,01/01/2025,,,,
C-005,Car parks,Park Ltd,5000,01/01/2024,31/12/2023,,,,
C-006,Security,Guard Ltd,5000,01/01/2024,31/12/2025,maybe,,,
C-007,Grounds,Green Ltd,5000,01/01/2024,31/12/2025,,catering,,
C-008,Hospital food,Food Ltd,5000,01/01/2024,31/12/2025,,,,Acute Trust
C-009,Printing,Ink Ltd,2500,,,2 x 6 months,22000000,,council
"""


def test_register_rows_loaded_or_quarantined_with_reasons(workspace, tmp_path: Path):
    path = tmp_path / "council-contracts.csv"
    path.write_text(REGISTER, encoding="utf-8")
    s = import_register(workspace, path, "Council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (9, 3, 6)
    assert s.balanced and s.amount_loaded == Decimal("1652500.00")
    rows = {r["reference"]: r for r in pipeline_rows(workspace)}
    assert set(rows) == {"C-001", "C-002", "C-009"}
    c1 = rows["C-001"]
    assert (
        c1["value"] == Decimal("1200000.00")
        and c1["cpv"] == "55520000"
        and c1["supplier_name_norm"] == "TASTY FOOD"
    )
    assert c1["end_date"] == date(2027, 3, 31) and c1["end_date_max"] == date(2029, 3, 31)
    assert c1["is_public"] is False and c1["stage"] == "contract" and c1["quarter"] == "2029-Q1"
    assert rows["C-002"]["end_date_max"] == date(2026, 6, 30)
    assert rows["C-009"]["end_date"] is None and any("no end date" in n for n in s.notes)
    with workspace.warehouse(read_only=True) as con:
        reasons = dict(
            con.execute("SELECT row_no, reason FROM quarantine WHERE kind = 'contracts'").fetchall()
        )
        cols = dict(
            con.execute(
                "SELECT row_no, column_name FROM quarantine WHERE kind = 'contracts'"
            ).fetchall()
        )
    assert reasons[3] == "contract title is empty" and cols[3] == "Contract Title"
    assert reasons[4] == 'value "abc" is not a number'
    assert reasons[5] == "the end date is before the start date"
    assert 'extension options "maybe"' in reasons[6]
    assert reasons[7].startswith('CPV "catering" is not a CPV code')
    assert (
        reasons[8].startswith('this row is for "Acute Trust", not Council') and cols[8] == "Anchor"
    )
    again = import_register(workspace, path, "Council")
    assert again.duplicate and len(pipeline_rows(workspace)) == 3


def test_register_xlsx_and_filters(workspace, tmp_path: Path):
    path = tmp_path / "trust.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Register")
    ws.write_row(0, 0, ["Acute Trust contract register"])
    ws.write_row(
        2, 0, ["Title", "Provider", "Total Value", "Contract Start Date", "Expiry Date", "Main CPV"]
    )
    ws.write_row(
        3,
        0,
        ["Patient catering", "Hospital Meals Ltd", 900000, "2024-01-01", "2026-12-31", "55521000"],
    )
    ws.write_row(
        4, 0, ["Retail concession", "Shop plc", 50000, "2024-01-01", "2027-06-30", "55900000"]
    )
    wb.close()
    s = import_register(workspace, path, "acute-trust")
    assert (s.rows_read, s.rows_loaded) == (2, 2)
    assert [r["title"] for r in pipeline_rows(workspace, PipelineFilter(cpv_prefix="555"))] == [
        "Patient catering"
    ]
    assert [
        r["title"] for r in pipeline_rows(workspace, PipelineFilter(min_value=Decimal(100000)))
    ] == ["Patient catering"]
    late = pipeline_rows(workspace, PipelineFilter(ending_from=date(2027, 1, 1)))
    assert [r["title"] for r in late] == ["Retail concession"]


def test_register_without_title_column_is_a_plain_error(workspace, tmp_path: Path):
    path = tmp_path / "bad.csv"
    path.write_text("Supplier,Value\nA,1\n", encoding="utf-8")
    with pytest.raises(AnchorageError, match="no column holds the title"):
        import_register(workspace, path, "Council")


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("1+1", 24),
        ("2 x 12 months", 24),
        ("6m", 6),
        ("none", 0),
        (None, 0),
        ("12 + 12 months", 24),
        ("2 years", 24),
        ("1.5 years", 18),
        ("soon", None),
        ("3 weeks", None),
    ],
)
def test_extension_months(text, months):
    assert extension_months(text) == months


def test_cpv_codes_levels_and_map(tmp_path: Path):
    assert cpv_code("45233130.0") == "45233130" and cpv_code("55520000-1 Catering") == "55520000"
    assert (
        cpv_code("5552") == "55520000"
        and cpv_code("catering") is None
        and cpv_code("123456789") is None
    )
    assert [cpv_prefix("55524000", lv) for lv in ("division", "group", "class", "category")] == [
        "55",
        "555",
        "5552",
        "55524",
    ]
    assert (
        cpv_label("55524000") == "School catering services"
        and cpv_label("55999999") == "Retail trade services"
    )
    m = load_category_map()
    assert m.category_of("55524000") == "Catering" and m.category_of("55330000") == "Concessions"
    assert m.category_of(None, "Cleaning & Janitorial") == "Cleaning"
    assert (
        m.category_of(None, None, "school  meals") == "Catering"
        and m.for_sic("56210") == "Catering"
    )
    (tmp_path / "category_map.csv").write_text(
        "category,scheme,code\nHospitality,cpv,555\n", encoding="utf-8"
    )
    assert load_category_map(tmp_path).category_of("55524000") == "Hospitality"
    (tmp_path / "category_map.csv").write_text("category,scheme,code\nX,nace,1\n", encoding="utf-8")
    with pytest.raises(AnchorageError, match="scheme 'nace'"):
        load_category_map(tmp_path)
