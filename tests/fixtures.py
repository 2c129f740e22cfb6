"""A small hand-computed collaborative: every figure in test_analysis.py was worked out by hand."""

from __future__ import annotations

from pathlib import Path

from anchorage.workspace import Workspace

POSTCODES = [  # pcd_key, pcds, lad, ward, lsoa11, rgn, ctry
    ("SE64RU", "SE6 4RU", "E09000023", "E05013720", "L1", "E12000007", "E92000001"),
    ("SE100AA", "SE10 0AA", "E09000011", "E05000001", "L2", "E12000007", "E92000001"),
    ("WC1A1AA", "WC1A 1AA", "E09000007", "E05000002", "L3", "E12000007", "E92000001"),
    ("HG11AA", "HG1 1AA", "E07000165", "E05000003", "L4", "E12000003", "E92000001"),
]
IMD = [("L1", 1), ("L2", 2), ("L3", 5), ("L4", 9)]

COUNCIL_SPEND = """Supplier Name,Amount,Payment Date,Expense Type
Local Caterers Ltd,1000,01/05/2023,Catering
LOCAL CATERERS LIMITED,500,01/06/2023,Catering
Local Caterers Ltd,-100,01/07/2023,Catering
Greenwich Builders,"2,000",01/03/2023,Building
Central Consulting PLC,3000,15/04/2023,Consultancy
Harrogate Supplies,1500,20/04/2023,Stationery
Berlin GmbH,400,2023-05-01,IT
Mystery Co,600,2023-05-02,Catering
Helping Hands Trust,800,2023-05-03,Community services
HM Revenue & Customs,5000,2023-05-04,Tax
REDACTED,300,2023-05-05,Care
Bad Amount Ltd,TBC,2023-05-06,Catering
No Date Ltd,100,,Catering
Total,14000,,
"""
COUNCIL_SUPPLIERS = """Supplier Name,Postcode,Country,Charity Number,SME,VCSE
Local Caterers Ltd,SE6 4RU,,,Y,N
Greenwich Builders,se100aa,,,Y,
Central Consulting PLC,WC1A 1AA,,,N,
Harrogate Supplies,HG1 1AA,,,,
Berlin GmbH,,Germany,,,
Helping Hands Trust,SE6 4RU,,1234567,,
"""
TRUST_SPEND = """Supplier,Supplier Postcode,Amount,Date
Local Caterers Ltd,se64ru,1000,14/05/2023
"""


def load_reference(ws: Workspace) -> None:
    with ws.warehouse() as con:
        for row in POSTCODES:
            pcd_key, pcds, lad, ward, lsoa, rgn, ctry = row
            con.execute(
                "INSERT INTO postcodes VALUES (?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, NULL, 'test')",
                [pcd_key, pcds, lad, ward, lsoa, rgn, ctry],
            )
        for lsoa, decile in IMD:
            con.execute("INSERT INTO imd VALUES (?, '2019', NULL, ?)", [lsoa, decile])


def write_fixture_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "council_spend": COUNCIL_SPEND,
        "council_suppliers": COUNCIL_SUPPLIERS,
        "trust_spend": TRUST_SPEND,
    }
    out = {}
    for name, text in files.items():
        out[name] = folder / f"{name}.csv"
        out[name].write_text(text, encoding="utf-8")
    return out
