"""`anchorage`: the command line. Each command parses arguments, calls the library and renders.

The commands are listed here with their one-line help; the module defining one is imported only when that
command runs (cli/lazy.py), so that `anchorage --help` or `anchorage jobs list` does not import the whole
program (issue 18).
"""

from __future__ import annotations

import os
import sys
from types import ModuleType

import typer
from rich.markup import escape

from anchorage.cli import handoff
from anchorage.cli.console import err
from anchorage.cli.lazy import Lazy, LazyGroup
from anchorage.core.errors import AnchorageError

# (name, cli module, its command or Typer app, one-line help), in the order `anchorage --help` lists them.
# tests/test_cli_start.py checks each help here against the command's own.
COMMANDS = (
    Lazy(
        "serve",
        "web",
        "serve",
        "Start the web workspace (pages and JSON API) on this workspace; it owns the workspace's data while "
        "it runs.",
    ),
    Lazy(
        "init",
        "toplevel",
        "init",
        "Create a workspace: config, DuckDB warehouse, records DB and a folder for raw files.",
    ),
    Lazy(
        "migrate",
        "toplevel",
        "migrate",
        "Bring the workspace's warehouse and records database up to this version's schema (safe to repeat).",
    ),
    Lazy(
        "report",
        "toplevel",
        "report",
        "Write the offline HTML report, an XLSX workbook and a CSV of every table.",
    ),
    Lazy(
        "demo",
        "toplevel",
        "demo",
        "Build the demo collaborative (5 anchors, 3 years of spend), analyse it, write the report and offer "
        "the web workspace.",
    ),
    Lazy("org", "spend", "org_app", "Anchors (the institutions in the collaborative)."),
    Lazy(
        "quarantine",
        "uploads",
        "quarantine_app",
        "Quarantine: the rows an upload did not load, as a workbook to fix and upload again.",
    ),
    Lazy("spend", "spend", "spend_app", "Spend: load payments and analyse where they go."),
    Lazy(
        "suppliers",
        "suppliers",
        "suppliers_app",
        "Suppliers: supplier files, the registers, one supplier across all anchors.",
    ),
    Lazy(
        "geo",
        "spend",
        "geo_app",
        "Reference geography: ONSPD/NSPL postcodes, IMD, area names, boundaries.",
    ),
    Lazy(
        "reference",
        "reference",
        "reference_app",
        "Reference data: download NSPL, IMD, Companies House and the charity register, check them and "
        "import them.",
    ),
    Lazy("users", "web", "users_app", "Web workspace accounts."),
    Lazy("tokens", "web", "tokens_app", "API tokens: list the ones that work and revoke them."),
    Lazy(
        "workforce",
        "workforce",
        "workforce_app",
        "Workforce: load staff extracts and see the anchor indicators (suppressed).",
    ),
    Lazy(
        "apprenticeships",
        "workforce",
        "apprenticeships_app",
        "Shared apprenticeships: programmes, host placements, rotations.",
    ),
    Lazy(
        "levy",
        "workforce",
        "levy_app",
        "Levy pool: pay bills, commitments, transfers and the ledger.",
    ),
    Lazy(
        "bid",
        "workforce",
        "bid_app",
        "Collective employment-programme bids, checked against a programme's rules (editable templates).",
    ),
    Lazy("he", "workforce", "he_app", "Higher-education partners register."),
    Lazy(
        "assets",
        "assets",
        "assets_app",
        "Assets: the anchors' land and buildings, their use, reviews, ACV and transfers.",
    ),
    Lazy(
        "spaces",
        "assets",
        "spaces_app",
        "Community spaces: anchors' spaces, groups' needs, matches and bookings.",
    ),
    Lazy(
        "socialvalue",
        "socialvalue",
        "socialvalue_app",
        "Social value: the measures framework, suppliers' commitments and delivery.",
    ),
    Lazy(
        "lm3",
        "socialvalue",
        "lm3_app",
        "Local multiplier (LM3): supplier re-spend surveys and the what-if simulator.",
    ),
    Lazy(
        "pipeline",
        "pipeline",
        "pipeline_app",
        "Contracts and the pipeline: registers, OCDS, and contracts to buy together.",
    ),
    Lazy(
        "lake",
        "lake",
        "lake_app",
        "The lake: the warehouse as Parquet files for Spark (national scale).",
    ),
    Lazy(
        "uploads",
        "uploads",
        "uploads_app",
        "Uploads: list what was loaded; restore an earlier asset register, supplier master or staff "
        "extract.",
    ),
    Lazy("docs", "docs", "docs_app", "Documentation written from Anchorage itself."),
    Lazy(
        "jobs",
        "jobs",
        "jobs_app",
        "Jobs: loads, supplier matching, new figures and reports that run in the background.",
    ),
)


