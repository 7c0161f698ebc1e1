"""`GET /c/<token>`: a tracked link. It records a `click` event and redirects to the link's URL.

The token names a delivery (by Message-ID) and the index of a link in it (engine/rendering/clicks.py); the
redirect goes to that delivery's stored URL and nowhere else, so the endpoint is not an open redirect. The event
goes through the importer like any other (`properties`: campaign, step, variant, link = the URL), so a click on
an activity event name would move `last_active_at` as usual.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sqlalchemy import select

from engine.importer.run import ImportOptions, import_rows
from engine.importer.report import ImportReport
from engine.importer.source import FileFormat, Row
from engine.rendering.clicks import verify_click
from engine.store.models import Customer, Delivery
from engine.suppression.tokens import TokenError
from engine.web.context import WebContext
from engine.web.pages import PAGE_HEADERS, invalid_link

CLICK_EVENT = "click"


def routes(ctx: WebContext) -> list[Route]:
    query = (
        select(Delivery.links, Delivery.campaign_id, Delivery.step_id, Delivery.variant, Customer.external_id)
        .join(Customer, Customer.id == Delivery.customer_id)
    )
    options = ImportOptions(kind="events", file_format=FileFormat.jsonl, now=ctx.clock(),
                            activity_events=ctx.project.config.defaults.activity_events)

    async def click(request: Request) -> Response:
        try:
            ref = verify_click(request.path_params["token"], ctx.secret)
        except TokenError:
            return invalid_link("This tracked link is not valid.", 404)

        def record() -> str | None:
            with ctx.store.connect() as conn:
                found = conn.execute(query.where(Delivery.message_id == ref.message_id)).first()
            if found is None or not found.links or ref.link >= len(found.links):
                return None
            url = found.links[ref.link]
            event = {"customer_id": found.external_id, "name": CLICK_EVENT,
                     "occurred_at": ctx.clock().isoformat(),
                     "properties": {"campaign": found.campaign_id, "step": found.step_id,
                                    "variant": found.variant, "link": url}}
            import_rows(ctx.store, [Row(1, event)], options, ImportReport("events", "click"))
            return url

        url = await run_in_threadpool(record)
        if url is None:
            return invalid_link("This tracked link is not valid.", 404)
        headers = {"Cache-Control": "no-store", "Referrer-Policy": PAGE_HEADERS["Referrer-Policy"]}
        return RedirectResponse(url, status_code=302, headers=headers)

    return [Route("/c/{token}", click, methods=["GET"])]
