"""The relay URL: every accepted form, every refusal with its exact message, and redaction."""

from __future__ import annotations

import pytest

from engine.delivery.smtp_url import SmtpUrl, parse_smtp_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.example", SmtpUrl("relay.example", 587, "auto")),
        ("smtp://relay.example:25?tls=none", SmtpUrl("relay.example", 25, "none")),
        ("smtp://u%40x:p%3Ass@relay.example", SmtpUrl("relay.example", 587, "starttls", "u@x", "p:ss")),
        ("smtp://u:p@relay.example:2525?tls=starttls", SmtpUrl("relay.example", 2525, "starttls", "u", "p")),
        ("smtps://u:p@relay.example", SmtpUrl("relay.example", 465, "implicit", "u", "p")),
        ("smtp://relay.example?tls=implicit", SmtpUrl("relay.example", 465, "implicit")),
    ],
)
def test_accepted_urls(url: str, expected: SmtpUrl) -> None:
    assert parse_smtp_url(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://relay.example", "SMTP URL must start with smtp:// or smtps://, not http://"),
        ("relay.example", "SMTP URL must start with smtp:// or smtps://, not nothing://"),
        ("smtp://", "SMTP URL has no host"),
        ("smtp://relay.example?tls=ssl", "SMTP URL tls='ssl' is not one of none, starttls, implicit, auto"),
        ("smtps://relay.example?tls=starttls",
         "smtps:// always uses implicit TLS; use smtp://...?tls=starttls for STARTTLS"),
        ("smtp://u:secret@relay.example:99999", "SMTP URL port is not a number between 0 and 65535"),
        ("smtp://:secret@relay.example", "SMTP URL has a password but no user name; write smtp://USER:PASSWORD@host"),
        ("smtp://us%0D%0Aer:secret@relay.example",
         "SMTP URL user name contains control characters (such as a line break)"),
    ],
)
def test_refused_urls_say_why_without_the_password(url: str, message: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_smtp_url(url)
    assert str(error.value) == message
    assert "secret" not in str(error.value)


def test_redacted_hides_the_password_only() -> None:
    url = parse_smtp_url("smtp://mailer:hunter2@relay.example:587?tls=starttls")
    assert url.redacted() == "smtp://mailer:***@relay.example:587?tls=starttls"
    assert parse_smtp_url("smtps://relay.example").redacted() == "smtps://relay.example:465?tls=implicit"
