"""Generated asset registers in the published layouts, for tests, the demo and benchmarks (fictional assets)."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

# The Local Government Transparency Code 2015 land and building assets list, in the column order of the
# LGA practitioner's guide (columns A-M mandatory under Part 2 of the Code, N-U recommended under Part 3),
# with the headings councils publish it under (e.g. Gosport Borough Council's Land and Property Asset List).
TRANSPARENCY_COLUMNS = [
    "Organisation Name",  # A
    "Unique Property Reference Number (UPRN)",  # B
    "Unique Asset ID",  # C
    "Name",  # D
    "No",  # E street number
    "Street",  # F
    "Post Town",  # G
    "Post Code",  # H
    "X Co-ordinate",  # I OS easting
    "Y Co-ordinate",  # J OS northing
    "Tenure",  # K Freehold / Leasehold
    "Tenure Category",  # L holding type
    "Other Holding Description",  # M free text for other assets
    "Size of Asset",  # N floor area (m²) or land (ha)
    "Services Offered",  # O
    "Reason for Holding",  # P
    "Asset of Community Value",  # Q
    "Total Building Operation Costs",  # R £ a year
    "Required Maintenance",  # S £ backlog
    "Functional Suitability",  # T
    "Energy Performance Rating",  # U
]
# NHS ERIC site-level fields (Estates Returns Information Collection), as named in the published CSVs.
ERIC_COLUMNS = [
    "Trust Code",
    "Trust Name",
    "Site Code",
    "Site Name",
    "Site Type",
    "Post Code",
    "Gross internal floor area (m²)",
    "Occupied floor area (m²)",
    "Hard FM (Estates) costs (£)",
    "Soft FM (Facilities) costs (£)",
    "Energy costs (All energy supplies) (£)",
    "Cost to eradicate high risk backlog (£)",
    "Cost to eradicate significant risk backlog (£)",
    "Cost to eradicate moderate risk backlog (£)",
    "Cost to eradicate low risk backlog (£)",
]
FREEHOLD_CATEGORIES = ["Occupied by the LA", "Ground Leasehold", "Leasehold", "Licence", "Vacant"]
LEASEHOLD_CATEGORIES = ["Occupied by the LA", "Ground Leasehold", "Sub Leasehold", "Licence"]
KINDS = [
    ("Community Centre", "Community centre"),
    ("Library", "Library"),
    ("Depot", "Depot"),
    ("Office", "Office"),
    ("Youth Club", "Youth centre"),
    ("Park Pavilion", "Pavilion"),
    ("Health Centre", "Clinic"),
    ("Car Park", "Car park"),
    ("Shop", "Retail unit"),
    ("Open Space", "Land"),
    ("Hall", "Hall"),
    ("Children's Centre", "Children's centre"),
]
STREETS = [
    "High Street",
    "Church Road",
    "Station Road",
    "Park Road",
    "Mill Lane",
    "Hill Rise",
    "Albert Road",
    "Queens Road",
    "Manor Way",
    "Grove Park",
    "Rushey Green",
    "Brockley Rise",
]


@dataclass
class Location:
    postcode: str
    easting: float
    northing: float
    town: str = "London"


@dataclass
class GeneratedRegister:
    path: Path
    rows: int
    bad: dict[str, int] = field(default_factory=dict)  # reason -> rows deliberately broken
    uprns: list[str] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.rows - sum(self.bad.values())


def transparency_rows(
    n: int,
    places: list[Location],
    *,
    org_name: str,
    seed: int = 1,
    uprn_base: int = 100_000,
    broken: bool = True,
    jitter_m: float = 150.0,
) -> tuple[list[list[str]], dict[str, int], list[str]]:
    """Rows of a Transparency Code register; with `broken`, about 2% have a known, deliberate fault."""
    rng = random.Random(seed)
    rows: list[list[str]] = []
    bad: dict[str, int] = {}
    uprns: list[str] = []
    faults = ["bad uprn", "no identity", "outside GB", "size not a number"]
    for i in range(n):
        loc = places[rng.randrange(len(places))]
        label, kind = KINDS[rng.randrange(len(KINDS))]
        street = STREETS[rng.randrange(len(STREETS))]
        freehold = rng.random() < 0.8
        category = rng.choice(FREEHOLD_CATEGORIES if freehold else LEASEHOLD_CATEGORIES)
        land = kind in ("Land", "Car park")
        size = f"{rng.uniform(0.05, 4):.2f} ha" if land else f"{rng.randrange(80, 4000):,}"
        uprn = str(uprn_base + i)
        uprns.append(uprn)
        row = [
            org_name,
            uprn,
            f"A{seed:02d}{i:06d}",
            f"{street.split()[0]} {label}",
            str(rng.randrange(1, 300)),
            street,
            loc.town,
            loc.postcode,
            f"{loc.easting + rng.uniform(-jitter_m, jitter_m):.0f}",
            f"{loc.northing + rng.uniform(-jitter_m, jitter_m):.0f}",
            "Freehold" if freehold else "Leasehold",
            category,
            "" if rng.random() < 0.95 else "Right of way",
            size,
            kind,
            rng.choice(["Operational", "Investment", "Surplus", "Community use"]),
            rng.choice(["N", "N", "N", "Y"]),
            f"{rng.randrange(2_000, 250_000)}",
            f"{rng.randrange(0, 400_000)}",
            rng.choice(["A", "B", "C", "D"]),
            rng.choice(["A", "B", "C", "D", "E", "F", "G", "N/A"]),
        ]
        if broken and rng.random() < 0.02:
            fault = faults[len(rows) % len(faults)]
            bad[fault] = bad.get(fault, 0) + 1
            uprns.pop()
            if fault == "bad uprn":
                row[1] = f"UPRN-{uprn}"
            elif fault == "no identity":
                row[1] = row[2] = row[3] = ""
            elif fault == "outside GB":
                row[8] = "9900000"
            else:
                row[13] = "about a hectare"
        rows.append(row)
    return rows, bad, uprns


def write_transparency_register(
    path: Path,
    n: int,
    places: list[Location],
    *,
    org_name: str,
    seed: int = 1,
    uprn_base: int = 100_000,
    broken: bool = True,
) -> GeneratedRegister:
    """Write a Transparency Code land and building assets CSV (or XLSX, by suffix) in the published layout."""
    rows, bad, uprns = transparency_rows(
        n, places, org_name=org_name, seed=seed, uprn_base=uprn_base, broken=broken
    )
    _write(path, TRANSPARENCY_COLUMNS, rows)
    return GeneratedRegister(path, n, bad, uprns)


def write_eric_sites(
    path: Path,
    n: int,
    places: list[Location],
    *,
    trust_code: str,
    trust_name: str,
    seed: int = 2,
    with_coordinates: bool = False,
) -> GeneratedRegister:
    """Write an NHS ERIC-style site list (floor areas, running costs, backlog by risk) with real postcodes;
    `with_coordinates` adds Easting and Northing columns, as trusts' own estates exports often do."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        loc = places[rng.randrange(len(places))]
        gia = rng.randrange(200, 30_000)
        rows.append(
            [
                trust_code,
                trust_name,
                f"{trust_code}{i:02d}",
                f"{STREETS[i % len(STREETS)].split()[0]} "
                f"{rng.choice(['Hospital', 'Health Centre', 'Clinic', 'Community Hub'])}",
                rng.choice(
                    [
                        "General acute hospital",
                        "Community hospital",
                        "Support facilities",
                        "Mental health (including specialist services)",
                    ]
                ),
                loc.postcode,
                str(gia),
                str(int(gia * rng.uniform(0.4, 1.0))),
                str(rng.randrange(10_000, 900_000)),
                str(rng.randrange(5_000, 500_000)),
                str(rng.randrange(2_000, 300_000)),
                str(rng.randrange(0, 200_000)),
                str(rng.randrange(0, 300_000)),
                str(rng.randrange(0, 300_000)),
                str(rng.randrange(0, 100_000)),
            ]
            + (
                [
                    f"{loc.easting + rng.uniform(-150, 150):.0f}",
                    f"{loc.northing + rng.uniform(-150, 150):.0f}",
                ]
                if with_coordinates
                else []
            )
        )
    _write(path, ERIC_COLUMNS + (["Easting", "Northing"] if with_coordinates else []), rows)
    return GeneratedRegister(path, n)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        import xlsxwriter

        wb = xlsxwriter.Workbook(str(path))
        ws = wb.add_worksheet("Land and buildings")
        ws.write_row(0, 0, header)
        for r, row in enumerate(rows, start=1):
            ws.write_row(r, 0, row)
        wb.close()
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
