"""Real `rekindle send` processes: killed with SIGKILL midway, and four of them sharing one store.

The sink runs in this process; the senders are subprocesses of the real CLI, so nothing is shared but the
database and the network.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from engine.delivery.testing import RecordingHandler, SmtpSink, queue_deliveries
from engine.store.models import Delivery
from tests.delivery.smtp_faults import write_project

pytestmark = pytest.mark.slow


def _rekindle(config: Path, *args: str, application: str = "rekindle") -> subprocess.Popen:
    """`rekindle send` in a process of its own; its PostgreSQL sessions carry `application` as their name."""
    return subprocess.Popen(
        [sys.executable, "-m", "engine", "send", "--config", str(config), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=config.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2]), "PGAPPNAME": application},
    )


def _sessions_left(engine: Engine, application: str) -> int:
    """PostgreSQL backends still serving a (killed) client's sessions. A backend finishes the statement in hand,
    a COMMIT the client sent just before it died included, before it notices the client is gone and exits."""
    if engine.dialect.name != "postgresql":
        return 0  # SQLite has no server: what the dead process wrote is in the file, or is not
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                            {"name": application}).scalar_one()


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.005)


def test_a_sender_killed_midway_loses_nothing_and_duplicates_only_in_flight(
    tmp_path: Path, store_url: str
) -> None:
    now = datetime.now(timezone.utc)
    with SmtpSink(RecordingHandler(latency=0.01)) as sink:
        smtp = {"url": sink.url, "concurrency": 4}
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": smtp})
        ids = queue_deliveries(engine, [f"person{i}@example.com" for i in range(1000)], now)

        killed = f"rekindle-killed-{uuid.uuid4().hex[:8]}"
        first = _rekindle(config, "--batch-size", "20", application=killed)
        _wait_until(lambda: len(sink.handler.received) >= 300 or first.poll() is not None, timeout=60)
        first.send_signal(signal.SIGKILL)
        first.wait()
        # Read the states only once the server has finished whatever the dead process had already sent.
        _wait_until(lambda: _sessions_left(engine, killed) == 0, timeout=60)
        with engine.connect() as conn:
            states = Counter(conn.execute(select(Delivery.status)).scalars())
            in_flight = set(conn.execute(select(Delivery.message_id).where(Delivery.status == "sending")).scalars())
        received_at_kill = set(sink.handler.message_ids())
        assert first.returncode == -signal.SIGKILL, first.communicate()
        # Killed midway: at most two batches claimed, the one being sent and the next, claimed while it was sent
        # (only the first can have reached the server).
        assert 0 < states["sent"] < 1000 and states["sending"] <= 2 * 20

        # The next run, after the 15 minute lease, takes over the abandoned batch and finishes the work.
        later = (now + timedelta(hours=1)).isoformat()
        second = _rekindle(config, "--now", later)
        out, err = second.communicate(timeout=120)
        counts = sink.handler.counts()

    assert second.returncode == 0, err
    assert (f"Took over {states['sending']} stale deliveries." in out) == (states["sending"] > 0)
    with engine.connect() as conn:
        assert Counter(conn.execute(select(Delivery.status)).scalars()) == {"sent": 1000}
    assert len(counts) == len(ids) == 1000
    duplicates = {message_id for message_id, count in counts.items() if count > 1}
    # The documented window: accepted by the server before the kill, outcome not yet committed.
    assert duplicates <= in_flight & received_at_kill
    assert all(counts[message_id] == 2 for message_id in duplicates)
    print(f"\nkilled with {states['sent']} sent and {len(in_flight)} claimed; duplicates: {len(duplicates)}")


def test_four_senders_share_one_store_without_duplicates(tmp_path: Path, store_url: str) -> None:
    now = datetime.now(timezone.utc)
    with SmtpSink(RecordingHandler(latency=0.02)) as sink:
        config, engine = write_project(tmp_path, store_url, {"backend": "smtp", "smtp": {"url": sink.url}})
        queue_deliveries(engine, [f"person{i}@example.com" for i in range(2000)], now)
        senders = [_rekindle(config, "--worker-id", f"w{i}", "--batch-size", "25") for i in range(4)]
        outcomes = [sender.communicate(timeout=300) for sender in senders]
        counts = sink.handler.counts()

    assert [sender.returncode for sender in senders] == [0, 0, 0, 0], [err for _, err in outcomes]
    assert len(counts) == 2000 and set(counts.values()) == {1}
    with engine.connect() as conn:
        rows = conn.execute(select(Delivery.status, Delivery.claimed_by)).all()
    assert {status for status, _ in rows} == {"sent"}
    per_worker = Counter(claimed_by.split("/")[0] for _, claimed_by in rows)
    assert set(per_worker) == {"w0", "w1", "w2", "w3"}  # every process took a share
    assert sum(int(out.split()[1].rstrip(",")) for out, _ in outcomes) == 2000  # "Sent N, ..." adds up
