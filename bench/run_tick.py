"""One `rekindle run` tick over a large store: 1,000,000 customers of which about 100,000 enter a campaign and
are due at once (the `team` plan, 10% of the generated customers).

    .venv/bin/python -m bench run_tick                      # 1M customers / 10M events (generated once, cached)
    .venv/bin/python -m bench run_tick --customers 100000 --events 1000000

Works on a copy of the cached store (bench/generate.py), so it can be repeated. Reports the time of the tick
(set-based enrolment, then batched rendering and queueing of every due email) and the process's resident
memory sampled during the tick: it must stay flat while 100,000 emails are rendered and queued.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from datetime import timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402

from bench.generate import NOW, ensure_store  # noqa: E402
from engine.config.model import FrequencyCap  # noqa: E402
from engine.project import load_project  # noqa: E402
from engine.rules.model import build_campaign  # noqa: E402
from engine.runner.options import RunOptions  # noqa: E402
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


def rss_mb() -> float:
    """Current resident set size (Linux /proc), in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


class Sampler(threading.Thread):
    def __init__(self, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.every, self.samples, self.stop = every, [], threading.Event()

    def run(self) -> None:
        started = time.perf_counter()
        while not self.stop.is_set():
            self.samples.append((time.perf_counter() - started, rss_mb()))
            time.sleep(self.every)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=1000, help="due enrolments per batch")
    args = parser.parse_args(argv)

    source = ensure_store(args.customers, args.events)
    with tempfile.TemporaryDirectory(dir=source.parent) as folder:
        store = Path(folder) / "tick.db"
        shutil.copyfile(source, store)
        url = f"sqlite:///{store}"
        project = load_project(ROOT / "rekindle.yaml")
        defaults = replace(project.config.defaults, per_run_limit=None,
                           frequency_caps=(FrequencyCap(3, parse_duration("7d")),))
        project = replace(project, config=replace(project.config, store_url=url, defaults=defaults),
                          campaigns=(build_campaign(CAMPAIGN),))
        now = NOW.replace(tzinfo=timezone.utc)
        engine = open_engine(url)
        render = compose_renderer(project, now, b"bench-secret")
        baseline = rss_mb()
        sampler = Sampler()
        sampler.start()
        started = time.perf_counter()
        with engine.connect() as conn:
            summary = run_tick(conn, project, RunOptions(now=now, batch_size=args.batch), render, commit=None)
        elapsed = time.perf_counter() - started
        sampler.stop.set()
        sampler.join()
        with engine.connect() as conn:
            queued = conn.execute(select(func.count()).select_from(Delivery)).scalar_one()
        engine.dispose()

    totals = summary.to_dict()["totals"]
    print(f"store: {args.customers:,} customers, {args.events:,} events ({source.name})")
    print(f"tick: {totals}")
    print(f"deliveries queued: {queued:,} in {elapsed:.1f} s ({queued / elapsed:,.0f} emails/s incl. enrolment)")
    samples = sampler.samples
    marks = [samples[min(len(samples) - 1, int(len(samples) * f))] for f in (0.1, 0.25, 0.5, 0.75, 1.0)]
    print(f"RSS before the tick: {baseline:.0f} MB; during it: "
          + ", ".join(f"{t:.0f}s {mb:.0f} MB" for t, mb in marks))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:])
