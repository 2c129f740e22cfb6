"""A generated national data set: N payments across many public bodies, written by DuckDB SQL alone.

For the lake's parity test and benchmark (docs/scaling.md). Rows go straight into the warehouse's spend
tables (one upload per body and financial year, registered as loaded in the records), as a spend ingest
would store them; no Python loop touches a row, and the same arguments give the same data.
"""

from __future__ import annotations

import datetime as dt

from anchorage.store.records import Upload
from anchorage.workspace import Workspace

CATEGORIES = [
    "Building Repairs",
    "Residential Care",
    "Contract Cleaning",
    "Catering",
    "Security",
    "Transport",
    "Legal Fees",
    "Consultancy",
    "IT Services",
    "Printing",
    "Energy",
    "Waste Disposal",
    "Grounds Maintenance",
    "Agency Staff",
    "Stationery",
    "Furniture",
    "IT Software",
    "Facilities",
    "Property Rental",
    "Temporary Accommodation",
    "Highways Maintenance",
    "Vehicle Maintenance",
    "Postage",
    "Advertising",
    "Professional Fees",
    "Training",
    "Medical Supplies",
    "Pharmacy",
    "Salaries",
    "Grants to voluntary organisations",
]  # the last two are excluded by CLES rules


def generate_national(
    ws: Workspace,
    rows: int,
    *,
    bodies: int = 400,
    years: int = 3,
    first_year: int = 2021,
    seed: int = 2026,
) -> int:
    """Write `rows` payments for `bodies` bodies over `years` financial years; returns the uploads written."""
    uploads = bodies * years
    pool = max(2_000, rows // 100)  # distinct suppliers nationally
    with ws.warehouse() as con:
        con.execute("BEGIN")
        con.execute(f"""
            CREATE TEMP TABLE nat_uploads AS
            SELECT u, nextval('spend_upload_no') AS upload_no, 'national-' || lpad(u::VARCHAR, 5, '0') AS upload_id,
                   'body-' || lpad((u // {years})::VARCHAR, 3, '0') AS org, {first_year} + u % {years} AS fy
            FROM range({uploads}) t(u)
        """)
        con.execute("INSERT INTO spend_uploads SELECT upload_no, upload_id, org FROM nat_uploads")
        con.execute(f"""
            INSERT INTO spend_rows
            SELECT n.upload_no, i // {uploads} + 1,
                   make_date(n.fy, 4, 1) + CAST(hash(i, {seed}, 1) % 365 AS INTEGER),
                   CAST((CAST(hash(i, {seed}, 2) % 2000000 AS BIGINT) - 30000) / 100.0 AS DECIMAL(18, 2)),
                   CAST(floor({pool} * pow((hash(i, {seed}, 3) % 1000000) / 1000000.0, 3)) AS UBIGINT),
                   hash(i, {seed}, 4) % {len(CATEGORIES)}, NULL, i, NULL
            FROM range({rows}) t(i) JOIN nat_uploads n ON n.u = i % {uploads}
        """)
        n_pc = con.execute("SELECT count(*) FROM postcodes").fetchone()[0]  # type: ignore[index]
        con.execute("""
            CREATE TEMP TABLE nat_pc AS
            SELECT row_number() OVER (ORDER BY pcd_key) - 1 AS k, pcds FROM postcodes
        """)
        con.execute(f"""
            INSERT INTO spend_suppliers
            SELECT r.upload_no, r.supplier_key, name, upper(name), NULL,
                   CASE WHEN r.supplier_key % 20 = 7 OR {n_pc} = 0 THEN NULL ELSE pc.pcds END,
                   NULL, NULL, NULL, false, r.payments
            FROM (SELECT upload_no, supplier_key, count(*) AS payments FROM spend_rows
                  WHERE upload_no IN (SELECT upload_no FROM nat_uploads) GROUP BY ALL) r
            CROSS JOIN LATERAL (SELECT CASE WHEN r.supplier_key % 997 = 5 THEN 'HMRC'
                                            ELSE 'Supplier ' || r.supplier_key::VARCHAR || ' Ltd' END AS name)
            LEFT JOIN nat_pc pc ON pc.k = hash(r.supplier_key, {seed}) % greatest({n_pc}, 1)
        """)
        values = ", ".join(f"({k}, '{c}')" for k, c in enumerate(CATEGORIES))
        con.execute(f"""
            INSERT INTO spend_lines SELECT n.upload_no, c.k, c.category, NULL
            FROM nat_uploads n CROSS JOIN (VALUES {values}) c(k, category)
        """)
        con.execute("""
            INSERT INTO supplier_profile
            SELECT DISTINCT u.org, s.supplier_name_norm, s.supplier_postcode, NULL, NULL, NULL,
                   s.supplier_key % 3 < 2, s.supplier_key % 17 = 0, 'spend'
            FROM spend_suppliers s JOIN nat_uploads u USING (upload_no)
        """)
        ids = con.execute("SELECT upload_id, org FROM nat_uploads ORDER BY u").fetchall()
        con.execute("COMMIT")
    now = dt.datetime.now(dt.UTC)
    with ws.session() as s:
        s.add_all(
            Upload(
                id=uid,
                org=org,
                kind="spend",
                filename=f"{uid}.csv",
                sha256=uid,
                raw_path="",
                status="loaded",
                created_at=now,
            )
            for uid, org in ids
        )
        s.commit()
    return len(ids)
