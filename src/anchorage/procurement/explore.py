"""The explore tables: payments and supplier spend laid out for the web's tables, built once per data change.

The supplier explorer, the payments table and a supplier's page read these instead of scanning every
payment on each request:

- `explore_places`: each (anchor, supplier) placed once, with the analysis's own code (tier, ward, SME/VCSE,
  register match), so a page's tier is the dashboard's tier.
- `explore_names`: the name each (anchor, supplier) is shown by: the spelling on most payments, then with
  most spend, then the first alphabetically (store/ties.py).
- `explore_spend`: spend per anchor, supplier, financial year and category (a few rows per supplier).
- `explore_suppliers`: spend per anchor and supplier, in each financial year and in every year (year NULL),
  with the supplier's place (tier, ward, deprivation, SME, VCSE), numbered biggest first: the explorer's rows.
- `explore_category_suppliers`: the same per category (NULL: every one) and of the payments counted or left
  out by an exclusion rule (NULL: either): the explorer filtered on those is a range too, never a grouping.
- The payments tables (procurement/explore_payments.py): every payment numbered newest first per anchor,
  its numberings by amount, counts per anchor and year, the payments' groups (what a filter names) and
  their distinct texts (what a search matches).
- `explore_categories`: the categories each anchor's payments name (the filters' drop-downs).
- `explore_state`, `explore_org_state`: what the tables were built from (a stamp of what every anchor's
  tables depend on, and one per anchor); `refresh` brings them up to date when either changes.

A build works one anchor at a time and rebuilds only the anchors whose stamp changed (an upload for one
anchor rebuilds that anchor's rows), unless what they all depend on changed. An anchor's payments are
grouped once on their integer keys (store/spend_store.py) before any name is joined, and numbered a run of
whole months at a time (explore_payments.CHUNK payments at most): memory holds one chunk of one anchor, not every payment
(tests/test_explore_build.py builds under a 64 MB DuckDB memory limit).

`refresh` is called by the analysis (procurement/run.py) before it reads the warehouse, so the figures
refresh job (services/job_kinds.py), or a command that analyses, builds them. A page only reads the last
tables built (`ready`), and asks for a refresh when they are `outdated`: no request builds them.
"""

from __future__ import annotations

import hashlib
import threading

import duckdb
import ibis

from anchorage.config import Config
from anchorage.procurement.enrich import AnalysisOptions, enriched_spend, supplier_places
from anchorage.procurement.explore_payments import (
    fy_sql,
    number_groups,
    number_texts,
    org_payments,
    put,
)
from anchorage.store.ties import heaviest_sql
from anchorage.workspace import Workspace

TABLES = (
    "explore_places",
    "explore_names",
    "explore_spend",
    "explore_suppliers",
    "explore_payments",
    "explore_payment_counts",
    "explore_payment_amounts",
    "explore_categories",
    "explore_payment_groups",
    "explore_payment_names",
    "explore_category_suppliers",
    "explore_payment_texts",
)
# The explore tables' columns: 2 added the IMD decile, SME and VCSE to the payments (dashboard drill-downs);
# 3 the numbering by amount; 5 the suppliers' numberings by spend and by payments; 6 the payment groups, the
# suppliers per category and exclusion, and the profile columns of both supplier tables; 7 the payments'
# distinct texts (explore_payment_texts) and their numbers on the payments and the amount numbering.
SHAPE = 7
_lock = threading.Lock()
_checked: dict[
    str, tuple[object, ...]
] = {}  # warehouse -> what _written was when its tables were last current
_seen: dict[
    str, tuple[tuple[object, ...], bool]
] = {}  # warehouse -> (what _written was, outdated then)

