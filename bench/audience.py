"""Audience queries over the benchmark store: count time, streaming time and memory per audience.

    .venv/bin/python -m bench audience                          # 1M customers / 10M events (cached store)
    .venv/bin/python -m bench audience --customers 20000 --events 200000
    .venv/bin/python -m bench audience --postgres URL           # also PostgreSQL (bench generate --postgres),
                                                                # each audience beside its SQLite figure

Audiences: the target "inactive 90 days and plan in [pro, team]" (goal: under 1 s on SQLite, memory
independent of the audience size), then every shipped campaign's audience at the generator's NOW.
With --postgres the two stores take turns, audience by audience, so both meet the machine in the same state.
For each: `count` is the median of `--runs` (3) runs, each preparing the audience's context (the statistics and
lookups it reads first) and running SELECT count(*), as one `rekindle audience` does (wall clock, and CPU
time: on SQLite this process's, which is the query's own work and does not depend on what else the machine
is doing; on PostgreSQL the server backend's, read from /proc when the server runs on this machine, without
its parallel workers'; "-" when the server is elsewhere), `stream` the time to prepare and stream every id
with yield_per (one query), `peak KiB` the Python heap peak while streaming (tracemalloc, a separate pass),
which stays flat whether the audience has a thousand members or half a million.
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
import tracemalloc
from statistics import median
from datetime import timezone
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._report import Figure  # noqa: E402
from bench.generate import NOW, ensure_store  # noqa: E402
from engine.audience import audience_context, audience_query, count_query, iter_audience  # noqa: E402
from engine.conditions import Condition, parse_condition  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.store.database import open_engine  # noqa: E402

TARGET = parse_condition({"all": [{"inactive": {"for": "90d"}}, {"attribute": {"name": "plan", "in": ["pro", "team"]}}]})
#: The grouped kinds: an aggregate over a property and the age of the last event (docs/conditions.md).
GROUPED = [
    ("purchases summing to > 200 in 365d", parse_condition(
        {"aggregate": {"event": "purchase", "function": "sum", "property": "amount", "within": "365d", "gt": 200}})),
    ("not: purchases summing to > 200", parse_condition(
        {"not": {"aggregate": {"event": "purchase", "function": "sum", "property": "amount", "gt": 200}}})),
    ("last purchase 60-120 days ago", parse_condition(
        {"last_event": {"name": "purchase", "between": ["60d", "120d"]}})),
]


def cpu_clock(connection) -> Callable[[], float] | None:
    """Seconds of CPU spent by whoever runs the queries: this process on SQLite; on PostgreSQL, the server
    backend of `connection` when it runs on this machine (its /proc schedstat), else None."""
    if connection.dialect.name == "sqlite":
        return time.process_time
    stat = Path(f"/proc/{connection.exec_driver_sql('SELECT pg_backend_pid()').scalar_one()}/schedstat")
    if not stat.exists():
        return None
    return lambda: int(stat.read_text().split()[0]) / 1e9


def measure(connection, name: str, condition: Condition, project, now, runs: int
            ) -> tuple[str, float, float, float, int, float]:
    """Count `runs` times, each run preparing its own context (the statistics and lookups audience_context
    reads) as one `rekindle audience` does, then stream once (preparing once more) and measure the heap while
    streaming that query again."""
    defaults = project.config.defaults
    clock = cpu_clock(connection)

    def context():
        return audience_context(connection, condition, now=now, activity_events=defaults.activity_events,
                                segments=project.segments, default_timezone=defaults.timezone)

    counts, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), clock() if clock else 0.0
        total = connection.execute(count_query(condition, context())).scalar_one()
        counts.append(time.perf_counter() - started)
        cpu.append(clock() - started_cpu if clock else math.nan)
    started = time.perf_counter()
    query = audience_query(condition, context())
    streamed = sum(1 for _ in iter_audience(connection, query))
    stream = time.perf_counter() - started
    assert streamed == total, (name, streamed, total)
    tracemalloc.start()
    for _ in iter_audience(connection, query):
        pass
    peak = tracemalloc.get_traced_memory()[1] / 1024
    tracemalloc.stop()
    return name, median(counts), median(cpu), stream, total, peak


def measure_stores(urls: list[str], project, now, runs: int) -> list[dict[str, tuple]]:
    """Every audience on every store, the stores in turn audience by audience (so SQLite and PostgreSQL
    share the machine's state of the moment, and a slow spell of a shared machine falls on both)."""
    audiences = [("inactive 90d and plan in [pro, team]", TARGET), *GROUPED]
    audiences += [(f"campaign {c.id}", c.audience) for c in project.campaigns]
    engines = [open_engine(url) for url in urls]
    results: list[dict[str, tuple]] = [{} for _ in urls]
    print(f"now: {now:%Y-%m-%dT%H:%M:%SZ}; stores: " + ", ".join(e.dialect.name for e in engines))
    print(f"{'audience':<40} {'store':<10} {'count s':>8} {'cpu s':>6} {'stream s':>9} {'members':>9} {'peak KiB':>9}")
    with ExitStack() as stack:
        connections = [stack.enter_context(engine.connect()) for engine in engines]
        for label, condition in audiences:
            for connection, kept in zip(connections, results):
                name, count_s, cpu_s, stream_s, total, peak = measure(connection, label, condition, project, now,
                                                                      runs)
                kept[name] = (count_s, cpu_s, total)
                shown = "-" if math.isnan(cpu_s) else f"{cpu_s:.3f}"
                print(f"{name:<40} {connection.dialect.name:<10} {count_s:>8.3f} {shown:>6} {stream_s:>9.3f} "
                      f"{total:>9,} {peak:>9.0f}", flush=True)
    for engine in engines:
        engine.dispose()
    return results


TARGET_CUSTOMERS = 1_000_000
"""Issue 16's target, PostgreSQL no slower than SQLite on every shipped audience, is set at 1M customers."""
#: What bounds the audiences PostgreSQL has been slower on in some runs (docs/conditions.md, Performance),
#: for the report where one misses its target again.
BOUNDS = {
    "campaign onboarding-complete": (
        "about 14.7k primary-key lookups of the week's onboarded customers, which PostgreSQL 15 makes one index "
        "descent at a time for an `= ANY` array, beside SQLite's rowid searches; both take 30-55 ms and runs "
        "differ by more than the gap. What would move it: PostgreSQL 17's array scans, or fewer lookups"),
    "campaign referral-ask": (
        "the grouped pass over the month's 1.03M logins: an index-only scan and a sort of their customer ids, an "
        "external merge at the default 4 MB work_mem (a session-wide 64 MB made other audiences' plans slower: "
        "winback-90 0.27 -> 8.8 s), level with SQLite's pass; what would move it: fewer rows to sort (a rollup "
        "of logins per customer and day, where customers log in several times a day) or the sort shared by "
        "parallel workers"),
    "campaign winback-90": (
        "one read of the customers with cheap date tests on both stores (a bitmap scan of 38k pages from the OS "
        "cache on PostgreSQL, whose 128 MB shared_buffers hold a third of the table); level within a few ms"),
}


def _target(name: str, seconds: float, sqlite: float, customers: int) -> tuple[str, str]:
    """The target's verdict for one PostgreSQL figure, and what bounds it where it is missed."""
    if customers < TARGET_CUSTOMERS:
        return f"no target at this size (target: no slower than SQLite at {TARGET_CUSTOMERS:,})", ""
    if seconds <= sqlite:
        return "target: no slower than SQLite: met", ""
    return (f"target: no slower than SQLite: missed by {(seconds - sqlite) * 1000:.0f} ms",
            BOUNDS.get(name, "not looked at yet: EXPLAIN (ANALYZE, BUFFERS) it on both stores"))


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3, help="counts per audience; the median is reported")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("REKINDLE_BENCH_POSTGRES_URL"),
                        help="also measure this PostgreSQL database (filled by `bench generate --postgres` with "
                             "the same sizes), each audience beside its SQLite figure")
    args = parser.parse_args(argv)
    project = load_project(ROOT / "rekindle.yaml")
    now = NOW.replace(tzinfo=timezone.utc)
    urls = [f"sqlite:///{ensure_store(args.customers, args.events)}", *([args.postgres] if args.postgres else [])]
    sqlite, *others = measure_stores(urls, project, now, args.runs)
    figures = []
    for postgres in others:
        for name, (seconds, cpu, total) in postgres.items():
            base, base_cpu, base_total = sqlite[name]
            same = "" if total == base_total else f" (members differ: {total} vs {base_total})"
            work = "" if math.isnan(cpu) else f"; CPU {cpu:.3f} s (backend) vs {base_cpu:.3f} s"
            target, bounds = _target(name, seconds, base, args.customers)
            figures.append(Figure(f"{name}, {args.customers:,} customers (PostgreSQL)", f"{seconds:.3f} s",
                                  f"SQLite: {base:.3f} s",
                                  f"{seconds / base:.2f}x the SQLite time{work}{same} ({target})", bounds))
    print(f"max RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
