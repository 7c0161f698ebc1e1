"""Fault injection against a real aiosmtpd server, through the dispatcher and a real store (both dialects).

After retries every delivery is either received exactly once or marked failed with a reason; nothing is lost.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime, timedelta

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import Engine, select

from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.backoff import Backoff
from engine.delivery.dispatch import dispatch
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import RecordingHandler, SmtpSink, queue_deliveries
from tests.delivery.smtp_faults import Flaky, RejectOne, closed_port
from engine.store.models import Delivery, Suppression

QUICK = Backoff(base=0.01, cap=0.05)


@pytest.fixture(autouse=True, params=[True, False], ids=["pipelining", "one-command-at-a-time"])
def pipelining(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Every fault against a server that offers PIPELINING (the session writes the envelope at once) and
    one that does not (one command at a time)."""
    monkeypatch.setattr(RecordingHandler, "pipelining", request.param)
    return request.param


def _backend(url: str, **options) -> SmtpBackend:
    options = {"concurrency": 4, "retries": 4, "backoff": QUICK, "helo": "test.local", **options}
    return SmtpBackend(parse_smtp_url(url), **options)


def _rows(engine: Engine) -> dict[str, Delivery]:
    with engine.connect() as conn:
        return {row.email: row for row in conn.execute(select(Delivery))}


def _emails(count: int) -> list[str]:
    return [f"person{i}@example.com" for i in range(count)]


def test_server_down_at_start_keeps_everything_queued(store_engine: Engine, now: datetime) -> None:
    queue_deliveries(store_engine, _emails(5), now)
    backend = _backend(f"smtp://127.0.0.1:{closed_port()}?tls=none", retries=2)
    summary = dispatch(store_engine, backend, now=now)
    assert summary.unavailable is not None and "cannot connect" in summary.unavailable
    assert (summary.claimed, summary.sent, summary.failed) == (0, 0, 0)
    rows = _rows(store_engine).values()
    assert {(r.status, r.attempts, r.claimed_by) for r in rows} == {("queued", 0, None)}


@pytest.mark.parametrize(
    ("reply", "at"),
    [("451 4.3.0 try again later", "rcpt"), ("421 4.7.0 too busy, closing", "rcpt"), ("451 4.3.0 later", "data")],
)
def test_temporary_replies_are_retried_then_sent(store_engine: Engine, now: datetime, reply: str, at: str) -> None:
    queue_deliveries(store_engine, _emails(6), now)
    with SmtpSink(Flaky(reply, times=2, at=at)) as sink:
        summary = dispatch(store_engine, _backend(sink.url), now=now)
        counts = sink.handler.counts()
    assert (summary.sent, summary.failed, summary.deferred) == (6, 0, 0)
    assert sorted(counts.values()) == [1] * 6
    rows = _rows(store_engine)
    assert {r.status for r in rows.values()} == {"sent"}
    assert all(r.smtp_reply.startswith("250 2.0.0 Ok: queued as") for r in rows.values())


def test_a_550_fails_that_delivery_suppresses_the_address_and_sends_the_rest(
    store_engine: Engine, now: datetime
) -> None:
    queue_deliveries(store_engine, ["a@example.com", "gone@example.com", "b@example.com"], now)
    with SmtpSink(RejectOne()) as sink:
        summary = dispatch(store_engine, _backend(sink.url), now=now)
        received = sorted(r.recipients[0] for r in sink.handler.received)
    assert (summary.sent, summary.failed, summary.bounced) == (2, 1, 1)
    assert received == ["a@example.com", "b@example.com"]
    gone = _rows(store_engine)["gone@example.com"]
    assert (gone.status, gone.attempts) == ("failed", 1)
    assert gone.failure_reason == gone.smtp_reply == "550 5.1.1 <gone@example.com>: user unknown"
    with store_engine.connect() as conn:
        suppression = conn.execute(select(Suppression)).one()
    assert (suppression.email, suppression.reason) == ("gone@example.com", "hard_bounce")
    assert suppression.detail == "550 5.1.1 <gone@example.com>: user unknown"


class DropInData(SMTP):
    """Reads the first line of the message body, then hangs up: the first time for each recipient."""

    seen: Counter[str]

    async def smtp_DATA(self, arg: str) -> None:
        recipient = self.envelope.rcpt_tos[0] if self.envelope.rcpt_tos else ""
        self.seen[recipient] += 1
        if self.seen[recipient] > 1:
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        await self._reader.readuntil(b"\r\n")
        self.transport.close()


def test_connection_dropped_in_the_middle_of_data_is_retried(store_engine: Engine, now: datetime) -> None:
    queue_deliveries(store_engine, _emails(5), now)
    seen: Counter[str] = Counter()

    def factory(handler: RecordingHandler) -> SMTP:
        server = DropInData(handler, hostname="sink.test")
        server.seen = seen
        return server

    with SmtpSink(RecordingHandler(), smtp_factory=factory) as sink:
        summary = dispatch(store_engine, _backend(sink.url), now=now)
        counts = sink.handler.counts()
    assert summary.sent == 5
    assert sorted(counts.values()) == [1] * 5
    assert set(seen.values()) == {2}  # each message's first DATA really was cut off


