"""Reading messy files right: date order, columns from content, sanity checks, identifiers in names."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.cli_support import run_cli

from anchorage.core.errors import MappingError
from anchorage.ingest import dates, history, infer
from anchorage.ingest.sanity import SanityWarning
from anchorage.ingest.spend import ingest_spend


def _stored(ws, upload_id: str) -> list[tuple]:
    with ws.warehouse() as con:
        return con.execute(
            """SELECT r.payment_date, r.amount, s.supplier_name, s.supplier_name_norm,
                                     s.company_number, s.supplier_ref
                              FROM spend_rows r JOIN spend_uploads u USING (upload_no)
                              JOIN spend_suppliers s USING (upload_no, supplier_key)
                              WHERE u.upload_id = ? ORDER BY r.row_no""",
            [upload_id],
        ).fetchall()


def _csv(tmp_path: Path, name: str, text: str) -> Path:
    f = tmp_path / name
    f.write_text(text, encoding="utf-8")
    return f


# --- dates ---------------------------------------------------------------------------------------------


def test_month_first_file_reads_every_row_month_first(workspace, tmp_path):
    # 1/12/2021 fits both readings; 7/31/2020 proves month-first, so 1/12/2021 is 12 January, not 1 December.
    f = _csv(
        tmp_path,
        "us.csv",
        "Supplier,Amount,Date\nA Ltd,10,1/12/2021\nB Ltd,20,7/31/2020\nC Ltd,30,02/03/2021\n",
    )
    s = ingest_spend(workspace, f, "Council")
    assert (s.rows_loaded, s.rows_quarantined, s.date_order) == (3, 0, "mdy")
    assert [r[0] for r in _stored(workspace, s.upload_id)] == [
        dt.date(2021, 1, 12),
        dt.date(2020, 7, 31),
        dt.date(2021, 2, 3),
    ]


def test_ambiguous_file_asks_then_follows_the_anchors_earlier_files(workspace, tmp_path):
    f = _csv(tmp_path, "a.csv", "Supplier,Amount,Date\nA Ltd,10,01/02/2023\nB Ltd,20,03/04/2023\n")
    with pytest.raises(dates.DateOrderError, match="fits both day-first and month-first") as e:
        ingest_spend(workspace, f, "Council")
    assert "--date-order" in (e.value.fix or "")
    first = ingest_spend(workspace, f, "Council", date_order="mdy")
    assert [r[0] for r in _stored(workspace, first.upload_id)] == [
        dt.date(2023, 1, 2),
        dt.date(2023, 3, 4),
    ]
    g = _csv(tmp_path, "b.csv", "Supplier,Amount,Date\nC Ltd,30,05/06/2023\n")
    second = ingest_spend(workspace, g, "Council")
    assert second.date_order == "mdy" and any("earlier files" in n for n in second.notes)
    assert _stored(workspace, second.upload_id)[0][0] == dt.date(2023, 5, 6)
    with pytest.raises(dates.DateOrderError):  # another anchor has no earlier files
        ingest_spend(workspace, g, "Acute Trust")


def test_a_year_first_file_leaves_the_anchors_date_order_as_it_was(workspace, tmp_path):
    # An ISO file decides no day/month order: a later file that cannot tell still asks...
    iso = _csv(tmp_path, "iso.csv", "Supplier,Amount,Date\nA Ltd,10,2024-01-31\n")
    assert ingest_spend(workspace, iso, "Council").date_order is None
    both = _csv(tmp_path, "both.csv", "Supplier,Amount,Date\nB Ltd,20,03/04/2024\n")
    with pytest.raises(
        dates.DateOrderError, match="no earlier file of this anchor settled the order"
    ):
        ingest_spend(workspace, both, "Council")
    ask = run_cli(
        ["spend", "ingest", str(both), "--org", "Council", "--workspace", str(workspace.root)]
    )
    assert ask.returncode != 0 and "fits both day-first and month-first" in ask.stdout + ask.stderr
    # ...and an order the user chose before an ISO file is still the one followed after it.
    us = _csv(tmp_path, "us.csv", "Supplier,Amount,Date\nC Ltd,30,01/02/2024\n")
    ingest_spend(workspace, us, "Council", date_order="mdy")
    iso2 = _csv(tmp_path, "iso2.csv", "Supplier,Amount,Date\nD Ltd,40,2024-02-29\n")
    ingest_spend(workspace, iso2, "Council")
    later = ingest_spend(workspace, both, "Council")
    assert later.date_order == "mdy" and any("earlier files" in n for n in later.notes)
    assert _stored(workspace, later.upload_id)[0][0] == dt.date(2024, 3, 4)
    # An upload stored before this rule, with an order marked as not decided, speaks for nothing either.
    assert history.decided_order({"_date_order": "dmy", "_date_order_told": False}) is None
    assert history.decided_order({"_date_order": "mdy"}) == "mdy"


def test_mixed_orders_are_refused_or_split_by_the_given_order(workspace, tmp_path):
    f = _csv(
        tmp_path,
        "mixed.csv",
        "Supplier,Amount,Date\nA Ltd,10,31/01/2023\nB Ltd,20,7/31/2023\nC Ltd,5,02/03/2023\n",
    )
    with pytest.raises(dates.DateOrderError, match="mixes day-first"):
        ingest_spend(workspace, f, "Council")
    s = ingest_spend(workspace, f, "Council", date_order="dmy")
    assert (s.rows_loaded, s.rows_quarantined, s.amount_quarantined) == (2, 1, Decimal("20"))
    assert [r[0] for r in _stored(workspace, s.upload_id)] == [
        dt.date(2023, 1, 31),
        dt.date(2023, 3, 2),
    ]


def test_iso_excel_serials_and_month_only(workspace, tmp_path):
    f = _csv(tmp_path, "iso.csv", "Supplier,Amount,Date\nA Ltd,10,2023-05-01\nB Ltd,20,45000\n")
    s = ingest_spend(workspace, f, "Council")
    assert [r[0] for r in _stored(workspace, s.upload_id)] == [
        dt.date(2023, 5, 1),
        dt.date(2023, 3, 15),
    ]
    g = _csv(tmp_path, "months.csv", "Supplier,Amount,Date\nA Ltd,10,2024-03\nB Ltd,20,2024-04\n")
    m = ingest_spend(workspace, g, "Acute Trust")
    assert m.date_precision == "month" and any("give only a month" in n for n in m.notes)
    # Year-first dates have no day/month order to tell: none is claimed (a "day-first" note would be made up).
    assert s.date_order is None and m.date_order is None


ORDERS = st.sampled_from(["dmy", "mdy"])
SEPARATORS = st.sampled_from(["/", "-", "."])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)), min_size=1, max_size=30),
    ORDERS,
    SEPARATORS,
    st.booleans(),
)
def test_inferred_order_is_right_or_declared_ambiguous_never_wrong(
    memory_con, days, order, sep, pad
):
    fmt = ("%d{0}%m{0}%Y" if order == "dmy" else "%m{0}%d{0}%Y").format(sep)
    values = [
        d.strftime(fmt) if pad else d.strftime(fmt).lstrip("0").replace(sep + "0", sep)
        for d in days
    ]
    memory_con.execute("CREATE OR REPLACE TEMP TABLE t AS SELECT unnest(?) AS v", [values])
    ev = dates.gather(memory_con, f"SELECT {dates.evidence_sql('v')} FROM t")
    try:
        decision = dates.decide(ev, path="f.csv", column="Date")
    except dates.DateOrderError:
        # Only when no value tells: every date has day and month both 12 or under.
        assert all(d.day <= 12 and d.month <= 12 for d in days) and any(
            d.day != d.month for d in days
        )
        return
    if any(d.day != d.month for d in days):
        assert decision.order == order
    from anchorage.core.values import parse_dates

    assert parse_dates(values, decision.order, con=memory_con) == days


# --- columns from content ------------------------------------------------------------------------------

HEADER = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=0, max_size=14)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(HEADER, HEADER, HEADER, st.permutations([0, 1, 2, 3]), st.randoms(use_true_random=False))
def test_dates_money_and_postcodes_are_found_whatever_their_header(
    h_date, h_money, h_pc, order, rnd
):
    n = 40
    cols = {
        "supplier_name": (
            "Supplier",
            [f"{rnd.choice(['Acme', 'Bolt', 'Cray', 'Dune'])} {i} Ltd" for i in range(n)],
        ),
        "payment_date": (
            h_date,
            [
                (dt.date(2023, 1, 1) + dt.timedelta(days=rnd.randrange(700))).strftime("%d/%m/%Y")
                for _ in range(n)
            ],
        ),
        "amount": (h_money, [f"{rnd.uniform(-500, 90000):,.2f}" for _ in range(n)]),
        "supplier_postcode": (
            h_pc,
            [rnd.choice(["SE6 4RU", "WC1A 1AA", "HG1 1AA", "M1 1AE"]) for _ in range(n)],
        ),
    }
    fields = [list(cols)[i] for i in order]
    headers = [cols[f][0] for f in fields]
    rows = [[cols[f][1][r] for f in fields] for r in range(n)]
    got = infer.infer_mapping(headers, rows).fields
    for f in ("payment_date", "amount", "supplier_postcode"):
        assert got.get(f) == cols[f][0] or headers.count(cols[f][0]) > 1, (f, headers, got)


def test_header_lies_and_odd_headers(workspace, tmp_path):
    # 'Transaction Date' holds numbers, the dates sit under an unknown header, ' Amount ' has spaces and
    # 'Supplier\xa0Name' a no-break space.
    f = _csv(
        tmp_path,
        "odd.csv",
        "Supplier\xa0Name,Transaction Date,When, Amount \n"
        'A Ltd,1168648,16/06/2020,"1,014,642.50"\nB Ltd,1165124,25/06/2020,309983.38\n',
    )
    s = ingest_spend(workspace, f, "Council")
    assert s.mapping["payment_date"] == "When" and s.mapping["transaction_id"] == "Transaction Date"
    assert s.mapping["amount"] == "Amount" and s.mapping["supplier_name"] == "Supplier\xa0Name"
    assert s.amount_loaded == Decimal("1324625.88")
    when = next(c for c in s.columns if c["field"] == "payment_date")
    assert when["chosen_by"] == "values" and when["samples"][0] == "16/06/2020"


TYPES = [
    "Rent and rates",
    "Agency staff",
    "Drugs",
    "Equipment maintenance",
    "Professional fees",
    "Gas",
    "Software licences",
    "Consultancy",
    "Catering supplies",
    "Cleaning contract",
]
AREAS = [
    "Adult Social Care",
    "Children's Services",
    "Highways",
    "Estates and Facilities",
    "Corporate Finance",
    "Housing",
    "Acute Commissioning",
    "Mental Health",
    "Libraries",
    "Public Health",
]


@pytest.mark.parametrize(
    ("type_header", "area_header"),
    [
        ("Expense Area", "Expense Type"),
        ("Service Area", "Expenditure Category"),
        ("Directorate", "Account"),
    ],
)
def test_a_header_that_lies_about_type_and_area_is_overruled_by_the_values(
    type_header, area_header
):
    """The class behind NHS Newham's file: expense types under an area header and areas under a type header."""
    headers = ["Supplier", "Date", type_header, area_header, "Amount"]
    rows = [
        [f"Firm {i} Ltd", "15/05/2023", TYPES[i % 10], AREAS[(i * 3) % 10], f"{100 + i}.50"]
        for i in range(30)
    ]
    got = infer.infer_mapping(headers, rows)
    assert (got.fields["category"], got.fields["service"]) == (type_header, area_header)
    # Told the truth, the same headers are kept.
    honest = infer.infer_mapping(headers, [[r[0], r[1], r[3], r[2], r[4]] for r in rows])
    assert (honest.fields["category"], honest.fields["service"]) == (area_header, type_header)


