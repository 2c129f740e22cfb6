"""Check a spreadsheet before any reader opens it, so a hostile or broken file cannot exhaust memory.

calamine, our reader, allocates one slot for every cell of the rectangle between a sheet's first and last
cells with a value: one value at XFD1048576 asks for 17 billion cells (512 GB) and aborts the process. It
also buffers any run of text or whitespace whole. So, before reading: the zip must be sound (real unzipped
sizes and compression ratios within limits, counted while inflating, not taken from its directory), no XML
part may declare a DTD (XXE, billion laughs), no run of text may be huge, and each sheet's real bounding box
is measured from its XML and refused when its area is over the cap.

Sheets as spreadsheet programs write them (every cell `<c r="A1" ...>`, no comments or DTD) are measured by
a fast regular-expression pass; any other part is measured exactly by expat, which refuses DTDs and XML
that is not well-formed (where calamine might read something other than what we measured)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

from anchorage.core.errors import InputFileError
from anchorage.ingest import sheet_measure
from anchorage.ingest.sheet_measure import (
    FIX_AREA,
    FIX_SAVE,
    Box,
    ExactXlsxScan,
    FastXlsxScan,
    OdsScan,
    Scan,
    Unusual,
)
from anchorage.ingest.xls_measure import XlsDamaged, measure_xls

MAX_MEMBERS = 10_000  # files inside the zip
MAX_UNZIPPED = 3 * 1024**3  # bytes, all parts together
MAX_RATIO = (
    100  # unzipped/zipped for a part over RATIO_FLOOR bytes: real sheet XML compresses 5-30x
)
RATIO_FLOOR = 1024**2
MAX_XLS = 250 * 1024**2  # a legacy .xls: larger ones are refused unread
CHUNK = 4 * 1024**2


def check_workbook(path: Path, fmt: str) -> None:
    """Refuse (InputFileError) a spreadsheet that is broken, disguised, or would need too much memory.

    A legacy .xls (BIFF in an OLE2 compound file) is measured by the size each sheet declares
    (ingest.xls_measure), which is what its reader allocates. Reading any spreadsheet also runs in a child
    process with a memory cap (ingest.workbook_reader), for the attacks we do not know."""
    name = str(path)
    if fmt == "xls":
        _check_xls(path, name)
        return
    try:
        with zipfile.ZipFile(path) as zf:
            _check_package(zf, name, fmt)
    except zipfile.BadZipFile as exc:
        raise InputFileError(
            name,
            f"the spreadsheet is damaged or incomplete ({exc}).",
            fix="Download or export it again; if that fails, " + FIX_SAVE[0].lower() + FIX_SAVE[1:],
        ) from None
    except (
        zipfile.LargeZipFile,
        NotImplementedError,
        RuntimeError,
        EOFError,
        OSError,
        ValueError,
    ) as exc:
        raise InputFileError(
            name, f"the spreadsheet cannot be read safely ({exc}).", fix=FIX_SAVE
        ) from None


def _check_xls(path: Path, name: str) -> None:
    size = path.stat().st_size
    if size > MAX_XLS:
        raise InputFileError(
            name, f"this .xls file is larger than {MAX_XLS // 1024**2} MB.", fix=FIX_SAVE
        )
    try:
        with path.open("rb") as fh:
            sheets = measure_xls(fh, size)
    except XlsDamaged as exc:
        raise InputFileError(
            name,
            f"this .xls file cannot be read safely: {exc}.",
            fix="Download or export it again; if that fails, " + FIX_SAVE[0].lower() + FIX_SAVE[1:],
        ) from None
    for sheet in sheets:
        if sheet.area > sheet_measure.MAX_AREA:
            box = Box(
                sheet.first_row,
                sheet.first_col,
                sheet.first_row + sheet.rows - 1,
                sheet.first_col + sheet.cols - 1,
            )
            raise InputFileError(
                name,
                f'this spreadsheet says sheet "{sheet.name[:60]}" uses {sheet.area:,} cells '
                f"({box.label()}). We read at most {sheet_measure.MAX_AREA:,} cells in a sheet.",
                fix=FIX_AREA,
            )


def _check_package(zf: zipfile.ZipFile, name: str, fmt: str) -> None:
    infos = [i for i in zf.infolist() if not i.is_dir()]
    if len(infos) > MAX_MEMBERS:
        raise InputFileError(
            name,
            f"the file holds {len(infos):,} parts, where a spreadsheet has a few dozen.",
            fix=FIX_SAVE,
        )
    names = {i.filename for i in infos}
    if "content.xml" not in names and "[Content_Types].xml" not in names:
        what = "an OpenDocument spreadsheet" if fmt == "ods" else "an Excel workbook"
        raise InputFileError(
            name,
            f"this is a zip archive, not {what} (another kind of file renamed?).",
            fix=FIX_SAVE,
        )
    if any(n.lower().startswith("xl/worksheets/") and n.lower().endswith(".bin") for n in names):
        raise InputFileError(
            name,
            "this is an Excel binary workbook (.xlsb), which we do not read.",
            fix="Save it in Excel as .xlsx (Excel Workbook), or export the sheet as CSV.",
        )
    if sum(i.file_size for i in infos) > MAX_UNZIPPED:
        raise _too_large(name)
    total = 0
    for info in infos:
        # The reader chooses its format by the file's name, not ours by its content: every part is checked
        # as what either reader would take it for (content.xml as an OpenDocument sheet, the rest as XLSX).
        if not info.filename.lower().endswith((".xml", ".rels")):
            total += sum(
                len(c) for c in _chunks(zf, info, name, total)
            )  # inflated: sizes, ratio, CRC
            continue
        scan: Scan
        if info.filename == "content.xml":
            scan = OdsScan(name, info.filename)
        else:
            scan = FastXlsxScan(name, info.filename)
        try:
            size = scan.run(_chunks(zf, info, name, total))
        except Unusual:
            size = ExactXlsxScan(name, info.filename).run(_chunks(zf, info, name, total))
        total += size


def _chunks(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, before: int) -> Iterator[bytes]:
    """A part's bytes as inflated, with the real (not declared) sizes and ratio checked on the way."""
    size = 0
    with zf.open(info) as fh:  # zipfile stops at the declared size and checks the CRC at the end
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            if before + size > MAX_UNZIPPED:
                raise _too_large(name)
            if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
                raise InputFileError(
                    name,
                    f'part "{info.filename}" unzips to over {MAX_RATIO} times its '
                    "size, which real spreadsheets never do (a zip bomb?).",
                    fix=FIX_SAVE,
                )
            yield chunk


def _too_large(name: str) -> InputFileError:
    return InputFileError(
        name,
        f"unzipped, the file would take more than {MAX_UNZIPPED // 1024**3} GB.",
        fix="Split it, or export the sheets as CSV.",
    )
