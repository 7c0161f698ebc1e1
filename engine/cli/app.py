"""The `rekindle` Typer application.

Each verb lives in its own module under `engine/cli/commands/` and exposes `register(app)`. Modules are
discovered, not listed, so adding a command never touches a shared registry. Command modules keep their
heavy imports inside the command functions so `rekindle --help` stays fast.
"""

from __future__ import annotations

import errno
import importlib
import os
import pkgutil
import sys

from typing import Any

import typer
from typer.core import TyperGroup

from engine import __version__
from engine.cli import commands
from engine.errors import PermanentFailure, RekindleError


class _RekindleGroup(TyperGroup):
    """The one place where a `RekindleError` becomes stderr text and its exit code (engine/errors.py), and
    where every command gets the options all commands share (`--log-format`, engine/cli/options.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _share_options(self)

    arguments: list[str] = []

    def main(self, args: Any = None, *rest: Any, **kwargs: Any) -> Any:
        self.arguments = list(args) if args is not None else sys.argv[1:]  # read by `_json_requested`
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except _UsageError as exc:
            if not _json_requested(self.arguments):
                raise  # Click prints it for people, with the usage line
            _report_usage(exc)
            raise typer.Exit(2) from None
        except RekindleError as exc:
            _report(exc)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:  # noqa: BLE001 - only the machine's own failures are translated, see below
            error = _environment_failure(exc)
            if error is None:
                raise  # a programming error keeps its traceback
            _report(error)
            raise typer.Exit(error.exit_code) from None


_UsageError: type[Exception] = typer.BadParameter.__bases__[0]
"""Click's UsageError (a bad option, value or command: exit 2), reached through Typer's public BadParameter
because Typer may carry its own copy of Click."""

_DISK_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
                errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied"}


def _environment_failure(exc: Exception) -> RekindleError | None:
    """A failure of the machine rather than of Rekindle, as a plain message: a full disk or read-only file
    system (exit 1, nothing a retry fixes), or a database error no command caught (exit 1; exit 3 when the
    connection was lost). Whatever was committed before stays committed; the ledger makes a rerun safe."""
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return PermanentFailure(f"{_DISK_ERRNOS[exc.errno]}{where}; the work done so far is kept, rerun once "
                                "that is fixed")
    database = sys.modules.get("sqlalchemy.exc")  # not imported: the failure cannot be a database error
    if database is not None and isinstance(exc, database.DBAPIError):
        from engine.store.connect import StoreError, database_reason

        return StoreError(f"the store failed: {database_reason(exc)}; the work done so far is kept",
                          unreachable=bool(exc.connection_invalidated))
    return None


def _share_options(group: Any) -> None:
    """Add `--log-format` to every leaf command, in sub-groups (`db`, `suppress`, ...) too."""
    from engine.cli.options import LOG_FORMAT_FLAG, log_format_option

    for command in group.commands.values():
        if hasattr(command, "commands"):
            _share_options(command)
        elif LOG_FORMAT_FLAG not in {opt for param in command.params for opt in param.opts}:
            command.params.append(log_format_option())


def _json_requested(arguments: list[str]) -> bool:
    """Whether the command was asked for JSON logs. A usage error can stop Click before the eager
    `--log-format` callback has run (an unknown option), so the words and the environment are read."""
    from engine.cli.options import LOG_FORMAT_FLAG

    chosen = os.environ.get("REKINDLE_LOG_FORMAT")
    for number, word in enumerate(arguments):
        if word == "--":
            break
        if word == LOG_FORMAT_FLAG and number + 1 < len(arguments):
            chosen = arguments[number + 1]
        elif word.startswith(f"{LOG_FORMAT_FLAG}="):
            chosen = word.partition("=")[2]
    return chosen == "json"


def _report_usage(error: Any) -> None:
    """A usage error (exit 2) as one JSON line, like every other event of a command run with json logs."""
    import logging

    from engine.observability.logs import configure

    configure("json")  # the eager option may not have been reached
    command = error.ctx.command_path if error.ctx is not None else "rekindle"
    logging.getLogger("rekindle.cli").error(error.format_message(), extra={
        "event": "command.usage", "exit_code": 2, "command": command})


def _report(error: RekindleError) -> None:
    from engine.diagnostics.formatters import format_text
    from engine.observability.logs import current_format

    if current_format() == "json":  # one JSON line, like every other event of the command
        import logging

        if not str(error) and not error.diagnostics:
            return  # the command has reported the outcome already (WorkFailed, Unavailable)

        logging.getLogger("rekindle.cli").error(
            str(error) or type(error).__name__, extra={
                "event": "command.failed", "exit_code": int(error.exit_code),
                "diagnostics": [d.to_dict() for d in error.diagnostics]})
        return
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
