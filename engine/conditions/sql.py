"""Compiling conditions to SQL: the SqlContext every `to_sql` receives and the dialect-portable building blocks.

Every condition compiles to a boolean SQLAlchemy Core expression over the `customers` table. Expressions may
be NULL where SQL's three-valued logic says "unknown" (a missing attribute compared with a value); a WHERE
clause treats NULL as false, which is exactly Rekindle's rule that missing values never match. The only place
where NULL would be wrong is under a negation (`NOT NULL` is NULL, not true), so negations go through
`negate`, which first turns NULL into false. That keeps the SQL path two-valued like the Python path.

SQLite and PostgreSQL spell JSON access, substring search and date formatting differently; `Portable` holds
one spelling per dialect and picks the right one when the statement is compiled, so a condition compiles to
one expression that runs on either database.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Connection, String, case, false, func, not_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.types import TypeEngine

from engine.store.tables import customers, events

DIALECTS = ("sqlite", "postgresql")


class TimezonesNotLoaded(RuntimeError):
    """A timezone-dependent condition was compiled with a context that does not know the customers' zones."""


@dataclass(frozen=True)
class SqlContext:
    """What compiling a condition needs besides the condition itself.

    `now` is an aware UTC instant. `enrolled_at` is the SQL expression for "when this customer entered the
    campaign" (e.g. `enrollments.c.enrolled_at` when the run engine joins enrolments), None for audiences:
    then `event ... since: enrolled` matches no event. `timezones` are the distinct values of
    `customers.timezone` (load them with `with_timezones`): `days_since` and `anniversary` compile one
    branch per zone because converting a UTC instant to local time is not portable SQL.
    """

    now: datetime
    activity_events: tuple[str, ...]
    #: The project's segments by id, carried for the `segment` kind, which alone reads them (kept opaque here so
    #: the contexts, which every kind depends on, depend on no kind).
    segments: Mapping[str, object]
    default_timezone: str = "UTC"
    enrolled_at: ColumnElement[Any] | None = None
    timezones: tuple[str, ...] | None = None
    segment_path: tuple[str, ...] = field(default=())
    """Segments being inlined, outermost first, to report a cycle instead of recursing forever."""
    event_shares: Mapping[str, float] = field(default_factory=dict)
    """Share of the stored events that have each name, from PostgreSQL's statistics (`with_statistics`);
    empty where unknown. Only used to choose which event count of a conjunction drives it (plan_probes)."""
    active_eighth: datetime | None = None
    """On SQLite, the `last_active_at` at or before which an eighth of the customers were last active
    (`with_statistics`); None elsewhere or unknown. SQLite has no range statistics: `inactive` uses it to read
    the customers by a scan when its threshold holds more than that share, by the index when fewer."""
    planned: frozenset[int] = frozenset()
    """Event counts (by id(): conditions may hold lists, so they are not hashable) of the tree being compiled
    whose PostgreSQL shape an enclosing conjunction has chosen (engine.conditions.event.plan_probes)."""
    probed: frozenset[int] = frozenset()
    """Of those, the ones compiled on PostgreSQL as a probe of the customer's own events."""
    keyed: frozenset[int] = frozenset()
    """Event conditions (by id()) compiled on PostgreSQL as a list of customer ids to look up by primary key,
    `customers.id = ANY(ARRAY(SELECT customer_id ...))`: only conjuncts of an audience's WHERE are chosen
    (engine.conditions.event.plan_lookup)."""
    event_rows: float = 0.0
    """PostgreSQL's estimate of the stored events (pg_class.reltuples, `with_statistics`); 0 where unknown."""
    customer_rows: float = 0.0
    """PostgreSQL's estimate of the stored customers; 0 where unknown."""
    event_times: tuple[datetime, ...] = ()
    """PostgreSQL's histogram of events.occurred_at (naive UTC bounds, each bucket holding as many events);
    empty where unknown. With `event_rows`, how many events a window holds (`events_between`)."""

    def with_timezones(self, connection: Connection) -> "SqlContext":
        """A copy that knows every timezone present in `customers`: a walk of the timezone index, each step
        the smallest timezone after the last one found (a recursive CTE: one index lookup per timezone).
        `SELECT DISTINCT timezone` read every customer (0.8 s on PostgreSQL at 1M customers, which has no
        skip scan); a store has a few dozen timezones at most."""
        zone = customers.c.timezone
        walk = select(func.min(zone).label("timezone")).cte("zones", recursive=True)
        after = select(func.min(zone)).where(zone > walk.c.timezone).scalar_subquery()
        walk = walk.union_all(select(after).where(walk.c.timezone.is_not(None)))
        rows = connection.execute(select(walk.c.timezone).where(walk.c.timezone.is_not(None)))
        return replace(self, timezones=tuple(sorted(row[0] for row in rows)))

    def with_statistics(self, connection: Connection) -> "SqlContext":
        """A copy that knows what the database's own planner cannot estimate for an audience. On PostgreSQL,
        from its statistics (`_postgresql_statistics`): each event name's share of the events, how the events
        spread over time, how many customers and events there are. On SQLite, which keeps no range statistics, `active_eighth` from the last_active_at
        index (a walk over an eighth of it: 3 ms at 1M customers)."""
        if connection.dialect.name == "sqlite":
            return replace(self, active_eighth=_active_eighth(connection))
        if connection.dialect.name != "postgresql":
            return self
        return replace(self, **_postgresql_statistics(connection))

    def events_between(self, start: datetime | None, end: datetime) -> float | None:
        """About how many stored events have occurred_at in [start, end] (naive UTC; None: since ever), from
        PostgreSQL's histogram and row count; None without them. The same estimate PostgreSQL's planner makes
        for the range, within a bucket (1% of the events by default)."""
        bounds = self.event_times
        if len(bounds) < 2 or self.event_rows <= 0:
            return None

        def position(at: datetime | None) -> float:
            if at is None or at <= bounds[0]:
                return 0.0
            if at >= bounds[-1]:
                return float(len(bounds) - 1)
            index = bisect_right(bounds, at) - 1
            return index + (at - bounds[index]) / (bounds[index + 1] - bounds[index])

        return self.event_rows * max(position(end) - position(start), 0.0) / (len(bounds) - 1)

    def zones(self) -> tuple[str, ...]:
        if self.timezones is None:
            raise TimezonesNotLoaded(
                "days_since and anniversary compile per customer timezone: build the SqlContext with "
                "`ctx.with_timezones(connection)` first"
            )
        return self.timezones

    def inside_segment(self, name: str) -> "SqlContext":
        return replace(self, segment_path=(*self.segment_path, name))


