"""The contract every delivery backend keeps (after Django's `core/mail/backends/base.py`, made async).

    async with backend:
        results = await backend.send_many(messages)   # one SendResult per message, in the same order

`send_many` answers for every message it was given; a refused or deferred message is a result, not an
exception. A backend that sends over the network also passes each result to `on_result` the moment it is
known, so the dispatcher can record it while the rest are still being sent (that keeps the window in which a
crash could cause a duplicate down to milliseconds). Only a failure of the whole transport (connect, TLS, AUTH) raises, as a `TransportError`, and then
no message of that call was handed over, so the caller can keep all of them queued.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType

from engine.delivery.message import OutgoingMessage, SendResult

ResultCallback = Callable[[SendResult], None]


class Backend:
    #: The name used in rekindle.yaml (`delivery.backend`).
    name: str = ""
    #: How many dispatches may try a temporarily failing message before it is marked failed.
    max_attempts: int = 5

    async def open(self) -> None:
        """Acquire what sending needs (connections, folders). Raises TransportError if the transport is down."""

    async def close(self) -> None:
        """Release it. Safe to call twice."""

    async def send_many(
        self, messages: Sequence[OutgoingMessage], on_result: ResultCallback | None = None
    ) -> list[SendResult]:
        raise NotImplementedError

    def describe(self) -> str:
        """Where messages go, safe to print (no credentials)."""
        return self.name

    async def __aenter__(self) -> Backend:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
