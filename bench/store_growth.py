"""Store growth per delivery, and what `rekindle db prune` gives back: the shipped welcome campaign's real
emails (rendered by the real tick, sent through the real dispatcher to the memory backend), measured before
and after pruning.

    python -m bench store_growth [--customers 20000] [--postgres URL] [--skip-sqlite]

Every customer signs up, is enrolled in `welcome` and gets its `hello` email (one delivery, three decisions:
enrolled, queued and, two days later, the getting-started step's). The SQLite figure is the file size after
VACUUM; the PostgreSQL figure is pg_total_relation_size (heap, TOAST and indexes) of a fresh copy of each
table, which is what VACUUM FULL leaves when no other session holds an old snapshot. PostgreSQL is measured in
a schema of its own (engine/store/testing.py), dropped afterwards, so the database given is never filled. Growth is
linear in deliveries (one row each, plus its decisions), so the figures are per delivery and scaled to a
million.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, text


from engine.delivery.backends.memory import MemoryBackend
from engine.delivery.dispatch import dispatch
from engine.project import load_project
from engine.runner.options import RunOptions
from engine.runner.tick import run_tick
from engine.store.database import open_engine
from engine.store.migrate import upgrade
from engine.store.models import Customer
from engine.store.retention import prune
from engine.store.testing import scratch_schema

NOW = datetime(2026, 11, 23, 10, tzinfo=timezone.utc)
REPO = Path(__file__).resolve().parents[1]
TABLES = ("customers", "enrollments", "deliveries", "decisions")


def _fill(engine, customers: int) -> None:
    rows = [{"external_id": f"c{i:07d}", "email": f"customer{i}@example.com", "first_name": f"Name{i}",
             "last_name": "Example", "timezone": "UTC", "created_at": datetime(2026, 11, 22, 12), "subscribed": True,
             "attributes": {"plan": "pro"}} for i in range(customers)]
    with engine.begin() as conn:
        for start in range(0, customers, 5000):
            conn.execute(insert(Customer.__table__), rows[start:start + 5000])


def _work(engine, customers: int) -> int:
    os.environ.setdefault("REKINDLE_UNSUBSCRIBE_SECRET", "bench-secret")
    project = load_project(REPO / "rekindle.yaml")
    config = replace(project.config, defaults=replace(project.config.defaults, per_run_limit=None,
                                                      frequency_caps=()))
    # Every customer of this store signed up yesterday, which the audience guard would rightly hold as a blast
    # (welcome would enrol 100% of the base): the benchmark lifts the guard for welcome, as an operator would.
    campaigns = tuple(replace(c, max_audience_share=1.0) if c.id == "welcome" else c for c in project.campaigns)
    project = replace(project, config=config, campaigns=campaigns)
    for moment in (NOW, NOW + timedelta(days=2)):
        with engine.connect() as conn:
            run_tick(conn, project, RunOptions(now=moment, campaigns=("welcome",)), commit=None)
        dispatch(engine, MemoryBackend(outbox=[]), now=moment, batch_size=1000)
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM deliveries")).scalar_one()


def _sizes(engine) -> dict[str, int]:
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("VACUUM"))
        return {"file": Path(engine.url.database).stat().st_size}
    # The size of a fresh copy of each table (rows, TOAST, indexes): what VACUUM FULL would leave if no other
    # session's snapshot kept dead rows alive (on a shared server one always does, and VACUUM keeps them).
    sizes = {}
    with engine.begin() as conn:
        for table in TABLES:
            conn.execute(text(f"CREATE TABLE growth_copy (LIKE {table} INCLUDING ALL)"))
            conn.execute(text(f"INSERT INTO growth_copy SELECT * FROM {table}"))
            sizes[table] = conn.execute(text("SELECT pg_total_relation_size('growth_copy')")).scalar_one()
            conn.execute(text("DROP TABLE growth_copy"))
    return sizes


def measure(url: str, customers: int) -> None:
    engine = open_engine(url)
    upgrade(engine)
    _fill(engine, customers)
    empty = sum(_sizes(engine).values())
    started = time.perf_counter()
    deliveries = _work(engine, customers)
    full = _sizes(engine)
    report = prune(engine, (NOW + timedelta(days=100)).replace(tzinfo=None), decisions=False)
    pruned = _sizes(engine)
    engine.dispose()
    if not deliveries:
        raise SystemExit(f"{engine.dialect.name}: the welcome campaign queued no delivery; nothing to measure")
    per = lambda total: (total - empty) / deliveries  # noqa: E731
    print(f"{engine.dialect.name}: {deliveries} deliveries in {time.perf_counter() - started:.1f} s; "
          f"message bytes {report.message_bytes / deliveries:.0f} per delivery")
    print(f"  before prune: {per(sum(full.values())):.0f} bytes per delivery "
          f"-> {per(sum(full.values())) * 1e6 / 1e9:.2f} GB per million deliveries {full}")
    print(f"  after prune:  {per(sum(pruned.values())):.0f} bytes per delivery "
          f"-> {per(sum(pruned.values())) * 1e6 / 1e9:.2f} GB per million deliveries {pruned}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench store_growth")
    parser.add_argument("--customers", type=int, default=20000)
    parser.add_argument("--postgres", default=os.environ.get("REKINDLE_BENCH_POSTGRES_URL"),
                        help="also measure on this PostgreSQL database, in a schema of its own (dropped after)")
    parser.add_argument("--skip-sqlite", action="store_true", help="Measure PostgreSQL only.")
    args = parser.parse_args(argv)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            measure(f"sqlite:///{folder}/growth.db", args.customers)
    if args.postgres:
        with scratch_schema(args.postgres, "bench_growth") as url:
            measure(url, args.customers)


if __name__ == "__main__":
    main()
