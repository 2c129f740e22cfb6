"""The demo collaborative's raw files: each anchor's generated transactions written in its own format."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from anchorage.demo import writers
from anchorage.demo.anchors import ANCHORS
from anchorage.demo.generate import make_transactions
from anchorage.demo.suppliers_gen import build_universe


@dataclass
class DemoFile:
    """One generated raw file and the anchor it belongs to."""

    anchor: str  # anchor display name
    anchor_type: str  # council|nhs-trust|college|housing-association
    kind: str  # "spend" or "suppliers"
    path: Path


def split_counts(transactions: int) -> list[int]:
    """Rows per anchor, in ANCHORS order, summing exactly to the request."""
    counts = [round(transactions * a.share) for a in ANCHORS]
    counts[0] += transactions - sum(counts)
    return [max(c, 50) for c in counts]


def generate_demo_files(
    out_dir: Path, *, seed: int = 2026, transactions: int = 300_000
) -> list[DemoFile]:
    """Write the five anchors' raw spend files and three supplier masters into out_dir."""
    # `transactions` counts payments made, split 40/25/15/8/12 % across ANCHORS. The acute
    # trust publishes only payments of £25,000 and over, so its file holds ~7% of the total.
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    u = build_universe(seed)
    files: list[DemoFile] = []
    for index, (spec, n) in enumerate(zip(ANCHORS, split_counts(transactions), strict=True)):
        t = make_transactions(u, spec, n, seed, index)
        spend_path, master_path = writers.WRITERS[spec.key](t, u, out_dir)
        files.append(DemoFile(spec.name, spec.anchor_type, "spend", spend_path))
        if master_path is not None:
            files.append(DemoFile(spec.name, spec.anchor_type, "suppliers", master_path))
    return files
