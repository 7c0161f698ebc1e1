"""`rekindle report` over a large ledger: 1,000,000 enrolments and 10,000,000 deliveries (the issue's target)
on top of a cached benchmark store of customers and events, on SQLite or PostgreSQL.

    .venv/bin/python -m bench report                                    # 1M enrolments / 10M deliveries, SQLite
    .venv/bin/python -m bench report --enrolments 100000 --steps 10     # a tenth of it
    .venv/bin/python -m bench report --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench

The ledger is written straight into a copy of the store (raw executemany on SQLite, COPY on PostgreSQL):
4 campaigns with a 10% holdout and `--steps` steps each (every mailed enrolment gets every step, so
deliveries = 0.9 x enrolments x steps), two variants on the second step, 12% of enrolments converted by a
purchase (with `amount`) a few days after enrolment, some unsubscribes, hard bounces and clicks. Then the
campaign part of the report and the lifecycle part (stages at 12 month ends, retention, cohorts, value) are
timed separately (wall time, and the CPU time of this process, which on SQLite includes the database's work),
with the process's resident memory sampled throughout: it must not grow with the ledger.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.generate import NOW, batches, ensure_store, stamp  # noqa: E402
from bench.run_tick import Sampler, rss_mb  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.reporting import build_report  # noqa: E402
from engine.rules.model import build_campaign  # noqa: E402
from engine.store import migrate  # noqa: E402
from engine.store.database import open_engine  # noqa: E402
from engine.store.models import Delivery, Enrollment  # noqa: E402

CAMPAIGNS = 4
SEED = 11


def campaign_doc(index: int, steps: int) -> dict:
    return {
        "id": f"bench-{index}",
        "audience": {"subscribed": True},
        "goal": {"condition": {"event": {"name": "purchase", "since": "enrolled"}}, "within": "30d"},
        "holdout": 0.1,
        "steps": [{"id": f"s{i}", "template": "winback/offer", "wait": "1d" if i else "0d",
                   **({"variants": [{"id": "a"}, {"id": "b"}]} if i == 1 else {})} for i in range(steps)],
    }


class Ledger:
    """Rows of the ledger: enrolment e goes to customer e % customers, enrolled up to 300 days before NOW."""

    def __init__(self, enrolments: int, steps: int, customers: int, seed: int = SEED) -> None:
        self.enrolments, self.steps, self.customers = enrolments, steps, customers
        self.rng = random.Random(seed)
        self.plan = []  # (campaign, customer, enrolled seconds ago, holdout, converted)
        for e in range(enrolments):
            r = self.rng.random()
            self.plan.append((e % CAMPAIGNS, e % customers + 1, 3600 + int(r * 300 * 86400), r * 1e3 % 1 < 0.1,
                              r * 1e5 % 1 < 0.12))

    def enrollment_rows(self) -> Iterator[tuple]:
        for campaign, customer, ago, holdout, converted in self.plan:
            status, reason = ("converted", "goal") if converted else ("completed", "completed")
            yield (f"bench-{campaign}", "v1", customer, status, holdout, stamp(ago), self.steps,
                   stamp(max(ago - 5 * 86400, 1)), reason)

    def delivery_rows(self) -> Iterator[tuple]:
        number = 0
        for e, (campaign, customer, ago, holdout, _) in enumerate(self.plan, start=1):
            if holdout:
                continue
            for step in range(self.steps):
                number += 1
                sent = stamp(max(ago - step * 86400 - 600, 1))
                status = "failed" if number % 500 == 0 else "sent"
                variant = ("a" if e % 2 else "b") if step == 1 else None
                yield (e, f"s{step}", f"bench-{campaign}", "v1", customer, f"customer{customer - 1}@example.com",
                       variant, f"<{number}@bench>", status, sent, sent if status == "sent" else None, 1)

    def event_rows(self) -> Iterator[tuple]:
        """A purchase 2 days after each converted enrolment; clicks on 5% of first emails."""
        for e, (campaign, customer, ago, holdout, converted) in enumerate(self.plan):
            if converted:
                yield customer, "purchase", stamp(max(ago - 2 * 86400, 1)), '{"amount": 49.0}'
            if not holdout and e % 20 == 0:
                props = json.dumps({"campaign": f"bench-{campaign}", "step": "s0", "link": "https://x"})
                yield customer, "click", stamp(max(ago - 3600, 1)), props

    def suppression_rows(self) -> Iterator[tuple]:
        for customer in range(1, self.customers + 1, 997):
            yield f"customer{customer - 1}@example.com", "unsubscribe", stamp(86400)


ENROLLMENT_COLUMNS = ("campaign_id, campaign_version, customer_id, status, holdout, enrolled_at, next_step, "
                      "ended_at, end_reason")
DELIVERY_COLUMNS = ("enrollment_id, step_id, campaign_id, campaign_version, customer_id, email, variant, "
                    "message_id, status, queued_at, sent_at, attempts")


def write_sqlite(path: Path, ledger: Ledger) -> None:
    engine = open_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)  # the cached store may predate the latest migration
    indexes = [*Enrollment.__table__.indexes, *Delivery.__table__.indexes]
    with engine.begin() as connection:  # rebuilt after the load, as bench/generate.py does for events
        for index in indexes:
            index.drop(connection)
    engine.dispose()
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-500000;")
    inserts = [
        (f"INSERT INTO enrollments ({ENROLLMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", ledger.enrollment_rows()),
        (f"INSERT INTO deliveries ({DELIVERY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
         ledger.delivery_rows()),
        ("INSERT INTO events (customer_id, name, occurred_at, properties) VALUES (?, ?, ?, ?)", ledger.event_rows()),
        ("INSERT OR IGNORE INTO suppressions (email, reason, created_at) VALUES (?, ?, ?)", ledger.suppression_rows()),
    ]
    for statement, rows in inserts:
        for batch in batches(rows):
            db.executemany(statement, batch)
    db.commit()
    db.close()
    engine = open_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()


def write_postgres(url: str, ledger: Ledger, customers: int, events: int) -> None:
    """Customers and events with bench/generate.py's COPY, then the ledger with COPY."""
    from bench.generate import Dataset
    from bench.generate import write_postgres as write_base
    from engine.store.statistics import refresh_after_load

    write_base(url, Dataset(customers, events))
    engine = open_engine(url)
    with engine.begin() as connection:
        cursor = connection.connection.driver_connection.cursor()
        copies = [(f"enrollments ({ENROLLMENT_COLUMNS})", ledger.enrollment_rows()),
                  (f"deliveries ({DELIVERY_COLUMNS})", ledger.delivery_rows()),
                  ("events (customer_id, name, occurred_at, properties)", ledger.event_rows()),
                  ("suppressions (email, reason, created_at)", ledger.suppression_rows())]
        for target, rows in copies:
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    with engine.connect() as connection:  # after the commit: VACUUM cannot run inside a transaction
        refresh_after_load(connection, ("enrollments", "deliveries", "events"), ledger.enrolments * 11)
    engine.dispose()


