"""A board-ready PDF (ReportLab): the period on every page, a plain-words board summary for the collaborative
and each anchor, the headline table with the collaborative apart from the anchors, the share by tier as a chart
sized to the page and as a table, and the categories with the most spend outside the area. Cells wrap, never
cut off; long tables continue on the next page under their header; pages are numbered "n of m"."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pandas as pd
from matplotlib.figure import Figure
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from anchorage.reports.board import summaries
from anchorage.reports.charts import TIER_COLOURS
from anchorage.reports.tables import (
    COLLABORATIVE,
    TIER_NAMES,
    TIER_ORDER,
    fmt_money,
    fmt_pct,
    org_name,
    org_order,
)

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
INK, GREY, RULE = colors.HexColor("#0b0c0c"), colors.HexColor("#505a5f"), colors.HexColor("#b1b4b6")
DEFINITIONS = [
    (
        "Local",
        "suppliers whose address (or, for a company, its trading address where known) is in the local "
        "authority areas that make up the place.",
    ),
    (
        "20% most deprived",
        "suppliers in neighbourhoods (LSOAs) among the 20% most deprived in England, by the "
        "English Indices of Deprivation.",
    ),
    (
        "SME and VCSE",
        "small and medium-sized enterprises, and voluntary, community and social enterprise "
        "organisations; shares are of the spend whose suppliers' size or type is known.",
    ),
    (
        "Unknown",
        "spend whose supplier could not be placed; it stays in every total, so no share is overstated.",
    ),
    (
        "Spend",
        "payments to suppliers in the period, after credit notes, excluding payments that are not "
        "procurement (such as grants to individuals and payments to other public bodies) as set in the "
        "workspace.",
    ),
]


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()
    body = ParagraphStyle(
        "body",
        parent=base["BodyText"],
        fontName="Helvetica",
        fontSize=10,
        leading=14,
        textColor=INK,
    )
    return {
        "title": ParagraphStyle(
            "title", parent=body, fontName="Helvetica-Bold", fontSize=20, leading=24, spaceAfter=4
        ),
        "period": ParagraphStyle("period", parent=body, textColor=GREY, spaceAfter=10),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=14,
            leading=18,
            spaceBefore=8,
            spaceAfter=6,
        ),
        "body": body,
        "bullet": ParagraphStyle(
            "bullet", parent=body, leftIndent=10, bulletIndent=0, spaceAfter=3
        ),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "num": ParagraphStyle("num", parent=body, fontSize=8.5, leading=10.5, alignment=2),
        "head": ParagraphStyle(
            "head", parent=body, fontName="Helvetica-Bold", fontSize=8.5, leading=10.5
        ),
        "headnum": ParagraphStyle(
            "headnum",
            parent=body,
            fontName="Helvetica-Bold",
            fontSize=8.5,
            leading=10.5,
            alignment=2,
        ),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _table(
    header: list[str],
    rows: list[list[str]],
    widths: list[float],
    st: dict[str, ParagraphStyle],
    numeric: set[int],
    bold_rows: set[int] | frozenset[int] = frozenset(),
) -> Table:
    """A table whose cells wrap (Paragraphs), whose header repeats on each page, numbers right-aligned."""

    def cell(i: int, text: str, head: bool = False) -> Paragraph:
        style = (
            ("headnum" if i in numeric else "head") if head else ("num" if i in numeric else "cell")
        )
        return _p(text, st[style])

    data = [[cell(i, h, True) for i, h in enumerate(header)]]
    data += [[cell(i, c) for i, c in enumerate(r)] for r in rows]
    t = Table(data, colWidths=[w * WIDTH for w in widths], repeatRows=1)
    style: list[tuple[Any, ...]] = [
        ("LINEBELOW", (0, 0), (-1, 0), 1, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    for r in bold_rows:
        style += [
            ("LINEABOVE", (0, r + 1), (-1, r + 1), 1, INK),
            ("BACKGROUND", (0, r + 1), (-1, r + 1), colors.HexColor("#f3f2f1")),
        ]
    t.setStyle(TableStyle(style))
    return t


def _tier_chart(tiers: pd.DataFrame, orgs: list[str], anchors: Mapping[str, str]) -> Image:
    """Share of spend by tier, one bar per anchor (long names wrapped), scaled to the width of the page with
    nothing cut off (text 9 pt at that width)."""
    width_in = WIDTH / 72
    fig = Figure(figsize=(width_in, 1.4 + 0.45 * len(orgs)))
    ax = fig.add_subplot()
    labels = [textwrap.fill(org_name(o, anchors), 28) for o in orgs]
    left = [0.0] * len(orgs)
    for tier in TIER_ORDER:
        vals = [
            float(tiers[(tiers["org"] == o) & (tiers["tier"] == tier)]["share"].sum()) for o in orgs
        ]
        ax.barh(labels, vals, left=left, color=TIER_COLOURS[tier], label=TIER_NAMES[tier])
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda v, _p: f"{v * 100:.0f}%")
    ax.tick_params(labelsize=9)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=6, fontsize=9, frameon=False)
    buf = io.BytesIO()
    fig.savefig(
        buf, format="png", dpi=200, bbox_inches="tight"
    )  # tight: labels and legend are never cut off
    buf.seek(0)
    img = Image(buf)
    scale = WIDTH / img.imageWidth
    img.drawWidth, img.drawHeight = WIDTH, img.imageHeight * scale
    return img


class _NumberedCanvas(Canvas):
    """Draws "page n of m" and the period on every page once the number of pages is known."""

    footer = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(GREY)
            self.drawString(MARGIN, 10 * mm, self.footer)
            self.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {self._pageNumber} of {total}")
            super().showPage()
        super().save()


def write_pdf(
    path: Path | str,
    tables: Mapping[str, pd.DataFrame],
    *,
    collaborative: str,
    anchors: Mapping[str, str],
    period: str = "",
    previous: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """The board report. `period` says what the figures cover ("2024-25 · data to 31 Mar 2025 · last upload
    6 Dec 2026"); `previous` holds the year before's tables for the changes (none: no comparison)."""
    path = Path(path)
    st = _styles()
    orgs = [o for o in org_order(tables, anchors) if o != COLLABORATIVE]
    when = f"Made {datetime.now():%d %b %Y}"
    period_line = f"{period} · {when}" if period else when
    story: list[Any] = [
        _p(f"{collaborative}: where our spend goes", st["title"]),
        _p(period_line, st["period"]),
    ]
    board = summaries(tables, previous, orgs, anchors)
    for i, s in enumerate(board):
        block = [_p(s.name if s.org != COLLABORATIVE else "The whole collaborative", st["h2"])]
        block += [Paragraph(escape(t), st["bullet"], bulletText="•") for t in s.sentences]
        story.append(KeepTogether(block))
        if i == 0:
            story += [Spacer(1, 4), _headline_table(tables, orgs, anchors, st)]
    story += [
        PageBreak(),
        _p("Where the spend goes: share by tier", st["h2"]),
        _p(
            "Tiers run outwards from the local area: local, the rest of the sub-region, the rest of the region, "
            "the rest of the UK, abroad, and unknown.",
            st["body"],
        ),
        Spacer(1, 6),
    ]
    tier_orgs = orgs + ([COLLABORATIVE] if (tables["tiers"]["org"] == COLLABORATIVE).any() else [])
    if len(tables["tiers"]):
        story += [
            _tier_chart(tables["tiers"], tier_orgs, anchors),
            Spacer(1, 8),
            _tier_table(tables, tier_orgs, anchors, st),
        ]
    story += [
        _p("Categories with the most spend outside the local area", st["h2"]),
        _leakage_table(tables, anchors, st),
        _p("What the words mean", st["h2"]),
    ]
    story += [
        Paragraph(f"<b>{escape(k)}</b>: {escape(v)}", st["bullet"], bulletText="•")
        for k, v in DEFINITIONS
    ]
    _NumberedCanvas.footer = f"{collaborative} · {period}" if period else collaborative
    doc = SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{collaborative}: where our spend goes",
        author="Anchorage",
        subject=period,
    )
    doc.build(story, canvasmaker=_NumberedCanvas)
    return path


