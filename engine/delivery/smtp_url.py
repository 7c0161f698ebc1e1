"""The SMTP relay URL: `smtp://user:pass@host:587?tls=starttls`, `smtps://user:pass@host` (implicit TLS).

`tls` is none, starttls (required), implicit or auto (STARTTLS when the server offers it). Without it, smtps://
means implicit, and smtp:// means starttls when credentials are given (a password is never sent in clear) and
auto otherwise. `redacted()` is the only form that may be printed.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

TLS_MODES = ("none", "starttls", "implicit", "auto")
_DEFAULT_PORTS = {"none": 25, "starttls": 587, "implicit": 465, "auto": 587}


@dataclass(frozen=True)
class SmtpUrl:
    host: str
    port: int
    tls: str
    username: str | None = None
    password: str | None = None

    def redacted(self) -> str:
        scheme = "smtps" if self.tls == "implicit" else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}?tls={self.tls}"


def parse_smtp_url(url: str) -> SmtpUrl:
    """Parse a relay URL; ValueError (without the password in its text) when it is not one."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise ValueError("SMTP URL has no host")
    query = parse_qs(parts.query)
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    if password and not username:  # smtp://:secret@host: the password would silently never be used
        raise ValueError("SMTP URL has a password but no user name; write smtp://USER:PASSWORD@host")
    if username is not None and not username.isprintable():  # never echoed: CR/LF would forge log lines
        raise ValueError("SMTP URL user name contains control characters (such as a line break)")
    tls = query.get("tls", [""])[-1].lower()
    if not tls:
        tls = "implicit" if parts.scheme == "smtps" else ("starttls" if username else "auto")
    if tls not in TLS_MODES:
        raise ValueError(f"SMTP URL tls={tls!r} is not one of {', '.join(TLS_MODES)}")
    if parts.scheme == "smtps" and tls != "implicit":
        raise ValueError("smtps:// always uses implicit TLS; use smtp://...?tls=starttls for STARTTLS")
    try:
        port = parts.port or _DEFAULT_PORTS[tls]
    except ValueError:
        raise ValueError("SMTP URL port is not a number between 0 and 65535") from None
    return SmtpUrl(parts.hostname, port, tls, username, password)
