"""The `runs` row of a tick or of an enrolment on arrival: opened before any decision (decisions and
enrolments carry its id), closed with the summary. One place, so both passes stamp their work the same way."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, insert, update

from engine.project import Project
from engine.runner.conditions import base_sql_context
from engine.runner.context import TickContext
from engine.runner.decisions import DecisionLog
from engine.runner.options import Budget, RunOptions
from engine.runner.summary import RunSummary
from engine.scheduling.hashing import register_sqlite_functions
from engine.store.models import Run

RUNS = Run.__table__


def start_run(conn: Connection, project: Project, options: RunOptions, commit: str | None,
              kind: str = "tick") -> TickContext:
    """Insert the `runs` row (status running) and the context every part of the pass works with."""
    if conn.dialect.name == "sqlite":
        register_sqlite_functions(conn.connection.driver_connection)
    limit = options.limit if options.limit is not None else project.config.defaults.per_run_limit
    inserted = conn.execute(
        insert(RUNS).values(
            started_at=wall_clock(), now=options.now.replace(tzinfo=None), status="running",
            rules_commit=commit, summary={}, kind=kind,
        )
    ).inserted_primary_key
    assert inserted is not None  # a single-row INSERT of a table with a primary key
    run_id = inserted[0]
    summary = RunSummary(now=options.now, rules_commit=commit, run_id=run_id, dry_run=not options.persist,
                         limit=limit)
    return TickContext(
        conn=conn, project=project, options=options, run_id=run_id, rules_commit=commit, summary=summary,
        log=DecisionLog(conn, run_id, options.now.replace(tzinfo=None), commit, summary), budget=Budget(limit),
        sql=base_sql_context(conn, project, options.now),
    )


def finish_run(ctx: TickContext) -> None:
    """Record the summary and the status on the `runs` row, and commit (unless the caller rolls back)."""
    ctx.conn.execute(
        update(RUNS).where(RUNS.c.id == ctx.run_id).values(
            finished_at=wall_clock(), status=ctx.summary.status, summary=ctx.summary.to_dict()
        )
    )
    ctx.checkpoint()


def wall_clock() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
