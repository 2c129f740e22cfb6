"""A command group that imports a command's module only when that command runs.

`anchorage --help` lists every command with its one-line help, kept in cli/main.py, without importing the
modules that define them (and the services, DuckDB, pandas, FastAPI... that those import). A command's module
is imported when the command is invoked, asked for its own `--help`, completed or written into the reference
(`anchorage docs cli`); from then on the group holds the real command.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar

import typer
from typer import _click as click  # Typer carries its own Click; its groups and commands are these
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class Lazy:
    """One command of the group: its name, the cli module and attribute that define it, its one-line help.

    The attribute is a Typer app (a group of commands) or a command function."""

    name: str
    module: str
    attribute: str
    help: str


class LazyGroup(TyperGroup):
    """A Typer group whose commands are `entries`, each imported by `load(module)` on first real use."""

    entries: ClassVar[tuple[Lazy, ...]] = ()

    @staticmethod
    def load(module: str) -> ModuleType:
        """The cli module named (a subclass says how to import it)."""
        raise NotImplementedError

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self._lazy = {e.name: e for e in self.entries}
        self._listing = False
        # Placeholders, in order: enough to list the commands and to suggest one for a mistyped name.
        for e in self.entries:
            self.commands[e.name] = TyperCommand(name=e.name, help=e.help)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True  # the help lists the commands: their placeholders do
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if not self._listing and cmd_name in self._lazy:
            self.commands[cmd_name] = self.real(self._lazy.pop(cmd_name))
        return self.commands.get(cmd_name)

    def real(self, entry: Lazy) -> click.Command:
        """The entry's command, made as `app.add_typer(sub, name=...)` or `app.command()(f)` would make it."""
        found = getattr(self.load(entry.module), entry.attribute)
        holder = typer.Typer(
            callback=lambda: None,  # a group, whatever it holds
            add_completion=False,
            pretty_exceptions_enable=False,
            rich_markup_mode=self.rich_markup_mode,
            suggest_commands=self.suggest_commands,
        )
        if isinstance(found, typer.Typer):
            holder.add_typer(found, name=entry.name)
        else:
            holder.command()(found)
        group = typer.main.get_command(holder)
        assert isinstance(group, TyperGroup)
        return group.commands[entry.name]
