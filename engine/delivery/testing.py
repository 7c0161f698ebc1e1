"""Test and benchmark helpers (like `aiosmtpd.testing`): a real SMTP sink on 127.0.0.1 that records what it
receives, and a quick way to fill the outbox. Needs the dev extra (aiosmtpd); never imported by the engine.

    with SmtpSink(RecordingHandler(latency=0.05)) as sink:
        ... send to sink.url ...
        sink.handler.message_ids()   # every Message-ID received, in order, duplicates included
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from typing import Any

from aiosmtpd.smtp import SMTP
from sqlalchemy import Engine, insert

from engine.store.models import Customer, Delivery, Enrollment
from engine.timeutil import to_naive_utc


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: tuple[str, ...]
    content: bytes
    message_id: str


class RecordingHandler:
    """An aiosmtpd handler that accepts everything (after `latency` seconds per message) and records it.
    Subclasses inject faults by overriding `rcpt_reply` / `data_reply` (return an SMTP reply to refuse).

    Its EHLO offers PIPELINING (RFC 2920), as the relays mail goes to do (Postfix, its smtp-sink, the
    sending services); aiosmtpd reads commands one after the other, so it serves a pipelining client as
    is, it just does not say so. Set `pipelining` False for a server that does not offer it."""

    pipelining = True

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_EHLO(self, server: SMTP, session: Any, envelope: Any, hostname: str,
                          responses: list[str]) -> list[str]:
        session.host_name = hostname
        return [*responses[:1], "250-PIPELINING", *responses[1:]] if self.pipelining else responses

    def rcpt_reply(self, address: str) -> str | None:
        return None

    async def data_reply(self, server: SMTP, received: Received) -> str | None:
        return None

    async def handle_RCPT(self, server: SMTP, session: Any, envelope: Any, address: str, options: list) -> str:
        reply = self.rcpt_reply(address)
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Any, envelope: Any) -> str:
        if self.latency:
            await asyncio.sleep(self.latency)
        content = bytes(envelope.original_content or envelope.content)
        headers = BytesHeaderParser().parsebytes(content)
        received = Received(envelope.mail_from, tuple(envelope.rcpt_tos), content, str(headers["Message-ID"]))
        reply = await self.data_reply(server, received)
        if reply is not None:
            return reply
        with self.lock:
            self.received.append(received)
            number = len(self.received)
        return f"250 2.0.0 Ok: queued as {number}"

    def message_ids(self) -> list[str]:
        with self.lock:
            return [r.message_id for r in self.received]

    def counts(self) -> Counter[str]:
        return Counter(self.message_ids())


class SmtpSink:
    """An aiosmtpd server on 127.0.0.1 and an ephemeral port, on its own event loop in a thread, so tests can
    drive it from synchronous code or from a `rekindle send` subprocess. `smtp_factory` builds the per-connection
    SMTP protocol (subclass it to drop connections, require AUTH, ...)."""

    def __init__(
        self,
        handler: RecordingHandler | None = None,
        smtp_factory: Callable[[RecordingHandler], SMTP] | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = handler or RecordingHandler()
        self.ssl_context = ssl_context  # implicit TLS (smtps://) when given
        self.smtp_factory = smtp_factory or (lambda handler: SMTP(handler, hostname="sink.test"))
        self.port = 0
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="smtp-sink", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}?tls=none"

    def start(self) -> SmtpSink:
        self._thread.start()
        create = self.loop.create_server(lambda: self.smtp_factory(self.handler), "127.0.0.1", 0, backlog=512,
                                         ssl=self.ssl_context)
        self._server = asyncio.run_coroutine_threadsafe(create, self.loop).result(10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            # asyncio objects belong to their loop's thread: close the server there.
            asyncio.run_coroutine_threadsafe(self._close(server), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)

    @staticmethod
    async def _close(server: asyncio.base_events.Server) -> None:
        server.close()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def build_message(sender: str, recipient: str, message_id: str, body: str = "Hello.\n") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = "Test"
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def queue_deliveries(
    engine: Engine,
    emails: Sequence[str],
    now: datetime,
    *,
    sender: str = "Rekindle <hello@example.com>",
    campaign_id: str = "test",
    subscribed: Sequence[bool] | None = None,
) -> list[int]:
    """Insert one customer, enrolment and queued delivery per address (bulk, a few statements in all) and
    return the delivery ids. Message-IDs are `<delivery-CAMPAIGN-N@rekindle.test>`, N the position in `emails`."""
    at = to_naive_utc(now)
    flags = list(subscribed) if subscribed is not None else [True] * len(emails)
    with engine.begin() as conn:
        offset = conn.execute(insert(Customer).returning(Customer.id, sort_by_parameter_order=True), [
            {"external_id": f"{campaign_id}-{i}-{email}", "email": email, "created_at": at, "subscribed": flag,
             "attributes": {}} for i, (email, flag) in enumerate(zip(emails, flags, strict=True))
        ]).scalars().all()
        enrollments = conn.execute(insert(Enrollment).returning(Enrollment.id, sort_by_parameter_order=True), [
            {"campaign_id": campaign_id, "campaign_version": "v1", "customer_id": customer_id, "status": "active",
             "enrolled_at": at, "next_step": 0, "holdout": False} for customer_id in offset
        ]).scalars().all()
        rows = []
        for i, (email, customer_id, enrollment_id) in enumerate(zip(emails, offset, enrollments, strict=True)):
            message_id = f"<delivery-{campaign_id}-{i}@rekindle.test>"
            rows.append({
                "enrollment_id": enrollment_id, "step_id": "only", "campaign_id": campaign_id,
                "campaign_version": "v1", "customer_id": customer_id, "email": email, "message_id": message_id,
                "subject": "Test", "message": build_message(sender, email, message_id), "status": "queued",
                "queued_at": at, "attempts": 0,
            })
        return list(conn.execute(insert(Delivery).returning(Delivery.id, sort_by_parameter_order=True), rows).scalars())
