"""The console backend: writes each message to a stream (stdout by default), for previews and debugging."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from engine.delivery.backends.base import Backend, ResultCallback
from engine.delivery.message import OutgoingMessage, SendResult, SendStatus


class ConsoleBackend(Backend):
    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream

    async def send_many(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        stream = self.stream or sys.stdout
        results = []
        for message in messages:
            stream.write(f"---------- delivery {message.delivery_id} to {message.recipient} ----------\n")
            stream.write(message.message.decode("utf-8", errors="replace").replace("\r\n", "\n"))
            stream.write("\n")
            results.append(SendResult(message.delivery_id, SendStatus.sent, "250 written to console", 250))
        stream.flush()
        return results
