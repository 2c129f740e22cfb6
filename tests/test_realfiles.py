"""Real spend files from councils and NHS trusts (../shared/data): each loads right the first time.

Expected figures are computed here independently (Python's csv/openpyxl and Decimal), with the rows that
must be quarantined named and explained, and compared with what the import reports and stores."""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path

import openpyxl
import pytest

from anchorage.ingest.spend import ingest_spend
from conftest import make_workspace

REAL = "realworld/spend"
FILES = [
    *sorted(
        f"{REAL}/{d}/{n}"
        for d in ("nhs", "councils")
        for n in (
            "EPSH_01_April.csv",
            "NCL_01_April.pdf.csv",
            "NCL_06_September.pdf.csv",
            "NENW_01_April.pdf.csv",
            "NEWF_02_May.pdf.csv",
            "SWL_01_April.pdf.csv",
            "SEL_10_January.pdf.csv",
            "SEL_03_June.pdf.csv",
            "SEL_03_June_earlier-version.pdf.csv",
            "KICO_03_June.csv",
            "IMPC_04_July.csv",
            "WHIT_03_June.csv",
            "CROY_01_April.csv",
            "LNWU_12_March.csv",
            "SGEO_01_April.csv",
            "LEGR_01_April.csv",
            "NMID_08_November.xlsx",
            "HILL_03-05_June-August.xlsx",
            "BHR_Merged.xlsx",
            "calderdale_clean_2022-08.csv",
            "harrogate_clean_2017-02.csv",
        )
        if (d == "councils") == n.startswith(("calderdale", "harrogate"))
    ),
    "spend/messy/darlington_clean_2010-12.csv",
    "spend/messy/darlington_clean_2011-01.csv",
    "spend/messy/leeds_raw_2011-02.csv",
    "spend/gla_2008_2013.csv",
]
AMOUNT_HEADERS = {"amount", "net amount", "invoice line value (net of vat)"}


def _money(text: str) -> Decimal | None:
    t = text.replace("\xa0", " ").strip().replace(",", "").replace("£", "").replace(" ", "")
    try:
        return Decimal(t) if t else None
    except InvalidOperation:
        return None


