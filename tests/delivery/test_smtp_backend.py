"""The SMTP backend's own promises against aiosmtpd: bounded concurrency, connection reuse, timeouts, TLS
refusal and the error hierarchy."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from aiosmtpd.smtp import SMTP

from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.backoff import Backoff
from engine.delivery.errors import ConnectFailed, ConnectTimeout, TLSFailed, TransportError
from engine.delivery.message import OutgoingMessage, SendStatus
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import RecordingHandler, SmtpSink, build_message

QUICK = Backoff(base=0.01, cap=0.02)


def _messages(count: int) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(i, "hello@example.com", f"p{i}@example.com",
                        build_message("hello@example.com", f"p{i}@example.com", f"<m{i}@test>"), f"<m{i}@test>")
        for i in range(count)
    ]


def _send(backend: SmtpBackend, messages: list[OutgoingMessage]):
    async def go():
        async with backend:
            return await backend.send_many(messages)

    return asyncio.run(go())


class Concurrency(RecordingHandler):
    """Counts sessions in DATA at the same time."""

    def __init__(self) -> None:
        super().__init__(latency=0.05)
        self.active = self.peak = 0
        self.guard = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self.guard:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            return await super().handle_DATA(server, session, envelope)
        finally:
            with self.guard:
                self.active -= 1


def _counting_factory(connections: list[int]):
    def factory(handler: RecordingHandler) -> SMTP:
        connections.append(1)
        return SMTP(handler, hostname="sink.test")

    return factory


def test_connections_are_bounded_reused_and_used_in_parallel() -> None:
    connections: list[int] = []
    with SmtpSink(Concurrency(), smtp_factory=_counting_factory(connections)) as sink:
        results = _send(SmtpBackend(parse_smtp_url(sink.url), concurrency=3, helo="t"), _messages(18))
        peak = sink.handler.peak
    assert {r.status for r in results} == {SendStatus.sent}
    assert len(connections) == 3  # many messages per connection
    assert peak == 3  # and the three really worked at the same time


def test_messages_per_connection_opens_a_fresh_connection() -> None:
    connections: list[int] = []
    with SmtpSink(smtp_factory=_counting_factory(connections)) as sink:
        backend = SmtpBackend(parse_smtp_url(sink.url), concurrency=1, messages_per_connection=2, helo="t")
        results = _send(backend, _messages(6))
    assert len(results) == 6 and len(connections) == 3


def test_a_silent_server_is_a_connect_timeout() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        url = parse_smtp_url(f"smtp://127.0.0.1:{silent.getsockname()[1]}?tls=none")
        backend = SmtpBackend(url, connect_timeout=0.2, retries=2, backoff=QUICK, helo="t")
        with pytest.raises(ConnectTimeout) as error:
            asyncio.run(backend.open())
    assert isinstance(error.value, TimeoutError) and isinstance(error.value, ConnectionError)
    assert str(error.value) == f"no answer within 0.2s ({url.redacted()})"


def test_a_refused_connection_is_connect_failed_with_the_redacted_server() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = parse_smtp_url(f"smtp://mailer:hunter2@127.0.0.1:{port}?tls=none")
    with pytest.raises(ConnectFailed) as error:
        asyncio.run(SmtpBackend(url, retries=1, helo="t").open())
    assert str(error.value).endswith(f"(smtp://mailer:***@127.0.0.1:{port}?tls=none)")
    assert "hunter2" not in str(error.value)


def test_required_starttls_that_the_server_does_not_offer_is_refused() -> None:
    with SmtpSink() as sink:
        url = parse_smtp_url(f"smtp://127.0.0.1:{sink.port}?tls=starttls")
        with pytest.raises(TLSFailed) as error:
            asyncio.run(SmtpBackend(url, retries=1, helo="t").open())
        assert sink.handler.received == []
    assert isinstance(error.value, TransportError) and isinstance(error.value, ConnectionError)
    assert str(error.value).startswith("TLS failed: ")


def test_an_address_the_server_cannot_take_fails_alone() -> None:
    """A non-ASCII address to a server without SMTPUTF8 cannot be sent: that message fails, the rest go."""
    messages = [
        OutgoingMessage(1, "hello@example.com", "josé@example.com", b"Subject: x\r\n\r\nhi\r\n", "<u1@test>"),
        OutgoingMessage(2, "hello@example.com", "ok@example.com", b"Subject: x\r\n\r\nhi\r\n", "<u2@test>"),
    ]
    with SmtpSink() as sink:
        first, second = _send(SmtpBackend(parse_smtp_url(sink.url), concurrency=1, helo="t"), messages)
        received = [r.recipients for r in sink.handler.received]
    assert (first.status, first.reply) == (SendStatus.failed, "the address is not ASCII and the relay does not "
                                            "offer SMTPUTF8, which such an address needs")
    assert second.status is SendStatus.sent
    assert received == [("ok@example.com",)]


def test_a_non_ascii_address_goes_over_smtputf8_when_the_relay_offers_it() -> None:
    """RFC 6531: with SMTPUTF8 on offer, `jösé@example.com` is sent as it is written, headers in UTF-8."""
    message = "To: Jösé <jösé@example.com>\r\nSubject: x\r\n\r\nhi\r\n".encode()
    messages = [OutgoingMessage(1, "hello@example.com", "jösé@example.com", message, "<u1@test>")]
    factory = lambda handler: SMTP(handler, hostname="sink.test", enable_SMTPUTF8=True)  # noqa: E731
    with SmtpSink(smtp_factory=factory) as sink:
        (result,) = _send(SmtpBackend(parse_smtp_url(sink.url), concurrency=1, helo="t"), messages)
        received = [(r.recipients, r.content) for r in sink.handler.received]
    assert result.status is SendStatus.sent
    assert received == [(("jösé@example.com",), message)]