# What every anchor's tables depend on (a change rebuilds them all): where places are, and the settings.
_BASE_SQL = "SELECT (SELECT count(*) FROM postcodes) || '|' || (SELECT count(*) FROM imd)"
# What one anchor's tables depend on besides: its uploads, its suppliers' register matches and what any
# anchor's supplier profiles say of a supplier it pays, as places use them (its own; the others' filling gaps).
_ORG_SQL = """
WITH names AS (SELECT DISTINCT u.org, s.supplier_name_norm FROM spend_suppliers s JOIN spend_uploads u USING (upload_no))
SELECT u.org, u.uploads || '|' || coalesce(r.matched, '') || '|' || coalesce(p.profiled, '')
FROM (SELECT org, string_agg(CAST(upload_no AS VARCHAR), ',' ORDER BY upload_no) AS uploads
      FROM spend_uploads GROUP BY org) u
LEFT JOIN (SELECT org, count(*) || ':' || sum(hash(org, supplier_name_norm, register_id, registered_postcode,
                  register_sme, register_vcse)) AS matched
           FROM supplier_resolution GROUP BY org) r USING (org)
LEFT JOIN (SELECT n.org, count(*) || ':' || sum(hash(k.supplier_name_norm, k.pc, k.c, k.sme, k.vcse, p.postcode, p.country,
                  p.is_sme, p.is_vcse)) AS profiled
           FROM names n
           JOIN (SELECT supplier_name_norm, max(postcode) AS pc, max(country) AS c, max(CAST(is_sme AS INT)) AS sme,
                        max(CAST(is_vcse AS INT)) AS vcse FROM supplier_profile GROUP BY ALL) k USING (supplier_name_norm)
           LEFT JOIN (SELECT org, supplier_name_norm, postcode, country, is_sme, is_vcse FROM supplier_profile) p
                ON p.org = n.org AND p.supplier_name_norm = n.supplier_name_norm
           GROUP BY n.org) p USING (org)
ORDER BY u.org
"""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def stamps(con: duckdb.DuckDBPyConnection, cfg: Config) -> tuple[str, dict[str, str]]:
    """The stamp every anchor's tables share (the settings and what all anchors know) and each anchor's own."""
    row = con.execute(_BASE_SQL).fetchone()
    # New tables or columns (SHAPE): rebuilt.
    base = _digest(
        f"{row[0] if row else ''}|{cfg.place!r}|{cfg.imd_version}|{cfg.exclusions!r}|{TABLES}|{SHAPE}"
    )
    return base, {str(o): _digest(str(s)) for o, s in con.execute(_ORG_SQL).fetchall()}


def stamp(con: duckdb.DuckDBPyConnection, cfg: Config) -> str:
    base, orgs = stamps(con, cfg)
    return _digest(base + "|" + ",".join(f"{o}={s}" for o, s in sorted(orgs.items())))


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    found = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
        "AND table_schema = 'main' AND table_catalog = current_database()",
        [table],
    ).fetchone()
    return found != (0,)


def built_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    if not _exists(con, "explore_state"):
        return None
    row = con.execute("SELECT stamp FROM explore_state").fetchone()
    return str(row[0]) if row else None


def _built_stamps(con: duckdb.DuckDBPyConnection) -> tuple[str | None, dict[str, str]]:
    if not (_exists(con, "explore_org_state") and _exists(con, "explore_state")):
        return None, {}
    cols = {r[0] for r in con.execute("DESCRIBE explore_state").fetchall()}
    if "base" not in cols:  # tables of an earlier shape: rebuilt
        return None, {}
    row = con.execute("SELECT base FROM explore_state").fetchone()
    orgs = con.execute("SELECT org, stamp FROM explore_org_state").fetchall()
    return (str(row[0]) if row else None), {str(o): str(s) for o, s in orgs}


def is_current(con: duckdb.DuckDBPyConnection, cfg: Config) -> bool:
    return built_stamp(con) == stamp(con, cfg)


# A supplier's place as the analysis has it (one per anchor and supplier, so any_value is the value).
_PROFILE = (
    "any_value(s.imd_decile) AS imd_decile, any_value(s.is_sme) AS is_sme, "
    "any_value(s.is_vcse) AS is_vcse"
)
_SUPPLIER_SUMS = f"""s.org, s.supplier_name_norm, any_value(n.supplier_name) AS supplier_name, {{category}},
        s.counted, s.financial_year, any_value(s.tier) AS tier, any_value(s.ward) AS ward, sum(s.spend) AS spend,
        sum(s.payments) AS payments, max(s.last_paid) AS last_paid, {_PROFILE}
    FROM explore_spend s JOIN explore_names n USING (org, supplier_name_norm)
    WHERE s.org = ? AND NOT s.is_redacted"""
