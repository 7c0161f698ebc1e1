"""Building and streaming audience queries.

One SELECT per audience: the condition tree compiles to a WHERE clause over `customers` (events through
correlated subqueries), so the database does the per-customer work and no customer is loaded into Python.
Results are streamed (`yield_per`, a server-side cursor on PostgreSQL), so memory does not grow with the
audience size.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Select, func, select

from engine.conditions import Condition
from engine.conditions.event import plan_lookup
from engine.conditions.sql import SqlContext, customers

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.segment import Segment
    from engine.rules.model import Campaign

STREAM_BATCH = 2000


def audience_condition(target: "Campaign | Condition") -> Condition:
    return target if isinstance(target, Condition) else target.audience


def audience_context(
    connection: Connection,
    target: "Campaign | Condition",
    *,
    now: datetime,
    activity_events: tuple[str, ...],
    segments: Mapping[str, "Segment"],
    default_timezone: str,
) -> SqlContext:
    """The SqlContext for an audience at `now`; loads the timezones present only when the tree needs them
    (SELECT DISTINCT timezone reads the whole customers table), and on PostgreSQL the event names' shares of
    the events (one catalog row), with which the compiled query chooses which event count drives it."""
    ctx = SqlContext(now=now, activity_events=activity_events, segments=segments, default_timezone=default_timezone)
    ctx = ctx.with_statistics(connection)
    if audience_condition(target).needs_timezones(segments):
        return ctx.with_timezones(connection)
    return ctx


def audience_where(target: "Campaign | Condition", ctx: SqlContext) -> "ColumnElement[bool]":
    """The audience's condition as the whole WHERE of a query over customers. Only there may a narrow event
    condition among its conjuncts name the customers to look up by primary key (PostgreSQL; plan_lookup)."""
    condition = audience_condition(target)
    return condition.to_sql(plan_lookup(condition.conjuncts(ctx), ctx))


def audience_query(target: "Campaign | Condition", ctx: SqlContext) -> Select:
    """SELECT customers.id of everyone the audience selects, in id order."""
    return select(customers.c.id).where(audience_where(target, ctx)).order_by(customers.c.id)


def count_query(target: "Campaign | Condition", ctx: SqlContext) -> Select:
    """SELECT count(*) of the audience, without transferring any row."""
    return select(func.count()).select_from(customers).where(audience_where(target, ctx))


def iter_audience(connection: Connection, query: Select, batch: int = STREAM_BATCH) -> Iterator[int]:
    """Stream the ids a query selects, `batch` rows at a time."""
    result = connection.execution_options(yield_per=batch).execute(query)
    for partition in result.partitions():
        for row in partition:
            yield row[0]


def members_query(target: "Campaign | Condition", ctx: SqlContext) -> Select:
    """SELECT the audience's external id, email and names, in id order (for samples and CSV exports)."""
    columns = (customers.c.external_id, customers.c.email, customers.c.first_name, customers.c.last_name)
    return select(*columns).where(audience_where(target, ctx)).order_by(customers.c.id)
