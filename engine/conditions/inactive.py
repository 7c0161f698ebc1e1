"""`inactive`: no activity event (config `defaults.activity_events`) for at least a duration.

    inactive: {for: 90d}

The customer's last activity is `customers.last_active_at`, which import maintains as the latest activity
event. Customers who were never active (last_active_at is NULL) count from their `created_at`: a customer
who signed up 120 days ago and never logged in is inactive for 120 days. When `--now` lies before
last_active_at (replaying the past), the last activity is recomputed from the events at or before `now`.

SQL, with T = now - duration (on SQLite the first branch is `+last_active_at <= T`, a scan rather than the
index, when T holds more than an eighth of the customers: see engine.conditions.sql.unindexed_on_sqlite; the scan
then tests the three branches without the replay's subqueries first, as a term of its own: see _first_on_sqlite):

    last_active_at <= T
    OR (last_active_at IS NULL AND created_at <= T)
    OR (last_active_at > now AND no activity event in (T, now]
        AND (an activity event at or before T OR created_at <= T))
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome
from engine.timeutil import format_duration, parse_duration, to_naive_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


def last_activity(ctx: "EvalContext") -> tuple[datetime, bool]:
    """(the instant inactivity counts from, whether it is a real activity rather than the sign-up)."""
    now = to_naive_utc(ctx.now)
    customer = ctx.customer
    if customer.last_active_at is None:
        return customer.created_at, False
    if customer.last_active_at <= now:
        return customer.last_active_at, True
    times = [e.occurred_at for e in ctx.events if e.name in ctx.activity_events and e.occurred_at <= now]
    return (max(times), True) if times else (customer.created_at, False)


@dataclass(frozen=True)
class InactiveCondition(Condition):
    kind = "inactive"
    duration: timedelta

    @classmethod
    def parse(cls, body: Any) -> "InactiveCondition":
        return cls(parse_duration(body["for"]))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import and_, exists, or_

        from engine.conditions.sql import customers, events, unindexed_on_sqlite

        now = to_naive_utc(ctx.now)
        threshold = now - self.duration
        last, created = customers.c.last_active_at, customers.c.created_at

        def activity(*when: "ColumnElement[bool]") -> "ColumnElement[bool]":
            return exists().where(
                events.c.customer_id == customers.c.id, events.c.name.in_(ctx.activity_events), *when
            )

        replayed = and_(
            last > now,
            ~activity(events.c.occurred_at > threshold, events.c.occurred_at <= now),
            or_(activity(events.c.occurred_at <= threshold), created <= threshold),
        )
        many = ctx.active_eighth is not None and threshold >= ctx.active_eighth
        first = unindexed_on_sqlite(last) if many else last
        inactive = or_(first <= threshold, and_(last.is_(None), created <= threshold), replayed)
        if not many:
            return inactive
        # Every column as `+column`: compared with a time as text, a column of DATETIME (numeric) affinity had
        # SQLite try to read both as numbers on every row (sqlite3AtoF: a tenth of the scan's instructions).
        dates = or_(first <= threshold, and_(last.is_(None), unindexed_on_sqlite(created) <= threshold),
                    unindexed_on_sqlite(last) > now)
        return _first_on_sqlite(dates, inactive)

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        since, was_active = last_activity(ctx)
        now = to_naive_utc(ctx.now)
        passed = since <= now - self.duration
        days = (now - since).days
        what = "last activity" if was_active else "never active; signed up"
        description = (f"{what} {since:%Y-%m-%d}, {days} days ago; wanted at least "
                       f"{format_duration(self.duration)}: {outcome(passed)}")
        return Verdict(passed, self.kind, description, decided_by=since)


def _first_on_sqlite(necessary: "ColumnElement[bool]", condition: "ColumnElement[bool]") -> "ColumnElement[bool]":
    """`necessary AND condition` on SQLite, where `necessary` is implied by `condition` and reads no other
    table; `condition` itself on PostgreSQL.

    SQLite tests the terms of a WHERE that hold a correlated subquery after all the others, so `inactive`
    (whose replay branch holds two) came last, and in a scan every customer's attributes were parsed for
    `plan in [pro, team]` before the dates of the row were looked at. The same test without the replay
    branch's subqueries is a term of its own, tested before the other conditions' terms: 1M customers,
    `inactive` and `plan in [pro, team]`, CPU best of 3, 90d 0.47 -> 0.25 s, 30d 0.50 -> 0.35 s (instructions,
    callgrind, 90d: 4.80 -> 2.34 G, and 2.07 G with `+` on every column of the dates-only term). The two
    spellings mean the same in SQL's three-valued logic: where `condition` is true, so is `necessary`. Only
    with the scan (`unindexed_on_sqlite`): through the index, where SQLite reads only the inactive customers,
    the extra term made 180d and 400d 5% slower. PostgreSQL orders its tests by their cost itself."""
    from sqlalchemy import Boolean, and_

    from engine.conditions.sql import Portable

    return Portable(Boolean(), sqlite=and_(necessary, condition), postgresql=condition)
