"""The procurement working group's files as import kinds on the one pipeline (ingest.kinds): contract
registers, OCDS notices, social value commitments and delivery reports, and LM3 re-spend surveys.

Importing this module registers them: `ingest.kinds.get(name).load(ws, path, org)` loads any of them."""

from __future__ import annotations

from anchorage.contracts.importer import import_contracts
from anchorage.contracts.ocds_load import import_ocds
from anchorage.ingest.kinds import ImportKind, register
from anchorage.socialvalue import fields as sv
from anchorage.socialvalue.imports import import_commitments, import_deliveries, import_lm3_survey

KINDS = (
    # A register (CSV/XLSX) or OCDS JSON, told apart by content; a register ADDS to the anchor's contracts.
    register(
        ImportKind(
            "contracts",
            "Contract register, or published contract notices",
            import_contracts,
            money=True,
            scope="anchor-or-collaborative",
            web=True,
        )
    ),
    # An anchor's OCDS file, or a whole area's (no anchor): each release goes to its buyer's anchor, or to
    # the area's public notices when the buyer is not an anchor. OCDS files ADD releases.
    register(
        ImportKind(
            "ocds",
            "OCDS notices (Contracts Finder, Find a Tender)",
            import_ocds,
            money=True,
            scope="anchor-or-collaborative",
        )
    ),
    register(
        ImportKind(sv.COMMITMENT_KIND, "Social value commitments", import_commitments, web=True)
    ),
    register(
        ImportKind(sv.DELIVERY_KIND, "Social value delivery report", import_deliveries, web=True)
    ),
    register(
        ImportKind(
            sv.LM3_KIND,
            "LM3 supplier re-spend survey answers",
            import_lm3_survey,
            money=True,
            web=True,
        )
    ),
)