def test_a_header_is_kept_when_the_values_do_not_say_otherwise():
    # Codes and names without the words of either: nothing to overrule the headers with.
    headers = ["Supplier", "Date", "Expense Area", "Expense Type", "Amount"]
    rows = [
        [f"Firm {i} Ltd", "15/05/2023", f"Code X{i % 7}", f"Ref Q{i % 5}", "10.00"]
        for i in range(30)
    ]
    got = infer.infer_mapping(headers, rows)
    assert (got.fields["category"], got.fields["service"]) == ("Expense Type", "Expense Area")
    # A few type words among area values (2 in 10) do not overrule a header either.
    mixed = [
        [r[0], r[1], AREAS[i % 10] if i % 10 > 1 else TYPES[i % 10], "Ref", "10.00"]
        for i, r in enumerate(rows)
    ]
    assert infer.infer_mapping(headers, mixed).fields["service"] == "Expense Area"


def test_a_blank_column_loses_to_a_filled_one_with_a_close_header():
    headers = ["Supplier", "Date", "Amount", "Proclass", "Procurement Category Name"]
    rows = [[f"Firm {i} Ltd", "15/05/2023", "10.00", "", TYPES[i % 10]] for i in range(20)]
    assert infer.infer_mapping(headers, rows).fields["category"] == "Procurement Category Name"


