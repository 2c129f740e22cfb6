"""The explore tables: payments and supplier spend laid out for the web's tables, built once per data change.

The supplier explorer, the payments table and a supplier's page read these instead of scanning every
payment on each request:

- `explore_places`: each (anchor, supplier) placed once, with the analysis's own code (tier, ward, SME/VCSE,
  register match), so a page's tier is the dashboard's tier.
- `explore_names`: the name each (anchor, supplier) is shown by: the spelling on most payments, then with
  most spend, then the first alphabetically (store/ties.py).
- `explore_spend`: spend per anchor, supplier, financial year and category (a few rows per supplier).
- `explore_suppliers`: spend per anchor and supplier, in each financial year and in every year (year NULL):
  the explorer's rows, read without grouping unless a category or the exclusion rules are filtered on.
- `explore_payments`: every payment with its financial year and its supplier's tier, stored in order of
  anchor and date (newest first) and numbered in that order (`pos`), so a page of one anchor's payments in
  the default order is a range of numbers (zone maps skip every other block); `explore_payment_counts`
  holds the count and first number of each anchor and anchor-year; `explore_categories` the categories
  each anchor's payments name (the filters' drop-downs).
- `explore_state`: what the tables were built from (the stamp); `refresh` rebuilds them when it changes.

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
from anchorage.store.ties import heaviest_sql
from anchorage.workspace import Workspace

TABLES = (
    "explore_places",
    "explore_names",
    "explore_spend",
    "explore_suppliers",
    "explore_payments",
    "explore_payment_counts",
    "explore_categories",
)
SHAPE = 2  # the explore tables' columns: 2 added the IMD decile, SME and VCSE to the payments (dashboard drill-downs)
_lock = threading.Lock()
_checked: dict[
    str, tuple[object, ...]
] = {}  # warehouse -> what _written was when its tables were last current
_seen: dict[
    str, tuple[tuple[object, ...], bool]
] = {}  # warehouse -> (what _written was, outdated then)

# Everything the tables depend on: the payments (by upload), what is known of suppliers and where places are.
_STAMP_SQL = """
SELECT (SELECT coalesce(string_agg(CAST(upload_no AS VARCHAR), ',' ORDER BY upload_no), '') FROM spend_uploads)
    || '|' || (SELECT count(*) || ':' || coalesce(sum(hash(org, supplier_name_norm, register_id, registered_postcode,
                      register_sme, register_vcse)), 0) FROM supplier_resolution)
    || '|' || (SELECT count(*) || ':' || coalesce(sum(hash(org, supplier_name_norm, postcode, country, is_sme,
                      is_vcse)), 0) FROM supplier_profile)
    || '|' || (SELECT count(*) FROM postcodes) || '|' || (SELECT count(*) FROM imd)
