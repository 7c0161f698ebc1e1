"""Honouring an unsubscribe token: the customer stops being subscribed and the address is suppressed.

Both are recorded because they answer different questions: `customers.subscribed` is the audience condition
(`subscribed: true` in rules), the suppression list is what the dispatcher checks before every send, and it
also covers an address that no longer belongs to a customer record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, update

from engine.store.models import Customer
from engine.suppression import store
from engine.suppression.tokens import verify


@dataclass(frozen=True)
class Unsubscribed:
    customer_external_id: str
    email: str
    #: False when the customer was already unsubscribed and the address already suppressed.
    changed: bool
    customer_found: bool


def unsubscribe(conn: Connection, token: str, secret: bytes, now: datetime) -> Unsubscribed:
    """Apply a token (raises `tokens.TokenError` when it was not signed with `secret`). Idempotent."""
    external_id, email = verify(token, secret)
    marked = conn.execute(
        update(Customer)
        .where(Customer.external_id == external_id, Customer.subscribed.is_not(False))
        .values(subscribed=False)
    ).rowcount
    found = marked > 0 or conn.execute(
        Customer.__table__.select().where(Customer.external_id == external_id)
    ).first() is not None
    added = store.add(conn, [store.Entry(email, "unsubscribe", f"token for customer {external_id}")], now)
    return Unsubscribed(external_id, store.normalise(email), bool(marked or added), found)
