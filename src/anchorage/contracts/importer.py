"""One entry point for `pipeline import`: a contract register (CSV/XLSX) or any OCDS JSON form."""

from __future__ import annotations

from pathlib import Path

from anchorage.contracts.ocds_load import import_ocds
from anchorage.contracts.register import import_register
from anchorage.core.errors import AnchorageError, InputFileError
from anchorage.ingest.progress import Progress
from anchorage.ingest.result import ImportSummary
from anchorage.workspace import Workspace


def is_json(path: Path) -> bool:
    """JSON by content: the first non-blank character opens an object or an array."""
    if not path.is_file():
        raise InputFileError(
            str(path), "the file does not exist.", fix="Check the path and try again."
        )
    with path.open("rb") as fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head[:1] in (b"{", b"[")


def import_contracts(
    ws: Workspace,
    path: Path,
    org: str | None,
    *,
    mapping_file: Path | None = None,
    progress: Progress | None = None,
    buyers: list[str] | None = None,
) -> ImportSummary:
    """Load an anchor's contract register, or an OCDS file: an anchor's (`org`), or a whole area's (no `org`:
    each release is filed under its buyer's anchor, see contracts.ocds_buyers)."""
    path = Path(path)
    if is_json(path):
        if mapping_file is not None:
            raise InputFileError(
                str(path),
                "is OCDS JSON, which needs no column mapping.",
                web_fix="Upload it without a column mapping.",
                fix="Leave out --mapping.",
            )
        return import_ocds(ws, path, org or None, buyers=buyers, progress=progress)
    if buyers:
        raise InputFileError(
            str(path),
            "is a contract register, whose rows are the anchor's own: --buyer is for "
            "OCDS files that name several buyers.",
            web_fix="Upload it without choosing buyers.",
            fix="Leave out --buyer.",
        )
    if not org:
        raise AnchorageError(
            f"{path.name} is a contract register: say whose it is.",
            web_fix="Choose the anchor whose register it is, then upload it again.",
            fix='Load it with --org "Anchor name".',
        )
    return import_register(ws, path, org, mapping_file=mapping_file, progress=progress)