"""


def stamp(con: duckdb.DuckDBPyConnection, cfg: Config) -> str:
    row = con.execute(_STAMP_SQL).fetchone()
    # New tables or columns (SHAPE): rebuilt.
    text = f"{row[0] if row else ''}|{cfg.place!r}|{cfg.imd_version}|{cfg.exclusions!r}|{TABLES}|{SHAPE}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def built_stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'explore_state' "
        "AND table_schema = 'main' AND table_catalog = current_database()"
    ).fetchone()
    if exists == (0,):
        return None
    row = con.execute("SELECT stamp FROM explore_state").fetchone()
    return str(row[0]) if row else None


def is_current(con: duckdb.DuckDBPyConnection, cfg: Config) -> bool:
    return built_stamp(con) == stamp(con, cfg)


def build(con: duckdb.DuckDBPyConnection, cfg: Config) -> None:
    """(Re)build every explore table in one transaction: readers see the old tables or the new, never half."""
    con.begin()
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE explore_grain_tmp AS
            SELECT org, supplier_name_norm, supplier_name, is_redacted,
                   CAST(year(payment_date) - CASE WHEN month(payment_date) < 4 THEN 1 ELSE 0 END AS INTEGER)
                       AS financial_year,
                   category, sum(amount) AS spend, count(*) AS payments, max(payment_date) AS last_paid,
                   sum(amount) FILTER (WHERE amount < 0) AS credit_notes
            FROM spend GROUP BY org, supplier_name_norm, supplier_name, is_redacted, financial_year, category
        """)
        backend = ibis.duckdb.from_connection(con)
        g = backend.table("explore_grain_tmp")
        grain = g.group_by(
            "org", "supplier_name_norm", "category", "is_redacted", "financial_year"
        ).agg(
            amount=g.spend.sum(), transactions=g.payments.sum(), credit_notes=g.credit_notes.sum()
        )
        # The analysis's own enrichment: tier, ward, IMD decile and the exclusion rule, exactly as counted.
        enriched = enriched_spend(backend, cfg, AnalysisOptions(), grain)
        places = supplier_places(backend, cfg, grain.select("org", "supplier_name_norm").distinct())
        con.execute(
            f"CREATE OR REPLACE TABLE explore_places AS {ibis.to_sql(places, dialect='duckdb')}"
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE explore_enriched_tmp AS {ibis.to_sql(enriched, dialect='duckdb')}"
        )
        con.execute(f"""
            CREATE OR REPLACE TABLE explore_names AS
            SELECT org, supplier_name_norm, {heaviest_sql("supplier_name", "n", "spend")} AS supplier_name,
                   bool_or(is_redacted) AS is_redacted
            FROM (SELECT org, supplier_name_norm, supplier_name, bool_or(is_redacted) AS is_redacted,
                         sum(payments) AS n, sum(spend) AS spend
                  FROM explore_grain_tmp GROUP BY ALL)
            GROUP BY org, supplier_name_norm
        """)
        con.execute("""
            CREATE OR REPLACE TABLE explore_spend AS
            SELECT g.org, g.supplier_name_norm, g.financial_year, g.category, g.is_redacted, e.tier, e.ward,
                   e.imd_decile, e.is_sme, e.is_vcse, e.excluded_by, e.excluded_by IS NULL AS counted,
                   sum(g.spend) AS spend, sum(g.payments) AS payments, max(g.last_paid) AS last_paid
            FROM explore_grain_tmp g
            JOIN explore_enriched_tmp e ON g.org = e.org AND g.supplier_name_norm = e.supplier_name_norm
                 AND g.category IS NOT DISTINCT FROM e.category AND g.is_redacted = e.is_redacted
                 AND g.financial_year = e.financial_year
            GROUP BY ALL
            ORDER BY g.org, g.supplier_name_norm
        """)
        con.execute("""
            CREATE OR REPLACE TABLE explore_suppliers AS
            SELECT s.org, s.supplier_name_norm, any_value(n.supplier_name) AS supplier_name, s.financial_year,
                   any_value(s.tier) AS tier, any_value(s.ward) AS ward, sum(s.spend) AS spend,
                   sum(s.payments) AS payments, max(s.last_paid) AS last_paid
            FROM explore_spend s JOIN explore_names n USING (org, supplier_name_norm)
            WHERE NOT s.is_redacted
            GROUP BY GROUPING SETS ((s.org, s.supplier_name_norm, s.financial_year), (s.org, s.supplier_name_norm))
            ORDER BY s.org, s.financial_year NULLS FIRST, spend DESC
        """)
        con.execute("""
            CREATE OR REPLACE TABLE explore_payments AS
            SELECT row_number() OVER (ORDER BY s.org, s.payment_date DESC, s.upload_id, s.row_no) AS pos,
                   s.org, s.upload_id, s.row_no, s.payment_date, e.financial_year, s.supplier_name,
                   s.supplier_name_norm, s.amount, s.category, s.service, s.description, s.transaction_id,
                   e.tier, e.ward, e.imd_decile, e.is_sme, e.is_vcse, e.excluded_by, e.counted
            FROM spend s
            JOIN explore_spend e ON s.org = e.org AND s.supplier_name_norm = e.supplier_name_norm
                 AND s.category IS NOT DISTINCT FROM e.category AND s.is_redacted = e.is_redacted
                 AND e.financial_year = CAST(year(s.payment_date) - CASE WHEN month(s.payment_date) < 4
                                             THEN 1 ELSE 0 END AS INTEGER)
            ORDER BY s.org, s.payment_date DESC, s.upload_id, s.row_no
        """)
        con.execute("""
            CREATE OR REPLACE TABLE explore_payment_counts AS
            SELECT org, financial_year, count(*) AS payments, min(pos) AS first_pos FROM explore_payments
            GROUP BY GROUPING SETS ((org, financial_year), (org))
        """)
        con.execute("""
            CREATE OR REPLACE TABLE explore_categories AS
            SELECT DISTINCT org, category FROM explore_spend WHERE category IS NOT NULL AND NOT is_redacted
            ORDER BY org, category
        """)
        con.execute("DROP TABLE explore_enriched_tmp")
        con.execute("DROP TABLE explore_grain_tmp")
        con.execute(
            "CREATE OR REPLACE TABLE explore_state (stamp VARCHAR NOT NULL, rows BIGINT NOT NULL)"
        )
        con.execute(
            "INSERT INTO explore_state SELECT ?, count(*) FROM explore_payments", [stamp(con, cfg)]
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise


def _written(ws: Workspace) -> tuple[object, ...]:
    """Changes whenever the warehouse may have changed: this process's writes, the file's (and its WAL's) time
    for another process's, and the settings the tables depend on."""
    wal = ws.warehouse_path.with_name(ws.warehouse_path.name + ".wal")
    files = tuple(p.stat().st_mtime_ns for p in (ws.warehouse_path, wal) if p.exists())
    cfg = ws.config
    return (ws.warehouse_writes, files, repr(cfg.place), cfg.imd_version, repr(cfg.exclusions))


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
