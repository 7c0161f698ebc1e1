"""Who a review renders emails for: the first customers (by id) actually in a campaign's audience at `now`,
masked unless asked otherwise, so a reviewer sees a believable email and never a real address."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from engine.audience import audience_context
from engine.audience.members import audience_customers
from engine.privacy import mask_email, masked_customer
from engine.project import Project
from engine.rules.model import Campaign
from engine.store.models import Customer


def audience_ctx(conn: Connection, project: Project, campaign: Campaign, now: datetime):
    defaults = project.config.defaults
    return audience_context(conn, campaign, now=now, activity_events=defaults.activity_events,
                            segments=project.segments, default_timezone=defaults.timezone)


def audience_members(conn: Connection, project: Project, campaign: Campaign, now: datetime,
                     limit: int) -> list[Customer]:
    """Up to `limit` customers of the audience at `now`, first by id."""
    defaults = project.config.defaults
    return audience_customers(conn, campaign, now=now, activity_events=defaults.activity_events,
                              segments=project.segments, default_timezone=defaults.timezone, limit=limit)


def recipient(customer: Customer, mask: bool) -> tuple[Customer, str]:
    """(the customer to render for, how to name them in output): masked copies unless `mask` is False."""
    if not mask:
        return customer, f"{customer.external_id} <{customer.email}>"
    shown = masked_customer(customer)
    return shown, f"{shown.external_id} <{mask_email(customer.email)}>"
