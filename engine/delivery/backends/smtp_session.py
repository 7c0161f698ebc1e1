"""Mail transactions on one open SMTP connection, pipelined (RFC 2920) when the server offers PIPELINING.

aiosmtplib opens the connection: greeting, EHLO, STARTTLS or implicit TLS, AUTH, the parts where a library's
care matters. For the transactions themselves its `sendmail` waits for the reply to MAIL before it sends RCPT,
for RCPT before DATA and for DATA before the content (four round trips per message) and parses both addresses
four times with the standard library; to a fast relay that was most of the sender's time. It cannot pipeline:
its protocol drops a reply that arrives before it asked for one. So once the session is open, `Session` takes
the connection's transport over (`Transport.set_protocol`, asyncio's own hand-over between protocols), writes
MAIL, RCPT and DATA at once and reads their three replies in order, then writes the content: two round trips.
A server that does not offer PIPELINING is sent one command at a time.

Addresses are checked with `engine.addresses.address_problem` (no spaces, CR, LF or angle brackets), so
nothing can be smuggled onto a command line; a refused address raises ValueError before anything is written.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import aiosmtplib

from engine.addresses import address_problem

MAIL, RCPT, DATA, CONTENT = "mail", "rcpt", "data", "content"
"""The steps of a transaction, in order: the step a reply answers is where a refusal happened."""

_LINE_ENDS = re.compile(rb"\r\n|\n|\r(?!\n)")
_LEADING_DOT = re.compile(rb"(?m)^\.")
_MAX_REPLY = 64 * 1024


@dataclass(frozen=True)
class Reply:
    code: int
    text: str

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


@dataclass(frozen=True)
class Outcome:
    """How a transaction ended: accepted (250 to the content), or the first refusal and the step it answered."""

    step: str
    reply: Reply

    @property
    def accepted(self) -> bool:
        return self.step == CONTENT and self.reply.code == 250


def content_bytes(message: bytes) -> bytes:
    """`message` as DATA content: CRLF line ends, leading dots doubled (RFC 5321 4.5.2), the final dot line."""
    data = _LINE_ENDS.sub(b"\r\n", message)
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return _LEADING_DOT.sub(b"..", data) + b".\r\n"


class Session(asyncio.Protocol):
    """The protocol of one connection after aiosmtplib opened it. Replies are matched to commands in order:
    each command written registers one future, answered by the next complete reply read."""

    def __init__(self, transport: asyncio.Transport, extensions: dict[str, str], timeout: float) -> None:
        self._transport = transport
        self.extensions = extensions
        self.timeout = timeout
        self.pipelining = "pipelining" in extensions
        self._buffer = bytearray()
        self._lines: list[str] = []
        self._waiting: deque[asyncio.Future[Reply]] = deque()
        self._lost = False

    @classmethod
    def take_over(cls, client: aiosmtplib.SMTP, timeout: float) -> Session:
        """The session of `client`'s connection (EHLO done, no command outstanding), which `client` no longer
        reads: from here the connection is used and closed through the Session only."""
        transport = client.transport
        if transport is None or transport.is_closing():
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        session = cls(cast(asyncio.Transport, transport), dict(client.esmtp_extensions), timeout)
        transport.set_protocol(session)
        return session

    def supports(self, extension: str) -> bool:
        return extension.lower() in self.extensions

    @property
    def is_connected(self) -> bool:
        return not self._lost and not self._transport.is_closing()

    async def send(self, sender: str, recipient: str, message: bytes, options: Sequence[str] = ()) -> Outcome:
        """One mail transaction. Returns the outcome; raises SMTPServerDisconnected or SMTPReadTimeoutError when
        the connection dropped or went silent (then the outcome is unknown and the connection is closed)."""
        problem = address_problem(sender) or address_problem(recipient)
        if problem is not None:
            raise ValueError(problem)
        data = content_bytes(message)
        mail_options = [*options, f"SIZE={len(data)}"] if self.supports("size") else list(options)
        mail = " ".join([f"MAIL FROM:<{sender}>", *mail_options]) + "\r\n"
        commands = [(MAIL, mail.encode()), (RCPT, f"RCPT TO:<{recipient}>\r\n".encode()), (DATA, b"DATA\r\n")]
        if self.pipelining:
            replies = await self._exchange(b"".join(command for _, command in commands), len(commands))
        else:
            replies = []
            for step, command in commands:
                replies.extend(await self._exchange(command, 1))
                if not _accepted(step, replies[-1]):
                    break
        refusal = next((Outcome(step, reply) for (step, _), reply in zip(commands, replies)
                        if not _accepted(step, reply)), None)
        if refusal is not None and refusal.step != DATA and replies[-1].code == 354:
            # RFC 2920: a server that accepted DATA after refusing the envelope is sent an empty message.
            await self._exchange(b".\r\n", 1)
        if refusal is None:
            (reply,) = await self._exchange(data, 1)
            outcome = Outcome(CONTENT, reply)  # a refused content ends its transaction: no RSET needed
        else:
            outcome = refusal
            if refusal.reply.code != 421:
                await self._reset()
        if outcome.reply.code == 421:
            self.close()  # the server is closing the connection
        return outcome

    async def _reset(self) -> None:
        """End a refused transaction with RSET so the session goes on; if that fails, the refusal stands and
        the connection is closed."""
        try:
            await self._exchange(b"RSET\r\n", 1)
        except (aiosmtplib.SMTPException, OSError):
            self.close()

    async def quit(self) -> None:
        """QUIT politely (briefly), then close, whatever the server says."""
        if self.is_connected:
            try:
                async with asyncio.timeout(min(self.timeout, 2.0)):
                    await self._exchange(b"QUIT\r\n", 1)
            except (aiosmtplib.SMTPException, TimeoutError, OSError):
                pass
        self.close()

    def close(self) -> None:
        self._lost = True
        self._transport.close()

    async def _exchange(self, commands: bytes, replies: int) -> list[Reply]:
        """Write `commands` in one go and wait for their `replies`, each within the timeout."""
        if not self.is_connected:
            raise aiosmtplib.SMTPServerDisconnected("Connection lost")
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in range(replies)]
        self._waiting.extend(futures)
        self._transport.write(commands)
        try:
            async with asyncio.timeout(self.timeout):
                return [await future for future in futures]
        except TimeoutError:
            self.close()  # a reply given up on would be taken for the next command's
            raise aiosmtplib.SMTPReadTimeoutError("Timed out waiting for server response") from None
        except BaseException:
            self.close()
            raise

    # asyncio.Protocol

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (end := self._buffer.find(b"\n")) >= 0:
            line = bytes(self._buffer[:end + 1])
            del self._buffer[:end + 1]
            self._lines.append(line[4:].strip(b" \t\r\n").decode("utf-8", "surrogateescape"))
            if line[3:4] == b"-":
                continue
            text, self._lines = "\n".join(self._lines), []
            if not line[:3].isdigit():
                self._fail(aiosmtplib.SMTPResponseException(-1, f"Malformed SMTP response line: {line!r}"))
                return
            if self._waiting:
                future = self._waiting.popleft()
                if not future.done():  # not given up on (timed out)
                    future.set_result(Reply(int(line[:3]), text))
            # A reply nobody asked for (a 421 before hanging up) is dropped: the end of the connection follows.
        if len(self._buffer) > _MAX_REPLY:
            self._fail(aiosmtplib.SMTPResponseException(-1, "Response too long"))

    def eof_received(self) -> bool:
        self._fail(aiosmtplib.SMTPServerDisconnected("Unexpected EOF received"))
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        error = aiosmtplib.SMTPServerDisconnected("Connection lost")
        error.__cause__ = exc
        self._fail(error)

    def _fail(self, error: Exception) -> None:
        self.close()
        while self._waiting:
            future = self._waiting.popleft()
            if not future.done():
                future.set_exception(error)
                future.exception()  # retrieved: nobody may be waiting for it any more


def _accepted(step: str, reply: Reply) -> bool:
    return reply.code == 354 if step == DATA else reply.code == 250 or (step == RCPT and reply.code == 251)
