"""Supplier register: imports as published, resolution, review decisions, enrichment into the analysis."""

from __future__ import annotations

import csv
import json
import zipfile
from types import SimpleNamespace

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.cli_support import cli
from tests.fixtures import load_reference, write_fixture_files

from anchorage.core.errors import AnchorageError, InputFileError
from anchorage.ingest.spend import ingest_spend
from anchorage.ingest.suppliers import ingest_suppliers
from anchorage.procurement.run import analyse_workspace
from anchorage.reference.names import normalise_names
from anchorage.suppliers import generate
from anchorage.suppliers.export import export_suppliers, resolved_suppliers
from anchorage.suppliers.records import review_queue
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve
from anchorage.suppliers.review import decide, list_decisions, undo

# Companies the hand-computed fixture's suppliers really are, plus near-miss decoys.
# (i, name, number, postcode, town, category, status, accounts, sic, incorporated)
FIXTURE_COMPANIES = [
    (
        "LOCAL CATERERS LIMITED",
        "01234567",
        "SE6 4RU",
        "LONDON",
        "Private Limited Company",
        "Active",
        "MICRO ENTITY",
        "56290 - Other food services",
    ),
    (
        "LOCAL CATERING SUPPLIES LIMITED",
        "07654321",
        "M1 1AA",
        "MANCHESTER",
        "Private Limited Company",
        "Active",
        "SMALL",
        "56290 - Other food services",
    ),
    (
        "GREENWICH BUILDRES LTD",
        "02222222",
        "SE10 0AA",
        "LONDON",
        "Private Limited Company",
        "Liquidation",
        "SMALL",
        "41202 - Construction of domestic buildings",
    ),
    (
        "CENTRAL CONSULTING PLC",
        "03333333",
        "EC1A 1BB",
        "LONDON",
        "Public Limited Company",
        "Active",
        "GROUP",
        "70229 - Management consultancy activities other than financial management",
    ),
    (
        "HARROGATE SUPPLIES LIMITED",
        "04444444",
        "HG1 1AA",
        "HARROGATE",
        "Private Limited Company",
        "Active",
        "FULL",
        "47620 - Retail sale of newspapers and stationery in specialised stores",
    ),
    (
        "MYSTERY CO LIMITED",
        "05555555",
        "SE6 4RU",
        "LONDON",
        "Community Interest Company",
        "Active",
        "MICRO ENTITY",
        "88100 - Social work activities without accommodation for the elderly and disabled",
    ),
]


def _extra_sql() -> str:
    rows = ", ".join(
        "("
        + ", ".join(
            [str(10_000 + k), *("'" + v.replace("'", "''") + "'" for v in c), "DATE '2001-01-01'"]
        )
        + ")"
        for k, c in enumerate(FIXTURE_COMPANIES)
    )
    return (
        "SELECT * FROM (VALUES "
        + rows
        + ") t(i, name, number, postcode, town, category, status, accounts, "
        "sic, incorporated)"
    )


@pytest.fixture
def register_files(tmp_path):
    ch = generate.write_companies_house(tmp_path / "ch", 300, parts=3, extra_sql=_extra_sql())
    charity = generate.write_charity_extract(
        tmp_path / "cc" / "publicextract.charity.txt",
        [
            {
                "registered_charity_number": "1234567",
                "charity_name": "HELPING HANDS TRUST",
                "latest_income": "52000.00",
                "charity_contact_postcode": "SE6 4RU",
            },
            {
                "registered_charity_number": "1234567",
                "linked_charity_number": "1",
                "charity_name": "HELPING HANDS SHOP",
                "latest_income": "1000",
            },
            {"registered_charity_number": "", "charity_name": "NO NUMBER CHARITY"},
        ],
    )
    return ch, charity


