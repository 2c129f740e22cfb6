"""Writers for each demo anchor's own raw file format (CSV, cp1252 CSV, XLSX, BOM CSV)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import xlsxwriter

from anchorage.demo.generate import N_DAYS, AnchorTxns
from anchorage.demo.suppliers_gen import Universe, format_postcode
from anchorage.demo.vocabulary import LARGE, SME, VCSE

FIRST = dt.date(2022, 4, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)
CREATED = dt.datetime(2025, 4, 30, 9, 0, 0)  # fixed workbook metadata for byte-identical output
MASTER_HEADER = [
    "Supplier Name",
    "Supplier ID",
    "Postcode",
    "Country",
    "Company Number",
    "Charity Number",
    "VAT Number",
    "SME",
    "VCSE",
]
Row = Sequence[object]


def _day_strings(fmt: str) -> list[str]:
    """Formatted payment date for every day index."""
    return [(FIRST + dt.timedelta(days=d)).strftime(fmt) for d in range(N_DAYS)]


def _dates(
    t: AnchorTxns, fmts: Sequence[str], impossible: str, weights: Sequence[float] = (1.0,)
) -> list[str]:
    """Per-row date text in one or more formats, with bad rows blanked or impossible."""
    tables = [_day_strings(f) for f in fmts]
    cum = np.cumsum(weights) / sum(weights)
    which = np.searchsorted(cum, t.pick, side="right").clip(0, len(fmts) - 1)
    out = [tables[w][d] for w, d in zip(which.tolist(), t.day.tolist(), strict=True)]
    for i in np.flatnonzero(t.bad == 2):
        out[i] = ""
    for i in np.flatnonzero(t.bad == 3):
        out[i] = impossible
    return out


def _supplier_ids(t: AnchorTxns, u: Universe, fmt: str, start: int) -> tuple[list[str], list[str]]:
    """This anchor's own supplier IDs for the universe and for its special payees."""
    perm = np.random.default_rng(t.rng_seed).permutation(u.n)
    ids = [fmt.format(start + int(x)) for x in perm]
    special = [fmt.format(start + u.n + 7 + k) for k in range(len(t.spec.non_procurement))]
    return ids, special


def _row_ids(t: AnchorTxns, ids: list[str], special: list[str]) -> list[str]:
    """Per-row supplier ID (blank for redacted rows)."""
    return [ids[p] if p >= 0 else "" if p >= -2 else special[-3 - p] for p in t.payee.tolist()]


def _write_csv(
    path: Path,
    header: Row | None,
    rows: list[Row],
    *,
    encoding: str = "utf-8",
    pre: Sequence[str] = (),
    post: Sequence[Row] = (),
    lineterminator: str = "\r\n",
) -> None:
    """Write a CSV with optional junk lines before the header and footer rows."""
    with open(path, "w", newline="", encoding=encoding, errors="strict") as f:
        for line in pre:
            f.write(line + lineterminator)
        w = csv.writer(f, lineterminator=lineterminator)
        if header is not None:
            w.writerow(header)
        w.writerows(rows)
        w.writerows(post)


def _amount_text(t: AnchorTxns, fmt: Callable[[float], str]) -> list[str]:
    """Per-row amount text via fmt, with 'TBC' for bad kind 1."""
    out = [fmt(a) for a in t.amount.tolist()]
    for i in np.flatnonzero(t.bad == 1):
        out[i] = "TBC"
    return out


