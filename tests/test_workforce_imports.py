"""The workforce files on the one import pipeline: scoped to their anchor, quarantined with reasons, idempotent."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import make_workspace
from tests.test_workflow import cli, ok

from anchorage.core.errors import AnchorageError
from anchorage.ingest import kinds
from anchorage.workforce import imports
from anchorage.workforce.levy_io import pay_bills
from anchorage.workspace import Workspace

A, B, C = "Council", "Acute Trust", "College"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return make_workspace(tmp_path / "ws", [(A, "council"), (B, "nhs-trust"), (C, "college")])


def slug(name: str) -> str:
    return name.lower().replace(" ", "-")


# Each kind: a file for an anchor (variant v: the good row differs), with one good row and one bad row.
FILES: dict[str, Callable[[str, int], str]] = {
    "levy-paybill": lambda a, v: (
        f"anchor,month,pay_bill\n{a},04/2024,{1000 + v}\n{a},not a month,5\n"
    ),
    "levy-commitments": lambda a, v: (
        "anchor,apprentice,start_month,duration_months,total_price\n"
        f"{a},AP{v},01/2025,12,9000\n{a},AQ,01/2025,zero,9000\n"
    ),
    "placements": lambda a, v: (
        f"id,anchor,department,skill,capacity\n{slug(a)}-P{v},{a},Finance,finance,1\n"
        f"{slug(a)}-Q,{a},Admin,admin,x\n"
    ),
    "apprentices": lambda a, v: (
        f"id,programme,employer,start_date,preferences\n{slug(a)}-X{v},BA3,{a},01/09/2025,P1;P2\n"
        f"{slug(a)}-Y,NOPE,{a},01/09/2025,\n"
    ),
    "pledges": lambda a, v: (
        "anchor,employer,role,placements,hours_per_week,hourly_wage,duration_months,"
        f"additionality,pledged_on\n{a},Cafe {v},Barista,2,25,8.72,6,Y,01/12/2020\n"
        f"{a},Shop,Assistant,two,25,8.72,6,Y,01/12/2020\n"
    ),
    "starts": lambda a, v: (
        f"anchor,employer,role,participant,start_date,outcome\n{a},Cafe 0,Barista,P{v},01/02/2021,"
        f"in placement\n{a},Nobody,Cook,P9,01/02/2021,\n"
    ),
    "he-engagements": lambda a, v: (
        "anchor,partner,partner_type,kind,title,start_date,people\n"
        f"{a},Uni,university,research,T{v},01/09/2024,5\n"
        f"{a},Uni,university,gossip,T,01/09/2024,1\n"
    ),
}
# The records rows an anchor owns, for each kind.
OWNED = {
    "levy-paybill": "SELECT * FROM wf_levy_paybill WHERE org = :o ORDER BY id",
    "levy-commitments": "SELECT * FROM wf_levy_commitments WHERE org = :o ORDER BY id",
    "placements": "SELECT * FROM wf_placements WHERE org = :o ORDER BY id",
    "apprentices": "SELECT * FROM wf_apprentices WHERE employer = :o ORDER BY id",
    "pledges": "SELECT * FROM wf_pledges WHERE org = :o ORDER BY id",
    "starts": "SELECT * FROM wf_bid_starts WHERE pledge_id IN (SELECT id FROM wf_pledges WHERE org = :o) ORDER BY id",
    "he-engagements": "SELECT * FROM wf_he_engagements WHERE org = :o ORDER BY id",
}


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def load(ws: Workspace, kind: str, path: Path, org: str | None):
    return kinds.get(kind).load(ws, path, org)


def dump(ws: Workspace, kind: str, org: str) -> str:
    """Everything of an anchor's for a kind: its records rows, its quarantine rows and its uploads."""
    with ws.session() as s:
        rows = [tuple(r) for r in s.execute(sa.text(OWNED[kind]), {"o": slug(org)})]
        uploads = [
            tuple(r)
            for r in s.execute(
                sa.text("SELECT * FROM uploads WHERE org = :o ORDER BY id"), {"o": slug(org)}
            )
        ]
    with ws.warehouse(read_only=True) as con:
        quarantine = con.execute(
            "SELECT * FROM quarantine WHERE org = ? ORDER BY upload_id, row_no", [slug(org)]
        ).fetchall()
    return repr((rows, uploads, quarantine))


def prerequisites(ws: Workspace, kind: str, tmp: Path) -> None:
    if kind == "apprentices":
        imports.import_programmes(
            ws,
            write(
                tmp / "prog.csv",
                "id,standard,level,duration_months,off_the_job_hours,"
                "start_date\nBA3,Business administrator,3,12,400,01/09/2025\n",
            ),
        )
    if kind == "starts":
        for a in (A, B):
            load(ws, "pledges", write(tmp / f"pl-{slug(a)}.csv", FILES["pledges"](a, 0)), a)


