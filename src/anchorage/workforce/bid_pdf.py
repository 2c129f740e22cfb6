"""The bid pack as a printable PDF (A4, matplotlib's PdfPages, no browser needed): the summary and grants,
the pledges with every reason one fails (as many pages as they need) and the suppressed starts and outcomes.
matplotlib (about a second to import) loads when a PDF is written, not when the bid modules load: every
workforce file's load imports them."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

A4 = (8.27, 11.69)
ROWS_PER_PAGE = 22


def _plain(value: Any, width: int) -> str:
    """Cell text wrapped to the column; '$' escaped so that matplotlib never reads it as mathematics."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
    return "\n".join(textwrap.wrap(text, width) or [""]).replace("$", r"\$")


def _page(title: str, frame: pd.DataFrame, widths: list[int], lines: list[str] = ()) -> Figure:  # type: ignore[assignment]
    from matplotlib.figure import Figure

    fig = Figure(figsize=A4)
    fig.text(0.06, 0.95, _plain(title, 80), fontsize=14, weight="bold")
    for i, line in enumerate(lines):
        fig.text(0.06, 0.92 - 0.02 * i, _plain(line, 110), fontsize=9, color="#303030", va="top")
    top = 0.9 - 0.02 * len(lines)
    ax = fig.add_axes((0.04, 0.04, 0.92, top - 0.05))
    ax.axis("off")
    if frame.empty:
        ax.text(0, 0.98, "None.", fontsize=10, va="top")
        return fig
    cells = [
        [_plain(v, w) for v, w in zip(row, widths, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    table = ax.table(
        cellText=cells,
        colLabels=[_plain(c, w) for c, w in zip(frame.columns, widths, strict=True)],
        colWidths=[w / sum(widths) for w in widths],
        loc="upper center",
        cellLoc="left",
        colLoc="left",
    )
    table.auto_set_font_size(False)
    table.set_fontsize(7)
    for (r, _c), cell in table.get_celld().items():
        n = max(1, cell.get_text().get_text().count("\n") + 1)
        cell.set_height(0.022 * n)
        if r == 0:
            cell.set_text_props(weight="bold")
    return fig


def write_bid_pdf(
    path: Path,
    head: pd.DataFrame,
    pledges: pd.DataFrame,
    starts: pd.DataFrame,
    *,
    title: str,
    headline: str,
) -> Path:
    """One summary page, the pledges over as many pages as they need, then the starts and outcomes."""
    from matplotlib.backends.backend_pdf import PdfPages

    keep = [
        c
        for c in (
            "employer",
            "companies house number",
            "charity number",
            "role",
            "placements",
            "hours a week",
            "hourly wage £",
            "eligible",
            "reasons",
        )
        if c in pledges.columns
    ]
    pledges = pledges[keep] if len(pledges.columns) else pledges
    widths = {
        "employer": 18,
        "companies house number": 10,
        "charity number": 9,
        "role": 14,
        "placements": 6,
        "hours a week": 6,
        "hourly wage £": 7,
        "eligible": 5,
        "reasons": 34,
    }
    chunks = [
        pledges.iloc[i : i + ROWS_PER_PAGE] for i in range(0, max(1, len(pledges)), ROWS_PER_PAGE)
    ]
    with PdfPages(path, metadata={"Title": title, "Creator": "Anchorage"}) as pdf:
        pdf.savefig(_page(title, head.rename(columns={"": "item"}), [40, 50], [headline]))
        for n, chunk in enumerate(chunks, start=1):
            pdf.savefig(
                _page(
                    f"Pledges ({n} of {len(chunks)})",
                    chunk,
                    [widths[c] for c in chunk.columns] or [1],
                    ["Every reason a pledge does not meet the programme's rules is listed."],
                )
            )
        cols = [str(c) for c in starts.columns]
        pdf.savefig(
            _page(
                "Starts and outcomes",
                starts.astype(object).where(starts.notna(), "*"),
                [18] + [10] * (len(cols) - 1) if cols else [1],
                [
                    "Counts of young people: counts below the threshold, and cells that would reveal them, "
                    "are shown as *."
                ],
            )
        )
    return path