@pytest.fixture
def resolved(workspace, tmp_path, register_files):
    load_reference(workspace)
    files = write_fixture_files(tmp_path / "in")
    ingest_suppliers(workspace, files["council_suppliers"], "Council")
    ingest_spend(workspace, files["council_spend"], "Council")
    ingest_spend(workspace, files["trust_spend"], "Acute Trust")
    ch, charity = register_files
    import_register(workspace, "companies_house", ch)
    import_register(workspace, "charity_commission", [charity])
    return workspace, resolve(workspace)


def by_name(ws):
    """Resolution rows by (anchor, normalised name), with plain Python values (None for missing)."""
    df = resolved_suppliers(ws)
    rows = df.astype(object).where(df.notna(), None).to_dict("records")
    for r in rows:
        for k in ("register_sme", "register_vcse"):
            r[k] = None if r[k] is None else bool(r[k])
    return {(r["org"], r["supplier_name_norm"]): SimpleNamespace(**r) for r in rows}


# ------------------------------------------------------------------ names

NAMES = st.text(
    alphabet=st.sampled_from(list("ABCabc &.'-/()TtLlDdOoMPpCcIi 123")), min_size=1, max_size=30
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NAMES, min_size=1, max_size=20))
def test_name_normalisation_is_idempotent_and_never_empties(memory_con, names):
    once = normalise_names(names, con=memory_con)
    assert normalise_names(once, con=memory_con) == once
    for raw, norm in zip(names, once, strict=True):
        if raw.strip():
            assert norm, raw


def test_names_some_libraries_empty_survive():
    assert normalise_names(["COOP", "AMBA", "S.C.S & COMPANY", "The Co", "LIMITED"]) == [
        "COOP",
        "AMBA",
        "SCS",
        "CO",
        "LIMITED",
    ]
    assert normalise_names(
        [
            "ABC Catering Ltd",
            "A.B.C. CATERING LIMITED",
            "Abc Catering (t/a Tasty Food)",
            "ABC Catering Svcs",
        ]
    ) == ["ABC CATERING", "ABC CATERING", "ABC CATERING", "ABC CATERING SERVICES"]


# ------------------------------------------------------------------ imports


def test_companies_house_import_streams_parts_and_is_idempotent(workspace, register_files):
    ch, _ = register_files
    with zipfile.ZipFile(ch[0]) as zf:
        header = zf.open(zf.namelist()[0]).readline().decode()
    assert (
        header.startswith("CompanyName, CompanyNumber,RegAddress.CareOf")
        and "ConfStmtLastMadeUpDate" in header
    )
    s = import_register(workspace, "companies_house", ch)
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (306, 306, 0)
    again = import_register(workspace, "companies_house", ch)
    assert again.duplicate and again.rows_loaded == 0
    with workspace.warehouse() as con:
        assert con.execute("SELECT count(*) FROM register_entities").fetchone()[0] == 306
        row = con.execute(
            "SELECT name_norm, postcode, status, accounts_category FROM register_entities "
            "WHERE register_id = '02222222'"
        ).fetchone()
    assert row == ("GREENWICH BUILDRES", "SE10 0AA", "Liquidation", "SMALL")


def test_charity_extract_quarantines_rows_without_a_number(workspace, register_files):
    _, charity = register_files
    s = import_register(workspace, "charity_commission", [charity])
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (3, 2, 1)
    assert s.quarantine_reasons == {"the registration number is empty": 1}
    with workspace.warehouse() as con:
        q = con.execute(
            "SELECT source_file, row_no, reason FROM quarantine WHERE kind = 'charity_commission'"
        ).fetchall()
    assert q == [("publicextract.charity.txt", 3, "the registration number is empty")]


def test_a_file_in_another_layout_is_refused_with_the_missing_columns(workspace, tmp_path):
    bad = tmp_path / "companies.csv"
    bad.write_text("Name,Number\nA LTD,1\n")
    with pytest.raises(InputFileError, match="no column CompanyName"):
        import_register(workspace, "companies_house", [bad])


# ------------------------------------------------------------------ resolution


