"""Opening the project's store from a command: one place that turns every store problem into a `StoreError`
(exit 1 bad config or schema not current, 3 database unreachable) for the CLI's error handler, never a
traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from engine.config.model import Config


def open_configured_store(config_path: Path, create: bool = False, *, make_folder: bool = True
                          ) -> tuple[Config, Engine]:
    """The project's config and store Engine; StoreError (exit 1 bad config or no store yet, 3 database
    unreachable). `create`: a SQLite file that does not exist yet is created (`rekindle db`)."""
    from engine.config.store import load_store_config, open_store

    config = load_store_config(config_path)
    return config, open_store(config, create, make_folder=make_folder)


def ready_store(config_path: Path) -> tuple[Config, Engine]:
    """(config, engine) of a project whose store is at the current schema; StoreNotReady (exit 1) if not."""
    from engine.config.store import load_store_config

    config = load_store_config(config_path)
    return config, ready_config_store(config)


def ready_config_store(config: Config) -> Engine:
    """`ready_store` for a command that has loaded the project already: its store opened with the project's
    config, rather than reading and checking rekindle.yaml a second time (a twentieth of `rekindle audience`'s
    start-up, bench/startup.py)."""
    from engine.config.store import open_store
    from engine.store.migrate import require_current

    engine = open_store(config)
    require_current(engine)
    return engine


@contextmanager
def store_errors(doing: str) -> Iterator[None]:
    """A database failure in the middle of a command, as a StoreError instead of a traceback: exit 3 when the
    connection went away (worth retrying), 1 otherwise. The open transaction is rolled back."""
    from sqlalchemy.exc import DBAPIError

    from engine.store.connect import StoreError

    try:
        yield
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
        raise StoreError(f"the store failed while {doing}; nothing was changed: {reason}",
                         unreachable=exc.connection_invalidated) from None