# The explorer filtered on a category or on the exclusion rules, per anchor and supplier: a category's spend
# (category NULL: every category) of the payments counted, or left out (counted NULL: either), in a year or
# in every year (NULL), numbered biggest first in each, as explore_suppliers is: a filtered explorer is a
# range too. A payment without a category is in "every category" only, as a category filter never matches it.
_CATEGORY_SUPPLIERS_SQL = f"""
    SELECT *, row_number() OVER (PARTITION BY category, counted, financial_year
                                 ORDER BY spend DESC NULLS LAST, supplier_name_norm) AS spend_rank,
           row_number() OVER (PARTITION BY category, counted, financial_year
                              ORDER BY payments DESC NULLS LAST, supplier_name_norm) AS payments_rank
    FROM (SELECT {_SUPPLIER_SUMS.format(category="s.category")} AND s.category IS NOT NULL
          GROUP BY GROUPING SETS ((s.org, s.supplier_name_norm, s.category, s.counted, s.financial_year),
                                  (s.org, s.supplier_name_norm, s.category, s.counted),
                                  (s.org, s.supplier_name_norm, s.category, s.financial_year),
                                  (s.org, s.supplier_name_norm, s.category))
          UNION ALL
          SELECT {_SUPPLIER_SUMS.format(category="CAST(NULL AS VARCHAR) AS category")}
          GROUP BY GROUPING SETS ((s.org, s.supplier_name_norm, s.counted, s.financial_year),
                                  (s.org, s.supplier_name_norm, s.counted)))
    ORDER BY category NULLS FIRST, counted NULLS FIRST, financial_year NULLS FIRST, spend_rank
"""


