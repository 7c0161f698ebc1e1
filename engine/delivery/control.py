"""Changing the outbox by hand, by selection: put failed deliveries back in the queue (`retry`) or take
queued ones out of it (`cancel`), each as one UPDATE of exactly the selected rows.

    selection = Selection(campaign="winback-90", reason="550", since=..., until=...)
    preview(conn, "retry", selection)        # what would change (count and a sample), nothing written
    retry(conn, selection, now)              # how many went back to the queue

A retried delivery is sent as it was rendered, with its Message-ID, after the usual suppression check; one
whose message bytes were pruned (`rekindle db prune`) cannot be retried and is left failed. A cancelled
delivery is finished (`cancelled`), never sent, and no longer counts toward frequency caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, update

from engine.delivery.claim import CANCELLED, FAILED, QUEUED
from engine.store.models import Customer, Delivery

SAMPLE = 10


@dataclass(frozen=True)
class Selection:
    """Which deliveries: every given criterion must hold (none given: all of the action's status)."""

    campaign: str | None = None
    step: str | None = None
    reason: str | None = None
    """A piece of the failure reason or of the last SMTP reply, case-insensitive (e.g. `550`, `mailbox`)."""
    since: datetime | None = None
    until: datetime | None = None
    """The period, on the time of the last attempt (retry) or of queueing (cancel); naive UTC."""


@dataclass(frozen=True)
class Preview:
    count: int
    sample: list[tuple[int, str, str, str, str]]
    """(delivery id, customer, campaign, step, reason or reply) of the first SAMPLE rows."""
    pruned: int = 0
    """Failed deliveries that match but have no message left to send (retry only)."""


def _where(action: str, selection: Selection) -> list[ColumnElement[bool]]:
    status = FAILED if action == "retry" else QUEUED
    moment = func.coalesce(Delivery.claimed_at, Delivery.queued_at) if action == "retry" else Delivery.queued_at
    where: list[ColumnElement[bool]] = [Delivery.status == status]
    if selection.campaign is not None:
        where.append(Delivery.campaign_id == selection.campaign)
    if selection.step is not None:
        where.append(Delivery.step_id == selection.step)
    if selection.reason is not None:
        pattern = f"%{selection.reason.lower()}%"
        where.append(or_(func.lower(Delivery.failure_reason).like(pattern),
                         func.lower(Delivery.smtp_reply).like(pattern)))
    if selection.since is not None:
        where.append(moment >= selection.since)
    if selection.until is not None:
        where.append(moment < selection.until)
    return where


def _sendable(action: str) -> list[ColumnElement[bool]]:
    return [Delivery.message.is_not(None)] if action == "retry" else []


def preview(conn: Connection, action: str, selection: Selection) -> Preview:
    """What `retry` or `cancel` would change, without changing it."""
    where = _where(action, selection)
    count = conn.execute(select(func.count()).select_from(Delivery).where(*where, *_sendable(action))).scalar_one()
    pruned = 0
    if action == "retry":
        pruned = conn.execute(
            select(func.count()).select_from(Delivery).where(*where, Delivery.message.is_(None))).scalar_one()
    sample = conn.execute(
        select(Delivery.id, Customer.external_id, Delivery.campaign_id, Delivery.step_id,
               func.coalesce(Delivery.failure_reason, Delivery.smtp_reply, ""))
        .join(Customer, Customer.id == Delivery.customer_id)
        .where(*where, *_sendable(action)).order_by(Delivery.id).limit(SAMPLE)
    ).all()
    return Preview(count, [(row[0], row[1], row[2], row[3], row[4]) for row in sample], pruned)


def retry(conn: Connection, selection: Selection, now: datetime) -> int:
    """Failed -> queued, due at `now`, attempts counted afresh; returns how many."""
    statement = update(Delivery).where(and_(*_where("retry", selection), *_sendable("retry"))).values(
        status=QUEUED, attempts=0, next_attempt_at=now, failure_reason=None, claimed_by=None, claimed_at=None)
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def cancel(conn: Connection, selection: Selection, now: datetime, by: str) -> int:
    """Queued -> cancelled (never sent), with who cancelled it; returns how many. Rows being sent right now
    (`sending`) are not touched: their outcome is the relay's."""
    statement = update(Delivery).where(and_(*_where("cancel", selection))).values(
        status=CANCELLED, failure_reason=f"cancelled by {by} at {now:%Y-%m-%d %H:%M} UTC", next_attempt_at=None)
    return conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount
