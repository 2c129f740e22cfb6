"""Chart text and ticks: percentages to the precision they have, no text under 12 pt, and an SVG min-width
that keeps the smallest text at 12 CSS px and still fits a 375 px phone's content box (351 px)."""

from __future__ import annotations

import re

import pandas as pd

from anchorage.reports import charts


def test_percentage_ticks_keep_their_decimal():
    assert [charts.share_tick(v) for v in (0, 0.025, 0.05, 0.1, 0.125, 1.0)] == [
        "0%",
        "2.5%",
        "5%",
        "10%",
        "12.5%",
        "100%",
    ]


def test_no_text_under_12_points_and_min_width_keeps_12_px():
    tiers = pd.DataFrame({"org": ["a", "a"], "tier": ["local", "uk"], "spend": [30.0, 70.0]})
    for svg in (
        charts.tier_chart(tiers, {"a": "A"}),
        charts.suppliers_chart(
            pd.DataFrame(
                {"org": ["a"], "supplier": ["X"], "spend": [5.0], "tier": ["uk"], "rank": [1]}
            ),
            "a",
        ),
    ):
        sizes = [float(s) for s in re.findall(r"font-size: ?([\d.]+)px", svg)]
        assert sizes and min(sizes) >= 12
        view_width = float(re.search(r'viewBox="0 0 ([\d.]+)', svg).group(1))
        min_width = int(re.search(r'style="min-width: (\d+)px"', svg).group(1))
        assert (
            min_width * min(sizes) / view_width >= 12
        )  # drawn at its min-width, the smallest text is 12 px
        assert (
            min_width <= 351
        )  # ... and the chart fits a phone's screen whole, with no sideways scroll
