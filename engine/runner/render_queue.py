"""The deliveries a tick decided but has not rendered yet: status `rendering`, claimed in batches by whoever
renders (the tick's own process, its worker processes, `rekindle run --render-only` on other machines).

The tick decides (enrolment, exits, goals, due steps, frequency caps, the per-run limit) and writes each due
email as a delivery row in status `rendering`, with everything its rendering needs: enrolment, step,
variant, Message-ID (derived from enrolment and step, so it is the same whoever renders) and the tick's
instant (`queued_at`, the `now` the message is rendered at). A renderer claims a batch with the outbox's
claim (engine/delivery/claim.py: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent renderers pass over
each other's rows), renders it and, in one commit, stores the bytes and sets the rows `queued`. The send
path only ever takes `queued` rows, so no SMTP traffic happens before the bytes are stored.

A claim is a lease: it records a token and the wall-clock time, and a row claimed longer than `LEASE` ago
(its renderer crashed or was killed) is claimable again. Every write checks the token, so a renderer whose
lease was taken over writes nothing. A render that fails undoes that step of the sequence, as rendering in
the tick always did: the delivery row is removed, the enrolment is put back at the step (due at once, so
the next tick tries again), the step's `queued` decision becomes `render_failed` with the reason and the
template line, and the decisions (and not yet sent deliveries) the tick had made past that step in the same
run are removed; the `render_failed` decision lists them (`details.undone`) so the tick's summary can be
corrected from the ledger (`fold_failures`), whichever process rendered.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from engine.delivery.claim import claim_rows
from engine.observability.failures import Failure
from engine.rendering.errors import RenderError
from engine.rules.model import Campaign, Step
from engine.runner.context import lazy_commit
from engine.runner.render import Renderer
from engine.runner.summary import RunSummary
from engine.store.bulk import update_rows
from engine.store.members import member_of
from engine.store.models import Customer, Decision, Delivery, Enrollment
from engine.timeutil import as_utc

RENDERING = "rendering"
LEASE = timedelta(minutes=5)
"""How long a claimed batch belongs to its renderer; a batch renders in well under a second."""
BATCH = 200
CUSTOMER_FIELDS = ("external_id", "email", "first_name", "last_name", "locale", "timezone", "created_at",
                   "subscribed", "attributes", "last_active_at")
"""The customer columns a render reads."""
RendererFor = Callable[[datetime], Renderer]
"""The renderer for emails decided at an instant (the tick's `now`, kept as the delivery's `queued_at`)."""

C, D, E, DEC = Customer.__table__, Delivery.__table__, Enrollment.__table__, Decision.__table__


@dataclass(frozen=True)
class Job:
    """One claimed delivery to render, with its customer as plain data."""

    id: int
    enrollment_id: int
    campaign_id: str
    step_id: str
    variant: str | None
    message_id: str
    queued_at: datetime
    run_id: int | None
    customer: dict[str, Any]


def new_token(name: str = "render") -> str:
    return f"{name}/{uuid.uuid4().hex[:12]}"


def wall_clock() -> datetime:
    """Leases are about live processes, so they run on the wall clock, not on the tick's (maybe given) `now`."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def claimable(wall: datetime, lease: timedelta = LEASE):
    return and_(Delivery.status == RENDERING,
                or_(Delivery.claimed_at.is_(None), Delivery.claimed_at < wall - lease))


