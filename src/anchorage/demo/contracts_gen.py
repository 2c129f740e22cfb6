"""The demo anchors' contract registers (each in its own layout) and an OCDS sample of public notices.

Catering and concessions contracts of several anchors end within 18 months of each other, so the
collaboration finder surfaces them. Dates are set from the current quarter, so the pipeline always lies
ahead of whoever runs the demo."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import xlsxwriter

from anchorage.contracts.finder import add_months
from anchorage.contracts.importer import import_contracts
from anchorage.demo.suppliers_gen import Universe, build_universe, variant_name
from anchorage.demo.vocabulary import SECTOR_INDEX
from anchorage.workspace import Workspace

# (anchor key, sector, title, own category, CPV, value £, term years, months from now to the end, extensions)
CONTRACTS = [
    (
        "council",
        "catering",
        "School meals service",
        "School Meals",
        "55524000",
        4_800_000,
        4,
        8,
        "1",
    ),
    (
        "council",
        "concessions",
        "Vending machines in council buildings",
        "Concessions",
        "42933000",
        120_000,
        3,
        6,
        "",
    ),
    (
        "council",
        "security",
        "Manned guarding, civic buildings",
        "Security",
        "79710000",
        900_000,
        3,
        3,
        "none",
    ),
    (
        "council",
        "cleaning",
        "Office cleaning",
        "Contract Cleaning",
        "90910000",
        1_500_000,
        5,
        30,
        "2 x 12 months",
    ),
    (
        "council",
        "it",
        "Revenues and benefits system",
        "IT Software",
        "48000000",
        2_400_000,
        5,
        22,
        "none",
    ),
    (
        "council",
        "construction",
        "Responsive repairs, corporate estate",
        "Building Repairs & Maintenance",
        "45000000",
        6_000_000,
        4,
        40,
        "1",
    ),
    (
        "acute",
        "catering",
        "Patient and staff catering",
        "Patient catering",
        "55520000",
        6_000_000,
        5,
        14,
        "none",
    ),
    (
        "acute",
        "concessions",
        "Main entrance café concession",
        "Retail concessions",
        "55330000",
        300_000,
        5,
        10,
        "",
    ),
    (
        "acute",
        "agency",
        "Agency nursing framework call-off",
        "Agency staff",
        "79620000",
        8_000_000,
        2,
        5,
        "",
    ),
    ("acute", "cleaning", "Domestic services", "Cleaning", "90910000", 4_200_000, 5, 44, "2"),
    (
        "community",
        "catering",
        "Inpatient catering, mental health wards",
        "Catering",
        None,
        1_200_000,
        3,
        20,
        "none",
    ),
    ("community", "transport", "Patient transport", "Transport", "60000000", 700_000, 3, 16, ""),
    (
        "college",
        "catering",
        "Student refectory catering",
        "Catering",
        "55510000",
        600_000,
        3,
        11,
        "1",
    ),
    (
        "college",
        "concessions",
        "Coffee kiosk concession",
        "Concessions",
        "55330000",
        90_000,
        3,
        15,
        "",
    ),
    ("college", "security", "Campus security", "Security", "79710000", 350_000, 3, 9, "none"),
    ("housing", "cleaning", "Communal area cleaning", "Cleaning", "90910000", 800_000, 3, 5, "1+1"),
    (
        "housing",
        "grounds",
        "Estate grounds maintenance",
        "Grounds maintenance",
        "77310000",
        650_000,
        4,
        12,
        "none",
    ),
    (
        "housing",
        "construction",
        "Kitchen and bathroom replacements",
        "Construction",
        "45000000",
        9_000_000,
        5,
        26,
        "",
    ),
]
LAYOUTS = {  # anchor key -> (file name, headings for title, supplier, value, start, end, extensions, category, cpv)
    "council": (
        "council-contract-register.csv",
        (
            "Contract Title",
            "Supplier Name",
            "Contract Value (£)",
            "Start Date",
            "End Date",
            "Extension Options",
            "Category",
            "CPV Code",
        ),
    ),
    "acute": (
        "trust-contracts.xlsx",
        (
            "Title",
            "Provider",
            "Total Contract Value",
            "Contract Start Date",
            "Expiry Date",
            "Option to extend",
            "Procurement category",
            "Main CPV",
        ),
    ),
    "community": (
        "community-trust-contracts.csv",
        (
            "Contract name",
            "Contractor",
            "Estimated value",
            "Commencement date",
            "Contract end date",
            "Extensions",
            "Category",
            "CPV",
        ),
    ),
    "college": (
        "college-contracts.csv",
        ("Title", "Supplier", "Value", "Start", "End", "Extension", "Category", "CPV code"),
    ),
    "housing": (
        "riverside-contracts.csv",
        (
            "Contract title",
            "Supplier",
            "Contract value",
            "Start date",
            "End date",
            "Extension options",
            "Service category",
            "CPV",
        ),
    ),
}
NAMES = {
    "council": "Lewisham Council",
    "acute": "Lewisham and Greenwich NHS Trust",
    "community": "South London Community and Mental Health Trust",
    "college": "Lewisham College",
    "housing": "Riverside Homes",
}


def _suppliers(u: Universe, sector: str) -> list[int]:
    """The sector's suppliers, largest first (the likely incumbents)."""
    idx = [i for i in range(u.n) if int(u.sector[i]) == SECTOR_INDEX[sector]]
    return sorted(idx, key=lambda i: -float(u.weight[i]))


