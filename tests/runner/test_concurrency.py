"""Overlapping runs never send twice: two `rekindle run` processes on one PostgreSQL store, and two ticks
racing without the lock (the ledger's unique constraints alone must hold)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from engine.runner.lock import RunLocked, run_lock
from engine.runner.options import RunOptions
from engine.runner.tick import run_tick
from engine.store.database import open_engine
from engine.store.models import Decision, Delivery, Enrollment
from tests.runner.cliproject import write_project
from engine.store.migrate import upgrade
from tests.runner.kit import at, campaign_doc, make_kit

CUSTOMERS = 400


def ledger(url: str) -> dict[str, int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        pairs = select(Delivery.enrollment_id, Delivery.step_id).distinct().subquery()
        result = {
            "deliveries": conn.execute(select(func.count()).select_from(Delivery)).scalar_one(),
            "distinct_pairs": conn.execute(select(func.count()).select_from(pairs)).scalar_one(),
            "enrollments": conn.execute(select(func.count()).select_from(Enrollment)).scalar_one(),
            "queued_decisions": conn.execute(
                select(func.count()).select_from(Decision).where(Decision.decision == "queued")).scalar_one(),
        }
    engine.dispose()
    return result


@pytest.mark.parametrize("wait", ["0", "60"])
def test_two_run_processes_never_duplicate(tmp_path, postgres_url, wait):
    store_url = postgres_url
    config = write_project(tmp_path, store_url, customers=CUSTOMERS)
    env = {**os.environ, "REKINDLE_UNSUBSCRIBE_SECRET": "s"}
    command = [sys.executable, "-m", "engine", "run", "--config", str(config), "--now", "2026-11-23T10:00:00Z",
               "--no-send", "--format", "json", "--wait", wait]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    reports = [json.loads(out) for out, _err in outputs]
    statuses = sorted(r["status"] for r in reports)
    queued = sum(r.get("totals", {}).get("queued", 0) for r in reports)
    assert queued == CUSTOMERS
    if wait == "60":  # the second waited for the lock, then found nothing left to do
        assert statuses == ["finished", "finished"]
    else:  # the second found the lock taken, or started after the first finished
        assert statuses in (["finished", "skipped"], ["finished", "finished"])
    assert ledger(store_url) == {"deliveries": CUSTOMERS, "distinct_pairs": CUSTOMERS, "enrollments": CUSTOMERS,
                                 "queued_decisions": CUSTOMERS}


def test_racing_ticks_without_the_lock_still_never_duplicate(tmp_path, postgres_url, monkeypatch):
    """Belt and braces: even if two ticks overlap (no lock), unique indexes decide what exists."""
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    store_url = postgres_url
    engine = open_engine(store_url)
    upgrade(engine)
    kit = make_kit(engine, tmp_path / "p").use(campaign_doc("c", [{"id": "a", "template": "t/a"}]))
    kit.customers(*({"external_id": f"c{i}"} for i in range(CUSTOMERS)))
    barrier, errors = threading.Barrier(2), []

    def tick() -> None:
        try:
            with engine.connect() as conn:
                barrier.wait()
                run_tick(conn, kit.project, RunOptions(now=at("2026-11-23T10:00:00Z"), batch_size=50), commit=None)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    assert ledger(store_url) == {"deliveries": CUSTOMERS, "distinct_pairs": CUSTOMERS, "enrollments": CUSTOMERS,
                                 "queued_decisions": CUSTOMERS}
    engine.dispose()


def test_sqlite_lock_is_exclusive_and_released(tmp_path):
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    with engine.connect() as first, engine.connect() as second:
        with run_lock(first):
            with pytest.raises(RunLocked, match="another `rekindle run` is in progress on this store"):
                with run_lock(second, wait=0.3):
                    pass
        with run_lock(second):
            pass
    engine.dispose()


def test_postgres_lock_is_exclusive_and_released(postgres_url):
    engine = open_engine(postgres_url)
    with engine.connect() as first, engine.connect() as second:
        with run_lock(first):
            with pytest.raises(RunLocked):
                with run_lock(second, wait=0.3):
                    pass
        with run_lock(second):
            pass
    engine.dispose()