def test_an_empty_named_column_does_not_win_over_the_filled_unnamed_one_beside_it(
    workspace, tmp_path
):
    """The shape of NCL_06: a PDF-to-CSV header shifted off its values. "Expense area" is blank on every row and
    the areas sit, on some rows, in the unnamed column beside it; a second unnamed column is always blank."""
    rows = [
        f"30/09/2020,{TYPES[i % 10]},{AREAS[i % 10] if i % 9 == 0 else ''},,Firm {i} Ltd,,{1000 + i},{10 + i}.50"
        for i in range(60)
    ]
    f = _csv(
        tmp_path,
        "shifted.csv",
        "Date,Expense Type,,Expense area,Supplier,,Transaction,amount\n" + "\n".join(rows) + "\n",
    )
    s = ingest_spend(workspace, f, "Council")
    chosen = {c["field"]: c["column"] for c in s.columns}
    assert chosen["service"] == "(column 3, no name)" and chosen["category"] == "Expense Type"
    with workspace.warehouse() as con:
        areas = con.execute(
            """SELECT DISTINCT l.service FROM spend_rows r JOIN spend_lines l USING (upload_no, line_key)
               JOIN spend_uploads u USING (upload_no)
               WHERE u.upload_id = ? AND l.service IS NOT NULL""",
            [s.upload_id],
        ).fetchall()
    assert {a[0] for a in areas} == {AREAS[i % 10] for i in range(0, 60, 9)}


