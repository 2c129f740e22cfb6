"""Column inference from content as well as headers: score every (field, column) pair and keep the best total.

Runs on a sample of the first rows (a few thousand), never per row of the load."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from anchorage.ingest import mapping as mapmod
from anchorage.ingest.readers import unnamed
from anchorage.ingest.vocabulary import word_kind

SAMPLE_ROWS = 2000

_DATE_RES = [
    re.compile(r"\d{1,2}[/.-]\d{1,2}[/.-](\d{4}|\d{2})([ T]\d{1,2}:\d{2}(:\d{2})?)?"),
    re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?)?"),
    re.compile(r"\d{4}/\d{2}/\d{2}"),
    re.compile(r"\d{1,2}[- ]?[A-Za-z]{3,9}[- ]?(\d{4}|\d{2})"),
    re.compile(r"\d{4}-\d{1,2}|[A-Za-z]{3,9}[- ]\d{2}(\d{2})?"),
]
GLUED_DATE_RE = re.compile(
    r".*\D(\d{1,2}/\d{1,2}/\d{4})\s*$"
)  # "NHS South East London CCG31/01/2021"
_MONTHS = {
    m.lower()
    for m in [
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
}
_MONEY_RE = re.compile(
    r"[-(]?\s*£?\s*-?(\d{1,3}(,\d{3})+|\d+)(\.\d{1,4})?\s*\)?\s*(CR|DR|-)?", re.I
)
_INT_RE = re.compile(r"-?\d+")
_ID_RE = re.compile(r"[A-Z0-9][A-Z0-9/_.-]*\d[A-Z0-9/_.-]*", re.I)
_POSTCODE_RE = re.compile(r"[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}", re.I)
_COMPANY_RE = re.compile(r"(\d{6,8}|(SC|NI|OC|SO|NC|R0|GE|LP|SL|FC|IP|SP|RS|NO)\d{6})", re.I)
_VAT_RE = re.compile(r"(GB)?\s*\d{3}\s*\d{4}\s*\d{2}(\s*\d{3})?", re.I)
_OVERFLOW_RE = re.compile(r"#{3,}")  # Excel's '####' for a too-narrow column: unknown, not evidence
_NAME_WORDS = re.compile(
    r"\b(LTD|LIMITED|PLC|LLP|NHS|TRUST|COUNCIL|UNIVERSITY|CIC|INC|GROUP|SERVICES|CARE|"
    r"HOSPITAL|FOUNDATION|CHARITY|ASSOCIATION|PARTNERSHIP|CLINIC|HOMES|SOLUTIONS)\b",
    re.I,
)
# Words a header may contain that hint at a field although the whole header is not an alias.
HEADER_WORDS: dict[str, tuple[str, ...]] = {
    "payment_date": ("date", "paid", "posted"),
    "amount": ("amount", "value", "gbp", "£", "net", "sum", "paid", "spend", "cost"),
    "supplier_name": (
        "supplier",
        "vendor",
        "payee",
        "beneficiary",
        "creditor",
        "merchant",
        "recipient",
    ),
    "transaction_id": (
        "transaction",
        "trans",
        "reference",
        "ref",
        "invoice",
        "document",
        "doc",
        "voucher",
    ),
    "supplier_ref": ("supplierid", "vendorid", "suppliercode", "vendorcode", "account"),
    "supplier_postcode": ("postcode", "post code"),
    "company_number": ("company", "companies", "crn", "registration"),
    "charity_number": ("charity",),
    "vat_number": ("vat",),
    "category": ("type", "category", "expense", "expenditure", "subjective", "account", "purpose"),
    "service": ("area", "service", "directorate", "department", "division", "unit", "cost centre"),
    "description": ("description", "narrative", "details", "purpose"),
}
# A body's own name (Body, Entity, Organisation): used for a sanity check, never mapped to a field.
BODY_HEADER_RE = re.compile(
    r"^(body( name)?|entity|entuty|organi[sz]ation( name)?|client|authority|trust)$", re.I
)


@dataclass
class Profile:
    """What a column's sample values look like: the share of non-blank values of each shape."""

    column: str
    filled: int = 0
    shares: dict[str, float] = field(default_factory=dict)
    distinct: float = 0.0
    samples: list[str] = field(default_factory=list)

    @property
    def lean(self) -> float:
        """From -1 (every value worded like an expense area) to +1 (like an expense type)."""
        return self.shares.get("type_words", 0.0) - self.shares.get("area_words", 0.0)

    @property
    def kind(self) -> str:
        """The column's most telling shape, in the user's words."""
        if not self.filled:
            return "empty"
        order = ["date", "glued_date", "postcode", "money", "id", "name", "text"]
        best = max(
            order,
            key=lambda k: (
                (self.shares.get(k, 0) >= 0.8, -order.index(k))
                if k != "money"
                else (
                    self.shares.get(k, 0) >= 0.8 and self.shares.get("decimal", 0) >= 0.3,
                    -order.index(k),
                )
            ),
        )
        if self.shares.get(best, 0) < 0.8:
            return "text"
        return {
            "glued_date": "text ending with a date",
            "id": "numbers or codes",
            "name": "names",
        }.get(best, best)