@pytest.mark.parametrize("kind", sorted(FILES))
def test_loading_one_anchors_file_leaves_anothers_rows_byte_identical(ws, tmp_path, kind):
    prerequisites(ws, kind, tmp_path)
    first = load(ws, kind, write(tmp_path / "b.csv", FILES[kind](B, 0)), B)
    assert (first.rows_read, first.rows_loaded, first.rows_quarantined) == (
        2,
        1,
        1,
    ) and first.balanced
    before = dump(ws, kind, B)
    assert "org" not in before or slug(B) in before
    load(ws, kind, write(tmp_path / "a.csv", FILES[kind](A, 0)), A)
    newer = load(
        ws, kind, write(tmp_path / "a.csv", FILES[kind](A, 1)), A
    )  # a new version of A's file
    assert newer.rows_loaded == 1 and not newer.duplicate
    again = load(ws, kind, tmp_path / "a.csv", A)
    assert again.duplicate and again.rows_loaded == 0
    both = load(ws, kind, write(tmp_path / "collab.csv", FILES[kind](A, 2)), None)  # names only A
    assert both.org == "" and any(f"of {A} only" in n for n in both.notes), both.notes
    assert dump(ws, kind, B) == before
    with ws.session() as s:
        mine = [r._mapping for r in s.execute(sa.text(OWNED[kind]), {"o": slug(A)})]
    assert len(mine) == 1 and mine[0]["upload_id"] == both.upload_id
    with ws.warehouse(read_only=True) as con:  # A's quarantine is that of its latest file only
        assert con.execute(
            "SELECT count(*), min(upload_id) FROM quarantine WHERE org = ? AND kind = ?",
            [slug(A), kind],
        ).fetchone() == (1, both.upload_id)


def test_programmes_add_or_update_only_those_a_file_names(ws, tmp_path):
    header = "id,standard,level,duration_months,off_the_job_hours,start_date\n"
    imports.import_programmes(
        ws,
        write(
            tmp_path / "p1.csv",
            header + "BA3,Business administrator,3,12,400,01/09/2025\n"
            "DA4,Data analyst,4,15,500,01/09/2025\n",
        ),
        A,
    )
    with ws.session() as s:
        ba3 = s.execute(sa.text("SELECT * FROM wf_programmes WHERE id = 'BA3'")).one()
    s2 = imports.import_programmes(
        ws,
        write(
            tmp_path / "p2.csv",
            header + "DA4,Data analyst,4,18,500,01/09/2025\nSH,Too short,2,6,300,01/09/2025\n",
        ),
        B,
    )
    assert (s2.rows_loaded, s2.rows_quarantined) == (1, 1)
    assert s2.quarantine_reasons == {
        "SH lasts 6 months, under the 8-month minimum for starts on 01/09/2025": 1
    }
    with ws.session() as s:
        assert s.execute(sa.text("SELECT * FROM wf_programmes WHERE id = 'BA3'")).one() == ba3
        assert (
            s.execute(
                sa.text("SELECT duration_months FROM wf_programmes WHERE id = 'DA4'")
            ).scalar()
            == 18
        )


def test_pay_bill_quarantine_names_file_row_column_and_reason(ws, tmp_path):
    text = (
        "Organisation,Pay month,Pay bill,English share\n"
        f'{A},04/2024,"£1,000.50",1\n'
        f"Nowhere Council,05/2024,200,1\n"
        f"{A},13/2024,300,1\n"
        f"{A},06/2024,lots,1\n"
        f"{A},07/2024,400,1.5\n"
        f"{A},08/2024,-5,1\n"
        f"{A},09/2024,10,\n{A},09/2024,20,\n"
        f"{B},04/2024,50,0.9\n"
    )
    s = imports.import_pay_bills(ws, write(tmp_path / "bills.csv", text))
    assert (s.rows_read, s.rows_loaded, s.rows_quarantined) == (9, 2, 7) and s.balanced
    assert (s.amount_read, s.amount_loaded) == (Decimal("1975.50"), Decimal("1050.50"))
    assert s.amount_quarantined == Decimal("925.00")
    with ws.warehouse(read_only=True) as con:
        q = con.execute(
            "SELECT org, source_file, row_no, column_name, reason FROM quarantine ORDER BY row_no"
        ).fetchall()
    assert q == [
        (
            "",
            "bills.csv",
            2,
            "Organisation",
            'anchor "Nowhere Council" is not an anchor of this workspace',
        ),
        ("council", "bills.csv", 3, "Pay month", 'month "13/2024" is not a month (use MM/YYYY)'),
        ("council", "bills.csv", 4, "Pay bill", 'pay bill "lots" is not an amount'),
        ("council", "bills.csv", 5, "English share", 'english share "1.5" is not between 0 and 1'),
        ("council", "bills.csv", 6, "Pay bill", 'pay bill "-5" must be 0 or more'),
        (
            "council",
            "bills.csv",
            7,
            "Pay month",
            "the anchor's pay bill for this month appears 2 times in the file",
        ),
        (
            "council",
            "bills.csv",
            8,
            "Pay month",
            "the anchor's pay bill for this month appears 2 times in the file",
        ),
    ]
    assert sorted((b.org, b.pay_bill) for b in pay_bills(ws)) == [
        ("acute-trust", Decimal("50.00")),
        ("council", Decimal("1000.50")),
    ]


