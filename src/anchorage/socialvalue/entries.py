"""One commitment or delivery entered on a web form: checked like a file row (every problem at once) and
stored in the same tables, marked as a form entry (upload id 'web-form')."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping

from anchorage.core.errors import AnchorageError
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


def _text(form: Mapping[str, str], key: str, label: str, problems: dict[str, str]) -> str:
    v = re.sub(r"[\x00-\x1f\x7f]", " ", str(form.get(key, ""))).strip()
    if not v:
        problems[key] = f"{label}: this is needed"
    elif len(v) > MAX_TEXT:
        problems[key] = f"{label}: at most {MAX_TEXT} characters"
    return v[:MAX_TEXT]


def _date(
    form: Mapping[str, str], key: str, label: str, problems: dict[str, str]
) -> dt.date | None:
    day = parse_date(str(form.get(key, "")))
    if day is None:
        problems[key] = f"{label}: enter a date as YYYY-MM-DD"
    return day


def _common(form: Mapping[str, str], fw: Framework) -> tuple[dict[str, object], dict[str, str]]:
    problems: dict[str, str] = {}
    out: dict[str, object] = {
        "contract_ref": _text(form, "contract_ref", "Contract reference", problems),
        "supplier_name": _text(form, "supplier_name", "Supplier", problems),
    }
    measure = str(form.get("measure_id", "")).strip().lower()
    if fw.measure(measure) is None:
        problems["measure_id"] = "Measure: choose one of the framework's measures"
    out["measure_id"] = measure
    try:
        qty = float(str(form.get("quantity", "")).replace(",", "").strip())
        if not 0 <= qty < 1e12:
            raise ValueError
        out["quantity"] = qty
    except ValueError:
        problems["quantity"] = "Quantity: enter a number of 0 or more"
    return out, problems


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
    fw = fw or load_framework(ws)
    out, problems = _common(form, fw)
    start = _date(form, "contract_start", "Contract start", problems)
    end = _date(form, "contract_end", "Contract end", problems)
    if start and end and end <= start:
        problems["contract_end"] = "Contract end: must be after the start"
    if problems:
        raise EntryInvalid(problems)
    key = normalise_names([str(out["supplier_name"])])[0]
    _insert(
        ws,
        "sv_commitments",
        [
            ws.config.anchor(org).slug,
            out["contract_ref"],
            out["supplier_name"],
            key,
            out["measure_id"],
            out["quantity"],
            start,
            end,
        ],
        form,
    )


def add_delivery(
    ws: Workspace, org: str, form: Mapping[str, str], fw: Framework | None = None
) -> None:
    """Record one delivery report line (contract, supplier, measure, quantity delivered, period end)."""
    fw = fw or load_framework(ws)
    out, problems = _common(form, fw)
    period_end = _date(form, "period_end", "Period end", problems)
    evidence = (
        re.sub(r"[\x00-\x1f\x7f]", " ", str(form.get("evidence", ""))).strip()[:MAX_TEXT] or None
    )
    if problems:
        raise EntryInvalid(problems)
    key = normalise_names([str(out["supplier_name"])])[0]
    _insert(
        ws,
        "sv_deliveries",
        [
            ws.config.anchor(org).slug,
            out["contract_ref"],
            out["supplier_name"],
            key,
            out["measure_id"],
            out["quantity"],
            period_end,
            evidence,
        ],
        form,
    )
