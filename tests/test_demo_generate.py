"""Tests for the demo collaborative generator and its shipped reference extracts."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from anchorage.demo.anchors import ANCHORS
from anchorage.demo.files import DemoFile, generate_demo_files

N = 20_000
REFERENCE = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "demo" / "reference"
SPEC = {a.name: a for a in ANCHORS}

COUNCIL_HEADER = [
    "Body Name",
    "Body",
    "Service Area",
    "Expenditure Category",
    "Expenditure Code",
    "Payment Date",
    "Transaction Number",
    "Amount",
    "Capital or Revenue",
    "Supplier Name",
    "Supplier ID",
]
ACUTE_HEADER = [
    "Department Family",
    "Entity",
    "Date",
    "Expense Type",
    "Expense Area",
    "Supplier",
    "Transaction Number",
    "Amount",
    "Supplier Postcode",
]
COMMUNITY_HEADER = [
    "Expense Type",
    "Expense Area",
    "Supplier",
    "Date",
    "Transaction Number",
    "AP Amount",
    "VAT Registration Number",
]
COLLEGE_HEADER = [
    "Organisation Name",
    "Effective Date",
    "Supplier Name",
    "Beneficiary Registration Number",
    "Expense Type",
    "Purpose of Spend",
    "Amount",
    "Payment Date",
]
HOUSING_HEADER = [
    "Vendor",
    "Vendor Postcode",
    "Invoice Nett Amount",
    "Paid Date",
    "Expense Type",
    "Cost Centre",
    "Invoice No",
]
MASTER_HEADER = [
    "Supplier Name",
    "Supplier ID",
    "Postcode",
    "Country",
    "Company Number",
    "Charity Number",
    "VAT Number",
    "SME",
    "VCSE",
]


def _sheet(path: Path, name: str) -> list[list[object]]:
    """All cells of one worksheet as Python values."""
    return (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(name)
        .to_python(skip_empty_area=False)
    )


def _csv(path: Path, encoding: str) -> list[list[str]]:
    """All records of a CSV file."""
    with open(path, encoding=encoding, newline="") as f:
        return list(csv.reader(f))


def _table(f: DemoFile) -> tuple[list[str], list[dict[str, object]]]:
    """Header and data rows of a generated spend file, junk and footer lines removed."""
    name = f.path.name
    if name == "lewisham-council-spend.csv":
        rows = _csv(f.path, "utf-8")
        header, body = rows[0], rows[1:]
        assert body[-1][0] == "Total"
        body = body[:-1]
    elif name == "lgt-spend-over-25k.xlsx":
        rows = _sheet(f.path, "Expenditure over £25k")
        assert rows[0][0] == "Lewisham and Greenwich NHS Trust"
        assert all(v == "" for v in rows[2])
        header, body = [str(v) for v in rows[3]], rows[4:]
    elif name == "slcmh-ap-payments.csv":
        rows = _csv(f.path, "cp1252")
        assert "Invoices Paid Report" in rows[0][0]
        header, body = rows[2], rows[3:]
    elif name == "lewisham-college-spend.xlsx":
        rows = _sheet(f.path, "Payments")
        assert all(v == "" for v in rows[0] + rows[1])
        assert rows[2][0] == ""
        header, body = [str(v) for v in rows[2][1:]], [r[1:] for r in rows[3:]]
    elif name == "riverside-homes-payments.csv":
        rows = _csv(f.path, "utf-8-sig")
        header, body = rows[0], rows[1:]
        assert body[-1][0] == "Total"
        body = body[:-1]
    else:
        raise AssertionError(f"unexpected spend file {name}")
    return header, [dict(zip(header, r, strict=True)) for r in body]


def _hashes(files: list[DemoFile]) -> dict[str, str]:
    """SHA-256 of every generated file by name."""
    return {f.path.name: hashlib.sha256(f.path.read_bytes()).hexdigest() for f in files}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    """One small generated collaborative shared by the tests."""
    return generate_demo_files(tmp_path_factory.mktemp("demo"), transactions=N)


@pytest.fixture(scope="module")
def tables(demo: list[DemoFile]) -> dict[str, tuple[list[str], list[dict[str, object]]]]:
    """Parsed spend tables keyed by anchor name."""
    return {f.anchor: _table(f) for f in demo if f.kind == "spend"}


def test_deterministic(demo: list[DemoFile], tmp_path: Path) -> None:
    again = generate_demo_files(tmp_path / "again", transactions=N)
    assert _hashes(again) == _hashes(demo)
    assert [(f.anchor, f.kind, f.path.name) for f in again] == [
        (f.anchor, f.kind, f.path.name) for f in demo
    ]


def test_other_seed_differs(demo: list[DemoFile], tmp_path: Path) -> None:
    other = generate_demo_files(tmp_path / "other", seed=7, transactions=N)
    assert _hashes(other) != _hashes(demo)


def test_file_list(demo: list[DemoFile]) -> None:
    spend = [f for f in demo if f.kind == "spend"]
    masters = [f for f in demo if f.kind == "suppliers"]
    assert [f.anchor for f in spend] == [a.name for a in ANCHORS]
    assert {f.anchor_type for f in spend} == {
        "council",
        "nhs-trust",
        "college",
        "housing-association",
    }
    assert {f.anchor for f in masters} == {
        "Lewisham Council",
        "Lewisham College",
        "Riverside Homes",
    }
    assert all(f.path.exists() and f.path.stat().st_size > 0 for f in demo)


def test_headers(tables: dict[str, tuple[list[str], list[dict[str, object]]]]) -> None:
    assert tables["Lewisham Council"][0] == COUNCIL_HEADER
    assert tables["Lewisham and Greenwich NHS Trust"][0] == ACUTE_HEADER
    assert tables["South London Community and Mental Health Trust"][0] == COMMUNITY_HEADER
    assert tables["Lewisham College"][0] == COLLEGE_HEADER
    assert tables["Riverside Homes"][0] == HOUSING_HEADER


def test_row_counts(tables: dict[str, tuple[list[str], list[dict[str, object]]]]) -> None:
    counts = {name: len(rows) for name, (_, rows) in tables.items()}
    acute = counts.pop("Lewisham and Greenwich NHS Trust")
    # Every anchor but the acute trust publishes all its payments; together they hold 75%.
    assert sum(counts.values()) == pytest.approx(0.75 * N, rel=0.01)
    assert counts["Lewisham Council"] == pytest.approx(0.40 * N, rel=0.01)
    # The acute trust publishes only its payments of £25,000 and over.
    assert 0.03 * N < acute < 0.25 * N
    assert 0.78 * N < sum(counts.values()) + acute <= N


def test_acute_only_over_25k(tables: dict[str, tuple[list[str], list[dict[str, object]]]]) -> None:
    _, rows = tables["Lewisham and Greenwich NHS Trust"]
    amounts = [r["Amount"] for r in rows if isinstance(r["Amount"], float)]
    assert all(abs(a) >= 25_000 for a in amounts)
    assert any(str(r["Date"])[:4] == "2022" for r in rows)  # real dates, not text


def test_cp1252_is_not_utf8(demo: list[DemoFile]) -> None:
    raw = next(f for f in demo if f.path.name == "slcmh-ap-payments.csv").path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("cp1252")
    assert "’" in text and "–" in text and "£" in text


def test_housing_has_bom_and_messy_amounts(demo: list[DemoFile]) -> None:
    raw = next(f for f in demo if f.path.name == "riverside-homes-payments.csv").path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8-sig")
    assert '"£1,' in text or '"£2,' in text
    assert "E+0" in text and ",(" in text and ",-," in text
    dates = [r[3] for r in csv.reader(io.StringIO(text))][1:-1]
    assert any(len(d) == 10 and d[2] == "/" for d in dates)
    assert any(len(d) == 8 and d[2] == "/" for d in dates)
    assert any(len(d) == 10 and d[4] == "-" for d in dates)


def _amount_col(name: str) -> str:
    return {
        "Lewisham Council": "Amount",
        "South London Community and Mental Health Trust": "AP Amount",
        "Riverside Homes": "Invoice Nett Amount",
    }.get(name, "Amount")


def _is_negative(v: object) -> bool:
    if isinstance(v, float | int):
        return v < 0
    s = str(v)
    return s.startswith(("-", "(")) and s != "-"


def test_credit_notes(tables: dict[str, tuple[list[str], list[dict[str, object]]]]) -> None:
    for name, (_, rows) in tables.items():
        neg = sum(_is_negative(r[_amount_col(name)]) for r in rows)
        assert neg >= 1, name
        assert neg / len(rows) == pytest.approx(0.015, abs=0.006), name


def _category_col(name: str) -> str:
    return "Expenditure Category" if name == "Lewisham Council" else "Expense Type"


def test_catering_and_concessions_everywhere(
    tables: dict[str, tuple[list[str], list[dict[str, object]]]],
) -> None:
    for name, (_, rows) in tables.items():
        cats = {r[_category_col(name)] for r in rows}
        for sector in ("catering", "concessions"):
            assert cats & set(SPEC[name].categories[sector][1]), (name, sector)


def test_bad_rows(tables: dict[str, tuple[list[str], list[dict[str, object]]]]) -> None:
    supplier = {
        "Lewisham Council": "Supplier Name",
        "Lewisham College": "Supplier Name",
        "Riverside Homes": "Vendor",
    }
    date = {
        "Lewisham Council": "Payment Date",
        "Lewisham College": "Payment Date",
        "Riverside Homes": "Paid Date",
    }
    impossible = {"31/02/2023", "31-Feb-2023", "2023-02-31"}
    for name, (_, rows) in tables.items():
        amounts = [r[_amount_col(name)] for r in rows]
        dates = [r[date.get(name, "Date")] for r in rows]
        assert "TBC" in amounts, name
        assert "" in dates, name
        assert impossible & {str(d) for d in dates}, name
        assert "" in [r[supplier.get(name, "Supplier")] for r in rows], name


def test_exclusions_and_redactions(
    tables: dict[str, tuple[list[str], list[dict[str, object]]]],
) -> None:
    _, council = tables["Lewisham Council"]
    payees = {r["Supplier Name"] for r in council}
    assert {
        "HM Revenue & Customs",
        "London Pension Fund Authority",
        "Royal Borough of Greenwich",
    } <= payees
    assert "Grants to voluntary organisations" in {r["Expenditure Category"] for r in council}
    _, acute = tables["Lewisham and Greenwich NHS Trust"]
    assert "NHS Business Services Authority" in {r["Supplier"] for r in acute}
    redacted = sum(r["Supplier Name"] in ("REDACTED", "Redacted - personal data") for r in council)
    assert redacted / len(council) == pytest.approx(0.005, abs=0.002)


def test_name_variants_differ_between_anchors(
    tables: dict[str, tuple[list[str], list[dict[str, object]]]],
) -> None:
    council = {str(r["Supplier Name"]) for r in tables["Lewisham Council"][1]}
    housing = {str(r["Vendor"]) for r in tables["Riverside Homes"][1]}
    assert any(n.isupper() for n in council)
    assert any("t/a" in n for n in council | housing)
    assert any(n.count(".") >= 3 for n in council | housing)  # "A.B.C. CATERING LIMITED"


def test_supplier_masters(
    demo: list[DemoFile], tables: dict[str, tuple[list[str], list[dict[str, object]]]]
) -> None:
    for f in (f for f in demo if f.kind == "suppliers"):
        rows = _csv(f.path, "utf-8")
        assert rows[0] == MASTER_HEADER
        master = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
        assert len(master) > 100
        assert {r["SME"] for r in master} <= {"Y", "N", ""}
        assert {r["VCSE"] for r in master} <= {"Y", "N", ""}
        names = {r["Supplier Name"] for r in master}
        header, spend = tables[f.anchor]
        col = "Vendor" if "Vendor" in header else "Supplier Name"
        assert sum(str(r[col]) in names for r in spend) / len(spend) > 0.95
    council = next(f for f in demo if f.path.name == "lewisham-council-suppliers.csv")
    ids = {r[1] for r in _csv(council.path, "utf-8")[1:]}
    spend_ids = {r["Supplier ID"] for r in tables["Lewisham Council"][1]} - {""}
    assert spend_ids <= ids
    numbers = [r[4] for r in _csv(council.path, "utf-8")[1:] if r[4]]
    assert any(n.startswith("0") and len(n) == 8 for n in numbers)
    assert any(n.startswith("SC") for n in numbers)


def test_reference_extracts() -> None:
    total = sum(p.stat().st_size for p in REFERENCE.iterdir())
    assert total < 3_000_000
    assert (REFERENCE / "ATTRIBUTION.md").exists()
    for area in ("WC", "SM", "HG", "TF"):
        rows = _csv(REFERENCE / f"nspl_{area}.csv", "utf-8")
        assert rows[0][:5] == ["pcd", "pcd2", "pcds", "dointr", "doterm"]
        assert sum(r[4] == "" for r in rows[1:]) == 400
        assert sum(r[4] != "" for r in rows[1:]) == 15
    lewisham = _csv(REFERENCE / "lewisham_postcodes.csv", "utf-8")
    assert len(lewisham) == 8420
    lsoas = {r[7] for r in lewisham[1:]}
    imd = {r[0] for r in _csv(REFERENCE / "imd2019_lsoa11.csv", "utf-8")[1:]}
    assert lsoas <= imd
