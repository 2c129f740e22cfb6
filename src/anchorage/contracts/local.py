"""Is an incumbent supplier local, and how many local firms could do the work? (docs/pipeline.md)

Both read what the supplier register (issue 5) and the anchors' own supplier data know: postcodes from
the contract, the anchors' supplier master, and registered offices; SIC codes from Companies House."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from anchorage.reference.postcode import postcode_key_sql
from anchorage.suppliers.enrich import SME_ACCOUNTS, WARNING_STATUSES
from anchorage.workspace import Workspace

LOCAL, NOT_LOCAL, UNKNOWN = "local", "not local", "unknown"


def _sql_list(values: tuple[str, ...] | list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def supplier_places(
    ws: Workspace, suppliers: list[tuple[str, str, str | None]]
) -> dict[tuple[str, str], str]:
    """(anchor, normalised name, postcode from the contract) → local / not local / unknown.

    The postcode is the contract's, else the anchor's own supplier data, else any anchor's, else the
    registered office of the register entity the supplier is linked to."""
    if not suppliers:
        return {}
    local = ws.config.place.local or [""]
    with ws.warehouse(read_only=True) as con:
        con.execute("CREATE TEMP TABLE _who (org VARCHAR, norm VARCHAR, postcode VARCHAR)")
        con.executemany("INSERT INTO _who VALUES (?, ?, ?)", [list(s) for s in suppliers])
        rows = con.execute(f"""
            WITH prof AS (SELECT org, supplier_name_norm AS norm, max(postcode) AS pc FROM supplier_profile GROUP BY 1, 2),
                 anyprof AS (SELECT norm, max(pc) AS pc FROM prof GROUP BY 1),
                 reg AS (SELECT org, supplier_name_norm AS norm, max(registered_postcode) AS pc
                         FROM supplier_resolution GROUP BY 1, 2),
                 anyreg AS (SELECT norm, max(pc) AS pc FROM reg GROUP BY 1),
                 placed AS (
                     SELECT w.org, w.norm,
                            {postcode_key_sql("coalesce(w.postcode, p.pc, ap.pc, r.pc, ar.pc)")} AS pcd_key
                     FROM _who w
                     LEFT JOIN prof p ON p.org = w.org AND p.norm = w.norm
                     LEFT JOIN anyprof ap ON ap.norm = w.norm
                     LEFT JOIN reg r ON r.org = w.org AND r.norm = w.norm
                     LEFT JOIN anyreg ar ON ar.norm = w.norm)
            SELECT DISTINCT placed.org, placed.norm,
                   CASE WHEN pc.lad IN {_sql_list(local)} THEN '{LOCAL}'
                        WHEN pc.lad IS NOT NULL THEN '{NOT_LOCAL}' ELSE '{UNKNOWN}' END
            FROM placed LEFT JOIN postcodes pc ON pc.pcd_key = placed.pcd_key
        """).fetchall()
    return {(org, norm): where for org, norm, where in rows}


@dataclass
class LocalCapacity:
    """Active local firms whose SIC codes fit a category (from the imported Companies House register)."""

    firms: int = 0
    sme_firms: int = 0
    examples: list[str] = field(default_factory=list)
    sic_prefixes: list[str] = field(default_factory=list)
    register_loaded: bool = False


def local_capacity(
    con: duckdb.DuckDBPyConnection,
    local_lads: list[str],
    sic_prefixes: list[str],
    examples: int = 8,
) -> LocalCapacity:
    """Count active register entities with a registered office in a local LAD and a SIC code starting with
    any of the prefixes; `sme_firms` of them file small or medium company accounts."""
    out = LocalCapacity(sic_prefixes=sic_prefixes)
    loaded = con.execute(
        "SELECT count(*) FROM register_entities WHERE source = 'companies_house'"
    ).fetchone()
    out.register_loaded = bool(loaded and loaded[0])
    if not sic_prefixes or not local_lads or not out.register_loaded:
        return out
    pattern = "(^|; )(" + "|".join(sorted(sic_prefixes)) + ")"
    rows = con.execute(
        f"""
        SELECT e.name, e.accounts_category IN {_sql_list(SME_ACCOUNTS)} AS sme
        FROM register_entities e JOIN postcodes pc ON pc.pcd_key = {postcode_key_sql("e.postcode")}
        WHERE e.source = 'companies_house' AND pc.lad IN {_sql_list(local_lads)} AND e.dissolved IS NULL
          AND coalesce(e.status NOT IN {_sql_list(WARNING_STATUSES)}, true)
          AND regexp_matches(coalesce(e.sic_codes, ''), ?)
        ORDER BY sme DESC, e.name
    """,
        [pattern],
    ).fetchall()
    out.firms = len(rows)
    out.sme_firms = sum(1 for _, sme in rows if sme)
    out.examples = [name for name, _ in rows[:examples]]
    return out
