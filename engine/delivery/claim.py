"""Taking work from the outbox so that concurrent senders never take the same delivery.

A claim is one statement, committed before any SMTP traffic:

    WITH picked AS (SELECT id FROM deliveries WHERE <due> ORDER BY next_attempt_at LIMIT :n FOR UPDATE SKIP LOCKED)
    UPDATE deliveries SET status='sending', claimed_by=:token, claimed_at=:now
    WHERE id IN (SELECT id FROM picked)
    RETURNING ...

On PostgreSQL, SKIP LOCKED lets each worker pass over rows another worker is claiming instead of waiting for
them. The pick is a CTE, evaluated once: written as an `IN (subquery)` PostgreSQL may run the subquery again
for each row it updates, and with SKIP LOCKED every run finds different rows, so the LIMIT stops limiting. SQLite has no row locks (the FOR UPDATE clause is not rendered there), but it runs a write statement
holding the database's single write lock, so the subquery and the update see the same rows and no other
writer can interleave. The update does not repeat the <due> test. On PostgreSQL the rows it updates are
the ones the pick locked, and locking a row another transaction changed since the statement began re-checks
<due> on its newest version (READ COMMITTED's re-check), so a picked row is due and stays so until the
commit; on SQLite nothing can change in between. Repeated, the test only misled both planners into finding
the rows to update through the status index rather than by id, reading every row of that status for each
claim (PostgreSQL, 20,000 queued: 50 ms a claim of 640 instead of 7). The token (worker id plus
a random part) marks the batch, and every later update of a row checks it, so a worker whose lease expired
cannot overwrite the outcome recorded by the worker that took the row over.

<due> leaves out the deliveries of held campaigns: those paused in the store (engine/store/pauses.py, read by
the claim itself, so a pause stops a running sender at its next batch) and those the caller names (campaigns
disabled in their rule file). Held rows stay queued, untouched, and are sent once the hold is lifted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, func, not_, or_, select, text, update
from sqlalchemy.orm import QueryableAttribute

from engine.store import pauses
from engine.store.models import Delivery

QUEUED, SENDING, SENT, FAILED, SUPPRESSED, CANCELLED = "queued", "sending", "sent", "failed", "suppressed", "cancelled"


@dataclass(frozen=True)
class Claimed:
    id: int
    customer_id: int
    email: str
    message: bytes | None
    message_id: str
    attempts: int
    campaign_id: str


def new_token(worker_id: str) -> str:
    return f"{worker_id}/{uuid.uuid4().hex[:8]}"


def _due(now: datetime, hold: Collection[str] = ()):
    due = and_(
        Delivery.status == QUEUED,
        or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        not_(pauses.held(Delivery.campaign_id)),
    )
    return and_(due, Delivery.campaign_id.not_in(list(hold))) if hold else due


_NO_SORT, _SORT_AGAIN = text("SET LOCAL enable_sort = off"), text("SET LOCAL enable_sort TO DEFAULT")
"""Around every claim on PostgreSQL (claim_rows). The outbox and the render queue are empty between runs and
100,000 rows long a minute later, so the planner's statistics cannot know their size: estimating a handful of
rows, it reads all of them through a bitmap and sorts them, for every claim (and a bitmap scan revisits every
row already done until a vacuum). With sorting off for that one statement it walks the status index, which
is in the claim's order, and stops after `size` rows."""


def claim_batch(
    conn: Connection, token: str, now: datetime, size: int, hold: Collection[str] = ()
) -> list[Claimed]:
    """Mark up to `size` due deliveries as `sending` under `token` and return them (in id order); the
    deliveries of paused campaigns and of the campaigns in `hold` are left queued.

    They are picked in the order of the status index (status, next_attempt_at), so a claim reads `size`
    rows of it and sorts nothing; picked by id, every claim found and sorted every queued row, which made a
    send of 20,000 spend more time claiming than sending. Which due row goes first was never promised (SQLite
    puts new mail, whose next_attempt_at is NULL, before retries that are due; PostgreSQL after them)."""
    rows = claim_rows(
        conn, _due(now, hold), size, {"status": SENDING, "claimed_by": token, "claimed_at": now},
        (Delivery.id, Delivery.customer_id, Delivery.email, Delivery.message, Delivery.message_id, Delivery.attempts,
         Delivery.campaign_id),
    )
    return sorted((Claimed(*row) for row in rows), key=lambda row: row.id)


def claim_rows(conn: Connection, where: ColumnElement[bool], size: int, values: dict[str, Any],
               returning: Sequence[QueryableAttribute[Any]]) -> list[Row]:
    """The claim itself, for any kind of work kept in deliveries (sending here, rendering in
    engine/runner/render_queue.py): up to `size` rows matching `where`, first in the status index's order
    (status, next_attempt_at), set to `values` in one statement, with the `returning` columns of the rows this
    caller got (see the module docstring)."""
    pick = (
        select(Delivery.id)
        .where(where)
        .order_by(Delivery.next_attempt_at)
        .limit(size)
        .with_for_update(skip_locked=True)
        .cte("picked")
    )
    statement = update(Delivery).where(Delivery.id.in_(select(pick.c.id))).values(values).returning(*returning)
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        conn.execute(_NO_SORT)
    rows = list(conn.execute(statement))
    if postgresql:
        conn.execute(_SORT_AGAIN)
    return rows


def reclaim_stale(conn: Connection, now: datetime, lease: timedelta) -> int:
    """Put back in the queue the deliveries a worker claimed more than `lease` ago and never finished (it
    crashed or was killed). Returns how many. Their attempts are not counted: the attempt's outcome is unknown."""
    statement = (
        update(Delivery)
        .where(Delivery.status == SENDING, Delivery.claimed_at < now - lease)
        .values(status=QUEUED, claimed_by=None, claimed_at=None)
    )
    return conn.execute(statement).rowcount


def release(conn: Connection, token: str, ids: list[int]) -> int:
    """Give a claimed batch back untouched (the transport was down, nothing was handed over)."""
    statement = (
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.claimed_by == token, Delivery.status == SENDING)
        .values(status=QUEUED, claimed_by=None, claimed_at=None)
    )
    return conn.execute(statement).rowcount


def count_due(conn: Connection, now: datetime, lease: timedelta, hold: Collection[str] = ()) -> int:
    """How many deliveries a dispatch at `now` would find (for a progress bar's total)."""
    stale = and_(Delivery.status == SENDING, Delivery.claimed_at < now - lease)
    return conn.execute(select(func.count()).select_from(Delivery).where(or_(_due(now, hold), stale))).scalar_one()