def test_resolution_links_clusters_and_enriches(resolved):
    ws, s = resolved
    r = by_name(ws)
    assert r[("council", "HELPING HANDS TRUST")].method == "charity number"
    assert r[("council", "HELPING HANDS TRUST")].register_sme is True  # income £52,000
    assert r[("council", "HELPING HANDS TRUST")].register_vcse is True
    caterers = r[("council", "LOCAL CATERERS")]
    assert (caterers.register_id, caterers.method) == ("01234567", "model")
    assert caterers.explanation.startswith("same name (+25.0); same postcode (+16.2)")
    assert (
        caterers.supplier_id == r[("acute-trust", "LOCAL CATERERS")].supplier_id
    )  # one supplier, two anchors
    greenwich = r[("council", "GREENWICH BUILDERS")]  # a typo in the register, same postcode
    assert greenwich.register_id == "02222222" and greenwich.match_probability > 0.99
    assert greenwich.warning == "Companies House status: Liquidation"
    assert greenwich.sector == "Construction"
    assert r[("council", "HARROGATE SUPPLIES")].register_sme is False  # files full accounts
    mystery = r[("council", "MYSTERY")]  # a name alone, no postcode
    assert mystery.register_id == "05555555" and 0.9 < mystery.match_probability < 1
    assert mystery.register_vcse is True and mystery.registered_postcode == "SE6 4RU"
    assert r[("council", "BERLIN GMBH")].register_id is None
    assert (
        s.records,
        s.linked_by_number,
        s.unmatched,
        s.suppliers,
        s.suppliers_across_anchors,
    ) == (9, 1, 2, 8, 1)  # unmatched: Berlin GmbH, HMRC


def test_analysis_reports_matched_spend_and_uses_the_registered_office(resolved):
    ws, _ = resolved
    c = analyse_workspace(ws).tables["totals"].set_index("org").loc["council"]
    # In scope: £10,000. Not matched: Berlin GmbH £400 and the redacted £300.
    assert c["matched_spend"] == pytest.approx(9300)
    assert c["unmatched_spend"] == pytest.approx(700)
    assert c["matched_pct"] == pytest.approx(0.93)
    # Mystery Co had no postcode: its registered office (SE6 4RU, Lewisham) now places its £600 locally.
    assert c["registered_office_pct"] == pytest.approx(0.06)
    assert c["local_pct"] == pytest.approx(0.28)
    assert c["unknown_pct"] == pytest.approx(0.03)
    # The register adds SME status for Mystery (micro: yes), Helping Hands (income £52k: yes) and Harrogate
    # (full accounts: no); the anchor's own flags win for the rest.
    assert c["sme_known_pct"] == pytest.approx(0.93)
    assert c["sme_pct_of_known"] == pytest.approx(4800 / 9300, abs=1e-4)


