"""The event loop a dispatch runs on: uvloop (libuv's loop, written in Cython) when it is installed, else
asyncio's own.

A send to a fast relay is mostly event loop: two socket writes and two reads a message, each a trip through
the loop's selector and callbacks. uvloop does that work in C; to Postfix's smtp-sink it took a fifth off the
sender's CPU a message (docs/delivery.md, Throughput). It is optional (`pip install 'rekindle-engine[fast]'`);
`REKINDLE_EVENT_LOOP=asyncio` keeps the standard loop even when uvloop is installed (to compare, or to rule it
out), `REKINDLE_EVENT_LOOP=uvloop` insists on it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

CHOICES = ("auto", "uvloop", "asyncio")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's loop factory, or None for asyncio's default, as REKINDLE_EVENT_LOOP (default auto) says."""
    choice = os.environ.get("REKINDLE_EVENT_LOOP", "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        raise ValueError(f"REKINDLE_EVENT_LOOP must be one of {', '.join(CHOICES)}, not {choice!r}")
    if choice == "asyncio":
        return None
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            raise ValueError("REKINDLE_EVENT_LOOP=uvloop but uvloop is not installed "
                             "(pip install 'rekindle-engine[fast]')") from None
        return None
    return uvloop.new_event_loop


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run(coroutine) on the chosen loop."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(coroutine)
