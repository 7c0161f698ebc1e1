"""Opening the project's store from a command: one place that turns every store problem into a clear message
and the documented exit code (1 bad config or schema not current, 3 database unreachable) instead of a
traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from engine.cli.exit_codes import ExitCode


def open_configured_store(config_path: Path, create: bool = False):
    """The project's store Engine, or a clear message and exit 1 (bad config, no store yet) / 3 (database
    unreachable). `create`: a SQLite file that does not exist yet is created (`rekindle db`)."""
    from engine.diagnostics.formatters import format_text
    from engine.store.connect import StoreError, load_store_config, open_store

    try:
        config = load_store_config(config_path)
        return config, open_store(config, create)
    except StoreError as exc:
        if exc.diagnostics:
            typer.echo(format_text(exc.diagnostics), err=True)
        typer.echo(f"error: {exc.message}", err=True)
        raise typer.Exit(ExitCode.UNAVAILABLE if exc.unreachable else ExitCode.FAILED) from None


def ready_store(config_path: Path):
    """(config, engine) of a project whose store is at the current schema, or a clear message and exit 1/3."""
    from engine.store.migrate import StoreNotReady, require_current

    config, engine = open_configured_store(config_path)
    try:
        require_current(engine)
    except StoreNotReady as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(ExitCode.FAILED) from None
    return config, engine


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """A database failure in the middle of a command, as one line and an exit code instead of a traceback:
    3 when the connection went away (worth retrying), 1 otherwise. The open transaction is rolled back."""
    from sqlalchemy.exc import DBAPIError

    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        typer.echo(f"error: the store failed while {doing}; nothing was changed: {reason}", err=True)
        raise typer.Exit(ExitCode.UNAVAILABLE if exc.connection_invalidated else ExitCode.FAILED) from None