def _org_tables(
    con: duckdb.DuckDBPyConnection, cfg: Config, org: str, uploads: str, create: bool
) -> None:
    """One anchor's supplier tables (a few rows per supplier), from its payments grouped once on their integer
    keys (store/spend_store.py) before any name is joined."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE explore_keys_tmp AS
        SELECT upload_no, supplier_key, line_key, {fy_sql("payment_date")} AS financial_year,
               sum(amount) AS spend, count(*) AS payments, max(payment_date) AS last_paid,
               sum(amount) FILTER (WHERE amount < 0) AS credit_notes
        FROM spend_rows WHERE upload_no IN ({uploads}) GROUP BY ALL
    """)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE explore_grain_tmp AS
        SELECT u.org, s.supplier_name_norm, s.supplier_name, s.is_redacted, r.financial_year, l.category,
               sum(r.spend) AS spend, sum(r.payments) AS payments, max(r.last_paid) AS last_paid,
               sum(r.credit_notes) AS credit_notes
        FROM explore_keys_tmp r
        JOIN spend_uploads u USING (upload_no)
        JOIN spend_suppliers s USING (upload_no, supplier_key)
        JOIN spend_lines l USING (upload_no, line_key)
        WHERE u.org = ?
        GROUP BY ALL
    """,
        [org],
    )
    backend = ibis.duckdb.from_connection(con)
    g = backend.table("explore_grain_tmp")
    grain = g.group_by(
        "org", "supplier_name_norm", "category", "is_redacted", "financial_year"
    ).agg(amount=g.spend.sum(), transactions=g.payments.sum(), credit_notes=g.credit_notes.sum())
    # The analysis's own enrichment: tier, ward, IMD decile and the exclusion rule, exactly as counted.
    enriched = enriched_spend(backend, cfg, AnalysisOptions(), grain)
    places = supplier_places(backend, cfg, grain.select("org", "supplier_name_norm").distinct())
    put(con, "explore_places", ibis.to_sql(places, dialect="duckdb"), create)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE explore_enriched_tmp AS {ibis.to_sql(enriched, dialect='duckdb')}"
    )
    put(
        con,
        "explore_names",
        f"""
        SELECT org, supplier_name_norm, {heaviest_sql("supplier_name", "n", "spend")} AS supplier_name,
               bool_or(is_redacted) AS is_redacted
        FROM (SELECT org, supplier_name_norm, supplier_name, bool_or(is_redacted) AS is_redacted,
                     sum(payments) AS n, sum(spend) AS spend
              FROM explore_grain_tmp GROUP BY ALL)
        GROUP BY org, supplier_name_norm
    """,
        create,
    )
    put(
        con,
        "explore_spend",
        """
        SELECT g.org, g.supplier_name_norm, g.financial_year, g.category, g.is_redacted, e.tier, e.ward,
               e.imd_decile, e.is_sme, e.is_vcse, e.excluded_by, e.excluded_by IS NULL AS counted,
               sum(g.spend) AS spend, sum(g.payments) AS payments, max(g.last_paid) AS last_paid
        FROM explore_grain_tmp g
        JOIN explore_enriched_tmp e ON g.org = e.org AND g.supplier_name_norm = e.supplier_name_norm
             AND g.category IS NOT DISTINCT FROM e.category AND g.is_redacted = e.is_redacted
             AND g.financial_year = e.financial_year
        GROUP BY ALL
        ORDER BY g.supplier_name_norm
    """,
        create,
    )
    # Each year's rows and every year's (NULL), the year-less ones first, biggest first and numbered so
    # (`spend_rank`, and `payments_rank` by payments): one anchor's explorer in either order is a range.
    put(
        con,
        "explore_suppliers",
        f"""
        SELECT *, row_number() OVER (PARTITION BY financial_year ORDER BY spend DESC NULLS LAST,
                                     supplier_name_norm) AS spend_rank,
               row_number() OVER (PARTITION BY financial_year ORDER BY payments DESC NULLS LAST,
                                  supplier_name_norm) AS payments_rank
        FROM (SELECT s.org, s.supplier_name_norm, any_value(n.supplier_name) AS supplier_name, s.financial_year,
                     any_value(s.tier) AS tier, any_value(s.ward) AS ward, sum(s.spend) AS spend,
                     sum(s.payments) AS payments, max(s.last_paid) AS last_paid, {_PROFILE}
              FROM explore_spend s JOIN explore_names n USING (org, supplier_name_norm)
              WHERE s.org = ? AND NOT s.is_redacted
              GROUP BY GROUPING SETS ((s.org, s.supplier_name_norm, s.financial_year),
                                      (s.org, s.supplier_name_norm)))
        ORDER BY financial_year NULLS FIRST, spend_rank
    """,
        create,
        [org],
    )
    put(con, "explore_category_suppliers", _CATEGORY_SUPPLIERS_SQL, create, [org, org])
    put(
        con,
        "explore_categories",
        """
        SELECT DISTINCT org, category FROM explore_spend
        WHERE org = ? AND category IS NOT NULL AND NOT is_redacted ORDER BY category
    """,
        create,
        [org],
    )
    # What a payment shows besides its own cells, per upload, supplier cells, line and year: the payments
    # then join on integers alone.
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE explore_rowkeys_tmp AS
        WITH named AS MATERIALIZED (  -- first on integers alone (a join order the planner cannot spoil)
            SELECT k.upload_no, k.supplier_key, k.line_key, k.financial_year, u.org, u.upload_id,
                   s.supplier_name, s.supplier_name_norm, s.is_redacted, l.category, l.service
            FROM explore_keys_tmp k
            JOIN spend_uploads u USING (upload_no)
            JOIN spend_suppliers s USING (upload_no, supplier_key)
            JOIN spend_lines l USING (upload_no, line_key)
            WHERE u.org = ?)
        SELECT n.* EXCLUDE (is_redacted), e.tier, e.ward, e.imd_decile, e.is_sme, e.is_vcse, e.excluded_by,
               e.excluded_by IS NULL AS counted
        FROM named n
        JOIN explore_enriched_tmp e
             ON e.org = n.org AND e.supplier_name_norm = n.supplier_name_norm
             AND e.category IS NOT DISTINCT FROM n.category AND e.is_redacted = n.is_redacted
             AND e.financial_year = n.financial_year
    """,
        [org],
    )
    for tmp in ("explore_enriched_tmp", "explore_grain_tmp", "explore_keys_tmp"):
        con.execute(f"DROP TABLE {tmp}")


def _uploads(con: duckdb.DuckDBPyConnection, org: str) -> str:
    nos = [
        int(r[0])
        for r in con.execute(
            "SELECT upload_no FROM spend_uploads WHERE org = ? ORDER BY 1", [org]
        ).fetchall()
    ]
    return ", ".join(map(str, nos)) or "NULL"


