"""TLS against aiosmtpd with a throwaway self-signed certificate: STARTTLS then AUTH, implicit TLS, and an
untrusted certificate refused."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from engine.delivery.backends.smtp import SmtpBackend
from engine.delivery.errors import TLSFailed
from engine.delivery.message import OutgoingMessage, SendStatus
from engine.delivery.smtp_url import parse_smtp_url
from engine.delivery.testing import RecordingHandler, SmtpSink, build_message

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

MESSAGE = OutgoingMessage(1, "hello@example.com", "ann@example.com",
                          build_message("hello@example.com", "ann@example.com", "<tls-1@test>"), "<tls-1@test>")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


def _server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    return context


class Sessions(RecordingHandler):
    """Records whether each accepted message came over TLS and from which authenticated user."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bytes | None]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        over_tls = server.transport.get_extra_info("ssl_object") is not None
        self.sessions.append((over_tls, session.auth_data.login if session.auth_data else None))
        return await super().handle_DATA(server, session, envelope)


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"pw")
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def _send(url: str, **options) -> list:
    backend = SmtpBackend(parse_smtp_url(url), helo="t", retries=1, **options)

    async def go():
        async with backend:
            return await backend.send_many([MESSAGE])

    return asyncio.run(go())


def test_starttls_then_auth(certificate) -> None:
    handler = Sessions()
    def factory(handler: RecordingHandler) -> SMTP:
        return SMTP(handler, hostname="sink.test", tls_context=_server_context(certificate), require_starttls=True,
                    authenticator=_authenticator, auth_required=True)

    with SmtpSink(handler, smtp_factory=factory) as sink:
        results = _send(f"smtp://mailer:pw@127.0.0.1:{sink.port}", cert_bundle=str(certificate[0]))
    assert [r.status for r in results] == [SendStatus.sent]
    assert handler.sessions == [(True, b"mailer")]


def test_implicit_tls(certificate) -> None:
    handler = Sessions()
    with SmtpSink(handler, ssl_context=_server_context(certificate)) as sink:
        results = _send(f"smtps://127.0.0.1:{sink.port}", cert_bundle=str(certificate[0]))
    assert [r.status for r in results] == [SendStatus.sent]
    assert handler.sessions == [(True, None)]


def test_an_untrusted_certificate_is_refused(certificate) -> None:
    with SmtpSink(ssl_context=_server_context(certificate)) as sink:
        with pytest.raises(TLSFailed) as error:
            _send(f"smtps://127.0.0.1:{sink.port}")
        assert sink.handler.received == []
    assert str(error.value) == f"TLS failed: CERTIFICATE_VERIFY_FAILED (smtps://127.0.0.1:{sink.port}?tls=implicit)"
