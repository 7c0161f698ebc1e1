"""Generate a benchmark store: N customers and M events, deterministic, written straight into SQLite (or
PostgreSQL with COPY), with `customers.last_active_at` maintained as the importer would.

    python -m bench.generate --customers 1000000 --events 10000000 --out bench/results/store-1m.db
    python -m bench.generate --postgres postgresql+psycopg://postgres@127.0.0.1/bench

Other benchmarks call `ensure_store(customers, events)` to reuse a cached file in bench/results/.
Activity is skewed like real products: a few heavy users produce many events, many customers are quiet.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Index

from engine.store import migrate
from engine.store.database import open_engine
from engine.store.models import Event
from engine.store.statistics import refresh_after_load

RESULTS = Path(__file__).parent / "results"
NOW = datetime(2026, 11, 23, 9, 0, 0)
HISTORY_DAYS = 730
SEED = 42
BATCH = 50_000
EVENT_NAMES = ["login"] * 60 + ["project_created"] * 15 + ["purchase"] * 10 + ["onboarding_completed"] * 3 + [
    "feedback_submitted"] * 4 + ["referral_sent"] * 4 + ["plan_changed"] * 4
ACTIVITY = {"login", "purchase"}
PLANS = ["free"] * 4 + ["basic"] * 3 + ["pro"] * 2 + ["team"]
COUNTRIES = ["US", "GB", "FR", "DE", "JP", "BR", "IN"]
TIMEZONES = ["UTC", "Europe/London", "Europe/Paris", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
             "Australia/Sydney", "Asia/Kolkata", ""]
SKUS = ['{"amount": 19.0, "sku": "SKU-STARTER"}', '{"amount": 49.0, "sku": "SKU-PRO-MONTH"}',
        '{"amount": 99.0, "sku": "SKU-TEAM-MONTH"}']


_EPOCH = int((NOW - datetime(1970, 1, 1)).total_seconds())
_TIMES = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000000" for s in range(86400)]
_DAYS: dict[int, str] = {}


def stamp(seconds_ago: int) -> str:
    """The text SQLAlchemy stores a naive DateTime as on SQLite, so generated rows compare like imported ones.
    Built from cached day and time-of-day strings: strftime for 10M rows would dominate the run time."""
    day, second = divmod(_EPOCH - seconds_ago, 86400)
    prefix = _DAYS.get(day)
    if prefix is None:
        prefix = _DAYS[day] = (datetime(1970, 1, 1) + timedelta(days=day)).strftime("%Y-%m-%d ")
    return prefix + _TIMES[second]


class Dataset:
    """The rows of a benchmark store. Customer i signed up `created[i]` seconds ago; each event picks a customer
    with a skewed distribution and a time after that customer's sign-up."""

    def __init__(self, customers: int, events: int, seed: int = SEED) -> None:
        self.customers = customers
        self.events = events
        self.rng = random.Random(seed)
        self.created = [3600 + int(self.rng.random() * HISTORY_DAYS * 86400) for _ in range(customers)]
        self.last_active = [0] * customers  # seconds ago + 1 of the latest activity event; 0 = never

    def customer_rows(self) -> Iterator[tuple]:
        rng = self.rng
        for i in range(self.customers):
            r = rng.random()
            birthday = f"{1960 + int(r * 45)}-{1 + int(r * 1e3) % 12:02d}-{1 + int(r * 1e5) % 28:02d}"
            attributes = (f'{{"plan": "{PLANS[int(r * 1e4) % 10]}", "lifetime_value": {int(r * 1e6) % 50000 / 100}, '
                          f'"birthday": "{birthday}", "country": "{COUNTRIES[int(r * 1e7) % 7]}"}}')
            yield (f"cus_{i:07d}", f"customer{i}@example.com", f"First{i % 997}", f"Last{i % 991}", "en",
                   TIMEZONES[int(r * 1e8) % 9] or None, stamp(self.created[i]), int(r * 1e9) % 33 != 0, attributes)

    def event_rows(self) -> Iterator[tuple]:
        rand, customers, created, last_active = self.rng.random, self.customers, self.created, self.last_active
        names, kinds, activity = EVENT_NAMES, len(EVENT_NAMES), ACTIVITY
        for _ in range(self.events):
            # Skew: squaring a uniform number makes low ids (the "heavy users") far more frequent.
            i = int(customers * rand() ** 2)
            ago = int(rand() * created[i])
            name = names[int(rand() * kinds)]
            properties = "{}"
            if name in activity:
                if last_active[i] == 0 or ago + 1 < last_active[i]:
                    last_active[i] = ago + 1
                if name == "purchase":
                    properties = SKUS[int(rand() * 3)]
            yield i + 1, name, stamp(ago), properties


