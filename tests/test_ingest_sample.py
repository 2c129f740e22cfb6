"""The rows a CSV's columns are inferred from (readers.SAMPLE_ROWS): read in file order with the same
quoting as the load, short rows padded, a quoted line break kept inside its cell.

The sample is read with DuckDB's single-threaded CSV reader (parallel=false) on purpose: the parallel reader
refuses null_padding once a quoted field holds a line break ("The parallel scanner does not support
null_padding in conjunction with quoted new lines"), and dropping null_padding would drop short rows from the
sample. Its cost is not the reader's: the first read_csv of a process pays DuckDB's warm-up (~0.5 s CPU at 3M
rows, parallel or not), which the staging read pays instead when the sample is read otherwise (measured in
issue 18's second ingest round)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from anchorage.core.errors import InputFileError
from anchorage.ingest import mapping as mapmod
from anchorage.ingest.readers import SAMPLE_ROWS, stage_file

HEADER = "Supplier Name,Amount,Payment Date\n"


def _stage(tmp_path: Path, body: str, name: str = "spend.csv", bom: bool = False) -> tuple:
    path = tmp_path / name
    path.write_bytes(("\ufeff" if bom else "").encode() + (HEADER + body).encode())
    con = duckdb.connect()
    parts, _ = stage_file(con, path, mapmod.header_scorer("spend", None), tmp_path)
    return con, parts[0]


def test_sample_keeps_quoted_line_breaks_and_pads_short_rows(tmp_path: Path) -> None:
    body = (
        '"Acme\nHoldings Ltd",10.00,01/04/2023\n'  # a line break inside a quoted cell, in the first row
        "Short Row Ltd,5.00\n"  # one cell short: padded in the sample, a reject in the load
        "Too,Many,Cells,Here\n"  # one cell too many: left out of the sample, a reject in the load
        '"Quote ""Inside"" Ltd",7.50,02/04/2023\n'
        "Plain Ltd,1.00,03/04/2023\n"
    )
    con, part = _stage(tmp_path, body)
    assert part.sample == [
        ["Acme\nHoldings Ltd", "10.00", "01/04/2023"],
        ["Short Row Ltd", "5.00", None],
        ['Quote "Inside" Ltd', "7.50", "02/04/2023"],
        ["Plain Ltd", "1.00", "03/04/2023"],
    ]
    assert [r.reason.split(" ")[3] for r in part.rejects] == ["fewer", "more"]
    assert con.execute(f"SELECT c0 FROM {part.table} ORDER BY rowid").fetchall() == [
        ("Acme\nHoldings Ltd",),
        ('Quote "Inside" Ltd',),
        ("Plain Ltd",),
    ]


def test_sample_is_the_first_rows_in_file_order_after_a_bom(tmp_path: Path) -> None:
    rows = [f'"Supplier\n{i}",{i}.00,01/04/2023\n' for i in range(SAMPLE_ROWS + 500)]
    _, part = _stage(tmp_path, "".join(rows), bom=True)
    assert part.columns == ["Supplier Name", "Amount", "Payment Date"]
    assert len(part.sample) == SAMPLE_ROWS
    assert [r[1] for r in part.sample] == [f"{i}.00" for i in range(SAMPLE_ROWS)]
    assert part.sample[-1][0] == f"Supplier\n{SAMPLE_ROWS - 1}"


def test_a_file_duckdb_cannot_split_is_an_input_error_with_a_fix(tmp_path: Path) -> None:
    """One CR LF line in an LF file stops DuckDB's reader outright: the user is told why and what to do, never
    DuckDB's message (which names the server's path)."""
    body = (
        "Acme Holdings Ltd,10.00,01/04/2023\nB Ltd,7.50,02/04/2023\r\nPlain Ltd,1.00,03/04/2023\n"
    )
    with pytest.raises(InputFileError) as err:
        _stage(tmp_path, body)
    assert "lines end in two ways" in str(err.value)
    assert err.value.fix and "save it again as CSV" in err.value.fix
    assert "Possible fixes" not in str(err.value) and "strict_mode" not in str(err.value)
