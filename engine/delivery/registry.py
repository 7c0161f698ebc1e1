"""Build the backend named in rekindle.yaml (`delivery.backend` and `delivery.options`).

    delivery:
      backend: smtp            # smtp | maildir | console | memory
      options: {url_env: REKINDLE_SMTP_URL, concurrency: 8, rate: 50}

Each factory reads only its own options and rejects unknown ones, so a typo fails loudly instead of being
silently ignored. A problem is a `BackendConfigError` whose message never contains a secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.config.model import Config
from engine.delivery.backends.base import Backend
from engine.delivery.backoff import Backoff

SMTP_URL_ENV = "REKINDLE_SMTP_URL"


class BackendConfigError(ValueError):
    """The delivery section of the config cannot build a backend."""


def _smtp(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.smtp import SmtpBackend
    from engine.delivery.smtp_url import parse_smtp_url

    variable = options.pop("url_env", SMTP_URL_ENV)
    # The environment wins over the file so a password never has to be committed with the config.
    url = env.get(variable) or options.pop("url", None)
    options.pop("url", None)
    if not url:
        raise BackendConfigError(f"the smtp backend needs a relay URL: set {variable} or delivery.options.url")
    try:
        parsed = parse_smtp_url(url)
    except ValueError as exc:
        raise BackendConfigError(str(exc)) from None
    backoff = Backoff(base=float(options.pop("backoff", 0.5)), cap=float(options.pop("backoff_max", 8.0)))
    return SmtpBackend(parsed, backoff=backoff, **_only(options, _SMTP_OPTIONS))


_SMTP_OPTIONS = {
    "concurrency": int,
    "rate": float,
    "connect_timeout": float,
    "timeout": float,
    "retries": int,
    "messages_per_connection": int,
    "helo": str,
    "validate_certs": bool,
    "cert_bundle": str,
}


def _maildir(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.maildir import MaildirBackend

    path = Path(options.pop("path", "outbox"))
    _only(options, {})
    return MaildirBackend(config.path(path))


def _console(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.console import ConsoleBackend

    _only(options, {})
    return ConsoleBackend()


def _memory(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.memory import MemoryBackend

    _only(options, {})
    return MemoryBackend()


BACKENDS: dict[str, Callable[[dict[str, Any], Config, Mapping[str, str]], Backend]] = {
    "smtp": _smtp,
    "maildir": _maildir,
    "console": _console,
    "memory": _memory,
}


def _only(options: dict[str, Any], allowed: dict[str, type]) -> dict[str, Any]:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        known = ", ".join(sorted(allowed)) or "none"
        raise BackendConfigError(f"unknown delivery option(s) {', '.join(unknown)} (known: {known})")
    try:
        return {key: allowed[key](value) for key, value in options.items()}
    except (TypeError, ValueError) as exc:
        raise BackendConfigError(f"bad delivery option value: {exc}") from None


def backend_from_config(config: Config, env: Mapping[str, str] | None = None) -> Backend:
    """The configured backend. `REKINDLE_SMTP_URL` (or `url_env`) overrides the smtp URL in the file."""
    name = config.delivery.backend
    factory = BACKENDS.get(name)
    if factory is None:
        raise BackendConfigError(f"unknown delivery backend {name!r}; choose one of {', '.join(BACKENDS)}")
    try:
        return factory(dict(config.delivery.options), config, os.environ if env is None else env)
    except ValueError as exc:
        if isinstance(exc, BackendConfigError):
            raise
        raise BackendConfigError(str(exc)) from None
