"""The explore tables (procurement/explore.py) are built in bounded memory and incrementally: under a 64 MB
DuckDB memory limit they hold exactly the payments of the `spend` view, numbered newest first per anchor, and
an upload for one anchor rebuilds only that anchor, giving the same tables as a full build."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from tests.conftest import make_workspace

from anchorage.access import explore_queries
from anchorage.access.gate import Viewer
from anchorage.access.table import read_request, sql_page
from anchorage.ingest.spend import ingest_spend
from anchorage.procurement import explore, explore_payments


def _payments(path: Path, seed: int, rows: int) -> Path:
    rng = random.Random(seed)
    lines = ["Supplier Name,Amount,Payment Date,Expense Type,Service"]
    for i in range(rows):
        day = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randrange(0, 1000))
        amount = rng.choice([100, 250, 999.99, 1200, -50, 12_345.67])
        name = f"Supplier {rng.randrange(60)} Ltd"
        lines.append(f"{name},{amount},{day.isoformat()},Cat {rng.randrange(5)},Service {i % 7}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _tables(con) -> dict[str, object]:
    """Every explore table's rows, payments in their stored numberings per anchor (not the numbers)."""
    numbers = (
        "pos",
        "first_pos",
        "by_amount_desc",
        "by_amount_asc",
        "group_no",
        "last_pos",
        "supplier_no",
    )
    out: dict[str, object] = {}
    for t in explore.TABLES:
        cols = [r[0] for r in con.execute(f"DESCRIBE {t}").fetchall() if r[0] not in numbers]
        order = "org, pos" if t == "explore_payments" else ", ".join(cols)
        out[t] = con.execute(f"SELECT {', '.join(cols)} FROM {t} ORDER BY {order}").fetchall()
    for by in ("by_amount_desc", "by_amount_asc"):
        out[by] = con.execute(
            "SELECT a.org, p.upload_id, p.row_no FROM explore_payment_amounts a "
            f"JOIN explore_payments p USING (pos) ORDER BY a.org, a.{by}"
        ).fetchall()
    return out