def _is_date(v: str) -> bool:
    if not any(r.fullmatch(v) for r in _DATE_RES):
        return False
    letters = re.sub(r"[^A-Za-z]", "", v).lower()
    return not letters or letters in _MONTHS or letters == "t"


def profile(column: str, values: Sequence[str | None]) -> Profile:
    """Shape counts over one column's sample values."""
    vals = [v.replace("\xa0", " ").strip() for v in values if v is not None]
    vals = [v for v in vals if v and not _OVERFLOW_RE.fullmatch(v)]
    p = Profile(column, len(vals))
    if not vals:
        return p
    n = len(vals)
    counts = dict.fromkeys(
        (
            "date",
            "glued_date",
            "money",
            "decimal",
            "int",
            "id",
            "postcode",
            "company",
            "vat",
            "name",
            "text",
            "long_text",
            "type_words",
            "area_words",
        ),
        0,
    )
    for v in vals:
        if _is_date(v):
            counts["date"] += 1
        elif GLUED_DATE_RE.fullmatch(v):
            counts["glued_date"] += 1
        elif _MONEY_RE.fullmatch(v):
            counts["money"] += 1
            counts["decimal"] += "." in v or "," in v
            counts["int"] += bool(_INT_RE.fullmatch(v))
        if (_ID_RE.fullmatch(v) and not _MONEY_RE.fullmatch(v)) or (
            _INT_RE.fullmatch(v) and len(v) >= 5
        ):
            counts["id"] += 1
        if _POSTCODE_RE.fullmatch(v):
            counts["postcode"] += 1
        if _COMPANY_RE.fullmatch(v):
            counts["company"] += 1
        if _VAT_RE.fullmatch(v):
            counts["vat"] += 1
        letters = sum(c.isalpha() for c in v)
        if letters >= 2 and letters >= len(v) / 2:
            counts["text"] += 1
            counts["name"] += bool(_NAME_WORDS.search(v)) or len(v.split()) <= 6
            counts["long_text"] += len(v) > 40
            worded = word_kind(v)
            if worded:
                counts[f"{worded}_words"] += 1
    p.shares = {k: c / n for k, c in counts.items()}
    p.distinct = len(set(vals)) / n
    seen: list[str] = []
    for v in vals:
        if v not in seen:
            seen.append(v)
        if len(seen) == 3:
            break
    p.samples = seen
    return p


def _header_score(fld: str, column: str) -> float:
    key = mapmod.header_key(column)
    aliases = [mapmod.header_key(a) for a in mapmod.SPEND_FIELDS[fld]]
    if key in aliases:
        return 3.0 - min(aliases.index(key), 10) * 0.02
    if mapmod.match_header(column) == fld:
        return 2.5
    words = re.sub(r"[^a-z£ ]", " ", column.lower().replace("\xa0", " "))
    squashed = words.replace(" ", "")
    if any(
        re.search(rf"\b{w}\b", words) or (len(w) > 7 and w in squashed)
        for w in HEADER_WORDS.get(fld, ())
    ):
        return 1.5
    # "Expense type" and "Expense area" are siblings: a file may put either's values under the other's header.
    sibling = _SIBLINGS.get(fld)
    if sibling and (
        key in {mapmod.header_key(a) for a in mapmod.SPEND_FIELDS[sibling]}
        or mapmod.match_header(column) == sibling
    ):
        return 1.5
    return 0.0


