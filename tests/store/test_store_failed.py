"""Which database errors are the store's as a whole (they stop a run) and which are one statement's (they fail
only the campaign whose SQL raised them, engine/runner/isolation.py). Every error here is a real one."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from engine.store.connect import database_reason, store_failed


def error_of(engine: Engine, sql: str) -> DBAPIError:
    with engine.connect() as conn, pytest.raises(DBAPIError) as raised:
        conn.execute(text(sql))
    return raised.value


def test_a_statement_the_database_refuses_is_not_the_stores_failure(store_engine: Engine) -> None:
    raised = error_of(store_engine, "SELECT no_such_column FROM customers")
    assert not store_failed(raised)
    assert database_reason(raised).startswith("no such column" if store_engine.dialect.name == "sqlite"
                                              else 'column "no_such_column" does not exist')


def test_a_cast_postgresql_refuses_is_the_statements_failure(store_engine: Engine) -> None:
    if store_engine.dialect.name != "postgresql":
        pytest.skip("SQLite casts any text")
    raised = error_of(store_engine, "SELECT CAST('seven' AS INTEGER)")
    assert not store_failed(raised)
    assert database_reason(raised) == 'invalid input syntax for type integer: "seven"'


def test_a_read_only_sqlite_file_is_the_stores_failure(store_engine: Engine) -> None:
    if store_engine.dialect.name != "sqlite":
        pytest.skip("a read-only file is SQLite's")
    read_only = create_engine(f"sqlite:///file:{store_engine.url.database}?mode=ro&uri=true")
    raised = error_of(read_only, "DELETE FROM customers")
    read_only.dispose()
    assert store_failed(raised)
    assert database_reason(raised) == "attempt to write a readonly database"


def test_a_lost_connection_is_the_stores_failure(store_engine: Engine) -> None:
    if store_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    raised = error_of(store_engine, "SELECT pg_terminate_backend(pg_backend_pid())")
    assert raised.connection_invalidated and store_failed(raised)
