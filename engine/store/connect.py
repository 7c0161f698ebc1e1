"""Opening the store a project config names, and checking that it answers and is at the current schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from engine.errors import ExitCode, RekindleError
from engine.diagnostics import Diagnostic
from engine.store.database import open_engine


class StoreError(RekindleError):
    """The store cannot be used: exit 1, or 3 (`unreachable`) when the database did not answer."""

    def __init__(self, message: str, *, unreachable: bool = False, diagnostics: list[Diagnostic] | None = None):
        super().__init__(message, diagnostics or ())
        self.unreachable = unreachable
        self.exit_code = ExitCode.UNAVAILABLE if unreachable else ExitCode.FAILED


def display_url(url: str) -> str:
    """The URL with any password masked, safe to print."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid store URL>"


def connect(url: str) -> Engine:
    """An Engine on `url` that has answered a trivial query; StoreError otherwise."""
    try:
        engine = open_engine(url)
    except ArgumentError as exc:
        raise StoreError(f"the store URL {display_url(url)} is not valid: {exc}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot reach the store at {display_url(url)}: {reason}", unreachable=True) from None
    return engine


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, or None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)