def _headline_table(
    tables: Mapping[str, pd.DataFrame],
    orgs: list[str],
    anchors: Mapping[str, str],
    st: dict[str, ParagraphStyle],
) -> Table:
    totals = tables["totals"].set_index("org")
    order = [o for o in orgs if o in totals.index] + (
        [COLLABORATIVE] if COLLABORATIVE in totals.index else []
    )

    def row(o: str) -> list[str]:
        t = totals.loc[o]
        return [
            org_name(o, anchors),
            fmt_money(t["spend"], short=True),
            fmt_pct(t["local_pct"]),
            fmt_pct(t["deprived20_pct"]),
            fmt_pct(t["sme_pct_of_known"]),
            fmt_pct(t["vcse_pct_of_known"]),
            fmt_pct(t["unknown_pct"]),
        ]

    rows = [row(o) for o in order]
    collab = {len(rows) - 1} if order and order[-1] == COLLABORATIVE else set()
    return _table(
        [
            "Anchor",
            "Spend",
            "Local",
            "20% most deprived",
            "SME (of known)",
            "VCSE (of known)",
            "Unknown",
        ],
        rows,
        [0.31, 0.11, 0.10, 0.13, 0.12, 0.12, 0.11],
        st,
        numeric={1, 2, 3, 4, 5, 6},
        bold_rows=collab,
    )


