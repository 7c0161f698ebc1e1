"""`days_since`: whole days (in the customer's timezone) since a date field, compared with a number.

    days_since: {field: created_at, between: [14, 21]}

`field` is `created_at`, `last_active_at` or a date attribute such as `trial_started_at` ("2026-01-03", only
the date part of a longer string counts). The count is today's local date minus the field's local date, so
a customer who signed up at 23:30 yesterday (their time) is 1 day in. A missing or non-date field never
matches, whatever the operator (`ne` included); `exists` tests whether the field holds a date.

SQL: the comparison with the number becomes a comparison of the field's local date with dates computed in
Python from each zone's today (`days >= 14` is `local_date <= today - 14`), inside one CASE branch per
timezone (see engine.conditions.dates). For created_at / last_active_at that is a range test on the stored
UTC time against the zone's local midnight (`created_at < '2026-11-09 23:00'` for Paris), so no per-row
time arithmetic is needed; date attributes compare as ISO text. A count with an upper bound also gets one
plain range test in front, `created_at >= earliest_instant(...)`, which the field's index reads (on SQLite
only for windows up to INDEXED_WINDOW).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Comparison, Condition
from engine.conditions.dates import (
    DATETIME_FIELDS,
    customer_zone,
    local_date_expr,
    local_date_value,
    local_today,
    per_zone,
    shift,
    since_local_midnight_sql,
)
from engine.conditions.evaluate import Verdict, outcome
from engine.timeutil import as_utc, to_naive_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext

STRING_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "<=": operator.le, ">=": operator.ge,
}
NARROW_DAYS = 31
"""A `days_since` window at most this wide is taken to keep few customers (Condition.narrows)."""
Terms = list[list[tuple[str, date]]]
"""OR of ANDs of (operator, date) tests on the field's local date."""


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def day_terms(op: str, value: Any, today: date) -> Terms:
    """`days <op> value` rewritten as tests on the local date, for today's date in the customer's zone."""
    if op == "in":
        return [conj for item in value for conj in day_terms("eq", item, today)]
    if op == "between":
        low, high = (_number(bound) for bound in value)
        if low is None or high is None:
            return []
        return [[("<=", shift(today, -math.ceil(low))), (">=", shift(today, -math.floor(high)))]]
    number = _number(value)
    if number is None:
        return []
    if op == "eq":
        return [[("==", shift(today, -int(number)))]] if number.is_integer() else []
    at_least = {"gte": math.ceil(number), "gt": math.floor(number) + 1}
    if op in at_least:
        return [[("<=", shift(today, -at_least[op]))]]
    at_most = {"lte": math.floor(number), "lt": math.ceil(number) - 1}
    if op in at_most:
        return [[(">=", shift(today, -at_most[op]))]]
    return []  # contains: days are not text


def terms_sql(test: Callable[[str, date], "ColumnElement[bool]"], terms: Terms) -> "ColumnElement[bool]":
    from sqlalchemy import and_, false, or_

    return or_(*(and_(*(test(op, bound) for op, bound in conj)) for conj in terms)) if terms else false()


def text_test(local: "ColumnElement[str]") -> Callable[[str, date], "ColumnElement[bool]"]:
    """Tests on an ISO local date string (date attributes): plain text comparisons."""
    from engine.conditions.sql import byte_order

    ordered = byte_order(local)
    return lambda op, bound: STRING_OPS[op](ordered, bound.isoformat())


def instant_test(column: "ColumnElement[Any]", zone) -> Callable[[str, date], "ColumnElement[bool]"]:
    """Tests on a stored UTC time's local date, as range tests against local midnights (see dates.py)."""
    from sqlalchemy import and_


    def test(op: str, bound: date) -> "ColumnElement[bool]":
        if op == "==":
            return and_(test(">=", bound), test("<=", bound))
        if op == ">=":
            return column.is_not(None) if bound == date.min else since_local_midnight_sql(column, zone, bound, True)
        if bound == date.max:
            return column.is_not(None)
        return since_local_midnight_sql(column, zone, bound + timedelta(days=1), False)

    return test


MARGIN_DAYS = 3
"""Days before the earliest local date UTC's today lets through that `earliest_instant` steps back: a
customer's local today is at most a day behind UTC's, and a local midnight at most a day away from UTC's
(every offset, historical ones included, is within 24 hours), so no zone's window starts earlier."""
INDEXED_WINDOW = timedelta(days=NARROW_DAYS + MARGIN_DAYS + 1)
"""The widest range test (`now - earliest_instant`) that SQLite reads through the field's index
(ix_customers_created_at, ix_customers_last_active_at): welcome's `lte 3` is 6.4 days and reads the week's
sign-ups by the index (1M customers: 0.18 s -> 30 ms). A wider one is tested in a scan (`+created_at`,
unindexed_on_sqlite): SQLite has no range statistics and would read the whole range at random, `lte 365`
1.69 s through the index against 0.31 s in a scan. A month's sign-ups are taken to be a small share of a
store; PostgreSQL chooses by its statistics either way."""


