"""Whole-transport failures: the only errors a backend raises (a refused message is a SendResult, not an error).

Hierarchy::

    TransportError                 the transport cannot be used at all; the work stays queued
    ├── ConnectFailed              (ConnectionError) no connection: refused, DNS, reset during the greeting
    │   └── ConnectTimeout         (TimeoutError) no answer within the connect timeout
    ├── TLSFailed                  (ConnectionError) STARTTLS or implicit TLS could not be established
    ├── AuthFailed                 the server refused the credentials (AUTH)
    └── SessionRefused             the relay refuses every message for a reason of its own configuration (530,
                                   5.7.x authentication required, or the circuit breaker: the same permanent
                                   refusal for several messages in a row); nothing is marked failed

Every error carries `code` and `reply` (the server's answer when there was one) and names the server by its
redacted URL, so a password never reaches a log or a terminal.
"""

from __future__ import annotations

from engine.errors import Unavailable


class TransportError(Unavailable):
    """The relay could not be reached or refused the session: the emails stay queued (exit 3)."""

    def __init__(self, message: str, *, server: str = "", code: int | None = None, reply: str = "") -> None:
        super().__init__(message)
        self.server = server
        self.code = code
        self.reply = reply

    def __str__(self) -> str:
        where = f" ({self.server})" if self.server else ""
        return f"{self.message}{where}"


class ConnectFailed(TransportError, ConnectionError):
    pass


class ConnectTimeout(ConnectFailed, TimeoutError):
    pass


class TLSFailed(TransportError, ConnectionError):
    pass


class AuthFailed(TransportError):
    pass


class SessionRefused(TransportError):
    pass
