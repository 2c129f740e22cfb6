"""Explore like Datasette (issue 17): the one table component on payments and the supplier explorer pages,
sorts, filters and exports from the URL; each answer is checked against an independent DuckDB query on the
`spend` view (not the explore tables the pages read); the data boundary holds through every filter and export;
dashboard figures link to the rows behind them, which add up to the figure."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import openpyxl
import pytest
from tests.conftest import make_workspace
from tests.web_support import MARKERS, Web, build_web, refresh_figures, signed_in, wait_for_jobs

from anchorage.access import audit, explore_queries, periods, queries
from anchorage.access.committed import FiguresPending
from anchorage.access.gate import Viewer
from anchorage.access.table import TableRequest
from anchorage.ingest.spend import ingest_spend
from anchorage.jobs import queue, worker
from anchorage.procurement import explore

SUPPLIERS = [
    "Local Caterers Ltd",
    "Central Consulting PLC",
    "Harrogate Supplies",
    "Berlin GmbH",
    "Helping Hands Trust",
    "Acme 100% Widgets",
    "Under_Score Ltd",
    "=SUM(A1) Ltd",
]
CATEGORIES = ["Catering", "IT", "Building", "Care"]


def _more_council_payments(folder: Path) -> Path:
    """237 payments in 2024-25, many with equal amounts and dates (so the tie-break decides the order)."""
    rng = random.Random(17)
    lines = ["Supplier Name,Amount,Payment Date,Expense Type,Service"]
    for i in range(237):
        day = dt.date(2024, 4, 1) + dt.timedelta(days=rng.randrange(0, 300))
        name = rng.choice(SUPPLIERS)
        amount = rng.choice([100, 250, 250, 999.99, 1200, -50])
        lines.append(
            f'"{name}",{amount},{day.isoformat()},{rng.choice(CATEGORIES)},Service {i % 7}'
        )
    path = folder / "council-2024.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("explore")
    w = build_web(root)
    ingest_spend(w.ws, _more_council_payments(root), "Council", accept_warnings=True)
    refresh_figures(
        w.ws
    )  # loaded behind the server's back: the figures refresh the server would queue
    yield w


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def expected_payments(
    web: Web,
    org: str,
    where: str = "TRUE",
    params: tuple[Any, ...] = (),
    order: str = "payment_date DESC",
) -> list[tuple[Any, ...]]:
    """The answer from the payments view itself, with the component's tie-break (upload, row)."""
    with web.ws.warehouse(read_only=True) as con:
        return con.execute(
            f"SELECT payment_date, supplier_name, amount FROM spend WHERE org = ? AND {where} "
            f"ORDER BY {order}, upload_id, row_no",
            [org, *params],
        ).fetchall()


def shown_rows(web: Web, client: Any, url: str) -> list[tuple[Any, ...]]:
    """Every row of a payments table, page by page, read from the CSV of the same query (full precision)."""
    body = client.get(url.replace("/transactions", "/transactions.csv", 1))
    assert body.status_code == 200, body.text
    return [
        (dt.date.fromisoformat(r["Date"]), r["Supplier"].removeprefix("'"), Decimal(r["Amount"]))
        for r in _csv(body.content)
    ]


CASES = [  # query, independent WHERE, its values, independent ORDER BY
    ({}, "TRUE", (), "payment_date DESC"),
    ({"sort": "amount"}, "TRUE", (), "amount"),
    ({"sort": "-amount"}, "TRUE", (), "amount DESC"),
    ({"sort": "supplier"}, "TRUE", (), "lower(supplier_name)"),
    (
        {"year": "2024-25"},
        "payment_date BETWEEN '2024-04-01' AND '2025-03-31'",
        (),
        "payment_date DESC",
    ),
    (
        {"supplier": "acme 100%"},
        "supplier_name ILIKE '%acme 100\\%%' ESCAPE '\\'",
        (),
        "payment_date DESC",
    ),
    (
        {"supplier": "under_s"},
        "supplier_name ILIKE '%under\\_s%' ESCAPE '\\'",
        (),
        "payment_date DESC",
    ),
    ({"category": "IT", "sort": "-amount"}, "category = 'IT'", (), "amount DESC"),
    (
        {"q": "service 3", "year": "2024-25", "sort": "payment_date"},
        "(service ILIKE '%service 3%') AND payment_date >= '2024-04-01'",
        (),
        "payment_date",
    ),
]


