"""`GET /healthz` (the process answers) and `GET /readyz` (the store answers and its schema is current), for
load balancers and orchestrators. Neither says why in detail: reasons go to the log, not to the internet."""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.store.migrate import StoreStatus, store_state
from engine.web.context import WebContext

log = logging.getLogger("rekindle.web")


def routes(ctx: WebContext) -> list[Route]:
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def store_ready() -> str | None:
        try:
            with ctx.store.connect() as conn:
                conn.execute(text("SELECT 1"))
            state = store_state(ctx.store)
        except DBAPIError as exc:
            return f"store unreachable: {str(exc.orig or exc).strip().splitlines()[0]}"
        return None if state.status is StoreStatus.current else state.problem()

    async def readyz(request: Request) -> Response:
        problem = await run_in_threadpool(store_ready)
        if problem is not None:
            log.warning("not ready", extra={"event": "web.not_ready", "reason": problem})
            return JSONResponse({"status": "unavailable"}, 503)
        return JSONResponse({"status": "ready"})

    return [Route("/healthz", healthz, methods=["GET"]), Route("/readyz", readyz, methods=["GET"])]
