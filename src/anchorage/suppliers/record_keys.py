"""Opaque supplier record ids: one random id per (anchor, normalised supplier name), kept in the records store.

Ids were once md5(anchor|name), so anyone could compute another anchor's ids from a guessed supplier name and
probe for them. Now each record gets a random id the first time the warehouse lists it; the warehouse keeps a
copy (`supplier_record_keys`) that `records.RECORDS_SQL` joins. A record that had a name-derived id which a
decision named (re-keyed by records migration 0013) takes over that decision's new id, and the warehouse's
candidates and resolution written under the old id are re-keyed in the same step.

A supplier (a cluster of records, possibly of several anchors) is named by a keyed hash of its smallest record
id under the workspace's secret: stable from run to run, and no anchor's record id can be read from it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

import duckdb
import pandas as pd
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from anchorage.store.suppliers_records import SupplierRecordKey
from anchorage.workspace import Workspace

WAREHOUSE_TABLE = """
CREATE TABLE IF NOT EXISTS supplier_record_keys (
    org VARCHAR NOT NULL,
    supplier_name_norm VARCHAR NOT NULL,
    record_id VARCHAR NOT NULL
)"""

_UNKEYED = """
    SELECT DISTINCT p.org, p.supplier_name_norm, substr(md5(p.org || '|' || p.supplier_name_norm), 1, 12) AS legacy
    FROM supplier_profile p ANTI JOIN supplier_record_keys k USING (org, supplier_name_norm)
    WHERE p.supplier_name_norm <> 'REDACTED'
"""


def new_id() -> str:
    """A random record id (96 bits): nothing about the anchor or the supplier can be read from it or guessed."""
    return secrets.token_hex(12)


def cluster_key(ws: Workspace) -> bytes:
    """The workspace's secret for naming suppliers, made on first use and kept (owner-only) in the workspace,
    so every process and every run agrees."""
    return ws.secret("supplier-id-secret").encode()


def cluster_id(key: bytes, root: str) -> str:
    """A supplier's id from its smallest record id: 64 bits of a keyed hash, so it reveals no record id."""
    return "S-" + hmac.new(key, root.encode(), hashlib.sha256).hexdigest()[:16]


def _rename_old_clusters(ws: Workspace, con: duckdb.DuckDBPyConnection) -> None:
    """A resolution written before suppliers had keyed ids named them 'S-<record id>': rename them in place."""
    roots = [
        r
        for (r,) in con.execute(
            "SELECT DISTINCT k.record_id FROM supplier_resolution r JOIN supplier_record_keys k "
            "ON r.supplier_id = 'S-' || k.record_id"
        ).fetchall()
    ]
    if not roots:
        return
    key = cluster_key(ws)
    con.register(
        "renamed_clusters",
        pd.DataFrame(
            {"old": [f"S-{r}" for r in roots], "new": [cluster_id(key, r) for r in roots]}
        ),
    )
    try:
        con.execute(
            "UPDATE supplier_resolution r SET supplier_id = c.new FROM renamed_clusters c "
            "WHERE r.supplier_id = c.old"
        )
    finally:
        con.unregister("renamed_clusters")


def sync(ws: Workspace, con: duckdb.DuckDBPyConnection) -> int:
    """Give every supplier record in the warehouse its id (creating random ones as needed); returns how many
    records were newly keyed. Cheap when nothing is new: one anti-join (and one join for old supplier ids)."""
    con.execute(WAREHOUSE_TABLE)
    _rename_old_clusters(ws, con)
    unkeyed = con.execute(_UNKEYED).fetchall()
    if not unkeyed:
        return 0
    for attempt in range(3):
        try:
            rows = _assign(ws, unkeyed)
            break
        except (
            IntegrityError
        ):  # another request keyed some of the same records at the same time: read theirs
            if attempt == 2:
                raise
    frame = pd.DataFrame(rows, columns=["org", "supplier_name_norm", "record_id", "legacy"])
    key = cluster_key(ws)
    frame["cluster"] = [cluster_id(key, r) for r in frame["record_id"]]
    con.register("new_record_keys", frame)
    try:
        con.begin()
        con.execute(
            "INSERT INTO supplier_record_keys SELECT k.org, k.supplier_name_norm, k.record_id "
            "FROM new_record_keys k ANTI JOIN supplier_record_keys o USING (org, supplier_name_norm)"
        )
        # Rows written under a name-derived id before the change take the record's random id.
        con.execute(
            "UPDATE supplier_candidates c SET record_id = k.record_id FROM new_record_keys k "
            "WHERE c.record_id = k.legacy"
        )
        con.execute(
            "UPDATE supplier_resolution r SET record_id = k.record_id FROM new_record_keys k "
            "WHERE r.record_id = k.legacy"
        )
        con.execute(
            "UPDATE supplier_resolution r SET supplier_id = k.cluster FROM new_record_keys k "
            "WHERE r.supplier_id = 'S-' || k.legacy"
        )
        con.commit()
    except BaseException:
        con.rollback()
        raise
    finally:
        con.unregister("new_record_keys")
    return len(rows)


def _assign(ws: Workspace, unkeyed: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str]]:
    """The records store's id for each (anchor, name): its existing one, the one migrated from its old id,
    or a new random one."""
    with ws.session() as s:
        known = {
            (k.org, k.supplier_name_norm): k.record_id
            for k in s.scalars(select(SupplierRecordKey).where(SupplierRecordKey.org.is_not(None)))
        }
        waiting = {
            k.legacy_id: k
            for k in s.scalars(
                select(SupplierRecordKey).where(
                    SupplierRecordKey.org.is_(None), SupplierRecordKey.legacy_id.is_not(None)
                )
            )
        }
        out = []
        for org, name, legacy in unkeyed:
            rid = known.get((org, name))
            if rid is None:
                claimed = waiting.pop(legacy, None)
                if claimed is not None:
                    claimed.org, claimed.supplier_name_norm = org, name
                    rid = claimed.record_id
                else:
                    rid = new_id()
                    s.add(SupplierRecordKey(record_id=rid, org=org, supplier_name_norm=name))
            out.append((org, name, rid, legacy))
        s.commit()
    return out


def cluster_id_sql(key: bytes, column: str) -> tuple[str, list[bytes]]:
    """`cluster_id` as DuckDB SQL over a column (HMAC-SHA256 spelt out), with its two parameters: the
    key's inner and outer pads, passed as parameters so the key never appears in the SQL text."""
    block = (hashlib.sha256(key).digest() if len(key) > 64 else key).ljust(64, b"\0")
    pads = [bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)]
    return f"'S-' || left(sha256($2 || unhex(sha256($1 || encode({column})))), 16)", pads