@pytest.mark.parametrize(("query", "where", "params", "order"), CASES)
def test_payments_page_sort_filter_and_export_match_an_independent_query(
    web, query, where, params, order
):
    c = signed_in(web, "analyst@council.org")
    want = expected_payments(web, "council", where, params, order)
    url = "/anchors/council/transactions?" + urlencode(query)
    assert shown_rows(web, c, url) == want
    # The pages: every page holds its 50 rows of the same order, and says where it is in the whole.
    pages = -(-len(want) // 50)
    for n in range(1, pages + 1):
        page = c.get(url + f"&page={n}")
        assert page.status_code == 200
        first, last = (n - 1) * 50 + 1, min(n * 50, len(want))
        assert f"rows {first:,}–{last:,} of {len(want):,}" in _text(page.text)
        names = [
            html.unescape(m)
            for m in re.findall(r'<td><a href="/supplier\?[^"]*">([^<]*)</a></td>', page.text)
        ]
        assert names == [r[1] for r in want[first - 1 : last]]
    # Past the last page: the last page, not an empty one nor an error.
    assert f"rows {max(1, (pages - 1) * 50 + 1):,}" in _text(c.get(url + "&page=99999999").text)


def test_xlsx_export_equals_the_csv_and_the_filtered_rows(web):
    c = signed_in(web, "analyst@council.org")
    query = "?year=2024-25&category=Catering&sort=-amount"
    rows = _csv(c.get("/anchors/council/transactions.csv" + query).content)
    book = openpyxl.load_workbook(
        io.BytesIO(c.get("/anchors/council/transactions.xlsx" + query).content)
    )
    sheet = list(book.active.iter_rows(values_only=True))
    assert list(sheet[0]) == list(rows[0].keys())
    assert (
        len(sheet) - 1
        == len(rows)
        == len(
            expected_payments(
                web, "council", "category = 'Catering' AND payment_date >= '2024-04-01'"
            )
        )
    )
    for got, want in zip(sheet[1:], rows, strict=True):
        assert Decimal(str(got[2])).quantize(Decimal("0.01")) == Decimal(want["Amount"])
        assert got[1] == want["Supplier"].removeprefix("'") or want["Supplier"].startswith("'")
    # A supplier named like a formula never runs: quoted in the CSV, stored as text in the workbook.
    formula = [r for r in _csv(c.get("/anchors/council/transactions.csv?supplier=sum").content)]
    assert formula and all(r["Supplier"] == "'=SUM(A1) Ltd" for r in formula)
    # Every table export is audited: what, for which anchor, in which format, how many rows.
    with web.ws.session() as s:
        events = [
            e
            for e in audit.events(s, limit=50)
            if e.action == "export" and e.actor == "analyst@council.org"
        ]
    got = sorted((e.org, e.detail["what"], e.detail["format"], e.detail["rows"]) for e in events)
    assert ("council", explore_queries.PAYMENTS.name, "xlsx", len(rows)) in got and (
        "council",
        explore_queries.PAYMENTS.name,
        "csv",
        len(formula),
    ) in got, got


def test_supplier_explorer_pages_every_supplier_and_matches_the_payments(web):
    c = signed_in(web, "analyst@council.org")
    with web.ws.warehouse(read_only=True) as con:
        want = con.execute(
            "SELECT supplier_name_norm, sum(amount), count(*) FROM spend WHERE org = 'council' "
            "AND NOT is_redacted GROUP BY 1 ORDER BY 2 DESC, 1"
        ).fetchall()
    rows = _csv(c.get("/suppliers.csv").content)
    assert [(Decimal(r["Spend"]), int(r["Payments"])) for r in rows] == [(w[1], w[2]) for w in want]
    assert {r["Anchor"] for r in rows} == {"Council"}
    assert f"rows 1–{len(want)} of {len(want)}" in _text(c.get("/suppliers").text)
    # Filter by year and tier: the payments of local suppliers in 2024-25, from the payments table.
    local = _csv(c.get("/anchors/council/transactions.csv?year=2024-25&tier=local").content)
    explorer = _csv(c.get("/suppliers.csv?year=2024-25&tier=local").content)
    assert (
        sum(Decimal(r["Amount"]) for r in local) == sum(Decimal(r["Spend"]) for r in explorer) > 0
    )
    assert {r["Where the supplier is"] for r in explorer} == {"Local"}


@pytest.mark.parametrize(
    "sort",
    [
        "amount;DROP TABLE spend_rows",
        "(SELECT 1)",
        "supplier_name",
        "--amount",
        "amount DESC",
        "1",
        "payment_date, amount",
    ],
)
def test_sort_columns_are_whitelisted(web, sort):
    c = signed_in(web, "analyst@council.org")
    for path in (
        "/anchors/council/transactions",
        "/anchors/council/transactions.csv",
        "/suppliers",
        "/suppliers.xlsx",
    ):
        r = c.get(path + "?" + urlencode({"sort": sort}))
        assert r.status_code == 400, (path, sort)
        assert "cannot be sorted by" in _text(r.text) and "Traceback" not in r.text
    assert len(expected_payments(web, "council")) > 200  # nothing ran: the payments are all there


def test_filter_values_are_bound_not_run(web):
    c = signed_in(web, "analyst@council.org")
    everyone = {r[1] for r in expected_payments(web, "council")}
    for value in [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
    ]:  # taken literally: only names that hold the very text
        r = c.get("/anchors/council/transactions.csv?" + urlencode({"supplier": value}))
        assert r.status_code == 200
        assert {x["Supplier"].removeprefix("'") for x in _csv(r.content)} == {
            n for n in everyone if value in n
        }
    assert c.get("/anchors/council/transactions?year=last").status_code == 400


def _marker_visible(text: str, anchor: str) -> bool:
    return MARKERS[anchor].split()[0].upper() in text.upper()


@pytest.mark.parametrize(
    "email", ["analyst@council.org", "admin@trust.org", "viewer@college.org", "collab@x.org"]
)
def test_no_filter_or_export_shows_another_anchors_rows(web, email):
    c = signed_in(web, email)
    own = {
        "analyst@council.org": "council",
        "admin@trust.org": "acute-trust",
        "viewer@college.org": "college",
        "collab@x.org": None,
    }[email]
    nothing = c.get("/suppliers.csv?" + urlencode({"anchor": "no-such-anchor"})).content
    for other in MARKERS:
        if other == own:
            continue
        key = MARKERS[other].upper().removesuffix(" LTD")
        for query in ({"anchor": other}, {"supplier_key": key}, {"q": MARKERS[other].split()[0]}):
            for path in ("/suppliers", "/suppliers.csv", "/suppliers.xlsx"):
                r = c.get(path + "?" + urlencode(query))
                assert r.status_code == 200
                shown = (
                    _tbody(r.text) if path == "/suppliers" else _xlsx_or_csv(r)
                )  # the page repeats the query
                assert not _marker_visible(shown, other), (path, query)
            assert (
                c.get("/suppliers.csv?" + urlencode(query)).content == nothing
            )  # the same as no rows
        # Another anchor's payments, page or export, with any filter: refused, naming nothing of theirs.
        for path in (f"/anchors/{other}/transactions", f"/anchors/{other}/transactions.csv"):
            r = c.get(path + "?" + urlencode({"supplier": MARKERS[other]}))
            assert r.status_code == 403 and not _marker_visible(r.text, other)
        # A supplier only another anchor pays: the same 404 as a supplier that does not exist.
        theirs, missing = (
            c.get("/supplier?" + urlencode({"name": key})),
            c.get("/supplier?name=NO+SUCH+SUPPLIER"),
        )
        assert theirs.status_code == missing.status_code == 404
        assert _text(theirs.text).replace(key, "") == _text(missing.text).replace(
            "NO SUCH SUPPLIER", ""
        )


def _tbody(page: str) -> str:
    return "".join(re.findall(r"<tbody>(.*?)</tbody>", page, re.S))


def _xlsx_or_csv(r: Any) -> str:
    if r.headers["content-type"].startswith("text/csv"):
        return r.text
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    return "\n".join(
        str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
    )


def _links(page: str, prefix: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="(' + re.escape(prefix) + r'[^"]*)"', page)]


