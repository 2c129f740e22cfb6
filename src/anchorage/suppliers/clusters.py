"""Finalise a resolution: apply review decisions, choose each record's link, cluster records into suppliers,
enrich them from the register, and write supplier_resolution (the table the spend analysis reads)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from anchorage.reference.names import legal_name_sql, name_norm_sql, trading_name_sql
from anchorage.store.ties import modal_sql
from anchorage.suppliers import model, record_keys
from anchorage.suppliers.enrich import enrich_resolution
from anchorage.suppliers.review import active_decisions, review_queue
from anchorage.workspace import Workspace

_SPEND = "(SELECT * FROM spend WHERE NOT is_redacted)"
_KEYS = ["org", "supplier_name_norm"]
# Every spelling's trading name ("ABC Ltd T/A Tasty Food" -> "Tasty Food"), weighted by spend.
_TRADING = (f"(SELECT org, supplier_name_norm, {trading_name_sql('supplier_name')} AS trading_name, amount "
            f"FROM {_SPEND} UNION ALL SELECT org, supplier_name_norm, {trading_name_sql('supplier_name')}, 0 "
            "FROM supplier_master)")
# One record per (anchor, normalised supplier name): what the anchor's spend and supplier files say, under its
# random id (record_keys.sync must have run on the connection first). Its
# display name is the spelling on most payments, then with most spend, then alphabetically first (ties.py).
RECORDS_SQL = f"""
    WITH sp AS (
        SELECT org, supplier_name_norm, n.supplier_name, v.vat, t.spend
        FROM (SELECT org, supplier_name_norm, sum(amount) AS spend FROM {_SPEND} GROUP BY ALL) t
        LEFT JOIN ({modal_sql(_SPEND, _KEYS, "supplier_name", "amount")}) n USING (org, supplier_name_norm)
        LEFT JOIN ({modal_sql(_SPEND, _KEYS, "vat_number", "amount", alias="vat")}) v USING (org, supplier_name_norm)
    ), ms AS (
        SELECT org, supplier_name_norm, n.supplier_name, v.vat
        FROM (SELECT DISTINCT org, supplier_name_norm FROM supplier_master) t
        LEFT JOIN ({modal_sql("supplier_master", _KEYS, "supplier_name")}) n USING (org, supplier_name_norm)
        LEFT JOIN ({modal_sql("supplier_master", _KEYS, "vat_number", alias="vat")}) v
            USING (org, supplier_name_norm)
    ), named AS (
        SELECT k.record_id, p.org, p.supplier_name_norm,
           coalesce(ms.supplier_name, sp.supplier_name, p.supplier_name_norm) AS supplier_name, tr.trading_name,
           p.postcode, p.company_number, nullif(trim(p.charity_number), '') AS charity_number,
           nullif(coalesce(ms.vat, sp.vat), '') AS vat_number, coalesce(sp.spend, 0) AS spend
    FROM supplier_profile p
    JOIN supplier_record_keys k USING (org, supplier_name_norm)
    LEFT JOIN sp USING (org, supplier_name_norm)
    LEFT JOIN ms USING (org, supplier_name_norm)
    LEFT JOIN ({modal_sql(_TRADING, _KEYS, "trading_name", "amount")}) tr USING (org, supplier_name_norm)
    WHERE p.supplier_name_norm <> 'REDACTED'
    )
    SELECT *, {legal_name_sql('supplier_name')} AS legal_name,
           {name_norm_sql('trading_name')} AS trading_name_norm
    FROM named
    ORDER BY record_id  -- clusters are built in this order, so it must not vary