def test_a_mostly_blank_or_one_value_column_loses_to_a_filled_one():
    # "Department family" (an alias of the expense area) holds one value on every row; the real areas have gaps.
    headers = ["Department family", "Supplier", "Date", "Expense Type", "Expense area", "Amount"]
    rows = [
        [
            "Department of Health",
            f"Firm {i} Ltd",
            "31/05/2020",
            TYPES[i % 10],
            "" if i % 8 == 0 else AREAS[i % 10],
            "10.00",
        ]
        for i in range(80)
    ]
    assert infer.infer_mapping(headers, rows).fields["service"] == "Expense area"
    # The same areas on only a few rows under a near header lose to a filled column under a weaker one.
    headers = ["Supplier", "Date", "Amount", "Service area", "Cost centre"]
    rows = [
        [
            f"Firm {i} Ltd",
            "15/05/2023",
            "10.00",
            AREAS[i % 10] if i % 10 == 0 else "",
            AREAS[(i + 3) % 10],
        ]
        for i in range(50)
    ]
    assert infer.infer_mapping(headers, rows).fields["service"] == "Cost centre"


def test_the_preview_reads_the_top_of_a_big_file_and_the_checks_read_all_of_it(
    workspace, tmp_path, monkeypatch
):
    from anchorage.ingest import preview

    monkeypatch.setattr(preview, "HEAD_BYTES", 4096)
    rows = [f"Firm {i} Ltd,{10 + i}.50,{i % 28 + 1:02d}/05/2023" for i in range(2000)]
    # Day-first at the top; one month-first date at the very end, so the whole file mixes the two.
    f = _csv(
        tmp_path,
        "big.csv",
        "Supplier,Amount,Date\n" + "\n".join(rows) + "\nLast Ltd,1.00,05/31/2023\n",
    )
    work = tmp_path / "work"
    work.mkdir()
    pv = preview.preview_file(f, workdir=work)
    assert pv.head_only and pv.file == "big.csv" and pv.date_order == "dmy"
    assert pv.mapping == {"supplier_name": "Supplier", "amount": "Amount", "payment_date": "Date"}
    assert (
        work / "head" / "big.csv"
    ).stat().st_size <= 4096  # what was read: the top of the file only
    assert pv.rows[0] == ["Firm 0 Ltd", "10.50", "01/05/2023"]
    preview.run_spend_checks(workspace, pv, f, "Council", work)
    assert any(
        "once the date order is chosen" in n for n in pv.notes
    )  # the whole file's mix is found
    assert not preview.preview_file(f, workdir=work, head=None).head_only


