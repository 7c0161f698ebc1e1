"""The outbox dispatcher: send what is queued, record every outcome on its Delivery row, lose nothing.

    summary = dispatch(engine, backend, now=now, worker_id="cron-1", batch_size=100, limit=None)

States of a delivery (`deliveries.status`)::

    queued --claim--> sending --250--> sent
       ^                 |----5xx--> failed            (reply kept; a 5xx to RCPT also suppresses the address)
       |                 |----4xx / dropped / timeout, attempts < max --> queued (next_attempt_at = backoff)
       |                 |----same, attempts = max --> failed
       +----lease expired (the worker died)----+
    queued --address suppressed, customer unsubscribed or opted out of the campaign's category--> suppressed
                                                                          (never handed to a backend)

Each batch is claimed and committed before any SMTP traffic, and each outcome is committed as soon as the
backend reports it (group commit, in a thread, while sending goes on), so a crash loses nothing: rows left in
`sending` are put back after `lease`. The one possible duplicate is a message the server accepted in the
milliseconds between its 250 and the commit recording it; it is re-sent with the same Message-ID, so
receivers that deduplicate drop it.
"""

from __future__ import annotations

import asyncio
import email.parser
import functools
import re
import email.utils
import logging
import os
import random
import socket
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import Engine

from engine.delivery.backends.base import Backend
from engine.delivery.backoff import Backoff
from engine.delivery.claim import (
    FAILED,
    QUEUED,
    SENT,
    SUPPRESSED,
    Claimed,
    claim_batch,
    new_token,
    reclaim_stale,
    release,
)
from engine.delivery.errors import TransportError
from engine.delivery.outcomes import record, row_update
from engine.addresses import address_problem
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus
from engine.suppression import store as suppressions
from engine.suppression.preferences import opted_out_pairs
from engine.timeutil import to_naive_utc

log = logging.getLogger("rekindle.delivery.dispatch")

#: Deferred deliveries come back after about 1, 2, 4 ... minutes, at most 6 hours apart.
DEFAULT_RETRY_BACKOFF = Backoff(base=60.0, cap=6 * 3600.0)
DEFAULT_LEASE = timedelta(minutes=15)


@dataclass
class DispatchSummary:
    worker_id: str
    backend: str = ""
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    suppressed: int = 0
    bounced: int = 0
    reclaimed: int = 0
    released: int = 0
    #: The transport error that stopped this dispatch (the unsent work is queued again), or None.
    unavailable: str | None = None
    failures: list[dict[str, object]] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def dispatch(
    engine: Engine,
    backend: Backend,
    *,
    now: datetime | None = None,
    worker_id: str | None = None,
    batch_size: int = 100,
    limit: int | None = None,
    lease: timedelta = DEFAULT_LEASE,
    max_attempts: int | None = None,
    retry_backoff: Backoff = DEFAULT_RETRY_BACKOFF,
    sender: str | None = None,
    on_batch: Callable[[DispatchSummary], None] | None = None,
    hold: Collection[str] = (),
    categories: Mapping[str, str] | None = None,
    keep_going: Callable[[], bool] = lambda: True,
) -> DispatchSummary:
    """Send the deliveries due at `now` (default: the wall clock), at most `limit`, and record every outcome.

    `sender` is the envelope sender (MAIL FROM), by default each message's From address; `max_attempts`
    defaults to the backend's (`delivery.smtp.max_attempts`); `on_batch` is called after each batch (progress).
    Deliveries of paused campaigns and of the campaign ids in `hold` (disabled ones) stay queued. Before each
    batch is claimed `keep_going()` is asked, so a worker told to stop finishes the batch in hand and claims
    no more. `categories` ({campaign id: category}, `Project.categories()`) lets the sender check category
    opt-outs made after an email was queued. Runs its own event loop, so call it from synchronous code (the
    CLI, `rekindle run`)."""
    run = _Run(
        engine=engine,
        backend=backend,
        summary=DispatchSummary(worker_id=worker_id or default_worker_id(), backend=backend.describe()),
        now=now,
        max_attempts=max_attempts or backend.max_attempts,
        retry_backoff=retry_backoff,
        sender=sender,
        hold=tuple(hold),
        categories=dict(categories or {}),
        keep_going=keep_going,
    )
    return asyncio.run(run.go(batch_size, limit, lease, on_batch))


