"""The SMTP backend: aiosmtplib over N concurrent connections, each sending many messages, under a shared rate
limit, with quick retries (exponential backoff and jitter) on dropped connections, timeouts and 4xx replies.

Outcomes per message: 250 -> sent; 4xx, a dropped connection or a timeout -> retried here up to `retries`
attempts, then `retry` (the dispatcher defers it); 5xx -> failed with the server's reply, and a 5xx to RCPT is
a hard bounce. Only when no connection at all can be made (or TLS/AUTH fails) does a call raise.

aiosmtplib opens each connection (greeting, EHLO, STARTTLS, AUTH); the transactions on it are the Session's
(smtp_session.py), which pipelines MAIL, RCPT and DATA when the server offers PIPELINING.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import aiosmtplib

from engine.delivery.backends.base import Backend, ResultCallback
from engine.delivery.backends.smtp_session import RCPT, Session
from engine.delivery.backoff import Backoff
from engine.delivery.errors import (AuthFailed, ConnectFailed, ConnectTimeout, SessionRefused, TLSFailed,
                                    TransportError)
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus
from engine.delivery.ratelimit import TokenBucket
from engine.delivery.smtp_url import SmtpUrl

log = logging.getLogger("rekindle.delivery.smtp")


@dataclass
class _Connection:
    session: Session
    sent: int = 0


class _Results:
    """Final results by delivery id, each also reported to the caller's callback as soon as it is known."""

    def __init__(self, on_result: ResultCallback | None) -> None:
        self.by_id: dict[int, SendResult] = {}
        self.on_result = on_result

    def __setitem__(self, delivery_id: int, result: SendResult) -> None:
        self.by_id[delivery_id] = result
        if self.on_result is not None:
            self.on_result(result)

    def __bool__(self) -> bool:
        return bool(self.by_id)


BREAKER_THRESHOLD = 5
"""The circuit breaker: this many permanent refusals in a row with the very same reply (code and text) are
taken as the relay's configuration speaking, not the recipients': the session stops and those messages stay
queued, instead of the whole outbox being marked failed in one send."""

_AUTH_REQUIRED = re.compile(r"\b5\.7\.\d+\b")


def session_refusal(code: int | None, reply: str) -> bool:
    """Whether a refusal belongs to the session rather than the message: 530, or a 5.7.x (security/policy)
    enhanced status that asks for authentication."""
    if code == 530:
        return True
    return code is not None and 500 <= code < 600 and bool(_AUTH_REQUIRED.search(reply)) and "auth" in reply.lower()