def earliest_instant(op: str, value: Any, now: datetime) -> datetime | None:
    """For a count of days with an upper bound (`lte 3`, `between [30, 45]`, `eq`, `in`): a stored UTC time
    before which no zone's local date can pass, or None where the comparison has no upper bound.

    The per-zone CASE is exact but costs a branch test and a range test per customer, over every customer:
    `created_at >= <that instant>` before it is one comparison that leaves only the last few days' sign-ups
    to the CASE (welcome's `lte 3` on 1M customers: PostgreSQL's scan evaluated the CASE for all of them).
    The bound comes from `day_terms` at UTC's today, the same rounding as the CASE's, made generous by
    `MARGIN_DAYS`: the CASE still decides."""
    terms = day_terms(op, value, as_utc(now).date())
    lowest = [min((bound for test, bound in conj if test in (">=", "==")), default=None) for conj in terms]
    if not lowest or None in lowest:
        return None  # no terms (matches nothing), or a term without a lower date: no upper bound on the days
    try:
        return datetime.combine(min(day for day in lowest if day is not None), time()) - timedelta(days=MARGIN_DAYS)
    except OverflowError:  # a window reaching to year 1: every stored time is inside it
        return None


def terms_hold(local: str, terms: Terms) -> bool:
    return any(all(STRING_OPS[op](local, bound.isoformat()) for op, bound in conj) for conj in terms)


@dataclass(frozen=True)
class DaysSinceCondition(Condition):
    kind = "days_since"
    zoned = True  # "days" are counted in the customer's own calendar
    field: str
    comparison: Comparison

    @classmethod
    def parse(cls, body: Any) -> "DaysSinceCondition":
        return cls(body["field"], Comparison.from_mapping(body))

    def _positive(self) -> tuple[str, bool]:
        """The operator to test, and whether the result is negated (ne / not_in)."""
        op = self.comparison.op
        return ({"ne": "eq", "not_in": "in"}.get(op, op), op in ("ne", "not_in"))

    def narrows(self) -> bool:
        """A window of at most NARROW_DAYS days: `between [30, 45]`, `eq`/`in` days, `lte 3` (the last few days)."""
        op, value = self.comparison.op, self.comparison.value
        numbers = value if op in ("between", "in") else [value]
        if op not in ("between", "in", "eq", "lte", "lt") or not all(_number(item) is not None for item in numbers):
            return False
        if op == "between":
            return float(numbers[1]) - float(numbers[0]) <= NARROW_DAYS
        return all(float(item) <= NARROW_DAYS for item in numbers) if op in ("lte", "lt") else True

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import and_, literal

        from engine.conditions.sql import customers, negate, unindexed_on_sqlite

        op, negated = self._positive()

        def in_zone(zone) -> "ColumnElement[bool]":
            if self.field in DATETIME_FIELDS:
                column = customers.c[self.field]
                present, test = column.is_not(None), instant_test(column, zone)
            else:
                local = local_date_expr(self.field, zone, ctx.now)
                present, test = local.is_not(None), text_test(local)
            if op == "exists":
                return present if self.comparison.value else negate(present)
            matched = terms_sql(test, day_terms(op, self.comparison.value, local_today(ctx.now, zone)))
            return and_(present, negate(matched)) if negated else matched

        zoned = per_zone(ctx, in_zone)
        bounded = not negated and self.field in DATETIME_FIELDS
        earliest = earliest_instant(op, self.comparison.value, ctx.now) if bounded else None
        if earliest is None:
            return zoned
        column = customers.c[self.field]
        window = to_naive_utc(ctx.now) - earliest
        bounded_by = column if window <= INDEXED_WINDOW else unindexed_on_sqlite(column)
        return and_(column.is_not(None), bounded_by >= literal(earliest, column.type), zoned)

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        op, negated = self._positive()
        zone = customer_zone(ctx.customer.timezone, ctx.default_timezone)
        local = local_date_value(ctx.customer, self.field, zone)
        today = local_today(ctx.now, zone)
        if op == "exists":
            passed = (local is not None) is bool(self.comparison.value)
        elif local is None:
            passed = False
        else:
            passed = terms_hold(local, day_terms(op, self.comparison.value, today)) is not negated
        try:
            days: int | None = (today - date.fromisoformat(local)).days if local else None
        except ValueError:
            days = None
        shown = "missing" if local is None else f"{local} ({days} days before {today} {zone.key})"
        description = f"{self.field} {shown}; wanted days {self.comparison.describe()}: {outcome(passed)}"
        return Verdict(passed, self.kind, description, decided_by=days)