@dataclass
class _Run:
    """One dispatch: its settings and its running summary."""

    engine: Engine
    backend: Backend
    summary: DispatchSummary
    now: datetime | None
    max_attempts: int
    retry_backoff: Backoff
    sender: str | None
    hold: tuple[str, ...] = ()
    categories: dict[str, str] = field(default_factory=dict)
    keep_going: Callable[[], bool] = lambda: True

    def clock(self) -> datetime:
        # A fixed --now makes every recorded time reproducible; otherwise each step records its real time.
        now = self.now if self.now is not None else datetime.now(timezone.utc)
        return to_naive_utc(now)

    async def go(
        self, batch_size: int, limit: int | None, lease: timedelta, on_batch: Callable[[DispatchSummary], None] | None
    ) -> DispatchSummary:
        summary = self.summary
        with self.engine.begin() as conn:
            summary.reclaimed = reclaim_stale(conn, self.clock(), lease)
        if summary.reclaimed:
            log.warning("reclaimed stale deliveries", extra={"event": "reclaimed", "count": summary.reclaimed})
        try:
            await self.backend.open()
        except TransportError as exc:
            self.unavailable(exc)
            return summary
        try:
            while (limit is None or summary.claimed < limit) and self.keep_going():
                size = batch_size if limit is None else min(batch_size, limit - summary.claimed)
                token = new_token(summary.worker_id)
                with self.engine.begin() as conn:
                    batch = claim_batch(conn, token, self.clock(), size, self.hold)
                if not batch:
                    break
                summary.claimed += len(batch)
                if not await self.send_batch(batch, token):
                    break
                if on_batch is not None:
                    on_batch(summary)
        finally:
            await self.backend.close()
        return summary

    def unavailable(self, exc: TransportError) -> None:
        self.summary.unavailable = str(exc)
        log.warning("transport unavailable", extra={"event": "unavailable", "error": str(exc)})

    def category_pairs(self, batch: list[Claimed]) -> list[tuple[int, str]]:
        """(customer, category) of the batch's rows whose campaign declares a category."""
        return [(r.customer_id, self.categories[r.campaign_id]) for r in batch if r.campaign_id in self.categories]

    def opted_out_reason(self, row: Claimed, opted_out: set[tuple[int, str]]) -> str | None:
        category = self.categories.get(row.campaign_id)
        if category is None or (row.customer_id, category) not in opted_out:
            return None
        return f"opted out of the category {category!r}"  # the words of the queue-time check (runner/sequence.py)

    async def send_batch(self, batch: list[Claimed], token: str) -> bool:
        """Send one claimed batch and record the outcomes. False when the transport went down (batch released)."""
        summary, engine = self.summary, self.engine
        decided: list[dict[str, object]] = []
        with engine.begin() as conn:
            suppressed, unsubscribed = suppressions.blocked(conn, (r.email for r in batch),
                                                            (r.customer_id for r in batch))
            opted_out = opted_out_pairs(conn, self.category_pairs(batch))
        outgoing: list[OutgoingMessage] = []
        for row in batch:
            reason = _blocked_reason(row, suppressed, unsubscribed) or self.opted_out_reason(row, opted_out)
            if reason is not None:
                decided.append(row_update(row, token, SUPPRESSED, failure_reason=reason, count_attempt=False))
                summary.suppressed += 1
                log.info("suppressed", extra={"event": "delivery.suppressed", "delivery_id": row.id,
                                              "message_id": row.message_id, "reason": reason})
                continue
            envelope_from = self.sender or _from_address(row.message)
            problem = _unsendable(row, envelope_from)
            if problem is not None:
                decided.append(row_update(row, token, FAILED, failure_reason=problem))
                summary.failed += 1
                summary.failures.append({"delivery_id": row.id, "reason": problem})
                log.warning("failed", extra={"event": "delivery.failed", "delivery_id": row.id,
                                             "message_id": row.message_id, "reason": problem})
                continue
            assert row.message is not None  # _unsendable refuses a row without a message
            outgoing.append(OutgoingMessage(row.id, envelope_from, row.email, row.message, row.message_id))
        with engine.begin() as conn:
            record(conn, decided)  # suppressed and unsendable rows never reach the backend
        if not outgoing:
            return True

        state = _Batch(self, {row.id: row for row in batch}, token)
        reported: asyncio.Queue[SendResult | None] = asyncio.Queue()
        recorder = asyncio.create_task(state.record_as_reported(reported))
        try:
            results = await self.backend.send_many(outgoing, on_result=reported.put_nowait)
        except TransportError as exc:
            self.unavailable(exc)
            results = None
        finally:
            reported.put_nowait(None)
            await recorder
        if results is None:
            with engine.begin() as conn:
                summary.released += release(conn, token, [m.delivery_id for m in outgoing])
            return False
        # Backends that do not stream (or a result they did not report) are recorded from the returned list.
        updates, bounces = state.outcomes(results)
        if updates:
            summary.bounced += state.commit(updates, bounces)
        return True


