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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from sqlalchemy import Engine

from engine.delivery import eventloop
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
from engine.store import pauses
from engine.suppression import store as suppressions
from engine.suppression.preferences import opted_out_pairs
from engine.timeutil import to_naive_utc

log = logging.getLogger("rekindle.delivery.dispatch")

#: Deferred deliveries come back after about 1, 2, 4 ... minutes, at most 6 hours apart.
DEFAULT_RETRY_BACKOFF = Backoff(base=60.0, cap=6 * 3600.0)
DEFAULT_LEASE = timedelta(minutes=15)
HARD_BOUNCE = "hard_bounce"  # the suppression reason of an address a relay refused at RCPT with a 5xx
T = TypeVar("T")


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
        claim_ahead=engine.dialect.name != "sqlite",
    )
    return eventloop.run(run.go(batch_size, limit, lease, on_batch))


@dataclass
class _Claim:
    """One claimed batch, checked at claim time: the messages to send, and how many rows the check decided
    (suppressed or unsendable; those are already recorded)."""

    token: str
    rows: list[Claimed]
    outgoing: list[OutgoingMessage]
    suppressed: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)


@dataclass
class _Run:
    """One dispatch: its settings and its running summary.

    The store's work (claims, checks, outcome commits) runs in one thread of its own, in the order it was
    asked for, so the event loop only waits for the relay. One thread, not several: the run's writes never
    wait for each other. On PostgreSQL (`claim_ahead`) the next batch is claimed and checked while the
    current one is sent, and a batch's last outcomes are committed while the next one goes out: that work is
    mostly waiting (round trips, each commit's flush to disk), during which the thread lets the interpreter
    go. On SQLite it is CPU in this process (WAL, synchronous=NORMAL: a commit does not wait for the disk)
    and its one write lock would make a claim wait for a commit: there a batch is claimed once the one before
    is recorded, as before; claiming ahead (in the loop or in the thread) made sends to smtp-sink slower."""

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
    claim_ahead: bool = True
    #: The addresses this run's sends hard-bounced (normalised): a batch checked before a bounce of the
    #: batch sent ahead of it was committed is checked against these too, just before it is sent.
    bounced: set[str] = field(default_factory=set)
    #: Batches sent whose last outcomes are still being committed.
    finishing: list[asyncio.Task[None]] = field(default_factory=list)
    _store: ThreadPoolExecutor | None = None

    def clock(self) -> datetime:
        # A fixed --now makes every recorded time reproducible; otherwise each step records its real time.
        now = self.now if self.now is not None else datetime.now(timezone.utc)
        return to_naive_utc(now)

    async def in_store(self, work: Callable[..., T], *args: object) -> T:
        """Run `work(*args)` in the run's store thread (after whatever was asked of it before)."""
        assert self._store is not None, "inside go()"
        return await asyncio.get_running_loop().run_in_executor(self._store, work, *args)

    async def go(
        self, batch_size: int, limit: int | None, lease: timedelta, on_batch: Callable[[DispatchSummary], None] | None
    ) -> DispatchSummary:
        summary = self.summary
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="rekindle-outbox") as self._store:
            summary.reclaimed = await self.in_store(self.reclaim, lease)
            if summary.reclaimed:
                log.warning("reclaimed stale deliveries", extra={"event": "reclaimed", "count": summary.reclaimed})
            try:
                await self.backend.open()
            except TransportError as exc:
                self.unavailable(exc)
                return summary
            try:
                await self.send_all(batch_size, limit, on_batch)
            finally:
                # Every outcome reported is committed before the run ends, whatever ended it.
                await asyncio.gather(*self.finishing, return_exceptions=True)
                await self.backend.close()
            for task in self.finishing:
                task.result()  # a failed commit is the run's error
        return summary

    async def send_all(self, batch_size: int, limit: int | None,
                       on_batch: Callable[[DispatchSummary], None] | None) -> None:
        """Claim, send, repeat; with `claim_ahead` the next claim is made while the current batch is sent.
        A batch claimed ahead is looked at again before it is sent: if the run was told to stop meanwhile it goes back to the
        queue whole, and its rows of campaigns paused meanwhile go back too (a pause stops a running sender
        at its next batch, as if that batch had been claimed after it)."""
        claiming = self.claim_next(batch_size, limit)
        ahead = False
        try:
            while claiming is not None:
                batch, claiming = await claiming, None
                if batch is None:
                    break
                self.count_checked(batch)
                if ahead:
                    batch = await self.recheck(batch)
                    if batch is None:
                        break
                self.summary.claimed += len(batch.rows)
                if self.claim_ahead:
                    claiming, ahead = self.claim_next(batch_size, limit), True
                if not await self.send_batch(batch):
                    break
                if not self.claim_ahead:
                    await asyncio.gather(*self.finishing)  # recorded before the next claim
                self.raise_failed_commits()
                if on_batch is not None:
                    on_batch(self.summary)
                if not self.claim_ahead:
                    claiming = self.claim_next(batch_size, limit)
        finally:
            if claiming is not None:  # claimed ahead, never sent
                left = await claiming
                if left is not None:
                    self.count_checked(left)
                    await self.in_store(self.release, left.token, [m.delivery_id for m in left.outgoing])

    def claim_next(self, batch_size: int, limit: int | None) -> asyncio.Future[_Claim | None] | None:
        """Start claiming the next batch in the store thread, or None when the limit is reached or the run
        was told to stop (`keep_going()` is asked before each claim)."""
        size = batch_size if limit is None else min(batch_size, limit - self.summary.claimed)
        if size <= 0 or not self.keep_going():
            return None
        return asyncio.ensure_future(self.in_store(self.claim, size))

    def raise_failed_commits(self) -> None:
        done = [task for task in self.finishing if task.done()]
        self.finishing = [task for task in self.finishing if not task.done()]
        for task in done:
            task.result()

    def reclaim(self, lease: timedelta) -> int:
        with self.engine.begin() as conn:
            return reclaim_stale(conn, self.clock(), lease)

    def release(self, token: str, ids: list[int]) -> int:
        with self.engine.begin() as conn:
            return release(conn, token, ids)

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

    def claim(self, size: int) -> _Claim | None:
        """(Store thread.) Claim up to `size` due deliveries and check them against the suppression list,
        unsubscribes and category opt-outs, in one transaction: the rows the check refuses are recorded
        with the claim, the rest are returned to be sent. None when nothing is due."""
        token = new_token(self.summary.worker_id)
        with self.engine.begin() as conn:
            rows = claim_batch(conn, token, self.clock(), size, self.hold)
            if not rows:
                return None
            suppressed, unsubscribed = suppressions.blocked(conn, (r.email for r in rows),
                                                            (r.customer_id for r in rows))
            opted_out = opted_out_pairs(conn, self.category_pairs(rows))
            batch = _Claim(token, rows, [])
            decided: list[dict[str, object]] = []
            for row in rows:
                reason = _blocked_reason(row, suppressed, unsubscribed) or self.opted_out_reason(row, opted_out)
                if reason is not None:
                    decided.append(self.suppress(token, row, reason))
                    batch.suppressed += 1
                    continue
                envelope_from = self.sender or _from_address(row.message)
                problem = _unsendable(row, envelope_from)
                if problem is not None:
                    decided.append(row_update(row, token, FAILED, failure_reason=problem))
                    batch.failures.append({"delivery_id": row.id, "reason": problem})
                    log.warning("failed", extra={"event": "delivery.failed", "delivery_id": row.id,
                                                 "message_id": row.message_id, "reason": problem})
                    continue
                assert row.message is not None  # _unsendable refuses a row without a message
                batch.outgoing.append(OutgoingMessage(row.id, envelope_from, row.email, row.message, row.message_id))
            record(conn, decided)  # suppressed and unsendable rows never reach the backend
        return batch

    @staticmethod
    def suppress(token: str, row: Claimed, reason: str) -> dict[str, object]:
        log.info("suppressed", extra={"event": "delivery.suppressed", "delivery_id": row.id,
                                      "message_id": row.message_id, "reason": reason})
        return row_update(row, token, SUPPRESSED, failure_reason=reason, count_attempt=False)

    def count_checked(self, batch: _Claim) -> None:
        """Add what the claim-time check decided to the summary (here, in the event loop, which owns it)."""
        self.summary.suppressed += batch.suppressed
        self.summary.failed += len(batch.failures)
        self.summary.failures += batch.failures

    async def recheck(self, batch: _Claim) -> _Claim | None:
        """A batch claimed while the one before it was sent, just before it is sent: released whole when the
        run was told to stop (then None: the run stops), its rows of campaigns paused since released, its rows
        to addresses that hard-bounced since suppressed."""
        ids = [message.delivery_id for message in batch.outgoing]
        if not self.keep_going():
            await self.in_store(self.release, batch.token, ids)
            return None
        paused = await self.in_store(self.paused_now)
        rows = {row.id: row for row in batch.rows}
        held = [i for i in ids if pauses.is_paused(paused, rows[i].campaign_id)] if paused else []
        if held:
            await self.in_store(self.release, batch.token, held)
        bounced = [i for i in ids if suppressions.normalise(rows[i].email) in self.bounced and i not in held]
        if bounced:
            updates = [self.suppress(batch.token, rows[i], f"suppressed: {HARD_BOUNCE}") for i in bounced]
            self.summary.suppressed += len(bounced)
            await self.in_store(self.commit_decided, updates)
        gone = set(held) | set(bounced)
        batch.rows = [row for row in batch.rows if row.id not in held]
        batch.outgoing = [message for message in batch.outgoing if message.delivery_id not in gone]
        return batch

    def paused_now(self) -> set[str]:
        with self.engine.connect() as conn:
            return pauses.paused_ids(conn)

    def commit_decided(self, updates: list[dict[str, object]]) -> None:
        with self.engine.begin() as conn:
            record(conn, updates)

    async def send_batch(self, batch: _Claim) -> bool:
        """Send one claimed batch; its outcomes are committed as they are reported, the last of them while
        the next batch is sent. False when the transport went down (the unsent rest of the batch released)."""
        if not batch.outgoing:
            return True
        state = _Batch(self, {row.id: row for row in batch.rows}, batch.token)
        reported: asyncio.Queue[SendResult | None] = asyncio.Queue()
        recorder = asyncio.create_task(state.record_as_reported(reported))
        results: list[SendResult] | None = None
        try:
            results = await self.backend.send_many(batch.outgoing, on_result=reported.put_nowait)
        except TransportError as exc:
            self.unavailable(exc)
        finally:
            reported.put_nowait(None)
            if results is None:
                await recorder  # what was reported is committed before the rest is released
        if results is None:
            self.summary.released += await self.in_store(self.release, batch.token,
                                                         [m.delivery_id for m in batch.outgoing])
            return False
        self.finishing.append(asyncio.create_task(state.finish(recorder, results)))
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
                bounces.append(suppressions.Entry(row.email, HARD_BOUNCE, result.reply))
                run.bounced.add(suppressions.normalise(row.email))
        return updates, bounces

    def commit(self, updates: list[dict[str, object]], bounces: list[suppressions.Entry]) -> int:
        """Write outcomes in one transaction (in the store thread, so sending goes on meanwhile)."""
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
            await self.write([r for r in results if r is not None])

    async def write(self, results: list[SendResult]) -> None:
        updates, bounces = self.outcomes(results)
        if updates:
            added = await self.run.in_store(self.commit, updates, bounces)
            self.run.summary.bounced += added  # not `+= await`: that reads the count before the wait

    async def finish(self, recorder: asyncio.Task[None], results: list[SendResult]) -> None:
        """After the backend returned: the streamed outcomes' commits, then any result the backend did not
        stream (a backend that does not, or a result it did not report)."""
        await recorder
        await self.write(results)


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
