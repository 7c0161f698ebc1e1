"""Click tracking: each link of an email points at the web endpoint's `/c/<token>` instead of its target.

The token is signed (with a key derived from the unsubscribe secret, `tokens.purpose_key(secret, "click")`) and
names the delivery by its Message-ID (unique in the store) and the link by its index in the delivery's
`links`, the list of original URLs kept with the delivery. The endpoint can therefore only ever redirect to a
URL that was in that very email: a token cannot be made to point anywhere else, so it is never an open
redirect. Links are numbered in order of first appearance; the same URL in the HTML and the text part is one
link.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from engine.rendering.links import rewrite_html_links, rewrite_text_links
from engine.suppression.tokens import TokenError, purpose_key, sign_values, verify_values

PURPOSE = "click"


@dataclass(frozen=True)
class ClickRef:
    """What a click token names: the delivery (by Message-ID) and the index of the link in it."""

    message_id: str
    link: int


def sign_click(message_id: str, link: int, secret: bytes) -> str:
    return sign_values([message_id, link], purpose_key(secret, PURPOSE))


def verify_click(token: str, secret: bytes) -> ClickRef:
    """The delivery and link a token names; TokenError if it was not made by `sign_click` with `secret`."""
    values = verify_values(token, purpose_key(secret, PURPOSE), "click")
    if len(values) != 2 or not isinstance(values[0], str) or type(values[1]) is not int or values[1] < 0:
        raise TokenError("click token is malformed")
    return ClickRef(values[0], values[1])


@dataclass
class ClickTracker:
    """Rewrites the http(s) links of one email to `click_url` (with `{token}`) and remembers their targets."""

    click_url: str
    message_id: str
    secret: bytes
    skip: Collection[str] = ()
    links: list[str] = field(default_factory=list)

    def track(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or url in self.skip:
            return url
        if url not in self.links:
            self.links.append(url)
        token = sign_click(self.message_id, self.links.index(url), self.secret)
        return self.click_url.replace("{token}", token)

    def html(self, document: str) -> str:
        return rewrite_html_links(document, self.track, self.skip)

    def text(self, text: str) -> str:
        return rewrite_text_links(text, self.track, self.skip)
