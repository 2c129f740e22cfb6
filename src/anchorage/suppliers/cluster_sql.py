"""Clustering supplier records into suppliers, in SQL that DuckDB and Spark both run (the same text).

Inputs (tables or views the caller provides):
    cl_records(record_id, org, supplier_name_norm, name_squash, trading_squash, company_number,
               charity_number, vat_number)   name_squash: the name without spaces; trading_squash: a "T/A" name
    cl_candidates(record_id, target, match_probability, match_weight, method, explanation)   target = source:id
    cl_decisions(record_id, action, target, other_record_id, explanation)   active review decisions
Output: cl_clusters(record_id, root, target, match_probability, method, explanation), root being the
smallest record id of the record's cluster (the same root the supplier id is keyed from).

The rules, which depend on no order, so both engines find the same clusters:
1. Each record's link: an accepted one, else its best candidate not rejected, if probable enough and not tied.
2. Records that share a register link, company number, charity number, VAT number or normalised name (spaces
   ignored) are one supplier, and so are a record traded as "X T/A Y" and records named just Y, unless Y is the
   trading name of more than one legal name (franchisees of one brand), except that two records linked to different register entities are never joined this way
   (connected components by min-label propagation, each pass materialised so the plan stays short).
3. Records linked to nothing that, through those keys, touch exactly one linked supplier join it; touching
   two different registered firms they stay apart (which one they are is for a reviewer).
4. A reviewer's merge joins two records whatever they are linked to; a split record shares no key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from anchorage.suppliers import model

KEYS = ("company_number", "charity_number", "vat_number", "name_squash")
MAX_PASSES = 200

# 1. Each record's chosen link (pandas' old order: probability, then weight with rules' NULL first, then target).
CHOSEN_SQL = f"""
WITH usable AS (
    SELECT c.* FROM cl_candidates c
    LEFT JOIN (SELECT record_id, target FROM cl_decisions WHERE action = 'reject') d
      ON d.record_id = c.record_id AND d.target = c.target
    WHERE d.record_id IS NULL
), ranked AS (
    SELECT record_id, target, match_probability, method, explanation,
           row_number() OVER (PARTITION BY record_id ORDER BY match_probability DESC, match_weight DESC NULLS FIRST,
                                                               target) AS rank_no,
           lead(match_probability) OVER (PARTITION BY record_id ORDER BY match_probability DESC,
                                                                         match_weight DESC NULLS FIRST, target) AS runner
    FROM usable
), accepted AS (
    SELECT record_id, target, CAST(1.0 AS DOUBLE) AS match_probability, 'review: accepted' AS method, explanation
    FROM cl_decisions WHERE action = 'accept'
)
SELECT * FROM accepted
UNION ALL
SELECT r.record_id, r.target, r.match_probability, r.method, r.explanation FROM ranked r
LEFT JOIN accepted a ON a.record_id = r.record_id
WHERE a.record_id IS NULL AND r.rank_no = 1 AND r.match_probability >= {model.REVIEW_THRESHOLD}
  AND NOT (r.method = 'model' AND r.runner IS NOT NULL AND r.runner >= r.match_probability - 1e-9)
