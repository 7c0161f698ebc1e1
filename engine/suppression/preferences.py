"""Category opt-outs: a customer who no longer wants one kind of email (a campaign's `category`) but still
wants the rest. The run engine treats an opted-out customer like an unsubscribed one for campaigns of that
category (engine/runner/advance.py) when it queues an email, and the sender checks again before it sends one
(engine/delivery/dispatch.py), so an opt-out made while an email waits in the outbox still stops it."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, select, tuple_

from engine.store.models import CategoryOptOut, Customer
from engine.store.upsert import upsert
from engine.timeutil import to_naive_utc


def customer_id(conn: Connection, external_id: str) -> int | None:
    return conn.execute(select(Customer.id).where(Customer.external_id == external_id)).scalar()


def opted_out(conn: Connection, customer: int) -> set[str]:
    return set(conn.execute(select(CategoryOptOut.category).where(CategoryOptOut.customer_id == customer)).scalars())


def opted_out_pairs(conn: Connection, pairs: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
    """Which of the (customer id, category) `pairs` are opted out: one query for a whole batch, by the table's
    primary key, so the sender checks a claimed batch without a query per message."""
    wanted = set(pairs)
    if not wanted:
        return set()
    query = select(CategoryOptOut.customer_id, CategoryOptOut.category).where(
        tuple_(CategoryOptOut.customer_id, CategoryOptOut.category).in_(sorted(wanted)))
    return {(customer, category) for customer, category in conn.execute(query)}


def choose(conn: Connection, customer: int, wanted: Collection[str], known: Collection[str], now: datetime) -> set[str]:
    """Record that the customer wants exactly the `wanted` categories among `known` (the others are opted
    out); categories not in `known` are ignored. Returns the opted-out set. Safe to repeat."""
    out = set(known) - set(wanted)
    kept = delete(CategoryOptOut).where(CategoryOptOut.customer_id == customer)
    conn.execute(kept.where(CategoryOptOut.category.not_in(out)) if out else kept)
    if out:  # ON CONFLICT DO NOTHING: a second, concurrent save of the same choice is not an error
        statement = upsert(conn.dialect.name, CategoryOptOut.__table__, key=("customer_id", "category"))
        conn.execute(statement, [{"customer_id": customer, "category": c, "created_at": to_naive_utc(now)}
                                 for c in sorted(out)])
    return out
