"""Writing many rows in one statement: on PostgreSQL each column bound as ONE array and spread by `unnest`.

An executemany (psycopg pipelines it) still has the server plan, execute and finish one INSERT or UPDATE per
row: for a tick's decisions and deliveries that per-statement work was most of what PostgreSQL spent on
them (1,000 rows a batch). `INSERT ... SELECT * FROM unnest(:a, :b, ...)` is one statement per batch, with
the same SQL text whatever the row count (so it is prepared once, like the executemany was), and every row
still checked by the same constraints and triggers. SQLite, which runs in process and keeps a prepared
program per SQL text, keeps the plain executemany.

JSON documents are encoded as SQLAlchemy's JSON type binds them (None as the document `null`), so the stored
documents are the same.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Column, Connection, Insert, Table, insert
from sqlalchemy.types import TypeDecorator


def _json(column: Column) -> JSON | None:
    """The column's JSON type, or None when it is not a JSON column."""
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    return kind if isinstance(kind, JSON) else None


def _is_json(column: Column) -> bool:
    return _json(column) is not None


def _encode(kind: JSON, value: Any) -> str | None:
    """A JSON column's value as SQLAlchemy binds it: None is the JSON document `null` unless the type says
    `none_as_null`."""
    return None if value is None and kind.none_as_null else json.dumps(value)


def _array_type(conn: Connection, column: Column) -> str:
    """The PostgreSQL array type a column's values are bound as."""
    return f"{'JSONB' if _is_json(column) else column.type.compile(dialect=conn.dialect)}[]"


def _arrays(table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The rows' values, column by column (JSON documents encoded), keyed `a_<column>`."""
    arrays: dict[str, list[Any]] = {}
    for name in names:
        values = [row[name] for row in rows]
        kind = _json(table.c[name])
        arrays[f"a_{name}"] = values if kind is None else [_encode(kind, value) for value in values]
    return arrays


def _unnest(conn: Connection, table: Table, names: Sequence[str]) -> str:
    """`unnest(...) AS u(<names>)` over the arrays of `_arrays`, in the driver's (psycopg's) parameter style:
    each array is sent in binary (`%(...)b`), which spares both sides quoting and parsing every element (a
    text array of 5 kB messages cost more than the UPDATE it fed)."""
    arrays = ", ".join(f"%(a_{name})b::{_array_type(conn, table.c[name])}" for name in names)
    return f"unnest({arrays}) AS u({', '.join(names)})"


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect: the ledgers' unique constraints decide
    what may exist, so a duplicate is silently not written instead of failing the batch."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *,
                ignore_conflicts: bool = False) -> int:
    """Insert `rows` (dicts with the same keys); returns how many were written. With `ignore_conflicts` a row
    a unique constraint refuses is simply not written (ON CONFLICT DO NOTHING)."""
    if not rows:
        return 0
    names = list(rows[0])
    if conn.dialect.name != "postgresql":
        statement = insert_ignoring_conflicts(conn, table) if ignore_conflicts else insert(table)
        return conn.execute(statement.execution_options(preserve_rowcount=True), list(rows)).rowcount
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT * FROM {_unnest(conn, table, names)}"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    return conn.exec_driver_sql(sql, _arrays(table, names, rows)).rowcount


_PLANS = ("enable_hashjoin", "enable_mergejoin", "enable_bitmapscan", "enable_seqscan")
_BY_KEY = "; ".join(f"SET LOCAL {setting} = off" for setting in _PLANS)
_ANY_WAY = "; ".join(f"SET LOCAL {setting} TO DEFAULT" for setting in _PLANS)


def update_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, key: str,
                fixed: Mapping[str, Any], where: Mapping[str, Any]) -> int:
    """PostgreSQL only: in one statement, set each row's columns (the keys of `rows` other than `key`) and the
    `fixed` values on the row whose `key` matches and whose columns equal `where`'s values. Returns how many
    rows were written.

    Each row is found by `key` (its index, one lookup per row): the `where` tests are written `IS NOT
    DISTINCT FROM`, which no index serves, and every other way of joining is turned off for that statement
    (`_BY_KEY`). A queue table's statistics cannot know it (empty between ticks, 100,000 rows a minute
    later): estimating a handful of rows, PostgreSQL otherwise read every row of the `where` status (through
    its index, or all of deliveries) for each batch of 200, and looped over the batch for each."""
    names = list(rows[0])
    assignments = [f"{name} = u.{name}" for name in names if name != key]
    params: dict[str, Any] = _arrays(table, names, rows)
    for name, value in fixed.items():
        assignments.append(f"{name} = %(f_{name})s")
        params[f"f_{name}"] = value
    conditions = [f"{table.name}.{key} = u.{key}"]
    for name, value in where.items():
        conditions.append(f"{table.name}.{name} IS NOT DISTINCT FROM %(w_{name})s")
        params[f"w_{name}"] = value
    sql = (f"UPDATE {table.name} SET {', '.join(assignments)} FROM {_unnest(conn, table, names)} "
           f"WHERE {' AND '.join(conditions)}")
    conn.exec_driver_sql(_BY_KEY)
    written = conn.exec_driver_sql(sql, params).rowcount
    conn.exec_driver_sql(_ANY_WAY)
    return written
