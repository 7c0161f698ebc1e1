"""Pausing campaigns from the store, so a pause takes effect at once on every machine that runs or sends.

A pause names one campaign, or `*` (ALL) for every campaign: the kill switch. While it is in force the tick
enrols nobody into the campaign and advances none of its enrolments, and no sender claims its queued
deliveries (`held`, used by the outbox claim). Lifting the pause changes nothing else: the enrolments and
deliveries carry on from where they were. Lifted pauses stay in the table as history (who, why, when).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, exists, insert, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute

from engine.errors import InvalidInput
from engine.store.models import CampaignPause

ALL = "*"
P = CampaignPause.__table__


class AlreadyPaused(InvalidInput):
    """The campaign (or everything) is already paused; the first pause's reason stands."""


@dataclass(frozen=True)
class Pause:
    campaign_id: str
    reason: str
    paused_by: str
    paused_at: datetime
    resumed_by: str | None = None
    resumed_at: datetime | None = None

    @property
    def everything(self) -> bool:
        return self.campaign_id == ALL


def active(conn: Connection) -> list[Pause]:
    """The pauses in force, the kill switch first, then by campaign id."""
    rows = conn.execute(select(*_columns()).where(P.c.resumed_at.is_(None))).all()
    return sorted((Pause(*row) for row in rows), key=lambda p: (not p.everything, p.campaign_id))


def history(conn: Connection, campaign_id: str, start: datetime | None = None, end: datetime | None = None) -> list[Pause]:
    """Every pause of `campaign_id` (and every kill switch) that overlapped [start, end], oldest first."""
    query = select(*_columns()).where(P.c.campaign_id.in_((campaign_id, ALL)))
    if end is not None:
        query = query.where(P.c.paused_at <= end)
    if start is not None:
        query = query.where(or_(P.c.resumed_at.is_(None), P.c.resumed_at >= start))
    return [Pause(*row) for row in conn.execute(query.order_by(P.c.paused_at, P.c.id))]


def paused_ids(conn: Connection) -> set[str]:
    """Campaign ids paused now (`*` among them when everything is)."""
    return set(conn.execute(select(P.c.campaign_id).where(P.c.resumed_at.is_(None))).scalars())


def is_paused(paused: set[str], campaign_id: str) -> bool:
    return ALL in paused or campaign_id in paused


def pause(conn: Connection, campaign_id: str, reason: str, by: str, at: datetime) -> Pause:
    """Record a pause in force from `at`. AlreadyPaused when one already is (the unique index guards it too)."""
    current = next((p for p in active(conn) if p.campaign_id == campaign_id), None)
    if current is not None:
        what = "every campaign is" if campaign_id == ALL else f"campaign {campaign_id!r} is"
        raise AlreadyPaused(f"{what} already paused since {current.paused_at:%Y-%m-%d %H:%M} UTC by "
                            f"{current.paused_by}: {current.reason}")
    conn.execute(insert(P).values(campaign_id=campaign_id, reason=reason, paused_by=by, paused_at=at))
    return Pause(campaign_id, reason, by, at)


def resume(conn: Connection, campaign_ids: list[str] | None, by: str, at: datetime) -> list[str]:
    """Lift the pauses of `campaign_ids` (None: every pause in force, the kill switch included); returns the
    campaign ids whose pause was lifted."""
    where = [P.c.resumed_at.is_(None)]
    if campaign_ids is not None:
        where.append(P.c.campaign_id.in_(campaign_ids))
    lifted = list(conn.execute(select(P.c.campaign_id).where(*where)).scalars())
    if lifted:
        conn.execute(update(P).where(*where).values(resumed_by=by, resumed_at=at))
    return sorted(lifted)


def held(campaign_column: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """SQL: true when the campaign in `campaign_column` is paused now (by itself or by the kill switch).
    Evaluated in the statement that claims work, so a pause stops the very next batch of a running sender."""
    return exists().where(P.c.resumed_at.is_(None), or_(P.c.campaign_id == ALL, P.c.campaign_id == campaign_column))


def _columns():
    return (P.c.campaign_id, P.c.reason, P.c.paused_by, P.c.paused_at, P.c.resumed_by, P.c.resumed_at)
