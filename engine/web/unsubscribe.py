"""`/unsubscribe` and `/resubscribe`: the link in every email's footer and List-Unsubscribe header.

- `POST /unsubscribe?token=…` with the form field `List-Unsubscribe=One-Click` (RFC 8058, what mailbox
  providers send, and what the confirmation page's button sends) unsubscribes at once: no cookie, no redirect,
  no confirmation. It is idempotent: a repeated POST says "already unsubscribed" and changes nothing.
- `GET /unsubscribe?token=…` only shows a page with one button, so link scanners that fetch every URL of an
  email never unsubscribe anyone.
- `POST /resubscribe?token=…` undoes it (the page after unsubscribing offers it).

Tokens are checked exactly as `rekindle unsubscribe TOKEN` checks them (engine/suppression/unsubscribe.py):
a forged or altered token changes nothing and the page says so.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from engine.suppression.tokens import TokenError, verify
from engine.suppression.unsubscribe import resubscribe, unsubscribe
from engine.web.context import WebContext
from engine.web.pages import invalid_link, page

ONE_CLICK = ("List-Unsubscribe", "One-Click")


def token_of(request: Request) -> str | None:
    token = request.query_params.get("token")
    return token if token and len(token) <= 2048 else None


def routes(ctx: WebContext) -> list[Route]:
    async def confirm(request: Request) -> Response:
        token = token_of(request)
        try:
            _, email = verify(token or "", ctx.secret)
        except TokenError as exc:
            return invalid_link(f"The unsubscribe link is not valid ({exc}).")
        return page("unsubscribe_confirm", email=email, token=token, categories=ctx.categories)

    async def one_click(request: Request) -> Response:
        token = token_of(request)
        form = await request.form()
        if form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            return invalid_link("This is not a one-click unsubscribe request (the form field "
                                "List-Unsubscribe=One-Click is missing).")

        def apply():
            with ctx.store.begin() as conn:
                return unsubscribe(conn, token or "", ctx.secret, ctx.clock())

        try:
            done = await run_in_threadpool(apply)
        except TokenError as exc:
            return invalid_link(f"The unsubscribe link is not valid ({exc}).")
        return page("unsubscribe_done", email=done.email, changed=done.changed, token=token)

    async def undo(request: Request) -> Response:
        token = token_of(request)

        def apply():
            with ctx.store.begin() as conn:
                return resubscribe(conn, token or "", ctx.secret)

        try:
            done = await run_in_threadpool(apply)
        except TokenError as exc:
            return invalid_link(f"The resubscribe link is not valid ({exc}).")
        blocked = done.still_blocked.replace("_", " ") if done.still_blocked else None
        return page("resubscribed", email=done.email, blocked=blocked)

    return [
        Route("/unsubscribe", confirm, methods=["GET"]),
        Route("/unsubscribe", one_click, methods=["POST"]),
        Route("/resubscribe", undo, methods=["POST"]),
    ]
