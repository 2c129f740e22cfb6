"""One date format on every page: 6 Dec 2026 (and 6 Dec 2026 14:05 with a time), never 2026-12-06 or ISO times."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from anchorage.web.nav import date_text, datetime_text

TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "anchorage" / "web" / "templates"


def test_dates_and_times_in_every_form_they_come_in_read_the_same():
    assert date_text(dt.date(2026, 12, 6)) == date_text("2026-12-06") == "6 Dec 2026"
    assert datetime_text(dt.datetime(2026, 12, 6, 14, 5)) == "6 Dec 2026 14:05"
    assert datetime_text("2026-12-06T14:05:09") == "6 Dec 2026 14:05"
    aware = dt.datetime(2026, 12, 6, 14, 5, tzinfo=dt.UTC)
    assert datetime_text(aware.isoformat()) == datetime_text(aware.astimezone())
    assert datetime_text(dt.date(2026, 1, 2)) == "2 Jan 2026"  # a plain date gets no made-up time
    assert date_text(None) == date_text("") == datetime_text(None) == ""
    assert date_text("not a date") == "not a date"
    assert (
        date_text("2027-Q4") == "Oct to Dec 2027"
    )  # a contract's date not shared, only its quarter


# Formatting a date by hand in a template (an ISO slice, a strftime of numbers) instead of `| date`/`| datetime`;
# a form field's value (value="…") must stay ISO for <input type="date">.
HAND_MADE = re.compile(
    r"""\.strftime\(["'][^"']*%[Ymd][^"']*%[Ymd]|_at\s*\[:\d+\]|\(h\.at or ""\)|_at\s*\|\s*replace\("T\"""",
)


def test_no_template_formats_a_date_by_hand():
    found = [
        f"{t.name}: {m.group(0)}"
        for t in sorted(TEMPLATES.glob("*.html"))
        for line in t.read_text(encoding="utf-8").splitlines()
        for m in HAND_MADE.finditer(line)
        if "value=" not in line[max(0, m.start() - 60) : m.start()]
    ]
    assert not found, found