"""


@dataclass
class ResolveSummary:
    """What a resolution run found, in records and in £ of spend (after review decisions)."""

    records: int = 0
    anchors: int = 0
    register_entities: int = 0
    linked_by_number: int = 0
    linked_by_model: int = 0
    linked_by_review: int = 0
    linked_via_cluster: int = 0
    unmatched: int = 0
    to_review: int = 0
    suppliers: int = 0
    suppliers_across_anchors: int = 0
    spend_total: float = 0.0
    spend_matched: float = 0.0
    spend_unmatched: float = 0.0
    matched_spend_pct: float | None = None
    warnings: int = 0
    decisions_applied: int = 0
    backend: str = "duckdb"
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class _Clusters:
    """Union-find over record ids, refusing to join two clusters linked to different register entities."""

    def __init__(self, ids: list[str], links: dict[str, str | None]) -> None:
        self.parent = {i: i for i in ids}
        self.link = {i: links.get(i) for i in ids}

    def find(self, i: str) -> str:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: str, b: str, *, force: bool = False) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        la, lb = self.link[ra], self.link[rb]
        if la and lb and la != lb and not force:
            return
        if rb < ra:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.link[ra] = la or lb


def _choose_links(records: pd.DataFrame, cands: pd.DataFrame, decisions: list[Any]) -> dict[str, dict[str, Any]]:
    """Each record's link: an accepted one, else the best candidate not rejected, if probable enough."""
    rejected = {(d.record_id, f"{d.register_source}:{d.register_id}") for d in decisions if d.action == "reject"}
    accepted = {d.record_id: d for d in decisions if d.action == "accept"}
    chosen: dict[str, dict[str, Any]] = {}
    cands = cands.sort_values(["record_id", "match_probability", "match_weight", "target"],
                              ascending=[True, False, False, True], na_position="first")
    for rid, group in cands.groupby("record_id", sort=False):
        rows = [r for r in group.to_dict("records") if (rid, r["target"]) not in rejected]
        if not rows:
            continue
        best = rows[0]
        runner = rows[1] if len(rows) > 1 else None
        ambiguous = (best["method"] == "model" and runner is not None
                     and runner["match_probability"] >= best["match_probability"] - 1e-9)
        if best["match_probability"] >= model.REVIEW_THRESHOLD and not ambiguous:
            chosen[str(rid)] = best
    for rid, d in accepted.items():
        chosen[rid] = {"target": f"{d.register_source}:{d.register_id}", "match_probability": 1.0,
                       "method": "review: accepted", "explanation": f"accepted by {d.decided_by or 'a reviewer'}"
                       + (f": {d.note}" if d.note else "")}
    return chosen


def _trading_name_pairs(records: pd.DataFrame) -> list[tuple[str, str]]:
    """(record, record) pairs to join: "ABC Ltd T/A Tasty Food" with another record named just "Tasty Food".

    Names compare without spaces ("MatherCare" is "Mather Care"). A plain name claimed as the trading name of
    two different legal names (two franchisees of one brand) joins neither: that would join the two firms.
    """
    squash = records["supplier_name_norm"].str.replace(" ", "", regex=False)
    plain: dict[str, list[str]] = {}
    for rid, name, trading in zip(records["record_id"], squash, records["trading_name_norm"], strict=True):
        if not isinstance(trading, str):
            plain.setdefault(name, []).append(rid)
    claims: dict[str, list[tuple[str, str]]] = {}
    for rid, name, trading in zip(records["record_id"], squash, records["trading_name_norm"], strict=True):
        if isinstance(trading, str):
            claims.setdefault(trading.replace(" ", ""), []).append((rid, name))
    pairs = []
    for trading, claimants in claims.items():
        if trading in plain and len({name for _, name in claimants}) == 1:
            pairs += [(rid, other) for rid, _ in claimants for other in plain[trading]]
    return pairs


def finalise(ws: Workspace) -> ResolveSummary:
    """Apply decisions to the stored candidates and (re)write supplier_resolution; returns the summary."""
    with ws.session() as session:
        decisions = active_decisions(session)
    with ws.warehouse() as con:
        record_keys.sync(ws, con)
        records = con.execute(RECORDS_SQL).df()
        cands = con.execute("SELECT *, source || ':' || register_id AS target FROM supplier_candidates").df()
        # An entity filed under several names shows the alphabetically first (as suppliers/enrich.py does).
        names = dict(con.execute("SELECT source || ':' || register_id, min(name) FROM register_entities "
                                 "GROUP BY 1").fetchall()) if len(cands) or decisions else {}
        chosen = _choose_links(records, cands, decisions)
        ids = records["record_id"].tolist()
        uf = _Clusters(ids, {r: c["target"] for r, c in chosen.items()})
        split = {d.record_id for d in decisions if d.action == "split"}
        records["name_squash"] = records["supplier_name_norm"].str.replace(" ", "", regex=False)
        for key in ("target", "company_number", "charity_number", "vat_number", "name_squash"):
            values = (records["record_id"].map(lambda r: chosen.get(r, {}).get("target")) if key == "target"
                      else records[key])
            first: dict[str, str] = {}
            for rid, v in zip(ids, values.tolist(), strict=True):
                if v is None or v != v or rid in split:
                    continue
                if v in first:
                    uf.union(first[v], rid)
                else:
                    first[v] = rid
        for a, b in _trading_name_pairs(records):
            if a not in split and b not in split:
                uf.union(a, b)
        for d in decisions:
            if d.action == "merge" and d.other_record_id in uf.parent and d.record_id in uf.parent:
                uf.union(d.record_id, d.other_record_id, force=True)
        out = _rows(records, chosen, uf, names, record_keys.cluster_key(ws))
        con.begin()
        try:
            con.execute("DELETE FROM supplier_resolution")
            if len(out):
                con.register("resolution_frame", out)
                con.execute("INSERT INTO supplier_resolution SELECT * FROM resolution_frame")
                con.unregister("resolution_frame")
            enrich_resolution(con)
            con.commit()
        except BaseException:
            con.rollback()
            raise
        summary = _summarise(con, records)
    summary.decisions_applied = len(decisions)
    summary.to_review = len(review_queue(ws, limit=None))
    return summary


