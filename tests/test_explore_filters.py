"""Filtered explore pages read by index (issue 17): payments filtered on what their groups hold (supplier
text, tier, year, category, place, exclusion) and the explorer filtered on a category or the exclusion rules
give exactly the rows, order, count and page number of the scan they replace (access/table.sql_page over
explore_payments, and over spend grouped per supplier), for every filter, sort and page tried."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web_support import Web, build_web, refresh_figures

from anchorage.access import explore_filtered
from anchorage.access import explore_queries as eq
from anchorage.access.explore_filtered import group_page
from anchorage.access.explore_specs import CATEGORY_FILTERS, GROUP_FILTERS
from anchorage.access.gate import Viewer
from anchorage.access.table import TablePage, read_request, sql_page, sql_rows
from anchorage.ingest.spend import ingest_spend

# Spellings of one supplier (the same normalised name), places the fixtures' postcodes put in every tier,
# and names the default exclusion rules leave out.
NAMES = [
    ("Local Caterers Ltd", "SE6 4RU"),
    ("LOCAL CATERERS LTD", ""),
    ("local caterers ltd", "SE6 4RU"),
    ("Greenwich Builders", "SE10 0AA"),
    ("Central Consulting PLC", "WC1A 1AA"),
    ("Harrogate Supplies", "HG1 1AA"),
    ("Careful Care_Homes 100%", ""),
    ("HM Revenue & Customs", ""),
    ("Royal Borough of Greenwich", "SE10 0AA"),
    ("Helping Hands Trust", "SE6 4RU"),
    ("REDACTED", ""),
]
CATEGORIES = ["Catering", "Care", "IT", "Building", ""]
# Descriptions a search matches on the payment alone (its supplier, category and service may not hold them).
DESCRIPTIONS = ["Respite care week", "Printer toner", "", "Ltd fees 100%", "Hall hire"]


def _payments(folder: Path) -> Path:
    rng = random.Random(23)
    lines = ["Supplier Name,Supplier Postcode,Amount,Payment Date,Expense Type,Service,Description"]
    for i in range(420):
        name, postcode = rng.choice(NAMES)
        day = dt.date(2022, 4, 1) + dt.timedelta(days=rng.randrange(0, 900))
        amount = rng.choice([100, 250, 250, 999.99, -40, 5000])
        lines.append(
            f'"{name}",{postcode},{amount},{day.isoformat()},{rng.choice(CATEGORIES)},Service {i % 4},'
            f"{rng.choice(DESCRIPTIONS)}"
        )
    path = folder / "council-more.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    root = tmp_path_factory.mktemp("filters")
    w = build_web(root)
    ingest_spend(w.ws, _payments(root), "Council", accept_warnings=True)
    refresh_figures(w.ws)
    yield w


def _values(web: Web) -> dict[str, list[str]]:
    """Values each filter can take in the data (and one that matches nothing)."""
    with web.ws.warehouse(read_only=True) as con:

        def one(sql: str) -> list[str]:
            return [str(r[0]) for r in con.execute(sql).fetchall() if r[0] is not None]

        years = [
            f"{y}-{(y + 1) % 100:02d}"
            for y in map(int, one("SELECT DISTINCT financial_year FROM explore_spend ORDER BY 1"))
        ]
        return {
            "year": years,
            "tier": [*one("SELECT DISTINCT tier FROM explore_spend ORDER BY 1"), "nowhere"],
            "category": [*one("SELECT DISTINCT category FROM explore_spend ORDER BY 1"), "None"],
            "ward": one("SELECT DISTINCT ward FROM explore_spend ORDER BY 1"),
            "counted": ["yes", "no", "maybe"],
            "supplier_key": one(
                "SELECT DISTINCT supplier_name_norm FROM explore_spend ORDER BY 1 LIMIT 4"
            ),
            "supplier": ["caterers", "CARE", "_", "100%", "ltd", "zzz"],
            "decile": ["1", "2", "5"],
            "deprived": ["yes", "no", "unknown"],
            "sme": ["yes", "no", "unknown"],
            "vcse": ["yes", "unknown"],
            "anchor": ["council", "acute-trust"],
            "service": ["service 2", "SERVICE", "zzz"],
            "q": ["care", "CATER", "service 1", "_", "100%", "ltd", "toner", "hire", "zzz"],
        }


def _same(got: TablePage, want: TablePage) -> None:
    assert (got.total, got.request.page) == (want.total, want.request.page)
    assert got.rows == want.rows


def _combos(
    values: dict[str, list[str]], keys: list[str], n: int, seed: int
) -> list[dict[str, str]]:
    """Every single filter with each of its values, then n random combinations of two or three."""
    rng = random.Random(seed)
    out = [{k: v} for k in keys for v in values[k]]
    for _ in range(n):
        chosen = rng.sample(keys, rng.choice([2, 3]))
        out.append({k: rng.choice(values[k]) for k in chosen})
    return out


def test_the_data_has_what_the_filters_tell_apart(web: Web) -> None:
    with web.ws.warehouse(read_only=True) as con:
        spellings = con.execute(
            "SELECT max(n) FROM (SELECT count(DISTINCT supplier_name) AS n FROM explore_payment_groups "
            "WHERE org = 'council' GROUP BY supplier_name_norm)"
        ).fetchone()[0]
        kinds = con.execute(
            "SELECT count(DISTINCT tier), count(DISTINCT counted), count(DISTINCT category), "
            "count(DISTINCT financial_year) FROM explore_payments WHERE org = 'council'"
        ).fetchone()
    assert (
        spellings >= 2
    )  # a supplier text filter can match one spelling of a supplier, not another
    assert kinds[0] >= 3 and kinds[1] == 2 and kinds[2] >= 4 and kinds[3] >= 3


@pytest.mark.parametrize(
    ("window", "slack", "listed", "sorted_"),
    [
        (
            explore_filtered.MIN_WINDOW,
            explore_filtered.SLACK,
            explore_filtered.LIST_LIMIT,
            explore_filtered.SORT_LIMIT,
        ),
        # every first window too narrow (widened till it holds); by amount, windows of its numbering
        (1, 0, explore_filtered.LIST_LIMIT, 0),
        (1, 0, 0, 0),  # the groups too many to list: matched by a query of the groups
    ],
)
def test_filtered_payments_are_the_scans_rows_on_every_page(
    web: Web,
    window: int,
    slack: int,
    listed: int,
    sorted_: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(explore_filtered, "MIN_WINDOW", window)
    monkeypatch.setattr(explore_filtered, "SLACK", slack)
    monkeypatch.setattr(explore_filtered, "LIST_LIMIT", listed)
    monkeypatch.setattr(explore_filtered, "SORT_LIMIT", sorted_)
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    values = _values(web)
    keys = sorted(GROUP_FILTERS | {"service", "q"})
    used = 0
    for params in _combos(values, keys, 60, 1):
        for sort, page in itertools.product(
            ("-payment_date", "-amount", "amount", "supplier", "-tier"), (1, 2, 99)
        ):
            req = read_request(
                eq.PAYMENTS, {**params, "sort": sort, "page": str(page)}, per_page=20
            )
            got = eq.payments(web.ws, viewer, "council", req)
            with web.ws.warehouse(read_only=True) as con:
                if params.keys() - {
                    "year"
                }:  # not a plain numbering's range: the indexed path answered
                    assert group_page(con, "council", req) is not None
                want = sql_page(
                    con,
                    eq.PAYMENTS,
                    req,
                    "explore_payments",
                    ("org = ?", ["council"]),
                    extra="supplier_name_norm AS supplier_key",
                )
            _same(got, want)
            used += bool(got.rows)
    assert used > 200  # most requests match payments: the comparison is not of empty pages


def test_payments_searched_match_descriptions_and_export_the_page_rows(
    web: Web, tmp_path: Path
) -> None:
    """A search matches a payment's description too (numbered distinct texts), as the scan does; a page and
    its export hold the same rows."""
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    with web.ws.warehouse(read_only=True) as con:
        texts = dict(
            con.execute(
                "SELECT kind, count(*) FROM explore_payment_texts WHERE org = 'council' GROUP BY 1"
            ).fetchall()
        )
    assert texts.get("service", 0) >= 4 and texts.get("category", 0) >= 4
    assert texts.get("description", 0) == 4  # the blank one is no text
    for params in (
        {"q": "care"},
        {"service": "2", "tier": "local"},
        {"q": "ltd", "sort": "-amount"},
    ):
        req = read_request(eq.PAYMENTS, params, per_page=10_000)
        with web.ws.warehouse(read_only=True) as con:
            assert group_page(con, "council", req) is not None
    req = read_request(eq.PAYMENTS, {"supplier": "caterers", "sort": "-amount"}, per_page=10_000)
    page = eq.payments(web.ws, viewer, "council", req)
    rows = eq.payment_rows(web.ws, viewer, "council", req)
    assert page.rows and [{k: r[k] for k in rows[0]} for r in page.rows] == rows


def _grouped(web: Web, viewer: Viewer, req: Any) -> TablePage:
    """The explorer as spend grouped per supplier on each request (what the flat tables replace)."""
    with web.ws.warehouse(read_only=True) as con:
        return sql_page(
            con,
            eq.SUPPLIERS,
            req,
            eq.SUPPLIER_SOURCE,
            eq._supplier_scope(viewer),
            extra="s.supplier_name_norm AS supplier_key",
        )


@pytest.mark.parametrize("orgs", [("council",), ("council", "acute-trust", "college")])
def test_filtered_explorer_is_the_grouped_spend_on_every_page(
    web: Web, orgs: tuple[str, ...]
) -> None:
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset(orgs))
    values = _values(web)
    keys = sorted(CATEGORY_FILTERS)
    tables = set()
    for params in _combos(values, keys, 50, len(orgs)):
        for sort, page in itertools.product(
            ("-spend", "-payments", "supplier", "last_paid"), (1, 2, 99)
        ):
            req = read_request(
                eq.SUPPLIERS, {**params, "sort": sort, "page": str(page)}, per_page=3
            )
            tables.add(eq._explorer(viewer, req)[1])
            _same(eq.suppliers(web.ws, viewer, req), _grouped(web, viewer, req))
    assert tables == {"explore_suppliers", "explore_category_suppliers"}  # no request groups spend


def test_a_category_explorer_exports_the_rows_it_pages(web: Web) -> None:
    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    req = read_request(eq.SUPPLIERS, {"category": "Catering", "counted": "yes"}, per_page=1000)
    page = eq.suppliers(web.ws, viewer, req)
    with web.ws.warehouse(read_only=True) as con:
        want = sql_rows(con, eq.SUPPLIERS, req, eq.SUPPLIER_SOURCE, eq._supplier_scope(viewer))
    assert page.rows and eq.supplier_rows(web.ws, viewer, req) == want
    assert [{k: r[k] for k in want[0]} for r in page.rows] == want


def test_the_apis_payments_search_finds_what_the_page_finds(web: Web) -> None:
    """The API's payments (`/api/v1/anchors/{org}/transactions`) are the payments page's rows in its order,
    searched as the page searches (descriptions and services too; `%` and `_` are text, not wildcards), and any
    offset window of them."""
    from anchorage.access import queries

    viewer = Viewer("1", "a@council.org", "anchor-analyst", "council", frozenset({"council"}))
    keys = ("payment_date", "supplier", "amount", "category", "service", "transaction_id")
    for q in ("", "care", "toner", "service 1", "100%", "_", "zzz"):
        page = eq.payments(
            web.ws, viewer, "council", read_request(eq.PAYMENTS, {"q": q}, per_page=10_000)
        )
        want = [tuple(r[k] for k in keys) for r in page.rows]
        for offset, limit in ((0, 10_000), (0, 7), (13, 7), (len(want) - 3, 10), (len(want), 5)):
            rows, total = queries.transactions(
                web.ws, viewer, "council", search=q, limit=limit, offset=max(offset, 0)
            )
            assert total == page.total == len(want)
            got = [tuple(r[k] for k in queries.API_PAYMENT_KEYS) for r in rows]
            assert got == want[max(offset, 0) : max(offset, 0) + limit]
    assert len(queries.transactions(web.ws, viewer, "council", search="toner")[0]) > 0
    # "_" is the underscore only Careful Care_Homes holds, not any one character
    underscore = queries.transactions(web.ws, viewer, "council", search="_")[1]
    assert 0 < underscore == queries.transactions(web.ws, viewer, "council", search="care_homes")[1]
