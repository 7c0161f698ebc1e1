"""The SMTP session's transactions against real aiosmtpd servers, with and without PIPELINING (RFC 2920):
the envelope really goes in one write, replies are matched to the right command, refusals at each step end
that one transaction and the session goes on, and the content arrives exactly as stored."""

from __future__ import annotations

import asyncio

import pytest
from aiosmtpd.smtp import SMTP

from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.backends.smtp_session import content_bytes
from engine.delivery.backoff import Backoff
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import RecordingHandler, SmtpSink, build_message


class Recording(SMTP):
    """Keeps every chunk the server read from the socket, to see which commands travelled together."""

    chunks: list[bytes]

    def data_received(self, data: bytes) -> None:
        self.chunks.append(data)
        super().data_received(data)


class RefuseSender(RecordingHandler):
    """Refuses MAIL FROM for one sender (the pipelined RCPT and DATA then get 503 from aiosmtpd)."""

    async def handle_MAIL(self, server, session, envelope, address, options) -> str:
        if address == "blocked@example.com":
            return "550 5.7.1 sender blocked"
        envelope.mail_from = address
        return "250 OK"


class DataAfterRefusal(SMTP):
    """A non-conforming server: answers 354 to DATA even when it refused every recipient (RFC 2920 says the
    client then sends an empty message, a lone dot)."""

    contents: list[bytes]

    async def smtp_DATA(self, arg: str) -> None:
        if self.envelope.rcpt_tos:
            return await super().smtp_DATA(arg)
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        self.contents.append(await self._reader.readuntil(b"\r\n"))
        await self.push("554 5.5.1 no valid recipients")


class Unknown(RecordingHandler):
    def rcpt_reply(self, address: str) -> str | None:
        return "550 5.1.1 user unknown" if address.startswith("gone") else None


def _message(i: int, sender: str = "hello@example.com", recipient: str | None = None) -> OutgoingMessage:
    recipient = recipient or f"p{i}@example.com"
    content = build_message(sender, recipient, f"<m{i}@test>")
    return OutgoingMessage(i, sender, recipient, content, f"<m{i}@test>")


def _send(url: str, messages: list[OutgoingMessage], **options) -> list[SendResult]:
    backend = SmtpBackend(parse_smtp_url(url), concurrency=1, helo="test.local",
                          backoff=Backoff(base=0.01, cap=0.02), **options)

    async def go() -> list[SendResult]:
        async with backend:
            return await backend.send_many(messages)

    return asyncio.run(go())


@pytest.mark.parametrize("pipelining", [True, False], ids=["pipelining", "one-command-at-a-time"])
def test_the_envelope_travels_in_one_write_only_when_the_server_offers_pipelining(pipelining: bool) -> None:
    chunks: list[bytes] = []

    def factory(handler: RecordingHandler) -> SMTP:
        server = Recording(handler, hostname="sink.test")
        server.chunks = chunks
        return server

    handler = RecordingHandler()
    handler.pipelining = pipelining
    with SmtpSink(handler, smtp_factory=factory) as sink:
        results = _send(sink.url, [_message(i) for i in range(5)])
    assert [r.status for r in results] == [SendStatus.sent] * 5
    envelopes = [chunk for chunk in chunks if chunk.startswith(b"MAIL FROM:")]
    # Pipelined, MAIL, RCPT and DATA arrive as one segment; otherwise each waits for the previous reply.
    assert len(envelopes) == 5
    assert {chunk.count(b"\r\n") for chunk in envelopes} == ({3} if pipelining else {1})


def test_the_content_arrives_as_stored_with_leading_dots_and_any_line_ends() -> None:
    stored = b"Message-ID: <m0@test>\nSubject: dots\n\n.one dot\n..two dots\r\n.\nbare CR\rno final line end"
    message = OutgoingMessage(0, "hello@example.com", "p0@example.com", stored, "<m0@test>")
    with SmtpSink(RecordingHandler()) as sink:
        results = _send(sink.url, [message])
        (received,) = sink.handler.received
    assert results[0].status is SendStatus.sent
    # The server undoes the dot-stuffing: it keeps the stored lines, each ended by CRLF.
    assert received.content == (b"Message-ID: <m0@test>\r\nSubject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\n"
                                b"bare CR\r\nno final line end\r\n")
    assert content_bytes(stored).endswith(b"\r\n..\r\nbare CR\r\nno final line end\r\n.\r\n")  # a lone dot, doubled


def test_a_refused_sender_fails_with_the_mail_reply_and_the_session_goes_on() -> None:
    messages = [_message(0), _message(1, sender="blocked@example.com"), _message(2)]
    with SmtpSink(RefuseSender()) as sink:
        results = _send(sink.url, messages)
        received = [r.recipients[0] for r in sink.handler.received]
    assert [r.status for r in results] == [SendStatus.sent, SendStatus.failed, SendStatus.sent]
    assert results[1].reply == "550 5.7.1 sender blocked" and not results[1].hard_bounce
    assert received == ["p0@example.com", "p2@example.com"]


def test_a_refused_recipient_is_a_hard_bounce_and_the_next_message_goes_on_the_same_connection() -> None:
    connections: list[int] = []

    def factory(handler: RecordingHandler) -> SMTP:
        connections.append(1)
        return SMTP(handler, hostname="sink.test")

    messages = [_message(0, recipient="gone@example.com"), _message(1), _message(2, recipient="gone2@example.com"),
                _message(3)]
    with SmtpSink(Unknown(), smtp_factory=factory) as sink:
        results = _send(sink.url, messages)
        received = [r.recipients[0] for r in sink.handler.received]
    assert [(r.status, r.hard_bounce) for r in results] == [
        (SendStatus.failed, True), (SendStatus.sent, False), (SendStatus.failed, True), (SendStatus.sent, False)]
    assert results[0].reply == "550 5.1.1 user unknown"
    assert received == ["p1@example.com", "p3@example.com"] and len(connections) == 1


def test_a_server_that_accepts_data_after_refusing_the_recipient_gets_an_empty_message() -> None:
    contents: list[bytes] = []

    def factory(handler: RecordingHandler) -> SMTP:
        server = DataAfterRefusal(handler, hostname="sink.test")
        server.contents = contents
        return server

    with SmtpSink(Unknown(), smtp_factory=factory) as sink:
        results = _send(sink.url, [_message(0, recipient="gone@example.com"), _message(1)])
        received = [r.recipients[0] for r in sink.handler.received]
    assert [r.status for r in results] == [SendStatus.failed, SendStatus.sent]
    assert results[0].reply == "550 5.1.1 user unknown"
    assert contents == [b".\r\n"] and received == ["p1@example.com"]
