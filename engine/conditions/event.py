"""`event`: the customer has (or has not, under `not`) done something, optionally recently and often.

    event:
      name: purchase
      within: 30d          # only events in the last 30 days (omit: any time)
      since: enrolled      # only events after the customer entered this campaign (exit/goal/step conditions)
      count: {gte: 3}      # default: at least one; {eq: 0} means "never did it"
      where:               # property filters, all must hold
        - {name: amount, gte: 100}

Only events at or before `now` count (so `--now` in the past sees the past); `within` includes both ends.
Without an enrolment (`since: enrolled` in an audience, or explaining a customer not enrolled) no event counts.

SQL differs by database, each using what its planner does well:
- PostgreSQL: correlated EXISTS (default count, `gt: 0`, `gte: 1`), NOT EXISTS (`eq: 0`, `lt: 1`, `lte: 0`),
  a correlated COUNT(*) for counts that zero passes, on the (customer_id, name, occurred_at) index; the
  planner makes (NOT) EXISTS a hashed semi/anti-join. "At least n" (`gte: n`, `gt: n - 1`, n >= 2) is one
  grouped pass over the events sorted by customer (`id IN (SELECT customer_id FROM (... ORDER BY customer_id)
  GROUP BY customer_id HAVING count(*) >= n)`) when it drives its conjunction, and a probe of the customer's
  own events, `EXISTS (SELECT 1 ... OFFSET n - 1)`, when something else narrows the customers first
  (`plan_probes`); other counts that zero fails are grouped. An "at least one" conjunct of an audience that
  the statistics say matches few events names the customers to look up by primary key instead,
  `id = ANY(ARRAY(SELECT customer_id ...))` (`plan_lookup`).
- SQLite: `customers.id IN (SELECT customer_id FROM events WHERE ...)` (NOT IN; `GROUP BY customer_id
  HAVING count(*) <op> n` for other counts), read once from the (name, occurred_at, customer_id) index.
- `since: enrolled` compares with the outer query's enrolment row: correlated on both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Comparison, Condition
from engine.conditions.compare import Column, JsonKey, Operand, compare_sql, compare_value
from engine.conditions.evaluate import Verdict, outcome
from engine.timeutil import format_duration, parse_duration, to_naive_utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement, Select

    from engine.conditions.evaluate import EvalContext, EventRecord
    from engine.conditions.sql import SqlContext

AT_LEAST_ONE = Comparison("gte", 1)
FOREVER = timedelta(days=36500)
"""How far back an event without `within` may lie, to weigh it against windowed ones (plan_probes)."""
SOME = (("gte", 1), ("gt", 0))
NONE = (("eq", 0), ("lt", 1), ("lte", 0))
LOOKUP_SHARE = 0.1
"""An "at least one event" conjunct of an audience whose matching events PostgreSQL's statistics put at no
more than this share of the customers names the customers to look up by primary key (plan_lookup)."""


def plan_lookup(conjuncts: tuple[Condition, ...], ctx: "SqlContext") -> "SqlContext":
    """Choose, for PostgreSQL, whether an audience reads only the customers that one narrow event condition
    names, `customers.id = ANY(ARRAY(SELECT customer_id FROM events WHERE ...))`, instead of every customer.

    Called with the conjuncts of an audience's WHERE over customers (engine.audience.query), and only there:
    under `not`, `any` or a CASE, `id = ANY(...)` would search the array for every row. PostgreSQL hashes the
    events of such a condition and scans every customer for the join (onboarding-complete: 16k events in the
    last week, 1M customers scanned) unless `random_page_cost` says random reads are cheap; the ids of an
    array from a subquery it cannot estimate, it takes as a few, and looks them up by primary key whatever the
    server settings say. That is cheaper up to about a tenth of the customers (1M customers, backend CPU
    without parallel workers, hash join / lookup: 16k events 0.34 / 0.07 s, 54k 0.43 / 0.14 s, 173k 0.55 /
    0.29 s; the hash join's scan is shared by parallel workers, the lookups are not). So the condition with
    the fewest expected events is keyed when they are under LOOKUP_SHARE of the customers; without statistics,
    none is. Both shapes select the same customers."""
    candidates = [c for c in conjuncts if isinstance(c, EventCondition) and not c.since_enrolled
                  and (c.count.op, c.count.value) in SOME]
    estimates = [(estimate, c) for c in candidates if (estimate := c.estimated_events(ctx)) is not None]
    if not estimates or ctx.customer_rows <= 0:
        return ctx
    fewest, keyed = min(estimates, key=lambda pair: pair[0])
    if fewest > ctx.customer_rows * LOOKUP_SHARE:
        return ctx
    return replace(ctx, keyed=ctx.keyed | {id(keyed)})


def plan_probes(conjuncts: tuple[Condition, ...], ctx: "SqlContext") -> "SqlContext":
    """Choose, for PostgreSQL, how the "at least n events" counts of one conjunction are compiled.

    A grouped pass counts the matching events of every customer (upsell's 1M logins in 30 days: 1.5-2 s,
    repeated by each parallel worker); a probe reads at most n index entries of one customer, a few
    microseconds, and PostgreSQL runs it only for the customers every cheaper test and join kept. So when a
    conjunct narrows the customers by itself (a `days_since` window, an `anniversary`), every count is a probe;
    otherwise the count with the fewest expected events stays grouped and drives the query (a hashed
    semi-join), and the others are probes of the customers it kept. Counts an enclosing conjunction already
    planned are left as planned. Both shapes select the same customers; only the cost differs."""
    counts = [c for c in conjuncts if isinstance(c, EventCondition) and c.at_least() is not None
              and id(c) not in ctx.planned]
    if not counts:
        return ctx
    if any(conjunct.narrows() or id(conjunct) in ctx.keyed for conjunct in conjuncts):
        probed = counts
    else:
        driver = min(counts, key=lambda count: count.expected_events(ctx))
        probed = [count for count in counts if count is not driver]
    return replace(ctx, planned=ctx.planned | {id(c) for c in counts}, probed=ctx.probed | {id(c) for c in probed})


@dataclass(frozen=True)
class PropertyFilter:
    name: str
    comparison: Comparison

    def operand(self) -> JsonKey:
        from engine.conditions.sql import events

        return JsonKey(events.c.properties, self.name)


def property_filters(body: Any) -> tuple[PropertyFilter, ...]:
    """The `where:` list of a validated condition body."""
    return tuple(PropertyFilter(f["name"], Comparison.from_mapping(f)) for f in body.get("where", ()))


@dataclass(frozen=True)
class EventCondition(Condition):
    kind = "event"
    name: str
    within: timedelta | None = None
    since_enrolled: bool = False
    count: Comparison = AT_LEAST_ONE
    where: tuple[PropertyFilter, ...] = ()

    @classmethod
    def parse(cls, body: Any) -> "EventCondition":
        return cls(
            name=body["name"],
            within=parse_duration(body["within"]) if "within" in body else None,
            since_enrolled=body.get("since") == "enrolled",
            count=Comparison.from_mapping(body["count"]) if "count" in body else AT_LEAST_ONE,
            where=property_filters(body),
        )

    def criteria(self, ctx: "SqlContext") -> list["ColumnElement[bool]"]:
        """SQL tests on `events` for the events this condition counts, except `since: enrolled` (which needs the
        outer query's enrolment row). Shared with the kinds that aggregate over the same selection."""
        from engine.conditions.sql import events

        now = to_naive_utc(ctx.now)
        criteria = [events.c.name == self.name, events.c.occurred_at <= now]
        if self.within is not None:
            criteria.append(events.c.occurred_at >= now - self.within)
        criteria.extend(compare_sql(f.operand(), f.comparison) for f in self.where)
        return criteria

    def at_least(self) -> int | None:
        """n when this condition is "at least n matching events" with n >= 2 and no enrolment (the shapes that
        can be probed: `gte: 2.5` is at least 3, `gt: 3` at least 4); None otherwise."""
        op, value = self.count.op, self.count.value
        if self.since_enrolled or op not in ("gte", "gt") or isinstance(value, bool) or not isinstance(
                value, (int, float)):
            return None
        least = math.ceil(value) if op == "gte" else math.floor(value) + 1
        return least if least >= 2 else None

    def expected_events(self, ctx: "SqlContext") -> float:
        """A rough size of the grouped pass, to compare with other counts: `estimated_events`, or without a
        histogram of the events' times, the name's share of the events times the window's length."""
        estimated = self.estimated_events(ctx)
        if estimated is not None:
            return estimated
        return self._share(ctx) * (self.within or FOREVER).total_seconds()

    def estimated_events(self, ctx: "SqlContext") -> float | None:
        """About how many stored events match (name and window; `where:` filters are not counted, so this is
        an upper bound), from PostgreSQL's statistics; None without them."""
        now = to_naive_utc(ctx.now)
        in_window = ctx.events_between(None if self.within is None else now - self.within, now)
        return None if in_window is None else self._share(ctx) * in_window

    def _share(self, ctx: "SqlContext") -> float:
        """The name's share of the events; unknown names weigh as much as the most common one."""
        return ctx.event_shares.get(self.name, max(ctx.event_shares.values(), default=1.0))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import Boolean, false, true

        from engine.conditions.sql import Portable, events

        criteria = self.criteria(ctx)
        if not self.since_enrolled:
            if id(self) in ctx.keyed:
                postgresql = self._lookup(criteria)
            elif id(self) in ctx.probed:
                postgresql = self._probe(criteria)
            else:
                postgresql = self._postgresql(criteria)
            return Portable(Boolean(), sqlite=self._set_based(criteria), postgresql=postgresql)
        if ctx.enrolled_at is None:
            return true() if compare_value(0, self.count, Operand()) else false()
        return self._correlated([events.c.occurred_at >= ctx.enrolled_at, *criteria])

    def _postgresql(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """(NOT) EXISTS stays correlated: PostgreSQL turns it into a hashed semi- or anti-join. A count that zero
        fails (`count: {gte: 8}`) becomes one grouped pass over the events, `id IN (... GROUP BY customer_id
        HAVING count(*) >= 8)`, instead of a COUNT(*) per customer (referral-ask over 1M customers / 10M events:
        4.9 s -> see docs/conditions.md). A count that zero passes (`lt: 3`) would need NOT IN, which PostgreSQL
        cannot turn into an anti-join, so it stays a correlated COUNT."""
        shape = (self.count.op, self.count.value)
        if shape in SOME or shape in NONE or compare_value(0, self.count, Operand()):
            return self._correlated(criteria)
        return self._grouped_in_order(criteria)

    def _grouped_in_order(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """`customers.id IN (SELECT customer_id FROM (SELECT customer_id ... ORDER BY customer_id) GROUP BY
        customer_id HAVING count(*) <op> n)`, for a count that zero fails. PostgreSQL does not flatten a
        subquery with ORDER BY, so it counts the sorted rows in one pass (a GroupAggregate) where it would hash
        them: referral-ask's 1.03M logins of 434k customers hashed in 0.58-0.67 s of CPU (spilling to disk at the
        default 4 MB work_mem; 0.61 s at 64 MB), sorted in 0.33-0.38 s. The groups also come out in id order,
        so the customers they keep are looked up in order."""
        from sqlalchemy import func, select

        from engine.conditions.sql import customers, events

        matching = select(events.c.customer_id).where(*criteria).order_by(events.c.customer_id).subquery("matching")
        per_customer = (select(matching.c.customer_id).group_by(matching.c.customer_id)
                        .having(compare_sql(Column(func.count(), "number"), self.count)))
        return customers.c.id.in_(per_customer)

    def _lookup(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """`customers.id = ANY(ARRAY(SELECT customer_id ...))`: the ids are read once (an InitPlan) from the
        (name, occurred_at, customer_id) index and looked up by primary key, in id order (plan_lookup)."""
        from sqlalchemy import any_, func, select

        from engine.conditions.sql import customers, events

        return customers.c.id == any_(func.array(select(events.c.customer_id).where(*criteria).scalar_subquery()))

    def _probe(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """At least n of the customer's events: `EXISTS (SELECT 1 ... OFFSET n - 1)`, which reads at most n
        entries of the (customer_id, name, occurred_at) index per customer. PostgreSQL cannot hash an EXISTS
        with OFFSET, so it stays a per-customer test, run after the cheaper tests and joins of the query."""
        from sqlalchemy import literal_column, select

        from engine.conditions.sql import customers, events

        least = self.at_least()
        assert least is not None, "only 'at least n' counts are probed"
        found: "Select[Any]" = select(literal_column("1")).where(events.c.customer_id == customers.c.id, *criteria)
        return found.offset(least - 1).exists()

    def _correlated(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """EXISTS / NOT EXISTS / COUNT(*) per customer on the (customer_id, name, occurred_at) index. PostgreSQL
        turns (NOT) EXISTS into a hashed semi- or anti-join where it can and orders costly tests last; and
        `since: enrolled` must be correlated since it refers to the outer query's enrolment row."""
        from sqlalchemy import exists, func, select

        from engine.conditions.sql import customers, events

        criteria = [events.c.customer_id == customers.c.id, *criteria]
        shape = (self.count.op, self.count.value)
        if shape in SOME:
            return exists().where(*criteria)
        if shape in NONE:
            return ~exists().where(*criteria)
        counted = select(func.count()).select_from(events).where(*criteria).scalar_subquery()
        return compare_sql(Column(counted, "number"), self.count)

    def _set_based(self, criteria: list["ColumnElement[bool]"]) -> "ColumnElement[bool]":
        """`customers.id [NOT] IN (SELECT customer_id ...)`: SQLite reads the matching events once from the
        (name, occurred_at, customer_id) index into a temporary index, in any context, where the correlated
        form probes the events index once per customer (a scan of 1M customers: 5 s -> 0.8 s CPU)."""
        from sqlalchemy import func, select

        from engine.conditions.sql import customers, events, negate

        matching = select(events.c.customer_id).where(*criteria)
        shape = (self.count.op, self.count.value)
        if shape in SOME:
            return customers.c.id.in_(matching)
        if shape in NONE:
            return customers.c.id.not_in(matching)
        counted = Column(func.count(), "number")
        per_customer = matching.group_by(events.c.customer_id)
        if compare_value(0, self.count, Operand()):  # customers without events pass: exclude those that fail
            return customers.c.id.not_in(per_customer.having(negate(compare_sql(counted, self.count))))
        return customers.c.id.in_(per_customer.having(compare_sql(counted, self.count)))

    def matching(self, ctx: "EvalContext") -> list["EventRecord"]:
        """The customer's events this condition counts, in Python."""
        now = to_naive_utc(ctx.now)
        since: datetime | None = None
        if self.within is not None:
            since = now - self.within
        if self.since_enrolled:
            if ctx.enrolled_at is None:
                return []
            enrolled = to_naive_utc(ctx.enrolled_at)
            since = enrolled if since is None else max(since, enrolled)
        return [
            event
            for event in ctx.events
            if event.name == self.name
            and event.occurred_at <= now
            and (since is None or event.occurred_at >= since)
            and all(compare_value((event.properties or {}).get(f.name), f.comparison, f.operand()) for f in self.where)
        ]

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        found = self.matching(ctx)
        count = len(found)
        passed = compare_value(count, self.count, Operand())
        latest = max((event.occurred_at for event in found), default=None)
        seen = f", latest {latest:%Y-%m-%d %H:%M}" if latest else ""
        description = (f"{self.describe(ctx)}: {count} event{'s' if count != 1 else ''}{seen}; "
                       f"wanted count {self.count.describe()}: {outcome(passed)}")
        return Verdict(passed, self.kind, description, decided_by=count)

    def describe(self, ctx: "EvalContext | None" = None) -> str:
        parts = [self.name]
        if self.within is not None:
            parts.append(f"within {format_duration(self.within)}")
        if self.since_enrolled:
            enrolled = getattr(ctx, "enrolled_at", None)
            parts.append(f"since enrolled ({enrolled:%Y-%m-%d %H:%M})" if enrolled else "since enrolled (not enrolled)")
        if self.where:
            parts.append("where " + " and ".join(f"{f.name} {f.comparison.describe()}" for f in self.where))
        return " ".join(parts)
