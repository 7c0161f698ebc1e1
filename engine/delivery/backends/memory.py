"""The memory backend: keeps every message in an outbox list (Django's locmem), for tests and dry runs.

`replies` scripts refusals by recipient, e.g. {"gone@example.com": (550, "5.1.1 no such user")}, so the
dispatcher's handling of every outcome can be tested without a network.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.delivery.backends.base import Backend, ResultCallback
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus

#: The default outbox, shared like django.core.mail.outbox so a command run in-process can be inspected.
OUTBOX: list[OutgoingMessage] = []


class MemoryBackend(Backend):
    name = "memory"

    def __init__(
        self,
        outbox: list[OutgoingMessage] | None = None,
        replies: dict[str, tuple[int, str]] | None = None,
    ) -> None:
        self.outbox = OUTBOX if outbox is None else outbox
        self.replies = {email.lower(): reply for email, reply in (replies or {}).items()}

    async def send_many(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        return [self._send(message) for message in messages]

    def _send(self, message: OutgoingMessage) -> SendResult:
        code, text = self.replies.get(message.recipient.lower(), (250, "2.0.0 Ok: kept in memory"))
        reply = f"{code} {text}"
        if code >= 500:
            return SendResult(message.delivery_id, SendStatus.failed, reply, code, hard_bounce=True)
        if code >= 400:
            return SendResult(message.delivery_id, SendStatus.retry, reply, code)
        self.outbox.append(message)
        return SendResult(message.delivery_id, SendStatus.sent, reply, code)
