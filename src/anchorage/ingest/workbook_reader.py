"""Read a spreadsheet's sheets as rows of cell text, in a child process with a memory cap.

workbook_guard refuses the attacks we know before this runs; the child is for the ones we do not (and for
legacy .xls, which the guard cannot measure): if calamine asks for more memory than the cap, or crashes,
only the child dies and the user gets a plain refusal. It costs a process start (about 0.1 s of CPU) and
passing the cell text back as JSON: for a 200,000-row, 12-column sheet 6.6 s of CPU instead of 5.0 s."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

from anchorage.core.errors import InputFileError

MB = 1024 * 1024
# Address space for the child: reading a sheet at the guard's 30M-cell cap takes about 4 GB.
MEMORY_CAP = int(os.environ.get("ANCHORAGE_SPREADSHEET_MEMORY_MB", "6144")) * MB
TIMEOUT_S = 1800
FIX = "Open it in Excel or LibreOffice and save it again as XLSX, or export the sheet as CSV."

Sheet = tuple[str, list[list[str | None]]]


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text our parsers read (dates ISO, whole numbers without .0)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return (
            value.strftime("%Y-%m-%d %H:%M:%S")
            if value.time() != dt.time()
            else value.date().isoformat()
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_sheets(
    path: Path, *, first_only: bool = False, skip_empty_area: bool = False
) -> list[Sheet]:
    """Every sheet (or the first) as (name, rows of cell text or None), read in a memory-capped child."""
    args = [
        sys.executable,
        "-m",
        "anchorage.ingest.workbook_reader",
        str(path),
        str(MEMORY_CAP),
        "first" if first_only else "all",
        "skip" if skip_empty_area else "keep",
    ]
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise InputFileError(
            str(path), f"reading the spreadsheet took over {TIMEOUT_S // 60} minutes.", fix=FIX
        ) from None
    if done.returncode != 0:
        died = -done.returncode if done.returncode < 0 else None
        why = (
            f"stopped by signal {signal.Signals(died).name}"
            if died
            else "ran out of memory"
            if b"MemoryError" in done.stderr or b"memory allocation" in done.stderr
            else "failed"
        )
        raise InputFileError(
            str(path),
            f"the spreadsheet could not be read within the {MEMORY_CAP // 1024**3} GB we allow "
            f"for it (the reader {why}); it may be damaged, or built to exhaust memory.",
            fix=FIX,
        )
    result = json.loads(done.stdout)
    if "error" in result:
        raise InputFileError(
            str(path), f"the spreadsheet cannot be read ({result['error']}).", fix=FIX
        )
    return [(name, rows) for name, rows in result["sheets"]]


def _child(path: str, cap: int, first_only: bool, skip_empty_area: bool) -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)  # already under a tighter cap (a test's, or the service's)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(path)
        names = wb.sheet_names[:1] if first_only else wb.sheet_names
        sheets = [
            (
                name,
                [
                    [cell_text(c) for c in row]
                    for row in wb.get_sheet_by_name(name).to_python(skip_empty_area=skip_empty_area)
                ],
            )
            for name in names
        ]
        out: dict[str, object] = {"sheets": sheets}
    except (CalamineError, OSError, ValueError) as exc:
        out = {"error": str(exc)[:300]}
    sys.stdout.write(
        json.dumps(out)
    )  # one write: json.dump's many small ones are several times slower


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]), sys.argv[3] == "first", sys.argv[4] == "skip")