def claim(conn: Connection, token: str, size: int = BATCH, *, wall: datetime | None = None,
          lease: timedelta = LEASE) -> list[Job]:
    """Claim up to `size` deliveries waiting to be rendered (unclaimed, or their lease expired), the earliest
    decided first. In the order of the status index (status, next_attempt_at), so the claim reads `size`
    rows of it and sorts nothing: ordered by id, each claim found and sorted every waiting row (a tick
    leaving 92,000 to render did 460 such sorts, a sixth of the tick). Which claimer gets which row does
    not matter; the jobs are returned in id order."""
    wall = wall or wall_clock()
    if conn.dialect.name == "postgresql":
        lazy_commit(conn)  # a claim lost in a crash is no claim: the row is simply claimable again
    rows = claim_rows(conn, claimable(wall, lease), size, {"claimed_by": token, "claimed_at": wall},
                      (Delivery.id, Delivery.enrollment_id, Delivery.campaign_id, Delivery.step_id, Delivery.variant,
                       Delivery.message_id, Delivery.queued_at, Delivery.run_id, Delivery.customer_id))
    if not rows:
        return []
    query = select(C.c.id, *(C.c[name] for name in CUSTOMER_FIELDS)).where(
        member_of(C.c.id, "ids", conn.dialect.name))
    found = conn.execute(query, {"ids": [r.customer_id for r in rows]})
    names = list(found.keys())  # once per batch: a row's _mapping builds its keys again for every row
    customers = {row[0]: dict(zip(names, row)) for row in found.all()}
    jobs = [Job(row.id, row.enrollment_id, row.campaign_id, row.step_id, row.variant, row.message_id, row.queued_at,
                row.run_id, customers[row.customer_id]) for row in rows]
    return sorted(jobs, key=lambda job: job.id)


def render_claimed(conn: Connection, campaigns: dict[str, Campaign], renderer_for: RendererFor, token: str,
                   jobs: Sequence[Job]) -> list[int]:
    """Render `jobs`, then store what rendered (bytes, subject, links; status `queued`) where the claim is still
    `token`'s, and undo the step of each that failed. Returns the ids rendered and written under `token`.
    Everything is rendered before the first write, so SQLite's write lock is held only for the writes. The
    caller commits."""
    done: list[dict[str, Any]] = []
    failed: list[tuple[Campaign, Step, Job, RenderError]] = []
    for job in jobs:
        campaign = campaigns.get(job.campaign_id)
        step = campaign.step(job.step_id) if campaign is not None else None
        if campaign is None or step is None:
            continue  # decided under rules this renderer does not have: left for a renderer that has them
        try:
            email = render_one(renderer_for(as_utc(job.queued_at)), campaign, step, job)
        except RenderError as exc:
            failed.append((campaign, step, job, exc))
            continue
        done.append({"id": job.id, "subject": email.subject, "message": email.message,
                     "links": list(email.links) or None})
    if done:
        lazy_commit(conn)
        _store(conn, token, done)
    for campaign, step, job, error in failed:
        _undo(conn, token, campaign, step, job, error)
    return [item["id"] for item in done]


_STORED = {"status": "queued", "claimed_by": None, "claimed_at": None}
_STORE = update(D).where(D.c.id == bindparam("b_id"), D.c.claimed_by == bindparam("b_token"),
                         D.c.status == RENDERING).values(
    subject=bindparam("b_subject"), message=bindparam("b_message"), links=bindparam("b_links"), **_STORED)


def _store(conn: Connection, token: str, done: list[dict[str, Any]]) -> None:
    """Store the rendered batch (bytes, subject, links; status `queued`) where the claim is still `token`'s:
    on PostgreSQL one UPDATE ... FROM unnest of the batch's columns (engine/store/bulk.py), where an
    executemany was one UPDATE per row for the server; on SQLite the executemany."""
    if conn.dialect.name == "postgresql":
        update_rows(conn, D, done, key="id", fixed=_STORED, where={"claimed_by": token, "status": RENDERING})
        return
    conn.execute(_STORE, [{f"b_{name}": value for name, value in item.items()} | {"b_token": token}
                          for item in done])


def render_one(render: Renderer, campaign: Campaign, step: Step, job: Job):
    variant = next((v for v in step.variants if v.id == job.variant), None) if job.variant else None
    return render(campaign, step, SimpleNamespace(**job.customer), variant, job.message_id)


