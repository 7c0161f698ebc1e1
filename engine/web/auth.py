"""The bearer token of /v1: `Authorization: Bearer <token>`, or HTTP Basic with the token as the password
(for mail providers whose webhooks can only carry credentials in the URL, such as Postmark's)."""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

Endpoint = Callable[[Request], Awaitable[Response]]


def presented_token(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip(), validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def require_token(expected: str | None, variable: str, endpoint: Endpoint) -> Endpoint:
    async def guarded(request: Request) -> Response:
        if expected is None:
            return JSONResponse({"error": f"the API is off: environment variable {variable} is not set"}, 503)
        given = presented_token(request)
        if given is None or not hmac.compare_digest(given.encode(), expected.encode()):
            return JSONResponse({"error": "missing or wrong bearer token"}, 401,
                                headers={"WWW-Authenticate": 'Bearer realm="rekindle"'})
        return await endpoint(request)

    return guarded