def _rows(u: Universe, today: date) -> dict[str, list[list[str]]]:
    base = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    used: dict[str, int] = {}
    out: dict[str, list[list[str]]] = {k: [] for k in LAYOUTS}
    for key, sector, title, category, cpv, value, years, ends_in, ext in CONTRACTS:
        pool = _suppliers(u, sector)
        i = pool[used.get(sector, 0) % len(pool)]
        used[sector] = used.get(sector, 0) + 1
        end = add_months(base, ends_in) - timedelta(days=1)  # the last day of a month
        start = add_months(end + timedelta(days=1), -12 * years)
        out[key].append(
            [
                title,
                variant_name(u, i, 0),
                f"{value:,}",
                start.strftime("%d/%m/%Y"),
                end.strftime("%d/%m/%Y"),
                ext,
                category,
                cpv or "",
            ]
        )
    # Registers are messy: an old contract, and a row with no value yet, are kept as published.
    out["council"].append(
        [
            "Library self-service kiosks",
            "Kiosk Systems Ltd",
            "TBC",
            "01/04/2021",
            "31/03/2024",
            "",
            "IT Hardware",
            "30000000",
        ]
    )
    return out


def _ocds_lines(today: date) -> list[str]:
    """Public notices for the council: a Procurement Act 2023 pipeline notice and an open tender."""
    buyer = {"id": "GB-LAC-E09000023", "name": "Lewisham Council"}
    soon = add_months(date(today.year, today.month, 1), 7)
    tender_close = add_months(date(today.year, today.month, 1), 2)
    planning = {
        "ocid": "ocds-demo-lbl-0001",
        "id": "ocds-demo-lbl-0001-pipeline",
        "date": f"{today:%Y-%m-%d}T09:00:00Z",
        "tag": ["planning"],
        "buyer": buyer,
        "initiationType": "tender",
        "tender": {
            "id": "lbl-0001",
            "title": "Leisure centre cafés concession",
            "status": "planned",
            "description": "Concession to run cafés in three leisure centres (pipeline notice, UK1).",
            "value": {"amount": 450000, "currency": "GBP"},
            "classification": {
                "scheme": "CPV",
                "id": "55330000",
                "description": "Cafeteria services",
            },
            "communication": {"futureNoticeDate": f"{soon:%Y-%m-%d}T00:00:00Z"},
            "contractPeriod": {
                "startDate": f"{add_months(soon, 6):%Y-%m-%d}T00:00:00Z",
                "endDate": f"{add_months(soon, 42):%Y-%m-%d}T00:00:00Z",
            },
        },
    }
    tender = {
        "ocid": "ocds-demo-lbl-0002",
        "id": "ocds-demo-lbl-0002-tender",
        "date": f"{today:%Y-%m-%d}T10:00:00Z",
        "tag": ["tender"],
        "buyer": buyer,
        "tender": {
            "id": "lbl-0002",
            "title": "Hospitality catering for civic events",
            "status": "active",
            "value": {"amount": 250000, "currency": "GBP"},
            "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "55520000-1"}}],
            "tenderPeriod": {
                "startDate": f"{today:%Y-%m-%d}T10:00:00Z",
                "endDate": f"{tender_close:%Y-%m-%d}T12:00:00Z",
            },
            "contractPeriod": {
                "startDate": f"{add_months(tender_close, 2):%Y-%m-%d}T00:00:00Z",
                "endDate": f"{add_months(tender_close, 38):%Y-%m-%d}T00:00:00Z",
            },
        },
    }
    return [json.dumps(planning), json.dumps(tender)]


def write_demo_contracts(
    out_dir: Path, seed: int, today: date | None = None
) -> list[tuple[str, Path]]:
    """Write every anchor's contract register and the OCDS sample; returns (anchor name, path) pairs."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = _rows(build_universe(seed), today or date.today())
    files = []
    for key, (name, head) in LAYOUTS.items():
        path = out_dir / name
        if path.suffix == ".xlsx":
            wb = xlsxwriter.Workbook(str(path))
            sheet = wb.add_worksheet("Contracts")
            sheet.write_row(0, 0, [f"{NAMES[key]} — contract register"])
            sheet.write_row(2, 0, head)
            for r, row in enumerate(rows[key], start=3):
                sheet.write_row(r, 0, row)
            wb.close()
        else:
            with path.open("w", encoding="utf-8", newline="") as fh:
                w = csv.writer(fh)
                w.writerow(head)
                w.writerows(rows[key])
        files.append((NAMES[key], path))
    ocds = out_dir / "lewisham-notices.jsonl"
    ocds.write_text("\n".join(_ocds_lines(today or date.today())) + "\n", encoding="utf-8")
    files.append((NAMES["council"], ocds))
    return files


def load_demo_contracts(
    ws: Workspace, out_dir: Path, *, seed: int, say: Callable[[str], None] = print
) -> None:
    """Generate and import the demo's contract registers and OCDS notices."""
    for anchor, path in write_demo_contracts(out_dir, seed):
        s = import_contracts(ws, path, anchor)
        say(
            f"  {anchor}: {path.name}: {s.rows_read:,} read, {s.rows_loaded:,} loaded, "
            f"{s.rows_quarantined:,} quarantined"
        )
