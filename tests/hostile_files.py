"""A corpus of hostile and broken spreadsheets, built with zipfile: each with words its refusal must contain."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import xlsxwriter
from tests.xls_files import xls_corpus

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Payments" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


# A real-looking payments sheet: header and two payments.
ROWS = (
    '<row r="1">'
    + text_cell("A1", "Supplier")
    + text_cell("B1", "Amount")
    + text_cell("C1", "Date")
    + '</row><row r="2">'
    + text_cell("A2", "Acme Ltd")
    + '<c r="B2"><v>1200</v></c>'
    + text_cell("C2", "01/04/2023")
    + '</row><row r="3">'
    + text_cell("A3", "Local Cafe")
    + '<c r="B3"><v>80</v></c>'
    + text_cell("C3", "02/04/2023")
    + "</row>"
)


def sheet_xml(rows: str, prolog: str = "", prefix: str = "") -> str:
    p = f"{prefix}:" if prefix else ""
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{prolog}<{p}worksheet {ns}="{MAIN}">'
        f"<{p}sheetData>{rows}</{p}sheetData></{p}worksheet>"
    )


def xlsx_bytes(sheet: str | bytes, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_bytes(rows: str, prolog: str = "") -> bytes:
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Payments">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        z.writestr("content.xml", content)
    return buf.getvalue()


def ods_cell(value: str, repeat: int = 1, number: bool = False) -> str:
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if number:
        return f'<table:table-cell office:value-type="float" office:value="{value}"{rep}/>'
    return f'<table:table-cell office:value-type="string"{rep}><text:p>{value}</text:p></table:table-cell>'


def ods_row(cells: str, repeat: int = 1) -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f"<table:table-row{rep}>{cells}</table:table-row>"


ODS_HEADER = ods_row(ods_cell("Supplier") + ods_cell("Amount") + ods_cell("Date"))
XXE = '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def whitespace(n: int) -> str:
    """Spaces, tabs and newlines at random: about 4x compression, so no ratio check catches them first."""
    rnd = random.Random(15)
    return "".join(rnd.choice(" \t\r\n") for _ in range(n))


def real_xlsx() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Payments")
    ws.write_row(0, 0, ["Supplier", "Amount", "Date"])
    ws.write_row(1, 0, ["Acme Ltd", 1200, "01/04/2023"])
    wb.close()
    return buf.getvalue()


def corpus() -> dict[str, tuple[bytes, str]]:
    """File name -> (content, a phrase its refusal contains)."""
    far = ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    real = real_xlsx()
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml(ROWS))
        z.writestr("xl/media/image1.png", bytes(60_000_000))
    return {
        "far-cell.xlsx": (xlsx_bytes(sheet_xml(far)), "17,179,869,184 cells"),
        # The same with a namespace prefix and a comment: measured by the exact (expat) pass.
        "far-cell-prefixed.xlsx": (
            xlsx_bytes(
                sheet_xml(
                    far.replace("<row", "<x:row")
                    .replace("</row", "</x:row")
                    .replace("<c ", "<x:c ")
                    .replace("</c>", "</x:c>")
                    .replace("<v>", "<x:v>")
                    .replace("</v>", "</x:v>")
                    .replace("<is>", "<x:is>")
                    .replace("</is>", "</x:is>")
                    .replace("<t>", "<x:t>")
                    .replace("</t>", "</x:t>"),
                    prolog="<!-- made by hand -->",
                    prefix="x",
                )
            ),
            "17,179,869,184 cells",
        ),
        "far-cell-in-shared-part.xlsx": (
            xlsx_bytes(sheet_xml(ROWS), {"xl/other.xml": sheet_xml(far).encode()}),
            "17,179,869,184 cells",
        ),
        "zip-bomb.xlsx": (bomb.getvalue(), "zip bomb"),
        "xxe.xlsx": (xlsx_bytes(sheet_xml(ROWS.replace("Acme Ltd", "&xxe;"), prolog=XXE)), "DTD"),
        "billion-laughs.xlsx": (
            xlsx_bytes(sheet_xml(ROWS.replace("Acme Ltd", "&lol9;"), prolog=LAUGHS)),
            "DTD",
        ),
        "whitespace-padded.xlsx": (
            xlsx_bytes(sheet_xml(ROWS.replace("<v>80</v>", f"<v>80{whitespace(3_000_000)}</v>"))),
            "text or spaces",
        ),
        "program-renamed.xlsx": (
            b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200),
            "binary file",
        ),
        "archive-renamed.xlsx": (_plain_zip(), "not an Excel workbook"),
        "binary-workbook.xlsx": (
            xlsx_bytes(b"", {"xl/worksheets/sheet2.bin": bytes(100)}),
            "binary workbook",
        ),
        # Looks like an OpenDocument file by its first bytes, read as XLSX by its name: its XLSX parts count.
        "opendocument-disguise.xlsx": (
            _mimetype_first(xlsx_bytes(sheet_xml(far))),
            "17,179,869,184 cells",
        ),
        "truncated.xlsx": (real[: len(real) // 2], "damaged or incomplete"),
        # Random bytes after the compound-file signature: the .xls guard finds no sound header.
        "garbage.xls": (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + bytes(random.Random(3).getrandbits(8) for _ in range(5000)),
            "cannot be read",
        ),
        "bad-xml.xlsx": (xlsx_bytes(sheet_xml(ROWS).replace("</sheetData>", "")), "cannot be read"),
        "far-cell.ods": (
            ods_bytes(
                ODS_HEADER
                + ods_row(
                    '<table:table-cell table:number-columns-repeated="16383"/>'
                    + ods_cell("1", number=True)
                )
                + ods_row("<table:table-cell/>", 1048570)
                + ods_row(ods_cell("x"))
            ),
            "cells",
        ),
        "repeated-values.ods": (
            ods_bytes(ODS_HEADER + ods_row(ods_cell("7", 200, number=True), 1_000_000)),
            'cells: sheet "Payments" spans A1:GR1000001',
        ),
        "xxe.ods": (
            ods_bytes(
                ODS_HEADER.replace("Supplier", "&xxe;"),
                prolog=XXE.replace("worksheet", "office:document-content"),
            ),
            "DTD",
        ),
        **xls_corpus(),
    }


def _mimetype_first(package: bytes) -> bytes:
    buf = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z,
    ):
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        for info in src.infolist():
            z.writestr(info.filename, src.read(info))
    return buf.getvalue()


def _plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "not a spreadsheet")
    return buf.getvalue()


def write_corpus(folder: Path) -> dict[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, (content, phrase) in corpus().items():
        path = folder / name
        path.write_bytes(content)
        out[path] = phrase
    return out
