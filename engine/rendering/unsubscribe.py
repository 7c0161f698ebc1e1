"""Signed unsubscribe links for one customer: the https URL (also in the footer) and the mailto address."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from engine.config.model import Unsubscribe
from engine.suppression.tokens import secret_from_env, sign


#: The mailto subject before the token; the token itself (base64url and ".") needs no percent-encoding.
_SUBJECT_PREFIX = quote("unsubscribe ")


@dataclass(frozen=True)
class UnsubscribeLinks:
    url: str
    mailto: str | None


def _with_token(template: str, token: str) -> str:
    """`url` with `{token}` replaced, or a `token` query parameter added when the URL has no placeholder."""
    if "{token}" in template:
        return template.replace("{token}", token)
    parts = urlsplit(template)
    query = (parts.query + "&" if parts.query else "") + f"token={token}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def unsubscribe_links(settings: Unsubscribe, customer_id: str, email: str,
                      secret: bytes | None = None) -> UnsubscribeLinks:
    """Links carrying a token signed with `secret`, or with the secret from `settings.secret_env` when None
    (raising `MissingSecret` if that variable is unset: an email must never go out with a dead link)."""
    token = sign(customer_id, email, secret if secret is not None else secret_from_env(settings.secret_env))
    mailto = None
    if settings.mailto:
        address = settings.mailto.removeprefix("mailto:")
        mailto = f"mailto:{address}?subject={_SUBJECT_PREFIX}{token}"
    return UnsubscribeLinks(url=_with_token(settings.url, token), mailto=mailto)
