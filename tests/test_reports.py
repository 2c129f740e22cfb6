"""Reports: HTML (offline, escaped, accessible), XLSX, CSV, charts and the ward map, from hand-made tables."""

from __future__ import annotations

import html
import json
import math
import re
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from anchorage.exports import csv_cell
from anchorage.reports import charts, write_report
from anchorage.reports.html import write_html
from anchorage.reports.maps import ward_map_svg
from anchorage.reports.markdown import markdown_to_html
from anchorage.reports.tables import display_frames, fmt_money, fmt_pct, human_title, sheet_name
from anchorage.reports.xlsx import write_xlsx

EVIL = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("x","y")'
ANCHORS = {
    "lbl": "Lewisham Council",
    "lgt": "Lewisham & Greenwich NHS Trust",
    "col": "Lewisham College",
}
TIERS = ["local", "sub-region", "region", "uk", "abroad", "unknown"]
WARDS = {"E05013714": "Bellingham", "E05013719": "Deptford", "E05013727": "Lewisham Central"}
LEWISHAM = Path("/work/shared/data/geography/lewisham/lbl_wd22_proposed.geojson")
SQUARE = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"code": code, "name": name},
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [[x, 51.4], [x + 0.01, 51.4], [x + 0.01, 51.41], [x, 51.41], [x, 51.4]]
                ],
            },
        }
        for x, (code, name) in zip((0.0, 0.01, 0.02), WARDS.items(), strict=True)
    ],
}
DEFINITIONS = """# Definitions

**Local** means a supplier whose postcode is in the borough.

## Tiers
- Local
- Unknown: *never* dropped <img src=x onerror=alert(1)>
"""


def _tables() -> dict[str, pd.DataFrame]:
    """Small result tables with the same columns and dtypes as analyse() produces."""
    orgs = [*ANCHORS, "collaborative"]
    totals = pd.DataFrame(
        {
            "org": orgs,
            "spend": [3e6, 2e6, 1e6, 6e6],
            "transactions": [300, 200, 100, 600],
            "suppliers": [30, 20, 10, 55],
            "local_spend": [9e5, 4e5, 1e5, 1.4e6],
            "unknown_spend": [3e5, 2e5, 1e5, 6e5],
            "deprived10_spend": [1e5, 5e4, 0.0, 1.5e5],
            "deprived20_spend": [2e5, 1e5, 5e4, 3.5e5],
            "sme_spend": [1e6, 5e5, 2e5, 1.7e6],
            "sme_known_spend": [2e6, 1e6, 5e5, 3.5e6],
            "vcse_spend": [1e5, 0.0, 0.0, 1e5],
            "vcse_known_spend": [1e6, 0.0, 0.0, 1e6],
            "credit_notes": [-1e4, 0.0, 0.0, -1e4],
        }
    )
    for c in ("local", "unknown", "deprived10", "deprived20"):
        totals[f"{c}_pct"] = (totals[f"{c}_spend"] / totals["spend"]).round(4)
    totals["sme_pct_of_known"] = (totals["sme_spend"] / totals["sme_known_spend"]).round(4)
    totals["vcse_pct_of_known"] = (
        totals["vcse_spend"] / totals["vcse_known_spend"].where(totals["vcse_known_spend"] != 0)
    ).round(4)
    totals["sme_known_pct"] = (totals["sme_known_spend"] / totals["spend"]).round(4)
    totals["vcse_known_pct"] = (totals["vcse_known_spend"] / totals["spend"]).round(4)
    shares = [0.3, 0.1, 0.1, 0.3, 0.1, 0.1]
    tiers = pd.DataFrame(
        [
            {
                "org": o,
                "tier": t,
                "spend": tot * s,
                "transactions": 10.0,
                "suppliers": 2.0,
                "share": s,
            }
            for o, tot in zip(orgs, totals["spend"], strict=True)
            for t, s in zip(TIERS, shares, strict=True)
        ]
    )
    dep = pd.DataFrame(
        [
            {"org": o, "imd_decile": d, "spend": 1e5 * (i + 1), "suppliers": i + 1, "share": 0.05}
            for o in orgs
            for i, d in enumerate([1, 2, 5, 10, None])
        ]
    )
    dep["imd_decile"] = dep["imd_decile"].astype("Int64")
    cats = pd.DataFrame(
        [
            {
                "org": o,
                "category": c,
                "spend": s,
                "local_spend": s * 0.2,
                "non_local_spend": s * 0.5,
                "unknown_spend": s * 0.3,
                "local_pct": 0.2,
            }
            for o in orgs
            for c, s in (("Construction", 9e5), ("Agency staff", 5e5), ("(no category)", 1e5))
        ]
    )
    leakage = cats[cats["non_local_spend"] > 0].reset_index(drop=True)
    top = pd.DataFrame(
        [
            {
                "org": o,
                "supplier": s,
                "spend": 5e5 / r,
                "transactions": 10 - r,
                "tier": TIERS[r],
                "imd_decile": r if r != 2 else None,
                "rank": r,
                "anchors": float(r) if o == "collaborative" else math.nan,
                "share": 0.1 / r,
            }
            for o in orgs
            for r, s in ((1, "ACME BUILDERS LTD"), (2, EVIL), (3, FORMULA))
        ]
    )
    trend = pd.DataFrame(
        [
            {
                "org": o,
                "financial_year": y,
                "spend": 1e6,
                "local_spend": 2e5 + i * 1e5,
                "deprived20_spend": 1e5,
                "local_pct": 0.2 + i / 10,
                "deprived20_pct": 0.1,
            }
            for o in orgs
            for i, y in enumerate(("2021-22", "2022-23", "2023-24"))
        ]
    )
    exclusions = pd.DataFrame(
        [
            {"org": o, "rule": r, "spend": 1e5, "transactions": 4}
            for o in orgs
            for r in ("Grants", "HMRC and taxes")
        ]
    )
    wards = pd.DataFrame(
        [
            {"org": o, "ward": w, "spend": 1e5 * (3 - i), "suppliers": 3 - i}
            for o in orgs
            for i, w in enumerate(WARDS)
        ]
    )
    tables = {
        "totals": totals,
        "tiers": tiers,
        "deprivation": dep,
        "categories": cats,
        "leakage": leakage,
        "top_suppliers": top,
        "trend": trend,
        "exclusions": exclusions,
        "wards": wards,
    }
    for df in tables.values():
        df["org"] = df["org"].astype("string")
    return tables


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    result = SimpleNamespace(tables=_tables(), options=None)
    return write_report(
        result,
        out,
        collaborative="Lewisham Anchor Network",
        anchors=ANCHORS,
        ward_features=SQUARE,
        definitions_md=DEFINITIONS,
        notes=["12 rows were quarantined: no amount.", "Note with <b>markup</b>"],
    )


