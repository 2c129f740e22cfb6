"""Supplier-name normalisation for grouping: one SQL implementation, used in bulk and from Python."""

from __future__ import annotations

import duckdb

# Abbreviations written out in full, so "ABC Cleaning Svcs" and "ABC Cleaning Services" agree. Only
# unambiguous ones: "ASSOC" (association or associates?) and "TECH" (a name in its own right) stay.
ABBREVIATIONS: list[tuple[str, str]] = [
    ("SVCS|SVCES|SERVS", "SERVICES"),
    ("SVC", "SERVICE"),
    ("MGMT|MGT", "MANAGEMENT"),
    ("INTL", "INTERNATIONAL"),
    ("BROS", "BROTHERS"),
    ("HLDGS", "HOLDINGS"),
    ("GRP", "GROUP"),
    ("ENGG|ENGRG", "ENGINEERING"),
    ("CONSTR|CONSTRN", "CONSTRUCTION"),
    ("DEVT", "DEVELOPMENT"),
    ("DEVTS", "DEVELOPMENTS"),
    ("CTR|CNTR|CENTER", "CENTRE"),
    ("ASSN", "ASSOCIATION"),
    ("ASSOCS", "ASSOCIATES"),
    ("UNIV", "UNIVERSITY"),
    ("DEPT", "DEPARTMENT"),
    ("SOLNS", "SOLUTIONS"),
    ("CONSULTS", "CONSULTANTS"),
    ("NHS FT", "NHS FOUNDATION TRUST"),
]

# "X T/A Y", "X t/as Y", "X (trading as Y)": X is the legal name (what a register files), Y the trading name.
TRADING_AS = r"\b(?:T\s*/\s*AS?|TRADING\s+AS)\b"
_SPLIT = rf"(?i)^(.*?)\s*\(?\s*{TRADING_AS}[\s:.\-]*(.*?)[\s)]*$"

# Each step is a (pattern, replacement, flags) applied in order to the upper-cased name.
_STEPS: list[tuple[str, str, str]] = [
    # Keep the legal entity, not the trading name: "ABC Ltd (t/a Tasty Food)" -> "ABC Ltd".
    (rf"\s*\(?\s*{TRADING_AS}.*$", "", ""),
    # A supplier system's account number in brackets after the name ("Supply Chain Coordination Ltd ( 905)").
    (r"(\S)\s*\(\s*[0-9]{1,6}\s*\)\s*$", "\\1", ""),
    (r"&", " AND ", "g"),
    # "Com." with its dot and a word after it is Community ("Bromley Com. Services"); "Amazon.com" is not.
    (r"\bCOM\.\s+", "COMMUNITY ", "g"),
    # Dots join initials ("A.B.C." -> "ABC") rather than splitting them.
    (r"[.'’-]", "", "g"),
    (r"[^\pL\pN ]+", " ", "g"),
    (r"\s+", " ", "g"),
    # Steps from here on may empty a name; the ones before never do. Trim first, so that a name the steps
    # above began with a space ("&CO" -> " AND CO") ends as it would when normalised again ("AND CO").
    (r"^\s+", "", ""),
    (r"^(THE\s+)+", "", ""),
    *[(rf"\b({short})\b", full, "g") for short, full in ABBREVIATIONS],  # see _ABBREVIATED
    (
        r"(\s+(LIMITED|LTD|PLC|LLP|CIC|CIO|INC|LLC|CO|COMPANY|AND CO|AND COMPANY|UK LTD|UK LIMITED|COMMUNITY INTEREST COMPANY))+\s*$",
        "",
        "",
    ),
]


_LIGHT_STEPS = 7  # trading name, account number, &, Com., dots, punctuation, spaces
# The abbreviation steps run only on names with an abbreviation in them (few do): one regex instead of one
# a step for the rest, with the same result, since a step that finds nothing changes nothing.
_FIRST_ABBREVIATION = next(i for i, step in enumerate(_STEPS) if step[1] == ABBREVIATIONS[0][1])
_ABBREVIATED = r"\b(" + "|".join(short for short, _ in ABBREVIATIONS) + r")\b"


# A name of plain words (capitals and digits, one space between) is left as it is by the light steps unless it
# says "trading as" (they need a "/", "&", ".", "(" or two spaces): such names skip those seven regexes. Same
# result (checked on 440,000 names), a fifth less work on the benchmark's names, 60% of which are plain.
_PLAIN = "[A-Z0-9]+( [A-Z0-9]+)*"


def name_norm_sql(expr: str) -> str:
    """DuckDB expression normalising a supplier name; never empties a non-empty name."""
    s = upper = f"upper({expr})"
    light = before = None
    for n, (pattern, repl, flags) in enumerate(_STEPS):
        if n == _LIGHT_STEPS:
            s = f"CASE WHEN regexp_full_match({upper}, '{_PLAIN}') AND NOT contains({upper}, 'TRADING') THEN {upper} ELSE {s} END"
            light = s
        if n == _FIRST_ABBREVIATION:
            before = s
        pattern = pattern.replace("'", "''")
        s = (
            f"regexp_replace({s}, '{pattern}', '{repl}', '{flags}')"
            if flags
            else (f"regexp_replace({s}, '{pattern}', '{repl}')")
        )
        if n == _FIRST_ABBREVIATION + len(ABBREVIATIONS) - 1:
            s = f"CASE WHEN regexp_matches({before}, '{_ABBREVIATED}') THEN {s} ELSE {before} END"
    # A name that is nothing but legal words ("LIMITED", "THE CO") keeps them, cleaned of punctuation only:
    # that form normalises to itself, so normalising twice changes nothing.
    fallback = f"trim({light})"
    return (
        f"CASE WHEN trim({s}) <> '' THEN trim({s}) WHEN {fallback} <> '' THEN {fallback} "
        f"ELSE trim(regexp_replace(upper({expr}), '\\s+', ' ', 'g')) END"
    )


def normalise_names(
    values: list[str | None], *, con: duckdb.DuckDBPyConnection | None = None
) -> list[str | None]:
    """Normalise a list of names with the same SQL the warehouse uses (on `con` if given, else a new
    in-memory connection)."""
    if not values:
        return []
    con = duckdb.connect() if con is None else con
    rows = con.execute(
        f"SELECT i, {name_norm_sql('v')} FROM (SELECT unnest($v) AS v, "
        "generate_subscripts($v, 1) AS i) ORDER BY i",
        {"v": values},
    ).fetchall()
    return [r[1] for r in rows]


def legal_name_sql(expr: str) -> str:
    """DuckDB expression: the name before "T/A"/"trading as" as written, or the whole name when it has none."""
    return (
        f"CASE WHEN regexp_matches({expr}, '{_SPLIT}') "
        f"THEN nullif(regexp_extract({expr}, '{_SPLIT}', 1), '') ELSE trim({expr}) END"
    )


def trading_name_sql(expr: str) -> str:
    """DuckDB expression: the name after "T/A"/"trading as" as written, or NULL when the name gives none."""
    return f"nullif(regexp_extract({expr}, '{_SPLIT}', 2), '')"


def split_trading_names(values: list[str | None]) -> list[tuple[str | None, str | None]]:
    """(legal name, trading name) of each name, as written, with the same SQL the warehouse uses."""
    if not values:
        return []
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT i, {legal_name_sql('v')}, {trading_name_sql('v')} FROM (SELECT unnest($v) AS v, "
        "generate_subscripts($v, 1) AS i) ORDER BY i",
        {"v": values},
    ).fetchall()
    return [(r[1], r[2]) for r in rows]
