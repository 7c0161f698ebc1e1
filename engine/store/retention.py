"""Keeping the store's size in hand: `rekindle db prune` drops what old, finished work no longer needs.

A finished delivery (sent, failed, suppressed, cancelled) older than the cut-off loses its message bytes,
the bulk of the outbox (a rendered email is several kB), and keeps its row: who, which campaign and step,
when, the Message-ID, the relay's reply, and the SHA-256 of the bytes that were sent (`message_sha256`), so
the ledger still proves what went out and no step can be sent twice. Decisions older than the cut-off are
deleted only when asked. Work is done in batches of `BATCH` rows, each its own transaction, so a prune of
millions of rows never holds one long lock.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, select, update

from engine.store.models import FINISHED_DELIVERY_STATUSES, Decision, Delivery

BATCH = 10_000


@dataclass(frozen=True)
class PruneReport:
    deliveries: int
    """Deliveries whose message bytes were (or would be) dropped."""
    message_bytes: int
    decisions: int
    """Decisions deleted (or that would be); 0 unless decisions were asked for."""


def _prunable(cutoff: datetime):
    finished_at = func.coalesce(Delivery.sent_at, Delivery.claimed_at, Delivery.queued_at)
    return (Delivery.status.in_(FINISHED_DELIVERY_STATUSES), Delivery.message.is_not(None), finished_at < cutoff)


def measure(conn: Connection, cutoff: datetime, decisions: bool) -> PruneReport:
    """What a prune at `cutoff` would drop, changing nothing."""
    count, size = conn.execute(
        select(func.count(), func.coalesce(func.sum(func.length(Delivery.message)), 0)).where(*_prunable(cutoff))
    ).one()
    old = conn.execute(select(func.count()).select_from(Decision).where(Decision.decided_at < cutoff)).scalar_one()
    return PruneReport(count, int(size), old if decisions else 0)


def prune(engine: Engine, cutoff: datetime, decisions: bool) -> PruneReport:
    """Drop the message bytes of finished deliveries older than `cutoff` (keeping their hash), and the
    decisions older than it when `decisions`; batch by batch, each committed."""
    with engine.connect() as conn:
        before = measure(conn, cutoff, decisions)
    pruned = 0
    while True:
        with engine.begin() as conn:
            ids = select(Delivery.id).where(*_prunable(cutoff)).order_by(Delivery.id).limit(BATCH).scalar_subquery()
            done = conn.execute(
                update(Delivery).where(Delivery.id.in_(ids)).values(
                    message_sha256=_sha256(conn, Delivery.message), message=None)
                .execution_options(preserve_rowcount=True)
            ).rowcount
        pruned += done
        if done < BATCH:
            break
    deleted = 0
    while decisions:
        with engine.begin() as conn:
            old = select(Decision.id).where(Decision.decided_at < cutoff).order_by(Decision.id).limit(BATCH)
            done = conn.execute(delete(Decision).where(Decision.id.in_(old.scalar_subquery()))
                                .execution_options(preserve_rowcount=True)).rowcount
        deleted += done
        if done < BATCH:
            break
    return PruneReport(pruned, before.message_bytes, deleted)


def _sha256(conn: Connection, column):
    """SQL for the hex SHA-256 of a blob: PostgreSQL's own sha256(), a registered function on SQLite."""
    if conn.dialect.name == "postgresql":
        return func.encode(func.sha256(column), "hex")
    driver = conn.connection.driver_connection
    assert driver is not None, "an open SQLite connection"
    driver.create_function(
        "rekindle_sha256", 1, lambda data: hashlib.sha256(data).hexdigest() if data is not None else None,
        deterministic=True)
    return func.rekindle_sha256(column)


def message_digest(message: bytes) -> str:
    """The hash `prune` keeps, as Python computes it (to check a kept hash against a copy of a message)."""
    return hashlib.sha256(message).hexdigest()