def test_export_has_one_row_per_anchor_supplier(resolved, tmp_path):
    ws, _ = resolved
    n = export_suppliers(ws, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert n == len(rows) == 9
    assert {"org", "supplier_name", "supplier_id", "register_id", "match_probability"} <= set(
        rows[0]
    )
    berlin = next(r for r in rows if r["supplier_name"] == "Berlin GmbH")
    assert berlin["register_id"] == "" and berlin["match_probability"] == ""


def test_review_decisions_survive_a_rerun(resolved):
    ws, _ = resolved
    key = ("council", "MYSTERY")
    rid = by_name(ws)[key].record_id
    decide(
        ws,
        "reject",
        rid,
        register="companies_house:05555555",
        note="a different Mystery",
        decided_by="amy",
    )
    assert by_name(ws)[key].register_id is None
    resolve(ws)
    assert by_name(ws)[key].register_id is None  # still rejected after the model runs again
    berlin = by_name(ws)[("council", "BERLIN GMBH")].record_id
    decide(ws, "accept", berlin, register="05555555")
    decide(ws, "merge", berlin, other_record_id=rid)
    resolve(ws)
    after = by_name(ws)
    assert after[("council", "BERLIN GMBH")].method == "review: accepted"
    assert after[("council", "BERLIN GMBH")].supplier_id == after[key].supplier_id
    caterer = after[("acute-trust", "LOCAL CATERERS")]
    decide(ws, "split", caterer.record_id)
    resolve(ws)
    after = by_name(ws)
    assert (
        after[("acute-trust", "LOCAL CATERERS")].supplier_id
        != after[("council", "LOCAL CATERERS")].supplier_id
    )
    assert [d["action"] for d in list_decisions(ws)] == ["reject", "accept", "merge", "split"]
    undo(ws, list_decisions(ws)[0]["id"])
    assert by_name(ws)[key].register_id == "05555555"


def test_review_queue_lists_uncertain_matches(workspace, tmp_path, register_files):
    load_reference(workspace)
    f = tmp_path / "sup.csv"
    f.write_text(
        "Supplier Name,Postcode,SME\nGreenwich Builders,,Y\n"
    )  # a typo away, no postcode: uncertain
    ingest_suppliers(workspace, f, "Council")
    import_register(workspace, "companies_house", register_files[0])
    resolve(workspace)
    q = review_queue(workspace)
    assert [(i.supplier_name, i.register_id, i.linked) for i in q] == [
        ("Greenwich Builders", "02222222", True)
    ]
    assert 0.5 <= q[0].match_probability < 0.9 and "two letters different" in q[0].explanation
    decide(workspace, "accept", q[0].record_id)
    assert review_queue(workspace) == []
    with pytest.raises(AnchorageError, match="no supplier record nope"):
        decide(workspace, "accept", "nope")


def test_cli_resolve_json_and_errors(resolved, tmp_path):
    ws, _ = resolved
    run = lambda *a: cli(*a, ws=ws)  # noqa: E731
    p = run("suppliers", "resolve", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["spend_matched"] == pytest.approx(
        9300 + 1000
    )  # + the trust's £1,000
    p = run("suppliers", "review", "accept", "nope")
    assert (
        p.returncode == 1
        and "Error: There is no supplier record here that you can open or change." in p.stderr
        and "Traceback" not in p.stderr
    )
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n")
    p = run("suppliers", "import-companies", str(bad))
    assert p.returncode == 1 and "no column CompanyName" in p.stderr and "Fix:" in p.stderr


# ------------------------------------------------------------------ accuracy on generated noise


def test_accuracy_on_a_labelled_gold_set():
    from anchorage.suppliers.accuracy import gold_accuracy

    m = gold_accuracy(register_rows=20_000, registered=1500, unregistered=300, seed=11)
    assert m.precision >= 0.98 and m.recall >= 0.95, m


@pytest.mark.spark
def test_spark_backend_links_like_duckdb():
    from anchorage.suppliers.accuracy import gold_tables
    from anchorage.suppliers.link import link

    con = duckdb.connect()
    left, right, _ = gold_tables(con, register_rows=400, registered=60, unregistered=10, seed=3)
    on_duckdb = link(left, right).sort_values(["uid_l", "uid_r"]).reset_index(drop=True)
    on_spark = (
        link(left, right, backend="spark").sort_values(["uid_l", "uid_r"]).reset_index(drop=True)
    )
    assert len(on_duckdb) > 50
    assert on_spark[["uid_l", "uid_r"]].equals(on_duckdb[["uid_l", "uid_r"]])
    assert (on_spark["match_probability"] - on_duckdb["match_probability"]).abs().max() < 1e-9


def test_a_command_line_resolve_refreshes_the_web_analysis(resolved):
    from anchorage.access.periods import coverage
    from anchorage.access.queries import data_version

    ws, _ = resolved
    before = data_version(ws)
    coverage(ws)
    assert data_version(ws) == before  # reading the warehouse leaves the cache key alone
    resolve(ws)  # as `anchorage suppliers resolve` does, outside the web app
    assert data_version(ws) != before
