"""Signed unsubscribe tokens.

A token names a customer and an address and carries an HMAC-SHA256 signature made with a secret read from the
environment, so `rekindle unsubscribe TOKEN` (called by a web form or a mail hook) can trust it without a
database lookup of issued tokens. Tokens do not expire: an unsubscribe link must work for as long as the email
exists.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from engine.errors import InvalidInput


class TokenError(InvalidInput, ValueError):
    """The token is malformed or its signature does not match."""


class MissingSecret(InvalidInput):
    """The environment variable holding the signing secret is not set."""

    def __init__(self, variable: str) -> None:
        super().__init__(f"environment variable {variable} is not set; it holds the unsubscribe signing secret")
        self.variable = variable


def secret_from_env(variable: str) -> bytes:
    value = os.environ.get(variable)
    if not value:
        raise MissingSecret(variable)
    return value.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(customer_id: str, email: str, secret: bytes) -> str:
    """A URL-safe token for (customer external id, email)."""
    payload = _b64(json.dumps([customer_id, email.lower()], separators=(",", ":")).encode())
    signature = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def verify(token: str, secret: bytes) -> tuple[str, str]:
    """The (customer external id, email) a token was signed for; TokenError if it was not signed with `secret`."""
    payload, _, signature = token.strip().partition(".")
    if not (payload.isascii() and signature.isascii()):  # compare_digest raises TypeError on non-ASCII text
        raise TokenError("unsubscribe token signature does not match")
    expected = _b64(hmac.new(secret, payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise TokenError("unsubscribe token signature does not match")
    try:
        customer_id, email = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise TokenError("unsubscribe token is malformed") from None
    return str(customer_id), str(email)
