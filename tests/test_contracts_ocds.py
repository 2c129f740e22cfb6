"""OCDS import on the real samples (../shared/data/ocds/fictional) in every form, and malformed input."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from anchorage.contracts.ocds_load import import_ocds
from anchorage.contracts.pipeline import pipeline_rows
from anchorage.core.errors import AnchorageError


@pytest.fixture
def ocds(shared_data: Path) -> Path:
    return shared_data / "ocds" / "fictional"


def _only(ws) -> dict:
    rows = pipeline_rows(ws)
    assert len(rows) == 1
    return rows[0]


def _check_compiled(row: dict) -> None:
    assert row["ocid"] == "ocds-213czf-000-00001" and row["stage"] == "implementation"
    assert (
        row["value"] == Decimal("11000000.00") and row["supplier_name"] == "AnyCorp Cycle Provision"
    )
    assert row["supplier_id"] == "GB-COH-11111111" and row["cpv"] == "45233130"
    assert (row["start_date"], row["end_date"], row["end_date_max"]) == (
        date(2010, 7, 1),
        date(2011, 6, 30),
        date(2011, 12, 31),
    )
    assert row["tender_deadline"] == date(2010, 4, 8) and row["award_date"] == date(2010, 5, 10)
    assert row["buyer_name"] == "London Borough of Barnet" and row["is_public"] is True
    assert row["reprocure_date"] == date(2011, 12, 31)


def test_release_package_compiles_six_releases_into_one_contract(workspace, ocds):
    s = import_ocds(workspace, ocds / "ocds-213czf-000-00001.json", "Council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (6, 6, 0)
    assert "6 releases compiled into 1 contracts" in s.notes[0]
    _check_compiled(_only(workspace))
    assert import_ocds(workspace, ocds / "ocds-213czf-000-00001.json", "Council").duplicate


def test_record_package_uses_the_compiled_release(workspace, ocds):
    s = import_ocds(workspace, ocds / "record" / "ocds-213czf-000-00001.json", "Council")
    assert (s.rows_read, s.rows_loaded) == (1, 1)
    _check_compiled(_only(workspace))


def test_releases_from_separate_files_make_one_contract_at_its_latest_stage(workspace, ocds):
    planning = import_ocds(workspace, ocds / "ocds-213czf-000-00001-01-planning.json", "Council")
    assert planning.rows_loaded == 1
    row = _only(workspace)
    assert row["stage"] == "planning" and row["procurement_start"] == date(2010, 2, 1)
    assert row["reprocure_date"] == date(2010, 2, 1)  # planning: the expected procurement start
    for name in ("02-tender", "03-tenderAmendment", "04-award", "05-contract", "06-implementation"):
        import_ocds(workspace, ocds / f"ocds-213czf-000-00001-{name}.json", "Council")
    _check_compiled(_only(workspace))


def test_single_release_single_record_array_and_json_lines(workspace, ocds, tmp_path: Path):
    package = json.loads((ocds / "ocds-213czf-000-00001.json").read_text())
    record = json.loads((ocds / "record" / "ocds-213czf-000-00001.json").read_text())["records"][0]
    (tmp_path / "release.json").write_text(json.dumps(package["releases"][3], indent=2))
    s = import_ocds(workspace, tmp_path / "release.json", "Council")
    assert (s.rows_read, s.rows_loaded) == (1, 1) and _only(workspace)["stage"] == "award"
    (tmp_path / "record.json").write_text(json.dumps(record, indent=1))
    import_ocds(workspace, tmp_path / "record.json", "Council")
    _check_compiled(_only(workspace))
    (tmp_path / "array.json").write_text(json.dumps(package["releases"]))
    assert import_ocds(workspace, tmp_path / "array.json", "acute-trust").rows_loaded == 6
    lines = [json.dumps(r) for r in package["releases"]] + ["", json.dumps(package)]
    (tmp_path / "releases.jsonl").write_text("\n".join(lines) + "\n")
    s = import_ocds(workspace, tmp_path / "releases.jsonl", "acute-trust")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (12, 12, 0)
    trust = [r for r in pipeline_rows(workspace) if r["org"] == "acute-trust"]
    assert len(trust) == 1
    _check_compiled(trust[0])


def test_bad_lines_and_bad_releases_are_quarantined_with_reasons(workspace, ocds, tmp_path: Path):
    package = json.loads((ocds / "ocds-213czf-000-00001.json").read_text())
    no_ocid = dict(package["releases"][0])
    del no_ocid["ocid"]
    bad_date = json.loads(json.dumps(package["releases"][4]))
    bad_date["contracts"][0]["period"]["endDate"] = "31/06/2011"
    bad_value = json.loads(json.dumps(package["releases"][1]))
    bad_value["tender"]["value"]["amount"] = "lots"
    lines = [
        json.dumps(package["releases"][0]),
        '{"ocid": "x", "tag": [',
        json.dumps(no_ocid),
        json.dumps(bad_date),
        json.dumps(bad_value),
        json.dumps({"hello": 1}),
        "42",
    ]
    (tmp_path / "mixed.jsonl").write_text("\n".join(lines) + "\n")
    s = import_ocds(workspace, tmp_path / "mixed.jsonl", "Council")
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (7, 1, 6) and s.balanced
    with workspace.warehouse(read_only=True) as con:
        q = dict(
            con.execute("SELECT line_no, reason FROM quarantine WHERE kind = 'ocds'").fetchall()
        )
    assert q[2].startswith("line 2, column") and "is not valid JSON" in q[2]
    assert q[3] == "the release has no ocid"
    assert q[4].startswith('contracts[0].period.endDate "31/06/2011" is not a date')
    assert q[5] == 'tender.value.amount "lots" is not a number'
    assert q[6].startswith("line 6 is not an OCDS release, record or package")
    assert q[7].startswith("line 7 is not an OCDS release")


def test_malformed_documents_are_plain_errors_with_position(workspace, ocds, tmp_path: Path):
    text = (ocds / "ocds-213czf-000-00001.json").read_text()
    broken = tmp_path / "broken.json"
    lines = text.splitlines()
    lines[40] = lines[40] + ' "oops"'
    broken.write_text("\n".join(lines))
    with pytest.raises(
        AnchorageError, match=r"broken.json: the JSON is broken at line 41, column \d+"
    ):
        import_ocds(workspace, broken, "Council")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(text[: len(text) // 2])
    with pytest.raises(AnchorageError, match="the JSON is broken at line"):
        import_ocds(workspace, truncated, "Council")
    (tmp_path / "notlist.json").write_text('{\n "uri": "x",\n "releases": {"ocid": "a"}\n}')
    with pytest.raises(AnchorageError, match='"releases" must be a list, but it is an object'):
        import_ocds(workspace, tmp_path / "notlist.json", "Council")
    (tmp_path / "other.json").write_text('{\n "name": "not ocds"\n}')
    with pytest.raises(AnchorageError, match="not an OCDS release, record or package"):
        import_ocds(workspace, tmp_path / "other.json", "Council")
    (tmp_path / "text.json").write_text("ocid,title\n")
    with pytest.raises(AnchorageError, match="is not JSON"):
        import_ocds(workspace, tmp_path / "text.json", "Council")
    with workspace.warehouse(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM contracts").fetchone() == (0,)
    with workspace.session() as session:
        from anchorage.store.records import Upload

        assert (
            session.query(Upload).filter(Upload.kind == "ocds", Upload.status == "loaded").count()
            == 0
        )


def test_record_with_only_linked_releases_is_quarantined(workspace, ocds, tmp_path: Path):
    pkg = json.loads((ocds / "record" / "ocds-213czf-000-00001.json").read_text())
    del pkg["records"][0]["compiledRelease"]
    (tmp_path / "linked.json").write_text(json.dumps(pkg))
    s = import_ocds(workspace, tmp_path / "linked.json", "Council")
    assert (s.rows_read, s.rows_quarantined) == (1, 1)
    assert any("only linked releases" in k for k in s.quarantine_reasons)


def test_byte_order_mark_is_accepted(workspace, ocds, tmp_path: Path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + (ocds / "ocds-213czf-000-00001.json").read_bytes())
    assert import_ocds(workspace, path, "Council").rows_loaded == 6
