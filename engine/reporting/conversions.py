"""Conversions of one campaign, as SQL aggregates: when each converted enrolment converted, what it was worth,
which email gets the credit, and the figures grouped by arm, by step and by variant.

The rule (docs/reporting.md): an enrolment converted when the run engine recorded it as `converted` (its goal
became true within the goal window, held-out enrolments included). The **conversion event** is the first event
after enrolment, up to the recorded conversion, that matches one of the goal's `event` conditions (name and
`where` filters; conditions under `not` are not conversion events). Its time is the time of conversion (the
recorded end when the goal names no event) and its `amount` property is the revenue. Revenue is credited to
the **last email sent before the conversion**; held-out conversions are counted the same way, with no email.

All of it is one derived table (`conversions`), correlated on the events and outbox indexes, that the queries
below group; no row per customer reaches Python.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Subquery, and_, func, literal, null, or_, over, select

from engine.conditions import Condition
from engine.conditions.compare import JsonKey, compare_sql
from engine.conditions.event import EventCondition
from engine.conditions.logic import Not
from engine.reporting.ledger import D, E, EV, event_property, in_window
from engine.reporting.model import Window
from engine.reporting.sqltime import day_key, integer_halves, seconds_between
from engine.rules.model import Campaign

REVENUE_PROPERTY = "amount"


def conversion_events(condition: Condition) -> list[EventCondition]:
    """The goal's event conditions that can make it true (not those under `not`)."""
    if isinstance(condition, Not):
        return []
    if isinstance(condition, EventCondition):
        return [condition] if not condition.count.op == "eq" or condition.count.value != 0 else []
    return [found for child in condition.children() for found in conversion_events(child)]


def _matches(condition: EventCondition) -> ColumnElement[bool]:
    return and_(EV.c.name == condition.name,
                *(compare_sql(JsonKey(EV.c.properties, f.name), f.comparison) for f in condition.where))


def conversions(campaign: Campaign, window: Window) -> Subquery:
    """One row per converted enrolment of the campaign: enrollment_id, holdout, enrolled_at, converted_at,
    amount, and the credited email's step and variant (credited_step None for the holdout). Step and variant
    are read by correlated lookups on the (enrollment_id, step_id) index, so no query joins the outbox."""
    goals = conversion_events(campaign.goal.condition) if campaign.goal else []
    if goals:
        goal_event = and_(EV.c.customer_id == E.c.customer_id, EV.c.occurred_at >= E.c.enrolled_at,
                          EV.c.occurred_at <= E.c.ended_at, or_(*(_matches(g) for g in goals)))
        first_time = select(func.min(EV.c.occurred_at)).where(goal_event).scalar_subquery()
        amount = (select(event_property(REVENUE_PROPERTY, "number")).where(goal_event)
                  .order_by(EV.c.occurred_at, EV.c.id).limit(1).scalar_subquery())
        converted_at: ColumnElement[Any] = func.coalesce(first_time, E.c.ended_at)
    else:
        amount, converted_at = None, E.c.ended_at
    base = select(
        E.c.id.label("enrollment_id"), E.c.holdout, E.c.enrolled_at, converted_at.label("converted_at"),
        (func.coalesce(amount, 0.0) if amount is not None else literal(0.0, Float())).label("amount"),
    ).where(E.c.campaign_id == campaign.id, E.c.status == "converted", *in_window(window)).subquery("converted")
    last_email = (
        select(D.c.step_id).where(D.c.enrollment_id == base.c.enrollment_id, D.c.status == "sent",
                                  D.c.sent_at <= base.c.converted_at)
        .order_by(D.c.sent_at.desc(), D.c.id.desc()).limit(1)
    )
    return select(
        *base.c,
        last_email.scalar_subquery().label("credited_step"),
        last_email.with_only_columns(D.c.variant).scalar_subquery().label("credited_variant"),
    ).subquery("conversions")


def by_arm(conn: Connection, conv: Subquery) -> list[Any]:
    """(holdout, n, revenue)."""
    query = select(conv.c.holdout, func.count().label("n"), func.sum(conv.c.amount).label("revenue")).group_by(
        conv.c.holdout)
    return list(conn.execute(query))


def credited(conn: Connection, conv: Subquery) -> list[Any]:
    """(step_id, variant, n, revenue) of conversions credited to each email."""
    step, variant = conv.c.credited_step, conv.c.credited_variant
    query = (select(step.label("step_id"), variant.label("variant"), func.count().label("n"),
                    func.sum(conv.c.amount).label("revenue"))
             .where(step.is_not(None)).group_by(step, variant))
    return list(conn.execute(query))


def assigned(conn: Connection, conv: Subquery) -> list[Any]:
    """(step_id, variant, n): enrolments that got this step/variant and converted after it was queued."""
    query = (select(D.c.step_id, D.c.variant, func.count().label("n"))
             .select_from(conv.join(D, and_(D.c.enrollment_id == conv.c.enrollment_id,
                                            D.c.queued_at <= conv.c.converted_at)))
             .group_by(D.c.step_id, D.c.variant))
    return list(conn.execute(query))


def medians(conn: Connection, conv: Subquery, keys: str) -> list[Any]:
    """(key..., median_hours) of enrolment-to-conversion time, grouped by `keys`: "arm" (holdout), "step" or
    "variant" (the credited email's step, and variant). The median is the mean of the middle one or two
    values, found with window functions in the database."""
    hours = seconds_between(conv.c.converted_at, conv.c.enrolled_at) / 3600.0
    if keys == "arm":
        k1, k2, criteria = conv.c.holdout, None, []
    else:
        k1, criteria = conv.c.credited_step, [conv.c.credited_step.is_not(None)]
        k2 = conv.c.credited_variant if keys == "variant" else None
    partition = [k1] if k2 is None else [k1, k2]
    ranked = select(
        k1.label("k1"), (k2 if k2 is not None else null()).label("k2"), hours.label("hours"),
        over(func.row_number(), partition_by=partition, order_by=hours).label("rank"),
        over(func.count(), partition_by=partition).label("n"),
    ).where(*criteria).subquery("ranked")
    low, high = integer_halves(ranked.c.n)
    query = (select(ranked.c.k1, ranked.c.k2, func.avg(ranked.c.hours).label("median"))
             .where(or_(ranked.c.rank == low, ranked.c.rank == high))
             .group_by(ranked.c.k1, ranked.c.k2))
    return list(conn.execute(query))


def daily(conn: Connection, campaign: Campaign, conv: Subquery, window: Window) -> tuple[list[Any], list[Any]]:
    """((day, holdout, enrolled) rows, (day, holdout, converted) rows): the raw material of cumulative rates."""
    enrolled_day = select(day_key(E.c.enrolled_at).label("day"), E.c.holdout).where(
        E.c.campaign_id == campaign.id, *in_window(window)).subquery()
    enrolled = select(enrolled_day.c.day, enrolled_day.c.holdout, func.count().label("n")).group_by(
        enrolled_day.c.day, enrolled_day.c.holdout).order_by(enrolled_day.c.day)
    converted_day = select(day_key(conv.c.converted_at).label("day"), conv.c.holdout).subquery()
    converted = select(converted_day.c.day, converted_day.c.holdout, func.count().label("n")).group_by(
        converted_day.c.day, converted_day.c.holdout).order_by(converted_day.c.day)
    return list(conn.execute(enrolled)), list(conn.execute(converted))