@dataclass
class _Batch:
    """One claimed batch on its way through the backend, and what is needed to record its outcomes."""

    run: _Run
    rows: dict[int, Claimed]
    token: str
    recorded: set[int] = field(default_factory=set)

    def outcomes(self, results: list[SendResult]) -> tuple[list[dict[str, object]], list[suppressions.Entry]]:
        """The row updates and new suppressions for `results` (in the event loop: the summary lives here)."""
        run = self.run
        now, updates, bounces = run.clock(), [], []
        for result in results:
            if result.delivery_id in self.recorded:
                continue
            self.recorded.add(result.delivery_id)
            row = self.rows[result.delivery_id]
            updates.append(_apply(row, result, self.token, now, run.summary, run.max_attempts, run.retry_backoff))
            if result.hard_bounce:
                bounces.append(suppressions.Entry(row.email, "hard_bounce", result.reply))
        return updates, bounces

    def commit(self, updates: list[dict[str, object]], bounces: list[suppressions.Entry]) -> int:
        """Write outcomes in one transaction (run in a thread, so sending goes on meanwhile)."""
        with self.run.engine.begin() as conn:
            record(conn, updates)
            return suppressions.add(conn, bounces, self.run.clock())

    async def record_as_reported(self, reported: asyncio.Queue[SendResult | None]) -> None:
        """Group commit: wait for a result, take every other one already waiting, write them together. The
        gap between a server's 250 and the commit that records it is this loop's latency, milliseconds."""
        finished = False
        while not finished:
            results = [await reported.get()]
            while not reported.empty():
                results.append(reported.get_nowait())
            finished = None in results
            updates, bounces = self.outcomes([r for r in results if r is not None])
            if updates:
                self.run.summary.bounced += await asyncio.to_thread(self.commit, updates, bounces)


def _apply(
    row: Claimed,
    result: SendResult,
    token: str,
    now: datetime,
    summary: DispatchSummary,
    max_attempts: int,
    retry_backoff: Backoff,
) -> dict[str, object]:
    fields = {"delivery_id": row.id, "message_id": row.message_id, "attempt": row.attempts + 1,
              "reply": result.reply, "event": f"delivery.{result.status.value}"}
    if result.status is SendStatus.sent:
        summary.sent += 1
        log.info("sent", extra=fields)
        return row_update(row, token, SENT, sent_at=now, smtp_reply=result.reply)
    if result.status is SendStatus.retry and row.attempts + 1 < max_attempts:
        summary.deferred += 1
        retry_at = now + retry_backoff.timedelta(row.attempts + 1, random.Random())
        log.warning("deferred", extra={**fields, "next_attempt_at": retry_at.isoformat()})
        return row_update(row, token, QUEUED, smtp_reply=result.reply, next_attempt_at=retry_at)
    reason = result.reply if result.status is SendStatus.failed else (
        f"gave up after {row.attempts + 1} attempts: {result.reply}")
    summary.failed += 1
    summary.failures.append({"delivery_id": row.id, "reason": reason})
    log.warning("failed", extra={**fields, "event": "delivery.failed", "reason": reason})
    return row_update(row, token, FAILED, smtp_reply=result.reply, failure_reason=reason)


def _blocked_reason(row: Claimed, suppressed: dict[str, str], unsubscribed: set[int]) -> str | None:
    if row.customer_id in unsubscribed:
        return "unsubscribed"
    reason = suppressed.get(suppressions.normalise(row.email))
    return f"suppressed: {reason}" if reason is not None else None


def _unsendable(row: Claimed, envelope_from: str) -> str | None:
    if not row.message:
        return "no rendered message"
    return address_problem(row.email) or address_problem(envelope_from)


def _from_address(message: bytes | None) -> str:
    """The address in the message's Sender or From header: the envelope sender when none is configured.

    The header block is only searched for those two fields (with their folded lines); each distinct field is
    parsed once, by the standard library's parser, and cached: a run's messages share one sender, and
    parsing every message's headers was a fifth of the dispatcher's time."""
    message = message or b""
    end = _HEADER_END.search(message)
    block = message[:end.start()] if end else message
    fields: dict[bytes, bytes] = {}
    for match in _SENDER_FIELDS.finditer(block):
        fields.setdefault(match[1].lower(), match[0])
    return _address_of(fields.get(b"sender") or fields.get(b"from") or b"")


_HEADER_END = re.compile(rb"\r?\n\r?\n")
# A Sender or From field at the start of a line, with its continuation lines; the first of each wins below.
_SENDER_FIELDS = re.compile(rb"^(sender|from):[^\n]*(?:\n[ \t][^\n]*)*", re.IGNORECASE | re.MULTILINE)


@functools.lru_cache(maxsize=256)
def _address_of(field: bytes) -> str:
    headers = email.parser.BytesHeaderParser().parsebytes(field + b"\r\n\r\n")
    return email.utils.parseaddr(str(headers.get("Sender") or headers.get("From") or ""))[1]
