"""Advancing due enrolments: their ids read in keyset pages, decided in batches by the pure state machine,
written in bulk.

Per batch: one query for the due enrolments (by id) with their customer, suppression status and every step's
`when` value (compiled to SQL, so no per-customer query), one query for the customers' recent emails
(frequency caps), one INSERT ... ON CONFLICT DO NOTHING of the due deliveries in status `rendering` (the
ledger's unique (enrollment_id, step_id) makes a second delivery impossible; a conflicting row is simply not
written, and only then is what was written read back), one UPDATE of the enrolments per distinct new
position (usually one or two), one executemany for the decisions, and a commit. Memory is bounded by the
page and batch sizes.
Rendering is not done here: whoever renders claims those rows (engine/runner/render_queue.py), so the tick's
deciding and the rendering of what it decided overlap, on every core and on other machines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, and_, exists, false, func, select, update

from engine.delivery.claim import CANCELLED, FAILED, SUPPRESSED
from engine.rules.model import Campaign
from engine.runner.conditions import condition_sql
from engine.runner.context import TickContext, lazy_commit
from engine.runner.render import message_id
from engine.runner.render_queue import RENDERING
from engine.runner.sequence import Outcome, Pending, advance
from engine.scheduling.hashing import choose_variant
from engine.scheduling.windows import zone_for
from engine.store.bulk import insert_rows
from engine.store.members import member_of
from engine.store.models import CategoryOptOut, Customer, Delivery, Enrollment, Suppression
from engine.timeutil import as_utc

E = Enrollment.__table__
C = Customer.__table__
D = Delivery.__table__
S = Suppression.__table__
O = CategoryOptOut.__table__
UNCOUNTED = (FAILED, SUPPRESSED, CANCELLED)
"""Delivery statuses that do not count toward frequency caps: those emails never reached anyone. Every other
status (rendering, queued, sending, sent) counts. Written as the statuses left out, so that the test cannot
use the status index (see `_recent_emails`)."""


DUE_PAGE = 50_000
"""Due enrolment ids read per page (ids only: about 2 MB), before they are decided batch by batch."""


def advance_campaign(ctx: TickContext, campaign: Campaign) -> None:
    """Decide every due enrolment of `campaign`, a batch at a time, in id order.

    The due ids are read first, a page at a time (`DUE_PAGE`, by keyset), and each batch's rows are then
    fetched by id. Paging the full query itself (`... AND id > :last ORDER BY id LIMIT :batch`) made the
    database find and sort every remaining due enrolment, joined to its customer, for every batch: the due
    index is ordered by due time, not id, so a tick with 92,000 due did 92 such sorts of up to 92,000 rows
    (a quarter of a 1M-customer tick). The keyset still guarantees progress: an enrolment whose render fails
    is due again at once, and is not decided twice in one tick."""
    due = and_(
        E.c.campaign_id == campaign.id,
        E.c.status == "active",
        E.c.campaign_version == campaign.version,
        E.c.next_due_at <= ctx.now_db,
    )
    ids_query = select(E.c.id).where(due).order_by(E.c.id).limit(DUE_PAGE)
    rows_query = _due_rows_query(ctx, campaign)
    last_id, size = 0, ctx.options.batch_size
    while True:
        ids = ctx.conn.execute(ids_query.where(E.c.id > last_id)).scalars().all()
        if not ids:
            return
        last_id = ids[-1]
        ctx.due(len(ids))
        for start in range(0, len(ids), size):
            if ctx.budget.exhausted:
                ctx.summary.limit_reached = True
                return
            fetched = ctx.conn.execute(rows_query, {"ids": list(ids[start:start + size])}).all()
            rows = [row for row in fetched if _still_due(ctx, campaign, row)]
            if rows:
                ctx.decided(_advance_batch(ctx, campaign, rows))
                ctx.checkpoint()


def _due_rows_query(ctx: TickContext, campaign: Campaign) -> Select:
    """The enrolments of the `ids` parameter, with what deciding reads of their customer, suppression,
    category opt-out and every step's `when` value. Whether each is still due is checked on the row
    (`_still_due`), not in SQL: with the due test in the WHERE clause SQLite's planner prefers the due index
    to the id list and is back to reading every due enrolment."""
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
    return (
        select(
            E.c.id, E.c.customer_id, E.c.holdout, E.c.next_step, E.c.last_step_at, E.c.enrolled_at,
            E.c.status, E.c.campaign_version, E.c.next_due_at,
            C.c.external_id, C.c.email, C.c.timezone, C.c.subscribed,  # what deciding reads (renderers read the rest)
            S.c.email.is_not(None).label("suppressed"),
            opted_out.label("opted_out"),
            *when_columns,
        )
        .select_from(E.join(C, C.c.id == E.c.customer_id).outerjoin(S, S.c.email == func.lower(C.c.email)))
        .where(member_of(E.c.id, "ids", ctx.conn.dialect.name))
        .order_by(E.c.id)
    )


def _still_due(ctx: TickContext, campaign: Campaign, row: Row) -> bool:
    """The page of due ids was read before the batches before this one were decided and committed: the row
    is decided only if it is still an active, due enrolment under this version."""
    return (row.status == "active" and row.campaign_version == campaign.version and row.next_due_at is not None
            and row.next_due_at <= ctx.now_db)


def _advance_batch(ctx: TickContext, campaign: Campaign, rows: Sequence[Row]) -> int:
    """Decide and write one batch; returns how many emails it left to render."""
    if ctx.options.persist:
        lazy_commit(ctx.conn)
    caps = ctx.project.config.defaults.frequency_caps
    recent = _recent_emails(ctx, [row.customer_id for row in rows]) if caps else defaultdict(list)
    default_zone = ctx.project.config.defaults.timezone
    conditional = [(index, f"when_{index}") for index, step in enumerate(campaign.steps) if step.when is not None]
    outcomes: list[tuple[Row, Outcome]] = []
    for row in rows:
        pending = Pending(
            step_index=row.next_step,
            holdout=bool(row.holdout),
            suppressed=bool(row.suppressed) or not row.subscribed,
            opted_out=bool(row.opted_out),
            when={index: bool(row._mapping[label]) for index, label in conditional},
            zone=zone_for(campaign.send_window, row.timezone, default_zone),
            recent=recent[row.customer_id],
        )
        outcome = advance(campaign, pending, ctx.now, caps, ctx.budget)
        if outcome.stalled:
            ctx.summary.limit_reached = True
        outcomes.append((row, outcome))
    deliveries = _due_deliveries(ctx, campaign, outcomes)
    positions = _positions(ctx, campaign, outcomes)
    # Everything above only reads; from the first write below to the caller's commit a SQLite store's one
    # write lock is held, and renderers wait for it: nothing but the writes runs in between.
    queued = _queue(ctx, rows, deliveries)
    for row, outcome in outcomes:
        for step_id, decision, reason, details in outcome.decisions:
            if decision == "queued" and queued is not None and (row.id, step_id) not in queued:
                continue  # already in the ledger from an earlier run: not queued again
            ctx.log.add(campaign, row.customer_id, row.id, step_id, decision, reason, details)
    _move_enrollments(ctx, positions)
    ctx.log.flush()
    return len(deliveries) if queued is None else len(queued)


def _due_deliveries(ctx: TickContext, campaign: Campaign, outcomes: list[tuple[Row, Outcome]]) -> list[dict[str, Any]]:
    """The delivery rows of every send the batch decided, in status `rendering`: everything a renderer needs
    (engine/runner/render_queue.py) but the bytes. The variant is chosen here (a hash, the same whoever
    renders) and the Message-ID is derived from enrolment and step, so it is stable."""
    rows: list[dict[str, Any]] = []
    now_db, sender = ctx.now_db, ctx.project.config.sender.from_address
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
                "message_id": message_id(row.id, step.id, sender, campaign_id=campaign.id, customer=row.external_id,
                                         enrolled_at=row.enrolled_at),
                "status": RENDERING, "queued_at": now_db, "attempts": 0, "next_attempt_at": now_db,
                "run_id": ctx.run_id,
            })
    return rows


def _queue(ctx: TickContext, rows: Sequence[Row], deliveries: list[dict[str, Any]]) -> set[tuple[int, str]] | None:
    """Insert the batch's deliveries; returns the (enrollment, step) pairs this run actually wrote, or None
    when it wrote every one (the usual case: nothing to read back).

    One statement per batch whatever its size (engine/store/bulk.py: the columns bound as arrays on
    PostgreSQL, a reused prepared executemany on SQLite, where a multi-row INSERT ... RETURNING, whose text
    changes with the number of rows, made memory grow batch after batch). Only when some row was already in
    the ledger (the count of rows written says so) is what was written read back, by run and id range."""
    if not deliveries:
        return None
    if insert_rows(ctx.conn, D, deliveries, ignore_conflicts=True) == len(deliveries):
        return None
    written = select(D.c.enrollment_id, D.c.step_id).where(
        D.c.run_id == ctx.run_id, D.c.enrollment_id.between(rows[0].id, rows[-1].id)
    )
    return {(r.enrollment_id, r.step_id) for r in ctx.conn.execute(written)}


def _recent_emails(ctx: TickContext, customer_ids: list[int]) -> defaultdict[int, list[datetime]]:
    """When each customer of the batch was emailed within the longest frequency cap's period, found through
    the (customer_id, queued_at) index only. With the counted statuses listed (`status IN ('rendering', ...)`)
    PostgreSQL also read the status index, or only it, where the statistics did not know the outbox (a
    tick's own deliveries, TRUNCATEd or new store): every batch then read every delivery the tick had
    written so far, 0.43 s of server CPU per batch and two thirds of the server's work on the 1M tick."""
    longest = max(cap.per for cap in ctx.project.config.defaults.frequency_caps)
    query = select(D.c.customer_id, D.c.queued_at).where(
        member_of(D.c.customer_id, "ids", ctx.conn.dialect.name), D.c.queued_at > ctx.now_db - longest,
        D.c.status.not_in(UNCOUNTED),
    )
    recent: defaultdict[int, list[datetime]] = defaultdict(list)
    for customer_id, queued_at in ctx.conn.execute(query, {"ids": customer_ids}):
        recent[customer_id].append(as_utc(queued_at))
    return recent


MOVED = ("next_step", "next_step_id", "next_due_at", "last_step_at", "status", "ended_at", "end_reason")
"""The enrolment columns a decided batch writes."""


def _positions(ctx: TickContext, campaign: Campaign,
               outcomes: list[tuple[Row, Outcome]]) -> defaultdict[tuple[Any, ...], list[int]]:
    """Where each enrolment of the batch now stands (the values of `MOVED`), with the ids of the enrolments
    that stand there. A batch moves nearly all its enrolments alike (the same next step, due at the same
    instant), so there are one or two."""
    alike: defaultdict[tuple[Any, ...], list[int]] = defaultdict(list)
    for row, outcome in outcomes:
        alike[_position(ctx, campaign, row, outcome)].append(row.id)
    return alike


def _move_enrollments(ctx: TickContext, positions: defaultdict[tuple[Any, ...], list[int]]) -> None:
    """Write where the enrolments now stand (`_positions`): one UPDATE per distinct set of new values, with
    the ids bound as one list, instead of one per enrolment."""
    statement = update(E).where(member_of(E.c.id, "ids", ctx.conn.dialect.name))
    for values, ids in positions.items():
        ctx.conn.execute(statement.values(dict(zip(MOVED, values))), {"ids": ids})


def _position(ctx: TickContext, campaign: Campaign, row: Row, outcome: Outcome) -> tuple[Any, ...]:
    """The values of `MOVED` for the enrolment of `row` after `outcome`."""
    moved = outcome.step_index != row.next_step
    steps = campaign.steps
    return (
        outcome.step_index,
        steps[outcome.step_index].id if outcome.step_index < len(steps) else None,
        outcome.due_at.replace(tzinfo=None) if outcome.due_at else None,
        ctx.now_db if moved else row.last_step_at,
        outcome.status,
        ctx.now_db if outcome.status != "active" else None,
        outcome.end_reason,
    )
