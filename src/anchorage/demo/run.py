"""Build, load, analyse and report the demo collaborative end to end, through the public library."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from anchorage import config as cfgmod
from anchorage.access.demo_users import create_demo_users
from anchorage.core.errors import WorkspaceError
from anchorage.ingest.progress import Progress
from anchorage.workspace import CONFIG_NAME, Workspace

DEMO_NAME = "Lewisham Anchor Collaborative (demo)"
REFERENCE = Path(__file__).parent / "reference"
# Lewisham is local; the South London boroughs are the sub-region; London (E12000007) is the region.
LEWISHAM = "E09000023"
SOUTH_LONDON = [
    "E09000004",
    "E09000006",
    "E09000008",
    "E09000011",
    "E09000021",
    "E09000022",
    "E09000024",
    "E09000027",
    "E09000028",
    "E09000029",
    "E09000032",
]
REFERENCE_FILES = [
    "la_all_codes.csv",
    "lewisham_wards.csv",
    "lewisham_postcodes.csv",
    "nspl_WC.csv",
    "nspl_SM.csv",
    "nspl_HG.csv",
    "nspl_TF.csv",
    "imd2019_lsoa11.csv",
    "lewisham_wards.geojson",
    "lewisham_lsoa11.geojson",
]


def demo_config() -> cfgmod.Config:
    return cfgmod.Config(
        collaborative=DEMO_NAME,
        place=cfgmod.Place(
            local=[LEWISHAM], sub_region=SOUTH_LONDON, region="E12000007", name="Lewisham"
        ),
    )


def run_demo(
    root: Path,
    *,
    transactions: int = 300_000,
    seed: int = 2026,
    progress: Progress | None = None,
    say: Callable[[str], None] = print,
) -> Path:
    """Create the demo workspace at `root` (replacing an earlier demo there); return the report's path."""
    from anchorage.demo.assets_gen import load_demo_assets
    from anchorage.demo.files import generate_demo_files
    from anchorage.ingest.spend import ingest_spend
    from anchorage.ingest.suppliers import ingest_suppliers
    from anchorage.reference.load import import_reference
    from anchorage.reports.assets_report import build_assets_report
    from anchorage.reports.build import build_report

    if (root / CONFIG_NAME).exists():
        if cfgmod.load(root / CONFIG_NAME).collaborative != DEMO_NAME:
            raise WorkspaceError(
                f"{root} holds a real workspace, not the demo; it was left untouched.",
                fix="Choose another folder with --workspace.",
            )
        shutil.rmtree(root)
    say(f"Generating {transactions:,} payments for 5 anchors (seed {seed})…")
    files = generate_demo_files(root / "inputs", seed=seed, transactions=transactions)
    cfg = demo_config()
    for f in files:
        if not any(a.name == f.anchor for a in cfg.anchors):
            cfg.add_anchor(f.anchor, f.anchor_type)
    ws = Workspace.create(root, cfg)
    say("Importing the real ONS geography shipped with Anchorage (Lewisham, London, rest of UK)…")
    import_reference(ws, [REFERENCE / name for name in REFERENCE_FILES])
    for f in sorted(files, key=lambda f: f.kind != "suppliers"):
        load = ingest_suppliers if f.kind == "suppliers" else ingest_spend
        s = load(ws, f.path, f.anchor, progress=progress)
        money = f" (£{s.amount_loaded:,.0f})" if s.amount_loaded is not None else ""
        say(
            f"  {f.anchor}: {f.path.name}: {s.rows_read:,} read, {s.rows_loaded:,} loaded{money}, "
            f"{s.rows_quarantined:,} quarantined"
        )
    say("Importing the demo's generated Companies House and Charity Commission registers…")
    from anchorage.demo.register import write_demo_registers
    from anchorage.demo.suppliers_gen import build_universe
    from anchorage.suppliers.registers import import_register
    from anchorage.suppliers.resolve import resolve

    universe = build_universe(seed)
    ch, charities = write_demo_registers(universe, root / "inputs" / "registers")
    import_register(ws, "companies_house", ch, progress=progress)
    import_register(ws, "charity_commission", [charities], progress=progress)
    r = resolve(ws, progress=progress)
    pct = f"{r.matched_spend_pct * 100:.0f}%" if r.matched_spend_pct is not None else "—"
    say(
        f"  {r.records:,} anchor suppliers → {r.suppliers:,} suppliers; {pct} of spend matched to a register "
        f"(£{r.spend_matched:,.0f}), £{r.spend_unmatched:,.0f} not matched; {r.to_review:,} matches to review"
    )
    say("Importing the anchors' contract registers and the council's OCDS notices…")
    from anchorage.demo.contracts_gen import load_demo_contracts

    load_demo_contracts(ws, root / "inputs" / "contracts", seed=seed, say=say)
    from anchorage.demo.directory_gen import load_demo_directory

    joined = load_demo_directory(ws, universe, seed=seed)
    say(f"  {joined} local small suppliers and VCSEs in the public supplier directory")
    say("Loading the anchors' land and buildings, occupancy, spaces and community needs…")
    load_demo_assets(ws, root / "inputs", seed=seed, say=say)
    say("Loading suppliers' social value commitments, delivery reports and LM3 survey answers…")
    from anchorage.demo.socialvalue_gen import load_demo_socialvalue

    load_demo_socialvalue(ws, root / "inputs" / "socialvalue", seed=seed, say=say)
    say("Analysing and writing the reports…")
    assets_page = build_assets_report(ws, root / "report")
    say(f"Assets report: {assets_page}")
    report = build_report(ws, root / "report")["html"]
    from anchorage.demo.workforce_run import run_workforce_demo

    run_workforce_demo(ws, root, seed=seed, say=say)
    create_demo_users(ws)
    return report
