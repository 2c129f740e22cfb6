"""The board PDF: a real paginated PDF with the period on every page, plain-words summaries that match the
figures, the collaborative apart from the anchors, whole (not cut) names, and only what the reader may see."""

from __future__ import annotations

import io
import re

import pandas as pd
from pypdf import PdfReader
from tests.web_support import MARKERS, XSS, signed_in, wait_for_jobs

from anchorage.access import periods
from anchorage.core.periods import fy_label
from anchorage.reports.pdf import write_pdf
from anchorage.reports.tables import fmt_pct


def board_pdf(web, client, year: str):  # type: ignore[no-untyped-def]
    """Ask for the board report of a year (a job), wait for it, and download it."""
    asked = client.get(f"/reports/report.pdf?year={year}", follow_redirects=False)
    assert asked.status_code == 303, asked.text
    wait_for_jobs(web.ws)
    return client.get(asked.headers["location"] + "/download")


def pdf_pages(data: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text() or "") for p in PdfReader(io.BytesIO(data)).pages]


def test_the_board_report_names_its_period_on_every_page(web) -> None:
    cov = periods.coverage(web.ws)
    year = fy_label(cov.years[-1])
    r = board_pdf(web, signed_in(web, "analyst@council.org"), year)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pages = pdf_pages(r.content)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        assert (
            f"Page {n} of {len(pages)}" in text and year in text
        )  # the period in every page's footer
    whole = " ".join(pages)
    assert "docs/" not in whole and "anchorage " not in whole.lower().replace("anchorage ·", "")
    assert "The whole collaborative" in whole and "Together the anchors spent" in whole
    assert "What the words mean" in whole


def test_summaries_match_the_figures_and_names_are_never_cut(tmp_path) -> None:
    anchors = {
        "big": "Lewisham and Greenwich NHS Trust Estates and Facilities Division",
        "small": "College",
    }
    cols = [
        "spend",
        "suppliers",
        "local_spend",
        "local_pct",
        "deprived20_spend",
        "deprived20_pct",
        "sme_pct_of_known",
        "vcse_pct_of_known",
        "sme_known_pct",
        "unknown_spend",
        "unknown_pct",
    ]
    totals = pd.DataFrame(
        [
            ["big", 2_000_000, 40, 500_000, 0.25, 100_000, 0.05, 0.3, 0.02, 0.9, 10_000, 0.005],
            ["small", 1_000_000, 20, 100_000, 0.10, 50_000, 0.05, 0.5, 0.1, 0.8, 0, 0.0],
            [
                "collaborative",
                3_000_000,
                55,
                600_000,
                0.20,
                150_000,
                0.05,
                0.36,
                0.05,
                0.87,
                10_000,
                0.0033,
            ],
        ],
        columns=["org", *cols],
    )
    before = totals.copy()
    before.loc[before["org"] == "big", "local_pct"] = 0.20  # so the trust is up 5.0 points
    tiers = pd.DataFrame(
        [
            [o, t, 1.0 if t == "local" else 0.0]
            for o in ("big", "small", "collaborative")
            for t in ("local", "uk")
        ],
        columns=["org", "tier", "share"],
    )
    leakage = pd.DataFrame(
        [
            [
                "big",
                f"Category {i} with a long descriptive name that must wrap in its cell",
                1000.0 * i,
                500.0,
                0.1,
            ]
            for i in range(40)
        ],
        columns=["org", "category", "non_local_spend", "unknown_spend", "local_pct"],
    )
    tables = {"totals": totals, "tiers": tiers, "leakage": leakage}
    path = write_pdf(
        tmp_path / "b.pdf",
        tables,
        collaborative="Test collaborative",
        anchors=anchors,
        period="2024-25 · data to 31 Mar 2025",
        previous={"totals": before},
    )
    whole = " ".join(pdf_pages(path.read_bytes()))
    assert anchors["big"] in whole  # wrapped across lines, never cut ("Lewisham and Gre")
    assert (
        "(25.0%) went to suppliers based in the local area, up 5.0 points on the year before"
        in whole
    )
    assert (
        f"{fmt_pct(0.10)}) went to suppliers based in the local area, the same as the year before"
        in whole
    )
    assert "Category 39 with a long descriptive name that must wrap in its cell" in whole
    assert (
        "Category 10 with" in whole and "Category 9 with" not in whole
    )  # the 30 largest, largest first
    assert whole.index("Category 39") < whole.index("Category 38")


def test_a_reader_sees_only_what_they_may(web) -> None:
    text = " ".join(pdf_pages(board_pdf(web, signed_in(web, "viewer@college.org"), "all").content))
    assert MARKERS["council"] not in text and MARKERS["acute-trust"] not in text and XSS not in text
