"""One commitment or delivery entered on a web form: checked like a file row (every problem at once) and
stored in the same tables, marked as a form entry (upload id 'web-form')."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from anchorage.core.errors import AnchorageError
from anchorage.core.forms import checked, problem
from anchorage.core.values import parse_date
from anchorage.reference.names import normalise_names
from anchorage.socialvalue.framework import Framework, load_framework
from anchorage.workspace import Workspace

FORM_UPLOAD = "web-form"
MAX_TEXT = 200


class EntryInvalid(AnchorageError):
    """The form has problems; all are listed, keyed by field."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("Please correct: " + "; ".join(problems.values()))
        self.problems = problems


def _clean(value: object) -> str:
    return re.sub(r"[\x00-\x1f\x7f]", " ", "" if value is None else str(value)).strip()


class EntryForm(BaseModel):
    """What a commitment and a delivery line share: the contract, the supplier, a framework measure, a quantity.
    Each field's check words its problem with the field's label; every problem is reported at once."""

    model_config = ConfigDict(extra="ignore", validate_default=True)
    LABELS: ClassVar[dict[str, str]] = {
        "contract_ref": "Contract reference",
        "supplier_name": "Supplier",
    }

    contract_ref: str = ""
    supplier_name: str = ""
    measure_id: str = ""
    quantity: float | None = None  # checked even when missing (refused like an empty field)

    @field_validator("contract_ref", "supplier_name", mode="before")
    @classmethod
    def _text(cls, v: object, info: ValidationInfo) -> str:
        label = cls.LABELS[str(info.field_name)]
        text = _clean(v)
        if not text:
            raise problem(f"{label}: this is needed")
        if len(text) > MAX_TEXT:
            raise problem(f"{label}: at most {MAX_TEXT} characters")
        return text

    @field_validator("measure_id", mode="before")
    @classmethod
    def _measure(cls, v: object, info: ValidationInfo) -> str:
        measure = _clean(v).lower()
        fw: Framework = (info.context or {})["framework"]
        if fw.measure(measure) is None:
            raise problem("Measure: choose one of the framework's measures")
        return measure

    @field_validator("quantity", mode="before")
    @classmethod
    def _quantity(cls, v: object) -> float:
        try:
            qty = float(_clean(v).replace(",", ""))
        except ValueError:
            qty = -1.0
        if not 0 <= qty < 1e12:
            raise problem("Quantity: enter a number of 0 or more")
        return qty


def _day(v: object, label: str) -> dt.date:
    day = v if isinstance(v, dt.date) else parse_date(_clean(v))
    if day is None:
        raise problem(f"{label}: enter a date as YYYY-MM-DD")
    return day


class CommitmentForm(EntryForm):
    """One commitment: the shared fields, and the contract's start and end (after its start)."""

    contract_start: dt.date | None = None
    contract_end: dt.date | None = None

    @field_validator("contract_start", mode="before")
    @classmethod
    def _start(cls, v: object) -> dt.date:
        return _day(v, "Contract start")

    @field_validator("contract_end", mode="before")
    @classmethod
    def _end(cls, v: object, info: ValidationInfo) -> dt.date:
        end, start = _day(v, "Contract end"), info.data.get("contract_start")
        if start is not None and end <= start:
            raise problem("Contract end: must be after the start")
        return end


class DeliveryForm(EntryForm):
    """One delivery report line: the shared fields, the period's end and the evidence (optional)."""

    period_end: dt.date | None = None
    evidence: str | None = None

    @field_validator("period_end", mode="before")
    @classmethod
    def _period_end(cls, v: object) -> dt.date:
        return _day(v, "Period end")

    @field_validator("evidence", mode="before")
    @classmethod
    def _evidence(cls, v: object) -> str | None:
        return _clean(v)[:MAX_TEXT] or None


def _insert(ws: Workspace, table: str, values: list[object], form: Mapping[str, str]) -> None:
    raw = json.dumps({k: str(v)[:MAX_TEXT] for k, v in form.items() if k != "csrf_token"})
    marks = ", ".join("?" * (len(values) + 3))
    with ws.warehouse() as con:
        con.execute(
            f"INSERT INTO {table} VALUES ({marks})",
            [FORM_UPLOAD, *values[:1], None, *values[1:], raw],
        )


def add_commitment(
    ws: Workspace, org: str, form: Mapping[str, str], fw: Framework | None = None
) -> None:
    """Record one commitment (contract, supplier, measure, quantity, contract start and end)."""
    entry = checked(
        CommitmentForm, form, context={"framework": fw or load_framework(ws)}, error=EntryInvalid
    )
    _insert(
        ws,
        "sv_commitments",
        [
            ws.config.anchor(org).slug,
            entry.contract_ref,
            entry.supplier_name,
            normalise_names([entry.supplier_name])[0],
            entry.measure_id,
            entry.quantity,
            entry.contract_start,
            entry.contract_end,
        ],
        form,
    )


def add_delivery(
    ws: Workspace, org: str, form: Mapping[str, str], fw: Framework | None = None
) -> None:
    """Record one delivery report line (contract, supplier, measure, quantity delivered, period end)."""
    entry = checked(
        DeliveryForm, form, context={"framework": fw or load_framework(ws)}, error=EntryInvalid
    )
    _insert(
        ws,
        "sv_deliveries",
        [
            ws.config.anchor(org).slug,
            entry.contract_ref,
            entry.supplier_name,
            normalise_names([entry.supplier_name])[0],
            entry.measure_id,
            entry.quantity,
            entry.period_end,
            entry.evidence,
        ],
        form,
    )
