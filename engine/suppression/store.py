"""Reading and writing the suppression list. Addresses are stored lower-cased; adding one twice is a no-op
(the first reason is kept, since it is the one that explains why mail stopped)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Row, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from engine.store.models import Customer, Suppression
from engine.timeutil import to_naive_utc


@dataclass(frozen=True)
class Entry:
    email: str
    reason: str
    detail: str | None = None


def normalise(email: str) -> str:
    return email.strip().lower()


def add(conn: Connection, entries: Iterable[Entry], now: datetime) -> int:
    """Insert the entries not already suppressed; returns how many were new."""
    rows: dict[str, Entry] = {}
    for entry in entries:
        rows.setdefault(normalise(entry.email), entry)
    if not rows:
        return 0
    values = [
        {"email": email, "reason": e.reason, "detail": e.detail, "created_at": to_naive_utc(now)}
        for email, e in rows.items()
    ]
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Suppression).on_conflict_do_nothing(index_elements=["email"])
    # RETURNING counts the rows really inserted; an executemany's rowcount is -1 on psycopg.
    return len(conn.execute(statement.returning(Suppression.email), values).all())


def remove(conn: Connection, email: str) -> bool:
    return conn.execute(delete(Suppression).where(Suppression.email == normalise(email))).rowcount > 0


def entries(conn: Connection) -> Iterator[Row]:
    """Every suppression (email, reason, detail, created_at), oldest first, streamed."""
    columns = (Suppression.email, Suppression.reason, Suppression.detail, Suppression.created_at)
    yield from conn.execute(select(*columns).order_by(Suppression.created_at, Suppression.email))


def blocked(conn: Connection, emails: Iterable[str], customer_ids: Iterable[int]) -> tuple[dict[str, str], set[int]]:
    """For a batch about to be sent: {email: reason} of the suppressed addresses among `emails`, and the ids
    among `customer_ids` of customers who unsubscribed. Two indexed IN queries per batch, not per message."""
    wanted = {normalise(email) for email in emails}
    suppressed = dict(
        conn.execute(select(Suppression.email, Suppression.reason).where(Suppression.email.in_(wanted))).all()
    )
    ids = set(customer_ids)
    unsubscribed = set(
        conn.execute(select(Customer.id).where(Customer.id.in_(ids), Customer.subscribed.is_(False))).scalars()
    )
    return suppressed, unsubscribed
