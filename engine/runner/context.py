"""State shared by the parts of one tick: the connection, the project, the instant and the ledgers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Insert, Table

from engine.runner.options import Budget, RunOptions
from engine.runner.summary import RunSummary

if TYPE_CHECKING:
    from engine.conditions.sql import SqlContext
    from engine.project import Project
    from engine.runner.decisions import DecisionLog


@dataclass
class TickContext:
    conn: Connection
    project: "Project"
    options: RunOptions
    run_id: int
    rules_commit: str | None
    summary: RunSummary
    log: "DecisionLog"
    budget: Budget
    sql: "SqlContext"
    """The conditions' compile context for this tick (now, segments, timezones)."""
    decided: Callable[[int], None] = lambda emails: None
    """Told how many emails each committed batch left to render (the crew starts once there is enough)."""

    @property
    def now(self) -> datetime:
        return self.options.now

    @property
    def now_db(self) -> datetime:
        """`now` as stored: naive UTC."""
        return self.options.now.replace(tzinfo=None)

    def checkpoint(self) -> None:
        """Commit the work so far (a crash loses at most one batch), unless the caller will roll back."""
        if self.options.persist:
            self.conn.commit()


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Insert:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect: the ledgers' unique constraints decide
    what may exist, so a duplicate is silently not written instead of failing the batch."""
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()