"""

# Every (key, value) a record holds, with its link: splits share nothing.
_KEYED = " UNION ALL ".join(
    [
        f"SELECT r.record_id, '{k}' AS key, CAST(r.{k} AS STRING) AS value, c.target FROM cl_records r "
        f"LEFT JOIN cl_chosen c ON c.record_id = r.record_id WHERE r.{k} IS NOT NULL"
        for k in KEYS
    ]
    + [
        "SELECT record_id, 'target' AS key, target AS value, target FROM cl_chosen",
        # A trading name claimed by one legal name only counts as that record's name too.
        "SELECT r.record_id, 'name_squash' AS key, r.trading_squash AS value, c.target FROM cl_records r "
        "LEFT JOIN cl_chosen c ON c.record_id = r.record_id WHERE r.trading_squash IN (SELECT trading_squash "
        "FROM cl_records WHERE trading_squash IS NOT NULL GROUP BY trading_squash "
        "HAVING count(DISTINCT name_squash) = 1)",
    ]
)
KEYED_SQL = f"""
SELECT k.* FROM ({_KEYED}) k
LEFT JOIN (SELECT DISTINCT record_id FROM cl_decisions WHERE action = 'split') s ON s.record_id = k.record_id
WHERE s.record_id IS NULL AND k.record_id IN (SELECT record_id FROM cl_records)
"""

# 2. Edges: each record to the first record with the same key value and the same link (or none), and merges.
EDGES_SQL = """
WITH star AS (
    SELECT record_id AS src,
           min(record_id) OVER (PARTITION BY key, value, coalesce(target, '')) AS dst
    FROM cl_keyed
), merges AS (
    SELECT d.record_id AS src, d.other_record_id AS dst FROM cl_decisions d
    JOIN cl_records a ON a.record_id = d.record_id JOIN cl_records b ON b.record_id = d.other_record_id
    WHERE d.action = 'merge'
), one_way AS (
    SELECT src, dst FROM star WHERE src <> dst UNION ALL SELECT src, dst FROM merges
)
SELECT DISTINCT src, dst FROM one_way UNION SELECT dst AS src, src AS dst FROM one_way
"""

LABELS_START_SQL = "SELECT record_id, record_id AS label FROM cl_records"
# One pass: the smallest label among a record and its neighbours, then a jump to that label's own label.
PASS_SQL = """
WITH spread AS (
    SELECT l.record_id, least(l.label, coalesce(min(n.label), l.label)) AS label
    FROM cl_labels l LEFT JOIN cl_edges e ON e.src = l.record_id LEFT JOIN cl_labels n ON n.record_id = e.dst
    GROUP BY l.record_id, l.label
)
SELECT s.record_id, least(s.label, coalesce(j.label, s.label)) AS label
FROM spread s LEFT JOIN spread j ON j.record_id = s.label
"""
CHANGED_SQL = (
    "SELECT count(*) FROM cl_labels a JOIN cl_labels_next b ON a.record_id = b.record_id "
    "WHERE a.label <> b.label"
)

# 3. Unlinked components that touch exactly one linked component join it; then the root of each cluster.
CLUSTERS_SQL = """
WITH comp AS (
    SELECT l.record_id, l.label,
           max(CASE WHEN c.target IS NULL THEN 0 ELSE 1 END) OVER (PARTITION BY l.label) AS linked
    FROM cl_labels l LEFT JOIN cl_chosen c ON c.record_id = l.record_id
), valued AS (
    SELECT k.key, k.value, m.label, m.linked FROM cl_keyed k JOIN comp m ON m.record_id = k.record_id
    WHERE k.key <> 'target'
), linked_values AS (
    SELECT key, value, min(label) AS lo, max(label) AS hi FROM valued WHERE linked = 1 GROUP BY key, value
), attach AS (
    SELECT v.label, min(l.lo) AS lo, max(l.hi) AS hi
    FROM valued v JOIN linked_values l ON l.key = v.key AND l.value = v.value
    WHERE v.linked = 0 GROUP BY v.label
), grouped AS (
    SELECT m.record_id, CASE WHEN a.lo = a.hi THEN a.lo ELSE m.label END AS grp
    FROM comp m LEFT JOIN attach a ON a.label = m.label
), rooted AS (
    SELECT g.record_id, min(g.record_id) OVER (PARTITION BY g.grp) AS root, c.target, c.match_probability,
           c.method, c.explanation
    FROM grouped g LEFT JOIN cl_chosen c ON c.record_id = g.record_id
), donor AS (
    SELECT root, target, match_probability, method FROM (
        SELECT root, target, match_probability, method,
               row_number() OVER (PARTITION BY root ORDER BY record_id) AS n
        FROM rooted WHERE target IS NOT NULL) t
    WHERE n = 1
)
SELECT r.record_id, r.root, coalesce(r.target, d.target) AS target,
       coalesce(r.match_probability, d.match_probability) AS match_probability,
       CASE WHEN r.target IS NOT NULL THEN r.method WHEN d.target IS NOT NULL
            THEN 'same supplier as another record' END AS method,
       CASE WHEN r.target IS NOT NULL THEN r.explanation WHEN d.target IS NOT NULL
            THEN 'clustered with a record linked by ' || d.method END AS explanation
FROM rooted r LEFT JOIN donor d ON d.root = r.root
"""

Materialise = Callable[
    [str, str], None
]  # (table name, SELECT): make the table, replacing any of that name
Scalar = Callable[[str], Any]


def cluster(materialise: Materialise, scalar: Scalar, rename: Callable[[str, str], None]) -> int:
    """Build cl_clusters from the three input tables on whichever engine the callables run; returns passes."""
    materialise("cl_chosen", CHOSEN_SQL)
    materialise("cl_keyed", KEYED_SQL)
    materialise("cl_edges", EDGES_SQL)
    materialise("cl_labels", LABELS_START_SQL)
    passes = 0
    while True:
        passes += 1
        materialise("cl_labels_next", PASS_SQL)
        changed = int(scalar(CHANGED_SQL))
        rename("cl_labels_next", "cl_labels")
        if changed == 0:
            break
        if passes >= MAX_PASSES:  # a path this long means a key shared by far too many records
            raise RuntimeError(f"supplier clustering did not settle in {MAX_PASSES} passes")
    materialise("cl_clusters", CLUSTERS_SQL)
    return passes


def duckdb_runner(con: Any) -> tuple[Materialise, Scalar, Callable[[str, str], None]]:
    """The three callables for `cluster` on a DuckDB connection (temporary tables)."""

    def materialise(name: str, sql: str) -> None:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def rename(old: str, new: str) -> None:
        con.execute(f"DROP TABLE IF EXISTS {new}; ALTER TABLE {old} RENAME TO {new}")

    return materialise, lambda sql: con.execute(sql).fetchone()[0], rename


def spark_runner(spark: Any) -> tuple[Materialise, Scalar, Callable[[str, str], None]]:
    """The callables on a Spark session: each table is written once as Parquet into the session's checkpoint
    folder (inside the workspace, deleted with the session; over Spark Connect, a local checkpoint on the
    server) and read back, so the label passes never build one
    ever-longer plan, and nothing is computed twice (as a reliable checkpoint of an uncached frame would)."""
    connect = type(spark).__module__.startswith("pyspark.sql.connect")
    folder = None if connect else spark.sparkContext.getCheckpointDir()
    counter = iter(range(1_000_000))

    def materialise(name: str, sql: str) -> None:
        if folder is None:  # Spark Connect: the server checkpoints (its own local storage)
            spark.sql(sql).localCheckpoint(eager=True).createOrReplaceTempView(name)
            return
        path = f"{folder}/clusters-{name}-{next(counter)}"
        spark.sql(sql).write.mode("overwrite").parquet(path)
        spark.read.parquet(path).createOrReplaceTempView(name)

    def rename(old: str, new: str) -> None:
        spark.table(old).createOrReplaceTempView(new)
        spark.catalog.dropTempView(old)

    return materialise, lambda sql: spark.sql(sql).collect()[0][0], rename
