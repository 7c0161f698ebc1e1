"""Signed unsubscribe tokens.

A token names a customer and an address and carries an HMAC-SHA256 signature made with a secret read from the
environment, so `rekindle unsubscribe TOKEN` (called by a web form or a mail hook) can trust it without a
database lookup of issued tokens. Tokens do not expire: an unsubscribe link must work for as long as the email
exists.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from functools import lru_cache

from engine.errors import InvalidInput


class TokenError(InvalidInput, ValueError):
    """The token is malformed or its signature does not match."""


class MissingSecret(InvalidInput):
    """The environment variable holding the signing secret is not set."""

    def __init__(self, variable: str) -> None:
        super().__init__(f"environment variable {variable} is not set; it holds the unsubscribe signing secret")
        self.variable = variable


def secret_from_env(variable: str, environ: Mapping[str, str] | None = None) -> bytes:
    value = (os.environ if environ is None else environ).get(variable)
    if not value:
        raise MissingSecret(variable)
    return value.encode()


#: What `base64.urlsafe_b64encode` translates the standard alphabet with.
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64_bytes(data: bytes) -> bytes:
    """`base64.urlsafe_b64encode(data)` without its padding: the same C encoder and translation that function
    calls, without its two Python-level calls (a run encodes two per message, the payload and the signature).
    tests/suppression/test_tokens.py holds it to `base64.urlsafe_b64encode`."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=")


def _b64(data: bytes) -> str:
    return _b64_bytes(data).decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(customer_id: str, email: str, secret: bytes) -> str:
    """A URL-safe token for (customer external id, email): `sign_values([customer_id, email.lower()], secret)`,
    its JSON written straight from the two strings (one per message, so the list and its type test are
    skipped)."""
    if type(customer_id) is not str or type(email) is not str:
        return sign_values([customer_id, email.lower()], secret)
    return _token(f"[{_json_string(customer_id)},{_json_string(email.lower())}]", secret)


def verify(token: str, secret: bytes) -> tuple[str, str]:
    """The (customer external id, email) a token was signed for; TokenError if it was not signed with `secret`."""
    values = verify_values(token, secret, "unsubscribe")
    if len(values) != 2:
        raise TokenError("unsubscribe token is malformed")
    customer_id, email = values
    return str(customer_id), str(email)


#: `json.dumps(values, separators=(",", ":"))`, without building an encoder per call.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))
#: How that encoder writes one string (ASCII-only, escaped): the C function it calls itself.
_json_string = json.encoder.encode_basestring_ascii


@lru_cache(maxsize=16)
def _keyed(secret: bytes) -> hmac.HMAC:
    """An HMAC-SHA256 already keyed with `secret`: copying it skips hashing the key for every token (a run
    signs one unsubscribe token per message and one click token per link)."""
    return hmac.new(secret, digestmod=hashlib.sha256)


def _mac(payload: bytes, secret: bytes) -> bytes:
    """HMAC-SHA256 of `payload` with `secret`."""
    mac = _keyed(secret).copy()
    mac.update(payload)
    return mac.digest()


def _signature(payload: str, secret: bytes) -> str:
    return _b64(_mac(payload.encode(), secret))


def _token(text: str, secret: bytes) -> str:
    """`payload.signature` for the JSON `text`, kept as bytes until the end (the payload is signed as the
    ASCII it is written in)."""
    payload = _b64_bytes(text.encode())
    return b".".join((payload, _b64_bytes(_mac(payload, secret)))).decode()


def sign_values(values: list, secret: bytes) -> str:
    """`payload.signature`: the JSON list, base64url, and its HMAC-SHA256. Other kinds of token (click links)
    use this with a secret of their own (`purpose_key`), so one kind can never pass for another."""
    if all(type(value) is str for value in values):  # an unsubscribe token: the same text, built directly
        text = "[" + ",".join(map(_json_string, values)) + "]"
    else:
        text = _COMPACT_JSON.encode(values)
    return _token(text, secret)


def verify_values(token: str, secret: bytes, kind: str) -> list:
    """The list a token was signed for; TokenError (naming the `kind` of token) if it was not signed with
    `secret`, was altered, or is not a token at all."""
    payload, _, signature = token.strip().partition(".")
    if not payload.isascii() or not signature.isascii():
        raise TokenError(f"{kind} token is malformed")
    expected = _signature(payload, secret)
    if not signature or not hmac.compare_digest(signature, expected):
        raise TokenError(f"{kind} token signature does not match")
    try:
        values = json.loads(_unb64(payload))
    except (ValueError, TypeError):
        raise TokenError(f"{kind} token is malformed") from None
    if not isinstance(values, list):
        raise TokenError(f"{kind} token is malformed")
    return values


@lru_cache(maxsize=16)
def purpose_key(secret: bytes, purpose: str) -> bytes:
    """A key derived from the project secret for one purpose (HMAC of the purpose's name)."""
    return hmac.new(secret, f"rekindle/{purpose}".encode(), hashlib.sha256).digest()
