"""The yardsticks for an audience: the `rekindle audience` command end to end against a per-record rule engine
and against DuckDB, the columnar limit, on the same customers.

    python -m bench baselines [--customers 1000000] [--events 10000000] [--runs 3]

The audience is issue 16's "inactive 90 days and plan in [pro, team]" at the generator's NOW:

- `rekindle audience` end to end: the whole CLI process (start-up, project load, the SQL count, ten members
  listed) on the SQLite store, in a child process (bench/_child.py), median of `--runs`;
- the per-record engine: the PyPI `rule-engine` package evaluating the same rule on rows already loaded
  into Python dicts (loading them is not counted), best of `--runs`: what evaluating rules in Python would
  cost even before any I/O;
- DuckDB in memory: the same rows in a DuckDB table (loading not counted), the same predicate as SQL, best
  of `--runs`: what a columnar engine does with data already in memory, the floor no row store reaches.

All three must find the same number of customers, or the benchmark stops. Issue 16's target: the CLI end to
end at least 20x the per-record engine at 1M customers. `rule-engine` and `duckdb` are the `bench` extra
(`pip install -e '.[dev,bench]'`; `make bench` installs it).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import select

from bench._child import Child
from bench._report import Figure
from bench.generate import NOW, ensure_store
from engine.store.database import open_engine
from engine.store.tables import customers

ROOT = Path(__file__).resolve().parents[1]
TARGET_RATIO = 20
INACTIVE = timedelta(days=90)
PLANS = ("pro", "team")
RULE = ("((last_active_at != null and last_active_at <= $threshold) or "
        "(last_active_at == null and created_at <= $threshold)) and plan in ['pro', 'team']")
RULE_YAML = """version: 1
id: target
category: reactivation
audience:
  all:
    - inactive: {for: 90d}
    - attribute: {name: plan, in: [pro, team]}
steps:
  - {id: one, template: t/one}
"""


def cli_end_to_end(store: Path, runs: int) -> tuple[float, int]:
    """(median wall seconds, audience size) of `rekindle audience target` in a throwaway project."""
    with tempfile.TemporaryDirectory(prefix="rekindle-bench-baselines-") as folder:
        root = Path(folder)
        (root / "rules").mkdir()
        (root / "templates" / "t").mkdir(parents=True)
        (root / "rules" / "target.yaml").write_text(RULE_YAML)
        (root / "templates" / "t" / "one.html").write_text("{% block subject %}Hi{% endblock %}<p>Hi</p>")
        (root / "rekindle.yaml").write_text(f'version: 1\nstore:\n  url: "sqlite:///{store}"\n')
        command = [sys.executable, "-m", "engine", "audience", "target", "--now", f"{NOW:%Y-%m-%dT%H:%M:%SZ}",
                   "--format", "json"]
        walls, size = [], -1
        for run in range(runs + 1):  # the first run fills the project's check cache, as any later run finds it
            child = Child(command, cwd=root, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = child.process.communicate()
            usage = child.finish()
            if usage.returncode != 0:
                raise SystemExit(f"rekindle audience failed:\n{err.decode()}")
            size = _json_count(out.decode())
            if run:
                walls.append(usage.wall)
        return median(walls), size


def _json_count(output: str) -> int:
    return int(json.loads(output)["count"])


def load_rows(store: Path) -> list[dict[str, Any]]:
    """Every customer as the fields the rule reads, time-zone aware (as rule-engine compares datetimes)."""
    engine = open_engine(f"sqlite:///{store}")
    rows = []
    aware = lambda moment: moment.replace(tzinfo=timezone.utc) if moment is not None else None  # noqa: E731
    with engine.connect() as connection:
        query = select(customers.c.last_active_at, customers.c.created_at, customers.c.attributes)
        for last_active_at, created_at, attributes in connection.execute(query).yield_per(50_000):
            rows.append({"last_active_at": aware(last_active_at), "created_at": aware(created_at),
                         "plan": (attributes or {}).get("plan")})
    engine.dispose()
    return rows


def per_record(rows: list[dict[str, Any]], threshold: datetime, runs: int) -> tuple[float, int]:
    """(best seconds, matches) of rule-engine's Rule.filter over the preloaded rows."""
    import rule_engine

    rule = rule_engine.Rule(RULE.replace("$threshold", f"d'{threshold.isoformat()}'"),
                            context=rule_engine.Context(default_timezone="utc"))
    best, matches = float("inf"), -1
    for _ in range(runs):
        started = time.perf_counter()
        matches = sum(1 for _ in rule.filter(rows))
        best = min(best, time.perf_counter() - started)
    return best, matches