class SmtpBackend(Backend):
    name = "smtp"

    def __init__(
        self,
        url: SmtpUrl,
        *,
        concurrency: int = 4,
        rate: float | None = None,
        connect_timeout: float = 10.0,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: Backoff = Backoff(base=0.5, cap=8.0),
        messages_per_connection: int = 100,
        helo: str | None = None,
        validate_certs: bool = True,
        cert_bundle: str | None = None,
        max_attempts: int = Backend.max_attempts,
    ) -> None:
        if concurrency < 1 or retries < 1 or messages_per_connection < 1:
            raise ValueError("concurrency, retries and messages_per_connection must be at least 1")
        self.url = url
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self.bucket = TokenBucket(rate) if rate else None
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.messages_per_connection = messages_per_connection
        # socket.getfqdn() can take seconds on a badly configured host; resolve it once, not per connection.
        self.helo = helo or socket.getfqdn()
        self.validate_certs = validate_certs
        self.cert_bundle = cert_bundle
        self._idle: list[_Connection] = []

    def describe(self) -> str:
        return self.url.redacted()

    async def open(self) -> None:
        """Connect once, so an unreachable relay or bad credentials fail before any work is claimed."""
        if not self._idle:
            self._idle.append(await self._connect_with_retries())

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.session.quit()

    async def send_many(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        queue: asyncio.Queue[OutgoingMessage] = asyncio.Queue()
        for message in messages:
            queue.put_nowait(message)
        results = _Results(on_result)
        errors: list[TransportError] = []
        self._tripped: SessionRefused | None = None
        self._held: list[SendResult] = []
        workers = [self._worker(queue, results, errors) for _ in range(min(self.concurrency, len(messages)))]
        await asyncio.gather(*workers)
        if self._tripped is not None:
            raise self._tripped  # the held refusals and the unsent messages are released by the dispatcher
        self._release_held(results)
        # Messages still queued: every worker lost its connection and could not make a new one.
        if not queue.empty() and not results:
            raise errors[0]
        reason = f"no connection: {errors[0]}" if errors else "no connection"
        while not queue.empty():
            message = queue.get_nowait()
            results[message.delivery_id] = SendResult(message.delivery_id, SendStatus.retry, reason)
        return [results.by_id[message.delivery_id] for message in messages]

    async def _worker(
        self, queue: asyncio.Queue[OutgoingMessage], results: _Results, errors: list[TransportError]
    ) -> None:
        connection: _Connection | None = None
        try:
            while not queue.empty() and self._tripped is None:
                message = queue.get_nowait()
                attempt = 0
                while True:
                    if connection is not None and not connection.session.is_connected:
                        connection = None  # the server closed it while it was idle
                    if connection is None:
                        try:
                            connection = self._idle.pop() if self._idle else await self._connect_with_retries()
                        except TransportError as exc:
                            # Give the message back: another worker with a live connection may still send it.
                            queue.put_nowait(message)
                            errors.append(exc)
                            return
                    attempt += 1
                    result, keep = await self._attempt(connection, message, attempt)
                    if not keep:
                        await connection.session.quit()
                        connection = None
                    if session_refusal(result.code, result.reply):
                        self._tripped = SessionRefused("the relay refuses the session (authentication required: "
                                                       f"{result.reply}); check the SMTP user and password",
                                                       server=self.url.redacted(), code=result.code,
                                                       reply=result.reply)
                        return
                    if result.status is not SendStatus.retry or attempt >= self.retries:
                        self._settle(results, result)
                        break
                    await asyncio.sleep(self.backoff.delay(attempt))
                if connection is not None and connection.sent >= self.messages_per_connection:
                    await connection.session.quit()
                    connection = None
        finally:
            if connection is not None:
                self._idle.append(connection)

    def _settle(self, results: _Results, result: SendResult) -> None:
        """Report `result`, except that identical permanent refusals are held until the streak breaks; at
        BREAKER_THRESHOLD in a row the session stops (SessionRefused) and the held ones are never reported."""
        if result.status is SendStatus.failed and result.code is not None:
            if self._held and (self._held[0].code, self._held[0].reply) != (result.code, result.reply):
                self._release_held(results)
            self._held.append(result)
            if len(self._held) >= BREAKER_THRESHOLD:
                self._tripped = SessionRefused(
                    f"the relay refused {len(self._held)} messages in a row with the same answer ({result.reply}); "
                    "taken as a relay configuration problem (circuit breaker)",
                    server=self.url.redacted(), code=result.code, reply=result.reply)
            return
        self._release_held(results)
        results[result.delivery_id] = result

    def _release_held(self, results: _Results) -> None:
        held, self._held = self._held, []
        for result in held:
            results[result.delivery_id] = result

    async def _attempt(
        self, connection: _Connection, message: OutgoingMessage, attempt: int
    ) -> tuple[SendResult, bool]:
        """Try one message once. Returns its result and whether the connection is still usable."""
        if self.bucket is not None:
            await self.bucket.acquire()
        delivery_id = message.delivery_id
        session = connection.session
        options: list[str] = []
        if not (message.sender.isascii() and message.recipient.isascii()):
            # RFC 6531: a non-ASCII address needs the relay's SMTPUTF8 extension; without it only this one
            # delivery fails, with the reason, and the session goes on.
            if not session.supports("smtputf8"):
                return SendResult(delivery_id, SendStatus.failed, "the address is not ASCII and the relay does "
                                  "not offer SMTPUTF8, which such an address needs"), True
            options.append("SMTPUTF8")
        try:
            outcome = await session.send(message.sender, message.recipient, message.message, options)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError, OSError) as exc:
            # The outcome is unknown (the server may have taken the message just before the line dropped);
            # retrying is the only way not to lose it, and the stable Message-ID lets receivers drop a copy.
            log.info(
                "smtp attempt failed",
                extra={"event": "smtp.attempt_failed", "delivery_id": delivery_id, "attempt": attempt,
                       "error": str(exc)},
            )
            return SendResult(delivery_id, SendStatus.retry, f"{type(exc).__name__}: {exc}"), False
        except (aiosmtplib.SMTPException, ValueError) as exc:
            # The message cannot be put on this server at all (an address no command line may carry, a reply
            # that is not SMTP): permanent. The transaction may be half open, so the connection is not reused.
            return SendResult(delivery_id, SendStatus.failed, f"cannot be sent: {exc}"), False
        if not outcome.accepted:
            reply = outcome.reply
            return _refused(delivery_id, reply.code, reply.text, on_rcpt=outcome.step == RCPT), session.is_connected
        connection.sent += 1
        return SendResult(delivery_id, SendStatus.sent, str(outcome.reply), 250), True

    async def _connect_with_retries(self) -> _Connection:
        for attempt in range(1, self.retries + 1):
            try:
                return _Connection(Session.take_over(await self._connect(), self.timeout))
            except ConnectFailed as exc:
                if attempt >= self.retries:
                    raise
                log.info("smtp connect failed",
                         extra={"event": "smtp.connect_failed", "attempt": attempt, "error": str(exc)})
                await asyncio.sleep(self.backoff.delay(attempt))
        raise AssertionError("unreachable")

    async def _connect(self) -> aiosmtplib.SMTP:
        url = self.url
        client = aiosmtplib.SMTP(
            hostname=url.host,
            port=url.port,
            username=url.username,
            password=url.password,
            timeout=self.timeout,
            use_tls=url.tls == "implicit",
            start_tls={"starttls": True, "auto": None}.get(url.tls, False),
            local_hostname=self.helo,
            validate_certs=self.validate_certs,
            cert_bundle=self.cert_bundle,
        )
        server = url.redacted()
        try:
            await client.connect(timeout=self.connect_timeout)
        except aiosmtplib.SMTPAuthenticationError as exc:
            raise AuthFailed("SMTP authentication failed", server=server, code=exc.code, reply=exc.message) from None
        except aiosmtplib.SMTPConnectTimeoutError:
            raise ConnectTimeout(f"no answer within {self.connect_timeout:g}s", server=server) from None
        except ssl.SSLError as exc:
            raise TLSFailed(f"TLS failed: {exc.reason or exc}", server=server) from None
        except aiosmtplib.SMTPConnectResponseError as exc:
            raise ConnectFailed("server refused the connection", server=server, code=exc.code, reply=exc.message)
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            if isinstance(exc.__cause__, ssl.SSLError):  # implicit TLS: the handshake is part of connecting
                raise TLSFailed(f"TLS failed: {exc.__cause__.reason or exc.__cause__}", server=server) from None
            raise ConnectFailed(f"cannot connect: {exc.message}", server=server) from None
        except aiosmtplib.SMTPResponseException as exc:
            raise TransportError("server refused the session", server=server, code=exc.code, reply=exc.message)
        except aiosmtplib.SMTPException as exc:
            # STARTTLS not offered, or the server closed during the TLS upgrade.
            raise TLSFailed(f"TLS failed: {exc.message}", server=server) from None
        except OSError as exc:
            raise ConnectFailed(f"cannot connect: {exc.strerror or exc}", server=server) from None
        try:
            if client.is_ehlo_or_helo_needed:
                await _greet(client)
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise ConnectFailed(f"the server refused the greeting: {exc}", server=server) from None
        return client


def _refused(delivery_id: int, code: int, text: str, *, on_rcpt: bool) -> SendResult:
    reply = f"{code} {text}"
    if 400 <= code < 500:
        return SendResult(delivery_id, SendStatus.retry, reply, code)
    return SendResult(delivery_id, SendStatus.failed, reply, code, hard_bounce=on_rcpt and code >= 500)


async def _greet(client: aiosmtplib.SMTP) -> None:
    """EHLO (HELO if the server does not speak ESMTP), which aiosmtplib leaves to the first command on a plain
    connection; the Session that takes over needs the extensions it announces."""
    try:
        await client.ehlo()
    except aiosmtplib.SMTPHeloError:
        await client.helo()
