"""`POST /v1/events` and `POST /v1/customers`: rows in real time, through the importer.

The body is one JSON object, a JSON array of them, or JSON Lines (`application/x-ndjson`); each object is what
one JSON Lines row of `rekindle import` holds, checked by the same code, with the same per-row errors (I4xx,
their `item` being the object's position, from 1) and written in one transaction the same way. Events are
idempotent by `event_id` (or their content key), so a client retries a failed batch as it is.
`?strict=true` refuses the whole batch when any object is bad, like `--strict`.

Answers: 200 everything stored, 422 some objects rejected (the others were stored unless strict), 400 the body
is not JSON at all.

Once the events are committed, the campaigns whose `trigger` is one of their names with `enrol: on_arrival`
enrol those customers at once (engine/runner/arrival.py, the tick's own enrolment restricted to them); the
answer's `enrolled` counts them per campaign. Nothing is sent here: the worker or the next run sends the first
step. A failure to enrol (the store) is logged and leaves the enrolment to the next run; the events are stored.
"""

from __future__ import annotations

import json
import logging
from typing import Literal

from sqlalchemy.exc import DBAPIError

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.importer.report import ImportReport
from engine.importer.run import ImportOptions, import_rows
from engine.importer.source import FileFormat, Row, jsonl_row
from engine.runner.arrival import enrol_arrivals
from engine.web.auth import require_token
from engine.web.context import WebContext

log = logging.getLogger("rekindle.web.events")

NDJSON = ("application/x-ndjson", "application/jsonl", "application/jsonlines")


class BodyNotJson(ValueError):
    pass


def rows_of(body: bytes, content_type: str) -> list[Row]:
    """The request's objects as importer rows, numbered from 1."""
    if content_type.split(";")[0].strip().lower() in NDJSON:
        try:
            lines = body.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise BodyNotJson("the body is not UTF-8 text") from None
        return [jsonl_row(number, text) for number, text in enumerate(lines, start=1) if text.strip()]
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BodyNotJson(f"the body is not valid JSON: {exc}") from None
    items = document if isinstance(document, list) else [document]
    return [jsonl_row(number, json.dumps(item, ensure_ascii=False)) for number, item in enumerate(items, start=1)]


def arrivals(rows: list[Row]) -> set[tuple[str, str]]:
    """(customer id, event name) of the well-formed event objects: who may enrol on arrival. A rejected one
    only makes its customer's audience be evaluated, which decides nothing by itself."""
    pairs = ((row.values.get("customer_id"), row.values.get("name")) for row in rows if row.error is None)
    return {(customer, name) for customer, name in pairs if isinstance(customer, str) and isinstance(name, str)}


def enrol_on_arrival(ctx: WebContext, rows: list[Row]) -> dict[str, int] | None:
    """Enrolment on arrival of the events just stored; None when the store failed (the next run enrols)."""
    try:
        return enrol_arrivals(ctx.store, ctx.project, arrivals(rows), ctx.clock(), ctx.rules_commit)
    except DBAPIError as exc:
        log.warning("enrolment on arrival failed; the next run enrols", extra={
            "event": "web.arrival_failed", "error": str(exc.orig or exc).strip().splitlines()[0]})
        return None


def answer(report: ImportReport, enrolled: dict[str, int] | None = None) -> JSONResponse:
    errors = [
        {"item": d.location.line, "code": d.code, "field": d.path or None, "message": d.message}
        for d in report.diagnostics()
    ]
    body = {
        "imported": report.imported if report.committed else 0,
        "duplicates": report.duplicates if report.committed else 0,
        "rejected": report.rejected,
        "errors": errors,
        "summary": report.summary(),
    }
    if report.kind == "events":
        body["enrolled"] = enrolled
    return JSONResponse(body, status_code=200 if report.ok else 422)


def routes(ctx: WebContext) -> list[Route]:
    def endpoint(kind: Literal["customers", "events"]):
        async def receive(request: Request) -> Response:
            try:
                rows = rows_of(await request.body(), request.headers.get("content-type", ""))
            except BodyNotJson as exc:
                return JSONResponse({"error": str(exc)}, 400)
            options = ImportOptions(
                kind=kind, file_format=FileFormat.jsonl, now=ctx.clock(),
                strict=request.query_params.get("strict", "").lower() in ("1", "true", "yes"),
                activity_events=ctx.project.config.defaults.activity_events,
            )
            report = ImportReport(kind, f"POST /v1/{kind}")
            await run_in_threadpool(import_rows, ctx.store, rows, options, report)
            enrolled = None
            if kind == "events" and report.committed:
                enrolled = await run_in_threadpool(enrol_on_arrival, ctx, rows)
            return answer(report, enrolled)

        return require_token(ctx.api_token, ctx.project.config.web.api_token_env, receive)

    return [
        Route("/v1/events", endpoint("events"), methods=["POST"]),
        Route("/v1/customers", endpoint("customers"), methods=["POST"]),
    ]