def test_aggregate_is_refused_saying_what_was_found(workspace, tmp_path):
    f = _csv(tmp_path, "agg.csv", 'Supplier,Total\nA Ltd,"1,000.00"\nB Ltd,250.50\n')
    with pytest.raises(MappingError, match="aggregate") as e:
        ingest_spend(workspace, f, "Council")
    assert '"Total": money (e.g. "1,000.00")' in e.value.message


# --- sanity checks -------------------------------------------------------------------------------------


def test_another_bodys_file_warns_and_loads_only_when_accepted(workspace, tmp_path):
    f = _csv(
        tmp_path,
        "leeds.csv",
        "Body Name,Supplier,Amount,Date\nLeeds City Council,A Ltd,10,15/05/2023\n",
    )
    with pytest.raises(SanityWarning, match='names "Leeds City Council", not "Acute Trust"'):
        ingest_spend(workspace, f, "Acute Trust")
    s = ingest_spend(workspace, f, "Acute Trust", accept_warnings=True)
    assert s.rows_loaded == 1 and s.warnings
    own = _csv(
        tmp_path, "own.csv", "Entity,Supplier,Amount,Date\nThe Council,B Ltd,10,15/05/2023\n"
    )
    assert ingest_spend(workspace, own, "Council").warnings == []  # its own name: no warning


def test_overlap_future_far_dates_and_total_lines(workspace, tmp_path):
    ingest_spend(
        workspace,
        _csv(
            tmp_path, "may.csv", "Supplier,Amount,Date\nA Ltd,100,15/05/2023\nB Ltd,50,20/05/2023\n"
        ),
        "Council",
    )
    merged = _csv(
        tmp_path, "merged.csv", "Supplier,Amount,Date\nA Ltd,100,15/05/2023\nC Ltd,70,13/06/2023\n"
    )
    with pytest.raises(SanityWarning) as e:
        ingest_spend(workspace, merged, "Council")
    assert (
        "overlaps 2 payments (£150.00) already loaded for this anchor from may.csv"
        in e.value.message
    )
    future = (dt.date.today() + dt.timedelta(days=40)).strftime("%d/%m/%Y")
    with pytest.raises(SanityWarning, match="dated in the future"):
        ingest_spend(
            workspace,
            _csv(tmp_path, "fut.csv", f"Supplier,Amount,Date\nA Ltd,1,{future}\n"),
            "Council",
        )
    with pytest.raises(SanityWarning, match="years or more away"):
        ingest_spend(
            workspace,
            _csv(tmp_path, "old.csv", "Supplier,Amount,Date\nA Ltd,1,15/05/2011\n"),
            "Council",
        )
    # A total line that disagrees is reported with the load (its rows quarantined as a total line).
    s = ingest_spend(
        workspace,
        _csv(
            tmp_path,
            "tot.csv",
            "Supplier,Amount,Date\nA Ltd,10,15/05/2024\nB Ltd,20,16/05/2024\nTotal,999,\n",
        ),
        "Acute Trust",
    )
    assert (s.rows_loaded, s.amount_loaded, s.quarantine_reasons) == (
        2,
        Decimal("30"),
        {"this looks like a total line, not a payment": 1},
    )
    assert any(
        "total line says £999.00 but the payments loaded add up to £30.00" in w for w in s.warnings
    )


# --- identifiers in supplier names ---------------------------------------------------------------------


def test_identifiers_in_names_go_to_their_own_fields(workspace, tmp_path):
    f = _csv(
        tmp_path,
        "ids.csv",
        "Supplier,Amount,Date\nKINGS COLLEGE LONDON:03529700,10,15/05/2023\n"
        "HRB851100001 : ACME LTD,20,15/05/2023\nSupply Chain Coordination Ltd (Sccl) ( 905),30,15/05/2023\n"
        "Supply Chain Coordination Ltd (Sccl) ( 101),40,15/05/2023\n",
    )
    s = ingest_spend(workspace, f, "Council")
    rows = _stored(workspace, s.upload_id)
    assert rows[0][2:] == (
        "KINGS COLLEGE LONDON:03529700",
        "KINGS COLLEGE LONDON",
        "03529700",
        None,
    )
    assert rows[1][2:] == ("HRB851100001 : ACME LTD", "ACME", None, "HRB851100001")
    # One supplier under two account numbers groups as one, its numbers kept as references.
    assert (
        rows[2][3] == rows[3][3]
        and "905" not in rows[2][3]
        and (rows[2][5], rows[3][5]) == ("905", "101")
    )


