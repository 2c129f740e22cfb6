"""`anchorage docs cli`: the command-line reference (docs/cli.md), written from the commands themselves.

Every command, argument and option comes from the Typer app at run time, so the reference cannot fall
behind the program; a test fails when docs/cli.md differs from what this writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from anchorage.cli.common import out
from anchorage.core.errors import AnchorageError

docs_app = typer.Typer(help="Documentation written from Anchorage itself.", no_args_is_help=True)

HEADER = """# Command-line reference

Every `anchorage` command with its arguments and options. This page is written by
`anchorage docs cli` from the program itself: do not edit it by hand; run that command after changing a
command. Every command also takes `--help`. Commands that work on a workspace take `--workspace DIR`
(default: `$ANCHORAGE_WORKSPACE`, else the current folder).
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _walk(command: Any, ctx: typer.Context) -> Iterator[tuple[typer.Context, Any]]:
    """Each command under (and including) this one, in the order `--help` lists them."""
    yield ctx, command
    if hasattr(command, "list_commands"):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                yield from _walk(sub, typer.Context(sub, info_name=name, parent=ctx))


def _section(ctx: typer.Context, command: Any) -> list[str]:
    params = [p for p in command.get_params(ctx) if p.name != "help"]
    args = [p for p in params if p.param_type_name == "argument"]
    usage = [ctx.command_path]
    if [p for p in params if p.param_type_name == "option"]:
        usage.append("[OPTIONS]")
    for p in args:
        name = (p.name or "").upper()
        name = f"{name}..." if p.nargs == -1 else name
        usage.append(name if p.required else f"[{name}]")
    if hasattr(command, "list_commands"):
        usage.append("COMMAND [ARGS]...")
    lines = [
        f"## `{ctx.command_path}`",
        "",
        _cell(command.help or ""),
        "",
        "```",
        " ".join(usage),
        "```",
        "",
    ]
    if params:
        lines += ["| Argument or option | What it does |", "| --- | --- |"]
        for p in params:
            names, helptext = p.get_help_record(ctx) or (p.name or "", "")
            if p.param_type_name == "argument":
                names = (p.name or "").upper()
            helptext = helptext.replace("[required]", "").strip()
            what = " ".join(x for x in (_cell(helptext), "(required)" if p.required else "") if x)
            lines.append(f"| `{_cell(names)}` | {what} |")
        lines.append("")
    if hasattr(command, "list_commands"):
        subs = [(n, command.get_command(ctx, n)) for n in command.list_commands(ctx)]
        lines += ["| Command | What it does |", "| --- | --- |"]
        for name, sub in subs:
            if sub is not None and not sub.hidden:
                anchor = f"{ctx.command_path} {name}".replace(" ", "-")
                lines.append(
                    f"| [`{name}`](#{anchor}) | {_cell(sub.get_short_help_str(limit=200))} |"
                )
        lines.append("")
    return lines


def cli_reference(root: Any, prog: str = "anchorage") -> str:
    """The Markdown reference of a Click/Typer command tree."""
    lines = [HEADER]
    for ctx, command in _walk(root, typer.Context(root, info_name=prog)):
        lines += _section(ctx, command)
    return "\n".join(lines).rstrip() + "\n"


@docs_app.command("cli")
def docs_cli(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the reference.")] = Path(
        "docs/cli.md"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; fail if the file is out of date.")
    ] = False,
) -> None:
    """Write the command-line reference (docs/cli.md) from the commands themselves."""
    text = cli_reference(ctx.find_root().command)
    if check:
        current = out_file.read_text(encoding="utf-8") if out_file.exists() else ""
        if current != text:
            raise AnchorageError(
                f"{out_file} does not match the commands.",
                fix="Run `anchorage docs cli` and commit the file it writes.",
            )
        out.print(f"{out_file} is up to date.")
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    out.print(f"Wrote {out_file}")
