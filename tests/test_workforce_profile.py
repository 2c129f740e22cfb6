"""Staff extract import (reconciliation, postcode discard) and the profile on a hand-computed fixture."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.fixtures import load_reference

from anchorage.core.errors import MappingError
from anchorage.ingest.quarantine import quarantine_frame
from anchorage.ingest.staff import ingest_staff
from anchorage.workforce.profile import workforce_profile
from anchorage.workforce.settings import workforce_settings

AS_AT = dt.date(2025, 11, 1)  # London Living Wage £14.80


def council_extract() -> str:
    rows = [
        "Employee Number,Home Postcode,Hourly Rate,Contract Type,Start Date,Job Family,Apprentice,New Starter"
    ]
    for i in range(10):  # local, decile 1: 6 below the LLW, 5 apprentices, 6 new hires
        rows.append(
            f"C{i:03},SE6 4RU,{'12.00' if i < 6 else '15.00'},Permanent,01/09/2025,Admin,"
            f"{'Y' if i < 5 else 'N'},{'Y' if i < 6 else 'N'}"
        )
    for i in range(10, 18):  # sub-region, decile 2
        rows.append(f"C{i:03},se100aa,20.00,Permanent,01/01/2020,Nursing,N,N")
    for i in range(18, 25):  # elsewhere, decile 5, paid exactly the LLW (not below)
        rows.append(f"C{i:03},WC1A 1AA,£14.80,Fixed term,2019-04-01,Estates,N,N")
    for i in range(25, 30):  # no postcode, no pay
        rows.append(f"C{i:03},,,Bank,01/01/2021,Estates,N,N")
    rows.append(
        "C030,SE1 9ZZ,30.00,Permanent,01/01/2018,Medical,N,N"
    )  # a postcode not in the table
    rows.append("C031,NOT A PC,12.00,Permanent,01/01/2018,Admin,N,N")  # quarantined
    rows.append(",SE6 4RU,12.00,Permanent,01/01/2018,Admin,N,N")  # quarantined: no id
    rows.append("C032,SE6 4RU,12.00,Permanent,01/01/2018,Admin,N,N")  # quarantined: id twice
    rows.append("C032,SE6 4RU,12.00,Permanent,01/01/2018,Admin,maybe,N")
    return "\n".join(rows) + "\n"


@pytest.fixture
def loaded(workspace, tmp_path):
    load_reference(workspace)
    path = tmp_path / "council-staff.csv"
    path.write_text(council_extract(), encoding="utf-8")
    summary = ingest_staff(workspace, path, "Council", as_at=AS_AT)
    return workspace, path, summary


def test_import_reconciles_and_discards_postcodes(loaded):
    ws, _path, s = loaded
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (35, 31, 4)
    assert s.balanced and s.to_json()["rows_read"] == 35
    assert s.quarantine_reasons["home postcode is not a UK postcode (the value is not kept)"] == 1
    assert s.quarantine_reasons["staff id is empty"] == 1
    assert any("6 staff have no known home area" in n for n in s.notes)
    # The postcode is nowhere: not in any warehouse table, not in the records DB, no raw copy, no temp file.
    needles = ["SE6 4RU", "SE64RU", "se100aa", "SE10 0AA", "WC1A", "SE1 9ZZ", "NOT A PC"]
    with ws.warehouse(read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            if table in ("postcodes",):
                continue
            text = json.dumps(con.execute(f"SELECT * FROM {table}").fetchall(), default=str)
            assert not [n for n in needles if n.lower() in text.lower()], table
    assert not any(n.encode() in (ws.root / "records.db").read_bytes() for n in needles)
    assert list(ws.raw_dir.iterdir()) == []
    assert list(ws.tmp_dir.iterdir()) == []
    q = quarantine_frame(ws, kind="workforce")
    assert set(q["row"]) == {32, 33, 34, 35}
    assert set(q["column"]) == {"Home Postcode", "Employee Number"}
    kept = json.loads(q.loc[q["row"] == 32, "raw"].iloc[0])
    assert kept["Employee Number"] == "C031" and "Home Postcode" not in kept


def test_same_file_again_adds_nothing(loaded):
    ws, path, _ = loaded
    again = ingest_staff(ws, path, "Council", as_at=AS_AT)
    assert again.duplicate and again.rows_loaded == 0
    with ws.warehouse(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staff").fetchone() == (31,)


def test_missing_postcode_column_is_explained(workspace, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text("Employee Number,Hourly Rate\nA1,12\n", encoding="utf-8")
    with pytest.raises(MappingError, match="no column holds the home postcode"):
        ingest_staff(workspace, path, "Council", as_at=AS_AT)


def test_profile_figures_by_hand(loaded):
    ws, _, _ = loaded
    ws.config.workforce = {"suppression_threshold": 1}  # nothing hidden: check every figure
    p = workforce_profile(ws, workforce_settings(ws.config))
    got = {r.indicator: (r.count, r.headcount) for r in p.rows if r.org == "council"}
    assert got == {
        "living_locally": (10, 31),
        "home_unknown": (6, 31),
        "deprived10": (10, 31),
        "deprived20": (18, 31),
        "below_living_wage": (6, 31),
        "pay_unknown": (5, 31),
        "apprentices": (5, 31),
        "new_hire_deprived10": (6, 6),
        "new_hire_deprived20": (6, 6),
    }
    assert p.living_wage == {"council": 14.8}


def test_profile_suppresses_by_default(loaded):
    ws, _, _ = loaded
    p = workforce_profile(ws)
    got = {(r.org, r.indicator): r.count for r in p.rows}
    assert got[("council", "living_locally")] == 10
    # 10 staff in decile 1, of whom 6 are new hires: the 4 others would follow by subtraction.
    assert got[("council", "new_hire_deprived10")] is None
    for r in p.rows:
        assert r.count is None or r.count == 0 or r.count >= 5
        assert r.headcount is None or r.headcount >= 5