def test_an_anchors_file_never_loads_rows_for_another_anchor(ws, tmp_path):
    s = imports.import_pay_bills(
        ws, write(tmp_path / "b.csv", f"anchor,month,pay_bill\n{A},04/2024,10\n{B},04/2024,20\n"), A
    )
    assert (s.rows_loaded, s.rows_quarantined) == (1, 1)
    assert s.quarantine_reasons == {"anchor …": 1}
    assert [b.org for b in pay_bills(ws)] == ["council"]


def test_a_collaborative_file_replaces_only_the_anchors_it_names(ws, tmp_path):
    for a in (A, B, C):
        imports.import_pay_bills(
            ws, write(tmp_path / f"{slug(a)}.csv", "month,pay_bill\n04/2024,100\n05/2024,100\n"), a
        )
    college = dump(ws, "levy-paybill", C)
    s = imports.import_pay_bills(
        ws, write(tmp_path / "all.csv", f"anchor,month,pay_bill\n{A},04/2024,7\n{B},06/2024,8\n")
    )
    assert (
        s.notes[-1] == f"replaces the pay bills of {B}, {A} only; other anchors' rows are unchanged"
    )
    assert dump(ws, "levy-paybill", C) == college
    got = sorted((b.org, b.month.month, b.pay_bill) for b in pay_bills(ws))
    assert got == [
        ("acute-trust", 6, Decimal(8)),
        ("college", 4, Decimal(100)),
        ("college", 5, Decimal(100)),
        ("council", 4, Decimal(7)),
    ]
    with ws.session() as ses:  # the anchors' own earlier uploads no longer hold any row: replaced
        status = dict(
            ses.execute(
                sa.text("SELECT org, status FROM uploads WHERE kind = 'levy-paybill' AND org <> ''")
            ).all()
        )
    assert status == {"council": "replaced", "acute-trust": "replaced", "college": "loaded"}


def test_commitments_over_the_cap_are_refused_and_nothing_is_saved(ws, tmp_path):
    imports.import_pay_bills(
        ws,
        write(
            tmp_path / "b.csv",
            "month,pay_bill\n" + "".join(f"{m:02}/2024,400000\n" for m in range(4, 13)),
        ),
        A,
    )
    text = (
        "apprentice,start_month,duration_months,total_price,recipient,recipient_type\n"
        "T1,05/2024,12,9000000,Small Co,small-employer\n"
    )
    with pytest.raises(
        AnchorageError, match=r"council would transfer £[0-9,.]+ in tax year 2024-25, over its cap"
    ):
        imports.import_commitments(ws, write(tmp_path / "c.csv", text), A)
    with ws.session() as s:
        assert s.execute(sa.text("SELECT count(*) FROM wf_levy_commitments")).scalar() == 0
        assert (
            s.execute(
                sa.text("SELECT count(*) FROM uploads WHERE kind = 'levy-commitments'")
            ).scalar()
            == 0
        )


def test_every_kind_is_registered_on_the_one_pipeline():
    assert {
        "spend",
        "suppliers",
        "workforce",
        "levy-paybill",
        "levy-commitments",
        "programmes",
        "placements",
        "apprentices",
        "pledges",
        "starts",
        "he-engagements",
    } <= set(kinds.REGISTRY)
    assert {k.name for k in kinds.REGISTRY.values() if k.personal} >= {
        "workforce",
        "apprentices",
        "starts",
        "pledges",
    }


