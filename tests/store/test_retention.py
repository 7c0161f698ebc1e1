"""`rekindle db prune`: finished deliveries lose their message bytes but keep the ledger row and the hash of
what was sent; old decisions go only when asked; nothing is sent again afterwards."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Decision, Delivery
from tests.runner.cliproject import write_project

OLD = "2026-08-01T10:00:00Z"
NOW = "2026-11-23T10:00:00Z"


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def ledger(url: str) -> list[tuple]:
    engine = open_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(select(
            Delivery.id, Delivery.step_id, Delivery.status, Delivery.message_id, Delivery.message,
            Delivery.message_sha256).order_by(Delivery.id))]
    engine.dispose()
    return found


def decisions(url: str) -> dict[str, int]:
    """Decisions by the day they were made."""
    engine = open_engine(url)
    with engine.connect() as conn:
        found = {str(day)[:10]: n for day, n in conn.execute(
            select(func.date(Decision.decided_at), func.count()).group_by(func.date(Decision.decided_at)))}
    engine.dispose()
    return found


def test_prune_keeps_the_ledger_and_the_hash_and_nothing_is_sent_twice(tmp_path: Path, store_url: str, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = str(write_project(tmp_path, store_url, customers=3))
    assert rekindle("run", "-c", config, "--now", OLD).exit_code == 0
    assert rekindle("run", "-c", config, "--now", "2026-11-22T10:00:00Z", "--no-send").exit_code == 0
    before = ledger(store_url)
    assert [(step, status) for _, step, status, *_ in before] == [("first", "sent")] * 3 + [("second", "queued")] * 3
    old_decisions = decisions(store_url)
    assert set(old_decisions) == {"2026-08-01", "2026-11-22"}

    dry = rekindle("db", "prune", "--older-than", "90d", "--decisions", "--dry-run", "-c", config, "--now", NOW)
    assert dry.exit_code == 0
    assert dry.stdout.startswith("Dry run: would drop the message bytes of 3 finished deliveries older than "
                                 "2026-08-25 10:00 UTC (")
    assert ledger(store_url) == before and decisions(store_url) == old_decisions

    done = rekindle("db", "prune", "--older-than", "90d", "--decisions", "-c", config, "--now", NOW)
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[0].startswith("Dropped the message bytes of 3 finished deliveries")
    after = ledger(store_url)
    assert [row[:4] for row in after] == [row[:4] for row in before]  # every row, status and Message-ID stays
    for old, new in zip(before[:3], after[:3]):
        assert new[4] is None and new[5] == hashlib.sha256(old[4]).hexdigest()
    assert after[3:] == before[3:]  # queued (unfinished) deliveries keep their message
    assert decisions(store_url) == {"2026-11-22": old_decisions["2026-11-22"]}  # only the old run's went

    assert rekindle("run", "-c", config, "--now", NOW).exit_code == 0
    final = ledger(store_url)
    assert [(step, status) for _, step, status, *_ in final] == [("first", "sent")] * 3 + [("second", "sent")] * 3
