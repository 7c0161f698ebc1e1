"""Set-based enrolment: who enters a campaign is decided by one INSERT ... SELECT in the database.

    INSERT INTO enrollments (...)
    SELECT ... FROM customers
    WHERE <audience>
      AND NOT EXISTS (an enrolment in this campaign that is active, or that blocks re-entry)
      AND NOT EXISTS (an active enrolment in another campaign of the same group)

The control group is assigned in the same statement (`unit_hash(campaign, external_id) < holdout`), and the
enrolled/held_out decisions are written from the new rows with INSERT ... SELECT: no per-customer loop.
The audience guard (engine.audience.guard: a share of the subscribed customers for every campaign, and an
optional absolute `max_audience`) is checked on the rows just inserted: when they are too many, they are
deleted again before anything else reads them, and the campaign is held. No extra count in the normal case.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    ColumnElement,
    DateTime,
    Integer,
    Select,
    String,
    and_,
    delete,
    exists,
    false,
    literal,
    or_,
    select,
    text,
    true,
)

from engine.audience.guard import guard_breach, share_limit
from engine.rules.model import Campaign
from engine.runner.conditions import condition_sql
from engine.runner.context import TickContext
from engine.scheduling.hashing import unit_hash_sql
from engine.store.bulk import insert_ignoring_conflicts
from engine.store.models import Customer, Enrollment

E = Enrollment.__table__
C = Customer.__table__


def entry_predicate(ctx: TickContext, campaign: Campaign, group_peers: tuple[str, ...]) -> ColumnElement[bool]:
    """Customers who enter now: in the audience, not blocked by their own history, not taken by the group."""
    own = E.alias("own")
    history = and_(own.c.campaign_id == campaign.id, own.c.customer_id == C.c.id)
    cooldown = campaign.reentry.cooldown
    if campaign.reentry.policy == "after" and cooldown is not None:
        # Re-entry once the last enrolment ended at least `cooldown` ago (active ones always block).
        history = and_(history, or_(own.c.status == "active", own.c.ended_at > ctx.now_db - cooldown))
    elif campaign.reentry.policy == "after":
        history = and_(history, own.c.status == "active")
    predicate = and_(condition_sql(ctx, campaign.audience), ~exists(select(1).where(history)))
    if group_peers:
        peer = E.alias("peer")
        taken = and_(peer.c.customer_id == C.c.id, peer.c.status == "active", peer.c.campaign_id.in_(group_peers))
        predicate = and_(predicate, ~exists(select(1).where(taken)))
    return predicate


def new_enrollment_columns(
    ctx: TickContext, campaign: Campaign, *, customer_id: ColumnElement, holdout: ColumnElement[bool]
) -> dict[str, ColumnElement]:
    """The column values of an enrolment starting now at the first step (whose wait counts from now)."""
    first = campaign.steps[0]
    return {
        "campaign_id": literal(campaign.id, String()),
        "campaign_version": literal(campaign.version, String()),
        "customer_id": customer_id,
        "status": literal("active", String()),
        "holdout": holdout,
        "enrolled_at": literal(ctx.now_db, DateTime()),
        "next_step": literal(0, Integer()),
        "next_step_id": literal(first.id, String()),
        "next_due_at": literal(ctx.now_db + first.wait, DateTime()),
        "run_id": literal(ctx.run_id, Integer()),
    }


def insert_enrollments(ctx: TickContext, columns: dict[str, ColumnElement], query: Select) -> int:
    """Insert; the partial unique index (one active enrolment per campaign and customer) drops duplicates.
    Returns how many rows were inserted."""
    statement = insert_ignoring_conflicts(ctx.conn, E).from_select(list(columns), query)
    return ctx.conn.execute(statement.execution_options(preserve_rowcount=True)).rowcount


def enrol(ctx: TickContext, campaign: Campaign, group_peers: tuple[str, ...],
          among: ColumnElement[bool] | None = None) -> bool:
    """Enrol everyone who qualifies (of the customers `among` selects, e.g. those whose event just arrived:
    engine/runner/arrival.py); False when the campaign is held by its blast-radius guard."""
    serialise_enrolment(ctx)
    predicate = entry_predicate(ctx, campaign, group_peers)
    if among is not None:
        predicate = and_(predicate, among)
    holdout = (
        (unit_hash_sql(campaign.id, C.c.external_id) < campaign.holdout)
        if campaign.holdout > 0
        else literal(False, Boolean())
    )
    columns = new_enrollment_columns(ctx, campaign, customer_id=C.c.id, holdout=holdout)
    entering = insert_enrollments(ctx, columns, select(*columns.values()).where(predicate))
    new = and_(E.c.run_id == ctx.run_id, E.c.campaign_id == campaign.id, E.c.status == "active")
    breach = guard_breach(campaign, ctx.project.config.defaults.audience_guard, entering, ctx.conn)
    if breach is not None:
        ctx.conn.execute(delete(E).where(new))  # only this run's new rows: nothing has read them yet
        _hold(ctx, campaign, entering, breach)
        return False
    ctx.log.add_selected(
        campaign, E, and_(new, E.c.holdout == false()), customer_id=E.c.customer_id, enrollment_id=E.c.id,
        decision="enrolled", reason="the audience matched",
    )
    ctx.log.add_selected(
        campaign, E, and_(new, E.c.holdout == true()), customer_id=E.c.customer_id, enrollment_id=E.c.id,
        decision="held_out", reason=f"in the {campaign.holdout:.0%} control group: enrolled, never mailed",
    )
    return True


def serialise_enrolment(ctx: TickContext) -> None:
    """Enrolments of a tick and of an arrival never interleave. The group check (an active enrolment in a
    peer campaign) reads what is committed, so two concurrent INSERT ... SELECTs for two campaigns of a group
    could each enrol the same customer. SQLite has one writer at a time already; on PostgreSQL a transaction
    advisory lock, released by the commit that follows the enrolment, queues them. A dry run commits nothing
    and takes no lock (so a long `rekindle plan` never holds arrivals up)."""
    if ctx.options.persist and ctx.conn.dialect.name == "postgresql":
        ctx.conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('rekindle.enrol:' || current_schema()))"))


def _hold(ctx: TickContext, campaign: Campaign, candidates: int, breach: str) -> None:
    knob = "max_audience" if breach.startswith("more than its max_audience") else "max_audience_share"
    message = (
        f"campaign {campaign.id!r} would enrol {candidates} customers, {breach}; held: nobody enrolled or "
        f"mailed. Check the audience, then raise {knob} if this is intended."
    )
    summary = ctx.summary.campaign(campaign.id, campaign.version)
    summary.status, summary.message = "held_blast_radius", message
    ctx.log.add(
        campaign, None, None, None, "held_blast_radius", message,
        {"would_enrol": candidates, "max_audience": campaign.max_audience} if knob == "max_audience" else
        {"would_enrol": candidates,
         "max_audience_share": share_limit(campaign, ctx.project.config.defaults.audience_guard)},
    )