def measure(url: str, steps: int) -> None:
    project = load_project(ROOT / "rekindle.yaml")
    campaigns = [build_campaign(campaign_doc(i, steps)) for i in range(CAMPAIGNS)]
    project = replace(project, campaigns=tuple(campaigns))
    now = NOW.replace(tzinfo=timezone.utc)
    engine = open_engine(url)
    before = rss_mb()
    sampler = Sampler()
    sampler.start()
    with engine.connect() as connection:
        started, cpu = time.perf_counter(), time.process_time()
        report = build_report(connection, project, campaigns, now=now, with_lifecycle=False)
        campaigns_s, campaigns_cpu = time.perf_counter() - started, time.process_time() - cpu
        started, cpu = time.perf_counter(), time.process_time()
        lifecycle = build_report(connection, project, [], now=now,
                                 since=now - timedelta(days=365)).lifecycle
        lifecycle_s, lifecycle_cpu = time.perf_counter() - started, time.process_time() - cpu
    sampler.stop.set()
    sampler.join()
    engine.dispose()
    peak = max(rss for _, rss in sampler.samples)
    enrolled = sum(c.enrolled for c in report.campaigns)
    mailed = sum(s.mailed for c in report.campaigns for s in c.steps)
    converted = sum(c.converted for c in report.campaigns)
    print(f"  campaigns: {len(campaigns)} campaigns, {enrolled:,} enrolments, {mailed:,} deliveries, "
          f"{converted:,} conversions in {campaigns_s:.1f} s (CPU of this process {campaigns_cpu:.1f} s)")
    print(f"  lifecycle: {len(lifecycle.monthly) if lifecycle else 0} stage counts over 12 month ends, "
          f"retention, cohorts, value in {lifecycle_s:.1f} s (CPU of this process {lifecycle_cpu:.1f} s)")
    print(f"  memory: {before:.0f} MB before, peak {peak:.0f} MB (+{peak - before:.0f} MB)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrolments", type=int, default=1_000_000)
    parser.add_argument("--steps", type=int, default=11, help="steps per campaign (0.9 x 11 = 9.9 deliveries each)")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to load and measure")
    parser.add_argument("--loaded", action="store_true",
                        help="with --postgres: the database already holds this ledger; upgrade and measure only")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if args.postgres:
        if args.loaded:
            engine = open_engine(args.postgres)
            migrate.upgrade(engine)
            engine.dispose()
        else:
            write_postgres(args.postgres, Ledger(args.enrolments, args.steps, args.customers), args.customers,
                           args.events)
            print(f"loaded PostgreSQL in {time.perf_counter() - started:.0f} s")
        measure(args.postgres, args.steps)
        return
    ledger = Ledger(args.enrolments, args.steps, args.customers)
    source = ensure_store(args.customers, args.events)
    with tempfile.TemporaryDirectory(dir=source.parent) as folder:
        path = Path(folder) / "store.db"
        shutil.copy(source, path)
        write_sqlite(path, ledger)
        print(f"loaded the ledger into a copy of {source.name} in {time.perf_counter() - started:.0f} s")
        measure(f"sqlite:///{path}", args.steps)


if __name__ == "__main__":
    main()