def _rows(records: pd.DataFrame, chosen: dict[str, dict[str, Any]], uf: _Clusters,
          names: dict[str, str], key: bytes) -> pd.DataFrame:
    rows = []
    for r in records.to_dict("records"):
        rid = r["record_id"]
        root = uf.find(rid)
        own = chosen.get(rid)
        link = own
        if own is None and uf.link[root]:
            donor = next((c for k, c in chosen.items() if c["target"] == uf.link[root] and uf.find(k) == root), None)
            if donor is not None:
                link = {**donor, "method": "same supplier as another record",
                        "explanation": f"clustered with a record linked by {donor['method']}"}
        source, register_id = (link["target"].split(":", 1) if link else (None, None))
        rows.append({
            "org": r["org"], "supplier_name_norm": r["supplier_name_norm"], "record_id": rid,
            "supplier_name": r["supplier_name"], "supplier_id": record_keys.cluster_id(key, root),
            "register_source": source, "register_id": register_id,
            "register_name": names.get(link["target"]) if link else None,
            "match_probability": float(link["match_probability"]) if link else None,
            "method": link["method"] if link else None,
            "explanation": link["explanation"] if link else None,
            "registered_postcode": None, "sector": None, "register_sme": None, "register_vcse": None,
            "warning": None,
        })
    cols = ["org", "supplier_name_norm", "record_id", "supplier_name", "supplier_id", "register_source",
            "register_id", "register_name", "match_probability", "method", "explanation", "registered_postcode",
            "sector", "register_sme", "register_vcse", "warning"]
    frame = pd.DataFrame(rows, columns=cols)
    for c in ("register_sme", "register_vcse"):
        frame[c] = frame[c].astype("boolean")
    return frame


def _summarise(con: Any, records: pd.DataFrame) -> ResolveSummary:
    s = ResolveSummary(records=len(records), anchors=int(records["org"].nunique()) if len(records) else 0)
    row = con.execute("""
        SELECT count(*) FILTER (method IN ('company number', 'charity number')),
               count(*) FILTER (method = 'model'), count(*) FILTER (method LIKE 'review%'),
               count(*) FILTER (method = 'same supplier as another record'), count(*) FILTER (method IS NULL),
               count(DISTINCT supplier_id), count(*) FILTER (warning IS NOT NULL)
        FROM supplier_resolution
    """).fetchone()
    (s.linked_by_number, s.linked_by_model, s.linked_by_review, s.linked_via_cluster, s.unmatched,
     s.suppliers, s.warnings) = row
    s.suppliers_across_anchors = con.execute(
        "SELECT count(*) FROM (SELECT supplier_id FROM supplier_resolution GROUP BY 1 HAVING count(DISTINCT org) > 1)"
    ).fetchone()[0]
    spend = con.execute("""
        SELECT coalesce(sum(s.amount), 0), coalesce(sum(s.amount) FILTER (r.register_id IS NOT NULL), 0)
        FROM spend s LEFT JOIN supplier_resolution r USING (org, supplier_name_norm)
    """).fetchone()
    s.spend_total, s.spend_matched = float(spend[0]), float(spend[1])
    s.spend_unmatched = round(s.spend_total - s.spend_matched, 2)
    s.matched_spend_pct = round(s.spend_matched / s.spend_total, 4) if s.spend_total else None
    return s
