"""Connecting to a store URL and checking that it answers: which failures are permanent (exit 1) and which
are worth retrying (exit 3). Opening the store a config names is engine/config/store.py."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from engine.errors import ExitCode, RekindleError
from engine.diagnostics import Diagnostic
from engine.store.database import open_engine
from engine.store.urls import url_problem


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


_PERMANENT_REASONS = ("does not exist", "password authentication failed", "no password supplied",
                      "not a database", "readonly database", "read-only", "disk is full", "unable to open database",
                      "permission denied", "malformed", "is not permitted", "no pg_hba.conf entry")
"""Connection failures that no retry can fix (a missing database, folder or role, a corrupt or read-only file,
a full disk): exit 1 with the reason, never 3, so a scheduler does not retry them forever."""


def is_permanent(reason: str) -> bool:
    """Whether a connection failure's reason is one that retrying cannot fix (see _PERMANENT_REASONS)."""
    lowered = reason.lower()
    return any(marker in lowered for marker in _PERMANENT_REASONS)


def database_reason(exc: DBAPIError) -> str:
    """The first line of what the database said, without SQLAlchemy's statement and parameters around it
    (they can hold customers' data)."""
    lines = str(exc.orig).strip().splitlines() if exc.orig is not None else []
    return lines[0] if lines else type(exc).__name__


_STORE_SQLSTATE_CLASSES = ("08", "28", "3D", "53", "57", "58", "XX")
"""PostgreSQL error classes about the server or the session rather than one statement: connection, login,
missing database, out of disk or memory, shutdown, system and internal errors."""
_STORE_SQLSTATES = ("25006", "42501")
"""A read-only transaction, and a privilege missing on the store's own tables."""
_STORE_SQLITE_CODES = (sqlite3.SQLITE_PERM, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_NOMEM,
                       sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_FULL,
                       sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_AUTH, sqlite3.SQLITE_NOTADB)
"""SQLite primary result codes about the file rather than one statement."""


def store_failed(exc: DBAPIError) -> bool:
    """Whether a database error is the store's as a whole (the connection lost, a read-only, full, corrupt or
    locked database, a missing privilege) rather than one statement's: those stop a run, while a statement's
    error belongs to the campaign whose SQL raised it (engine/runner/isolation.py)."""
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _STORE_SQLSTATE_CLASSES or sqlstate in _STORE_SQLSTATES
    code = getattr(exc.orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _STORE_SQLITE_CODES  # extended codes keep the primary one in the low byte
    return is_permanent(database_reason(exc))


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other stores and in-memory databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        return None
    return Path(parsed.database)


def connect(url: str) -> Engine:
    """An Engine on `url` that has answered a trivial query; StoreError otherwise."""
    problem = url_problem(url)
    if problem:
        raise StoreError(problem)
    try:
        engine = open_engine(url)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(f"the store URL {display_url(url)} cannot be used: {exc}") from None
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            if connection.dialect.name == "sqlite":  # a corrupt file only shows once its schema is read
                connection.execute(text("SELECT count(*) FROM sqlite_master"))
    except DBAPIError as exc:
        engine.dispose()
        reason = database_reason(exc)
        if is_permanent(reason):
            raise StoreError(f"cannot use the store at {display_url(url)}: {reason}{_advice(url, reason)}") from None
        raise StoreError(f"cannot reach the store at {display_url(url)}: {reason}", unreachable=True) from None
    return engine


def _advice(url: str, reason: str) -> str:
    database = sqlite_file(url)
    if database is not None and "unable to open" in reason and not database.parent.is_dir():
        return f" (the folder {database.parent} does not exist; `rekindle db init` creates it)"
    if "not a database" in reason or "malformed" in reason:
        return " (the file is not a SQLite database, or it is damaged; restore it from a backup)"
    if "readonly" in reason or "read-only" in reason:
        return " (the file or its folder is read-only for this user)"
    return ""