def columnar(rows: list[dict[str, Any]], threshold: datetime, runs: int) -> tuple[float, int]:
    """(best seconds, matches) of DuckDB's count over the same rows in an in-memory table."""
    import duckdb

    with tempfile.TemporaryDirectory(prefix="rekindle-bench-duckdb-") as folder:
        path = Path(folder) / "customers.csv"
        with path.open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(["last_active_at", "created_at", "plan"])
            for row in rows:
                writer.writerow([row["last_active_at"] or "", row["created_at"], row["plan"] or ""])
        connection = duckdb.connect(":memory:")
        connection.execute(f"CREATE TABLE customers AS SELECT * FROM read_csv('{path}', header = true, "
                           "columns = {'last_active_at': 'TIMESTAMPTZ', 'created_at': 'TIMESTAMPTZ', "
                           "'plan': 'VARCHAR'})")
    query = ("SELECT count(*) FROM customers WHERE coalesce(last_active_at, created_at) <= ? "
             "AND plan IN ('pro', 'team')")
    best, matches = float("inf"), -1
    for _ in range(runs):
        started = time.perf_counter()
        (matches,) = connection.execute(query, [threshold]).fetchone()
        best = min(best, time.perf_counter() - started)
    connection.close()
    return best, matches


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    store = ensure_store(args.customers, args.events)
    threshold = NOW.replace(tzinfo=timezone.utc) - INACTIVE
    cli, cli_size = cli_end_to_end(store, args.runs)
    print(f"rekindle audience, end to end (median of {args.runs})   {cli:8.3f} s   {cli_size:>9,} customers")
    started = time.perf_counter()
    rows = load_rows(store)
    print(f"  (loading {len(rows):,} rows into Python for the other two: {time.perf_counter() - started:.1f} s, "
          "not counted)")
    record, record_size = per_record(rows, threshold, args.runs)
    print(f"rule-engine on preloaded rows (best of {args.runs})     {record:8.3f} s   {record_size:>9,} customers")
    duck, duck_size = columnar(rows, threshold, args.runs)
    print(f"DuckDB in memory (best of {args.runs})                  {duck:8.3f} s   {duck_size:>9,} customers")
    if not cli_size == record_size == duck_size:
        raise SystemExit(f"the three disagree: {cli_size} / {record_size} / {duck_size} customers")
    ratio = record / cli
    what = f"rekindle audience end to end, inactive 90d and plan in [pro, team], {args.customers:,} customers"
    if args.customers < 1_000_000:  # the per-record engine's cost grows with the store, the CLI's start-up does not
        target, bounds = f"no target at this size (target {TARGET_RATIO}x at 1M customers)", ""
    elif ratio >= TARGET_RATIO:
        target, bounds = f"target {TARGET_RATIO}x: met", ""
    else:
        target, bounds = f"target {TARGET_RATIO}x: missed", (
            "the command's fixed start-up (bench startup: about 0.5 s, over half of it importing SQLAlchemy, and "
            "with PYTHONDONTWRITEBYTECODE and no `make bytecode`, compiling Rekindle's modules) plus the SQLite "
            "count, one scan of the "
            "customers that reads every row's dates and parses the attributes of the inactive quarter for the plan "
            "(about 0.25 s of CPU at 1M, bench audience); what would move it: a faster JSON in SQLite (3.45's "
            "JSONB), an index on an attribute this hot, fewer modules loaded per command")
    return [
        Figure(what, f"{cli:.3f} s", f"rule-engine on preloaded rows: {record:.3f} s",
               f"{ratio:.1f}x faster ({target})", bounds),
        Figure(f"{what} (the columnar limit)", f"{cli:.3f} s", f"DuckDB in memory: {duck:.4f} s",
               f"{cli / duck:.0f}x DuckDB's time (no target: DuckDB holds the rows in memory, columnar)"),
    ]


if __name__ == "__main__":
    main(sys.argv[1:])
