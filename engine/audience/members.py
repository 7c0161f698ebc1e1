"""Customers of an audience as store rows (for rendering sample emails): the first few by id, one query."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from engine.audience.query import audience_context, audience_where
from engine.store.models import Customer

if TYPE_CHECKING:
    from engine.conditions.segment import Segment
    from engine.rules.model import Campaign


def audience_customers(conn: Connection, campaign: "Campaign", *, now: datetime, activity_events: tuple[str, ...],
                       segments: Mapping[str, "Segment"], default_timezone: str, limit: int) -> list[Customer]:
    """Up to `limit` customers in `campaign`'s audience at `now`, first by id, detached from any session."""
    if limit <= 0:
        return []
    ctx = audience_context(conn, campaign, now=now, activity_events=activity_events, segments=segments,
                           default_timezone=default_timezone)
    condition = audience_where(campaign, ctx)
    with Session(bind=conn) as session:
        found = list(session.scalars(select(Customer).where(condition).order_by(Customer.id).limit(limit)))
        session.expunge_all()
    return found
