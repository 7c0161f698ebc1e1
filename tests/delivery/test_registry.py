"""Choosing the backend from the config: each name, the environment's relay URL, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.config.model import Config, Delivery
from engine.delivery.backends.console import ConsoleBackend
from engine.delivery.backends.maildir import MaildirBackend
from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.registry import BackendConfigError, backend_from_config


def _config(backend: str, **options) -> Config:
    return Config(root=Path("/srv/project"), delivery=Delivery(backend=backend, options=options))


def test_each_backend_by_name() -> None:
    assert isinstance(backend_from_config(_config("console"), env={}), ConsoleBackend)
    assert isinstance(backend_from_config(_config("memory"), env={}), MemoryBackend)
    maildir = backend_from_config(_config("maildir", path="out"), env={})
    assert isinstance(maildir, MaildirBackend) and maildir.path == Path("/srv/project/out")


def test_smtp_options_and_the_environment_url_wins() -> None:
    config = _config("smtp", url="smtp://file.example", concurrency=8, rate_per_second=20, timeout=5,
                     max_attempts=7)
    backend = backend_from_config(config, env={"REKINDLE_SMTP_URL": "smtps://u:pw@env.example"})
    assert isinstance(backend, SmtpBackend)
    assert backend.describe() == "smtps://u:***@env.example:465?tls=implicit"
    assert (backend.concurrency, backend.bucket.rate, backend.timeout, backend.connect_timeout) == (8, 20, 5, 5)
    assert backend.max_attempts == 7
    assert backend_from_config(config, env={}).describe() == "smtp://file.example:587?tls=auto"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        (_config("pigeon"), "unknown delivery backend 'pigeon'; choose one of smtp, maildir, console, memory"),
        (_config("smtp"), "the smtp backend needs a relay URL: set REKINDLE_SMTP_URL or delivery.smtp.url"),
        (_config("smtp", url="smtp://x", conurrency=3),
         "unknown delivery option(s) conurrency (known: concurrency, max_attempts, rate_per_second, timeout)"),
        (_config("smtp", url="smtp://x", concurrency=0),
         "concurrency, retries and messages_per_connection must be at least 1"),
        (_config("console", path="x"), "unknown delivery option(s) path (known: none)"),
    ],
)
def test_refusals_are_clear(config: Config, message: str) -> None:
    with pytest.raises(BackendConfigError) as error:
        backend_from_config(config, env={})
    assert str(error.value) == message
