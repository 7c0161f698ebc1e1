"""The maildir backend (the demo's default): each message becomes a file in a local Maildir folder.

Any mail client can open the folder (e.g. `mutt -f demo/outbox`). A `Delivered-To` header is prepended, as a
local delivery agent does, so the envelope recipient stays visible.
"""

from __future__ import annotations

import asyncio
import mailbox
from collections.abc import Sequence
from pathlib import Path

from engine.delivery.backends.base import Backend, ResultCallback
from engine.delivery.errors import TransportError
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus


class MaildirBackend(Backend):
    name = "maildir"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._box: mailbox.Maildir | None = None

    def describe(self) -> str:
        return f"maildir {self.path}"

    async def open(self) -> None:
        try:
            # mailbox only creates tmp/new/cur for a folder that does not exist yet; an operator's empty
            # folder (or one a previous tool left half made) must work too.
            for sub in ("tmp", "new", "cur"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
            self._box = mailbox.Maildir(self.path, create=False)
        except OSError as exc:
            raise TransportError(f"cannot open maildir: {exc.strerror}", server=str(self.path)) from exc

    async def close(self) -> None:
        self._box = None

    async def send_many(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        if self._box is None:
            await self.open()
        return await asyncio.to_thread(self._write_all, messages)

    def _write_all(self, messages: Sequence[OutgoingMessage]) -> list[SendResult]:
        assert self._box is not None
        results = []
        for message in messages:
            try:
                key = self._box.add(f"Delivered-To: {message.recipient}\r\n".encode() + message.message)
            except OSError as exc:
                # A full disk or a permission problem is temporary from the outbox's point of view.
                results.append(SendResult(message.delivery_id, SendStatus.retry, f"maildir: {exc.strerror}"))
                continue
            results.append(SendResult(message.delivery_id, SendStatus.sent, f"250 stored as {key}", 250))
        return results
