"""The one import contract: every import returns (and with --json prints) an ImportSummary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class ImportSummary:
    """Reconciliation of one import: rows read = loaded + quarantined (and £ likewise, when money)."""

    kind: str
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    amount_read: Decimal | None = None
    amount_loaded: Decimal | None = None
    amount_quarantined: Decimal | None = None
    duplicate: bool = False
    replaced_upload: str | None = None
    upload_id: str | None = None
    org: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    date_order: str | None = None  # how numeric dates were read: "dmy" or "mdy" (spend)
    date_precision: str | None = None  # "day", or "month" when dates give only a month
    warnings: list[str] = field(default_factory=list)  # sanity checks the user accepted
    columns: list[dict[str, Any]] = field(
        default_factory=list
    )  # how each field's column was chosen
    # Where a file's rows went when it holds several anchors' rows (an area's OCDS notices): per anchor
    # rows and £, the area's public notices, and what could not be placed.
    split: dict[str, Any] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        rows_ok = self.rows_read == self.rows_loaded + self.rows_quarantined
        if self.amount_read is None:
            return rows_ok
        return rows_ok and self.amount_read == (self.amount_loaded or 0) + (
            self.amount_quarantined or 0
        )

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("amount_read", "amount_loaded", "amount_quarantined"):
            if out[key] is None:
                del out[key]
            else:
                out[key] = float(out[key])
        out["balanced"] = self.balanced
        return out
