"""`rekindle status`: the state of a store at a glance, for an operator and for a monitor.

Every section is one or two aggregate queries (no per-row work): the last runs, the outbox by status with
the age of the oldest delivery waiting to be sent, failures of the recent period grouped by reason, paused
(and disabled) campaigns, steps deferred for longer than a threshold, and whether the store and the relay
answer. `attention` lists what someone should look at; the command exits 1 when it is not empty.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, not_, select

from engine.errors import PermanentFailure
from engine.store import pauses
from engine.store.models import Decision, Delivery, Enrollment, Run

RELAY_TIMEOUT = 10.0


class NeedsAttention(PermanentFailure):
    """Something in the report needs a person (exit 1, so a monitor alerts); the report says what."""


@dataclass(frozen=True)
class Thresholds:
    window: timedelta = timedelta(days=1)
    """Failures of this recent period are reported (and need attention)."""
    queued: timedelta = timedelta(hours=1)
    """A delivery due for longer than this without being sent needs attention."""
    deferred: timedelta = timedelta(days=2)
    """A step deferred (send window) for longer than this needs attention: the schedule may never reach it."""
    runs: int = 5


@dataclass
class Status:
    now: datetime
    store: dict[str, Any]
    relay: dict[str, Any] | None = None
    runs: list[dict[str, Any]] = field(default_factory=list)
    outbox: dict[str, Any] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)
    paused: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)
    attention: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"now": _iso(self.now), "attention": self.attention, "store": self.store, "relay": self.relay,
                "runs": self.runs, "outbox": self.outbox, "failures": self.failures, "paused": self.paused,
                "deferred": self.deferred}


def gather(conn: Connection, now: datetime, thresholds: Thresholds, disabled: tuple[str, ...] = (),
           schedule_every: timedelta | None = None) -> Status:
    """Everything but the relay, at `now` (naive UTC)."""
    status = Status(now=now, store={"reachable": True})
    status.runs = last_runs(conn, thresholds.runs)
    status.outbox = outbox(conn, now, disabled)
    status.failures = failures(conn, now - thresholds.window)
    status.paused = [{"campaign": p.campaign_id, "reason": p.reason, "by": p.paused_by, "since": _iso(p.paused_at)}
                     for p in pauses.active(conn)]
    status.paused += [{"campaign": c, "reason": "enabled: false in its rule file", "by": None, "since": None}
                      for c in disabled]
    status.deferred = long_deferred(conn, now - thresholds.deferred)
    status.attention = _attention(status, now, thresholds, schedule_every)
    return status


def last_runs(conn: Connection, count: int) -> list[dict[str, Any]]:
    # Enrolments on arrival (kind `arrival`, engine/runner/arrival.py) are not runs of the schedule: counting
    # them would hide a schedule that stopped while events keep arriving.
    query = select(Run.id, Run.started_at, Run.finished_at, Run.status, Run.now, Run.summary).where(
        Run.kind == "tick").order_by(Run.id.desc()).limit(count)
    runs = []
    for id_, started, finished, state, at, summary in conn.execute(query):
        delivery = (summary or {}).get("delivery") or {}
        runs.append({
            "id": id_, "started_at": _iso(started), "finished_at": _iso(finished), "now": _iso(at),
            "duration_seconds": round((finished - started).total_seconds(), 3) if finished else None,
            "status": state, "totals": (summary or {}).get("totals", {}),
            "delivery": {k: delivery.get(k) for k in ("sent", "failed", "deferred", "suppressed", "unavailable")}
            if delivery else None,
            "error": (summary or {}).get("error"),
        })
    return runs


def outbox(conn: Connection, now: datetime, disabled: tuple[str, ...]) -> dict[str, Any]:
    """Deliveries by status; of the queued ones, how many are held (paused or disabled campaign) and the age
    of the oldest one that is due and not held (the one a monitor cares about)."""
    by_status = dict(conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    held = or_held(disabled)
    queued = Delivery.status == "queued"
    held_count = conn.execute(select(func.count()).select_from(Delivery).where(queued, held)).scalar_one()
    due = and_(queued, not_(held), func.coalesce(Delivery.next_attempt_at, Delivery.queued_at) <= now)
    oldest = conn.execute(select(func.min(func.coalesce(Delivery.next_attempt_at, Delivery.queued_at)))
                          .where(due)).scalar_one()
    return {"by_status": by_status, "held": held_count,
            "oldest_due_since": _iso(oldest),
            "oldest_due_age_seconds": round((now - oldest).total_seconds()) if oldest else None}


def or_held(disabled: tuple[str, ...]):
    held = pauses.held(Delivery.campaign_id)
    return held | Delivery.campaign_id.in_(list(disabled)) if disabled else held


FAILED_DECISIONS = {"render_failed": "render", "campaign_failed": "campaign"}
"""Decisions that are failures, and the kind `status` reports them as."""


def failures(conn: Connection, since: datetime) -> list[dict[str, Any]]:
    """Render and campaign failures (decisions) and failed deliveries since `since`, grouped by reason, most
    first."""
    failed_at = func.coalesce(Delivery.claimed_at, Delivery.queued_at)
    deliveries = conn.execute(
        select(Delivery.failure_reason, func.count(), func.max(failed_at),
               func.min(Delivery.campaign_id), func.count(func.distinct(Delivery.campaign_id)))
        .where(Delivery.status == "failed", failed_at >= since).group_by(Delivery.failure_reason)
    ).all()
    decided = conn.execute(
        select(Decision.decision, Decision.reason, func.count(), func.max(Decision.decided_at),
               func.min(Decision.campaign_id), func.count(func.distinct(Decision.campaign_id)))
        .where(Decision.decision.in_(FAILED_DECISIONS), Decision.decided_at >= since)
        .group_by(Decision.decision, Decision.reason)
    ).all()
    rows: list[tuple[Any, ...]] = [(FAILED_DECISIONS[decision], *row) for decision, *row in decided]
    rows += [("delivery", *row) for row in deliveries]
    grouped = [
        {"kind": kind, "reason": reason or "", "count": count, "latest": _iso(latest),
         "campaign": campaign if campaigns == 1 else f"{campaigns} campaigns"}
        for kind, reason, count, latest, campaign, campaigns in rows
    ]
    return sorted(grouped, key=lambda g: (-g["count"], g["kind"], g["reason"]))


def long_deferred(conn: Connection, before: datetime) -> list[dict[str, Any]]:
    """Active enrolments whose next step was first deferred by its send window before `before` and still has
    not gone out, per campaign and step: a schedule that never reaches the window leaves them there."""
    first = (
        select(Decision.enrollment_id, Decision.step_id, func.min(Decision.decided_at).label("since"))
        .where(Decision.decision == "deferred_window")
        .group_by(Decision.enrollment_id, Decision.step_id)
        .subquery()
    )
    query = (
        select(Enrollment.campaign_id, Enrollment.next_step_id, func.count(), func.min(first.c.since))
        .join(first, and_(first.c.enrollment_id == Enrollment.id, first.c.step_id == Enrollment.next_step_id))
        .where(Enrollment.status == "active", first.c.since < before)
        .group_by(Enrollment.campaign_id, Enrollment.next_step_id)
        .order_by(Enrollment.campaign_id, Enrollment.next_step_id)
    )
    return [{"campaign": c, "step": s, "enrolments": n, "deferred_since": _iso(since)}
            for c, s, n, since in conn.execute(query)]


def check_relay(backend) -> dict[str, Any]:
    """Open and close the backend (an SMTP session up to EHLO/AUTH; a maildir folder): can mail leave?"""
    from engine.delivery.errors import TransportError

    async def probe() -> None:
        try:
            await asyncio.wait_for(backend.open(), RELAY_TIMEOUT)
        finally:
            await backend.close()

    try:
        asyncio.run(probe())
    except (TransportError, OSError, asyncio.TimeoutError) as exc:
        return {"reachable": False, "backend": backend.describe(), "error": str(exc) or type(exc).__name__}
    return {"reachable": True, "backend": backend.describe()}


def _attention(status: Status, now: datetime, thresholds: Thresholds, every: timedelta | None) -> list[str]:
    notes = []
    if status.runs and status.runs[0]["status"] in ("failed", "partial"):
        last = status.runs[0]
        notes.append(f"the last run ({last['id']}) is {last['status']}")
    if every is not None and status.runs and status.runs[0]["started_at"]:
        started = datetime.fromisoformat(status.runs[0]["started_at"].rstrip("Z"))
        if now - started > 2 * every:
            notes.append(f"no run since {status.runs[0]['started_at']}, though the schedule runs every {every}")
    for group in status.failures:
        plural = "" if group["count"] == 1 else "s"
        notes.append(f"{group['count']} {group['kind']} failure{plural}: {group['reason']}")
    age = status.outbox.get("oldest_due_age_seconds")
    if age is not None and age > thresholds.queued.total_seconds():
        notes.append(f"a delivery has been due since {status.outbox['oldest_due_since']} and is not sent")
    for step in status.deferred:
        notes.append(f"{step['enrolments']} enrolments of {step['campaign']}/{step['step']} deferred by the send "
                     f"window since {step['deferred_since']}")
    return notes


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment is not None else None