class SlowFirstRcpt(RecordingHandler):
    """Answers each recipient's first RCPT after `delay` seconds (slower than the client's timeout)."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.attempts: Counter[str] = Counter()

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        self.attempts[address] += 1
        if self.attempts[address] == 1:
            await asyncio.sleep(self.delay)
        return await super().handle_RCPT(server, session, envelope, address, options)


def test_a_server_slower_than_the_timeout_is_retried(store_engine: Engine, now: datetime) -> None:
    queue_deliveries(store_engine, _emails(3), now)
    with SmtpSink(SlowFirstRcpt(delay=1.5)) as sink:
        summary = dispatch(store_engine, _backend(sink.url, timeout=0.3), now=now)
        counts = sink.handler.counts()
        attempts = dict(sink.handler.attempts)
    assert summary.sent == 3
    assert sorted(counts.values()) == [1] * 3
    assert set(attempts.values()) == {2}
    assert all(r.attempts == 1 for r in _rows(store_engine).values())  # quick retries are one dispatch attempt


class DropEveryTenth(SMTP):
    connections: list[int]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.connections.append(1)
        super().connection_made(transport)
        if len(self.connections) % 10 == 0:
            transport.close()


def test_a_server_that_drops_every_tenth_connection_loses_nothing(store_engine: Engine, now: datetime) -> None:
    queue_deliveries(store_engine, _emails(60), now)
    connections: list[int] = []

    def factory(handler: RecordingHandler) -> SMTP:
        server = DropEveryTenth(handler, hostname="sink.test")
        server.connections = connections
        return server

    with SmtpSink(RecordingHandler(), smtp_factory=factory) as sink:
        summary = dispatch(store_engine, _backend(sink.url, messages_per_connection=2), now=now, batch_size=20)
        counts = sink.handler.counts()
    assert len(connections) >= 30  # so at least three connections were dropped
    assert summary.sent == 60
    assert sorted(counts.values()) == [1] * 60


def test_a_recipient_that_never_stops_deferring_fails_after_the_last_attempt(
    store_engine: Engine, now: datetime
) -> None:
    queue_deliveries(store_engine, ["slow@example.com", "ok@example.com"], now)
    handler = Flaky("451 4.2.0 mailbox busy", times=10**6)
    handler.rcpt_reply = lambda address: handler.reply if address == "slow@example.com" else None
    with SmtpSink(handler) as sink:
        clock = now
        summaries = []
        for _ in range(3):  # each dispatch is one attempt (two quick tries); advance past the backoff each time
            summaries.append(dispatch(store_engine, _backend(sink.url, retries=2), now=clock, max_attempts=3))
            clock += timedelta(days=1)
        received = [r.recipients[0] for r in sink.handler.received]
    assert [(s.sent, s.deferred, s.failed) for s in summaries] == [(1, 1, 0), (0, 1, 0), (0, 0, 1)]
    assert received == ["ok@example.com"]
    slow = _rows(store_engine)["slow@example.com"]
    assert (slow.status, slow.attempts) == ("failed", 3)
    assert slow.failure_reason == "gave up after 3 attempts: 451 4.2.0 mailbox busy"


class RefuseAll(RecordingHandler):
    """Answers every RCPT with the same `reply`: a relay whose configuration, not the recipients, is the problem."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    def rcpt_reply(self, address: str) -> str | None:
        return self.reply


@pytest.mark.parametrize("reply", ["530 5.7.0 Authentication required", "554 5.7.1 Client must authenticate first"])
def test_authentication_required_keeps_the_whole_outbox_queued(store_engine: Engine, now: datetime, reply: str) -> None:
    queue_deliveries(store_engine, _emails(8), now)
    with SmtpSink(RefuseAll(reply)) as sink:
        summary = dispatch(store_engine, _backend(sink.url), now=now)
    assert summary.unavailable == (f"the relay refuses the session (authentication required: {reply}); check the "
                                   f"SMTP user and password ({parse_smtp_url(sink.url).redacted()})")
    assert (summary.sent, summary.failed) == (0, 0)
    assert {(r.status, r.attempts, r.failure_reason) for r in _rows(store_engine).values()} == {("queued", 0, None)}


def test_the_circuit_breaker_keeps_identical_permanent_refusals_queued(store_engine: Engine, now: datetime) -> None:
    """Twenty addresses all refused with the very same 550: the relay speaking, not the recipients."""
    queue_deliveries(store_engine, _emails(20), now)
    with SmtpSink(RefuseAll("550 5.7.1 Relaying denied")) as sink:
        summary = dispatch(store_engine, _backend(sink.url, concurrency=1), now=now)
    assert summary.unavailable is not None and summary.unavailable.startswith(
        "the relay refused 5 messages in a row with the same answer (550 5.7.1 Relaying denied); taken as a relay "
        "configuration problem (circuit breaker)")
    assert (summary.sent, summary.failed, summary.bounced) == (0, 0, 0)
    assert {r.status for r in _rows(store_engine).values()} == {"queued"}


def test_different_permanent_refusals_still_fail_alone(store_engine: Engine, now: datetime) -> None:
    """Per-recipient refusals name the recipient, so they differ and the breaker never trips."""
    queue_deliveries(store_engine, _emails(7), now)

    class UnknownUsers(RecordingHandler):
        def rcpt_reply(self, address: str) -> str | None:
            return f"550 5.1.1 <{address}>: user unknown"

    with SmtpSink(UnknownUsers()) as sink:
        summary = dispatch(store_engine, _backend(sink.url, concurrency=1), now=now)
    assert summary.unavailable is None
    assert (summary.sent, summary.failed, summary.bounced) == (0, 7, 7)
