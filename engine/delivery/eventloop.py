"""The event loop a dispatch runs on: asyncio's own, or uvloop (libuv's loop, in Cython) when asked for with
REKINDLE_EVENT_LOOP=uvloop (installed by the `fast` extra).

A send to a fast relay is mostly event loop: two socket writes and two reads a message, each a trip through
the loop's selector and callbacks, which uvloop does in C. Measured to Postfix's smtp-sink on a loaded
2-core machine (docs/delivery.md, Throughput), it took a fifth off the sender's CPU a message on SQLite, but
on PostgreSQL, where the outcome commits run in a thread of the dispatch's own, the send was no faster and
often slower than on asyncio's loop; so it is a choice, not the default.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CHOICES = ("asyncio", "uvloop")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default, as REKINDLE_EVENT_LOOP (default asyncio) says."""
    choice = os.environ.get("REKINDLE_EVENT_LOOP", "").strip().lower() or "asyncio"
    if choice not in CHOICES:
        raise ValueError(f"REKINDLE_EVENT_LOOP must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        raise ValueError("REKINDLE_EVENT_LOOP=uvloop but uvloop is not installed "
                         "(pip install -e '.[fast]' in a checkout)") from None
    return uvloop.new_event_loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine) on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coroutine)
