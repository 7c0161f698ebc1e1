"""One `rekindle run` tick over a large store: 1,000,000 customers of which about 100,000 enter a campaign and
are due at once (the `team` plan, 10% of the generated customers).

    .venv/bin/python -m bench run_tick                      # 1M customers / 10M events (generated once, cached)
    .venv/bin/python -m bench run_tick --customers 100000 --events 1000000

Works on a copy of the cached store (bench/generate.py), so it can be repeated. Reports the time of the tick
(set-based enrolment, then batched rendering and queueing of every due email) with 1, 2 and 4 rendering
worker processes (`rekindle run --workers`), the deciding process's CPU time, and its resident memory
sampled during the tick: it must stay flat while 100,000 emails are rendered and queued. Each worker count
runs `--repeat` times (3), round by round, so a burst of load falls on every count alike; the report gives
each count's median tick and the range. With --postgres
(or REKINDLE_BENCH_POSTGRES_URL) the same ticks run on PostgreSQL, each starting by truncating what the one
before wrote (the crew renders from committed rows, so the tick cannot be one rolled-back transaction any
more): point it at a copy of the generated database, never at one that others read. For PostgreSQL it also
reports the server's CPU per email: the backends of that database, read from /proc (so the server must run on
this machine); `--no-sqlite` measures PostgreSQL only.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from dataclasses import replace
from datetime import timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select, text  # noqa: E402

from bench._child import process_cpu  # noqa: E402
from bench._report import Figure  # noqa: E402
from bench.generate import NOW, ensure_store  # noqa: E402
from engine.config.model import FrequencyCap  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.rules.model import build_campaign  # noqa: E402
from engine.runner.options import RunOptions  # noqa: E402
from engine.runner.parallel import Crew  # noqa: E402
from engine.runner.render import compose_renderer  # noqa: E402
from engine.runner.tick import run_tick  # noqa: E402
from engine.store.database import open_engine  # noqa: E402
from engine.store.models import Delivery  # noqa: E402
from engine.timeutil import parse_duration  # noqa: E402

CAMPAIGN = {
    "id": "bench-team-upgrade",
    "audience": {"all": [{"attribute": {"name": "plan", "eq": "team"}}, {"subscribed": True}]},
    "exit": {"event": {"name": "purchase", "since": "enrolled"}},
    "holdout": 0.05,
    "steps": [
        {"id": "offer", "template": "winback/offer", "vars": {"discount_usd": 20},
         "variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1, "subject": "{{ customer.first_name }}, a gift"}]},
        {"id": "last-call", "template": "winback/last-call", "wait": "3d"},
    ],
}


def children_cpu() -> float:
    """CPU seconds of this process's finished (joined) child processes so far."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class Sampler(threading.Thread):
    """RSS of this process every `every` seconds; with `server` (an engine on a PostgreSQL database on this
    machine) also the CPU time of that database's server processes (its backends, an autovacuum of it), each
    one's last reading kept, so a backend that ends between two readings loses at most `every` of its CPU."""


    def __init__(self, every: float = 0.25, server=None) -> None:
        super().__init__(daemon=True)
        self.every, self.samples, self.stop = every, [], threading.Event()
        self.server, self.backends, self.first = server, {}, {}

    def run(self) -> None:
        started = time.perf_counter()
        with (self.server.connect() if self.server is not None else nullcontext()) as conn:
            while not self.stop.is_set():
                self.samples.append((time.perf_counter() - started, rss_mb()))
                if conn is not None:
                    self._read_backends(conn)
                time.sleep(self.every)
            if conn is not None:
                self._read_backends(conn)

    def _read_backends(self, conn) -> None:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalars().all()
        conn.rollback()
        started = not self.backends and not self.first
        for pid in pids:
            cpu = process_cpu(pid)
            if cpu is not None:
                self.first.setdefault(pid, cpu if started else 0.0)  # a backend started since counts whole
                self.backends[pid] = cpu

    def server_cpu(self) -> float:
        """CPU seconds the database's server processes spent while sampled (those already running at the
        first reading count from it)."""
        return sum(cpu - self.first[pid] for pid, cpu in self.backends.items())


def one_tick(url: str, project, workers: int, batch: int, clean) -> dict:
    """Run one tick with `workers` rendering processes (the tick's own included, as `rekindle run --workers`);
    its wall and CPU time, what it queued, RSS samples. `clean` first empties what earlier ticks wrote (PostgreSQL): the
    crew renders from committed rows, so the tick must persist."""
    now = NOW.replace(tzinfo=timezone.utc)
    engine = open_engine(url)
    if clean is not None:
        clean(engine)
    baseline = rss_mb()
    local = clean is not None and engine.url.host in (None, "", "localhost", "127.0.0.1", "::1")
    sampler = Sampler(server=engine if local else None)  # a remote server's pids mean nothing in our /proc
    sampler.start()
    time.sleep(0.1)  # the sampler's first reading of the backends already there
    started, cpu, crew_before = time.perf_counter(), time.process_time(), children_cpu()
    with engine.connect() as conn, Crew(engine, project, b"bench-secret", workers, min_jobs=1) as crew:
        summary = run_tick(conn, project, RunOptions(now=now, batch_size=batch),
                           compose_renderer(project, now, b"bench-secret"), commit=None, crew=crew)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        queued = conn.execute(select(func.count()).select_from(Delivery).where(Delivery.status == "queued")
                              ).scalar_one()
        conn.rollback()
    crew_cpu = children_cpu() - crew_before  # the crew's members are joined when the `with` ends
    sampler.stop.set()
    sampler.join()
    engine.dispose()
    return {"workers": workers, "seconds": elapsed, "cpu": cpu, "children_cpu": crew_cpu,
            "server_cpu": sampler.server_cpu() if local else None, "queued": queued,
            "totals": summary.to_dict()["totals"], "rss_before": baseline, "samples": sampler.samples}


