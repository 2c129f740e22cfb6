"""The levy pool in the workspace: load pay bills and commitments, compute and export the ledger."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from anchorage.core.errors import AnchorageError
from anchorage.exports import write_csv, write_xlsx_frames
from anchorage.ingest.result import ImportSummary
from anchorage.store.workforce_records import LevyCommitment, LevyPayBill
from anchorage.workforce.imports import import_commitments, import_pay_bills
from anchorage.workforce.levy import Commitment, LevyLedger, PayBill, check_caps, levy_ledger
from anchorage.workforce.settings import workforce_settings
from anchorage.workspace import Workspace


def load_pay_bills(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Monthly pay bills: an anchor's (`org`), or a collaborative file whose rows name their anchors; each
    replaces only the pay bills of the anchors it covers."""
    return import_pay_bills(ws, path, org, **options)


def load_commitments(
    ws: Workspace, path: Path, org: str | None = None, **options: Any
) -> ImportSummary:
    """Commitments of the anchors the file covers; refused (nothing saved) when transfers would break a cap."""
    return import_commitments(ws, path, org, **options)


def commitments(ws: Workspace) -> list[Commitment]:
    with ws.session() as session:
        return [
            Commitment(
                c.org,
                c.apprentice_ref,
                c.start_month,
                c.duration_months,
                Decimal(c.total_price),
                c.recipient,
                c.recipient_type,
            )
            for c in session.scalars(select(LevyCommitment))
        ]


def add_transfer(ws: Workspace, transfer: Commitment) -> LevyLedger:
    """Commit a transfer of levy funds to another anchor or a small local employer; refused (nothing
    saved) when it would take a tax year's transfers over the cap. Returns the ledger with it."""
    if not transfer.is_transfer or not transfer.recipient.strip():
        raise AnchorageError(
            "A transfer needs a recipient: another anchor or a small local employer.",
            fix="Name the recipient and choose its type.",
        )
    if transfer.duration_months < 1 or transfer.total_price <= 0:
        raise AnchorageError(
            "A transfer needs a duration of at least a month and a price above £0.",
            fix="Enter the apprenticeship's duration in months and its total price.",
        )
    ledger = levy_ledger(pay_bills(ws), [*commitments(ws), transfer], workforce_settings(ws.config))
    check_caps(ledger)
    with ws.session() as session:
        session.add(LevyCommitment(**asdict(transfer)))
        session.commit()
    return ledger


def pay_bills(ws: Workspace) -> list[PayBill]:
    with ws.session() as session:
        return [
            PayBill(b.org, b.month, Decimal(b.pay_bill), Decimal(b.english_share))
            for b in session.scalars(select(LevyPayBill))
        ]


def workspace_ledger(ws: Workspace, as_at: dt.date | None = None) -> LevyLedger:
    return levy_ledger(pay_bills(ws), commitments(ws), workforce_settings(ws.config), as_at)


def export_ledger(ledger: LevyLedger, out: Path) -> Path:
    """The ledger as XLSX (ledger, transfer caps, warnings) or CSV (the ledger), by the file's suffix."""
    rows = pd.DataFrame(
        [
            {k: (float(v) if isinstance(v, Decimal) else v) for k, v in asdict(r).items()}
            for r in ledger.rows
        ]
    )
    if out.suffix.lower() != ".xlsx":
        return write_csv(out, rows)
    caps = pd.DataFrame(
        [
            {
                "anchor": c.org,
                "tax year": f"{c.tax_year}-{(c.tax_year + 1) % 100:02}",
                "cap £": float(c.cap),
                "transfers £": float(c.transfers),
                "rule": c.rule,
                "within cap": "no" if c.breached else "yes",
            }
            for c in ledger.caps
        ]
    )
    warn = pd.DataFrame({"warning": [w.sentence() for w in ledger.warnings]})
    write_xlsx_frames(
        out, {"Ledger": rows, "Transfer caps": caps, "Expiry warnings": warn}, freeze=(0, 0)
    )
    return out
