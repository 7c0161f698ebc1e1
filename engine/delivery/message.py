"""What a backend is given (OutgoingMessage) and what it answers for each message (SendResult)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class SendStatus(str, Enum):
    #: The transport accepted the message (for SMTP: 250 after DATA).
    sent = "sent"
    #: A temporary problem (4xx reply, dropped connection, timeout): try again later.
    retry = "retry"
    #: A permanent refusal (5xx reply): never retried.
    failed = "failed"


@dataclass(frozen=True)
class OutgoingMessage:
    """One email for one recipient: the bytes were rendered when the delivery was queued and are sent as is."""

    delivery_id: int
    sender: str
    recipient: str
    message: bytes
    message_id: str


@dataclass(frozen=True)
class SendResult:
    """The outcome of one message. `reply` is the transport's answer as text (e.g. "250 2.0.0 Ok"); `code` is
    the SMTP code when there is one. `hard_bounce` means the recipient address itself was refused permanently
    (5xx to RCPT), so the address belongs on the suppression list."""

    delivery_id: int
    status: SendStatus
    reply: str
    code: int | None = None
    hard_bounce: bool = False
