"""The event loop a dispatch runs on (engine/delivery/eventloop.py): asyncio's own unless REKINDLE_EVENT_LOOP
asks for uvloop, and the same outcomes on both, through a real aiosmtpd server and a real store."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from engine.delivery import eventloop
from engine.delivery.backends.base import ResultCallback
from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.dispatch import dispatch
from engine.delivery.message import OutgoingMessage, SendResult
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import SmtpSink, queue_deliveries
from engine.store.models import Delivery
from tests.delivery.smtp_faults import RejectOne

uvloop = pytest.importorskip("uvloop")


class NotingLoop(SmtpBackend):
    """The SMTP backend, noting the class of the event loop each send ran on."""

    loops: list[type] = []

    async def send_many(self, messages: Sequence[OutgoingMessage],
                        on_result: ResultCallback | None = None) -> list[SendResult]:
        self.loops.append(type(asyncio.get_running_loop()))
        return await super().send_many(messages, on_result)


@pytest.mark.parametrize(("choice", "loop_class"), [("", asyncio.BaseEventLoop), ("uvloop", uvloop.Loop),
                                                    ("asyncio", asyncio.BaseEventLoop)])
def test_a_dispatch_sends_the_same_on_either_loop(store_engine: Engine, now: datetime, monkeypatch,
                                                  choice: str, loop_class: type) -> None:
    monkeypatch.setenv("REKINDLE_EVENT_LOOP", choice)
    queue_deliveries(store_engine, ["a@example.com", "gone@example.com", "b@example.com"], now)
    with SmtpSink(RejectOne()) as sink:
        backend = NotingLoop(parse_smtp_url(sink.url), concurrency=2, helo="test.local")
        backend.loops = []
        summary = dispatch(store_engine, backend, now=now, batch_size=2)
        received = sorted(r.recipients[0] for r in sink.handler.received)
    assert backend.loops and all(issubclass(loop, loop_class) for loop in backend.loops)
    if choice != "uvloop":
        assert not any(issubclass(loop, uvloop.Loop) for loop in backend.loops)
    assert received == ["a@example.com", "b@example.com"]
    assert (summary.sent, summary.failed, summary.bounced) == (2, 1, 1)
    with store_engine.connect() as conn:
        assert dict(conn.execute(select(Delivery.email, Delivery.status)).all()) == {
            "a@example.com": "sent", "gone@example.com": "failed", "b@example.com": "sent"}


def test_an_unknown_loop_name_is_refused_with_the_choices(monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_EVENT_LOOP", "tokio")
    with pytest.raises(ValueError, match="^REKINDLE_EVENT_LOOP must be one of asyncio, uvloop, not 'tokio'$"):
        eventloop.loop_factory()


def test_asking_for_uvloop_without_it_says_how_to_install_it(monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_EVENT_LOOP", "uvloop")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed: import raises
    with pytest.raises(ValueError, match=r"uvloop is not installed \(pip install -e '\.\[fast\]' in a checkout\)"):
        eventloop.loop_factory()
    monkeypatch.setenv("REKINDLE_EVENT_LOOP", "asyncio")
    assert eventloop.loop_factory() is None
