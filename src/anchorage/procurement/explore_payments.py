"""The payments part of the explore tables (procurement/explore.py builds them an anchor at a time).

- `explore_payments`: every payment with its financial year and its supplier's tier, stored in order of
  anchor and date (newest first) and numbered in that order (`pos`), so a page of one anchor's payments in
  the default order is a range of numbers (zone maps skip every other block).
- `explore_payment_amounts`: the same payments numbered by amount (biggest and smallest first) within the
  anchor's run of numbers; `explore_payment_counts`: the count and first number of each anchor and year.
- `explore_payment_names`: each supplier's spellings together (a supplier text is matched there first, on a
  row per supplier, then exactly on its groups).
- `explore_payment_groups`: the payments counted per group of everything a payments filter can name but the
  service and the payment's own cells (anchor, supplier and the spelling paid, year, category, tier, ward,
  deprivation, SME, VCSE, exclusion rule), with their first and last numbers; each payment stores its
  `group_no`. A filter on those is matched on the groups (a few rows per supplier), counted there, and only
  the matching groups' payments are read (an integer semi-join, within the groups' range of numbers).
- `explore_payment_texts`: each anchor's distinct supplier spellings, categories, services and descriptions
  (`kind`), numbered per anchor and kind (`text_no`); each payment stores its `spelling_no`, `category_no`,
  `service_no` and `description_no`. A search text (`q`) or a service filter is matched on these distinct
  values (a row per spelling, not per payment), then the payments are matched on the numbers: integers.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from anchorage.core.periods import FINANCIAL_YEAR_SQL

# What a payments filter can name that is the same for every payment of a group (access/explore_queries.py).
GROUP_COLUMNS = (
    "supplier_name_norm, supplier_name, financial_year, category, tier, ward, imd_decile, is_sme, is_vcse, "
    "excluded_by, counted"
)
# Between a supplier's spellings in explore_payment_names: a newline (chr(10)), which no filter's text holds.
SPELLINGS_SEPARATOR = "\n"


def fy_sql(date: str) -> str:
    return FINANCIAL_YEAR_SQL.format(col=date)


def put(
    con: duckdb.DuckDBPyConnection,
    table: str,
    sql: str,
    create: bool,
    params: list[object] | None = None,
) -> None:
    verb = f"CREATE OR REPLACE TABLE {table} AS" if create else f"INSERT INTO {table}"
    con.execute(f"{verb} {sql}", params or [])


def number_groups(con: duckdb.DuckDBPyConnection, create: bool) -> None:
    """Give each payment key of the anchor being built (explore_rowkeys_tmp) its group's number, after every
    number already used (the groups' own rows are written once its payments are numbered)."""
    row = (
        None
        if create
        else con.execute(
            "SELECT max(group_no), (SELECT max(supplier_no) FROM explore_payment_names) "
            "FROM explore_payment_groups"
        ).fetchone()
    )
    first, first_supplier = ((int(v) + 1 if v is not None else 1) for v in (row or (None, None)))
    # Numbered in one sort (NULLs rank together, as IS NOT DISTINCT FROM would join them).
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE explore_rowkeys_tmp AS
        SELECT *, CAST(? AS BIGINT) + dense_rank() OVER (ORDER BY {GROUP_COLUMNS}) - 1 AS group_no
        FROM explore_rowkeys_tmp
    """,
        [first],
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE explore_groups_tmp AS
        SELECT group_no, CAST(? AS BIGINT) + dense_rank() OVER (ORDER BY supplier_name_norm) - 1 AS supplier_no,
               org, {GROUP_COLUMNS}
        FROM (SELECT DISTINCT group_no, org, {GROUP_COLUMNS} FROM explore_rowkeys_tmp)
    """,
        [first_supplier],
    )


_PAYMENTS_SQL = f"""
    SELECT CAST(? AS BIGINT) + row_number() OVER (ORDER BY r.payment_date DESC, k.upload_id, r.row_no) - 1
               AS pos,
           k.org, k.upload_id, r.row_no, r.payment_date, k.financial_year, k.supplier_name,
           k.supplier_name_norm, r.amount, k.category, k.service, r.description,
           coalesce(r.transaction_id, CAST(r.transaction_no AS VARCHAR)) AS transaction_id,
           k.tier, k.ward, k.imd_decile, k.is_sme, k.is_vcse, k.excluded_by, k.counted, k.group_no,
           k.service_no, d.text_no AS description_no, k.spelling_no, k.category_no
    FROM (SELECT *, {fy_sql("payment_date")} AS financial_year FROM spend_rows
          WHERE upload_no IN ({{uploads}}) AND payment_date >= ? AND payment_date < ?) r
    JOIN explore_rowkeys_tmp k USING (upload_no, supplier_key, line_key, financial_year)
    LEFT JOIN explore_descriptions_tmp d ON d.text = r.description
    ORDER BY pos
"""
CHUNK = 2_000_000  # payments numbered in one sort at most (a run of whole months, newest first)


def _chunks(con: duckdb.DuckDBPyConnection, uploads: str) -> list[tuple[dt.date, dt.date]]:
    """Runs of whole months, newest first, of at most CHUNK payments each (or one month, if bigger)."""
    months = con.execute(
        "SELECT CAST(date_trunc('month', payment_date) AS DATE) AS m, count(*) FROM spend_rows "
        f"WHERE upload_no IN ({uploads}) GROUP BY m ORDER BY m DESC"
    ).fetchall()
    out: list[tuple[dt.date, dt.date]] = []
    size = 0
    for month, n in months:
        end = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        if out and size + n <= CHUNK:
            out[-1], size = (month, out[-1][1]), size + n
        else:
            out.append((month, end))
            size = n
    return out