def command_module(name: str) -> ModuleType:
    """The cli module named, imported now (plain imports, so that tests/test_architecture.py sees them)."""
    if name == "web":
        from anchorage.cli import web

        return web
    if name == "toplevel":
        from anchorage.cli import toplevel

        return toplevel
    if name == "spend":
        from anchorage.cli import spend

        return spend
    if name == "uploads":
        from anchorage.cli import uploads

        return uploads
    if name == "suppliers":
        from anchorage.cli import suppliers

        return suppliers
    if name == "reference":
        from anchorage.cli import reference

        return reference
    if name == "workforce":
        from anchorage.cli import workforce

        return workforce
    if name == "assets":
        from anchorage.cli import assets

        return assets
    if name == "socialvalue":
        from anchorage.cli import socialvalue

        return socialvalue
    if name == "pipeline":
        from anchorage.cli import pipeline

        return pipeline
    if name == "lake":
        from anchorage.cli import lake

        return lake
    if name == "docs":
        from anchorage.cli import docs

        return docs
    if name == "jobs":
        from anchorage.cli import jobs

        return jobs
    raise LookupError(f"no cli module {name}")


class Root(LazyGroup):
    entries = COMMANDS

    @staticmethod
    def load(module: str) -> ModuleType:
        return command_module(module)


app = typer.Typer(
    cls=Root,
    help="Anchorage: where an anchor collaborative's spend, jobs and buildings go.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    # Typer makes a group of an app with a callback; its commands are Root's.
    pass


def run(argv: list[str]) -> int:
    """Run one command in this process; turn library errors into plain sentences, never a traceback."""
    try:
        app(args=argv, prog_name="anchorage", standalone_mode=False)
        return 0
    except AnchorageError as exc:
        err.print(f"[bold red]Error:[/] {escape(exc.message)}", highlight=False)
        if exc.fix:
            err.print(f"[bold]Fix:[/] {escape(exc.fix)}", highlight=False)
        return 1
    except (typer.Abort, KeyboardInterrupt):
        err.print("Stopped.")
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 0 if exc.code is None else 1
    except Exception as exc:  # the last line of defence: still a sentence, not a traceback
        if hasattr(exc, "show") and isinstance(
            getattr(exc, "exit_code", None), int
        ):  # a usage error
            exc.show()
            return int(getattr(exc, "exit_code"))  # noqa: B009
        if os.environ.get("ANCHORAGE_DEBUG"):
            raise
        err.print(f"[bold red]Unexpected error:[/] {type(exc).__name__}: {exc}", highlight=False)
        err.print(
            "This is a bug in Anchorage. Run again with ANCHORAGE_DEBUG=1 to see the details, and report it."
        )
        return 2


handoff.set_runner(run)


def main() -> None:
    """The `anchorage` program: a command runs on the workspace's web server when one owns it, else here."""
    argv = sys.argv[1:]
    code = handoff.forward(argv)
    sys.exit(run(argv) if code is None else code)


if __name__ == "__main__":
    main()
