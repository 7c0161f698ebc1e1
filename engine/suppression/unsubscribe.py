"""Honouring an unsubscribe token: the customer stops being subscribed and the address is suppressed.

Both are recorded because they answer different questions: `customers.subscribed` is the audience condition
(`subscribed: true` in rules), the suppression list is what the dispatcher checks before every send, and it
also covers an address that no longer belongs to a customer record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, select, update

from engine.store.models import Customer, Suppression
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


@dataclass(frozen=True)
class Resubscribed:
    email: str
    customer_found: bool
    #: The reason the address stays suppressed (a hard bounce, a complaint...), or None when mail can resume.
    still_blocked: str | None


def resubscribe(conn: Connection, token: str, secret: bytes) -> Resubscribed:
    """Undo an unsubscribe made with this token: the customer is subscribed again and the address leaves the
    suppression list, but only if it is there because of an unsubscribe. A hard bounce or a complaint is not
    the customer's to undo from a link, so those stay (and are reported in `still_blocked`)."""
    external_id, email = verify(token, secret)
    address = store.normalise(email)
    found = conn.execute(
        update(Customer).where(Customer.external_id == external_id).values(subscribed=True)
    ).rowcount > 0
    conn.execute(delete(Suppression).where(Suppression.email == address, Suppression.reason == "unsubscribe"))
    remaining = conn.execute(select(Suppression.reason).where(Suppression.email == address)).scalar()
    return Resubscribed(address, found, remaining)