def number_texts(con: duckdb.DuckDBPyConnection, org: str, uploads: str, create: bool) -> None:
    """The anchor's distinct spellings, categories, services and descriptions, numbered (explore_payment_texts):
    each payment key of the anchor (explore_rowkeys_tmp) gets its spelling's, category's and service's
    numbers, and explore_descriptions_tmp holds the descriptions' numbers for the payments to join."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE explore_descriptions_tmp AS
        SELECT CAST(row_number() OVER (ORDER BY text) AS BIGINT) AS text_no, text
        FROM (SELECT DISTINCT description AS text FROM spend_rows
              WHERE upload_no IN ({uploads}) AND description IS NOT NULL)
    """
    )
    for kind, column in (
        ("service", "service"),
        ("spelling", "supplier_name"),
        ("category", "category"),
    ):
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE explore_{kind}_tmp AS
            SELECT CAST(row_number() OVER (ORDER BY text) AS BIGINT) AS text_no, text
            FROM (SELECT DISTINCT {column} AS text FROM explore_rowkeys_tmp WHERE {column} IS NOT NULL)
        """
        )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE explore_rowkeys_tmp AS
        SELECT k.*, v.text_no AS service_no, n.text_no AS spelling_no, c.text_no AS category_no
        FROM explore_rowkeys_tmp k
        LEFT JOIN explore_service_tmp v ON v.text = k.service
        LEFT JOIN explore_spelling_tmp n ON n.text = k.supplier_name
        LEFT JOIN explore_category_tmp c ON c.text = k.category
    """
    )
    put(
        con,
        "explore_payment_texts",
        """
        SELECT CAST(? AS VARCHAR) AS org, 'service' AS kind, text_no, text FROM explore_service_tmp
        UNION ALL SELECT ?, 'spelling', text_no, text FROM explore_spelling_tmp
        UNION ALL SELECT ?, 'category', text_no, text FROM explore_category_tmp
        UNION ALL SELECT ?, 'description', text_no, text FROM explore_descriptions_tmp
    """,
        create,
        [org, org, org, org],
    )
    for kind in ("service", "spelling", "category"):
        con.execute(f"DROP TABLE explore_{kind}_tmp")


def org_payments(con: duckdb.DuckDBPyConnection, org: str, uploads: str, create: bool) -> None:
    """One anchor's payments, newest first, a run of months at a time (memory holds a chunk of one anchor,
    not every payment), numbered after every number already used: the anchor's payments are one run of
    numbers stored in that order, so a page is a range read that zone maps narrow to a few blocks."""
    row = None if create else con.execute("SELECT max(pos) FROM explore_payments").fetchone()
    nxt = first = int(row[0]) + 1 if row and row[0] is not None else 1
    chunks = _chunks(con, uploads) or [
        (dt.date(1900, 1, 1), dt.date(1900, 1, 1))
    ]  # none: made empty
    for i, (start, end) in enumerate(chunks):
        put(
            con,
            "explore_payments",
            _PAYMENTS_SQL.format(uploads=uploads),
            create and i == 0,
            [nxt, start, end],
        )
        added = con.execute(
            "SELECT count(*) FROM explore_payments WHERE pos >= ?", [nxt]
        ).fetchone()
        nxt += int(added[0]) if added else 0
    con.execute("DROP TABLE explore_rowkeys_tmp")
    con.execute("DROP TABLE explore_descriptions_tmp")
    put(
        con,
        "explore_payment_counts",
        """
        SELECT org, financial_year, count(*) AS payments, min(pos) AS first_pos FROM explore_payments
        WHERE org = ? GROUP BY GROUPING SETS ((org, financial_year), (org))
    """,
        create,
        [org],
    )
    put(
        con,
        "explore_payment_groups",
        """
        SELECT g.*, c.payments, c.first_pos, c.last_pos
        FROM explore_groups_tmp g
        JOIN (SELECT group_no, count(*) AS payments, min(pos) AS first_pos, max(pos) AS last_pos
              FROM explore_payments WHERE pos >= ? GROUP BY group_no) c USING (group_no)
        ORDER BY group_no
    """,
        create,
        [first],
    )
    put(
        con,
        "explore_payment_names",
        """
        SELECT org, supplier_no, supplier_name_norm,
               string_agg(DISTINCT supplier_name, chr(10) ORDER BY supplier_name) AS spellings
        FROM explore_groups_tmp GROUP BY ALL ORDER BY supplier_no
    """,
        create,
    )
    con.execute("DROP TABLE explore_groups_tmp")
    # The same payments numbered by amount, biggest first and smallest first (ties as the table's tie-break),
    # stored biggest first: a page of an anchor's payments by amount is a range of one of the numbers (the
    # smallest-first numbers of a block are a narrow range too, the reverse order but for ties). They reuse
    # the anchor's run of payment numbers, so explore_payment_counts gives their range as well. Each keeps its
    # payment's group and text numbers (a filtered page by amount reads windows of these) and the cells a page
    # shows: a page by amount is read from here alone, never by a point read per payment.
    put(
        con,
        "explore_payment_amounts",
        """
        SELECT org, CAST(? AS BIGINT) + row_number() OVER (ORDER BY amount DESC, upload_id, row_no) - 1
                   AS by_amount_desc,
               CAST(? AS BIGINT) + row_number() OVER (ORDER BY amount ASC, upload_id, row_no) - 1
                   AS by_amount_asc,
               pos, group_no, service_no, description_no, spelling_no, category_no,
               payment_date, supplier_name, amount, category, service, transaction_id, tier, excluded_by,
               supplier_name_norm
        FROM explore_payments WHERE org = ? ORDER BY by_amount_desc
    """,
        create,
        [first, first, org],
    )