def test_a_supplier_given_only_as_a_number_is_kept_as_unknown_with_its_reference(
    workspace, tmp_path
):
    # EPSH gives a supplier code for 13 payments; SEL_10's PDF extraction left transaction numbers.
    f = _csv(
        tmp_path,
        "codes.csv",
        "Supplier,Amount,Date\n10008721,100.50,15/05/2023\n10008721,50,16/05/2023\n"
        "35333734,25,17/05/2023\n3M United Kingdom PLC,10,18/05/2023\n",
    )
    s = ingest_spend(workspace, f, "Council")
    assert (s.rows_loaded, s.amount_loaded, s.rows_quarantined) == (
        4,
        Decimal("185.50"),
        0,
    )  # nothing lost
    rows = _stored(workspace, s.upload_id)
    assert [(r[2], r[3], r[5]) for r in rows] == [
        ("10008721", "REDACTED", "10008721"),
        ("10008721", "REDACTED", "10008721"),
        ("35333734", "REDACTED", "35333734"),
        ("3M United Kingdom PLC", "3M UNITED KINGDOM", None),
    ]
    assert any(
        n.startswith("3 payments give their supplier only as a number (10008721, 35333734)")
        for n in s.notes
    )


def test_cli_date_order_accept_warnings_and_json(workspace, tmp_path):
    f = _csv(
        tmp_path, "a.csv", "Body,Supplier,Amount,Date\nLeeds City Council,A Ltd,10,01/02/2023\n"
    )
    cmd = ["spend", "ingest", str(f), "--org", "Council", "--workspace", str(workspace.root)]
    ask = run_cli(cmd)
    assert (
        ask.returncode != 0
        and "--date-order" in ask.stdout + ask.stderr
        and "Traceback" not in ask.stderr
    )
    warn = run_cli([*cmd, "--date-order", "dmy"])
    assert warn.returncode != 0 and "Leeds City Council" in warn.stdout + warn.stderr
    ok = run_cli([*cmd, "--date-order", "dmy", "--accept-warnings", "--json"])
    out = json.loads(ok.stdout)
    assert out["rows_loaded"] == 1 and out["date_order"] == "dmy" and out["warnings"]
    assert {c["field"] for c in out["columns"]} >= {"supplier_name", "amount", "payment_date"}
    # `spend check` runs the same checks on another file and loads nothing.
    g = _csv(
        tmp_path, "b.csv", "Body,Supplier,Amount,Date\nLeeds City Council,B Ltd,10,01/02/2023\n"
    )
    checked_run = run_cli(
        [
            "spend",
            "check",
            str(g),
            "--org",
            "Council",
            "--workspace",
            str(workspace.root),
            "--date-order",
            "dmy",
            "--json",
        ]
    )
    assert checked_run.returncode == 0, checked_run.stderr
    checked = json.loads(checked_run.stdout)
    assert any("Leeds City Council" in w for w in checked["warnings"])
    assert any("overlaps 1 payments (£10.00)" in w for w in checked["warnings"])
    assert len(_stored(workspace, out["upload_id"])) == 1
    with workspace.warehouse() as con:
        assert con.execute(
            "SELECT count(*) FROM spend WHERE supplier_name = 'B Ltd'"
        ).fetchone() == (0,)


def test_a_date_glued_onto_text_is_read_with_a_mapping_file_too(workspace, tmp_path):
    f = _csv(
        tmp_path,
        "glued.csv",
        "Entity,Supplier,Amount\nNHS South East London CCG31/01/2021,A Ltd,10\n"
        "NHS South East London CCG31/01/2021,B Ltd,20\n",
    )
    m = tmp_path / "map.json"
    m.write_text(
        json.dumps({"payment_date": "Entity", "supplier_name": "Supplier", "amount": "Amount"})
    )
    for s in (
        ingest_spend(workspace, f, "Council", accept_warnings=True),
        ingest_spend(workspace, f, "Acute Trust", mapping_file=m, accept_warnings=True),
    ):
        assert (s.rows_loaded, s.rows_quarantined) == (2, 0)
        assert {r[0] for r in _stored(workspace, s.upload_id)} == {dt.date(2021, 1, 31)}
