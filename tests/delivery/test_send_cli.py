"""`rekindle send` in-process: exit codes, the summary, JSON logs, redaction, every backend from the config."""

from __future__ import annotations

import json
import mailbox
from datetime import datetime
from pathlib import Path

import pytest
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from sqlalchemy import select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.delivery.backends import memory
from engine.delivery.testing import RecordingHandler, SmtpSink, queue_deliveries
from engine.store.models import Delivery
from tests.delivery.smtp_faults import RejectOne, closed_port, write_project

NOW = "2026-11-23T09:00:00Z"


def _send(config: Path, *args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(app, ["send", "--config", str(config), "--now", NOW, *args], env=env)


def _statuses(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(Delivery.email, Delivery.status)).all())


def test_send_through_smtp_reports_and_exits_0(tmp_path: Path, store_url: str, now: datetime) -> None:
    with SmtpSink() as sink:
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": sink.url}})
        queue_deliveries(engine, ["a@example.com", "b@example.com"], now)
        result = _send(config)
        again = _send(config)
        received = sorted(r.recipients[0] for r in sink.handler.received)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Sent 2, failed 0, deferred 0, suppressed 0 via smtp://127.0.0.1:{sink.port}?tls=none.\n"
    assert received == ["a@example.com", "b@example.com"]
    assert set(_statuses(engine).values()) == {"sent"}
    assert again.stdout == f"Nothing to send via smtp://127.0.0.1:{sink.port}?tls=none.\n"


def test_smtp_unreachable_exits_3_and_keeps_the_work(tmp_path: Path, store_url: str, now: datetime) -> None:
    url = f"smtp://127.0.0.1:{closed_port()}?tls=none"
    config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": url}})
    queue_deliveries(engine, ["a@example.com", "b@example.com", "c@example.com"], now)
    result = _send(config)
    assert result.exit_code == 3
    assert result.stderr.startswith("error: cannot send: cannot connect: ")
    assert result.stderr.endswith("3 deliveries stay queued for the next run.\n")
    assert set(_statuses(engine).values()) == {"queued"}


def test_a_permanent_failure_exits_1_and_names_the_delivery(tmp_path: Path, store_url: str, now: datetime) -> None:
    with SmtpSink(RejectOne()) as sink:
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": sink.url}})
        ids = queue_deliveries(engine, ["a@example.com", "gone@example.com"], now)
        result = _send(config)
    assert result.exit_code == 1
    assert "Sent 1, failed 1, deferred 0, suppressed 0" in result.stdout
    assert "Added 1 hard-bounced addresses to the suppression list." in result.stdout
    assert result.stderr == f"  failed: delivery {ids[1]}: 550 5.1.1 <gone@example.com>: user unknown\n"


def test_json_log_format_writes_one_object_per_outcome(tmp_path: Path, store_url: str, now: datetime) -> None:
    with SmtpSink(RejectOne()) as sink:
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": sink.url}})
        ids = queue_deliveries(engine, ["a@example.com", "gone@example.com"], now)
        result = _send(config, "--log-format", "json", "--worker-id", "w1")
    events = [json.loads(line) for line in result.stderr.splitlines()]
    outcomes = {e["delivery_id"]: (e["event"], e["reply"][:3]) for e in events if "delivery_id" in e}
    assert outcomes == {ids[0]: ("delivery.sent", "250"), ids[1]: ("delivery.failed", "550")}
    summary = json.loads(result.stdout)
    assert (summary["event"], summary["worker_id"], summary["sent"], summary["failed"]) == ("send.summary", "w1", 1, 1)


def test_maildir_backend_from_the_config(tmp_path: Path, store_url: str, now: datetime) -> None:
    config, engine = write_project(tmp_path, store_url, {"backend": "maildir", "maildir": {"path": "out"}})
    queue_deliveries(engine, ["a@example.com", "b@example.com"], now)
    result = _send(config)
    assert result.exit_code == 0, result.output
    delivered = sorted(m["Delivered-To"] for m in mailbox.Maildir(tmp_path / "out", create=False))
    assert delivered == ["a@example.com", "b@example.com"]


def test_memory_backend_never_receives_suppressed_or_unsubscribed(
    tmp_path: Path, store_url: str, now: datetime
) -> None:
    config, engine = write_project(tmp_path, store_url, {"backend": "memory"})
    queue_deliveries(engine, ["ok@example.com", "left@example.com"], now, subscribed=[True, False])
    assert CliRunner().invoke(app, ["suppress", "add", "--config", str(config), "OK@Example.com"]).exit_code == 0
    queue_deliveries(engine, ["fine@example.com"], now, campaign_id="other")
    memory.OUTBOX.clear()
    result = _send(config)
    assert result.exit_code == 0, result.output
    assert [m.recipient for m in memory.OUTBOX] == ["fine@example.com"]
    assert _statuses(engine) == {"ok@example.com": "suppressed", "left@example.com": "suppressed",
                                 "fine@example.com": "sent"}


class Authenticator:
    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"mailer", b"s3cret")
        return AuthResult(success=ok, handled=False)


def _auth_sink() -> SmtpSink:
    return SmtpSink(RecordingHandler(), smtp_factory=lambda handler: SMTP(
        handler, hostname="sink.test", authenticator=Authenticator(), auth_require_tls=False, auth_required=True))


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test server on 127.0.0.1
@pytest.mark.parametrize(("password", "exit_code"), [("s3cret", 0), ("wrong-pa55", 3)])
def test_smtp_auth_from_the_environment_and_the_password_never_printed(
    tmp_path: Path, store_url: str, now: datetime, password: str, exit_code: int
) -> None:
    with _auth_sink() as sink:
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": "smtp://unused"}})
        queue_deliveries(engine, ["a@example.com"], now)
        env = {"REKINDLE_SMTP_URL": f"smtp://mailer:{password}@127.0.0.1:{sink.port}?tls=none"}
        result = _send(config, env=env)
        received = len(sink.handler.received)
    assert result.exit_code == exit_code, result.output
    assert received == 1 - exit_code // 3
    assert password not in result.output
    assert f"smtp://mailer:***@127.0.0.1:{sink.port}?tls=none" in result.output
    if exit_code:
        assert result.stderr.startswith("error: cannot send: SMTP authentication failed (smtp://mailer:***@")


def test_a_bad_backend_setting_is_a_clear_error(tmp_path: Path, store_url: str) -> None:
    config, _ = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": "http://relay"}})
    result = _send(config)
    assert result.exit_code == 1
    assert result.stderr == "error: delivery: SMTP URL must start with smtp:// or smtps://, not http://\n"
