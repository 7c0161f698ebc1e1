"""Writing a delivery's outcome on its row. Every write is guarded by the claim token and the `sending`
status, so a sender whose lease expired (and whose rows another sender took over) changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, update

from engine.delivery.claim import QUEUED, SENDING, Claimed
from engine.store.models import Delivery


def row_update(
    row: Claimed,
    token: str,
    status: str,
    *,
    sent_at: datetime | None = None,
    smtp_reply: str | None = None,
    failure_reason: str | None = None,
    next_attempt_at: datetime | None = None,
    count_attempt: bool = True,
) -> dict[str, object]:
    """The parameters of one row's update, for `record` (an executemany of all of a batch's outcomes)."""
    return {
        "b_id": row.id,
        "b_token": token,
        "status": status,
        "attempts": row.attempts + (1 if count_attempt else 0),
        "sent_at": sent_at,
        "smtp_reply": smtp_reply,
        "failure_reason": failure_reason,
        "next_attempt_at": next_attempt_at,
        # A row going back to the queue is nobody's; a finished row remembers which worker finished it.
        "claimed_by": None if status == QUEUED else token,
    }


_RECORD = (
    update(Delivery)
    .where(Delivery.id == bindparam("b_id"), Delivery.claimed_by == bindparam("b_token"),
           Delivery.status == SENDING)
    .values(
        status=bindparam("status"),
        attempts=bindparam("attempts"),
        sent_at=bindparam("sent_at"),
        smtp_reply=bindparam("smtp_reply"),
        failure_reason=bindparam("failure_reason"),
        next_attempt_at=bindparam("next_attempt_at"),
        claimed_by=bindparam("claimed_by"),
    )
)


def record(conn: Connection, updates: list[dict[str, object]]) -> None:
    """Write the outcomes (row_update dicts) in one statement."""
    if updates:
        conn.execute(_RECORD, updates)
