"""A throwaway copy of the store to rehearse on: nothing done through it reaches the real store.

SQLite: the file is copied into an in-memory database with SQLite's online backup API (consistent even while
a run writes), so the real file is not even locked during the rehearsal. PostgreSQL: one transaction that is
rolled back at the end (the rehearsal's row locks hold back a concurrent real run until it finishes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.pool import StaticPool


@contextmanager
def sandbox(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            transaction = conn.begin()
            try:
                yield conn
            finally:
                transaction.rollback()
        return
    memory = sqlite3.connect(":memory:", check_same_thread=False)
    source = engine.raw_connection()
    try:
        driver = source.driver_connection
        assert driver is not None  # a pool connection that is checked out always holds its DBAPI connection
        driver.backup(memory)
    finally:
        source.close()
    copy = create_engine("sqlite://", creator=lambda: memory, poolclass=StaticPool)
    try:
        with copy.connect() as conn:
            yield conn
    finally:
        copy.dispose()
        memory.close()