def _postgresql_statistics(connection: Connection) -> dict[str, Any]:
    """The SqlContext fields PostgreSQL's statistics fill (two catalog reads; ANALYZE keeps them current):
    each event name's share of the events, the histogram of events.occurred_at, and both tables' row counts."""
    found: dict[str, Any] = {}
    stats = connection.exec_driver_sql(
        "SELECT attname, most_common_vals::text::text[], most_common_freqs, histogram_bounds::text::text[] "
        "FROM pg_stats WHERE schemaname = current_schema() AND tablename = 'events' "
        "AND attname IN ('name', 'occurred_at')")
    for attname, values, freqs, bounds in stats:
        if attname == "name" and values is not None:
            found["event_shares"] = dict(zip(values, freqs))
        elif attname == "occurred_at" and bounds is not None:
            found["event_times"] = tuple(datetime.fromisoformat(bound) for bound in bounds)
    rows = connection.exec_driver_sql(
        "SELECT relname, reltuples FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
        "AND relname IN ('customers', 'events') AND relkind = 'r'")
    fields = {"customers": "customer_rows", "events": "event_rows"}
    for relname, reltuples in rows:
        found[fields[relname]] = max(float(reltuples), 0.0)  # -1: never analysed
    return found


def _active_eighth(connection: Connection) -> datetime | None:
    """The last_active_at an eighth of the way along the index (customers counted by their highest id)."""
    from sqlalchemy import func

    highest = connection.execute(select(func.max(customers.c.id))).scalar()
    if not highest:
        return None
    last = customers.c.last_active_at
    return connection.execute(select(last).where(last.is_not(None)).order_by(last).limit(1)
                              .offset(highest // 8)).scalar()


Spelling = ColumnElement[Any] | Callable[[], ColumnElement[Any]]
"""A dialect's expression, or a function that builds it when a statement is compiled for that dialect (so a
spelling that needs another dialect's types, such as PostgreSQL's JSONB, costs nothing on the other one)."""


class Portable(ColumnElement[Any]):
    """One expression with a spelling per dialect (`sqlite=`, `postgresql=`), chosen at compile time. The
    `sqlite` spelling is always an expression: it also names the tables the expression reads."""

    inherit_cache = False  # variants are arbitrary expressions; such statements are simply not cached

    def __init__(self, type_: TypeEngine[Any], sqlite: ColumnElement[Any], **variants: Spelling) -> None:
        variants = {"sqlite": sqlite, **variants}
        missing = set(DIALECTS) - set(variants)
        if missing:
            raise ValueError(f"Portable needs a spelling for {', '.join(sorted(missing))}")
        self.type = type_
        self.sqlite = sqlite
        self.variants = variants
        # A Boolean one is a test (a comparison, IN, EXISTS, a CASE of true/false), as a BinaryExpression is: so
        # in a WHERE, SQLite (no native boolean) gets the bare test instead of `(test) = 1`, which SQLite cannot
        # match to an index and evaluates as a value (the `plan in [pro, team]` filter over 1M customers was a
        # third of the audience's time with `= 1`; docs/conditions.md). No variant yields a truthy value
        # other than 1, so the two spellings mean the same.
        self._is_implicitly_boolean = isinstance(type_, Boolean)

    @property
    def _from_objects(self) -> list[Any]:
        return self.sqlite._from_objects


@compiles(Portable)
def _compile_portable(element: Portable, compiler: Any, **kw: Any) -> str:
    dialect = compiler.dialect.name
    if dialect not in element.variants:
        raise NotImplementedError(f"Rekindle conditions support SQLite and PostgreSQL, not {dialect}")
    spelling = element.variants[dialect]
    return f"({compiler.process(spelling if isinstance(spelling, ClauseElement) else spelling(), **kw)})"


def unindexed_on_sqlite(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """The column as `+column` on SQLite, which keeps SQLite from reading the customers through the column's
    index for a range test on it, and the column itself on PostgreSQL.

    For a range that holds more than about a tenth of the customers. SQLite has no range statistics, so it
    always takes the index and then fetches each customer in the range at random to test the rest of the
    audience; past about a tenth of the store one sequential scan is cheaper (`inactive` over last_active_at,
    1M customers, index / scan: 30d, 158k members, 1.88 / 0.60 s; 400d, 5k, 0.06 / 0.54 s; `days_since
    created_at lte 365`, 500k, 1.69 / 0.31 s; docs/conditions.md). `+x` has the same value as x and no
    affinity, so text compares with text as before. PostgreSQL keeps the plain column: it has the statistics
    to choose."""
    from sqlalchemy.sql.expression import UnaryExpression
    from sqlalchemy.sql.operators import custom_op

    return Portable(column.type, sqlite=UnaryExpression(column, operator=custom_op("+"), type_=column.type),
                    postgresql=column)


def definite(expression: ColumnElement[bool]) -> ColumnElement[bool]:
    """The expression with "unknown" (NULL) turned into false.

    A CASE rather than coalesce(expression, false): SQLite short-circuits AND/OR only where it branches on a
    condition (WHERE, CASE WHEN), not where it computes a value such as a function argument, so under
    coalesce every correlated subquery of the expression would run for every row (10x slower on `not`)."""
    return case((expression, true()), else_=false())


def negate(expression: ColumnElement[bool]) -> ColumnElement[bool]:
    """Two-valued NOT: true exactly when the expression is not true (false or NULL)."""
    return not_(definite(expression))


def byte_order(text: ColumnElement[Any]) -> ColumnElement[Any]:
    """A string expression that orders by code point on both dialects (PostgreSQL collations may not)."""
    return Portable(String(), sqlite=text, postgresql=text.collate("C"))
