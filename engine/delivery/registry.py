"""Build the backend named in rekindle.yaml (`delivery.backend` and `delivery.options`).

    delivery:
      backend: smtp            # smtp | maildir | console | memory
      smtp: {url: "smtp://mailer:${SMTP_PASSWORD}@relay.example.com:587", concurrency: 8, rate_per_second: 50}

The config loader hands the chosen backend's section over as `config.delivery.options`. Each factory reads only
its own options and rejects unknown ones, so a typo fails loudly instead of being silently ignored. A problem
is a `BackendConfigError` whose message never contains a secret.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from engine.errors import InvalidInput
from engine.config.model import Config
from engine.delivery.backends.base import Backend

SMTP_URL_ENV = "REKINDLE_SMTP_URL"


class BackendConfigError(InvalidInput, ValueError):
    """The delivery section of the config cannot build a backend."""


def _smtp(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.smtp import SmtpBackend
    from engine.delivery.smtp_url import parse_smtp_url

    # The environment wins over the file, so a deployment can point at another relay without editing it.
    url = env.get(SMTP_URL_ENV) or options.pop("url", None)
    options.pop("url", None)
    if not url:
        raise BackendConfigError(f"the smtp backend needs a relay URL: set {SMTP_URL_ENV} or delivery.smtp.url")
    try:
        parsed = parse_smtp_url(url)
    except ValueError as exc:
        raise BackendConfigError(str(exc)) from None
    settings = _only(options, SMTP_OPTIONS)
    if "rate_per_second" in settings:
        settings["rate"] = settings.pop("rate_per_second")
    if "timeout" in settings:
        settings["connect_timeout"] = min(settings["timeout"], 10.0)
    return SmtpBackend(parsed, **settings)


#: The keys of `delivery.smtp` in schemas/config.v1.json, with their types.
SMTP_OPTIONS = {"timeout": float, "concurrency": int, "rate_per_second": float, "max_attempts": int}


def _maildir(options: dict[str, Any], config: Config, env: Mapping[str, str]) -> Backend:
    from engine.delivery.backends.maildir import MaildirBackend

    path = Path(options.pop("path", "outbox"))  # the loader has already made it relative to the config
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
