"""`/preferences?token=…`: opt out of one category of emails (a campaign's `category`) instead of all mail.

The token is the unsubscribe token of the email the customer came from. GET shows a checkbox per category the
project's campaigns declare; POST saves the ticked ones as wanted and the others as opted out.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.suppression import preferences
from engine.suppression.tokens import TokenError, verify
from engine.web.context import WebContext
from engine.web.pages import invalid_link, page
from engine.web.unsubscribe import token_of


def routes(ctx: WebContext) -> list[Route]:
    async def show(request: Request) -> Response:
        return await _respond(request, wanted=None)

    async def save(request: Request) -> Response:
        form = await request.form()
        return await _respond(request, wanted=[str(value) for value in form.getlist("category")])

    async def _respond(request: Request, wanted: list[str] | None) -> Response:
        token = token_of(request)
        try:
            external_id, email = verify(token or "", ctx.secret)
        except TokenError as exc:
            return invalid_link(f"The preferences link is not valid ({exc}).")

        def work() -> tuple[bool, set[str]]:
            with ctx.store.begin() as conn:
                customer = preferences.customer_id(conn, external_id)
                if customer is None:
                    return False, set()
                if wanted is not None:
                    return True, preferences.choose(conn, customer, wanted, ctx.categories, ctx.clock())
                return True, preferences.opted_out(conn, customer)

        found, opted_out = await run_in_threadpool(work)
        return page("preferences", email=email, token=token, categories=ctx.categories, opted_out=opted_out,
                    found=found, saved=wanted is not None and found)

    return [Route("/preferences", show, methods=["GET"]), Route("/preferences", save, methods=["POST"])]