def _records(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and non-blank data rows, as text."""
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in wb.worksheets:
            rows = [
                ["" if c is None else str(c) for c in r] for r in ws.iter_rows(values_only=True)
            ]
            rows = [r for r in rows if any(c.strip() for c in r)]
            if rows:
                return rows[0], rows[1:]
        raise AssertionError("no data")
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if _utf8(raw) else raw.decode("latin-1")
    rows = list(csv.reader(text.splitlines(keepends=True)))
    rows = [r for r in rows if any(c.strip() for c in r)]
    return rows[0], rows[1:]


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def expected(path: Path) -> tuple[int, Decimal, int]:
    """(rows loaded, £ loaded, rows quarantined), worked out from the file by rules stated here."""
    header, rows = _records(path)
    keys = [h.replace("\xa0", " ").strip().lower() for h in header]
    amount_at = next(i for i, k in enumerate(keys) if k in AMOUNT_HEADERS)
    supplier_at = next(
        i
        for i, k in enumerate(keys)
        if (
            k.startswith(("supplier", "vendor"))
            and "id" not in k
            and "number" not in k
            and "postcode" not in k
        )
        or k == "supplier(beneficiary) name"
    )
    date_at = next(
        (i for i, k in enumerate(keys) if k in ("date", "date paid", "payment date", "paid date")),
        None,
    )
    loaded, total, bad = 0, Decimal(0), 0
    for r in rows:

        def cell(i: int, r: list[str] = r) -> str:
            return (r[i] if i < len(r) else "").replace("\xa0", " ").strip()

        amount = _money(cell(amount_at))
        quarantined = (
            amount is None  # blank, or Excel's '########'
            or not cell(supplier_at)  # no supplier (SEL_10's lost names; LNWU's footer)
            or "Sum:" in r  # LNWU's footer total: a total line, never a payment
            # SEL_10: 8-digit whole numbers in the amount column are its transaction numbers (35xxxxxx).
            or (
                path.name.startswith("SEL_10")
                and re.fullmatch(r"35\d{6}", cell(amount_at)) is not None
            )
            # SWL: every date is Excel's '######' overflow marker, so no row has a date.
            or (date_at is not None and cell(date_at).startswith("###"))
        )
        if quarantined:
            bad += 1
        else:
            loaded += 1
            total += amount  # type: ignore[operator]
    return loaded, total, bad


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from conftest import SHARED

    if not SHARED.exists():
        pytest.fail(f"the shared data folder {SHARED} is missing; tests read real files from it")
    ws = make_workspace(
        tmp_path_factory.mktemp("real") / "ws",
        [(f"Anchor {i}", "nhs-trust") for i in range(len(FILES))],
    )
    out = {}
    for i, rel in enumerate(FILES):
        # One anchor per file, so no file overlaps another; bodies differ from "Anchor i", hence accepted.
        out[rel] = ingest_spend(ws, SHARED / rel, f"anchor-{i}", accept_warnings=True)
    out["_ws"] = ws
    return out


@pytest.mark.parametrize("rel", FILES)
def test_real_file_loads_with_its_expected_totals(loaded: dict, rel: str) -> None:
    from conftest import SHARED

    s = loaded[rel]
    rows, total, bad = expected(SHARED / rel)
    assert s.balanced
    assert s.rows_read == s.rows_loaded + s.rows_quarantined
    assert s.amount_read == s.amount_loaded + s.amount_quarantined
    assert (s.rows_loaded, s.amount_loaded, s.rows_quarantined) == (rows, total, bad)


def _dates(ws, upload_id: str) -> tuple[dt.date, dt.date, int]:
    with ws.warehouse() as con:
        return con.execute(
            """SELECT min(payment_date), max(payment_date), count(*) FROM spend_rows
                              JOIN spend_uploads USING (upload_no) WHERE upload_id = ?""",
            [upload_id],
        ).fetchone()


def test_month_first_files_are_read_month_first(loaded: dict) -> None:
    for rel in (f"{REAL}/nhs/EPSH_01_April.csv", f"{REAL}/nhs/NCL_01_April.pdf.csv"):
        s = loaded[rel]
        assert s.date_order == "mdy"
        assert _dates(loaded["_ws"], s.upload_id)[:2] == (
            dt.date(2020, 4, 30),
            dt.date(2020, 4, 30),
        )
    s = loaded[f"{REAL}/nhs/NCL_06_September.pdf.csv"]  # the same publisher, later, day-first
    assert s.date_order == "dmy"
    assert _dates(loaded["_ws"], s.upload_id)[:2] == (dt.date(2020, 9, 30), dt.date(2020, 9, 30))


def test_text_and_real_date_cells_and_two_digit_years(loaded: dict) -> None:
    hill = loaded[f"{REAL}/nhs/HILL_03-05_June-August.xlsx"]  # text cells '22/07/2020'
    first, last, _ = _dates(loaded["_ws"], hill.upload_id)
    assert first >= dt.date(2020, 6, 1) and last <= dt.date(2020, 8, 31)
    nmid = loaded[f"{REAL}/nhs/NMID_08_November.xlsx"]  # real date cells
    first, last, n = _dates(loaded["_ws"], nmid.upload_id)
    assert (first.month, last.month, n) == (11, 11, 63)
    kico = loaded[f"{REAL}/nhs/KICO_03_June.csv"]  # dd-Mon-yy: '03-May-20', back to '31-May-19'
    assert _dates(loaded["_ws"], kico.upload_id) == (
        dt.date(2019, 5, 31),
        dt.date(2020, 6, 29),
        227,
    )


def test_month_only_dates_are_flagged(loaded: dict) -> None:
    s = loaded["spend/messy/darlington_clean_2010-12.csv"]
    assert s.date_precision == "month"
    assert any("give only a month" in n for n in s.notes)


def test_columns_chosen_by_content(loaded: dict) -> None:
    whit = loaded[f"{REAL}/nhs/WHIT_03_June.csv"]
    assert (
        whit.mapping["payment_date"] == "Date"
        and whit.mapping["transaction_id"] == "Transaction Date"
    )
    assert whit.mapping["amount"] == "Amount"  # the header is ' Amount '
    chosen = {c["field"]: c for c in whit.columns}
    assert chosen["transaction_id"]["values_look_like"] == "numbers or codes"
    assert chosen["transaction_id"]["samples"] and 0 < chosen["transaction_id"]["confidence"] <= 1
    cal = loaded[f"{REAL}/councils/calderdale_clean_2022-08.csv"]
    assert cal.mapping["supplier_name"] == "Supplier(Beneficiary) Name"
    assert cal.mapping["company_number"] == "Supplier Registered Company Number"
    sel = loaded[f"{REAL}/nhs/SEL_10_January.pdf.csv"]
    assert sel.mapping["payment_date"] == "Entity"  # the date glued onto the entity's name
    first, last, _ = _dates(loaded["_ws"], sel.upload_id)
    assert first == last == dt.date(2021, 1, 31)
    nbsp = loaded[f"{REAL}/nhs/SEL_03_June_earlier-version.pdf.csv"]
    assert nbsp.amount_loaded == loaded[f"{REAL}/nhs/SEL_03_June.pdf.csv"].amount_loaded


def test_an_empty_or_one_value_column_does_not_take_the_expense_area(loaded: dict) -> None:
    # NCL_06: "Expense area" is blank on all 258 rows; the areas (19 rows) sit in the unnamed column before it.
    ncl = loaded[f"{REAL}/nhs/NCL_06_September.pdf.csv"]
    assert ncl.mapping["service"] == "(column 3, no name)"
    with loaded["_ws"].warehouse() as con:
        areas = con.execute(
            """SELECT count(*) FILTER (WHERE service = 'CHC ADULT FULLY FUNDED'), count(service)
               FROM spend_rows JOIN spend_lines USING (upload_no, line_key)
               JOIN spend_uploads USING (upload_no) WHERE upload_id = ?""",
            [ncl.upload_id],
        ).fetchone()
    assert areas[0] >= 1 and areas[1] == 19
    # NEWF: the areas (blank on 25 rows) beat "Department family", which says "Department of Health" on every row.
    assert loaded[f"{REAL}/nhs/NEWF_02_May.pdf.csv"].mapping["service"] == "Expense area"


def test_footer_total_is_quarantined_and_agrees(loaded: dict) -> None:
    s = loaded[f"{REAL}/nhs/LNWU_12_March.csv"]
    assert s.quarantine_reasons == {"this looks like a total line, not a payment": 1}
    assert s.amount_loaded == Decimal("64463765.82")  # the footer's own figure
    assert not any("total line" in w for w in s.warnings)


def test_companies_house_numbers_kept_as_text_and_padded(loaded: dict) -> None:
    s = loaded[f"{REAL}/councils/calderdale_clean_2022-08.csv"]
    with loaded["_ws"].warehouse() as con:
        numbers = {
            r[0]
            for r in con.execute(
                """SELECT company_number FROM spend_suppliers
            JOIN spend_uploads USING (upload_no) WHERE upload_id = ? AND company_number IS NOT NULL""",
                [s.upload_id],
            ).fetchall()
        }
    assert "08911274" in numbers and "8911274" not in numbers and "NI050833" in numbers


def test_swapped_type_and_area_headers_are_read_by_their_values(loaded: dict) -> None:
    """NHS Newham heads its expense types 'Expense area' and its areas 'expense type' (data README)."""
    s = loaded[f"{REAL}/nhs/NENW_01_April.pdf.csv"]
    assert (s.mapping["category"], s.mapping["service"]) == ("Expense area", "expense type")
    chosen = {c["field"]: c for c in s.columns}
    assert "whatever the header says" in chosen["category"]["chosen_by"]
    with loaded["_ws"].warehouse() as con:
        rows = con.execute(
            "SELECT DISTINCT category, service FROM spend WHERE upload_id = ?", [s.upload_id]
        ).fetchall()
    assert ("Hcare Srv Rec NHS Trust-Non Contract", "NCAS/OATS") in rows
    cal = loaded[
        f"{REAL}/councils/calderdale_clean_2022-08.csv"
    ]  # 'Proclass' is blank on every row
    assert (
        cal.mapping["category"] == "Procurement Classification: Council's Procurement Category Name"
    )


def test_supplier_numbers_are_not_suppliers(loaded: dict) -> None:
    """SEL_10's 'Supplier' holds transaction numbers on 1,989 rows: loaded, but as no one's name."""
    s = loaded[f"{REAL}/nhs/SEL_10_January.pdf.csv"]
    with loaded["_ws"].warehouse() as con:
        coded, named_by_number = con.execute(
            """
            SELECT count(*) FILTER (is_redacted AND supplier_ref = supplier_name),
                   count(*) FILTER (NOT is_redacted AND regexp_full_match(supplier_name_norm, '[0-9 ]+'))
            FROM spend WHERE upload_id = ?""",
            [s.upload_id],
        ).fetchone()
    assert (coded, named_by_number) == (1989, 0)
