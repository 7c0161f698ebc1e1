"""Whether a store URL can name a Rekindle store, checked without importing SQLAlchemy when it plainly can.

`rekindle validate` checks the configured URL (C108) on every run, and importing SQLAlchemy to parse it
costs more than the rest of a cached validate. So a URL in the plainest spelling of an ordinary SQLite or
PostgreSQL URL (a known scheme, a numeric port or none, no password without a user, no query) is accepted at
once; anything else goes to SQLAlchemy's own parser, which gives the verdict and the message.
The fast path can only accept: every refusal comes from SQLAlchemy, and a URL it accepts wrongly would still
fail, with its reason, when the store is opened."""

from __future__ import annotations

import re

SUPPORTED_BACKENDS = ("sqlite", "postgresql")

_SCHEME = re.compile(r"[a-z]+(\+[a-z0-9_]+)?")
_NETLOC = re.compile(r"(?:(?P<user>[A-Za-z0-9._~-]*)(?::(?P<password>[^@/:]*))?@)?"
                     r"(?P<host>[A-Za-z0-9._-]*)(?::[1-9][0-9]{0,4})?")
"""user[:password]@host[:port], in the plainest spelling; anything else is SQLAlchemy's to read."""


def url_problem(url: str) -> str | None:
    """Why `url` cannot name a Rekindle store, or None. The message never contains the URL (it may come from
    the environment and hold a password)."""
    if _plainly_usable(url):
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - SQLAlchemy parses the port lazily on some versions
    except (ArgumentError, ValueError) as exc:
        reason = "its port is not a number" if "port" in str(exc) or "int()" in str(exc) else "it cannot be parsed"
        return f"the store URL is not valid: {reason}; write e.g. sqlite:///rekindle.db or postgresql+psycopg://host/db"
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        return (f"the store URL names a {parsed.get_backend_name()!r} database; Rekindle stores are SQLite "
                "(sqlite:///file.db) or PostgreSQL (postgresql+psycopg://host/db)")
    if parsed.password and not parsed.username:
        return ("the store URL has a password but no user name, so the password would not be used; write "
                "postgresql+psycopg://user:${PGPASSWORD}@host/db")
    return None


_UNPLAIN = frozenset("?#[]%\\ \t\r\n")
"""Characters that the two parsers may read differently (queries, fragments, brackets, escapes, spaces): a URL
with any of them, or with more than one `@`, is left to SQLAlchemy."""


def _plainly_usable(url: str) -> bool:
    if _UNPLAIN.intersection(url) or url.count("@") > 1:
        return False
    scheme, sep, rest = url.partition("://")
    backend = scheme.split("+", 1)[0]
    if not sep or backend not in SUPPORTED_BACKENDS or not _SCHEME.fullmatch(scheme):
        return False
    netloc, _, path = rest.partition("/")
    if backend == "sqlite":
        return not netloc  # sqlite:///path or sqlite:// (memory); a host is something else
    found = _NETLOC.fullmatch(netloc)
    return found is not None and bool(found["host"] or path) and (bool(found["user"]) or found["password"] is None)
