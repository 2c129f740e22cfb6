"""Real-name misses: trading names ("X T/A Y"), words joined or split, abbreviations; look-alikes stay apart."""

from __future__ import annotations

import pytest

from anchorage.ingest.spend import ingest_spend
from anchorage.reference.names import normalise_names, split_trading_names
from anchorage.suppliers import generate
from anchorage.suppliers.export import resolved_suppliers
from anchorage.suppliers.registers import import_register
from anchorage.suppliers.resolve import resolve

SAME = [
    ("ABC Catering Ltd T/A Tasty Food", "ABC Catering Limited"),
    ("ABC Catering t/as Tasty Food", "A.B.C. Catering Ltd"),
    ("ABC Catering Ltd (Trading as Tasty Food)", "ABC CATERING"),
    ("Bromley Com. Services Ltd", "Bromley Community Services Limited"),
    ("Smith & Sons", "Smith and Sons Ltd"),
    ("Harris Cleaning Svcs", "Harris Cleaning Services"),
    ("Acme UK Ltd", "Acme UK Limited"),
    (
        "Chelsea And  Westminster Hospital Nhs Ft",
        "CHELSEA AND WESTMINSTER HOSPITAL NHS FOUNDATION TRUST",
    ),
    ("Supply Chain Coordination Ltd ( 905)", "Supply Chain Coordination Limited"),
    (
        "NORTH MIDDLESEX UNIVERSITY HOSPITAL NHS \nTRUST",
        "North Middlesex University Hospital NHS Trust",
    ),
]
LOOK_ALIKES = [
    ("Studio 54 Ltd", "Studio Ltd"),  # a number that is part of the name, not an account suffix
    ("Amazon.com", "Amazon Community"),  # "com" without its abbreviation dot
    ("Mather Care", "Mather Cars"),
    ("Smith T/A Subway Cafe", "Jones T/A Subway Cafe"),
    ("Catering (T/A) Ltd", "Catering Services Ltd"),
]


@pytest.mark.parametrize(("a", "b"), SAME)
def test_same_entity_spellings_normalise_alike(a, b):
    assert normalise_names([a])[0] == normalise_names([b])[0]


@pytest.mark.parametrize(("a", "b"), LOOK_ALIKES)
def test_look_alikes_stay_apart(a, b):
    assert normalise_names([a])[0] != normalise_names([b])[0]


def test_trading_as_keeps_both_names_as_written():
    assert split_trading_names(
        [
            "ABC Catering Ltd T/A Tasty Food",
            "J Bloggs t/as Bloggs' Café",
            "ABC Ltd (trading as Tasty Food)",
            "Smith TRADING AS: Smith Plumbing",
            "Plain Name Ltd",
            "CAT/A Holdings",
            None,
        ]
    ) == [
        ("ABC Catering Ltd", "Tasty Food"),
        ("J Bloggs", "Bloggs' Café"),
        ("ABC Ltd", "Tasty Food"),
        ("Smith", "Smith Plumbing"),
        ("Plain Name Ltd", None),
        ("CAT/A Holdings", None),
        (None, None),
    ]


def _spend(path, rows):
    path.write_text(
        "Supplier,Amount,Date\n" + "".join(f'"{s}",{a},15/05/2023\n' for s, a in rows),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def resolved(workspace, tmp_path):
    council = _spend(
        tmp_path / "council.csv",
        [
            ("ABC Catering Ltd T/A Tasty Food", 1000),
            ("MatherCare Ltd", 500),
            ("John Smith T/A Subway Cafe", 300),
            ("Quick Print Ltd", 50),
        ],
    )
    trust = _spend(
        tmp_path / "trust.csv",
        [
            ("Tasty Food", 700),
            ("Mather Care Limited", 400),
            ("Jane Jones t/as Subway Cafe", 200),
            ("Subway Cafe", 100),
            ("Quick Prints Ltd", 60),
            ("Bloggs Builders T/AS Tasty Builds", 80),
        ],
    )
    ingest_spend(workspace, council, "Council")
    ingest_spend(workspace, trust, "Acute Trust")
    # The register files Tasty Builds under its trading name only (the legal name is the owner's).
    extra = (
        "SELECT * FROM (VALUES (90001, 'TASTY BUILDS LIMITED', '09000001', 'SE6 4RU', 'LONDON', "
        "'Private Limited Company', 'Active', 'MICRO ENTITY', '41202 - Construction', DATE '2001-01-01')) "
        "t(i, name, number, postcode, town, category, status, accounts, sic, incorporated)"
    )
    import_register(
        workspace,
        "companies_house",
        generate.write_companies_house(tmp_path / "ch", 50, extra_sql=extra),
    )
    resolve(workspace)
    df = resolved_suppliers(workspace)
    return {(r["org"], r["supplier_name"]): r for r in df.to_dict("records")}


def test_resolution_matches_on_legal_and_trading_names(resolved):
    sid = {k: r["supplier_id"] for k, r in resolved.items()}
    tasty = resolved[("council", "ABC Catering Ltd T/A Tasty Food")]
    assert (tasty["legal_name"], tasty["trading_name"]) == ("ABC Catering Ltd", "Tasty Food")
    # The trust pays the same firm under its trading name.
    assert sid[("council", "ABC Catering Ltd T/A Tasty Food")] == sid[("acute-trust", "Tasty Food")]
    # Words joined in one file and split in another.
    assert sid[("council", "MatherCare Ltd")] == sid[("acute-trust", "Mather Care Limited")]
    # Two franchisees trading under one brand are two suppliers, and the plain brand joins neither.
    smith, jones = (
        sid[("council", "John Smith T/A Subway Cafe")],
        sid[("acute-trust", "Jane Jones t/as Subway Cafe")],
    )
    assert smith != jones and sid[("acute-trust", "Subway Cafe")] not in (smith, jones)
    assert sid[("council", "Quick Print Ltd")] != sid[("acute-trust", "Quick Prints Ltd")]
    # The register knows the firm only by its trading name: linked through it, and said so.
    builds = resolved[("acute-trust", "Bloggs Builders T/AS Tasty Builds")]
    assert builds["register_id"] == "09000001" and builds["explanation"].startswith(
        "trading name: same name"
    )
