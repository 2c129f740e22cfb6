"""A line of a CSV that cannot be split is quarantined with the number of the line it is on in the file, as a
text editor numbers lines (the page and the fix workbook show it as "Line"), also after a quoted cell that
holds a line break: DuckDB counts such a record as one line, so its own number fell short by one for each
line break above."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchorage.ingest.quarantine import quarantine_frame
from anchorage.ingest.spend import ingest_spend
from anchorage.workspace import Workspace

ROWS = [
    "Payments over £500",
    "Supplier Name,Amount,Payment Date,Description",
    'Acme Ltd,10.00,01/04/2021,"first line',
    'second line"',
    "Gamma Ltd,5.00,03/04/2021,a stray comma,here",
    'Delta Ltd,7.00,14/04/2021,"a',
    "b",
    'c"',
    "Kappa Ltd,6.00",
]


def _line_of(text: str, start: str, newline: str) -> int:
    """The 1-based line of the file on which the first line starting with `start` is."""
    return next(i for i, line in enumerate(text.split(newline), 1) if line.startswith(start))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_line_that_cannot_be_split_is_numbered_as_in_the_file(
    workspace: Workspace, tmp_path: Path, newline: str
):
    f = tmp_path / "spend.csv"
    text = newline.join(ROWS) + newline
    f.write_bytes(text.encode())
    out = ingest_spend(workspace, f, "Council", date_order="dmy", accept_warnings=True)
    assert (out.rows_loaded, out.rows_quarantined) == (2, 2)
    got = quarantine_frame(workspace).sort_values("line")
    assert list(got["line"]) == [_line_of(text, "Gamma", newline), _line_of(text, "Kappa", newline)]
    # Each number is the line a person finds the row on, not the count of records DuckDB read.
    assert list(got["line"]) == [5, 9]
    assert list(got["raw"].str.strip()) == [ROWS[4], ROWS[8]]
