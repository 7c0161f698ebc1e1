"""`rekindle history`: the activity log, read from the ledgers.

For one customer: every decision about them and every delivery to them with the relay's reply, across
campaigns, in time order (a customer's history is small: two indexed queries, merged). For one campaign over
a period: per day and step, how many of each decision and delivery outcome, counted by the database, and
the pauses that overlapped the period.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from engine.errors import UsageError
from engine.store import pauses
from engine.store.models import Customer, Decision, Delivery


class UnknownCustomer(UsageError):
    """No customer has that external id."""


@dataclass(frozen=True)
class Entry:
    at: datetime
    campaign: str
    step: str | None
    what: str
    """A decision (`enrolled`, `queued`, ...) or a delivery outcome (`delivery sent`, `delivery failed`, ...)."""
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"at": iso(self.at), "campaign": self.campaign, "step": self.step, "what": self.what,
                "detail": self.detail}


def customer_history(conn: Connection, external_id: str, since: datetime | None = None,
                     until: datetime | None = None) -> list[Entry]:
    customer_id = conn.execute(select(Customer.id).where(Customer.external_id == external_id)).scalar_one_or_none()
    if customer_id is None:
        raise UnknownCustomer(f"no customer with id {external_id!r}")
    decided = select(Decision.decided_at, Decision.campaign_id, Decision.step_id, Decision.decision,
                     Decision.reason).where(Decision.customer_id == customer_id)
    decided = _period(decided, Decision.decided_at, since, until).order_by(Decision.decided_at, Decision.id)
    moment = func.coalesce(Delivery.sent_at, Delivery.claimed_at, Delivery.queued_at)
    delivered = select(moment, Delivery.campaign_id, Delivery.step_id, Delivery.status, Delivery.message_id,
                       Delivery.smtp_reply, Delivery.failure_reason).where(Delivery.customer_id == customer_id)
    delivered = _period(delivered, moment, since, until).order_by(moment, Delivery.id)
    decisions = (Entry(at, c, s, d, r) for at, c, s, d, r in conn.execute(decided))
    deliveries = (Entry(at, c, s, f"delivery {state}", "; ".join(x for x in (mid, reply, why) if x))
                  for at, c, s, state, mid, reply, why in conn.execute(delivered))
    return list(heapq.merge(decisions, deliveries, key=lambda e: e.at))


@dataclass(frozen=True)
class DayCount:
    day: str
    step: str | None
    what: str
    count: int

    def as_dict(self) -> dict[str, Any]:
        return {"day": self.day, "step": self.step, "what": self.what, "count": self.count}


def campaign_history(conn: Connection, campaign_id: str, since: datetime, until: datetime
                     ) -> tuple[list[DayCount], list[pauses.Pause]]:
    day = func.date(Decision.decided_at)
    decided = (select(day, Decision.step_id, Decision.decision, func.count())
               .where(Decision.campaign_id == campaign_id, Decision.decided_at >= since, Decision.decided_at < until)
               .group_by(day, Decision.step_id, Decision.decision))
    moment = func.coalesce(Delivery.sent_at, Delivery.claimed_at, Delivery.queued_at)
    delivery_day = func.date(moment)
    delivered = (select(delivery_day, Delivery.step_id, Delivery.status, func.count())
                 .where(Delivery.campaign_id == campaign_id, Delivery.status != "queued", moment >= since,
                        moment < until)
                 .group_by(delivery_day, Delivery.step_id, Delivery.status))
    counts = [DayCount(str(d), s, w, n) for d, s, w, n in conn.execute(decided)]
    counts += [DayCount(str(d), s, f"delivery {w}", n) for d, s, w, n in conn.execute(delivered)]
    counts.sort(key=lambda c: (c.day, c.step or "", c.what))
    return counts, pauses.history(conn, campaign_id, since, until)


def _period(query, column, since: datetime | None, until: datetime | None):
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None
