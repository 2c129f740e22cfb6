"""One OCDS release → the flat fields the pipeline needs (or the reason it cannot be read)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from anchorage.contracts.categories import cpv_code

STAGES = ("planning", "tender", "award", "contract", "implementation")
TAG_STAGE = {
    "planning": 0,
    "planningUpdate": 0,
    "tender": 1,
    "tenderAmendment": 1,
    "tenderUpdate": 1,
    "tenderCancellation": 1,
    "award": 2,
    "awardUpdate": 2,
    "awardCancellation": 2,
    "contract": 3,
    "contractUpdate": 3,
    "contractAmendment": 3,
    "contractTermination": 3,
    "implementation": 4,
    "implementationUpdate": 4,
}
NOTICE_TYPES = (
    "plannedProcurementNotice",
    "tenderNotice",
    "awardNotice",
    "contractNotice",
    "contractSigned",
)
# The staged columns, in order (ocds_load creates its staging table from these).
FIELDS = (
    "seq",
    "line_no",
    "ocid",
    "release_id",
    "release_ts",
    "stage_rank",
    "buyer_name",
    "buyer_ids",
    "title",
    "description",
    "supplier_name",
    "supplier_id",
    "supplier_postcode",
    "value",
    "currency",
    "start_date",
    "end_date",
    "end_date_max",
    "cpv",
    "tender_deadline",
    "procurement_start",
    "award_date",
    "status",
    "source_url",
    "reason",
    "raw",
)


class Bad(ValueError):
    """A field of the release cannot be read; the message is the quarantine reason."""


def _obj(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list[Any]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


@lru_cache(maxsize=65_536)  # processes repeat the same dates release after release
def _iso(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def _when(v: Any, path: str) -> datetime | None:
    if v is None or v == "":
        return None
    when = _iso(str(v))
    if when is None:
        raise Bad(
            f'{path} "{v}" is not a date (OCDS dates are ISO 8601, e.g. 2026-03-31T00:00:00Z)'
        )
    return when


def _day(v: Any, path: str) -> date | None:
    when = _when(v, path)
    return when.date() if when else None


def _amount(v: Any, path: str) -> float | None:
    amt = _obj(v).get("amount")
    if amt in (None, ""):
        return None
    if isinstance(amt, bool) or not isinstance(amt, int | float | str):
        raise Bad(f'{path}.amount "{amt}" is not a number')
    try:
        return float(amt)
    except ValueError:
        raise Bad(f'{path}.amount "{amt}" is not a number') from None


def _stage(r: dict[str, Any]) -> int:
    tag = r.get("tag")
    tags: list[Any] = tag if isinstance(tag, list) else [tag]
    ranks = [TAG_STAGE[t] for t in tags if t in TAG_STAGE]
    if ranks:
        return max(ranks)
    # Compiled releases (and releases without tags): the furthest section present.
    contracts = _list(r.get("contracts"))
    if any(c.get("implementation") for c in contracts):
        return 4
    if contracts:
        return 3
    if _list(r.get("awards")):
        return 2
    return 1 if r.get("tender") and not r.get("planning") else 0


def _cpv(r: dict[str, Any]) -> str | None:
    tender = _obj(r.get("tender"))
    blocks = [tender, *_list(r.get("awards")), *_list(r.get("contracts"))]
    candidates = [_obj(tender.get("classification"))]
    for b in blocks:
        for item in _list(b.get("items")):
            candidates += [
                _obj(item.get("classification")),
                *_list(item.get("additionalClassifications")),
            ]
    for c in candidates:
        if str(c.get("scheme", "")).upper() == "CPV":
            code = cpv_code(str(c.get("id", "")))
            if code:
                return code
    return None


def _notice_url(r: dict[str, Any], uri: str | None) -> str | None:
    sections = [
        _obj(r.get("planning")),
        _obj(r.get("tender")),
        *_list(r.get("awards")),
        *_list(r.get("contracts")),
    ]
    for s in sections:
        for d in _list(s.get("documents")):
            if d.get("documentType") in NOTICE_TYPES and d.get("url"):
                return str(d["url"])
    if uri:
        return f"{uri}#{r.get('id')}" if r.get("id") else uri
    return None


def buyer_ids(r: dict[str, Any]) -> str | None:
    """The buyer's identifiers, "|"-separated: its party id and its registered identifiers (scheme-id, e.g.
    GB-LAC-E09000023), which map it to an anchor more surely than its name."""
    buyer = _obj(r.get("buyer"))
    ids = [str(buyer["id"])] if buyer.get("id") else []
    for p in _list(r.get("parties")):
        if (buyer.get("id") and p.get("id") == buyer.get("id")) or "buyer" in (
            p.get("roles") or []
        ):
            for ident in [_obj(p.get("identifier")), *_list(p.get("additionalIdentifiers"))]:
                if ident.get("id"):
                    ids.append(
                        f"{ident.get('scheme')}-{ident['id']}"
                        if ident.get("scheme")
                        else str(ident["id"])
                    )
    return "|".join(dict.fromkeys(ids)) or None


def extract(r: dict[str, Any], uri: str | None) -> dict[str, Any]:
    """The release's fields; raises Bad with the quarantine reason."""
    ocid = r.get("ocid")
    if not ocid or not isinstance(ocid, str):
        raise Bad("the release has no ocid")
    tender, planning = _obj(r.get("tender")), _obj(r.get("planning"))
    awards = [
        a for a in _list(r.get("awards")) if a.get("status") not in ("cancelled", "unsuccessful")
    ]
    contracts = [c for c in _list(r.get("contracts")) if c.get("status") != "cancelled"]
    postcodes = {
        p.get("id"): _obj(p.get("address")).get("postalCode") for p in _list(r.get("parties"))
    }
    suppliers = [s for a in awards for s in _list(a.get("suppliers"))]
    contract_values = [
        _amount(c.get("value"), f"contracts[{i}].value") for i, c in enumerate(contracts)
    ]
    award_values = [_amount(a.get("value"), f"awards[{i}].value") for i, a in enumerate(awards)]
    values = [v for v in contract_values if v is not None] or [
        v for v in award_values if v is not None
    ]
    value = sum(values) if values else _amount(tender.get("value"), "tender.value")
    if value is None:
        value = _amount(_obj(planning.get("budget")).get("amount"), "planning.budget")
    currency = next(
        (
            _obj(x.get("value")).get("currency")
            for x in [*contracts, *awards, tender]
            if _obj(x.get("value")).get("currency")
        ),
        None,
    )
    periods = [(f"contracts[{i}].period", _obj(c.get("period"))) for i, c in enumerate(contracts)]
    periods += [
        (f"awards[{i}].contractPeriod", _obj(a.get("contractPeriod"))) for i, a in enumerate(awards)
    ]
    periods.append(("tender.contractPeriod", _obj(tender.get("contractPeriod"))))
    path, period = next(
        ((p, x) for p, x in periods if x.get("endDate") or x.get("startDate")), ("", {})
    )
    title = tender.get("title") or next(
        (x.get("title") for x in [*contracts, *awards] if x.get("title")), None
    )
    title = title or _obj(planning.get("budget")).get("project")
    communication = _obj(tender.get("communication"))
    start = _day(period.get("startDate"), f"{path}.startDate")
    future = _day(communication.get("futureNoticeDate"), "tender.communication.futureNoticeDate")
    return {
        "ocid": ocid,
        "release_id": str(r.get("id")) if r.get("id") is not None else None,
        "release_ts": _when(r.get("date"), "date"),
        "stage_rank": _stage(r),
        "buyer_name": _obj(r.get("buyer")).get("name"),
        "buyer_ids": buyer_ids(r),
        "title": title,
        "description": tender.get("description")
        or next(
            (x.get("description") for x in [*contracts, *awards] if x.get("description")), None
        ),
        "supplier_name": "; ".join(str(s.get("name")) for s in suppliers if s.get("name")) or None,
        "supplier_id": next((str(s["id"]) for s in suppliers if s.get("id")), None),
        "supplier_postcode": next(
            (postcodes.get(s.get("id")) for s in suppliers if postcodes.get(s.get("id"))), None
        ),
        "value": value,
        "currency": currency,
        "start_date": start,
        "end_date": _day(period.get("endDate"), f"{path}.endDate"),
        "end_date_max": _day(period.get("maxExtentDate"), f"{path}.maxExtentDate"),
        "cpv": _cpv(r),
        "tender_deadline": _day(
            _obj(tender.get("tenderPeriod")).get("endDate"), "tender.tenderPeriod.endDate"
        ),
        # Procurement Act 2023 pipeline and planned procurement notices give the expected tender date.
        "procurement_start": future
        or _day(_obj(tender.get("tenderPeriod")).get("startDate"), "tender.tenderPeriod.startDate"),
        "award_date": max(
            (
                d
                for d in (_day(a.get("date"), f"awards[{i}].date") for i, a in enumerate(awards))
                if d
            ),
            default=None,
        ),
        "status": next((c.get("status") for c in contracts if c.get("status")), None)
        or tender.get("status"),
        "source_url": _notice_url(r, uri),
    }
