"""`last_event`: how long ago the customer last did something.

    last_event: {name: purchase, between: [60d, 120d]}   # last purchase 60 to 120 days ago
    last_event: {name: login, gte: 30d}                  # last login at least 30 days ago (and there was one)

The age is `now` minus the latest matching event at or before `now` (name, optional `where:` property
filters, as for `event`). Operators: `lt`, `lte`, `gt`, `gte` take a duration, `between` a [nearest, farthest]
pair, both ends included. A customer who never did it has no age and never matches: "no purchase for 60 days,
including never" is `not: {event: {name: purchase, within: 60d}}`.

Durations are exact like `within` (60d is 60 x 24 hours before `now`), not calendar days in the customer's
timezone (that is `days_since`).

SQL: SQLite, one grouped pass over the events, `customers.id IN (SELECT customer_id FROM events WHERE name =
'purchase' AND occurred_at <= now GROUP BY customer_id HAVING max(occurred_at) <= now - 60d AND
max(occurred_at) >= now - 120d)`, read from the (name, occurred_at, customer_id) index. PostgreSQL: an event
in the age range and none more recent, `EXISTS (... occurred_at BETWEEN now - 120d AND now - 60d) AND NOT
EXISTS (... occurred_at > now - 60d)` (hashed semi- and anti-join over two index ranges; `lt`/`lte` need only
the EXISTS). Python: the same test on the latest of the customer's loaded events.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome
from engine.conditions.event import EventCondition, property_filters
from engine.timeutil import format_duration, parse_duration, to_naive_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext

AGE_OPERATORS = ("lt", "lte", "gt", "gte", "between")
# An age test rewritten as a test of the latest event's time against `now - duration`: older means earlier.
_LATEST: dict[str, Callable[[Any, Any], Any]] = {
    "lt": operator.gt, "lte": operator.ge, "gt": operator.lt, "gte": operator.le,
}


@dataclass(frozen=True)
class LastEventCondition(Condition):
    kind = "last_event"
    selection: EventCondition
    op: str
    ages: tuple[timedelta, ...]
    """One duration, or (nearest, farthest) for `between`."""

    @classmethod
    def parse(cls, body: Any) -> "LastEventCondition":
        (op,) = [key for key in body if key in AGE_OPERATORS]
        raw = body[op]
        ages = tuple(parse_duration(item) for item in raw) if op == "between" else (parse_duration(raw),)
        return cls(EventCondition(name=body["name"], where=property_filters(body)), op, ages)

    def _tests(self, latest: Any, now: datetime) -> list[Any]:
        """The age test as comparisons of `latest` (a SQL expression or a datetime) with fixed instants."""
        if self.op == "between":
            nearest, farthest = self.ages
            return [latest <= now - nearest, latest >= now - farthest]
        return [_LATEST[self.op](latest, now - self.ages[0])]

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import Boolean, and_, func, select

        from engine.conditions.sql import Portable, customers, events

        latest = func.max(events.c.occurred_at)
        grouped = (select(events.c.customer_id).where(*self.selection.criteria(ctx))
                   .group_by(events.c.customer_id).having(and_(*self._tests(latest, to_naive_utc(ctx.now)))))
        return Portable(Boolean(), sqlite=customers.c.id.in_(grouped), postgresql=self._windows(ctx))

    def _windows(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        """The latest event as two windows: one in the age range and none more recent (`between [60d, 120d]`
        is an event in [now - 120d, now - 60d] and none in (now - 60d, now]). PostgreSQL hashes both as a
        semi- and an anti-join over index ranges, where max() per customer would aggregate every event of the
        name (last purchase 60-120 days ago, 1M customers / 10M events: see docs/conditions.md)."""
        from sqlalchemy import and_, exists

        from engine.conditions.sql import customers, events

        when, now = events.c.occurred_at, to_naive_utc(ctx.now)
        newer: "ColumnElement[bool] | None"
        criteria = [events.c.customer_id == customers.c.id, *self.selection.criteria(ctx)]
        if self.op == "between":
            nearest, farthest = now - self.ages[0], now - self.ages[1]
            inside, newer = and_(when >= farthest, when <= nearest), when > nearest
        else:
            bound = now - self.ages[0]
            inside = _LATEST[self.op](when, bound)
            newer = None if self.op in ("lt", "lte") else (when > bound if self.op == "gte" else when >= bound)
        found = exists().where(*criteria, inside)
        return found if newer is None else and_(found, ~exists().where(*criteria, newer))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        now = to_naive_utc(ctx.now)
        latest = max((event.occurred_at for event in self.selection.matching(ctx)), default=None)
        passed = latest is not None and all(self._tests(latest, now))
        if latest is None:
            seen = "never"
        else:
            age = now - latest
            seen = f"last {latest:%Y-%m-%d %H:%M}, {age.days}d {age.seconds // 3600}h ago"
        wanted = (f"between {format_duration(self.ages[0])} and {format_duration(self.ages[1])} ago"
                  if self.op == "between" else f"{self.op} {format_duration(self.ages[0])} ago")
        description = f"{self.selection.describe()}: {seen}; wanted {wanted}: {outcome(passed)}"
        return Verdict(passed, self.kind, description, decided_by=latest)
