"""Grouped SQL aggregates over the ledger that do not depend on a campaign's goal: enrolments by arm and
ending, emails by step, variant and status, exits by the step they followed, suppressed steps, unsubscribes
and hard bounces caused, clicks.

Each function is one GROUP BY over all requested campaigns at once and returns a few rows per campaign and
step, never a row per customer. The window limits enrolments by `enrolled_at`; deliveries, decisions and
suppressions follow their enrolment into or out of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, FromClause, exists, func, select

from engine.conditions.compare import JsonKey
from engine.reporting.model import Window
from engine.store.models import Decision, Delivery, Enrollment, Event, Suppression

E = Enrollment.__table__
D = Delivery.__table__
DEC = Decision.__table__
EV = Event.__table__
S = Suppression.__table__

CLICK_EVENT = "click"
"""Clicks are events named `click` with properties {campaign, step, variant, link} (link tracking records
them); counted per step and variant when present."""


def event_property(name: str, kind: str) -> ColumnElement[Any]:
    """An event's JSON property as SQL of `kind` ("string" or "number"); NULL when it holds another type."""
    expression = JsonKey(EV.c.properties, name).project(kind)
    if expression is None:
        raise ValueError(f"no SQL projection of JSON values as {kind!r}")
    return expression


def in_window(window: Window, enrolled_at: ColumnElement[Any] = E.c.enrolled_at) -> list[ColumnElement[bool]]:
    criteria = []
    if window.since is not None:
        criteria.append(enrolled_at >= window.since)
    if window.until is not None:
        criteria.append(enrolled_at < window.until)
    return criteria


def _windowed(table: FromClause, enrollment_id: ColumnElement[Any], window: Window) -> tuple[FromClause, list]:
    """`table`, joined to its enrolment only when a window needs enrolled_at."""
    criteria = in_window(window)
    if not criteria:
        return table, []
    return table.join(E, E.c.id == enrollment_id), criteria


def enrolments(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, holdout, status, end_reason, n) rows."""
    query = (
        select(E.c.campaign_id, E.c.holdout, E.c.status, E.c.end_reason, func.count().label("n"))
        .where(E.c.campaign_id.in_(campaign_ids), *in_window(window))
        .group_by(E.c.campaign_id, E.c.holdout, E.c.status, E.c.end_reason)
    )
    return list(conn.execute(query))


def emails(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, variant, status, n) rows over the outbox."""
    source, criteria = _windowed(D, D.c.enrollment_id, window)
    query = (
        select(D.c.campaign_id, D.c.step_id, D.c.variant, D.c.status, func.count().label("n"))
        .select_from(source)
        .where(D.c.campaign_id.in_(campaign_ids), *criteria)
        .group_by(D.c.campaign_id, D.c.step_id, D.c.variant, D.c.status)
    )
    return list(conn.execute(query))


def exits(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, variant, end_reason, n): exited enrolments by the step of the last email queued
    for them at or before the exit (any status), so a marketer sees after which email customers leave and
    why. Exits before any email have no step and are counted on the campaign only. The last email is looked
    up per exited enrolment on the (enrollment_id, step_id) index; exits are a small part of a ledger."""
    last_email = (select(D.c.step_id, D.c.variant)
                  .where(D.c.enrollment_id == E.c.id, D.c.queued_at <= E.c.ended_at)
                  .order_by(D.c.queued_at.desc(), D.c.id.desc()).limit(1))
    exited = select(
        E.c.campaign_id, E.c.end_reason,
        last_email.with_only_columns(D.c.step_id).scalar_subquery().label("step_id"),
        last_email.with_only_columns(D.c.variant).scalar_subquery().label("variant"),
    ).where(E.c.campaign_id.in_(campaign_ids), E.c.status == "exited", *in_window(window)).subquery("exited")
    query = (
        select(exited.c.campaign_id, exited.c.step_id, exited.c.variant, exited.c.end_reason,
               func.count().label("n"))
        .where(exited.c.step_id.is_not(None))
        .group_by(exited.c.campaign_id, exited.c.step_id, exited.c.variant, exited.c.end_reason)
    )
    return list(conn.execute(query))


def suppressed_steps(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, n): steps never queued because the customer was unsubscribed or suppressed."""
    source, criteria = _windowed(DEC, DEC.c.enrollment_id, window)
    query = (
        select(DEC.c.campaign_id, DEC.c.step_id, func.count().label("n"))
        .select_from(source)
        .where(DEC.c.campaign_id.in_(campaign_ids), DEC.c.decision == "suppressed", DEC.c.step_id.is_not(None),
               *criteria)
        .group_by(DEC.c.campaign_id, DEC.c.step_id)
    )
    return list(conn.execute(query))


def unsubscribes(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, variant, n): each unsubscribe credited to the last email sent to that address
    at or before it (so an unsubscribe is counted once, against the email that prompted it)."""
    later = D.alias("later")
    last_before = ~exists().where(
        later.c.customer_id == D.c.customer_id, later.c.status == "sent", later.c.sent_at > D.c.sent_at,
        later.c.sent_at <= S.c.created_at,
    )
    source, criteria = _windowed(D.join(S, S.c.email == func.lower(D.c.email)), D.c.enrollment_id, window)
    query = (
        select(D.c.campaign_id, D.c.step_id, D.c.variant, func.count().label("n"))
        .select_from(source)
        .where(D.c.campaign_id.in_(campaign_ids), S.c.reason == "unsubscribe", D.c.status == "sent",
               D.c.sent_at <= S.c.created_at, last_before, *criteria)
        .group_by(D.c.campaign_id, D.c.step_id, D.c.variant)
    )
    return list(conn.execute(query))


def hard_bounces(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, variant, n): failed emails whose address was then suppressed as a hard bounce."""
    source, criteria = _windowed(D.join(S, S.c.email == func.lower(D.c.email)), D.c.enrollment_id, window)
    query = (
        select(D.c.campaign_id, D.c.step_id, D.c.variant, func.count().label("n"))
        .select_from(source)
        .where(D.c.campaign_id.in_(campaign_ids), S.c.reason == "hard_bounce", D.c.status == "failed",
               S.c.created_at >= D.c.queued_at, *criteria)
        .group_by(D.c.campaign_id, D.c.step_id, D.c.variant)
    )
    return list(conn.execute(query))


def clicks(conn: Connection, campaign_ids: Sequence[str], window: Window) -> list[Any]:
    """(campaign_id, step_id, variant, clicks, clickers) from `click` events in the window (by occurred_at)."""
    labelled = (
        select(
            event_property("campaign", "string").label("campaign_id"),
            event_property("step", "string").label("step_id"),
            event_property("variant", "string").label("variant"),
            EV.c.customer_id,
        )
        .where(EV.c.name == CLICK_EVENT, *in_window(window, EV.c.occurred_at))
        .subquery()
    )
    query = (
        select(labelled.c.campaign_id, labelled.c.step_id, labelled.c.variant, func.count().label("n"),
               func.count(labelled.c.customer_id.distinct()).label("clickers"))
        .where(labelled.c.campaign_id.in_(campaign_ids), labelled.c.step_id.is_not(None))
        .group_by(labelled.c.campaign_id, labelled.c.step_id, labelled.c.variant)
    )
    return list(conn.execute(query))
