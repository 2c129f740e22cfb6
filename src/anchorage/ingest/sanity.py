"""Sanity checks before a spend file is loaded: another body's file, odd dates, double counting, totals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import duckdb
from rapidfuzz import fuzz

from anchorage.core.errors import InputFileError
from anchorage.ingest.infer import BODY_HEADER_RE

FAR_DAYS = (
    730  # a file more than two years away from the anchor's other payments is probably not theirs
)
_GENERIC = {
    "nhs",
    "the",
    "of",
    "and",
    "council",
    "trust",
    "foundation",
    "university",
    "hospital",
    "hospitals",
    "borough",
    "city",
    "county",
    "district",
    "metropolitan",
    "london",
    "ccg",
    "healthcare",
    "health",
    "services",
    "college",
    "housing",
    "association",
    "group",
    "limited",
    "ltd",
    "department",
    "http",
    "https",
    "www",
    "org",
    "gov",
    "uk",
    "id",
}


class SanityWarning(InputFileError):
    """A file looks wrong for this anchor; it is loaded only when the user says to go on."""


@dataclass
class Context:
    """What the checks compare a file with: the anchor and its other uploads (from the records database)."""

    anchor_name: str = ""
    anchor_slug: str = ""
    upload_files: dict[str, str] = field(
        default_factory=dict
    )  # upload id -> file name, loaded for the anchor
    replaced_upload: str | None = None  # the earlier version of this file, replaced by this load


def _words(text: str) -> set[str]:
    return {
        w
        for w in re.findall(r"[a-z0-9]+", text.lower().replace("-", " "))
        if w not in _GENERIC and len(w) > 1
    }


def body_names(columns: list[str], sample: list[list[str | None]]) -> tuple[str, list[str]] | None:
    """The file's Body/Entity/Organisation column and the distinct bodies it names (from the sample)."""
    for i, c in enumerate(columns):
        if BODY_HEADER_RE.match(c.strip()):
            names = sorted(
                {(r[i] or "").strip() for r in sample if i < len(r) and (r[i] or "").strip()}
            )
            if names:
                return c, names
    return None


def other_body(columns: list[str], sample: list[list[str | None]], ctx: Context) -> str | None:
    """A warning when the file's body column names someone other than the anchor."""
    found = body_names(columns, sample)
    if found is None or not ctx.anchor_name:
        return None
    column, names = found
    mine = _words(ctx.anchor_name) | _words(ctx.anchor_slug)
    initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", ctx.anchor_name)).lower()
    for name in names:
        theirs = _words(name)
        if name.lower().startswith(("http:", "https:")) or not theirs or mine & theirs:
            return None  # a code, no telling words (e.g. "NHS", "CCG") or a shared one: cannot tell
        if re.fullmatch(r"[A-Za-z]{2,6}", name) and _subsequence(name.lower(), initials):
            return None  # an abbreviation of the anchor's name ("SGH")
        if fuzz.token_set_ratio(" ".join(sorted(mine)), " ".join(sorted(theirs))) >= 85:
            return None
    shown = ", ".join(f'"{n}"' for n in names[:3])
    return f'the file\'s "{column}" column names {shown}, not "{ctx.anchor_name}": is this another body\'s file?'


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def date_and_overlap_checks(
    con: duckdb.DuckDBPyConnection, loaded_sql: str, org: str, ctx: Context
) -> list[str]:
    """Warnings about the file's dates: in the future, far from the anchor's other data, or overlapping it."""
    row = con.execute(
        f"SELECT min(d), max(d), count(*) FILTER (d > current_date), count(*) FROM ({loaded_sql})"
    ).fetchone()
    if row is None or row[0] is None:
        return []
    first, last, future, _ = row
    out = []
    if future:
        out.append(f"{future:,} payments are dated in the future (the latest is {last:%d/%m/%Y})")
    skip = [u for u in ctx.upload_files if u != ctx.replaced_upload]
    if not skip:
        return out
    theirs = con.execute(
        """
        SELECT min(r.payment_date), max(r.payment_date) FROM spend_rows r JOIN spend_uploads u USING (upload_no)
        WHERE u.org = ? AND list_contains(?, u.upload_id)
    """,
        [org, skip],
    ).fetchone()
    if theirs and theirs[0] is not None:
        gap = max((theirs[0] - last).days, (first - theirs[1]).days)
        if gap > FAR_DAYS:
            out.append(
                f"the file's payments ({first:%d/%m/%Y} to {last:%d/%m/%Y}) are {gap // 365} years or more "
                f"away from this anchor's other payments ({theirs[0]:%d/%m/%Y} to {theirs[1]:%d/%m/%Y})"
            )
    overlap = con.execute(
        """
        SELECT u.upload_id, count(*), sum(r.amount) FROM spend_rows r JOIN spend_uploads u USING (upload_no)
        WHERE u.org = ? AND list_contains(?, u.upload_id) AND r.payment_date BETWEEN ? AND ?
        GROUP BY 1 ORDER BY 2 DESC
    """,
        [org, skip, first, last],
    ).fetchall()
    if overlap:
        n = sum(r[1] for r in overlap)
        amount = sum((Decimal(r[2]) for r in overlap), Decimal(0))
        files = ", ".join(ctx.upload_files.get(r[0], r[0]) for r in overlap[:3])
        out.append(
            f"the file's period ({first:%d/%m/%Y} to {last:%d/%m/%Y}) overlaps {n:,} payments "
            f"(£{amount:,.2f}) already loaded for this anchor from {files}: if they are the same payments "
            "they would be counted twice"
        )
    return out


def total_line_check(
    con: duckdb.DuckDBPyConnection, parsed: str, loaded_amount: Decimal
) -> str | None:
    """A warning when a total line in the file disagrees with the payments' sum."""
    row = con.execute(
        f"SELECT list(amount ORDER BY row_no) FROM {parsed} WHERE is_total AND amount IS NOT NULL"
    ).fetchone()
    totals = [Decimal(v) for v in (row[0] if row and row[0] else [])]
    if not totals or any(abs(t - loaded_amount) < Decimal("0.01") for t in totals):
        return None
    return (
        f"the file's total line says £{totals[-1]:,.2f} but the payments loaded add up to "
        f"£{loaded_amount:,.2f} (a difference of £{totals[-1] - loaded_amount:,.2f})"
    )


def refuse_unless_accepted(path: str, warnings: list[str], accepted: bool) -> None:
    if warnings and not accepted:
        lines = "\n".join(f"  - {w}" for w in warnings)
        raise SanityWarning(
            path,
            f"nothing was loaded, because {len(warnings)} check(s) need a look:\n{lines}\n",
            web_fix='If the file is right, tick "Load it anyway" and load it again.',
            fix="If the file is right, load it again with --accept-warnings (on the web, tick "
            '"Load it anyway").',
        )
