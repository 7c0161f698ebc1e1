"""One `rekindle run` at a time per store.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`) keyed by the schema, held by the
connection the tick works on; it survives the tick's per-batch commits and is released on disconnect, so a
crashed run never leaves it behind. SQLite: an exclusive `flock` on `<database>.run-lock` next to the file,
released by the OS when the process ends. An in-memory SQLite store needs no lock.

A run that finds the lock taken waits up to `wait` seconds, then gives up (`RunLocked`); the CLI reports that
cleanly and exits 0, because the run that holds the lock is doing the work (see docs/campaigns.md).
Correctness never depends on the lock alone: the ledger's unique constraints make duplicate enrolments and
deliveries impossible even if two ticks overlap.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

POLL_SECONDS = 0.25


class RunLocked(RuntimeError):
    """Another run holds the lock."""


@contextmanager
def run_lock(conn: Connection, wait: float = 0.0) -> Iterator[None]:
    if conn.dialect.name == "postgresql":
        with _advisory_lock(conn, wait):
            yield
        return
    database = conn.engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        yield
        return
    with _file_lock(f"{database}.run-lock", wait):
        yield


def _retry(attempt, wait: float) -> None:
    deadline = time.monotonic() + wait
    while not attempt():
        if time.monotonic() >= deadline:
            raise RunLocked("another `rekindle run` is in progress on this store")
        time.sleep(POLL_SECONDS)


@contextmanager
def _advisory_lock(conn: Connection, wait: float) -> Iterator[None]:
    key = text("SELECT hashtext('rekindle.run:' || current_schema())")
    lock_id = conn.execute(key).scalar_one()
    conn.commit()
    _retry(lambda: conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_id}).scalar_one(), wait)
    conn.commit()
    try:
        yield
    finally:
        conn.rollback()
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_id})
        conn.commit()


@contextmanager
def _file_lock(path: str, wait: float) -> Iterator[None]:
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)

    def attempt() -> bool:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    try:
        _retry(attempt, wait)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the flock