def _tier_table(
    tables: Mapping[str, pd.DataFrame],
    orgs: list[str],
    anchors: Mapping[str, str],
    st: dict[str, ParagraphStyle],
) -> Table:
    tiers = tables["tiers"]
    share = {(r.org, r.tier): r.share for r in tiers.itertuples()}
    rows = [
        [org_name(o, anchors), *(fmt_pct(share.get((o, t), 0.0)) for t in TIER_ORDER)] for o in orgs
    ]
    collab = {len(rows) - 1} if orgs and orgs[-1] == COLLABORATIVE else set()
    return _table(
        ["Anchor", *(TIER_NAMES[t] for t in TIER_ORDER)],
        rows,
        [0.28] + [0.12] * len(TIER_ORDER),
        st,
        numeric=set(range(1, len(TIER_ORDER) + 1)),
        bold_rows=collab,
    )


def _leakage_table(
    tables: Mapping[str, pd.DataFrame], anchors: Mapping[str, str], st: dict[str, ParagraphStyle]
) -> Table:
    leak = tables["leakage"]
    leak = (
        leak[leak["org"] != COLLABORATIVE]
        .sort_values(["non_local_spend", "org", "category"], ascending=[False, True, True])
        .head(30)
    )
    rows = [
        [
            org_name(r.org, anchors),
            str(r.category),
            fmt_money(r.non_local_spend, short=True),
            fmt_pct(r.local_pct),
        ]
        for r in leak.itertuples()
    ]
    return _table(
        ["Anchor", "Category", "Spend outside the area", "Share local"],
        rows,
        [0.30, 0.40, 0.16, 0.14],
        st,
        numeric={2, 3},
    )


def write_tables_pdf(
    path: Path | str,
    tables: Mapping[str, list[list[str]] | pd.DataFrame],
    *,
    title: str,
    subtitle: str,
    note: str = "",
    footer: str = "",
) -> Path:
    """A simple paginated PDF: a title, then each table under its heading (cells wrap, headers repeat)."""
    path = Path(path)
    st = _styles()
    story: list[Any] = [_p(title, st["title"]), _p(subtitle, st["period"])]
    if note:
        story.append(_p(note, st["body"]))
    for heading, df in tables.items():
        frame = df if isinstance(df, pd.DataFrame) else pd.DataFrame(df[1:], columns=df[0])
        n = max(len(frame.columns), 1)
        story += [
            _p(heading, st["h2"]),
            _table(
                [str(c) for c in frame.columns],
                [[str(v) for v in r] for r in frame.itertuples(index=False)],
                [1 / n] * n,
                st,
                numeric=set(),
            )
            if len(frame)
            else _p("None.", st["body"]),
        ]
    _NumberedCanvas.footer = footer or title
    SimpleDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="Anchorage",
    ).build(story, canvasmaker=_NumberedCanvas)
    return path