def write_master(
    t: AnchorTxns,
    u: Universe,
    path: Path,
    ids: list[str],
    special: list[str],
    *,
    uk: str,
    fill: float,
    pc_style: int,
    excel_zeros: bool,
    vat_gb: bool,
) -> None:
    """Supplier master for the suppliers this anchor paid, in its own name variants."""
    rng = np.random.default_rng(t.rng_seed + 1)
    used = sorted(set(t.payee[t.payee >= 0].tolist()), key=lambda i: ids[i])
    gaps = rng.random((u.n, 5)) > fill
    style = rng.random((u.n, 3))
    rows: list[Row] = []
    for i in used:
        co, vat = u.company_no[i], u.vat_no[i]
        if excel_zeros and co.startswith("0") and style[i, 0] < 0.5:
            co = co.lstrip("0")  # opened in Excel and re-saved
        if vat and vat_gb:
            vat = f"GB{vat}" if style[i, 1] < 0.5 else f"GB {vat[:3]} {vat[3:7]} {vat[7:]}"
        kind = int(u.kind[i])
        sme = {SME: "Y", LARGE: "N", VCSE: "Y"}[kind] if not gaps[i, 2] else ""
        vcse = ("Y" if kind == VCSE else "N") if not gaps[i, 2] else ""
        country = uk if u.country[i] == "United Kingdom" else u.country[i]
        pc = format_postcode(u.postcode[i], pc_style if style[i, 2] < 0.5 else 0)
        rows.append(
            [
                t.names[i],
                ids[i],
                pc if not gaps[i, 4] else "",
                country,
                co if not gaps[i, 0] else "",
                u.charity_no[i] if not gaps[i, 1] else "",
                vat if not gaps[i, 3] else "",
                sme,
                vcse,
            ]
        )
    for (who, _, _), sid in zip(t.spec.non_procurement, special, strict=True):
        if who:
            rows.append([who, sid, "", uk, "", "", "", "N", "N"])
    _write_csv(path, MASTER_HEADER, rows, lineterminator="\n")


def write_council(t: AnchorTxns, u: Universe, out: Path) -> tuple[Path, Path | None]:
    """Local Government Transparency Code 'spend over £500' CSV plus supplier master."""
    ids, special = _supplier_ids(t, u, "{:06d}", 100_000)
    codes = [f"{41_000 + 37 * i}" for i in range(len(t.labels))]
    capital = t.spec.capital
    names, dates = t.payee_names(), _dates(t, ["%d/%m/%Y"], "31/02/2023")
    amounts, sids = _amount_text(t, "{:.2f}".format), _row_ids(t, ids, special)
    rows: list[Row] = []
    for j, (lab, area) in enumerate(zip(t.label.tolist(), t.area.tolist(), strict=True)):
        label = t.labels[lab]
        rows.append(
            [
                "Lewisham Council",
                "E09000023",
                t.spec.areas[area],
                label,
                codes[lab],
                dates[j],
                f"{5_100_000_000 + j}",
                amounts[j],
                "Capital" if label in capital else "Revenue",
                names[j],
                sids[j],
            ]
        )
    total = float(t.amount[t.bad != 1].sum())
    path = out / "lewisham-council-spend.csv"
    _write_csv(
        path,
        [
            "Body Name",
            "Body",
            "Service Area",
            "Expenditure Category",
            "Expenditure Code",
            "Payment Date",
            "Transaction Number",
            "Amount",
            "Capital or Revenue",
            "Supplier Name",
            "Supplier ID",
        ],
        rows,
        post=[["Total", "", "", "", "", "", "", f"{total:.2f}", "", "", ""]],
    )
    master = out / "lewisham-council-suppliers.csv"
    write_master(
        t,
        u,
        master,
        ids,
        special,
        uk="United Kingdom",
        fill=0.85,
        pc_style=1,
        excel_zeros=False,
        vat_gb=False,
    )
    return path, master


