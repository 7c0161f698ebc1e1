"""Opening the store a project config names, and checking that it answers and is at the current schema."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from engine.errors import ExitCode, RekindleError
from engine.config.model import Config
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


def load_store_config(config_path: Path) -> Config:
    from engine.config.loader import load_config

    config, problems = load_config(config_path)
    if config is None:
        raise StoreError(f"cannot read the project config {config_path}", diagnostics=problems)
    return config


def resolve_url(config: Config) -> str:
    """The store URL with a relative SQLite path taken from the config's folder, like every other path in it
    (`sqlite:///demo/rekindle.db` in /srv/project/rekindle.yaml is /srv/project/demo/rekindle.db)."""
    url = make_url(config.store_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        if not database.is_absolute():
            url = url.set(database=str(config.root / database))
    return url.render_as_string(hide_password=False)


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


def open_store(config: Config) -> Engine:
    """The store of a project: every command opens it this way so they all agree on where it is."""
    return connect(resolve_url(config))