_SIBLINGS = {"category": "service", "service": "category"}
# How far a column's words must lean to one of the siblings before they count against the other, and how much
# they then count: enough that clear words overrule a header that names the sibling (the values win 5 to 2.5
# on the NHS Newham file), never so much that a header is overruled by a few words.
_LEAN_FLOOR, _LEAN_WEIGHT = 0.25, 4.0


def _lean_penalty(fld: str, p: Profile) -> float:
    wrong_way = -p.lean if fld == "category" else p.lean if fld == "service" else 0.0
    return _LEAN_WEIGHT * max(0.0, wrong_way - _LEAN_FLOOR)


def _shifted_header(fld: str, i: int, columns: list[str], profiles: list[Profile]) -> float:
    """A header shifted off its values (a PDF converted to CSV): an unnamed column with values beside a named
    column that is always blank takes that name's header score, a little less than a header of its own."""
    if not unnamed(columns[i]) or not profiles[i].filled:
        return 0.0
    beside = [j for j in (i + 1, i - 1) if 0 <= j < len(columns) and not profiles[j].filled]
    return max((0.9 * _header_score(fld, columns[j]) for j in beside), default=0.0)


def _content_score(fld: str, p: Profile, rows: int = 0) -> float:
    """+2 for a perfect fit, down to -1.5 where the values clearly contradict the field; -1 when all blank,
    and up to 1 less for a column that is mostly blank, so that a filled column wins a field over it."""
    if not p.filled:
        return (
            -1.0
        )  # a header over an always-blank column loses to a close header over filled values
    # A column under half filled loses up to 1 (nothing for a column with a few gaps: blanks are common there).
    blank = 2.0 * max(0.0, 0.5 - p.filled / rows) if rows else 0.0
    return _values_score(fld, p) - blank


def _values_score(fld: str, p: Profile) -> float:
    s = p.shares
    # One value on every row ("Department of Health") tells rows apart no better than an emptier column.
    one_value = 0.5 if p.filled >= 10 and p.distinct * p.filled <= 1 else 1.0
    fit = {
        "payment_date": max(s["date"], s["glued_date"] * 0.8),
        "amount": s["money"] * (1.0 if s["decimal"] >= 0.3 else 0.6),
        "supplier_name": s["text"]
        * (0.5 + 0.5 * s["name"])
        * (1.0 if p.distinct > 0.05 or p.filled < 10 else 0.3),
        "transaction_id": s["id"] * (1.0 if p.distinct > 0.2 else 0.5),
        "supplier_ref": s["id"] * 0.5,
        "supplier_postcode": s["postcode"],
        "company_number": s["company"],
        "charity_number": s["company"] * 0.5,
        "vat_number": s["vat"],
        "category": s["text"] * 0.5 * one_value,
        "service": s["text"] * 0.5 * one_value,
        "description": s["text"] * (0.5 + 0.5 * s["long_text"]),
    }[fld]
    strict = fld in (
        "payment_date",
        "amount",
        "supplier_postcode",
        "company_number",
        "charity_number",
        "vat_number",
    )
    if strict and fit < 0.2:
        return -1.5 * (
            1 - fit
        )  # a named column still wins over none: its rows are then quarantined with reasons
    real_money = s["money"] > 0.8 and s["decimal"] >= 0.3
    if fld in ("supplier_name", "category", "service", "description") and (
        s["date"] > 0.8 or real_money
    ):
        return -2.0
    if fld == "transaction_id" and s["date"] > 0.8:
        return -2.0
    return 2.0 * fit - _lean_penalty(fld, p)


def _min_score(fld: str, header: float) -> float:
    # A field is taken from content alone only where its values say so unmistakably.
    if header:
        return 1.0
    return 1.5 if fld in ("payment_date", "amount", "supplier_postcode", "vat_number") else 99.0


@dataclass
class Choice:
    field: str
    column: str
    score: float
    confidence: float  # 0..1
    samples: list[str]
    kind: str  # what the column's values look like
    why: str


@dataclass
class Inferred:
    fields: dict[str, str]
    choices: list[Choice]
    profiles: list[Profile]
    glued_date: bool = False