def write_acute(t: AnchorTxns, u: Universe, out: Path) -> tuple[Path, Path | None]:
    """Acute trust 'Expenditure over £25k' XLSX with a Read me sheet and junk title lines."""
    path = out / "lgt-spend-over-25k.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties(
        {"title": "Expenditure over £25,000", "author": "Finance", "created": CREATED}
    )
    date_fmt, money = (
        wb.add_format({"num_format": "dd/mm/yyyy"}),
        wb.add_format({"num_format": "#,##0.00"}),
    )
    bold = wb.add_format({"bold": True})
    readme = wb.add_worksheet("Read me")
    for r, line in enumerate(
        (
            "Lewisham and Greenwich NHS Trust — expenditure over £25,000",
            "Published under the Government transparency commitments.",
            "Payments to suppliers with a value over £25,000, including VAT where not recoverable.",
            "Individual names of payees have been redacted where they are personal data.",
            "Amounts are in pounds sterling; negative amounts are credit notes.",
            "Data covers April 2022 to March 2025. Queries: foi@example.nhs.uk",
        )
    ):
        readme.write_string(r, 0, line, bold if r == 0 else None)
    ws = wb.add_worksheet("Expenditure over £25k")
    ws.write_string(0, 0, "Lewisham and Greenwich NHS Trust", bold)
    ws.write_string(1, 0, "Expenditure over £25,000 — 2022/23 to 2024/25")
    header = [
        "Department Family",
        "Entity",
        "Date",
        "Expense Type",
        "Expense Area",
        "Supplier",
        "Transaction Number",
        "Amount",
        "Supplier Postcode",
    ]
    for c, h in enumerate(header):
        ws.write_string(3, c, h, bold)
    serial = (FIRST - EXCEL_EPOCH).days
    names = t.payee_names()
    postcodes = [format_postcode(u.postcode[p], 0) if p >= 0 else "" for p in t.payee.tolist()]
    for j, (d, lab, area, amt, bad) in enumerate(
        zip(
            t.day.tolist(),
            t.label.tolist(),
            t.area.tolist(),
            t.amount.tolist(),
            t.bad.tolist(),
            strict=True,
        )
    ):
        r = 4 + j
        ws.write_string(r, 0, "Department of Health and Social Care")
        ws.write_string(r, 1, "Lewisham and Greenwich NHS Trust")
        if bad == 3:
            ws.write_string(r, 2, "31/02/2023")
        elif bad != 2:
            ws.write_number(r, 2, serial + d, date_fmt)
        ws.write_string(r, 3, t.labels[lab])
        ws.write_string(r, 4, t.spec.areas[area])
        if names[j]:
            ws.write_string(r, 5, names[j])
        ws.write_number(r, 6, 7_000_000 + j)
        if bad == 1:
            ws.write_string(r, 7, "TBC")
        else:
            ws.write_number(r, 7, amt, money)
        if postcodes[j]:
            ws.write_string(r, 8, postcodes[j])
    wb.close()
    return path, None


def write_community(t: AnchorTxns, u: Universe, out: Path) -> tuple[Path, Path | None]:
    """Community/MH trust AP report CSV in Windows-1252 with two junk lines."""
    names, dates = t.payee_names(), _dates(t, ["%d-%b-%Y"], "31-Feb-2023")
    amounts = _amount_text(t, "{:,.2f}".format)
    vat_style = np.random.default_rng(t.rng_seed).random(u.n)
    rows: list[Row] = []
    for j, (p, lab, area) in enumerate(
        zip(t.payee.tolist(), t.label.tolist(), t.area.tolist(), strict=True)
    ):
        vat = u.vat_no[p] if p >= 0 else ""
        if vat and vat_style[p] < 0.4:
            vat = f"GB {vat[:3]} {vat[3:7]} {vat[7:]}"
        rows.append(
            [
                t.labels[lab],
                t.spec.areas[area].replace("'", "’"),
                names[j],
                dates[j],
                f"AP{3_400_000 + 3 * j}",
                amounts[j],
                vat,
            ]
        )
    path = out / "slcmh-ap-payments.csv"
    _write_csv(
        path,
        [
            "Expense Type",
            "Expense Area",
            "Supplier",
            "Date",
            "Transaction Number",
            "AP Amount",
            "VAT Registration Number",
        ],
        rows,
        encoding="cp1252",
        pre=[
            "South London Community and Mental Health Trust – Invoices Paid Report "
            "(£ inc. irrecoverable VAT)",
            "Period: 01/04/2022 – 31/03/2025,,,,,,",
        ],
    )
    return path, None


