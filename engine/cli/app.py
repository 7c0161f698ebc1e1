"""The `rekindle` Typer application.

Each verb lives in its own module under `engine/cli/commands/` and exposes `register(app)`. Modules are
discovered, not listed, so adding a command never touches a shared registry. Command modules keep their
heavy imports inside the command functions so `rekindle --help` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil

from typing import Any

import typer
from typer.core import TyperGroup

from engine import __version__
from engine.cli import commands
from engine.errors import RekindleError


class _RekindleGroup(TyperGroup):
    """The one place where a `RekindleError` becomes stderr text and its exit code (engine/errors.py)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except RekindleError as exc:
            _report(exc)
            raise typer.Exit(exc.exit_code) from None


def _report(error: RekindleError) -> None:
    from engine.diagnostics.formatters import format_text

    if error.diagnostics:
        typer.echo(format_text(error.diagnostics), err=True)
    if str(error):
        typer.echo(f"error: {error}", err=True)


app = typer.Typer(
    name="rekindle",
    cls=_RekindleGroup,
    help=(
        "Rules-based lifecycle campaigns: validate rule files, compute audiences in SQL, "
        "run multi-step email sequences and preview them.\n\n"
        "Exit codes: 0 success, 1 invalid input or failed work, 2 usage error, "
        "3 a required service (SMTP) was unreachable."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"rekindle {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    """Rekindle command line."""


def _register_commands() -> None:
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{commands.__name__}.{module_info.name}")
        module.register(app)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    app()
