"""`rekindle worker` as a real process against a real SMTP server (aiosmtpd): SIGTERM in the middle of
sending stops it cleanly, after the batch in hand, and no delivery is lost or sent twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.delivery.testing import RecordingHandler, SmtpSink
from engine.store.database import open_engine
from engine.store.models import Delivery
from tests.runner.cliproject import write_project

CUSTOMERS = 60
BATCH = 5


def statuses(url: str) -> dict[str, int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        found = dict(conn.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    engine.dispose()
    return found


def wait_for(condition, what: str, limit: float = 120.0) -> None:
    """Poll until `condition()` (a wait for the process, not an assertion about speed)."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.05)


def test_sigterm_mid_batch_finishes_the_batch_and_loses_or_doubles_nothing(tmp_path: Path, store_url: str,
                                                                           monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "worker-secret")
    config = write_project(tmp_path, store_url, customers=CUSTOMERS)
    with SmtpSink(RecordingHandler(latency=0.1)) as sink:
        text = config.read_text().replace("backend: maildir\n  maildir:\n    path: outbox",
                                          f"backend: smtp\n  smtp:\n    url: \"{sink.url}\"")
        config.write_text(text)
        queued = CliRunner().invoke(app, ["run", "-c", str(config), "--no-send"])
        assert queued.exit_code == 0, queued.output
        assert statuses(store_url) == {"queued": CUSTOMERS}
        health = tmp_path / "health.json"
        worker = subprocess.Popen(
            [sys.executable, "-m", "engine", "worker", "-c", str(config), "--every", "1d", "--batch-size",
             str(BATCH), "--health-file", str(health), "--log-format", "json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ},
        )
        try:
            wait_for(lambda: len(sink.handler.message_ids()) >= 2 * BATCH + 2, "the worker to be sending")
            worker.send_signal(signal.SIGTERM)
            _, stderr = worker.communicate(timeout=120)
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, stderr
        after_stop = statuses(store_url)
        received = sink.handler.counts()
        # Stopped mid-way, at a batch boundary: every claimed batch was finished and recorded, none is left
        # half-sent, and what the server got is exactly what the store says was sent, each once.
        assert "sending" not in after_stop
        assert after_stop["sent"] % BATCH == 0 and after_stop["sent"] < CUSTOMERS
        assert after_stop == {"sent": after_stop["sent"], "queued": CUSTOMERS - after_stop["sent"]}
        assert sum(received.values()) == after_stop["sent"] and set(received.values()) == {1}
        assert json.loads(health.read_text())["state"] == "stopped"
        assert "worker.stopped" in stderr
        # The rest goes out with the next sender, still once each.
        rest = CliRunner().invoke(app, ["send", "-c", str(config)])
        assert rest.exit_code == 0, rest.output
        received = sink.handler.counts()
    assert statuses(store_url) == {"sent": CUSTOMERS}
    assert len(received) == CUSTOMERS and set(received.values()) == {1}
