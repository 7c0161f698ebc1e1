"""The middleware around every route: an access log without tokens, a request size limit, and rate limits per
client on the public pages. Plain ASGI, so they also guard bodies that arrive in chunks.

Rate limits use the `limits` library (moving window, in-process memory storage): maintained, well tested, the
engine behind Flask-Limiter and SlowAPI, and its storage can move to Redis or Memcached for several server
processes without touching this code. The client is the connection's address; behind a reverse proxy uvicorn
replaces it with X-Forwarded-For when the proxy is trusted (`web.forwarded_allow_ips`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("rekindle.web.access")

#: Path prefixes whose next segment is a token: logged as the prefix and an ellipsis.
TOKEN_PATHS = ("/c/",)


def loggable_path(path: str) -> str:
    """The path as the access log shows it: never a query string (tokens travel there), never a token."""
    for prefix in TOKEN_PATHS:
        if path.startswith(prefix):
            return prefix + "…"
    return path


def client_of(scope: Scope) -> str:
    client = scope.get("client")
    return client[0] if client else "unknown"


class AccessLog:
    """One structured record per request: method, path (token-free), status, duration, client address."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            access_log.info(
                "%s %s %s", scope["method"], loggable_path(scope["path"]), status,
                extra={"event": "web.request", "method": scope["method"], "path": loggable_path(scope["path"]),
                       "status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                       "client": client_of(scope)},
            )


class _TooLarge(Exception):
    pass


class BodyLimit:
    """413 for a request body over `max_bytes`: at once when Content-Length says so, else as soon as the
    chunks received pass the limit (the rest is never read)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received, started = 0, False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"error": f"the request body is larger than {self.max_bytes} bytes"}, 413,
                                headers={"Connection": "close"})
        await response(scope, receive, send)


class RateLimit:
    """At most `rate` (e.g. "60/minute") requests per client address to paths under `prefixes`; 429 with
    Retry-After beyond it."""

    def __init__(self, app: ASGIApp, rate: str, prefixes: Collection[str]) -> None:
        self.app = app
        self.item = parse(rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.prefixes = tuple(prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            client = client_of(scope)
            if not self.limiter.hit(self.item, "public", client):
                reset, _ = self.limiter.get_window_stats(self.item, "public", client)
                retry = max(1, int(reset - time.time()) + 1)
                response = JSONResponse({"error": "too many requests; try again later"}, 429,
                                        headers={"Retry-After": str(retry)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
