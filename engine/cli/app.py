"""The `rekindle` Typer application.

Each verb lives in its own module under `engine/cli/commands/` and exposes `register(app)`, naming every
command it adds. Modules are discovered, not listed, so adding a command never touches a shared registry.
Command modules keep their heavy imports inside the command functions, and a command is built (Typer reads
its function's signature) only when it is looked up, so one run builds one command and start-up stays small
(bench/startup.py); `rekindle --help` builds them all. A run imports only the module named like its command
(`audience` from `audience.py`, `import` from `import_.py`) when that module registers it; any other name
(`resume`, a typo, `--help`) imports every module, so the answer is always the one full discovery gives.
"""

from __future__ import annotations

import errno
import gc
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup

from engine import __version__
from engine.cli import commands
from engine.errors import ExitCode, PermanentFailure, RekindleError


class _RekindleGroup(TyperGroup):
    """The one place where a `RekindleError` becomes stderr text and its exit code (engine/errors.py), and
    where every command gets the options all commands share (`--log-format`, engine/cli/options.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()

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
            raise typer.Exit(ExitCode.USAGE) from None
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


class _Commands(MutableMapping[str, Any]):
    """The top-level commands by name, each Click command built from its module's Typer app on first lookup
    (with the shared options added) and kept. Looking one name up imports the module named like it, if that
    module registers it; listing them (or any other name) imports every command module once."""

    def __init__(self) -> None:
        self._sources: dict[str, typer.Typer] | None = None
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            source = _named_source(name) if self._sources is None else None
            if source is None:
                source = self.sources()[name]
            for built_name, command in typer.main.get_group(source).commands.items():
                _share_options(command)
                self._built.setdefault(built_name, command)
        return self._built[name]

    def sources(self) -> dict[str, typer.Typer]:
        """Every command module's Typer app by command name (discovered on first use)."""
        if self._sources is None:
            self._sources = command_sources()
        return self._sources

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter({**dict.fromkeys(self.sources()), **self._built})

    def __len__(self) -> int:
        return len({**dict.fromkeys(self.sources()), **self._built})


def _share_options(command: Any) -> None:
    """Add `--log-format` to a leaf command, or to every leaf of a sub-group (`db`, `suppress`, ...)."""
    from engine.cli.options import LOG_FORMAT_FLAG, log_format_option

    if hasattr(command, "commands"):
        for subcommand in command.commands.values():
            _share_options(subcommand)
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
        "event": "command.usage", "exit_code": int(ExitCode.USAGE), "command": command})


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


def command_sources() -> dict[str, typer.Typer]:
    """Each command name and the Typer app its module registered it on (one app per module, so building a
    command builds only its module's commands), in the order `--help` lists them: commands, then groups
    (`db`, `suppress`, ...), each in module order."""
    import pkgutil  # only for full discovery: a run of one named command never lists the modules

    leaves: dict[str, typer.Typer] = {}
    groups: dict[str, typer.Typer] = {}
    for module_info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module_app = _registered(module_info.name)
        for found, infos in ((leaves, module_app.registered_commands), (groups, module_app.registered_groups)):
            for info in infos:
                if not info.name:
                    raise TypeError(f"{commands.__name__}.{module_info.name}.register adds a command without a name")
                found[info.name] = module_app
    return {**leaves, **groups}


def _registered(module_name: str) -> typer.Typer:
    """A fresh Typer app holding what `engine.cli.commands.<module_name>` registers."""
    module = importlib.import_module(f"{commands.__name__}.{module_name}")
    module_app = typer.Typer()
    module.register(module_app)
    return module_app


def _named_source(name: str) -> typer.Typer | None:
    """The Typer app of the command module named like the command (`import` is `import_.py`, a keyword), if
    that module registers `name`; None otherwise (then every module is looked at)."""
    for module_name in (name, f"{name}_"):
        if not module_name.isidentifier() or importlib.util.find_spec(f"{commands.__name__}.{module_name}") is None:
            continue
        module_app = _registered(module_name)
        names = {info.name for info in module_app.registered_commands} | {
            info.name for info in module_app.registered_groups}
        return module_app if name in names else None
    return None


GC_THRESHOLD = 100_000
"""Container objects allocated (net) before the cyclic garbage collector's youngest generation is scanned;
Python's default is 700. Starting a command allocates some 100,000 objects that live as long as the process
(modules, classes, SQLAlchemy's constructs), and at 700 the collector ran 133 times over them while they were
being created, a tenth of the CPU of `rekindle audience` on an empty store (bench/startup.py). Garbage without
reference cycles is freed at once whatever this is; cycles wait for at most this many objects."""


def main() -> None:
    """Console-script entry point (and `python -m engine`)."""
    from engine.cli.deferred import defer

    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    defer()  # before any command imports SQLAlchemy
    app()