def build(con: duckdb.DuckDBPyConnection, cfg: Config, *, full: bool = False) -> list[str]:
    """Bring the explore tables up to date: only the anchors whose payments or register matches changed, in one
    transaction (readers see the old tables or the new, never half), unless what they all depend on changed
    (or `full`). One anchor at a time, its payments a month at a time. Returns the anchors built.

    A full build commits after each anchor, so that what it has written does not wait in memory for the
    last anchor (hundreds of anchors' rows, uncommitted, ran out of DuckDB's memory limit); it first removes
    the built stamp, so until it ends readers are told the figures are being worked out, and a build stopped
    half-way is done again in full."""
    con.begin()
    try:
        base, orgs = stamps(con, cfg)
        old_base, old = _built_stamps(con)
        full = full or old_base != base
        todo = sorted(orgs) if full else sorted(o for o, s in orgs.items() if old.get(o) != s)
        if full:
            con.execute("DROP TABLE IF EXISTS explore_state")
        if not full:
            gone = sorted(set(old) - set(orgs))
            for table in TABLES:
                for org in [*todo, *gone]:
                    con.execute(f"DELETE FROM {table} WHERE org = ?", [org])
        for i, org in enumerate(
            todo or ([""] if full else [])
        ):  # "": no payments yet, empty tables
            uploads = _uploads(con, org) if org else "NULL"
            _org_tables(con, cfg, org, uploads, create=full and i == 0)
            number_groups(con, create=full and i == 0)
            number_texts(con, org, uploads, create=full and i == 0)
            org_payments(con, org, uploads, create=full and i == 0)
            if full:
                con.commit()
                con.begin()
        con.execute(
            "CREATE OR REPLACE TABLE explore_org_state (org VARCHAR NOT NULL, stamp VARCHAR NOT NULL)"
        )
        if orgs:
            con.executemany("INSERT INTO explore_org_state VALUES (?, ?)", list(orgs.items()))
        con.execute(
            "CREATE OR REPLACE TABLE explore_state (stamp VARCHAR NOT NULL, base VARCHAR NOT NULL, "
            "rows BIGINT NOT NULL)"
        )
        con.execute(
            "INSERT INTO explore_state SELECT ?, ?, count(*) FROM explore_payments",
            [stamp(con, cfg), base],
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return todo


def _written(ws: Workspace) -> tuple[object, ...]:
    """Changes whenever the warehouse may have changed, or the settings the tables depend on."""
    cfg = ws.config
    return (ws.warehouse_version(), repr(cfg.place), cfg.imd_version, repr(cfg.exclusions))


def ready(con: duckdb.DuckDBPyConnection) -> bool:
    """The tables have been built at least once (a page can read them, however old)."""
    return built_stamp(con) is not None


def outdated(ws: Workspace) -> bool:
    """The data changed since the tables were built (or they never were): a read, never a write. Worked out
    again only when something wrote the warehouse since the last look (pages ask on every request)."""
    key, token = str(ws.warehouse_path), _written(ws)
    seen = _seen.get(key)
    if seen is not None and seen[0] == token:
        return seen[1]
    with ws.warehouse(read_only=True) as con:
        found = not is_current(con, ws.config)
    _seen[key] = (token, found)
    return found


def refresh(ws: Workspace) -> bool:
    """Build the explore tables if the data changed since they were built; True when it built them (the
    refresh job, through the analysis). Nothing is read when nothing was written since the last check; then
    the stamp is compared on a reader, so an up-to-date workspace is never written (nor its caches
    invalidated)."""
    key, token = (
        str(ws.warehouse_path),
        _written(ws),
    )  # taken first: a write after it is seen next time
    if _checked.get(key) == token:
        return False
    with ws.warehouse(read_only=True) as con:
        current = is_current(con, ws.config)
    if not current:
        with _lock, ws.warehouse() as con:
            current = is_current(
                con, ws.config
            )  # another thread may have built them while this one waited
            if not current:
                build(con, ws.config)
                return (
                    True  # building wrote the warehouse: the next call checks the stamp once more
                )
    _checked[key] = token
    return False
