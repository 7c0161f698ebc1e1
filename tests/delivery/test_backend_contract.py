"""One contract, every backend (Django runs one mail test suite against each of its backends).

Each case builds a backend and a way to read back what reached the far side: the aiosmtpd sink for smtp, the
Maildir folder, the captured stream, the outbox list.
"""

from __future__ import annotations

import asyncio
import io
import mailbox
from collections.abc import Callable, Iterator
from email.parser import BytesHeaderParser
from pathlib import Path

import pytest

from engine.delivery.backends.base import Backend
from engine.delivery.backends.console import ConsoleBackend
from engine.delivery.backends.maildir import MaildirBackend
from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.message import OutgoingMessage, SendStatus
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import SmtpSink, build_message

Received = Callable[[], list[str]]  # Message-IDs that reached the far side, in arrival order


def _ids(contents: list[bytes]) -> list[str]:
    return [str(BytesHeaderParser().parsebytes(c)["Message-ID"]) for c in contents]


@pytest.fixture(params=["smtp", "maildir", "console", "memory"])
def backend_case(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Backend, Received]]:
    if request.param == "smtp":
        with SmtpSink() as sink:
            backend = SmtpBackend(parse_smtp_url(sink.url), concurrency=3, helo="test.local")
            yield backend, sink.handler.message_ids
    elif request.param == "maildir":
        folder = tmp_path / "outbox"
        yield MaildirBackend(folder), lambda: _ids([m.as_bytes() for m in mailbox.Maildir(folder, create=False)])
    elif request.param == "console":
        stream = io.StringIO()
        yield ConsoleBackend(stream), lambda: [
            line.split(":", 1)[1].strip() for line in stream.getvalue().splitlines() if line.startswith("Message-ID:")
        ]
    else:
        outbox: list[OutgoingMessage] = []
        yield MemoryBackend(outbox), lambda: _ids([m.message for m in outbox])


def _messages(count: int, start: int = 0) -> list[OutgoingMessage]:
    out = []
    for i in range(start, start + count):
        message_id = f"<contract-{i}@rekindle.test>"
        recipient = f"person{i}@example.com"
        out.append(OutgoingMessage(i, "hello@example.com", recipient,
                                   build_message("hello@example.com", recipient, message_id), message_id))
    return out


def test_every_message_gets_one_result_in_order_and_arrives_once(backend_case) -> None:
    backend, received = backend_case
    messages = _messages(7)

    reported = []

    async def go():
        async with backend:
            return await backend.send_many(messages, on_result=reported.append)

    results = asyncio.run(go())
    assert [r.delivery_id for r in results] == [m.delivery_id for m in messages]
    # Streaming results is optional, but what is streamed is final and reported once.
    assert len({r.delivery_id for r in reported}) == len(reported) and set(reported) <= set(results)
    assert {r.status for r in results} == {SendStatus.sent}
    assert all(r.reply for r in results)
    assert sorted(received()) == sorted(m.message_id for m in messages)


def test_one_open_backend_sends_several_batches_and_an_empty_one(backend_case) -> None:
    backend, received = backend_case

    async def go():
        async with backend:
            first = await backend.send_many(_messages(3))
            empty = await backend.send_many([])
            second = await backend.send_many(_messages(2, start=3))
        await backend.close()  # closing twice is harmless
        return first, empty, second

    first, empty, second = asyncio.run(go())
    assert (len(first), empty, len(second)) == (3, [], 2)
    assert sorted(received()) == sorted(m.message_id for m in _messages(5))


def test_maildir_fills_in_an_existing_empty_folder(tmp_path: Path) -> None:
    """An operator's `mkdir outbox` (or a folder left half made) is a valid target, not an error."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "new").mkdir()

    async def send() -> list[SendStatus]:
        async with MaildirBackend(folder) as backend:
            return [r.status for r in await backend.send_many(_messages(2))]

    assert asyncio.run(send()) == [SendStatus.sent, SendStatus.sent]
    assert sorted(p.name for p in folder.iterdir()) == ["cur", "new", "tmp"]
    received = _ids([m.as_bytes() for m in mailbox.Maildir(folder, create=False)])
    assert sorted(received) == ["<contract-0@rekindle.test>", "<contract-1@rekindle.test>"]