@pytest.fixture(scope="module")
def page(report: dict[str, Path]) -> str:
    return report["html"].read_text(encoding="utf-8")


def test_write_report_writes_all_three(report: dict[str, Path]) -> None:
    assert report["html"].name == "report.html" and report["html"].stat().st_size > 10_000
    assert report["xlsx"].name == "anchorage-report.xlsx" and zipfile.is_zipfile(report["xlsx"])
    assert sorted(p.stem for p in report["csv"].glob("*.csv")) == sorted(_tables())


def test_html_is_offline(page: str) -> None:
    assert not re.search(
        r"""(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I
    )
    assert not re.search(r"url\(\s*['\"]?\s*(?:https?:)?//|@import|@font-face", page, re.I)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "http://" not in page and "https://" not in page


def test_html_names_every_anchor_and_escapes_suppliers(page: str) -> None:
    for name in ANCHORS.values():
        assert html.escape(name) in page
    assert "Whole collaborative" in page
    assert EVIL not in page
    assert html.escape(EVIL) in page
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>markup</b>" not in page and "&lt;b&gt;markup&lt;/b&gt;" in page


def test_html_structure_and_accessibility(page: str) -> None:
    assert '<html lang="en-GB">' in page and 'class="skip-link" href="#main"' in page
    assert page.count("<h1>") == 1
    assert page.count("<table>") == page.count("<caption>") > 5
    assert '<th scope="col"' in page and '<th scope="row"' in page
    assert page.count('role="img"') == 6  # five charts and the ward map
    assert page.count("<svg") == page.count("<title id=") == page.count("<desc id=")
    for heading in (
        "Where the spend goes",
        "Deprivation",
        "Categories and leakage",
        "Top suppliers",
        "Trend over time",
        "What was excluded",
        "Local spend by ward",
        "Data notes",
        "Methodology and definitions",
        "Unknown is always shown",
    ):
        assert heading in page
    assert "12 rows were quarantined" in page and "<h3>Definitions</h3>" in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "duplicate ids across inline SVGs"


def test_html_without_ward_boundaries(tmp_path: Path) -> None:
    path = write_html(
        tmp_path / "r.html",
        title="T",
        collaborative="C",
        anchors=ANCHORS,
        tables=_tables(),
        ward_features=None,
        ward_names=WARDS,
        definitions_md=None,
        generated="today",
        notes=[],
    )
    text = path.read_text(encoding="utf-8")
    assert "Deptford" in text and "only the table is shown" in text and "ward-map" not in text


def test_html_copes_with_empty_tables(tmp_path: Path) -> None:
    empty = {k: v.iloc[0:0] for k, v in _tables().items()}
    path = write_html(
        tmp_path / "r.html",
        title="T",
        collaborative="C",
        anchors=ANCHORS,
        tables=empty,
        ward_features=None,
        ward_names={},
        definitions_md=None,
        generated="today",
        notes=[],
    )
    assert "No payments were excluded" in path.read_text(encoding="utf-8")


def test_xlsx_has_a_sheet_per_table_with_right_row_counts(report: dict[str, Path]) -> None:
    tables = _tables()
    sheets = pd.read_excel(report["xlsx"], sheet_name=None, engine="calamine")
    assert list(sheets) == ["About", *(sheet_name(n) for n in tables)]
    for name, df in tables.items():
        assert len(sheets[sheet_name(name)]) == len(df), name
    top = sheets[sheet_name("top_suppliers")]
    assert EVIL in set(top["Supplier"]) and FORMULA in set(top["Supplier"])
    assert set(sheets[sheet_name("totals")]["Anchor"]) == {*ANCHORS.values(), "Whole collaborative"}


def test_xlsx_formats_with_openpyxl(report: dict[str, Path]) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(report["xlsx"])
    assert wb.sheetnames[0] == "About" and len(wb.sheetnames) == 1 + len(_tables())
    ws = wb[sheet_name("totals")]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref
    assert ws.max_row == 1 + len(_tables()["totals"])
    heads = [c.value for c in ws[1]]
    assert heads[0] == "Anchor" and ws.cell(1, 1).font.bold
    assert "£" in ws.cell(2, heads.index("Spend (£)") + 1).number_format
    assert "%" in ws.cell(2, heads.index("% local") + 1).number_format


def test_xlsx_structure_without_openpyxl(report: dict[str, Path]) -> None:
    with zipfile.ZipFile(report["xlsx"]) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        styles = z.read("xl/styles.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode()
    assert len(sheets) == 1 + len(_tables())
    for sheet in sheets[1:]:
        assert 'state="frozen"' in sheet and "<autoFilter" in sheet
    assert not any("<f>" in sheet for sheet in sheets), "supplier text must never become a formula"
    assert "£#,##0" in styles and "0.0%" in styles
    assert (
        html.escape(FORMULA, quote=True) in strings or html.escape(FORMULA, quote=False) in strings
    )


def test_xlsx_direct_write(tmp_path: Path) -> None:
    frames = display_frames({"trend": _tables()["trend"]}, ANCHORS)
    path = write_xlsx(tmp_path / "x.xlsx", frames, title="Trend only")
    sheets = pd.read_excel(path, sheet_name=None, engine="calamine")
    assert sheets[sheet_name("trend")]["% local"].iloc[0] == pytest.approx(0.2)


def test_csvs_round_trip(report: dict[str, Path]) -> None:
    for name, df in _tables().items():
        back = pd.read_csv(report["csv"] / f"{name}.csv", encoding="utf-8")
        assert list(back.columns) == list(df.columns), name
        assert len(back) == len(df), name
        for col in df.columns:
            want, got = df[col].astype(object), back[col].astype(object)
            if pd.api.types.is_numeric_dtype(df[col].dropna().infer_objects()):
                pd.testing.assert_series_equal(
                    pd.to_numeric(got).astype(float),
                    pd.to_numeric(want).astype(float),
                    check_names=False,
                )
            else:
                assert [None if pd.isna(v) else str(v) for v in got] == [
                    None if pd.isna(v) else csv_cell(str(v)) for v in want
                ], (name, col)
    # Text that would run as a formula in a spreadsheet keeps a leading quote (anchorage.exports).
    suppliers = pd.read_csv(report["csv"] / "top_suppliers.csv")["supplier"].tolist()
    assert "'" + FORMULA in suppliers and EVIL in suppliers


def test_display_frames_use_names_and_human_titles() -> None:
    frames = display_frames(_tables(), ANCHORS, WARDS)
    totals = frames["totals"]
    assert totals["Anchor"].tolist() == [*ANCHORS.values(), "Whole collaborative"]
    assert {"% local", "Spend (£)", "% SME (of known)"} <= set(totals.columns)
    assert frames["tiers"]["Tier"].iloc[3] == "Rest of UK"
    assert "Unknown" in frames["deprivation"]["IMD decile"].tolist()
    assert frames["wards"]["Ward"].tolist()[:3] == list(WARDS.values())
    assert len(frames["categories"]) == len(_tables()["categories"])


def test_formatting_helpers() -> None:
    assert fmt_money(12345.4) == "£12,345"
    assert fmt_money(1_234_567, short=True) == "£1.2m"
    assert fmt_money(2.5e9, short=True) == "£2.5bn"
    assert fmt_money(-500) == "−£500"
    assert fmt_money(None) == "–" and fmt_money(float("nan")) == "–"
    assert fmt_pct(0.1234) == "12.3%" and fmt_pct(None) == "n/a"
    assert human_title("local_pct") == "% local" and human_title("spend") == "Spend (£)"
    assert human_title("org") == "Anchor" and human_title("made_up_spend") == "Made up spend (£)"


def test_charts_are_accessible_inline_svg() -> None:
    t = _tables()
    svgs = [
        charts.tier_chart(t["tiers"], ANCHORS),
        charts.deprivation_chart(t["deprivation"]),
        charts.trend_chart(t["trend"], ANCHORS),
        charts.leakage_chart(t["leakage"]),
        charts.suppliers_chart(t["top_suppliers"]),
    ]
    for svg in svgs:
        assert svg.startswith("<svg") and svg.endswith("</svg>") and "<?xml" not in svg
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
        assert "<text" in svg  # fonttype none: labels stay as text
        assert "<metadata" not in svg
    assert html.escape(EVIL) in svgs[-1] and EVIL not in svgs[-1]
    assert charts.leakage_chart(t["leakage"].iloc[0:0]) == ""


def test_markdown_subset() -> None:
    out = str(markdown_to_html("# H\n\npara *em* <b>x</b>\n\n- a\n- b\n\n1. one\n"))
    assert "<h3>H</h3>" in out and "<em>em</em>" in out and "&lt;b&gt;" in out
    assert "<ul><li>a</li><li>b</li></ul>" in out and "<ol><li>one</li></ol>" in out
    assert "href" not in str(markdown_to_html("[x](javascript:alert(1))"))


def _ward_groups(svg: str) -> list[str]:
    return re.findall(r'<g id="[^"]*ward-([^"]+)">\s*<title>[^<]*</title>\s*<path', svg)


def test_ward_map_lewisham() -> None:
    if not LEWISHAM.exists():
        pytest.skip("Lewisham ward boundaries not available")
    gj = json.loads(LEWISHAM.read_text(encoding="utf-8"))
    for f in gj["features"]:
        f["properties"] = {"code": f["properties"]["id"], "name": f["properties"]["name"]}
    svg = ward_map_svg(gj, {"E05013714": 5e5, "E05013719": 1.2e6}, "Local spend by ward")
    assert len(_ward_groups(svg)) == 19
    assert "<title>Bellingham: £500,000</title>" in svg
    assert "Grove Park: no local spend recorded" in svg
    assert "£ local spend" in svg and 'role="img"' in svg
    # Equirectangular scaled by cos(latitude): the drawn extent keeps the real aspect ratio.
    lons = [p[0] for f in gj["features"] for p in f["geometry"]["coordinates"][0]]
    lats = [p[1] for f in gj["features"] for p in f["geometry"]["coordinates"][0]]
    want = (
        (max(lons) - min(lons))
        * math.cos(math.radians((max(lats) + min(lats)) / 2))
        / (max(lats) - min(lats))
    )
    paths = re.findall(r'ward-[^"]+">\s*<title>[^<]*</title>\s*<path d="([^"]+)"', svg)
    pts = [tuple(map(float, xy)) for d in paths for xy in re.findall(r"(-?[\d.]+) (-?[\d.]+)", d)]
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    assert (max(xs) - min(xs)) / (max(ys) - min(ys)) == pytest.approx(want, rel=0.03)


def test_ward_map_handles_multipolygons_and_holes() -> None:
    outer = [[0, 51.0], [1, 51.0], [1, 52.0], [0, 52.0], [0, 51.0]]
    hole = [[0.4, 51.4], [0.6, 51.4], [0.6, 51.6], [0.4, 51.6], [0.4, 51.4]]
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"code": "A", "name": "Alpha <&>"},
                "geometry": {
                    "type": "MultiPolygon",
                    "coordinates": [[outer, hole], [[[2, 51], [3, 51], [3, 52], [2, 51]]]],
                },
            },
            {"type": "Feature", "properties": {"code": "B", "name": "Beta"}, "geometry": None},
        ],
    }
    svg = ward_map_svg(gj, {"A": 10.0}, "Test")
    assert _ward_groups(svg) == ["A"]
    assert "Alpha &lt;&amp;&gt;: £10" in svg