def test_dashboard_figures_link_to_rows_that_add_up_to_them(web):
    c = signed_in(web, "analyst@council.org")
    page = c.get("/dashboard/council?year=2024-25").text
    links = [
        h for h in _links(page, "/anchors/council/transactions?") if "counted=" in h
    ]  # the figures' links
    viewer = Viewer(0, "t", "anchor-analyst", "council", frozenset({"council"}))
    dash = periods.dashboard_of(
        web.ws, viewer, "council", periods.year_analysis(web.ws, viewer, 2024)
    )
    tiers = dash.tables["tiers"].set_index("tier")["spend"]
    checked = 0
    for link in links:
        q = dict(parse_qsl(urlsplit(link).query))
        assert q.get("year") == "2024-25" and q.get("counted") == "yes"
        total = sum(
            Decimal(r["Amount"])
            for r in _csv(c.get(link.replace("/transactions?", "/transactions.csv?")).content)
        )
        if set(q) == {"year", "counted"}:
            assert total == Decimal(str(dash.tiles["spend"])).quantize(Decimal("0.01"))
            checked += 1
        elif set(q) == {"year", "counted", "tier"}:
            assert float(total) == pytest.approx(float(tiers[q["tier"]]))
            checked += 1
        elif "category" in q:
            cats = dash.tables["categories"].set_index("category")["spend"]
            assert float(total) == pytest.approx(float(cats[q["category"]]))
            checked += 1
    assert checked >= 4
    for link in _links(page, "/supplier?"):
        assert c.get(link).status_code == 200