def undo_tick(engine) -> None:
    """Put a PostgreSQL store back as it was before any tick (every tick of this benchmark starts alike): the
    generated store has no runs, enrolments, decisions or deliveries."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE deliveries, decisions, enrollments, runs CASCADE"))


def median_run(results: list[dict]) -> dict:
    """The run whose time is the median of `results` (the lower middle one for an even count), so its other
    figures (CPU, RSS samples) belong to the same tick as the time reported."""
    ordered = sorted(results, key=lambda result: result["seconds"])
    return ordered[(len(ordered) - 1) // 2]


def spread(results: list[dict]) -> str:
    """The fastest and slowest of `results`, as "a–b s"."""
    seconds = sorted(result["seconds"] for result in results)
    return f"{seconds[0]:.1f}–{seconds[-1]:.1f} s"


def _project(url: str):
    project = load_project(ROOT / "rekindle.yaml")
    defaults = replace(project.config.defaults, per_run_limit=None,
                       frequency_caps=(FrequencyCap(3, parse_duration("7d")),))
    return replace(project, config=replace(project.config, store_url=url, defaults=defaults),
                   campaigns=(build_campaign(CAMPAIGN),))


def _report(label: str, result: dict) -> None:
    samples = result["samples"]
    marks = [samples[min(len(samples) - 1, int(len(samples) * f))] for f in (0.1, 0.25, 0.5, 0.75, 1.0)] \
        if samples else []
    print(f"{label}: {result['workers']} worker(s): {result['queued']:,} deliveries queued in "
          f"{result['seconds']:.1f} s ({result['queued'] / result['seconds']:,.0f} emails/s incl. enrolment), "
          f"CPU of the deciding process {result['cpu']:.1f} s, of its rendering processes "
          f"{result['children_cpu']:.1f} s; {result['totals']}")
    per_email = 1e6 / max(1, result["queued"])
    server = result["server_cpu"]
    print(f"  CPU per email: client {(result['cpu'] + result['children_cpu']) * per_email:.0f} us"
          + (f", PostgreSQL server {server * per_email:.0f} us (its backends for this database, from /proc)"
             if server is not None else ""))
    print(f"  RSS of the deciding process before: {result['rss_before']:.0f} MB; during: "
          + ", ".join(f"{t:.0f}s {mb:.0f} MB" for t, mb in marks), flush=True)


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="due enrolments per batch")
    parser.add_argument("--workers", default="1,2,4", help="rendering processes to compare")
    parser.add_argument("--postgres", metavar="URL", default=os.environ.get("REKINDLE_BENCH_POSTGRES_URL"),
                        help="also measure this PostgreSQL database, filled by `bench generate --postgres` with "
                             "the same sizes. It is written to: each tick starts by truncating its runs, "
                             "enrolments, decisions and deliveries, so give it a copy (createdb -T bench COPY)")
    parser.add_argument("--no-sqlite", action="store_true", help="measure PostgreSQL (--postgres) only")
    parser.add_argument("--repeat", type=int, default=3,
                        help="ticks per worker count, round by round (1, 2, 4, 1, 2, 4, ...); the report gives "
                             "the median and the range")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"store: {args.customers:,} customers, {args.events:,} events; cores: {os.cpu_count()}")
    runs: dict[tuple[str, int], list[dict]] = {}
    for round_ in range(1, args.repeat + 1):
        for workers in counts if not args.no_sqlite else ():
            source = ensure_store(args.customers, args.events)
            with tempfile.TemporaryDirectory(dir=source.parent) as folder:
                store = Path(folder) / "tick.db"
                shutil.copyfile(source, store)
                url = f"sqlite:///{store}"
                result = one_tick(url, _project(url), workers, args.batch, None)
            runs.setdefault(("SQLite", workers), []).append(result)
            _report(f"SQLite, round {round_}", result)
        for workers in counts if args.postgres else ():
            result = one_tick(args.postgres, _project(args.postgres), workers, args.batch, undo_tick)
            runs.setdefault(("PostgreSQL", workers), []).append(result)
            _report(f"PostgreSQL, round {round_}", result)
    figures: list[Figure] = []
    for (store, workers), results in runs.items():
        result, one = median_run(results), median_run(runs[store, counts[0]])
        rate = result["queued"] / result["seconds"]
        figures.append(Figure(f"one tick, {args.customers:,} customers, {result['queued']:,} queued ({store}), "
                              f"median of {len(results)}",
                              f"{workers} worker(s): {result['seconds']:.1f} s ({rate:,.0f} emails/s; "
                              f"range {spread(results)})",
                              f"{counts[0]} worker(s): {one['seconds']:.1f} s",
                              f"{one['seconds'] / result['seconds']:.2f}x on {os.cpu_count()} cores"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the deciding process: {peak:.0f} MB")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