def infer_mapping(
    columns: list[str], sample: list[list[str | None]], kind: str = "spend"
) -> Inferred:
    """The mapping with the best total score over headers and sample values."""
    profiles = [
        profile(c, [r[i] if i < len(r) else None for r in sample]) for i, c in enumerate(columns)
    ]
    flds = list(mapmod.SPEND_FIELDS)
    score: dict[tuple[str, int], float] = {}
    why: dict[tuple[str, int], str] = {}
    for f in flds:
        for i, c in enumerate(columns):
            if unnamed(c) and not profiles[i].filled:
                continue
            if (
                BODY_HEADER_RE.match(c.strip())
                and f != "service"
                and not (f == "payment_date" and profiles[i].shares.get("glued_date", 0) >= 0.8)
            ):
                continue
            h, v = (
                _header_score(f, c) or _shifted_header(f, i, columns, profiles),
                _content_score(f, profiles[i], len(sample)),
            )
            total = h + v
            if total >= _min_score(f, h):
                score[(f, i)] = total
                why[(f, i)] = "header and values" if h and v > 0 else "header" if h else "values"
                if f in _SIBLINGS and mapmod.match_header(c) == _SIBLINGS[f]:
                    why[(f, i)] = (
                        f"values: worded like expense {'types' if f == 'category' else 'areas'}, "
                        "whatever the header says"
                    )
    chosen = _best_assignment(score, flds, len(columns))
    choices = []
    for f, i in chosen.items():
        rivals = [s for (g, j), s in score.items() if g == f and j != i]
        margin = score[(f, i)] - max(rivals, default=0.0)
        conf = max(0.05, min(1.0, score[(f, i)] / 5.0) * (0.6 + 0.4 * min(1.0, margin / 2.0)))
        choices.append(
            Choice(
                f,
                columns[i],
                round(score[(f, i)], 2),
                round(conf, 2),
                profiles[i].samples,
                profiles[i].kind,
                why[(f, i)],
            )
        )
    fields = {c.field: c.column for c in choices}
    date_col = fields.get("payment_date")
    glued = (
        date_col is not None and profiles[columns.index(date_col)].kind == "text ending with a date"
    )
    return Inferred(fields, choices, profiles, glued)


def _best_assignment(
    score: dict[tuple[str, int], float], flds: list[str], ncols: int
) -> dict[str, int]:
    """One column per field and one field per column, maximising the total score (greedy, then swaps)."""
    chosen: dict[str, int] = {}
    for (f, i), _ in sorted(score.items(), key=lambda kv: -kv[1]):
        if f not in chosen and i not in chosen.values():
            chosen[f] = i
    improved = True
    while improved:
        improved = False
        for f, g in combinations(flds, 2):
            if f in chosen and g in chosen:
                a, b = chosen[f], chosen[g]
                now = score.get((f, a), 0) + score.get((g, b), 0)
                if score.get((f, b), -99) + score.get((g, a), -99) > now + 1e-9:
                    chosen[f], chosen[g] = b, a
                    improved = True
        # A field may move to a free column that scores better.
        for f in flds:
            used = set(chosen.values())
            for col in range(ncols):
                current = score.get((f, chosen[f]), 0) if f in chosen else None
                if (
                    col not in used
                    and (f, col) in score
                    and (current is None or score[(f, col)] > current + 1e-9)
                ):
                    chosen[f] = col
                    used = set(chosen.values())
                    improved = True
    return chosen


def found_instead(profiles: list[Profile]) -> str:
    """What the file's columns hold, for a refusal message."""
    return "; ".join(
        f'"{p.column or "(no name)"}": {p.kind}'
        + (f' (e.g. "{p.samples[0]}")' if p.samples else "")
        for p in profiles
    )


def automatic(
    columns: list[str], sample: list[list[str | None]], kind: str = "spend"
) -> mapmod.ColumnMapping:
    """The automatic mapping: from headers and values for spend, from headers alone for other kinds."""
    if kind != "spend" or not sample:
        return mapmod.automatic_mapping(columns, kind)
    inferred = infer_mapping(columns, sample, kind)
    return mapmod.ColumnMapping(
        inferred.fields,
        "automatic",
        inferred.choices,
        inferred.glued_date,
        found_instead(inferred.profiles),
    )


def annotate(
    m: mapmod.ColumnMapping, columns: list[str], sample: list[list[str | None]]
) -> mapmod.ColumnMapping:
    """A mapping from a file (or the web preview): note a date glued onto text, as the automatic one would."""
    col = m.fields.get("payment_date")
    if col in columns and sample:
        p = profile(
            col, [r[columns.index(col)] if columns.index(col) < len(r) else None for r in sample]
        )
        m.glued_date = p.kind == "text ending with a date"
    return m