def test_personal_files_keep_no_raw_copy(ws, tmp_path):
    imports.import_programmes(
        ws,
        write(
            tmp_path / "p.csv",
            "id,standard,level,duration_months,off_the_job_hours,"
            "start_date\nBA3,Business administrator,3,12,400,01/09/2025\n",
        ),
    )
    s = imports.import_apprentices(ws, write(tmp_path / "a.csv", FILES["apprentices"](A, 0)), A)
    p = imports.import_placements(ws, write(tmp_path / "pl.csv", FILES["placements"](A, 0)), A)
    with ws.session() as ses:
        raw = dict(
            ses.execute(
                sa.text("SELECT id, raw_path FROM uploads WHERE id IN (:a, :b)"),
                {"a": s.upload_id, "b": p.upload_id},
            ).all()
        )
    assert (
        raw[s.upload_id] == ""
        and Path(raw[p.upload_id]).read_bytes() == (tmp_path / "pl.csv").read_bytes()
    )


def test_cli_json_summary_balances(tmp_path):
    root = tmp_path / "ws"
    make_workspace(root, [(A, "council"), (B, "nhs-trust")])
    bills = write(
        tmp_path / "bills.csv",
        f'anchor,month,pay_bill\n{A},04/2024,"£1,000"\n{B},04/2024,oops\n{B},05/2024,250.25\n',
    )
    got = json.loads(ok(cli("levy", "load-paybill", str(bills), "--json", env_ws=root)).stdout)
    assert (got["rows_read"], got["rows_loaded"], got["rows_quarantined"]) == (3, 2, 1)
    assert got["amount_read"] == got["amount_loaded"] + got["amount_quarantined"] == 1250.25
    assert got["balanced"] and got["kind"] == "levy-paybill" and got["upload_id"]


@pytest.mark.parametrize("kind", ["money", "month"])
def test_fast_paths_give_what_the_shared_parsers_give(kind):
    import duckdb

    from anchorage.core.values import install
    from anchorage.ingest.record_files import FileColumn, _parsed

    values = [
        "£1,234.56",
        "1234.5",
        "1,234",
        "£0.01",
        "1.005",
        "12,34",
        "£1,234,567.89",
        "999999999999999999",
        "(12.00)",
        "12CR",
        "-5",
        "£ 5",
        "1,2345",
        "01/2025",
        "1/2025",
        "13/2025",
        "2025-01",
        "04/1940",
        "15/03/2024",
        "Jan-24",
        "",
        "abc",
        "45000",
        "0/2024",
    ]
    con = duckdb.connect()
    install(con)
    con.execute("CREATE TABLE v AS SELECT unnest(?) AS x_raw", [values])
    fast = _parsed(FileColumn("x", kind))[0]
    shared = (
        "anchorage_amount(x_raw)"
        if kind == "money"
        else "CAST(date_trunc('month', anchorage_date(x_raw)) AS DATE)"
    )
    got = con.execute(f"SELECT x_raw, {fast.replace(chr(34), '')}, {shared} FROM v").fetchall()
    assert [r for r in got if r[1] != r[2] and not (r[1] is None and r[2] is None)] == []
    assert sum(r[1] is not None for r in got) >= 5


def test_on_postgresql_records(tmp_path, fresh_pg_database, monkeypatch):
    """The bulk path (plain tuples) and the row path on PostgreSQL: same values, same scoping."""
    monkeypatch.setenv("ANCHORAGE_RECORDS_URL", fresh_pg_database)
    ws = make_workspace(tmp_path / "ws", [(A, "council"), (B, "nhs-trust")])
    imports.import_pay_bills(
        ws, write(tmp_path / "b.csv", 'month,pay_bill,english_share\n04/2024,"£1,000.25",0.9\n'), B
    )
    before = dump(ws, "levy-paybill", B)
    s = imports.import_pay_bills(
        ws, write(tmp_path / "a.csv", f"anchor,month,pay_bill\n{A},04/2024,7.5\n{A},x,1\n")
    )
    assert (s.rows_loaded, s.rows_quarantined, s.amount_loaded) == (1, 1, Decimal("7.50"))
    assert dump(ws, "levy-paybill", B) == before
    assert sorted(
        (b.org, b.month.isoformat(), b.pay_bill, b.english_share) for b in pay_bills(ws)
    ) == [
        ("acute-trust", "2024-04-01", Decimal("1000.25"), Decimal("0.9")),
        ("council", "2024-04-01", Decimal("7.5"), 1),
    ]
    for a in (A, B):
        load(ws, "pledges", write(tmp_path / f"p-{slug(a)}.csv", FILES["pledges"](a, 0)), a)
    load(ws, "starts", write(tmp_path / "s-b.csv", FILES["starts"](B, 0)), B)
    before = dump(ws, "starts", B)
    load(
        ws,
        "pledges",
        write(
            tmp_path / "p-a.csv", FILES["pledges"](A, 0) + f"{A},Deli,Cook,1,25,9,6,Y,01/12/2020\n"
        ),
        A,
    )
    load(ws, "starts", write(tmp_path / "s-a.csv", FILES["starts"](A, 3)), A)
    assert dump(ws, "starts", B) == before