def drain(conn: Connection, campaigns: dict[str, Campaign], renderer_for: RendererFor, *, persist: bool = True,
          size: int = BATCH, token: str | None = None, keep_going: Callable[[], bool] = lambda: True) -> int:
    """Claim and render batches until none is left to claim. With `persist` each claim is committed before
    its batch is rendered (so no lock is held while rendering: other renderers and the deciding tick go on),
    and a batch's results are committed together with the next batch's claim: one write transaction a batch,
    not two. On SQLite every write transaction waits for the one write lock, which the deciding tick holds
    for about a fifth of a 1M tick, and a waiter sleeps by SQLite's backoff (1, 2, 5, 10, ... ms), so each
    transaction saved is a wait saved. Returns how many emails this call queued."""
    token = token or new_token()
    queued = 0
    while keep_going():
        jobs = claim(conn, token, size)  # in the transaction of the batch rendered before, if any
        if persist:
            conn.commit()
        if not jobs:
            return queued
        queued += len(render_claimed(conn, campaigns, renderer_for, token, jobs))
    if persist:
        conn.commit()
    return queued


def release(conn: Connection, token_prefix: str) -> int:
    """Give back, at once, what a renderer known to be dead had claimed (no need to wait for its lease)."""
    statement = update(D).where(D.c.status == RENDERING, D.c.claimed_by.startswith(token_prefix)).values(
        claimed_by=None, claimed_at=None)
    return conn.execute(statement).rowcount


def waiting(conn: Connection) -> int:
    """How many deliveries wait to be rendered."""
    return conn.execute(select(func.count()).select_from(D).where(D.c.status == RENDERING)).scalar_one()


def _undo(conn: Connection, token: str, campaign: Campaign, step: Step, job: Job, error: RenderError) -> None:
    gone = conn.execute(delete(D).where(D.c.id == job.id, D.c.claimed_by == token, D.c.status == RENDERING))
    if not gone.rowcount:
        return  # the lease was taken over: the new holder decides
    index = campaign.steps.index(step)
    later = [s.id for s in campaign.steps[index + 1:]]
    if later:
        conn.execute(delete(D).where(D.c.enrollment_id == job.enrollment_id, D.c.run_id == job.run_id,
                                     D.c.step_id.in_(later), D.c.status.in_((RENDERING, "queued"))))
    mine = and_(DEC.c.customer_id == job.customer["id"], DEC.c.run_id == job.run_id,
                DEC.c.enrollment_id == job.enrollment_id)
    queued_id = conn.execute(select(DEC.c.id).where(mine, DEC.c.step_id == step.id, DEC.c.decision == "queued")
                             ).scalar()
    undone: list[list[str | None]] = []
    if queued_id is not None:
        after = and_(mine, DEC.c.id > queued_id)
        undone = [[r.step_id, r.decision] for r in conn.execute(select(DEC.c.step_id, DEC.c.decision).where(after)
                                                                .order_by(DEC.c.id))]
        conn.execute(delete(DEC).where(after))
        details = {"template": error.template, "line": error.line, "message": error.message, "undone": undone}
        conn.execute(update(DEC).where(DEC.c.id == queued_id).values(
            decision="render_failed", reason=f"the email could not be rendered: {error}", details=details))
    conn.execute(update(E).where(E.c.id == job.enrollment_id).values(
        next_step=index, next_step_id=step.id, next_due_at=job.queued_at, status="active", ended_at=None,
        end_reason=None))


def fold_failures(conn: Connection, summary: RunSummary) -> None:
    """Correct the tick's counts for the emails of this run that failed to render, from the ledger."""
    query = (select(DEC.c.campaign_id, DEC.c.step_id, DEC.c.details, C.c.external_id)
             .join(C, C.c.id == DEC.c.customer_id)
             .where(DEC.c.run_id == summary.run_id, DEC.c.decision == "render_failed").order_by(DEC.c.id))
    for row in conn.execute(query):
        counts = summary.campaign(row.campaign_id)
        counts.add(row.step_id, "queued", -1)
        counts.add(row.step_id, "render_failed")
        for step_id, decision in row.details.get("undone", ()):
            counts.add(step_id, decision, -1)
        where = f"{row.details['template']}:{row.details['line']}" if row.details.get("line") \
            else row.details.get("template", "")
        summary.add_failure(Failure("render", row.external_id, row.campaign_id, row.step_id, where,
                                         row.details.get("message", "")))
