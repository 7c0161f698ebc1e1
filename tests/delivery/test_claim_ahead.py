"""On PostgreSQL the dispatcher claims the next batch while the current one is sent (engine/delivery/
dispatch.py, _Run): what was claimed ahead is really claimed during the send, and is given back or checked
again when what happened meanwhile says so (a stop, a pause, a hard bounce, an outage). On SQLite, which
claims after recording, the same situations end the same way. Real stores (both dialects), the memory
backend or a real aiosmtpd server."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import Engine, func, insert, select

from engine.delivery.backends.base import ResultCallback
from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.backoff import Backoff
from engine.delivery.dispatch import dispatch
from engine.delivery.message import OutgoingMessage, SendResult
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import SmtpSink, queue_deliveries
from engine.store.models import CampaignPause, Delivery, Suppression


def _statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as conn:
        return Counter(conn.execute(select(Delivery.status)).scalars())


class Watching(MemoryBackend):
    """Sends like the memory backend; each call first waits (up to 10 s: a wait, not a timing check) until
    the store shows rows in `sending` that were never handed to it (the next batch, claimed meanwhile) or
    nothing left queued, and notes how many such rows it saw."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(outbox=[])
        self.engine = engine
        self.handed: set[int] = set()
        self.claimed_during: list[int] = []

    def ahead_and_queued(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(Delivery.id, Delivery.status).where(Delivery.status.in_(["sending", "queued"])))
            found = Counter("queued" if status == "queued" else "ahead" for id_, status in rows
                            if status == "queued" or id_ not in self.handed)
        return found["ahead"], found["queued"]

    async def send_many(self, messages: Sequence[OutgoingMessage],
                        on_result: ResultCallback | None = None) -> list[SendResult]:
        self.handed |= {message.delivery_id for message in messages}
        for _ in range(1000):
            ahead, queued = await asyncio.to_thread(self.ahead_and_queued)
            if ahead or not queued:
                break
            await asyncio.sleep(0.01)
        self.claimed_during.append(ahead)
        return await super().send_many(messages, on_result)


def test_the_next_batch_is_claimed_while_one_is_sent(store_engine: Engine, now: datetime) -> None:
    if store_engine.dialect.name == "sqlite":
        pytest.skip("on SQLite a batch is claimed once the one before is recorded (dispatch.py, _Run)")
    queue_deliveries(store_engine, [f"p{i}@example.com" for i in range(10)], now)
    backend = Watching(store_engine)
    summary = dispatch(store_engine, backend, now=now, batch_size=4)
    # Batches of 4, 4, 2: during the first two sends the next batch was claimed; after the last, none is due.
    assert backend.claimed_during == [4, 2, 0]
    assert (summary.claimed, summary.sent) == (10, 10)
    assert _statuses(store_engine) == {"sent": 10}


def test_a_batch_claimed_ahead_goes_back_whole_when_the_run_is_told_to_stop(store_engine: Engine,
                                                                         now: datetime) -> None:
    queue_deliveries(store_engine, [f"p{i}@example.com" for i in range(10)], now)
    stop = False

    def told_to_stop(summary) -> None:
        nonlocal stop
        stop = True  # the second batch was claimed while the first was sent

    backend = MemoryBackend(outbox=[])
    summary = dispatch(store_engine, backend, now=now, batch_size=3, keep_going=lambda: not stop,
                       on_batch=told_to_stop)
    assert (summary.claimed, summary.sent, len(backend.outbox)) == (3, 3, 3)
    assert _statuses(store_engine) == {"sent": 3, "queued": 7}
    with store_engine.connect() as conn:
        queued = conn.execute(select(Delivery.claimed_by, Delivery.attempts).where(Delivery.status == "queued"))
        assert set(queued) == {(None, 0)}


def test_rows_of_a_campaign_paused_meanwhile_go_back_and_the_rest_is_sent(store_engine: Engine,
                                                                        now: datetime) -> None:
    queue_deliveries(store_engine, [f"a{i}@example.com" for i in range(4)], now, campaign_id="a")
    queue_deliveries(store_engine, [f"b{i}@example.com" for i in range(4)], now, campaign_id="b")

    def pause_a(summary) -> None:
        if summary.claimed == 3:  # after the first batch, with the second already claimed
            with store_engine.begin() as conn:
                conn.execute(insert(CampaignPause.__table__).values(
                    campaign_id="a", reason="typo", paused_by="oncall", paused_at=now.replace(tzinfo=None)))

    backend = MemoryBackend(outbox=[])
    dispatch(store_engine, backend, now=now, batch_size=3, on_batch=pause_a)
    with store_engine.connect() as conn:
        left = Counter(conn.execute(select(Delivery.campaign_id, Delivery.status)).all())
    sent_a = left[("a", "sent")]
    # What the first batch sent of a stays sent; a's other rows wait for the resume; all of b is sent.
    assert left == {("a", "sent"): sent_a, ("a", "queued"): 4 - sent_a, ("b", "sent"): 4}
    assert sent_a <= 3 and len(backend.outbox) == 4 + sent_a


def test_an_address_that_bounced_in_the_batch_before_is_not_mailed_from_the_batch_claimed_ahead(
        store_engine: Engine, now: datetime) -> None:
    # Two campaigns mail the same address; batches of one, so the second was claimed (and checked against
    # the suppression list) while the first was refused with a 550 at RCPT, before that bounce was committed.
    queue_deliveries(store_engine, ["gone@example.com"], now, campaign_id="first")
    queue_deliveries(store_engine, ["gone@example.com"], now, campaign_id="second")
    backend = MemoryBackend(outbox=[], replies={"gone@example.com": (550, "5.1.1 user unknown")})
    summary = dispatch(store_engine, backend, now=now, batch_size=1)
    assert backend.outbox == []
    assert (summary.failed, summary.suppressed, summary.bounced) == (1, 1, 1)
    with store_engine.connect() as conn:
        rows = sorted(conn.execute(select(Delivery.status, Delivery.failure_reason, Delivery.attempts)).all())
        assert rows == [("failed", "550 5.1.1 user unknown", 1), ("suppressed", "suppressed: hard_bounce", 0)]
        assert conn.execute(select(Suppression.email, Suppression.reason)).all() == [
            ("gone@example.com", "hard_bounce")]


def test_an_outage_mid_run_gives_back_the_batch_in_hand_and_the_one_claimed_ahead(store_engine: Engine,
                                                                                 now: datetime) -> None:
    queue_deliveries(store_engine, [f"p{i}@example.com" for i in range(30)], now)
    with SmtpSink() as sink:
        backend = SmtpBackend(parse_smtp_url(sink.url), concurrency=2, retries=2, timeout=0.5,
                              backoff=Backoff(base=0.01, cap=0.05), helo="test.local")

        def unplug(summary) -> None:
            sink.stop()  # the listener closes and nothing answers on the open connections any more

        summary = dispatch(store_engine, backend, now=now, batch_size=10, on_batch=unplug)
        received = Counter(sink.handler.message_ids())
    assert summary.unavailable is not None
    assert (summary.claimed, summary.sent, summary.released) == (20, 10, 10)
    assert len(received) == 10 and set(received.values()) == {1}
    # Neither the batch the outage hit nor the one claimed during the first send is left claimed or counted.
    assert _statuses(store_engine) == {"sent": 10, "queued": 20}
    with store_engine.connect() as conn:
        queued = conn.execute(select(Delivery.claimed_by, Delivery.attempts).where(Delivery.status == "queued"))
        assert set(queued) == {(None, 0)}
