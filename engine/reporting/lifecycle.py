"""Where the customer base stands and how it moves, all as SQL aggregates:

- stage counts: the config's lifecycle stages (rule-language conditions) compiled with the audience SQL
  machinery into one `CASE WHEN stage1 THEN 'id1' WHEN ... END` per customer and counted with GROUP BY, at
  each month end (conditions see the past: only events up to that instant, only customers signed up by then)
  and now;
- monthly retention and churn: of the customers active (an activity event) in a month, how many are active
  in the next one;
- cohort retention: of the customers who signed up in a month, the share active k months later;
- lifetime value by signup cohort: revenue events' `amount` per customer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, String, and_, case, func, literal, select

from engine.audience import audience_context
from engine.conditions.logic import AllOf
from engine.conditions.segment import Segment
from engine.config.model import Config
from engine.reporting.ledger import EV, event_property
from engine.reporting.model import CohortPoint, CohortValue, Lifecycle, RetentionPoint, StageCount, rate
from engine.reporting.sqltime import month_index, month_label
from engine.store.models import Customer
from engine.timeutil import to_naive_utc

C = Customer.__table__
OTHER = "other"
"""Customers that match no stage."""


def month_starts(first: datetime, last: datetime) -> list[datetime]:
    """The first instant (UTC) of every month after `first`'s month up to `last`: the month-end snapshots."""
    year, month = first.year, first.month
    result: list[datetime] = []
    while True:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        start = datetime(year, month, 1, tzinfo=timezone.utc)
        if start > last:
            return result
        result.append(start)


def stage_counts(conn: Connection, config: Config, segments: Mapping[str, Segment], at: datetime,
                 label: str) -> list[StageCount]:
    """Customers signed up by `at`, counted by their stage at `at` (one grouped query)."""
    stages = config.lifecycle
    defaults = config.defaults
    ctx = audience_context(conn, AllOf(tuple(s.condition for s in stages)), now=at,
                           activity_events=defaults.activity_events, segments=segments,
                           default_timezone=defaults.timezone)
    stage = case(*((stage.condition.to_sql(ctx), literal(stage.id, String())) for stage in stages),
                 else_=literal(OTHER, String()))
    labelled = select(stage.label("stage")).where(C.c.created_at <= to_naive_utc(at)).subquery()
    query = select(labelled.c.stage, func.count().label("n")).group_by(labelled.c.stage)
    found: dict[str, int] = {row.stage: row.n for row in conn.execute(query)}
    return [StageCount(label, s, found.get(s, 0)) for s in [*(s.id for s in stages), OTHER]]


def _activity_months(config: Config, now: datetime):
    """Distinct (customer_id, month) of activity events up to now."""
    month = month_index(EV.c.occurred_at).label("month")
    return (select(EV.c.customer_id, month)
            .where(EV.c.name.in_(config.defaults.activity_events), EV.c.occurred_at <= to_naive_utc(now))
            .group_by(EV.c.customer_id, month).subquery("active_months"))


def retention(conn: Connection, config: Config, now: datetime, first_month: int) -> list[RetentionPoint]:
    active = _activity_months(config, now)
    following = active.alias("following")
    query = (
        select(active.c.month, func.count().label("active"), func.count(following.c.customer_id).label("kept"))
        .select_from(active.outerjoin(following, and_(following.c.customer_id == active.c.customer_id,
                                                      following.c.month == active.c.month + 1)))
        .where(active.c.month >= first_month - 1)
        .group_by(active.c.month).order_by(active.c.month)
    )
    rows = {row.month: row for row in conn.execute(query)}
    current = now.year * 12 + now.month - 1
    points = []
    for month in sorted(m for m in rows if m >= first_month):
        before = rows.get(month - 1)
        kept = None if before is None else before.kept
        share = None if before is None else rate(before.kept, before.active)
        points.append(RetentionPoint(month_label(month), rows[month].active, kept,
                                     None if before is None else before.active, share,
                                     None if share is None else 1 - share, partial=month == current))
    return points


def cohorts(conn: Connection, config: Config, now: datetime, first_month: int) -> list[CohortPoint]:
    """Share of each signup-month cohort active k months after signing up."""
    active = _activity_months(config, now)
    cohort = month_index(C.c.created_at)
    sizes_q = select(cohort.label("cohort")).where(C.c.created_at <= to_naive_utc(now)).subquery()
    sizes: dict[int, int] = {row.cohort: row.n for row in conn.execute(
        select(sizes_q.c.cohort, func.count().label("n")).where(sizes_q.c.cohort >= first_month)
        .group_by(sizes_q.c.cohort))}
    aged = (select(cohort.label("cohort"), (active.c.month - cohort).label("age"))
            .select_from(active.join(C, C.c.id == active.c.customer_id)).subquery())
    query = (select(aged.c.cohort, aged.c.age, func.count().label("n"))
             .where(aged.c.cohort >= first_month, aged.c.age >= 0)
             .group_by(aged.c.cohort, aged.c.age).order_by(aged.c.cohort, aged.c.age))
    return [CohortPoint(month_label(r.cohort), r.age, r.n, sizes.get(r.cohort, 0), rate(r.n, sizes.get(r.cohort, 0)))
            for r in conn.execute(query)]


def lifetime_value(conn: Connection, config: Config, now: datetime, first_month: int) -> list[CohortValue]:
    """Historical revenue per customer by signup month from `first_month` on, and one row for every earlier
    signup together ("before YYYY-MM"), so the oldest customers count without a row per month of history."""
    amount = event_property("amount", "number")
    revenue = (select(EV.c.customer_id, func.sum(amount).label("revenue"))
               .where(EV.c.name.in_(config.reporting.revenue_events), EV.c.occurred_at <= to_naive_utc(now))
               .group_by(EV.c.customer_id).subquery("revenue"))
    cohort = month_index(C.c.created_at)
    per_customer = (select(case((cohort < first_month, first_month - 1), else_=cohort).label("cohort"),
                           revenue.c.revenue)
                    .select_from(C.outerjoin(revenue, revenue.c.customer_id == C.c.id))
                    .where(C.c.created_at <= to_naive_utc(now)).subquery())
    query = (select(per_customer.c.cohort, func.count().label("n"),
                    func.coalesce(func.sum(per_customer.c.revenue), 0.0).label("revenue"))
             .group_by(per_customer.c.cohort).order_by(per_customer.c.cohort))
    return [CohortValue(f"before {month_label(first_month)}" if r.cohort < first_month else month_label(r.cohort),
                        r.n, float(r.revenue), rate(float(r.revenue), r.n))  # type: ignore[arg-type]
            for r in conn.execute(query)]


def lifecycle(conn: Connection, config: Config, segments: Mapping[str, Segment], now: datetime,
              since: datetime | None) -> Lifecycle:
    """The whole lifecycle section: stages now and at each month end since `since` (default: a year back)."""
    start = since or (now - timedelta(days=365))
    first_month = start.year * 12 + start.month - 1
    monthly: list[StageCount] = []
    if config.lifecycle:
        for month_start in month_starts(start, now):
            previous = month_start - timedelta(days=1)
            monthly += stage_counts(conn, config, segments, month_start, f"{previous:%Y-%m}")
        current = stage_counts(conn, config, segments, now, "now")
    else:
        current = []
    return Lifecycle(
        stages=[s.id for s in config.lifecycle] + ([OTHER] if config.lifecycle else []),
        now=current,
        monthly=monthly,
        retention=retention(conn, config, now, first_month),
        cohorts=cohorts(conn, config, now, first_month),
        value=lifetime_value(conn, config, now, first_month),
    )

