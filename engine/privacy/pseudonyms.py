"""Consistent pseudonyms for a store snapshot: the same real email, name or id always becomes the same stand-in
within one snapshot (so a suppression still matches its customer and events still find their customer), and
nothing in the stand-in can be turned back into the original without the key.

The key is an HMAC key: random per export unless the team sets one (then pseudonyms are stable across
refreshes, which keeps rule tests and saved plans comparable)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

FIRST_NAMES = ("Alex", "Sam", "Robin", "Kim", "Jo", "Charlie", "Noor", "Yuki", "Ines", "Mika", "Lea", "Omar",
               "Ana", "Ravi", "Zoe", "Ivo", "Mei", "Tomas", "Aiko", "Nia", "Eli", "Sara", "Ken", "Lina")
LAST_NAMES = ("Rivers", "Stone", "Field", "Brook", "Hill", "Lake", "Moss", "Wood", "Park", "Vale", "Reed",
              "Marsh", "Dale", "Ford", "Glen", "Heath", "Lane", "Shaw", "West", "North", "Berg", "Holm")
DOMAIN = "snapshot.invalid"
"""`.invalid` never resolves (RFC 2606): a snapshot loaded by mistake into a sending store cannot reach anyone."""


class Pseudonyms:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def _digest(self, kind: str, value: str) -> str:
        return hmac.new(self._key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

    def email(self, address: str) -> str:
        """Case and surrounding spaces do not matter, as for suppressions (stored lower-cased)."""
        return f"u-{self._digest('email', address.strip().lower())[:16]}@{DOMAIN}"

    def external_id(self, external_id: str) -> str:
        return f"c-{self._digest('id', external_id)[:16]}"

    def first_name(self, name: str | None) -> str | None:
        return self._pick(FIRST_NAMES, "first", name)

    def last_name(self, name: str | None) -> str | None:
        return self._pick(LAST_NAMES, "last", name)

    def text(self, kind: str, value: str) -> str:
        """A redacted string attribute: a stable token, so equal values stay equal (segments may compare them)."""
        return f"redacted-{self._digest(kind, value)[:12]}"

    def _pick(self, names: tuple[str, ...], kind: str, name: str | None) -> str | None:
        if not name:
            return name  # an absent name stays absent: templates take the same "no first name" branch
        return names[int(self._digest(kind, name)[:8], 16) % len(names)]