def write_college(t: AnchorTxns, u: Universe, out: Path) -> tuple[Path, Path | None]:
    """College LGA-template-like XLSX starting at B3, Payment Date as ISO text."""
    ids, special = _supplier_ids(t, u, "SUP{:05d}", 10_000)
    path = out / "lewisham-college-spend.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"title": "Lewisham College payments", "created": CREATED})
    date_fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    ws = wb.add_worksheet("Payments")
    header = [
        "Organisation Name",
        "Effective Date",
        "Supplier Name",
        "Beneficiary Registration Number",
        "Expense Type",
        "Purpose of Spend",
        "Amount",
        "Payment Date",
    ]
    for c, h in enumerate(header):
        ws.write_string(2, 1 + c, h)
    names, dates = t.payee_names(), _dates(t, ["%Y-%m-%d"], "2023-02-31")
    effective = (dt.date(2025, 3, 31) - EXCEL_EPOCH).days
    for j, (p, lab, amt, bad) in enumerate(
        zip(t.payee.tolist(), t.label.tolist(), t.amount.tolist(), t.bad.tolist(), strict=True)
    ):
        r = 3 + j
        label = t.labels[lab]
        reg = (u.company_no[p] or u.charity_no[p]) if p >= 0 else ""
        ws.write_string(r, 1, "Lewisham College")
        ws.write_number(r, 2, effective, date_fmt)
        if names[j]:
            ws.write_string(r, 3, names[j])
        if reg:
            ws.write_string(r, 4, reg)
        ws.write_string(r, 5, label)
        what = label if label[:2].isupper() else label[0].lower() + label[1:]
        ws.write_string(r, 6, f"Purchase of {what}" if p >= -2 else "Statutory payment")
        if bad == 1:
            ws.write_string(r, 7, "TBC")
        else:
            ws.write_number(r, 7, amt)
        if dates[j]:
            ws.write_string(r, 8, dates[j])
    wb.close()
    master = out / "lewisham-college-suppliers.csv"
    write_master(
        t, u, master, ids, special, uk="UK", fill=0.7, pc_style=0, excel_zeros=False, vat_gb=True
    )
    return path, master


def _ha_amount(a: float, pick: float) -> str:
    """Housing association amount text: £, brackets for credits, some E-notation and nil."""
    if pick > 0.999:
        return "-"
    if 0.96 < pick <= 0.99:
        return f"{a:.2E}"
    if a < 0:
        return f"({-a:,.2f})"
    return f"£{a:,.2f}"


def write_housing(t: AnchorTxns, u: Universe, out: Path) -> tuple[Path, Path | None]:
    """Housing association BOM CSV with £ amounts, bracket credits and mixed date formats."""
    ids, special = _supplier_ids(t, u, "V{:05d}", 20_000)
    names = t.payee_names()
    dates = _dates(t, ["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d"], "31/02/2023", (0.7, 0.2, 0.1))
    amounts = [_ha_amount(a, k) for a, k in zip(t.amount.tolist(), t.pick.tolist(), strict=True)]
    for i in np.flatnonzero(t.bad == 1):
        amounts[i] = "TBC"
    inv = np.random.default_rng(t.rng_seed).integers(1000, 999_999, len(t.day))
    pc_style = np.random.default_rng(t.rng_seed + 2).integers(0, 4, u.n)
    rows: list[Row] = []
    for j, (p, lab, area) in enumerate(
        zip(t.payee.tolist(), t.label.tolist(), t.area.tolist(), strict=True)
    ):
        pc = format_postcode(u.postcode[p], int(pc_style[p])) if p >= 0 else ""
        rows.append(
            [
                names[j],
                pc,
                amounts[j],
                dates[j],
                t.labels[lab],
                t.spec.areas[area],
                f"INV-{inv[j]:06d}" if inv[j] % 3 else str(inv[j]),
            ]
        )
    total = float(t.amount[(t.bad != 1) & (t.pick <= 0.999)].sum())
    path = out / "riverside-homes-payments.csv"
    _write_csv(
        path,
        [
            "Vendor",
            "Vendor Postcode",
            "Invoice Nett Amount",
            "Paid Date",
            "Expense Type",
            "Cost Centre",
            "Invoice No",
        ],
        rows,
        encoding="utf-8-sig",
        post=[["Total", "", f"£{total:,.2f}", "", "", "", ""]],
        lineterminator="\n",
    )
    master = out / "riverside-homes-vendors.csv"
    write_master(
        t,
        u,
        master,
        ids,
        special,
        uk="United Kingdom",
        fill=0.6,
        pc_style=3,
        excel_zeros=True,
        vat_gb=True,
    )
    return path, master


WRITERS: dict[str, Callable[[AnchorTxns, Universe, Path], tuple[Path, Path | None]]] = {
    "council": write_council,
    "acute": write_acute,
    "community": write_community,
    "college": write_college,
    "housing": write_housing,
}