def test_explore_build_in_64mb_is_exact_and_an_upload_rebuilds_only_its_anchor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(explore_payments, "CHUNK", 400)  # payments numbered a few months at a time
    ws = make_workspace(tmp_path / "ws", [("Council", "council"), ("Acute Trust", "nhs-trust")])
    ingest_spend(ws, _payments(tmp_path / "c.csv", 1, 3000), "Council", accept_warnings=True)
    with ws.warehouse() as con:
        con.execute("SET memory_limit = '64MB'")
        con.execute("SET threads = 1")
        assert explore.build(con, ws.config) == ["council"]
        assert explore.is_current(con, ws.config)
        # Exactly the payments, with the spend view's totals, newest first in one run of numbers.
        got = con.execute(
            "SELECT count(*), sum(amount), count(DISTINCT pos), max(pos) - min(pos) + 1 FROM explore_payments"
        ).fetchone()
        want = con.execute("SELECT count(*), sum(amount) FROM spend").fetchone()
        assert got[:2] == want and got[2] == got[3] == want[0]
        order = con.execute(
            "SELECT upload_id, row_no FROM explore_payments ORDER BY pos"
        ).fetchall()
        assert (
            order
            == con.execute(
                "SELECT upload_id, row_no FROM spend ORDER BY org, payment_date DESC, upload_id, row_no"
            ).fetchall()
        )
        counts = dict(
            con.execute(
                "SELECT financial_year, payments FROM explore_payment_counts WHERE org = 'council'"
            ).fetchall()
        )
        assert (
            counts[None] == want[0]
            and sum(v for k, v in counts.items() if k is not None) == want[0]
        )
        assert con.execute("SELECT sum(spend) FROM explore_spend").fetchone()[0] == want[1]
        before = con.execute(
            "SELECT pos, upload_id, row_no FROM explore_payments ORDER BY pos"
        ).fetchall()
        assert explore.build(con, ws.config) == []  # nothing changed: nothing rebuilt

    ingest_spend(ws, _payments(tmp_path / "t.csv", 2, 2000), "Acute Trust", accept_warnings=True)
    with ws.warehouse() as con:
        con.execute("SET memory_limit = '64MB'")
        con.execute("SET threads = 1")
        assert not explore.is_current(con, ws.config)
        assert explore.build(con, ws.config) == ["acute-trust"]  # only the anchor with a new upload
        assert explore.is_current(con, ws.config)
        council = con.execute(
            "SELECT pos, upload_id, row_no FROM explore_payments WHERE org = 'council' ORDER BY pos"
        ).fetchall()
        assert council == before  # the council's rows were not rebuilt
        assert con.execute("SELECT count(*), sum(amount) FROM explore_payments").fetchone() == (
            con.execute("SELECT count(*), sum(amount) FROM spend").fetchone()
        )
        incremental = _tables(con)
        assert explore.build(con, ws.config, full=True) == ["acute-trust", "council"]
        assert _tables(con) == incremental  # the same tables as a full build
        first = dict(
            con.execute(
                "SELECT org, first_pos FROM explore_payment_counts WHERE financial_year IS NULL"
            ).fetchall()
        )
        runs = con.execute(
            "SELECT org, min(pos), max(pos), count(*) FROM explore_payments GROUP BY org"
        ).fetchall()
        for org, lo, hi, n in runs:  # each anchor's payments are one run of numbers
            assert (lo, hi - lo + 1) == (first[org], n)
            for by, way in (("by_amount_desc", "DESC"), ("by_amount_asc", "ASC")):  # and by amount
                ranked = con.execute(
                    f"SELECT a.{by}, p.upload_id, p.row_no FROM explore_payment_amounts a "
                    f"JOIN explore_payments p USING (pos) WHERE a.org = ? ORDER BY a.{by}",
                    [org],
                ).fetchall()
                assert [r[0] for r in ranked] == list(range(lo, hi + 1))
                assert [r[1:] for r in ranked] == con.execute(
                    f"SELECT upload_id, row_no FROM spend WHERE org = ? "
                    f"ORDER BY amount {way}, upload_id, row_no",
                    [org],
                ).fetchall()


def test_stored_numberings_give_the_pages_a_sort_gives(tmp_path: Path) -> None:
    """The explorer by spend and the payments by amount, read as ranges of the stored numberings, show the
    rows, in the order, that sorting the tables gives (access/table.sql_page), on every page."""
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    ingest_spend(ws, _payments(tmp_path / "c.csv", 3, 1500), "Council", accept_warnings=True)
    with ws.warehouse() as con:
        explore.build(con, ws.config)
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    s, p = explore_queries.SUPPLIERS_FLAT, explore_queries.PAYMENTS
    cases = [
        (s, {}, "explore_suppliers", "org = 'council' AND financial_year IS NULL"),
        (s, {"year": "2023-24"}, "explore_suppliers", "org = 'council'"),
        (s, {"year": "2023-24", "sort": "-payments"}, "explore_suppliers", "org = 'council'"),
        (
            s,
            {"sort": "-payments"},
            "explore_suppliers",
            "org = 'council' AND financial_year IS NULL",
        ),
        (p, {"sort": "-amount"}, "explore_payments", "org = 'council'"),
        (p, {"sort": "amount"}, "explore_payments", "org = 'council'"),
    ]
    for spec, params, table, scope in cases:
        for n in (1, 2, 3, 99):
            req = read_request(spec, {**params, "page": str(n)}, per_page=25)
            if spec is s:
                got = explore_queries.suppliers(ws, viewer, req)
            else:
                got = explore_queries.payments(ws, viewer, "council", req)
            with ws.warehouse(read_only=True) as con:
                want = sql_page(
                    con, spec, req, table, (scope, []), extra="supplier_name_norm AS supplier_key"
                )
            assert (got.total, got.request.page, got.rows) == (
                want.total,
                want.request.page,
                want.rows,
            )
            assert got.rows
