"""The audience guard: how many customers one campaign may take in at once before a person must look.

Two limits, both checked by `rekindle run` (the campaign is held for that run) and by `rekindle plan` (warning
P501): the share guard every campaign has (`defaults.audience_guard.max_share` of the subscribed customers,
overridable per campaign with `max_audience_share`; audiences below `min_audience` are never held by it), and
the optional absolute `max_audience` of a campaign.
"""

from __future__ import annotations

from sqlalchemy import Connection, func, select, true

from engine.config.model import AudienceGuard
from engine.rules.model import Campaign
from engine.store.tables import customers


def share_limit(campaign: Campaign, guard: AudienceGuard) -> float:
    """The share of subscribed customers this campaign may enrol at once (1 means no share guard)."""
    return campaign.max_audience_share if campaign.max_audience_share is not None else guard.max_share


def subscribed_customers(conn: Connection) -> int:
    """The base the share is taken of: customers who may be mailed at all."""
    return conn.execute(select(func.count()).select_from(customers).where(customers.c.subscribed == true())
                        ).scalar_one()


def share_breach(campaign: Campaign, guard: AudienceGuard, entering: int, subscribed: int) -> str | None:
    """Why `entering` customers is above the share guard, or None."""
    limit = share_limit(campaign, guard)
    if limit >= 1 or entering < guard.min_audience or subscribed == 0 or entering <= limit * subscribed:
        return None
    return (f"{entering / subscribed:.0%} of the {subscribed} subscribed customers, above its audience guard "
            f"of {limit:.0%}")


def guard_breach(campaign: Campaign, guard: AudienceGuard, entering: int, conn: Connection) -> str | None:
    """Why `entering` customers are too many for one run, or None. Counts the subscribed base only when the
    share guard could apply (enough customers entering), so a small tick costs no extra query."""
    if campaign.max_audience is not None and entering > campaign.max_audience:
        return f"more than its max_audience {campaign.max_audience}"
    if share_limit(campaign, guard) >= 1 or entering < guard.min_audience:
        return None
    return share_breach(campaign, guard, entering, subscribed_customers(conn))