def test_figures_have_no_links_for_those_who_may_not_see_the_rows(web):
    c = signed_in(web, "viewer@college.org")
    page = c.get("/dashboard/council?year=all").text
    assert _links(page, "/anchors/council/transactions") == [] and _links(page, "/supplier?") == []
    assert "Total spend" in page  # the figures are still there


def test_supplier_page_shows_spend_by_anchor_year_and_category_with_its_register_and_place(web):
    c = signed_in(web, "analyst@council.org")
    r = c.get("/supplier?name=HELPING+HANDS+TRUST")
    assert r.status_code == 200
    text = _text(r.text)
    with web.ws.warehouse(read_only=True) as con:
        years = con.execute(
            "SELECT CAST(year(payment_date - INTERVAL 3 MONTH) AS INTEGER), sum(amount) FROM spend "
            "WHERE org = 'council' AND supplier_name_norm = 'HELPING HANDS TRUST' GROUP BY 1"
        ).fetchall()
    for year, spend in years:
        assert f"{year}-{(year + 1) % 100:02d} £{spend:,.0f}" in text
    assert (
        "register-of-charities.charitycommission.gov.uk/charity-search/-/charity-details/1234567"
        in r.text
    )
    assert "Local, postcode SE6 4RU" in text
    assert "/anchors/council/transactions?supplier_key=HELPING+HANDS+TRUST" in r.text
    # The payments behind it: exactly this supplier's.
    rows = _csv(c.get("/anchors/council/transactions.csv?supplier_key=HELPING+HANDS+TRUST").content)
    assert sum(Decimal(x["Amount"]) for x in rows) == sum(s for _, s in years)


def _built(ws) -> str | None:
    with ws.warehouse(read_only=True) as con:
        return explore.built_stamp(con)


def test_an_upload_shows_once_the_refresh_job_has_built_the_tables_and_no_request_builds_them(
    web, tmp_path
):
    c = signed_in(web, "analyst@trust.org")
    before = _csv(c.get("/anchors/acute-trust/transactions.csv").content)
    extra = tmp_path / "trust-more.csv"
    extra.write_text(
        "Supplier,Supplier Postcode,Amount,Date\nNew Trust Supplier Ltd,,77,2025-01-10\n"
    )
    worker.stop(web.ws)  # hold the queue still: the refresh the new data needs waits
    try:
        ingest_spend(web.ws, extra, "Acute Trust", accept_warnings=True)
        stamp, writes = _built(web.ws), web.ws.warehouse_writes
        assert explore.outdated(web.ws)
        pages = {
            u: c.get(u)
            for u in (
                "/anchors/acute-trust/transactions",
                "/suppliers",
                "/supplier?name=NEW+TRUST+SUPPLIER",
                "/anchors/acute-trust/transactions.csv",
                "/suppliers.csv",
                "/api/v1/dashboard/acute-trust",
            )
        }
        for url, r in pages.items():
            assert r.status_code in (200, 404), (
                url
            )  # the new supplier is not in the last tables built: not found
        assert pages["/supplier?name=NEW+TRUST+SUPPLIER"].status_code == 404
        assert (
            _csv(pages["/anchors/acute-trust/transactions.csv"].content) == before
        )  # the last tables built
        assert (
            "Newer figures are being worked out" in pages["/anchors/acute-trust/transactions"].text
        )
        assert "Newer figures are being worked out" in pages["/suppliers"].text
        # No request built the tables nor wrote the warehouse; the refresh they asked for is queued, not run.
        assert (_built(web.ws), web.ws.warehouse_writes) == (stamp, writes)
        assert queue.latest(web.ws, "refresh", ("queued",)) is not None
    finally:
        worker.start(web.ws)
    wait_for_jobs(web.ws)
    assert _built(web.ws) != stamp and not explore.outdated(web.ws)
    after = _csv(c.get("/anchors/acute-trust/transactions.csv").content)
    assert len(after) == len(before) + 1 and after[0]["Supplier"] == "New Trust Supplier Ltd"
    assert c.get("/supplier?name=NEW+TRUST+SUPPLIER").status_code == 200
    assert "Newer figures" not in c.get("/suppliers").text
    assert queries.data_version(web.ws) == queries.data_version(
        web.ws
    )  # stable while nothing changes


def test_the_explorer_before_the_first_build_says_the_figures_are_being_worked_out(tmp_path):
    ws = make_workspace(tmp_path / "ws", [("Council", "council")])
    ingest_spend(ws, _more_council_payments(tmp_path), "Council")
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    with pytest.raises(FiguresPending) as raised:
        explore_queries.suppliers(ws, viewer, TableRequest())
    assert raised.value.http_status == 503
    with ws.warehouse(read_only=True) as con:
        assert not explore.ready(con)  # asking built nothing
