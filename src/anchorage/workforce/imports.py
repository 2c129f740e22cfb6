"""The workforce files as import kinds on the one pipeline: pay bills, levy commitments, programmes, host
placements, apprentices, pledges, starts and HE engagements.

A file loaded for an anchor (`org`) replaces only that anchor's rows; a collaborative-wide file (no `org`)
names each row's anchor and replaces only the anchors it names. Bad rows are quarantined with their reason;
the same file twice adds nothing. Apprentices, starts and pledges (contact details) are personal data: no
copy of the file is kept."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anchorage.ingest.kinds import ImportKind, register
from anchorage.ingest.record_files import Check, FileColumn, RecordsKind, Row, replace_rows
from anchorage.store.workforce_records import HEEngagement
from anchorage.workforce.apprentice_imports import (
    apprentices_kind,
    placements_kind,
    programmes_kind,
)
from anchorage.workforce.bid_imports import pledges_kind, starts_kind
from anchorage.workforce.import_common import importer, positive, sql_in, where_anchor
from anchorage.workforce.levy_imports import commitments_kind, paybill_kind
from anchorage.workspace import Workspace

HE_KINDS = ("placements", "curriculum", "research", "recruitment", "civic")
PARTNER_TYPES = ("university", "college")


# --- HE partners ---------------------------------------------------------------------------------------------


def _he_write(session: Session, scope: set[str], rows: list[Row]) -> set[str]:
    new = [
        {
            "org": r["_anchor"],
            "partner": r["partner"],
            "partner_type": r["partner_type"].lower(),
            "kind": r["kind"].lower(),
            "title": r["title"],
            "start_date": r["start_date"],
            "outcome": (r["outcome"] or "ongoing").lower(),
            "people": r["people"] or 0,
            "upload_id": r["upload_id"],
        }
        for r in rows
    ]
    return replace_rows(session, HEEngagement, where_anchor(HEEngagement.org, scope), new)


def he_kind(ws: Workspace) -> RecordsKind:
    return RecordsKind(
        "he-engagements",
        "HE engagements",
        [
            FileColumn("partner"),
            FileColumn("partner_type"),
            FileColumn("kind"),
            FileColumn("title"),
            FileColumn("start_date", "date"),
            FileColumn("outcome", required=False),
            FileColumn("people", "int", required=False),
        ],
        _he_write,
        HEEngagement,
        checks=[
            Check(
                f'"kind" IS NOT NULL AND lower("kind") NOT IN {sql_in(HE_KINDS)}',
                f"""'kind "' || "kind" || '" is not one of {", ".join(HE_KINDS)}'""",
                "kind",
            ),
            Check(
                f'"partner_type" IS NOT NULL AND lower("partner_type") NOT IN {sql_in(PARTNER_TYPES)}',
                """'partner type "' || "partner_type" || '" is not university or college'""",
                "partner_type",
            ),
            positive("people", "people", zero_ok=True),
        ],
    )


# --- the registered kinds --------------------------------------------------------------------------------------

import_pay_bills = importer(paybill_kind)
import_commitments = importer(commitments_kind)
import_programmes = importer(programmes_kind)
import_placements = importer(placements_kind)
import_apprentices = importer(apprentices_kind)
import_pledges = importer(pledges_kind)
import_starts = importer(starts_kind)
import_engagements = importer(he_kind)

WORKFORCE_KINDS = [
    register(
        ImportKind(
            "levy-paybill",
            "Levy: monthly pay bills",
            import_pay_bills,
            money=True,
            scope="anchor-or-collaborative",
        )
    ),
    register(
        ImportKind(
            "levy-commitments",
            "Levy: commitments and transfers",
            import_commitments,
            money=True,
            scope="anchor-or-collaborative",
        )
    ),
    register(
        ImportKind(
            "programmes", "Apprenticeship programmes", import_programmes, scope="collaborative"
        )
    ),
    register(
        ImportKind(
            "placements", "Host placements", import_placements, scope="anchor-or-collaborative"
        )
    ),
    register(
        ImportKind(
            "apprentices",
            "Apprentices",
            import_apprentices,
            personal=True,
            scope="anchor-or-collaborative",
        )
    ),
    register(
        ImportKind(
            "pledges", "Bid pledges", import_pledges, personal=True, scope="anchor-or-collaborative"
        )
    ),
    register(
        ImportKind(
            "starts",
            "Bid starts and outcomes",
            import_starts,
            personal=True,
            scope="anchor-or-collaborative",
        )
    ),
    register(
        ImportKind(
            "he-engagements",
            "HE partner engagements",
            import_engagements,
            scope="anchor-or-collaborative",
        )
    ),
]
