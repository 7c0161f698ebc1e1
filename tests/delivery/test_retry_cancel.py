"""`rekindle deliveries retry|cancel` change exactly the selected rows (campaign, reason, period), and
`--dry-run` changes none."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from engine.cli.app import app
from engine.delivery.testing import queue_deliveries
from engine.store.models import Delivery
from tests.delivery.smtp_faults import write_project

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def rekindle(config: Path, *args: str):
    return CliRunner().invoke(app, [*args, "-c", str(config), "--now", "2026-11-24T09:00:00Z"],
                              catch_exceptions=False)


def rows(engine) -> dict[int, tuple]:
    with engine.connect() as conn:
        return {r.id: (r.status, r.attempts, r.failure_reason) for r in conn.execute(
            select(Delivery.id, Delivery.status, Delivery.attempts, Delivery.failure_reason))}


def fail(engine, ids: list[int], reason: str, when: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(update(Delivery).where(Delivery.id.in_(ids)).values(
            status="failed", attempts=5, failure_reason=reason, smtp_reply=reason,
            claimed_at=when.replace(tzinfo=None)))


def outbox(tmp_path: Path, store_url: str):
    config, engine = write_project(tmp_path, store_url, {"backend": "memory"})
    a = queue_deliveries(engine, [f"a{i}@example.com" for i in range(6)], NOW, campaign_id="a")
    b = queue_deliveries(engine, [f"b{i}@example.com" for i in range(3)], NOW, campaign_id="b")
    fail(engine, a[:2], "550 5.1.1 user unknown", NOW)
    fail(engine, a[2:4], "gave up after 5 attempts: 451 4.3.0 try later", NOW + timedelta(hours=5))
    fail(engine, b[:1], "550 5.7.1 rejected by policy", NOW)
    return config, engine, a, b


def test_retry_puts_back_exactly_the_selected_failures(tmp_path, store_url):
    config, engine, a, b = outbox(tmp_path, store_url)
    before = rows(engine)
    dry = rekindle(config, "deliveries", "retry", "--campaign", "a", "--reason", "550", "--dry-run")
    assert dry.exit_code == 0
    assert dry.stdout.splitlines() == [
        "Dry run: 2 deliveries would be retried (back in the queue).",
        f"  delivery {a[0]}: customer a-0-a0@example.com, a/only: 550 5.1.1 user unknown",
        f"  delivery {a[1]}: customer a-1-a1@example.com, a/only: 550 5.1.1 user unknown",
    ]
    assert rows(engine) == before
    done = rekindle(config, "deliveries", "retry", "--campaign", "a", "--reason", "550")
    assert done.stdout.splitlines()[0] == "2 deliveries retried (back in the queue)."
    after = rows(engine)
    assert {i for i in after if after[i] != before[i]} == set(a[:2])
    assert [after[i] for i in a[:2]] == [("queued", 0, None)] * 2
    # By period: only the failures of the afternoon.
    later = rekindle(config, "deliveries", "retry", "--since", "2026-11-23T12:00:00Z", "--until",
                     "2026-11-24T00:00:00Z")
    assert later.stdout.splitlines()[0] == "2 deliveries retried (back in the queue)."
    assert {i for i, row in rows(engine).items() if row[0] == "failed"} == {b[0]}
    engine.dispose()


def test_cancel_takes_exactly_the_selected_queued_rows_out_for_good(tmp_path, store_url):
    config, engine, a, b = outbox(tmp_path, store_url)
    before = rows(engine)
    dry = rekindle(config, "deliveries", "cancel", "--campaign", "b", "--dry-run")
    assert dry.stdout.splitlines()[0] == "Dry run: 2 deliveries would be cancelled."
    assert rows(engine) == before
    done = rekindle(config, "deliveries", "cancel", "--campaign", "b", "--by", "carol")
    assert done.stdout.splitlines()[0] == "2 deliveries cancelled."
    after = rows(engine)
    assert {i for i in after if after[i] != before[i]} == set(b[1:])
    assert {after[i][:2] for i in b[1:]} == {("cancelled", 0)}
    assert after[b[1]][2] == "cancelled by carol at 2026-11-24 09:00 UTC"
    sent = CliRunner().invoke(app, ["send", "-c", str(config), "--log-format", "json"])
    assert json.loads(sent.stdout.splitlines()[-1])["sent"] == 2  # a's two queued ones; b's are gone
    engine.dispose()
