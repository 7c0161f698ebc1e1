"""Compiling rule conditions for the tick: the one place that builds the conditions' SQL context."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection

from engine.conditions import Condition
from engine.conditions.sql import SqlContext
from engine.project import Project
from engine.runner.context import TickContext


def base_sql_context(conn: Connection, project: Project, now: datetime) -> SqlContext:
    """The tick's context: its `now`, the project's activity events, segments, timezones and (PostgreSQL) the
    event names' shares, with which audiences choose their driving event count as `rekindle audience` does."""
    defaults = project.config.defaults
    context = SqlContext(
        now=now, activity_events=defaults.activity_events, segments=project.segments,
        default_timezone=defaults.timezone,
    )
    return context.with_timezones(conn).with_statistics(conn)


def condition_sql(ctx: TickContext, condition: Condition, enrolled_at: ColumnElement[Any] | None = None
                  ) -> ColumnElement[bool]:
    """A boolean expression over the customers table at the tick's `now`; `enrolled_at` is the enrolment
    column that `since: enrolled` compares with (exit, goal and step conditions)."""
    return condition.to_sql(replace(ctx.sql, enrolled_at=enrolled_at))