def batches(rows: Iterator[tuple], size: int = BATCH) -> Iterator[list[tuple]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


CUSTOMER_INSERT = ("INSERT INTO customers (external_id, email, first_name, last_name, locale, timezone, created_at, "
                   "subscribed, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
EVENT_INSERT = "INSERT INTO events (customer_id, name, occurred_at, properties) VALUES (?, ?, ?, ?)"


def write_sqlite(path: Path, data: Dataset) -> None:
    """Schema through the migrations, then raw executemany with the events indexes dropped during the load."""
    path.unlink(missing_ok=True)
    engine = open_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    indexes = list(Event.__table__.indexes)
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    engine.dispose()
    db = sqlite3.connect(path)
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-500000;")
    for batch in batches(data.customer_rows()):
        db.executemany(CUSTOMER_INSERT, batch)
    for batch in batches(data.event_rows()):
        db.executemany(EVENT_INSERT, batch)
    db.executemany("UPDATE customers SET last_active_at = ? WHERE id = ?", _last_active(data))
    db.commit()
    db.close()
    _create_indexes(f"sqlite:///{path}", indexes)


def write_postgres(url: str, data: Dataset) -> None:
    """Schema through the migrations, then COPY (the fastest way into PostgreSQL)."""
    engine = open_engine(url)
    migrate.upgrade(engine)
    indexes = list(Event.__table__.indexes)
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
        cursor = connection.connection.driver_connection.cursor()
        columns = "external_id, email, first_name, last_name, locale, timezone, created_at, subscribed, attributes"
        with cursor.copy(f"COPY customers ({columns}) FROM STDIN") as copy:
            for row in data.customer_rows():
                copy.write_row(row)
        with cursor.copy("COPY events (customer_id, name, occurred_at, properties) FROM STDIN") as copy:
            for row in data.event_rows():
                copy.write_row(row)
        cursor.execute("CREATE TEMP TABLE active (id bigint, at timestamp)")
        with cursor.copy("COPY active (at, id) FROM STDIN") as copy:
            for row in _last_active(data):
                copy.write_row(row)
        cursor.execute("UPDATE customers c SET last_active_at = a.at FROM active a WHERE a.id = c.id")
    engine.dispose()
    _create_indexes(url, indexes)
    engine = open_engine(url)
    with engine.connect() as connection:  # as `rekindle import` does after a large load (engine/store/statistics.py)
        refresh_after_load(connection, ("customers", "events"), data.customers + data.events)
    engine.dispose()


def _last_active(data: Dataset) -> Iterator[tuple[str, int]]:
    for i, ago in enumerate(data.last_active):
        if ago:
            yield stamp(ago - 1), i + 1


def _create_indexes(url: str, indexes: list[Index]) -> None:
    engine = open_engine(url)
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
    engine.dispose()


def store_path(customers: int, events: int) -> Path:
    """The cached store's file, named by its size and the schema it was built with, so that a store made
    before a migration is never reused (its tables would lack the new columns)."""
    return RESULTS / f"store-{customers}-{events}-{migrate.HEAD}.db"


def ensure_store(customers: int = 1_000_000, events: int = 10_000_000) -> Path:
    """A cached SQLite benchmark store of this size in bench/results/, generated on first use."""
    RESULTS.mkdir(exist_ok=True)
    path = store_path(customers, events)
    if not path.exists():
        partial = path.with_suffix(".partial")
        write_sqlite(partial, Dataset(customers, events))
        partial.rename(path)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="SQLite file (default bench/results/store-C-E-SCHEMA.db)")
    parser.add_argument("--postgres", metavar="URL", help="write into this PostgreSQL database instead")
    args = parser.parse_args(argv)
    data = Dataset(args.customers, args.events, args.seed)
    started = time.perf_counter()
    if args.postgres:
        write_postgres(args.postgres, data)
        where = args.postgres
    else:
        out = args.out or store_path(args.customers, args.events)
        out.parent.mkdir(parents=True, exist_ok=True)
        write_sqlite(out, data)
        where = str(out)
    elapsed = time.perf_counter() - started
    print(f"generated {args.customers:,} customers and {args.events:,} events into {where} in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
