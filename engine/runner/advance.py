"""Advancing due enrolments: fetched in keyset batches, decided by the pure state machine, written in bulk.

Per batch: one query for the due enrolments with their customer, suppression status and every step's `when`
value (compiled to SQL, so no per-customer query), one query for the customers' recent emails (frequency
caps), one INSERT ... ON CONFLICT DO NOTHING of the due deliveries in status `rendering` (the ledger's unique
(enrollment_id, step_id) makes a second delivery impossible; a conflicting row is simply not written), one
executemany for the enrolments and one for the decisions, and a commit. Memory is bounded by the batch size.
Rendering is not done here: whoever renders claims those rows (engine/runner/render_queue.py), so the tick's
deciding and the rendering of what it decided overlap, on every core and on other machines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, bindparam, exists, false, func, select, update

from engine.rules.model import Campaign
from engine.runner.conditions import condition_sql
from engine.runner.context import TickContext, insert_ignoring_conflicts
from engine.runner.render import message_id
from engine.runner.render_queue import RENDERING
from engine.runner.sequence import Outcome, Pending, advance
from engine.scheduling.hashing import choose_variant
from engine.scheduling.windows import zone_for
from engine.store.models import CategoryOptOut, Customer, Delivery, Enrollment, Suppression
from engine.timeutil import as_utc

E = Enrollment.__table__
C = Customer.__table__
D = Delivery.__table__
S = Suppression.__table__
O = CategoryOptOut.__table__
COUNTED = (RENDERING, "queued", "sending", "sent")
"""Delivery statuses that count toward frequency caps (failed and suppressed emails never reached anyone)."""


def advance_campaign(ctx: TickContext, campaign: Campaign) -> None:
    when_columns = [
        condition_sql(ctx, step.when, enrolled_at=E.c.enrolled_at).label(f"when_{index}")
        for index, step in enumerate(campaign.steps)
        if step.when is not None
    ]
    # A customer who opted out of the campaign's category on the preference page is treated like an
    # unsubscribed one for this campaign only.
    opted_out = (
        exists().where(O.c.customer_id == C.c.id, O.c.category == campaign.category)
        if campaign.category else false()
    )
    query = (
        select(
            E.c.id, E.c.customer_id, E.c.holdout, E.c.next_step, E.c.last_step_at, E.c.enrolled_at,
            C.c.external_id, C.c.email, C.c.timezone, C.c.subscribed,  # what deciding reads (renderers read the rest)
            S.c.email.is_not(None).label("suppressed"),
            opted_out.label("opted_out"),
            *when_columns,
        )
        .select_from(E.join(C, C.c.id == E.c.customer_id).outerjoin(S, S.c.email == func.lower(C.c.email)))
        .where(
            E.c.campaign_id == campaign.id,
            E.c.status == "active",
            E.c.campaign_version == campaign.version,
            E.c.next_due_at <= ctx.now_db,
        )
        .order_by(E.c.id)
        .limit(ctx.options.batch_size)
    )
    last_id = 0
    while True:
        if ctx.budget.exhausted:
            ctx.summary.limit_reached = True
            return
        rows = ctx.conn.execute(query.where(E.c.id > last_id)).all()
        if not rows:
            return
        last_id = rows[-1].id
        ctx.decided(_advance_batch(ctx, campaign, rows))
        ctx.checkpoint()


def _advance_batch(ctx: TickContext, campaign: Campaign, rows: Sequence[Row]) -> int:
    """Decide and write one batch; returns how many emails it left to render."""
    caps = ctx.project.config.defaults.frequency_caps
    recent = _recent_emails(ctx, [row.customer_id for row in rows]) if caps else defaultdict(list)
    default_zone = ctx.project.config.defaults.timezone
    outcomes: list[tuple[Row, Outcome]] = []
    for row in rows:
        pending = Pending(
            step_index=row.next_step,
            holdout=bool(row.holdout),
            suppressed=bool(row.suppressed) or not row.subscribed,
            opted_out=bool(row.opted_out),
            when={i: bool(row._mapping[f"when_{i}"]) for i, s in enumerate(campaign.steps) if s.when is not None},
            zone=zone_for(campaign.send_window, row.timezone, default_zone),
            recent=recent[row.customer_id],
        )
        outcome = advance(campaign, pending, ctx.now, caps, ctx.budget)
        if outcome.stalled:
            ctx.summary.limit_reached = True
        outcomes.append((row, outcome))
    deliveries = _due_deliveries(ctx, campaign, outcomes)
    updates = [_enrollment_update(ctx, campaign, row, outcome) for row, outcome in outcomes]
    queued = _queue(ctx, rows, deliveries)
    for row, outcome in outcomes:
        for step_id, decision, reason, details in outcome.decisions:
            if decision == "queued" and (row.id, step_id) not in queued:
                continue  # already in the ledger from an earlier run: not queued again
            ctx.log.add(campaign, row.customer_id, row.id, step_id, decision, reason, details)
    if updates:
        ctx.conn.execute(
            update(E)
            .where(E.c.id == bindparam("b_id"))
            .values({key: bindparam(f"b_{key}") for key in updates[0] if key != "id"}),
            [{f"b_{key}": value for key, value in item.items()} for item in updates],
        )
    ctx.log.flush()
    return len(queued)


def _due_deliveries(ctx: TickContext, campaign: Campaign, outcomes: list[tuple[Row, Outcome]]) -> list[dict[str, Any]]:
    """The delivery rows of every send the batch decided, in status `rendering`: everything a renderer needs
    (engine/runner/render_queue.py) but the bytes. The variant is chosen here (a hash, the same whoever
    renders) and the Message-ID is derived from enrolment and step, so it is stable."""
    rows: list[dict[str, Any]] = []
    for row, outcome in outcomes:
        for step_id, decision, _reason, details in outcome.decisions:
            if decision != "queued":
                continue
            step = campaign.step(step_id) if step_id is not None else None
            assert step is not None  # a queued decision names one of the campaign's steps
            variant = choose_variant(step.variants, campaign.id, step.id, row.external_id)
            if variant is not None:
                details["variant"] = variant.id
            rows.append({
                "enrollment_id": row.id, "step_id": step.id, "campaign_id": campaign.id,
                "campaign_version": campaign.version, "customer_id": row.customer_id, "email": row.email,
                "variant": variant.id if variant else None,
                "message_id": message_id(row.id, step.id, ctx.project.config.sender.from_address,
                                         campaign_id=campaign.id, customer=row.external_id,
                                         enrolled_at=row.enrolled_at),
                "status": RENDERING, "queued_at": ctx.now_db, "attempts": 0, "next_attempt_at": ctx.now_db,
                "run_id": ctx.run_id,
            })
    return rows


def _queue(ctx: TickContext, rows: Sequence[Row], deliveries: list[dict[str, Any]]) -> set[tuple[int, str]]:
    """Insert the batch's deliveries; returns the (enrollment, step) pairs this run actually wrote.

    A plain executemany (one prepared statement, reused for every batch) rather than a multi-row INSERT ...
    RETURNING, whose text changes with the number of rows: SQLite keeps a prepared program per distinct
    text, which made memory grow batch after batch. What was written is read back by run and id range."""
    if not deliveries:
        return set()
    ctx.conn.execute(insert_ignoring_conflicts(ctx.conn, D), deliveries)
    written = select(D.c.enrollment_id, D.c.step_id).where(
        D.c.run_id == ctx.run_id, D.c.enrollment_id.between(rows[0].id, rows[-1].id)
    )
    return {(r.enrollment_id, r.step_id) for r in ctx.conn.execute(written)}


def _recent_emails(ctx: TickContext, customer_ids: list[int]) -> defaultdict[int, list[datetime]]:
    longest = max(cap.per for cap in ctx.project.config.defaults.frequency_caps)
    query = select(D.c.customer_id, D.c.queued_at).where(
        and_(D.c.customer_id.in_(customer_ids), D.c.queued_at > ctx.now_db - longest, D.c.status.in_(COUNTED))
    )
    recent: defaultdict[int, list[datetime]] = defaultdict(list)
    for customer_id, queued_at in ctx.conn.execute(query):
        recent[customer_id].append(as_utc(queued_at))
    return recent


def _enrollment_update(ctx: TickContext, campaign: Campaign, row: Row, outcome: Outcome) -> dict[str, Any]:
    moved = outcome.step_index != row.next_step
    steps = campaign.steps
    return {
        "id": row.id,
        "next_step": outcome.step_index,
        "next_step_id": steps[outcome.step_index].id if outcome.step_index < len(steps) else None,
        "next_due_at": outcome.due_at.replace(tzinfo=None) if outcome.due_at else None,
        "last_step_at": ctx.now_db if moved else row.last_step_at,
        "status": outcome.status,
        "ended_at": ctx.now_db if outcome.status != "active" else None,
        "end_reason": outcome.end_reason,
    }
