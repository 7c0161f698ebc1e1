"""Bounces and complaints from the mail system, added to the suppression list.

- `POST /v1/feedback/dsn`: a delivery status notification (RFC 3464) as the mail system produced it, either
  the whole report message (`message/rfc822`, or any type: a `multipart/report` message is recognised by its
  headers) or only its `message/delivery-status` part. Every recipient whose `Action` is `failed` with a 5.x.x
  `Status` is a hard bounce. An abuse report (RFC 5965 `message/feedback-report`, `Feedback-Type: abuse`) is a
  complaint about its `Original-Rcpt-To`.
- `POST /v1/feedback/postmark`: Postmark's bounce and spam-complaint webhooks (JSON). `RecordType: Bounce`
  with `Type` `HardBounce` or `BadEmailAddress` is a hard bounce, `RecordType: SpamComplaint` a complaint;
  other bounce types (soft bounces, auto-replies...) are acknowledged and ignored.

Both answer 200 with the addresses newly suppressed and the ones ignored, so the mail system does not retry.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.parser import HeaderParser

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.addresses import address_problem
from engine.suppression import store as suppressions
from engine.web.auth import require_token
from engine.web.context import WebContext

HARD_BOUNCE, COMPLAINT = "hard_bounce", "complaint"
POSTMARK_HARD = {"HardBounce", "BadEmailAddress"}


@dataclass
class Feedback:
    entries: list[suppressions.Entry] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)

    def add(self, email: str, reason: str, detail: str) -> None:
        address = email.strip().strip("<>").strip()
        if address and address_problem(address) is None:
            self.entries.append(suppressions.Entry(address, reason, detail[:500]))
        else:
            self.ignored.append(address)


def _address(field_value: str | None) -> str:
    """`rfc822; user@example.com` -> `user@example.com`."""
    return str(field_value or "").partition(";")[2].strip() or str(field_value or "").strip()


def parse_dsn(body: bytes, content_type: str) -> Feedback:
    found = Feedback()
    bare = content_type.split(";")[0].strip().lower() in ("message/delivery-status", "message/feedback-report")
    message = message_from_bytes(
        (f"Content-Type: {content_type}\r\n\r\n".encode() + body) if bare else body, policy=policy.compat32
    )
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            _delivery_status(part, found)
        elif kind == "message/feedback-report":
            _feedback_report(part, found)
    return found


def _delivery_status(part: Message, found: Feedback) -> None:
    blocks = part.get_payload()
    if not isinstance(blocks, list):
        return
    for block in blocks[1:]:  # the first block is about the message, the others about one recipient each
        if not isinstance(block, Message):
            continue
        recipient = _address(block.get("Final-Recipient") or block.get("Original-Recipient"))
        if not recipient:
            continue
        action, status = str(block.get("Action", "")).strip().lower(), str(block.get("Status", "")).strip()
        if action == "failed" and status.startswith("5"):
            diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
            found.add(recipient, HARD_BOUNCE, f"DSN {status} {diagnostic}".strip())
        else:
            found.ignored.append(recipient)


def _feedback_report(part: Message, found: Feedback) -> None:
    payload = part.get_payload()
    first = payload[0] if isinstance(payload, list) and payload else None
    fields = first if isinstance(first, Message) else HeaderParser().parsestr(str(payload))
    recipient = _address(fields.get("Original-Rcpt-To"))
    if recipient and str(fields.get("Feedback-Type", "")).strip().lower() == "abuse":
        found.add(recipient, COMPLAINT, "ARF abuse report")
    elif recipient:
        found.ignored.append(recipient)


def parse_postmark(document: object) -> Feedback:
    found = Feedback()
    records = document if isinstance(document, list) else [document]
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("Email"), str):
            continue
        kind, email = record.get("RecordType"), record["Email"]
        detail = f"postmark {record.get('Type', kind)}: {record.get('Description', '')}".strip()
        if kind == "Bounce" and record.get("Type") in POSTMARK_HARD:
            found.add(email, HARD_BOUNCE, detail)
        elif kind == "SpamComplaint":
            found.add(email, COMPLAINT, detail)
        else:
            found.ignored.append(email)
    return found


def routes(ctx: WebContext) -> list[Route]:
    async def store(found: Feedback) -> Response:
        def write() -> int:
            with ctx.store.begin() as conn:
                return suppressions.add(conn, found.entries, ctx.clock())

        added = await run_in_threadpool(write) if found.entries else 0
        return JSONResponse({"suppressed": sorted({suppressions.normalise(e.email) for e in found.entries}),
                             "new": added, "ignored": len(found.ignored)})

    async def dsn(request: Request) -> Response:
        return await store(parse_dsn(await request.body(), request.headers.get("content-type", "message/rfc822")))

    async def postmark(request: Request) -> Response:
        try:
            document = json.loads(await request.body())
        except (ValueError, RecursionError) as exc:
            return JSONResponse({"error": f"the body is not valid JSON: {exc}"}, 400)
        return await store(parse_postmark(document))

    variable = ctx.project.config.web.api_token_env
    return [
        Route("/v1/feedback/dsn", require_token(ctx.api_token, variable, dsn), methods=["POST"]),
        Route("/v1/feedback/postmark", require_token(ctx.api_token, variable, postmark), methods=["POST"]),
    ]
