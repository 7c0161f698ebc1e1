"""Campaign edits as the next run will apply them: customers mid-sequence on an older version, grouped by
where they wait, and the effect of the campaign's `on_change` policy on each group."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, func, select

from engine.rules.model import Campaign
from engine.scheduling.versioning import continue_position
from engine.store.models import Enrollment

E = Enrollment.__table__


@dataclass(frozen=True)
class VersionChange:
    campaign: str
    on_change: str
    from_version: str
    to_version: str
    waiting_at: str | None
    customers: int
    effect: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def effect(campaign: Campaign, pending_step_id: str | None, pending_index: int) -> str:
    """What `on_change` does to a customer waiting at `pending_step_id`, in words."""
    ids = [step.id for step in campaign.steps]
    if campaign.on_change == "exit":
        return "exit the sequence"
    if campaign.on_change == "restart":
        return f"restart at step 1 ({ids[0]}) now"
    position = continue_position(ids, pending_step_id, pending_index)
    if position >= len(ids):
        return f"complete ({pending_step_id} was removed and no step follows)"
    if ids[position] == pending_step_id:
        return f"continue at {pending_step_id}"
    return f"continue at {ids[position]} ({pending_step_id} was removed)"


def version_changes(conn: Connection, campaigns: tuple[Campaign, ...]) -> list[VersionChange]:
    """One entry per (campaign, old version, pending step): counted in SQL, never per customer."""
    by_id = {c.id: c for c in campaigns if c.enabled}
    if not by_id:
        return []
    query = (
        select(E.c.campaign_id, E.c.campaign_version, E.c.next_step_id, E.c.next_step, func.count())
        .where(E.c.status == "active", E.c.campaign_id.in_(list(by_id)))
        .group_by(E.c.campaign_id, E.c.campaign_version, E.c.next_step_id, E.c.next_step)
        .order_by(E.c.campaign_id, E.c.campaign_version, E.c.next_step)
    )
    changes = []
    for campaign_id, version, step_id, index, count in conn.execute(query):
        campaign = by_id[campaign_id]
        if version == campaign.version:
            continue
        changes.append(VersionChange(campaign_id, campaign.on_change, version, campaign.version, step_id, count,
                                     effect(campaign, step_id, index)))
    return changes
