"""Deterministic demo workforce data: staff extracts per anchor (home postcodes drawn from the shipped
ONS extracts), a small shared-apprenticeship programme, levy pay bills and commitments, Kickstart pledges
and HE engagements."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from anchorage.demo.anchors import ANCHORS
from anchorage.demo.suppliers_gen import load_postcode_pools

AS_AT = dt.date(2025, 11, 1)
STAFF = {"council": 900, "acute": 1500, "community": 700, "college": 260, "housing": 220}
ROLES = {
    "council": ("Admin", "Social care", "Environment", "Finance"),
    "acute": ("Nursing", "Medical", "Estates", "Admin", "Healthcare support"),
    "community": ("Nursing", "Therapies", "Admin"),
    "college": ("Teaching", "Support", "Admin"),
    "housing": ("Repairs", "Housing officer", "Admin"),
}
# Each anchor's HR system names the columns its own way.
HEADERS = {
    "council": [
        "Employee Number",
        "Home Postcode",
        "Hourly Rate",
        "Contract Type",
        "Start Date",
        "Job Family",
        "Apprentice",
        "New Starter",
    ],
    "acute": [
        "Assignment Number",
        "Postcode",
        "Basic Hourly Rate",
        "Employment Type",
        "Hire Date",
        "Staff Group",
        "Apprenticeship",
        "New Hire",
    ],
    "community": [
        "Person ID",
        "Home Post Code",
        "Pay per hour",
        "Contract",
        "Date Started",
        "Occupation Group",
        "Apprentice Flag",
        "New Hire Flag",
    ],
    "college": [
        "Staff ID",
        "Postcode",
        "Hourly Rate",
        "Contract Type",
        "Start Date",
        "Role Family",
        "Apprentice",
        "New Starter",
    ],
    "housing": [
        "Payroll Number",
        "Home Postcode",
        "Hourly Pay",
        "Contract",
        "Start Date",
        "Job Role",
        "Apprentice",
        "New Hire",
    ],
}


def _write(path: Path, header: list[str], rows: Sequence[Sequence[object]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def staff_rows(key: str, n: int, rng: np.random.Generator, pools: dict) -> list[list[object]]:
    rows = []
    local, local_w = pools["local"]
    for i in range(n):
        where = rng.random()
        if where < 0.46:
            pc = local[rng.choice(len(local), p=local_w)]
        elif where < 0.80:
            pc = pools["SM"][0][rng.integers(len(pools["SM"][0]))]
        elif where < 0.92:
            pc = pools["WC"][0][rng.integers(len(pools["WC"][0]))]
        elif where < 0.96:
            area = "HG" if rng.random() < 0.5 else "TF"
            pc = pools[area][0][rng.integers(len(pools[area][0]))]
        elif where < 0.985:
            pc = ""
        else:
            pc = "N/A"  # a typing slip: quarantined, and the value is not kept
        pay = rng.choice([rng.uniform(12.2, 14.79), rng.uniform(14.8, 45.0)], p=[0.1, 0.9])
        new_hire = rng.random() < 0.13
        start = AS_AT - dt.timedelta(
            days=int(rng.integers(10, 360) if new_hire else rng.integers(400, 9000))
        )
        apprentice = rng.random() < 0.025
        rows.append(
            [
                f"{key[:2].upper()}{i:05}",
                pc,
                f"{pay:.2f}",
                rng.choice(["Permanent", "Fixed term", "Bank"], p=[0.8, 0.12, 0.08]),
                f"{start:%d/%m/%Y}",
                ROLES[key][int(rng.integers(len(ROLES[key])))],
                "Y" if apprentice else "N",
                "Y" if new_hire else "N",
            ]
        )
    return rows


def generate_workforce_files(out_dir: Path, seed: int = 2026) -> dict[str, Path]:
    """Write the demo workforce inputs; returns their paths by name (staff files as staff:<anchor key>)."""
    rng = np.random.default_rng(seed + 7)
    pools = load_postcode_pools()
    files: dict[str, Path] = {}
    for spec in ANCHORS:
        files[f"staff:{spec.key}"] = _write(
            out_dir / f"{spec.key}-staff-extract.csv",
            HEADERS[spec.key],
            staff_rows(spec.key, STAFF[spec.key], rng, pools),
        )
    name = {s.key: s.name for s in ANCHORS}
    files["programmes"] = _write(
        out_dir / "programmes.csv",
        ["id", "standard", "level", "duration_months", "off_the_job_hours", "start_date"],
        [
            ["BA3", "Business administrator (ST0070)", 3, 18, 408, "01/09/2025"],
            ["HCS2", "Healthcare support worker (ST0216)", 2, 12, 278, "01/09/2025"],
        ],
    )
    places = [
        ("C-FIN", "council", "Finance", "finance", 2, "", ""),
        ("C-ADM", "council", "Customer services", "admin", 2, "", ""),
        ("A-WARD", "acute", "Medical wards", "care", 2, "", ""),
        ("A-ADM", "acute", "Patient access", "admin", 2, "", ""),
        ("M-COM", "community", "District nursing", "care", 2, "care", ""),
        ("M-ADM", "community", "Medical records", "admin", 1, "", ""),
        ("L-ADM", "college", "Student services", "admin", 2, "", ""),
        ("H-REP", "housing", "Repairs desk", "admin", 2, "", ""),
        ("H-FIN", "housing", "Rents", "finance", 1, "", ""),
    ]
    files["placements"] = _write(
        out_dir / "placements.csv",
        ["id", "anchor", "department", "skill", "capacity", "prerequisites", "location"],
        [[p[0], name[p[1]], p[2], p[3], p[4], p[5], "Lewisham"] for p in places],
    )
    apprentices = []
    for i in range(14):
        prog = "BA3" if i < 9 else "HCS2"
        employer = name[["council", "acute", "community", "college", "housing"][i % 5]]
        options = (
            ["C-FIN", "C-ADM", "A-ADM", "M-ADM", "L-ADM", "H-REP", "H-FIN"]
            if prog == "BA3"
            else ["A-WARD", "M-COM", "A-ADM"]
        )
        prefs = [options[j] for j in rng.permutation(len(options))[:3]]
        apprentices.append(
            [
                f"APP{i + 1:02}",
                prog,
                employer,
                "01/09/2025" if i % 2 == 0 else "01/10/2025",
                ";".join(prefs),
                "2025-12" if i == 3 else "",
            ]
        )
    files["apprentices"] = _write(
        out_dir / "apprentices.csv",
        ["id", "programme", "employer", "start_date", "preferences", "unavailable"],
        apprentices,
    )
    bills = []
    monthly = {
        "council": 9_500_000,
        "acute": 31_000_000,
        "community": 12_000_000,
        "college": 2_100_000,
        "housing": 1_400_000,
    }
    for key, pay in monthly.items():
        for k in range(31):  # April 2023 .. October 2025
            month = dt.date(2023 + (3 + k) // 12, (3 + k) % 12 + 1, 1)
            bills.append([name[key], f"{month:%m/%Y}", f"{pay * (1 + 0.03 * (k // 12)):.2f}", "1"])
    files["paybill"] = _write(
        out_dir / "levy-paybill.csv", ["anchor", "month", "pay_bill", "english_share"], bills
    )
    files["commitments"] = _write(
        out_dir / "levy-commitments.csv",
        [
            "anchor",
            "apprentice",
            "start_month",
            "duration_months",
            "total_price",
            "recipient",
            "recipient_type",
        ],
        [[name["council"], f"APP{i:02}", "09/2025", 18, 15000, "", "own"] for i in (1, 6, 11)]
        + [
            [name["acute"], "NUR-2024-01", "09/2024", 24, 27000, "", "own"],
            [
                name["acute"],
                "TR-01",
                "10/2024",
                12,
                5000,
                "Deptford Dental Care Ltd",
                "small-employer",
            ],
            [name["college"], "APP04", "09/2025", 18, 15000, "", "own"],
        ],
    )
    pledges = [
        [
            "kickstart",
            "Lewisham Council",
            "",
            "",
            "Parks assistant",
            8,
            25,
            8.72,
            6,
            "Lewisham",
            "Y",
            "01/12/2020",
        ],
        [
            "kickstart",
            "Riverside Homes",
            "07654321",
            "",
            "Repairs trainee",
            4,
            25,
            8.72,
            6,
            "Catford",
            "Y",
            "03/12/2020",
        ],
        [
            "kickstart",
            "Deptford Dental Care Ltd",
            "11223344",
            "",
            "Receptionist",
            2,
            25,
            8.72,
            6,
            "Deptford",
            "Y",
            "05/12/2020",
        ],
        [
            "kickstart",
            "Brockley Community Kitchen",
            "",
            "1123456",
            "Kitchen assistant",
            3,
            25,
            8.72,
            6,
            "Brockley",
            "Y",
            "10/12/2020",
        ],
        [
            "kickstart",
            "Catford Bikes Ltd",
            "12345678",
            "",
            "Bike mechanic",
            2,
            20,
            8.72,
            6,
            "Catford",
            "Y",
            "11/12/2020",
        ],
        [
            "kickstart",
            "Lewisham and Greenwich NHS Trust",
            "",
            "",
            "Ward support",
            10,
            25,
            8.72,
            6,
            "Lewisham",
            "Y",
            "14/12/2020",
        ],
        [
            "kickstart",
            "Sydenham Print Co",
            "09876543",
            "",
            "Print assistant",
            2,
            25,
            8.00,
            6,
            "Sydenham",
            "Y",
            "15/12/2020",
        ],
        [
            "kickstart",
            "Hither Green Garden Centre",
            "08765432",
            "",
            "Garden centre assistant",
            3,
            25,
            8.72,
            6,
            "Hither Green",
            "N",
            "16/12/2020",
        ],
    ]
    # Public bodies have no Companies House number; the pack shows the gap so it can be filled in.
    files["pledges"] = _write(
        out_dir / "kickstart-pledges.csv",
        [
            "programme",
            "employer",
            "company_number",
            "charity_number",
            "role",
            "placements",
            "hours_per_week",
            "hourly_wage",
            "duration_months",
            "location",
            "additionality",
            "pledged_on",
        ],
        pledges,
    )
    files["starts"] = _write(
        out_dir / "kickstart-starts.csv",
        ["employer", "role", "participant", "start_date", "outcome"],
        [
            [
                "Riverside Homes",
                "Repairs trainee",
                f"KS{i:03}",
                "01/03/2021",
                "completed" if i % 3 else "moved into work",
            ]
            for i in range(4)
        ]
        + [
            [
                "Brockley Community Kitchen",
                "Kitchen assistant",
                f"KS1{i:02}",
                "15/03/2021",
                "completed",
            ]
            for i in range(3)
        ],
    )
    kinds = ["placements", "curriculum", "research", "recruitment", "civic"]
    partners = [
        ("Goldsmiths, University of London", "university"),
        ("University of Greenwich", "university"),
        ("Lewisham College", "college"),
        ("London South Bank University", "university"),
    ]
    he = []
    for i in range(18):
        partner, ptype = partners[i % len(partners)]
        he.append(
            [
                name[ANCHORS[i % 5].key],
                partner,
                ptype,
                kinds[i % 5],
                f"Engagement {i + 1}",
                f"{1 + i % 28:02}/{1 + i % 12:02}/2024",
                ["ongoing", "completed", "renewed"][i % 3],
                int(rng.integers(0, 40)),
            ]
        )
    files["he"] = _write(
        out_dir / "he-engagements.csv",
        ["anchor", "partner", "partner_type", "kind", "title", "start_date", "outcome", "people"],
        he,
    )
    return files
